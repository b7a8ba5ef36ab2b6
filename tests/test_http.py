"""Remote evaluation: the challenge client against a real server on loopback.

Servers run in a thread of the test process (uvicorn on 127.0.0.1, a free
port); their envs run in worker processes. Episodes are short (max_steps 20
or less) so the whole file takes well under two minutes.
"""
from __future__ import annotations

import json
import math
import os
import signal
import threading
import time
from pathlib import Path

import pytest
import requests

from osim.http import example_config_path
from osim.http.client import Client, ServerError
from osim.http.config import load_config, parse_config
from osim.http.server import ServerThread

NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan"]
TOKENS = {name: f"tok-{name}-0123456789" for name in NAMES}
L2RUN_SEEDS = (1, 2)
L2RUN_STEPS = 20
N_MUSCLES = 18


def write_config(path: Path, server: str = "", limits: str = "", envs: str | None = None,
                 exclude: tuple[str, ...] = ()) -> Path:
    tokens = "\n".join(f'"{tok}" = "{name}"' for name, tok in TOKENS.items() if name not in exclude)
    if envs is None:
        envs = f"""
[envs.L2RunEnv]
seeds = {list(L2RUN_SEEDS)}
max_steps = {L2RUN_STEPS}

[envs.Walk]
class = "WalkEnv"
episodes = [{{ seed = 3 }}, {{ scenario = {{}} }}]
max_steps = 5
observation = "dict"
"""
    path.write_text(f"[server]\n{server}\n[limits]\n{limits}\n[tokens]\n{tokens}\n{envs}")
    return path


def my_controller(observation) -> list[float]:
    """Deterministic, observation-dependent excitations (so wrong observations would change the score)."""
    return [0.05 + 0.04 * math.tanh(observation[i % len(observation)]) for i in range(N_MUSCLES)]


@pytest.fixture(scope="module")
def expected():
    """The evaluation run locally: per-episode step rewards and the score."""
    from osim.registry import make_classic_env

    env = make_classic_env("L2RunEnv")
    env.spec.timestep_limit = L2RUN_STEPS
    episodes = []
    for seed in L2RUN_SEEDS:
        obs = env.reset(seed=seed).tolist()
        rewards, done = [], False
        while not done:
            obs, reward, done, _info = env.step(my_controller(obs))
            obs = obs.tolist()
            rewards.append(reward)
        episodes.append(rewards)
    env.close()
    totals = []
    for rewards in episodes:
        total = 0.0
        for r in rewards:
            total += r
        totals.append(total)
    return {"step_rewards": episodes, "totals": totals, "score": sum(totals) / len(totals)}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    config = write_config(tmp_path_factory.mktemp("http") / "eval.toml",
                          server="max_body_bytes = 4096\nidle_timeout = 300\nrequest_timeout = 60",
                          limits="max_instances = 3\nsubmissions_per_period = 100")
    with ServerThread(config) as srv:
        yield srv


@pytest.fixture()
def http():
    with requests.Session() as session:
        yield session


def post(session, url, body=None, raw: str | None = None):
    data = raw if raw is not None else json.dumps(body)
    return session.post(url, data=data, headers={"Content-type": "application/json"}, timeout=60)


def run_evaluation(url: str, token: str, env_id: str = "L2RunEnv") -> tuple[float, list[list[float]]]:
    """The challenges' client loop; returns the score and the step rewards per episode."""
    with Client(url) as client:
        observation = client.env_create(token, env_id=env_id)
        episodes, rewards = [], []
        while True:
            [observation, reward, done, info] = client.env_step(my_controller(observation), True)
            rewards.append(reward)
            if done:
                episodes.append(rewards)
                rewards = []
                observation = client.env_reset()
                if not observation:
                    break
        return client.submit(), episodes


