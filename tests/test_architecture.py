"""The env design's promises: one loop, each hook once per step, docs that name every env, no outside citations."""
from __future__ import annotations

import re
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest

import osim  # noqa: F401
from osim.env import L2M2019Env, L2RunEnv, OsimEnv
from osim.env.episode import Episode
from osim.env.task import Task
from osim.registry import ENVS
from osim.sim import OpenSimPhysics, Physics

ROOT = Path(__file__).resolve().parent.parent


def test_architecture_doc_names_every_registered_env():
    text = (ROOT / "docs" / "architecture.md").read_text()
    for env_id, entry in ENVS.items():
        assert f"`{env_id}`" in text, f"docs/architecture.md does not list {env_id}"
        assert entry.class_name in text, f"docs/architecture.md does not name {entry.class_name}"


def test_package_cites_no_document_outside_the_repository():
    """Docstrings explain behaviour themselves; a kept quirk may point to docs/quirks.md, nothing else."""
    quirks = (ROOT / "docs" / "quirks.md").read_text()
    anchors = set(re.findall(r'<a id="(q\d+)"></a>', quirks))
    cited = re.compile(r"spec(?: section| §|§)?\s*\d|spec Q\d")
    bare_q = re.compile(r"\bQ(\d{1,2})\b")
    for path in sorted((ROOT / "osim").rglob("*.py")):
        for k, line in enumerate(path.read_text().splitlines(), 1):
            assert not cited.search(line), f"{path.relative_to(ROOT)}:{k} cites the spec: {line.strip()}"
            for q in bare_q.findall(line):
                assert "docs/quirks.md" in line or "quirks" in line, \
                    f"{path.relative_to(ROOT)}:{k}: Q{q} without docs/quirks.md: {line.strip()}"
                assert f"q{q}" in anchors, f"{path.relative_to(ROOT)}:{k}: Q{q} is not in docs/quirks.md"


class _Counting(L2RunEnv):
    calls: dict

    def get_observation(self):
        self.calls["obs"] += 1
        return super().get_observation()

    def is_done(self):
        self.calls["done"] += 1
        return super().is_done()

    def reward_terms(self):
        self.calls["reward"] += 1
        return super().reward_terms()


@pytest.mark.parametrize("face", ["classic", "gymnasium"])
def test_each_hook_runs_once_per_step(face):
    _Counting.calls = {"obs": 0, "done": 0, "reward": 0}
    if face == "classic":
        env = _Counting()
        env.reset(seed=0)
        step = env.step
    else:
        env = gym.make("osim/L2Run-v0", env_class=_Counting)
        env.reset(seed=0)
        step = env.step
    _Counting.calls.update(obs=0, done=0, reward=0)
    for _ in range(3):
        step(np.full(18, 0.1, dtype=np.float32))
    assert _Counting.calls == {"obs": 3, "done": 3, "reward": 3}
    env.close()


def test_l2m2019_tests_the_fall_once_per_step():
    calls = {"done": 0}

    class Counting(L2M2019Env):
        def is_done(self):
            calls["done"] += 1
            return super().is_done()

    env = Counting(difficulty=0, obs_as_dict=False)
    env.reset(seed=0)
    calls["done"] = 0
    for _ in range(3):
        env.step(np.full(22, 0.05))
    assert calls["done"] == 3
    env.close()


def test_one_loop_owns_stepping():
    """No challenge env re-implements the loop: reset/step go through Episode, physics through the face."""
    from osim import env as env_pkg

    for name in ("Arm2DEnv", "L2M2019Env", "L2RunEnv", "ProstheticsEnv", "RunEnv", "WalkEnv"):
        cls = getattr(env_pkg, name)
        assert issubclass(cls, OsimEnv) and issubclass(cls, Task)
        for private in ("_advance", "_failed_step", "_episode_end", "_write_report"):
            assert not hasattr(cls, private), f"{name}.{private}: stepping belongs to the episode loop"
    assert issubclass(OpenSimPhysics, Physics)
    env = L2RunEnv()
    assert isinstance(env.episode, Episode) and isinstance(env.sim, Physics) and env.episode.task is env
    env.close()


def test_a_task_runs_on_the_loop_without_the_classic_face(tmp_path):
    """A plain Task subclass and an Episode are enough to run an episode."""

    class Stand(Task):
        model_name = "gait9dof18musc"
        time_limit = 3

        def reward_terms(self):
            return {"height": float(self.sim.body_position("pelvis")[1])}

    task = Stand()
    episode = Episode(task, report=tmp_path / "r.csv")
    obs = episode.reset(seed=1)
    assert obs.shape == episode.observation_space.shape
    results = [episode.step(np.zeros(18)) for _ in range(3)]
    assert [r.truncated for r in results] == [False, False, True]
    assert all(r.reward == r.info["reward_terms"]["height"] > 0.8 for r in results)
    episode.close()
    assert len((tmp_path / "r.csv").read_text().splitlines()) == 4
    with pytest.raises(ValueError, match="unknown engine 'bullet'; allowed: opensim"):
        Episode(Stand(), engine="bullet")


@pytest.mark.parametrize("env_id, options", [
    ("osim/Run-v0", {"difficulty": 0, "motor_noise": 0.0}),
    ("osim/L2M2019-v0", {"init_pose": [0.0] * 2 + [0.94] + [0.0] * 9}),
    ("osim/Arm2D-v0", {"random_target": True}),
])
def test_reset_options_are_the_classic_reset_keywords(env_id, options):
    """Gymnasium's reset options reach the same task hook as the classic reset's keywords."""
    env = gym.make(env_id)
    obs, info = env.reset(seed=3, options=options)
    classic = env.unwrapped.env
    again = classic.reset(seed=3, project=True, obs_as_dict=False, **options) if env_id == "osim/L2M2019-v0" \
        else classic.reset(seed=3, **options)
    if isinstance(again, dict):  # Arm2DEnv's classic default is the dict observation
        again = classic.get_observation()
    np.testing.assert_array_equal(obs, again)
    with pytest.raises(TypeError, match=r"unexpected options \['bogus'\]; allowed: "):
        env.reset(seed=3, options={"bogus": 1})
    env.close()
