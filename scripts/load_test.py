#!/usr/bin/env python
"""Load test of the evaluation server: steps/s through HTTP next to the same env run locally.

Starts ``python -m osim.http serve`` on a free loopback port with a
throw-away configuration (or uses ``--url``, which must be a loopback
address), then measures:

* local:    the env stepped in this process (same workload), the baseline;
* remote:   1 client, then N concurrent clients (threads, ``--clients``),
            each stepping the same workload through :class:`osim.http.client.Client`;
* overhead: ``monitor/start`` round trips (HTTP + JSON + routing, no worker).

Every phase is bounded by ``--steps`` and by ``--max-seconds`` overall.
Prints steps/s and per-request latency percentiles (p50/p90/p99, ms).

    python scripts/load_test.py --env L2RunEnv --steps 300 --clients 1,4
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

import numpy as np

TOKEN_PREFIX = "load-test-token-"


def percentiles(samples_s: list[float]) -> dict:
    if not samples_s:
        return {"p50": float("nan"), "p90": float("nan"), "p99": float("nan")}
    ms = np.asarray(samples_s) * 1e3
    return {f"p{q}": float(np.percentile(ms, q)) for q in (50, 90, 99)}


def check_loopback(url: str) -> None:
    host = urllib.parse.urlparse(url).hostname or ""
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        pass
    raise SystemExit(f"--url must be a loopback address (127.0.0.0/8, ::1, localhost), got {host!r}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(directory: Path, env: str, n_clients: int, steps: int) -> Path:
    tokens = "\n".join(f'"{TOKEN_PREFIX}{k:04d}" = "load{k}"' for k in range(n_clients + 2))
    seeds = list(range(max(4, steps // 10 + 2)))  # more episodes than the workload can use
    path = directory / "load.toml"
    path.write_text(f"""