# ----------------------------------------------------------------- happy path
def test_snippet_full_evaluation(server, expected):
    # the remote-evaluation snippet of the challenges, as written
    remote_base, token = server.url, TOKENS["alice"]
    client = Client(remote_base)
    observation = client.env_create(token, env_id="L2RunEnv")
    assert isinstance(observation, list) and len(observation) == 43
    while True:
        [observation, reward, done, info] = client.env_step(my_controller(observation), True)
        if done:
            observation = client.env_reset()
            if not observation:
                break
    score = client.submit()
    client.close()
    assert score == expected["score"]

    board = requests.get(f"{server.url}/v1/leaderboard/L2RunEnv", timeout=10).json()
    alice = [e for e in board["entries"] if e["name"] == "alice"]
    assert board["episodes"] == len(L2RUN_SEEDS)
    assert len(alice) == 1 and alice[0]["score"] == expected["score"]
    assert alice[0]["episode_rewards"] == expected["totals"]
    assert TOKENS["alice"] not in json.dumps(board)

    ev = server.evaluator.db.evaluation(alice[0]["evaluation_id"])
    assert ev["status"] == "submitted" and ev["submitted_at"] >= ev["created_at"]
    assert [e["steps"] for e in ev["episodes"]] == [L2RUN_STEPS] * len(L2RUN_SEEDS)
    assert [e["reward"] for e in ev["episodes"]] == expected["totals"]

    page = requests.get(f"{server.url}/leaderboard", timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "alice" in page.text and f"{expected['score']:.6f}" in page.text


def test_step_rewards_match_local_run(server, expected):
    score, episodes = run_evaluation(server.url, TOKENS["bob"])
    assert episodes == expected["step_rewards"]
    assert score == expected["score"]


def test_dict_observations_and_scenarios(server):
    with Client(server.url) as client:
        observation = client.env_create(TOKENS["carol"], env_id="Walk")
        assert isinstance(observation, dict) and "body_pos" in observation
        steps = 0
        while True:
            observation, reward, done, info = client.env_step([0.1] * N_MUSCLES)
            assert isinstance(observation, dict) and isinstance(info, dict)
            steps += 1
            if done:
                observation = client.env_reset()
                if observation is None:
                    break
        assert steps == 2 * 5  # two episodes of max_steps 5
        assert isinstance(client.submit(), float)


def test_concurrent_clients(server, expected):
    names = NAMES[1:9]
    results, errors = {}, []

    def one(name):
        try:
            results[name] = run_evaluation(server.url, TOKENS[name])[0]
        except Exception as exc:  # noqa: BLE001
            errors.append((name, repr(exc)))

    threads = [threading.Thread(target=one, args=(name,)) for name in names]
    before = len(server.evaluator.db.submissions("L2RunEnv"))
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=90)
    assert not errors
    assert sorted(results) == sorted(names)
    assert all(score == expected["score"] for score in results.values())
    subs = server.evaluator.db.submissions("L2RunEnv")
    new = subs[before:]
    assert len(new) == len(names)
    assert sorted(s["name"] for s in new) == sorted(names)  # every score stored once
    assert not server.evaluator.instances  # all closed


# ----------------------------------------------------------------- bad input
def assert_error(resp, status: int, *words: str) -> str:
    assert resp.status_code == status, resp.text
    message = resp.json()["message"]
    assert isinstance(message, str) and message
    for w in words:
        assert w.lower() in message.lower(), message
    return message


