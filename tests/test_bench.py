"""The benchmark's machinery (not its timings: those belong in benchmarks, not tests)."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from osim.tools.bench import bench_env, random_workload
from osim.cli import main
from osim.registry import make_classic_env


@pytest.mark.parametrize("name", ["L2RunEnv", "WalkEnv", "RunEnv"])
def test_baseline_replays_the_same_trajectory(name):
    result = bench_env(name, steps=40, repeats=1)
    assert result.same_trajectory and result.steps == 40
    assert result.env_steps_per_s > 0 and result.bare_steps_per_s > 0 and result.ratio > 0


def test_bare_side_steps_through_one_function(monkeypatch):
    from osim.tools import bench

    from osim.sim.bare import bare_steps

    calls = []

    def spy(sim, actions, activations=False):
        calls.append((len(actions), activations))
        return bare_steps(sim, actions, activations=activations)

    monkeypatch.setattr(bench, "bare_steps", spy)
    assert bench_env("WalkEnv", steps=30, repeats=1).same_trajectory
    assert sum(n for n, _ in calls) == 30 and all(activations for _, activations in calls)  # WalkEnv: activations


def test_workload_is_seeded_and_held():
    a, b = random_workload(18, 12, seed=3), random_workload(18, 12, seed=3)
    assert (a == b).all() and (a[0] == a[4]).all() and not (a[4] == a[5]).all()


def test_unknown_env_names_the_known_ones():
    with pytest.raises(ValueError, match="unknown env 'Nope'; known: L2RunEnv"):
        make_classic_env("Nope")


def test_cli_bench_writes_json(tmp_path):
    out = tmp_path / "bench.json"
    res = CliRunner().invoke(main, ["bench", "L2RunEnv", "--steps", "20", "--repeats", "1", "--json", str(out)])
    assert res.exit_code == 0, res.output
    assert "L2RunEnv" in res.output
    assert json.loads(out.read_text())[0]["same_trajectory"] is True


def test_cli_run_prints_a_summary():
    res = CliRunner().invoke(main, ["run", "osim/L2Run-v0", "--steps", "5", "--no-progress", "--controller", "zero"])
    assert res.exit_code == 0, res.output
    assert "L2Run-v0: 5 steps (step budget), return" in res.output.replace("osim/", "")


def test_cli_errors_say_what_to_do():
    res = CliRunner().invoke(main, ["run", "Nope"])
    assert res.exit_code == 2 and "unknown env 'Nope'" in res.output


def test_episode_record_roundtrip(tmp_path):
    from osim.env import L2RunEnv
    from osim.tools.record import load_record, record_episode, save_record

    env = L2RunEnv()
    actions = random_workload(18, 8, seed=1)
    rec = record_episode(env, actions)
    assert rec["joints"].shape == (8, 10) and rec["activations"].shape == (8, 18)
    assert rec["grf"].shape == (8, 2, 3) and rec["grf_names"] == ["foot_r", "foot_l"]
    assert rec["grf"][0, 0, 1] > 0  # the ground pushes the right foot up
    assert rec["pelvis"].shape == (8, 3) and list(rec["reward_terms"]) == ["forward"]
    path = tmp_path / "ep.npz"
    save_record(path, rec, note="x")
    back = load_record(path)
    assert back["note"] == "x" and back["joint_names"] == rec["joint_names"]
    for key in ("obs", "joints", "activations", "grf", "pelvis", "rewards"):
        assert (back[key] == rec[key]).all()
    assert (back["reward_terms"]["forward"] == rec["reward_terms"]["forward"]).all()
    env.close()