[server]
idle_timeout = 120
request_timeout = 60
max_instances = {n_clients + 4}
[limits]
max_instances = 2
submissions_per_period = 1000
[tokens]
{tokens}
[envs.load]
class = "{env}"
seeds = {seeds}
observation = "vector"
""")
    return path


class ServerProcess:
    """``python -m osim.http serve`` in a subprocess (stopped with SIGINT, then SIGKILL)."""

    def __init__(self, config: Path, port: int, log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self._log = open(log, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "osim.http", "serve", "--config", str(config), "--host", "127.0.0.1",
             "--port", str(port)], stdout=self._log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60.0) -> None:
        import requests

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited with code {self.proc.returncode}; see {self._log.name}")
            try:
                if requests.get(self.url + "/v1/leaderboard", timeout=2).status_code == 200:
                    return
            except requests.ConnectionError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"the server did not answer within {timeout:g} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def run_local(env_name: str, actions: np.ndarray, deadline: float) -> dict:
    from osim.registry import make_classic_env

    env = make_classic_env(env_name)
    env.reset(seed=0)
    times, seed = [], 0
    for action in actions:
        if time.monotonic() > deadline:
            break
        t0 = time.perf_counter()
        _obs, _r, done, _info = env.step(action)
        times.append(time.perf_counter() - t0)
        if done:
            seed += 1
            env.reset(seed=seed)
    env.close()
    return {"steps": len(times), "steps_per_s": len(times) / sum(times) if times else 0.0,
            "latency_ms": percentiles(times)}


def run_client(url: str, token: str, actions: np.ndarray, deadline: float, out: dict) -> None:
    from osim.http.client import Client

    times = []
    with Client(url, timeout=120) as client:
        client.env_create(token, env_id="load")
        for action in actions:
            if time.monotonic() > deadline:
                break
            t0 = time.perf_counter()
            _obs, _r, done, _info = client.env_step(action)
            times.append(time.perf_counter() - t0)
            if done and client.env_reset() is None:
                break
        client.env_close()
    out["times"] = times


def run_remote(url: str, n_clients: int, actions: np.ndarray, deadline: float) -> dict:
    outs = [{} for _ in range(n_clients)]
    threads = [threading.Thread(target=run_client, args=(url, f"{TOKEN_PREFIX}{k:04d}", actions, deadline, outs[k]))
               for k in range(n_clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    times = [x for o in outs for x in o.get("times", [])]
    failed = sum(1 for o in outs if "times" not in o)
    return {"clients": n_clients, "steps": len(times), "wall_s": wall,
            "steps_per_s": len(times) / wall if wall > 0 else 0.0,
            "steps_per_s_per_client": (len(times) / n_clients) / wall if wall > 0 else 0.0,
            "latency_ms": percentiles(times), "failed_clients": failed}


def run_overhead(url: str, n: int, deadline: float) -> dict:
    from osim.http.client import Client

    times = []
    with Client(url) as client:
        client.instance_id = client._post_request("/v1/envs/", {"env_id": "load",
                                                                "token": f"{TOKEN_PREFIX}0000"})["instance_id"]
        for _ in range(n):
            if time.monotonic() > deadline:
                break
            t0 = time.perf_counter()
            client.env_monitor_start()
            times.append(time.perf_counter() - t0)
        client.env_close()
    return {"requests": len(times), "latency_ms": percentiles(times)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="L2RunEnv", help="env class (default L2RunEnv)")
    parser.add_argument("--steps", type=int, default=300, help="steps per client and for the local run")
    parser.add_argument("--clients", default="1,4", help="comma-separated concurrent client counts")
    parser.add_argument("--max-seconds", type=float, default=180.0, help="overall time budget")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--url", default=None, help="an already running server (loopback only); its config "
                        "must have env id 'load' and tokens load-test-token-0000...")
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args()
    if not 1 <= args.steps <= 10000:
        parser.error("--steps must be in [1, 10000]")
    counts = [int(c) for c in args.clients.split(",") if c.strip()]
    if not counts or any(not 1 <= c <= 32 for c in counts):
        parser.error("--clients must list counts in [1, 32]")
    start = time.monotonic()
    deadline = start + args.max_seconds

    from osim.tools.bench import random_workload
    from osim.registry import make_classic_env

    probe = make_classic_env(args.env)
    actions = random_workload(probe.get_action_space_size(), args.steps, args.seed)
    probe.close()

    server = None
    tmp = tempfile.TemporaryDirectory(prefix="osim-load-")
    try:
        if args.url:
            check_loopback(args.url)
            url = args.url.rstrip("/")
        else:
            config = write_config(Path(tmp.name), args.env, max(counts), args.steps)
            server = ServerProcess(config, free_port(), Path(tmp.name) / "server.log")
            server.wait_ready()
            url = server.url
        results = {"env": args.env, "steps_per_client": args.steps, "cpus": os.cpu_count(),
                   "local": run_local(args.env, actions, deadline)}
        results["overhead"] = run_overhead(url, min(500, 2 * args.steps), deadline)
        results["remote"] = [run_remote(url, n, actions, deadline) for n in counts]
        results["elapsed_s"] = time.monotonic() - start
        results["hit_time_budget"] = time.monotonic() > deadline
    finally:
        if server is not None:
            server.stop()
        tmp.cleanup()

    loc = results["local"]
    print(f"env {args.env}, {args.steps} steps per run, {os.cpu_count()} CPUs, "
          f"elapsed {results['elapsed_s']:.1f} s{' (time budget hit)' if results['hit_time_budget'] else ''}")
    print(f"{'run':<22} {'steps':>6} {'steps/s':>9} {'per client':>11} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}")
    lat = loc["latency_ms"]
    print(f"{'local env.step':<22} {loc['steps']:>6} {loc['steps_per_s']:>9.1f} {loc['steps_per_s']:>11.1f} "
          f"{lat['p50']:>8.2f} {lat['p90']:>8.2f} {lat['p99']:>8.2f}")
    for r in results["remote"]:
        lat = r["latency_ms"]
        name = f"http, {r['clients']} client{'s' if r['clients'] > 1 else ''}"
        print(f"{name:<22} {r['steps']:>6} {r['steps_per_s']:>9.1f} {r['steps_per_s_per_client']:>11.1f} "
              f"{lat['p50']:>8.2f} {lat['p90']:>8.2f} {lat['p99']:>8.2f}"
              + (f"  ({r['failed_clients']} failed)" if r["failed_clients"] else ""))
    ov = results["overhead"]["latency_ms"]
    print(f"{'http round trip only':<22} {results['overhead']['requests']:>6} {'':>9} {'':>11} "
          f"{ov['p50']:>8.2f} {ov['p90']:>8.2f} {ov['p99']:>8.2f}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
