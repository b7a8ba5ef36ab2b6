"""The demos (``osim-rl demo``) and the Arm2D reaching controller they use."""
from __future__ import annotations

import math

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from osim.cli import main
from osim.control import make_controller
from osim.control.arm import ReachController
from osim.env import Arm2DEnv, L2RunEnv
from osim.tools.demo import DEMOS, frame_strip, run_demo


def test_walk_demo_writes_video_strip_and_plot(tmp_path):
    lines: list[str] = []
    summary = run_demo("walk2d", tmp_path, seconds=0.3, video="gif", progress=False, echo=lines.append)
    assert summary["steps"] == 30 and summary["ended"] == "demo length"
    assert summary["simulated_seconds"] == pytest.approx(0.3)
    # the reflex gait moves forward from the example pose (1.7 m/s at the start)
    assert 0.2 < summary["distance"] < 0.8 and summary["speed"] == pytest.approx(summary["distance"] / 0.3)
    files = summary["files"]
    assert {p.name for p in files.values()} == {"demo_walk2d.gif", "demo_walk2d.png", "demo_walk2d_plot.png"}
    with Image.open(files["video"]) as gif:
        assert gif.n_frames == 16  # the reset frame and one every 2 steps
    with Image.open(files["strip"]) as strip:
        width, height = strip.size
    assert width == 6 * 480 + 5 * 4 and height > 360  # six frames and their captions
    assert files["plot"].stat().st_size > 10_000
    text = "\n".join(lines)
    assert "distance" in text and "score (return)" in text and "wrote" in text


def test_arm_demo_reaches_the_target(tmp_path):
    summary = run_demo("arm", tmp_path, seconds=1.0, video=None, progress=False, echo=lambda _s: None)
    assert set(summary["files"]) == {"strip", "plot"}
    # seed 7's target is within reach; the wrist starts 0.42 m away
    assert summary["target_distance"] < 0.02
    assert summary["return"] > 0.95 * summary["steps"]


def test_reach_controller_beats_doing_nothing():
    env = Arm2DEnv(obs_as_dict=False)
    finals = {}
    for name in ("reach", "zero"):
        controller = make_controller(name, env, seed=0)
        obs = env.reset(seed=4)
        for k in range(150):
            obs, _r, done, _info = env.step(controller(obs, k))
            assert not done
        finals[name] = math.dist(obs[14:16], obs[0:2])
    assert finals["reach"] < 0.05 < finals["zero"]


def test_inverse_kinematics_puts_the_wrist_on_a_reachable_target():
    shoulder, upper, fore = np.array([0.0, 0.8]), 0.29, 0.24
    for target in ([0.3, 0.6], [0.1, 0.4], [-0.2, 0.5]):
        qs, qe = ReachController.inverse_kinematics(shoulder, upper, fore, target)
        elbow = shoulder + upper * np.array([math.sin(qs), -math.cos(qs)])
        wrist = elbow + fore * np.array([math.sin(qs + qe), -math.cos(qs + qe)])
        np.testing.assert_allclose(wrist, target, atol=1e-9)
        assert 0.3 <= qe <= 2.2


def test_reach_controller_refuses_other_envs():
    with pytest.raises(ValueError, match="Arm2DEnv"):
        make_controller("reach", L2RunEnv(), seed=0)
    with pytest.raises(ValueError, match="floor"):
        ReachController(Arm2DEnv(), floor=1.5)


def test_bad_demo_arguments(tmp_path):
    with pytest.raises(ValueError, match="walk2d"):
        run_demo("walk4d", tmp_path)
    with pytest.raises(ValueError, match="video"):
        run_demo("arm", tmp_path, video="avi")
    with pytest.raises(ValueError, match="seconds"):
        run_demo("arm", tmp_path, seconds=float("nan"))
    with pytest.raises(ValueError, match="2 labels for 3 frames"):
        frame_strip([np.zeros((4, 4, 3), np.uint8)] * 3, ["a", "b"])


def test_cli_demo_lists_demos_and_rejects_unknown_ones(tmp_path):
    runner = CliRunner()
    out = runner.invoke(main, ["demo", "--help"])
    assert out.exit_code == 0
    for name in DEMOS:
        assert name in out.output
    bad = runner.invoke(main, ["demo", "moonwalk"])
    assert bad.exit_code == 2 and "walk2d" in bad.output
    ok = runner.invoke(main, ["demo", "arm", "--seconds", "0.1", "--video", "none", "--no-progress",
                              "--out-dir", str(tmp_path)])
    assert ok.exit_code == 0, ok.output
    assert (tmp_path / "demo_arm.png").is_file() and "from the target" in ok.output
