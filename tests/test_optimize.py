"""The reflex controller on L2M2019Env: the shipped planar gait walks; the CMA-ES search runs, saves and resumes."""
from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from osim.control import N_PARAMS, PARAM_BOUNDS, default_params, load_params
from osim.control.optimize import EpisodeRunner, OptimizeConfig, load_checkpoint, optimize, run_episode, write_params

ROOT = Path(__file__).resolve().parents[1]


def _script():
    spec = importlib.util.spec_from_file_location("optimize_reflex", ROOT / "scripts" / "optimize_reflex.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.slow
def test_shipped_planar_parameters_walk_ten_seconds():
    """params_2D from the example's initial pose: 1000 steps without falling, forward, stepping."""
    runner = EpisodeRunner("2D", difficulty=0)
    try:
        result = runner.score(default_params("2D"), seeds=[0], max_steps=None)
    finally:
        runner.close()
    assert result["steps"] == 1000  # the difficulty-0 time limit: no fall
    assert result["distance"] > 12.0  # ~1.4 m/s for 10 s (measured: 14.13 m)
    assert result["footsteps"] >= 15  # measured: 21
    assert result["return"] > 150  # 100 alive bonus + footstep rewards (measured: 202.0)


@pytest.mark.slow
def test_shipped_3d_parameters_are_the_search_result():
    """The shipped 3D parameters score what their file header says (deterministic at difficulty 0)."""
    from importlib import resources

    text = resources.files("osim.control").joinpath("params_3d.txt").read_text()
    header = [line for line in text.splitlines() if "CMA-ES generation" in line][0]
    claimed_steps = int(header.split(" steps")[0].rsplit(" ", 1)[1])
    from osim.control import default_options

    runner = EpisodeRunner("3D", difficulty=0, alpha_f=default_options("3D").get("alpha_f"))
    try:
        result = runner.score(default_params("3D"), seeds=[0], max_steps=None)
    finally:
        runner.close()
    assert result["steps"] == claimed_steps
    assert f"return {result['return']:.3f}" in header


def test_episode_of_a_falling_controller_ends_early():
    """Zero gains: the controller gives up support and the model falls before the step cap."""
    runner = EpisodeRunner("2D", difficulty=0)
    try:
        p = np.clip(np.zeros(37), PARAM_BOUNDS[:37, 0], PARAM_BOUNDS[:37, 1])
        result = run_episode(runner.env, p, "2D", max_steps=300)
    finally:
        runner.close()
    assert result["fell"] and result["steps"] < 300 and result["return"] == pytest.approx(0.1 * result["steps"],
                                                                                           abs=30)


def test_search_saves_a_checkpoint_and_resumes(tmp_path):
    cfg = OptimizeConfig(mode="2D", out_dir=tmp_path, popsize=2, max_steps=30, max_generations=1, workers=1)
    first = optimize(cfg, progress=False)
    assert first["generations"] == 1 and first["evaluations"] == 2 and first["env_steps"] == 60
    state = load_checkpoint(tmp_path)
    assert state["generation"] == 1
    best = load_params(tmp_path / "best_params.txt")
    assert best.shape == (37,) and np.allclose(best, first["best"]["params"])
    x0 = default_params("2D")  # five of its values lie outside the bounds: those widen to include them
    assert np.all(best >= np.minimum(PARAM_BOUNDS[:37, 0], x0)) and np.all(best <= np.maximum(PARAM_BOUNDS[:37, 1], x0))
    # resume with a larger budget: the same search goes on (mode, popsize, objective from the checkpoint)
    resumed = optimize(OptimizeConfig(mode="3D", out_dir=tmp_path, max_generations=2, workers=1), resume=True,
                       progress=False)
    assert resumed["mode"] == "2D" and resumed["generations"] == 2 and resumed["evaluations"] == 4
    history = [json.loads(line) for line in (tmp_path / "history.jsonl").read_text().splitlines()]
    assert [h["generation"] for h in history] == [1, 2]
    assert history[1]["best_so_far"]["return"] >= history[0]["best_so_far"]["return"]
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert summary["generations"] == 2 and summary["cpu_hours"] > 0


def test_init_speeds_score_each_candidate_from_each_start(tmp_path):
    """Three starts: three episodes per candidate, each from the example's pose with its own pelvis speeds."""
    from osim.control.optimize import init_pose_with_speeds
    from osim.env.l2m2019 import EXAMPLE_INIT_POSE

    pose = init_pose_with_speeds(1.2, -0.1)
    assert pose[:2].tolist() == [1.2, -0.1] and np.array_equal(pose[2:], EXAMPLE_INIT_POSE[2:])
    runner = EpisodeRunner("2D", difficulty=0)
    try:
        starts = [init_pose_with_speeds(v, 0.0) for v in (1.0, 1.7, 2.4)]
        result = runner.score(default_params("2D"), seeds=[0], max_steps=5, init_poses=starts)
        runner.env.reset(seed=0, init_pose=starts[2])
        fastest = runner.env.sim.body_velocity("pelvis")[0]
    finally:
        runner.close()
    assert [e["steps"] for e in result["episodes"]] == [5, 5, 5] and result["env_steps"] == 15
    distances = [e["distance"] for e in result["episodes"]]
    assert distances[0] < distances[1] < distances[2]  # a faster start goes further in 50 ms
    assert fastest == pytest.approx(2.4, abs=1e-6)
    cfg = OptimizeConfig(mode="2D", out_dir=tmp_path, popsize=2, max_steps=3, max_generations=1,
                         init_speeds=((1.5, 0.0), (1.9, 0.0)))
    summary = optimize(cfg, progress=False)
    assert summary["env_steps"] == 2 * 2 * 3 and summary["init_speeds"] == [[1.5, 0.0], [1.9, 0.0]]
    assert "speeds [[1.5, 0.0], [1.9, 0.0]] m/s" in (tmp_path / "best_params.txt").read_text()


def test_free_parameters_are_searched_and_the_others_stay_at_x0(tmp_path):
    """--free frontal: the planar 2019 values stay exactly (five lie outside the bounds: not clipped)."""
    x0 = default_params("3D", initial=True)
    outside = (x0 < PARAM_BOUNDS[:, 0]) | (x0 > PARAM_BOUNDS[:, 1])
    assert outside[:37].sum() == 5
    cfg = OptimizeConfig(mode="3D", out_dir=tmp_path, popsize=3, max_steps=2, max_generations=1,
                         free=["frontal"], x0=x0)
    result = optimize(cfg, progress=False)
    best = np.asarray(result["best"]["params"])
    assert np.array_equal(best[:37], x0[:37])
    assert np.all(best[37:] != x0[37:]) and result["free"] == list(range(37, 46))


def test_search_with_the_corrected_frontal_law_says_so_in_its_file(tmp_path):
    from osim.control import ReflexController

    cfg = OptimizeConfig(mode="3D", out_dir=tmp_path, popsize=2, max_steps=2, max_generations=1,
                         alpha_f="abduction_angle")
    assert optimize(cfg, progress=False)["alpha_f"] == "abduction_angle"
    assert ReflexController("3D", params=tmp_path / "best_params.txt").alpha_f == "abduction_angle"


def test_yaw_weight_scores_the_return_minus_the_heading_integral(tmp_path):
    """The 3D model turns as it stumbles: yaw_seconds > 0 (planar: 0), and the objective subtracts it."""
    runner = EpisodeRunner("3D", difficulty=0)
    try:
        episode = run_episode(runner.env, default_params("3D", initial=True), "3D", max_steps=60)
    finally:
        runner.close()
    assert episode["yaw_seconds"] > 0
    cfg = OptimizeConfig(mode="3D", out_dir=tmp_path, popsize=2, max_steps=20, max_generations=1, yaw_weight=50.0)
    best = optimize(cfg, progress=False)["best"]
    assert best["yaw_seconds"] > 0
    assert best["objective"] == pytest.approx(best["return"] - 50.0 * best["yaw_seconds"])
    assert "objective: return - 50 x that" in (tmp_path / "best_params.txt").read_text()
    runner = EpisodeRunner("2D", difficulty=0)
    try:
        assert run_episode(runner.env, default_params("2D"), "2D", max_steps=20)["yaw_seconds"] < 1e-12  # locked
    finally:
        runner.close()


def test_search_takes_the_frontal_law_of_its_start(tmp_path):
    """No alpha_f given: the law x0's file names (the shipped 3D parameters' by default), else the original's."""
    from osim.control.optimize import _alpha_f

    shipped = OptimizeConfig(mode="3D", out_dir=tmp_path)
    assert _alpha_f(shipped) == "abduction_angle"
    assert _alpha_f(OptimizeConfig(mode="3D", x0=default_params("3D", initial=True))) == "abduction_rate"
    write_params(tmp_path / "rate.txt", default_params("3D"), "3D")
    assert _alpha_f(OptimizeConfig(mode="3D", x0=tmp_path / "rate.txt")) == "abduction_rate"
    assert _alpha_f(OptimizeConfig(mode="3D", alpha_f="abduction_rate")) == "abduction_rate"
    summary = optimize(OptimizeConfig(mode="3D", out_dir=tmp_path / "run", popsize=2, max_steps=2,
                                      max_generations=1), progress=False)
    assert summary["alpha_f"] == "abduction_angle"


def test_x0_outside_the_bounds_widens_them():
    """The search starts where x0 is, even outside the bounds: the planar 2019 gait, clipped, falls at 2.2 s."""
    from osim.control.optimize import _bounds

    x0 = default_params("2D")
    lo, hi = _bounds("2D", True)
    clipped = np.clip(x0, lo, hi)
    runner = EpisodeRunner("2D", difficulty=0)
    try:
        steps = run_episode(runner.env, clipped, "2D", max_steps=400)["steps"]
    finally:
        runner.close()
    assert steps < 400  # measured: 223


def test_per_leg_search_has_twice_the_parameters(tmp_path):
    cfg = OptimizeConfig(mode="2D", out_dir=tmp_path, popsize=2, max_steps=2, max_generations=1,
                         symmetric=False)
    result = optimize(cfg, progress=False)
    assert len(result["best"]["params"]) == 2 * N_PARAMS["2D"]
    assert load_params(tmp_path / "best_params.txt").shape == (74,)


def test_max_steps_beyond_the_time_limit_lifts_it_for_the_episode():
    runner = EpisodeRunner("2D", difficulty=0)
    try:
        env = runner.env
        env.set_time_limit(3)  # a short env limit stands in for the 1000 steps
        p = default_params("2D")
        assert run_episode(env, p, "2D")["steps"] == 3
        longer = run_episode(env, p, "2D", max_steps=6)
        assert longer["steps"] == 6 and not longer["fell"]
        assert env.time_limit == 3 and env.spec.timestep_limit == 3  # restored after the episode
        assert run_episode(env, p, "2D", max_steps=2)["steps"] == 2
    finally:
        runner.close()


def test_legs_follow_the_start_unless_told(tmp_path):
    """Default: a search keeps its start's layout (the shipped 3D parameters are per leg, the 2D ones shared)."""
    assert default_params("3D").shape == (2 * N_PARAMS["3D"],)
    assert OptimizeConfig(mode="3D").n_params == 2 * N_PARAMS["3D"]
    assert OptimizeConfig(mode="2D").n_params == N_PARAMS["2D"]
    assert OptimizeConfig(mode="3D", x0=default_params("3D", initial=True)).n_params == N_PARAMS["3D"]
    assert OptimizeConfig(mode="2D", symmetric=False).n_params == 2 * N_PARAMS["2D"]
    with pytest.raises(ValueError, match="per-leg values .* search them per leg"):
        optimize(OptimizeConfig(mode="3D", out_dir=tmp_path, symmetric=True, max_generations=1), progress=False)
    script = _script()
    write_params(tmp_path / "legs.txt", np.tile(default_params("2D"), 2), "2D")
    assert script.main(["--mode", "2D", "--x0", str(tmp_path / "legs.txt"), "--out", str(tmp_path / "run"),
                        "--popsize", "2", "--max-steps", "2", "--max-generations", "1", "--no-progress"]) == 0
    assert "right leg then left leg" in (tmp_path / "run" / "best_params.txt").read_text()
    assert load_params(tmp_path / "run" / "best_params.txt").shape == (74,)
    with pytest.raises(SystemExit):  # argparse: not both
        script.main(["--per-leg", "--shared", "--max-generations", "1"])


def test_written_parameters_read_back_exactly(tmp_path):
    p = default_params("3D") + 1e-13
    write_params(tmp_path / "p.txt", p, "3D", header=["a header line"])
    text = (tmp_path / "p.txt").read_text()
    assert text.startswith("# a header line") and "HAD_6_PG" in text
    assert np.array_equal(load_params(tmp_path / "p.txt"), p)


@pytest.mark.parametrize("kwargs, match", [
    ({"mode": "4D"}, "mode"), ({"backend": "dask"}, "backend"), ({"difficulty": 5}, "difficulty"),
    ({"workers": 0}, "workers"), ({"sigma0": -1.0}, "sigma0"), ({"seeds": ()}, "seed"),
    ({"popsize": 1}, "popsize"), ({"x0": np.ones(5)}, "x0 has 5 values"),
    ({"free": ["frontal"], "mode": "2D"}, "3D mode only"), ({"free": ["knee"]}, "unknown parameter 'knee'"),
    ({"free": [46]}, "out of range"), ({"free": []}, "at least one"),
    ({"alpha_f": "angle"}, "alpha_f must be one of"), ({"yaw_weight": -1.0}, "yaw_weight"),
    ({"init_speeds": ((1.7,),)}, "init_speeds"), ({"init_speeds": ((1.7, float("nan")),)}, "init_speeds"),
])
def test_bad_settings_are_refused(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        optimize(OptimizeConfig(out_dir=tmp_path, max_generations=1, **kwargs), progress=False)


def test_script_needs_a_budget_and_reports_errors(tmp_path, capsys):
    script = _script()
    assert script.main(["--mode", "2D", "--out", str(tmp_path)]) == 2
    assert "give a budget" in capsys.readouterr().err
    assert script.main(["--out", str(tmp_path / "nothing"), "--resume", "--max-generations", "1"]) == 2
    assert "checkpoint.pkl" in capsys.readouterr().err
    assert script.main(["--mode", "2D", "--out", str(tmp_path / "run"), "--popsize", "2", "--max-steps", "2",
                        "--max-generations", "1", "--no-progress"]) == 0
    assert "best: return" in capsys.readouterr().out
    assert script.main(["--mode", "2D", "--out", str(tmp_path / "run2"), "--max-generations", "1",
                        "--init-speeds", "1.7"]) == 2
    assert "FORWARD,RIGHTWARD" in capsys.readouterr().err


def test_missing_cma_names_the_pip_command(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "cma", None)
    with pytest.raises(ImportError, match=r'pip install "osim-rl\[optimize\]"'):
        optimize(OptimizeConfig(out_dir=tmp_path, max_generations=1), progress=False)


def _children(pid: int) -> list[int]:
    kids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(pid) and "spawn_main" in \
                Path(status.parent / "cmdline").read_bytes().decode(errors="replace"):
            kids.append(int(status.parent.name))
    return kids


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="parent-death signal is Linux-only")
def test_killed_search_leaves_no_worker_running(tmp_path):
    """SIGKILL the search mid-generation: its episode workers end too (no orphans stepping on)."""
    import signal
    import subprocess
    import time

    code = ("from osim.control.optimize import OptimizeConfig, optimize\n"
            f"optimize(OptimizeConfig(mode='2D', out_dir={str(tmp_path)!r}, popsize=2, workers=2, "
            "max_generations=5), progress=False)\n")
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.2)
        workers = _children(proc.pid)
        assert len(workers) == 2, "the search did not start its two workers"
        time.sleep(3)  # the workers are inside their (10 s) episodes now
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        deadline = time.monotonic() + 20
        alive = workers
        while alive and time.monotonic() < deadline:
            time.sleep(0.2)
            alive = [w for w in workers if Path(f"/proc/{w}").exists()
                     and "Z" not in Path(f"/proc/{w}/stat").read_text().split()[2]]
        assert not alive, f"workers {alive} outlived the search"
    finally:
        if proc.poll() is None:
            proc.kill()