def test_bad_input_changes_nothing(server, http, expected):
    base = server.url
    resp = post(http, f"{base}/v1/envs/", {"env_id": "L2RunEnv", "token": TOKENS["dave"], "version": "x"})
    assert resp.status_code == 200, resp.text
    iid = resp.json()["instance_id"]
    route = f"{base}/v1/envs/{iid}"

    # before the first reset
    assert_error(post(http, f"{route}/step/", {"action": [0.1] * N_MUSCLES}), 409, "reset")
    assert_error(post(http, f"{route}/monitor/close/"), 409, "not finished")
    assert post(http, f"{route}/monitor/start/", {"directory": "tmp", "force": True, "resume": False,
                                                  "video_callable": False}).status_code == 200

    # creation errors
    assert_error(post(http, f"{base}/v1/envs/", raw="{not json"), 400, "malformed JSON")
    assert_error(post(http, f"{base}/v1/envs/", {"env_id": "L2RunEnv", "token": "not-a-token-at-all"}),
                 401, "token")
    assert_error(post(http, f"{base}/v1/envs/", {"env_id": "NoSuchEnv", "token": TOKENS["dave"]}),
                 400, "NoSuchEnv", "L2RunEnv")
    assert_error(post(http, f"{base}/v1/envs/", {"env_id": "L2RunEnv"}), 422, "token")
    assert_error(post(http, f"{base}/v1/envs/", None), 422)
    assert_error(post(http, f"{base}/v1/envs/nosuchinstance/step/", {"action": [0.1] * N_MUSCLES}),
                 404, "unknown instance")
    assert_error(post(http, f"{base}/v1/envs/nosuchinstance/reset/"), 404, "unknown instance")
    assert_error(http.get(f"{base}/v1/nothing-here", timeout=10), 404)

    obs = post(http, f"{route}/reset/").json()["observation"]
    rewards, episode = [], 0
    while True:
        # a volley of bad requests before every step; none may change the episode
        good = my_controller(obs)
        assert_error(post(http, f"{route}/step/", raw='{"action": [0.1, '), 400, "malformed JSON")
        assert_error(post(http, f"{route}/step/", {"action": good[:-1]}), 400, "18 values", "got 17")
        assert_error(post(http, f"{route}/step/", {"action": good + [0.1]}), 400, "18 values")
        assert_error(post(http, f"{route}/step/", raw=json.dumps({"action": good[:5] + [float("nan")] + good[6:]})),
                     400, "non-finite", "[5]")
        assert_error(post(http, f"{route}/step/", raw='{"action": [Infinity' + ", 0.1" * 17 + "]}"), 400,
                     "non-finite")
        assert_error(post(http, f"{route}/step/", {"action": ["0.1"] * N_MUSCLES}), 422, "action")
        assert_error(post(http, f"{route}/step/", {"action": [[0.1]] * N_MUSCLES}), 422, "action")
        assert_error(post(http, f"{route}/step/", {"act": good}), 422, "action")
        assert_error(post(http, f"{route}/step/", None), 422)
        assert_error(post(http, f"{route}/step/", {"action": good + [0.0] * 1000}), 413, "too large")
        assert_error(post(http, f"{route}/reset/"), 409, "still running")
        assert_error(post(http, f"{route}/monitor/close/"), 409, "not finished")
        if len(rewards) % 7 == 0:  # the client raises ServerError with the status
            with Client(base) as c:
                c.instance_id = iid
                with pytest.raises(ServerError) as err:
                    c.env_step([0.5] * 3)
                assert err.value.status_code == 400 and "18 values" in err.value.message
        body = post(http, f"{route}/step/", {"action": good, "render": True}).json()
        obs = body["observation"]
        rewards.append(body["reward"])
        if body["done"]:
            assert rewards == expected["step_rewards"][episode]
            assert_error(post(http, f"{route}/step/", {"action": good}), 409, "ended")
            episode, rewards = episode + 1, []
            obs = post(http, f"{route}/reset/").json()["observation"]
            if obs is None:
                break
    assert episode == len(L2RUN_SEEDS)
    assert_error(post(http, f"{route}/step/", {"action": [0.1] * N_MUSCLES}), 409, "submit")
    assert post(http, f"{route}/reset/").json()["observation"] is None  # stays falsy
    result = post(http, f"{route}/monitor/close/").json()
    assert result["reward"] == expected["score"]
    assert post(http, f"{route}/monitor/close/").json()["reward"] == expected["score"]  # idempotent
    assert post(http, f"{route}/close/").status_code == 200
    assert_error(post(http, f"{route}/step/", {"action": [0.1] * N_MUSCLES}), 404, "closed")
    stored = [s for s in server.evaluator.db.submissions("L2RunEnv") if s["id"] == result["evaluation_id"]]
    assert len(stored) == 1 and stored[0]["score"] == expected["score"] and stored[0]["name"] == "dave"


