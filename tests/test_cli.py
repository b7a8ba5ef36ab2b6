"""The osim-rl command end to end on short episodes: list, run, plot, video, serve."""
from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from osim.cli import main
from osim.registry import ENVS


@pytest.fixture
def cli():
    return CliRunner()


def test_help_everywhere(cli):
    for args in ([], ["run"], ["video"], ["plot"], ["bench"], ["serve"], ["list"]):
        res = cli.invoke(main, args + ["--help"])
        assert res.exit_code == 0 and "Usage:" in res.output


def test_list_shows_every_env_with_sizes(cli):
    res = cli.invoke(main, ["list"])
    assert res.exit_code == 0, res.output
    for env_id, entry in ENVS.items():
        assert env_id in res.output and entry.class_name in res.output
    assert "Arm2DEnv" in res.output and " 16 " in res.output


def test_run_record_then_plot(cli, tmp_path):
    rec, png = tmp_path / "ep.npz", tmp_path / "ep.png"
    res = cli.invoke(main, ["run", "Arm2DEnv", "--steps", "12", "--no-progress", "--record", str(rec)])
    assert res.exit_code == 0, res.output
    assert "Arm2DEnv: 12 steps" in res.output and rec.exists()
    res = cli.invoke(main, ["plot", str(rec), "--out", str(png)])
    assert res.exit_code == 0, res.output
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_run_with_env_kwargs_and_the_reflex_controller(cli):
    res = cli.invoke(main, ["run", "L2M2019Env", "--controller", "reflex", "--env-kwargs", '{"model": "2D"}',
                            "--steps", "30", "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "30 steps (step budget)" in res.output  # walking, not fallen


def test_reflex_controller_reads_a_parameter_file(cli, tmp_path):
    """reflex:PARAMS drives the env with those parameters: zero gains fall where the shipped ones walk."""
    from osim.control import PARAM_BOUNDS
    from osim.control.optimize import write_params

    limp = tmp_path / "limp.txt"
    write_params(limp, PARAM_BOUNDS[:37, 0], "2D")  # every gain at its lower bound (0)
    res = cli.invoke(main, ["run", "L2M2019Env", "--controller", f"reflex:{limp}", "--env-kwargs",
                            '{"model": "2D"}', "--steps", "300", "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "steps (fell)" in res.output


@pytest.mark.parametrize("suffix", ["gif", "mp4"])
def test_video(cli, tmp_path, suffix):
    out = tmp_path / f"run.{suffix}"
    res = cli.invoke(main, ["video", "L2RunEnv", "--steps", "6", "--out", str(out), "--size", "160x120",
                            "--controller", "zero"])
    assert res.exit_code == 0, res.output
    assert out.stat().st_size > 1000 and "wrote" in res.output


@pytest.mark.parametrize("args, message", [
    (["run", "Nope"], "unknown env 'Nope'"),
    (["run", "L2RunEnv", "--env-kwargs", "{bad"], "not valid JSON"),
    (["run", "L2RunEnv", "--env-kwargs", '{"model": "2D"}'], "model"),
    (["run", "L2RunEnv", "--controller", "dance"], "unknown controller 'dance'"),
    (["run", "L2RunEnv", "--controller", "reflex"], "reflex controller reads the L2M2019Env"),
    (["run", "L2M2019Env", "--controller", "reflex:nowhere.txt"], "reflex parameter file not found"),
    (["video", "L2RunEnv", "--out", "x.avi.txt"], "unsupported video file type"),
    (["video", "L2RunEnv", "--size", "big"], "WIDTHxHEIGHT"),
])
def test_errors_say_what_to_do(cli, args, message):
    res = cli.invoke(main, args)
    assert res.exit_code == 2, res.output
    assert message in res.output


def test_serve_rejects_a_bad_config(cli, tmp_path):
    bad = tmp_path / "eval.toml"
    bad.write_text('[envs.L2RunEnv]\nseeds = "not a list"\n')
    res = cli.invoke(main, ["serve", "--config", str(bad)])
    assert res.exit_code == 2 and "seeds" in res.output


def test_evaluate_reports_metrics_of_a_saved_policy(cli, tmp_path):
    from osim.training.train import train

    out = tmp_path / "run"
    train("osim/Arm2D-v0", algo="PPO", total_steps=64, n_envs=1, out_dir=out, progress=False,
          env_kwargs={"integrator_accuracy": 0.01})
    res = cli.invoke(main, ["evaluate", str(out / "final_model.zip"), "--episodes", "1",
                            "--env-kwargs", '{"integrator_accuracy": 0.01}'])
    assert res.exit_code == 0, res.output
    assert '"return_mean"' in res.output and '"distance_kind": "final_target_distance"' in res.output


def test_video_of_a_recorded_episode(cli, tmp_path):
    rec, gif = tmp_path / "ep.npz", tmp_path / "ep.gif"
    res = cli.invoke(main, ["run", "L2M2019Env", "--controller", "reflex", "--env-kwargs", '{"model": "2D"}',
                            "--steps", "8", "--no-progress", "--record", str(rec)])
    assert res.exit_code == 0, res.output
    res = cli.invoke(main, ["video", str(rec), "--out", str(gif), "--size", "160x120", "--every", "4"])
    assert res.exit_code == 0, res.output
    assert "wrote" in res.output and "(8 steps)" in res.output and gif.stat().st_size > 1000


def test_export_replays_a_record_into_opensim_files(cli, tmp_path):
    from osim.data import read_motion
    from osim.tools.record import load_record

    rec = tmp_path / "ep.npz"
    res = cli.invoke(main, ["run", "L2RunEnv", "--steps", "15", "--no-progress", "--record", str(rec)])
    assert res.exit_code == 0, res.output
    outs = [tmp_path / "walk.mot", tmp_path / "walk.sto", tmp_path / "walk_grf.mot"]
    res = cli.invoke(main, ["export", str(rec), *map(str, outs)])
    assert res.exit_code == 0, res.output
    assert "coordinates, 15 steps" in res.output and "states" in res.output and "forces" in res.output
    record = load_record(rec)
    coords = read_motion(outs[0], model="gait9dof18musc")  # degrees in the file, radians read back
    assert len(coords.time) == 16 and coords.time[-1] == pytest.approx(0.15)
    names = list(record["joint_names"])
    for name in coords.columns:
        np.testing.assert_allclose(coords.column(name)[1:], record["joints"][:, names.index(name)], atol=1e-12)
    states = read_motion(outs[1])
    assert "soleus_r/activation" in states.columns
    res = cli.invoke(main, ["export", str(rec), str(tmp_path / "walk.csv")])
    assert res.exit_code != 0 and "use a name ending in .mot" in res.output
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a record")
    res = cli.invoke(main, ["export", str(bad), str(outs[0])])
    assert res.exit_code != 0 and "cannot read" in res.output
