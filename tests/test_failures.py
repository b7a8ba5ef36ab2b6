"""OpenSimPhysics failures end the episode cleanly (or raise, on request); reset recovers."""
from __future__ import annotations

import importlib.util
import logging

import gymnasium as gym
import numpy as np
import pytest

import osim  # noqa: F401
from osim.env import RunEnv
from osim.sim import SimulationError


def _explode(env):
    """Give one muscle a NaN strength: the model integrates to NaN (OpenSim does not raise)."""
    strengths = np.ones(18)
    strengths[0] = np.nan
    env.sim.set_strengths(strengths)
    env.sim.reset()


def _repair(env):
    env.sim.set_strengths(np.ones(18))
    env._strengths = np.full(18, np.nan)  # make RunEnv re-apply its psoas strengths


#: the engines the failure handling is checked on (the MuJoCo engine needs the mujoco package)
ENGINES = ["opensim", pytest.param("mujoco", marks=pytest.mark.skipif(
    importlib.util.find_spec("mujoco") is None, reason="the mujoco package is not installed"))]


@pytest.mark.parametrize("engine", ENGINES)
def test_exploding_model_ends_the_episode_cleanly(caplog, engine):
    env = RunEnv(engine=engine)  # no muscle equilibration: the NaN reaches the dynamics
    obs0 = env.reset(difficulty=0)
    _explode(env)
    with caplog.at_level(logging.WARNING, logger="osim.env"):
        obs, reward, done, info = env.step(np.full(18, 0.5))
    assert done and reward == 0.0 and "non-finite" in info["failure"]
    assert np.isfinite(obs).all() and np.array_equal(obs, obs0)  # the last good observation
    assert "simulation failure" in caplog.text
    again = env.step(np.full(18, 0.5))  # stepping on: the same clean ending, no crash
    assert again[2] and "reset() before stepping again" in again[3]["failure"]
    _repair(env)
    fresh = RunEnv(engine=engine)
    np.testing.assert_array_equal(env.reset(difficulty=0), fresh.reset(difficulty=0))
    a = env.step(np.full(18, 0.5))[0]
    np.testing.assert_array_equal(a, fresh.step(np.full(18, 0.5))[0])
    env.close(), fresh.close()


@pytest.mark.parametrize("engine", ENGINES)
def test_raise_on_failure_restores_the_originals_behaviour(engine):
    env = RunEnv(engine=engine)
    env.raise_on_failure = True
    env.reset(difficulty=0)
    _explode(env)
    with pytest.raises(SimulationError, match="non-finite"):
        env.step(np.full(18, 0.5))
    env.close()


def test_opensim_exception_in_integrate_is_a_failure(monkeypatch):
    env = gym.make("osim/L2Run-v0")
    env.reset(seed=0)
    sim = env.unwrapped.env.sim

    class Broken:
        def integrate(self, t):
            raise RuntimeError("SimTK Exception: Integrator failed: Unable to advance time past 0.01")

    monkeypatch.setattr(sim, "_manager", Broken())
    obs, reward, terminated, truncated, info = env.step(np.zeros(18, dtype=np.float32))
    assert terminated and not truncated and "Unable to advance time" in info["failure"]
    obs, info = env.reset(seed=0)  # a new Manager: the env works again
    assert env.step(np.zeros(18, dtype=np.float32))[2] is False
    env.close()


def test_equilibrium_failure_at_reset_is_reported():
    from osim.env import L2RunEnv

    env = L2RunEnv()
    strengths = np.ones(18)
    strengths[3] = np.nan
    env.sim.set_strengths(strengths)
    with pytest.raises(SimulationError, match="muscle equilibrium could not be solved"):
        env.reset()
    env.sim.set_strengths(np.ones(18))
    assert env.reset()[2] == pytest.approx(0.91)
    env.close()