def test_openapi_documents_the_protocol(server):
    spec = requests.get(f"{server.url}/openapi.json", timeout=10).json()
    paths = spec["paths"]
    for route in ("/v1/envs/", "/v1/envs/{instance_id}/reset/", "/v1/envs/{instance_id}/step/",
                  "/v1/envs/{instance_id}/monitor/start/", "/v1/envs/{instance_id}/monitor/close/",
                  "/v1/envs/{instance_id}/close/", "/v1/leaderboard/{env_id}", "/leaderboard"):
        assert route in paths, route
    step = spec["components"]["schemas"]["StepRequest"]["properties"]["action"]
    assert step["type"] == "array" and step["items"]["type"] == "number"


# ------------------------------------------------------------- limits, idle
def test_token_limits(tmp_path, http):
    config = write_config(tmp_path / "limits.toml", limits="max_instances = 1\nsubmissions_per_period = 1",
                          envs='[envs.L2RunEnv]\nseeds = [0]\nmax_steps = 2\n')
    with ServerThread(config) as srv:
        base = srv.url
        first = post(http, f"{base}/v1/envs/", {"env_id": "L2RunEnv", "token": TOKENS["erin"]})
        assert first.status_code == 200
        assert_error(post(http, f"{base}/v1/envs/", {"env_id": "L2RunEnv", "token": TOKENS["erin"]}),
                     429, "limit is 1")
        # another token is not affected
        other = post(http, f"{base}/v1/envs/", {"env_id": "L2RunEnv", "token": TOKENS["frank"]})
        assert other.status_code == 200
        post(http, f"{base}/v1/envs/{other.json()['instance_id']}/close/")
        post(http, f"{base}/v1/envs/{first.json()['instance_id']}/close/")
        assert run_evaluation(base, TOKENS["erin"])[0] is not None
        assert_error(post(http, f"{base}/v1/envs/", {"env_id": "L2RunEnv", "token": TOKENS["erin"]}),
                     429, "submission")
        # tokens added to the database are known too
        srv.evaluator.db.add_token("tok-from-database-42", "zoe")
        assert run_evaluation(base, "tok-from-database-42")[0] is not None


def test_idle_instance_times_out(tmp_path, http):
    config = write_config(tmp_path / "idle.toml", server="idle_timeout = 1.0",
                          envs='[envs.L2RunEnv]\nseeds = [0]\nmax_steps = 5\n')
    with ServerThread(config) as srv:
        resp = post(http, f"{srv.url}/v1/envs/", {"env_id": "L2RunEnv", "token": TOKENS["grace"]})
        iid = resp.json()["instance_id"]
        post(http, f"{srv.url}/v1/envs/{iid}/reset/")
        pid = srv.evaluator.instances[iid].worker.pid
        # a client that keeps talking is not timed out
        for _ in range(4):
            time.sleep(0.5)
            assert post(http, f"{srv.url}/v1/envs/{iid}/step/", {"action": [0.1] * N_MUSCLES}).status_code == 200
        deadline = time.monotonic() + 10
        while iid in srv.evaluator.instances and time.monotonic() < deadline:
            time.sleep(0.1)
        assert iid not in srv.evaluator.instances
        assert_error(post(http, f"{srv.url}/v1/envs/{iid}/step/", {"action": [0.1] * N_MUSCLES}), 404,
                     "without requests")
        assert _gone(pid)
        statuses = {e["status"] for e in srv.evaluator.db._query("SELECT status FROM evaluations")}
        assert statuses == {"timed_out"}


def _gone(pid: int, timeout: float = 10.0) -> bool:
    """Wait until the process has exited (its worker is closed asynchronously)."""
    deadline = time.monotonic() + timeout
    while _alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return "zombie" not in fh.read()
    except FileNotFoundError:
        return False


# ------------------------------------------------------ restart, worker death
def test_restart_keeps_scores(tmp_path, expected):
    config = write_config(tmp_path / "restart.toml")
    with ServerThread(config) as srv:
        score = run_evaluation(srv.url, TOKENS["heidi"])[0]
        # an evaluation left open when the server stops
        with Client(srv.url) as client:
            client.env_create(TOKENS["ivan"], env_id="L2RunEnv")
            open_iid = client.instance_id
        pid = srv.evaluator.instances[open_iid].worker.pid
    assert _gone(pid)  # workers stop with the server
    assert (tmp_path / "restart.sqlite3").is_file()  # the database defaults to a file next to the config
    # restart; heidi's token was taken out of the configuration meanwhile
    write_config(tmp_path / "restart.toml", exclude=("heidi",))
    with ServerThread(config) as srv:
        board = requests.get(f"{srv.url}/v1/leaderboard/L2RunEnv", timeout=10).json()
        assert [(e["name"], e["score"]) for e in board["entries"]] == [("heidi", score)]
        assert score == expected["score"]
        rows = srv.evaluator.db._query("SELECT status FROM evaluations WHERE instance_id = ?", (open_iid,))
        assert rows == [{"status": "interrupted"}]
        with requests.Session() as http:
            assert_error(post(http, f"{srv.url}/v1/envs/{open_iid}/reset/"), 404, "unknown instance")
            assert_error(post(http, f"{srv.url}/v1/envs/", {"env_id": "L2RunEnv", "token": TOKENS["heidi"]}),
                         401, "unknown token")


def test_killed_worker_is_reported(server, http):
    base = server.url
    iid = post(http, f"{base}/v1/envs/", {"env_id": "L2RunEnv", "token": TOKENS["alice"]}).json()["instance_id"]
    post(http, f"{base}/v1/envs/{iid}/reset/")
    pid = server.evaluator.instances[iid].worker.pid
    os.kill(pid, signal.SIGKILL)
    t0 = time.monotonic()
    message = assert_error(post(http, f"{base}/v1/envs/{iid}/step/", {"action": [0.1] * N_MUSCLES}), 500,
                           "died", "SIGKILL")
    assert time.monotonic() - t0 < 5
    assert assert_error(post(http, f"{base}/v1/envs/{iid}/reset/"), 404) == message
    ev = server.evaluator.db._query("SELECT status, detail FROM evaluations WHERE instance_id = ?", (iid,))
    assert ev[0]["status"] == "failed" and "died" in ev[0]["detail"]
    # the server goes on
    with Client(base) as client:
        assert len(client.env_create(TOKENS["alice"], env_id="L2RunEnv")) == 43
        client.env_close()


def test_stuck_worker_is_killed(tmp_path, http):
    config = write_config(tmp_path / "stuck.toml", server="request_timeout = 2.0",
                          envs='[envs.L2RunEnv]\nseeds = [0]\nmax_steps = 5\n')
    with ServerThread(config) as srv:
        iid = post(http, f"{srv.url}/v1/envs/", {"env_id": "L2RunEnv", "token": TOKENS["bob"]}).json()["instance_id"]
        post(http, f"{srv.url}/v1/envs/{iid}/reset/")
        pid = srv.evaluator.instances[iid].worker.pid
        os.kill(pid, signal.SIGSTOP)
        try:
            t0 = time.monotonic()
            assert_error(post(http, f"{srv.url}/v1/envs/{iid}/step/", {"action": [0.1] * N_MUSCLES}), 504,
                         "did not answer")
            assert time.monotonic() - t0 < 10
            assert _gone(pid)
        finally:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


# ------------------------------------------------------------------ config
def test_example_config_parses(tmp_path):
    config = load_config(example_config_path())
    assert config.server.database == example_config_path().parent / "eval.sqlite3"
    assert set(config.envs) >= {"L2M2019Env", "ProstheticsEnv", "Run"}
    assert config.envs["Run"].env_class == "RunEnv" and config.envs["Run"].max_steps == 1000
    assert config.envs["L2M2019Env"].max_steps is None  # the env's own time limit (not a fixed 1000)
    assert all(t.name for t in config.tokens.values())


@pytest.mark.parametrize("data, words", [
    ({}, ["no [envs"]),
    ({"envs": {"NoSuchEnv": {"seeds": [1]}}}, ["unknown env class", "NoSuchEnv", "L2RunEnv"]),
    ({"envs": {"L2RunEnv": {}}}, ["exactly one of seeds"]),
    ({"envs": {"L2RunEnv": {"seeds": [1], "episodes": [{"seed": 1}]}}}, ["exactly one of seeds"]),
    ({"envs": {"L2RunEnv": {"seeds": [-1]}}}, ["non-negative"]),
    ({"envs": {"L2RunEnv": {"seeds": [1], "observation": "image"}}}, ["observation", "vector, dict, state_desc"]),
    ({"envs": {"L2RunEnv": {"seeds": [1], "max_steps": 0}}}, ["max_steps"]),
    ({"envs": {"L2RunEnv": {"episodes": [{"seed": 1, "difficulty": 2}]}}}, ["unknown keys", "difficulty"]),
    ({"envs": {"L2RunEnv": {"seeds": [1], "reset_kwargs": {"seed": 3}}}}, ["reset_kwargs", "seed"]),
    ({"envs": {"L2RunEnv": {"seeds": [1]}}, "tokens": {"short": "x"}}, ["too short"]),
    ({"envs": {"L2RunEnv": {"seeds": [1]}}, "tokens": {"long-enough-token": ""}}, ["name"]),
    ({"envs": {"L2RunEnv": {"seeds": [1]}}, "server": {"idle_timeout": -1}}, ["idle_timeout"]),
    ({"envs": {"L2RunEnv": {"seeds": [1]}}, "server": {"start_method": "fork"}}, ["start_method", "spawn"]),
    ({"envs": {"L2RunEnv": {"seeds": [1]}}, "serverr": {}}, ["unknown keys", "serverr"]),
])
def test_config_errors(data, words):
    with pytest.raises(ValueError) as err:
        parse_config(data)
    for w in words:
        assert w in str(err.value)


def test_config_file_errors(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_config(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[server\n")
    with pytest.raises(ValueError, match="not valid TOML"):
        load_config(bad)


# ------------------------------------------------------------------ client
def test_zero_score_is_a_score(monkeypatch):
    # the original client reported an error when the total reward was exactly 0 (docs/quirks.md, Q57)
    client = Client("http://127.0.0.1:9")
    client.instance_id = "x"
    calls = []

    def fake(route, data):
        calls.append(route)
        return {"reward": 0.0} if route.endswith("monitor/close/") else {}

    monkeypatch.setattr(client, "_post_request", fake)
    assert client.submit() == 0.0
    assert calls == ["/v1/envs/x/monitor/close/", "/v1/envs/x/close/"]
    client.close()


def test_client_sends_numpy_actions(server):
    np = pytest.importorskip("numpy")
    with Client(server.url) as client:
        obs = client.env_create(TOKENS["frank"], env_id="L2RunEnv")
        obs, reward, done, info = client.env_step(np.full(N_MUSCLES, 0.1, dtype=np.float32))
        assert isinstance(reward, float) and isinstance(obs, list)
        obs, reward, done, info = client.env_step(tuple(np.float64(0.1) for _ in range(N_MUSCLES)))
        with pytest.raises(ServerError) as err:
            client.env_step(np.full(N_MUSCLES, np.nan))
        assert err.value.status_code == 400
        client.env_close()


# -------------------------------------------------------- serve(), the CLI
def test_serve_in_a_subprocess(tmp_path):
    import socket
    import subprocess
    import sys

    config = write_config(tmp_path / "cli.toml", envs='[envs.L2RunEnv]\nseeds = [0]\nmax_steps = 2\n')
    from osim.http.__main__ import main as http_main

    assert http_main(["add-token", "--config", str(config), "tok-added-by-cli-1", "cli-user"]) == 0
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    code = f"from osim.http import serve; serve({str(config)!r}, host='127.0.0.1', port={port})"
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stdout.read().decode()
            try:
                resp = requests.get(f"http://127.0.0.1:{port}/v1/leaderboard", timeout=2)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        assert resp.json() == {"env_ids": ["L2RunEnv"]}
        with requests.Session() as http:
            resp = post(http, f"http://127.0.0.1:{port}/v1/envs/", {"env_id": "Nope", "token": "tok-added-by-cli-1"})
            assert_error(resp, 400, "unknown env_id")  # the token from the database was accepted
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
    assert proc.returncode == 0, out.decode()
    assert b"Application shutdown complete" in out
