"""Fast mode and integration options (issue #11): opt-in, validated, documented, still walking.

Speed figures belong to the benchmark (``osim-rl bench --compare``); tests
check only what does not depend on the machine: options reach the Manager,
the faithful default is untouched, restarts happen exactly when excitations
change, and the planar reflex gait walks 10 s in fast mode.
"""
from __future__ import annotations

import numpy as np
import pytest

from osim.bench import compare_modes, random_workload
from osim.env import L2RunEnv
from osim.env.l2m2019 import EXAMPLE_INIT_POSE, L2M2019Env
from osim.models.variants import VARIANTS, check_variants
from osim.simulator import FAITHFUL, FAST, INTEGRATORS, Integration


def test_integration_validation():
    assert Integration.coerce(None) is FAITHFUL and Integration.coerce("fast") is FAST
    assert Integration.coerce({"method": "rk3", "accuracy": 1e-3}) == Integration("rk3", 1e-3)
    with pytest.raises(ValueError, match="unknown integrator method 'rk9'; allowed: rk_merson"):
        Integration("rk9")
    with pytest.raises(ValueError, match="accuracy must be a number in"):
        Integration(accuracy=0)
    with pytest.raises(ValueError, match="fixed_step must be a number of seconds"):
        Integration(fixed_step=-1e-3)
    with pytest.raises(ValueError, match="min_step 0.01 exceeds max_step"):
        Integration(min_step=1e-2, max_step=1e-3)
    with pytest.raises(ValueError, match="unknown integration settings \\['tol'\\]"):
        Integration.coerce({"tol": 1})
    with pytest.raises(TypeError, match="integration must be an Integration"):
        Integration.coerce(3)
    assert set(INTEGRATORS) >= {"rk_merson", "rk3", "euler"}


def test_env_options_and_defaults():
    env = L2RunEnv()
    assert env.integration == FAITHFUL and not env.fast and env.model_variants == ()
    assert env.sim.integrator_accuracy == 5e-5
    env.close()
    env = L2RunEnv(fast=True)
    assert env.fast and env.integration == FAST and env.sim.integration == FAST
    env.close()
    env = L2RunEnv(fast=True, integration={"method": "rk3", "accuracy": 2e-3})  # explicit settings win
    assert env.sim.integration.method == "rk3" and env.sim.integrator_accuracy == 2e-3
    env.close()
    with pytest.raises(TypeError, match="fast must be True or False"):
        L2RunEnv(fast="yes")
    with pytest.raises(ValueError, match="unknown model variants \\['nope'\\]; allowed: soft_contact"):
        L2RunEnv(model_variants=["nope"])
    with pytest.raises(TypeError, match="model_variants must be a list or tuple"):
        check_variants("soft_contact")


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_model_variants_load_and_step(name):
    env = L2RunEnv(model_variants=[name], integration={"accuracy": 1e-3})
    env.reset(seed=0)
    for a in random_workload(18, 5, seed=0):
        obs, reward, done, info = env.step(a)
    assert np.isfinite(obs).all() and "failure" not in info
    env.close()


def test_variants_do_not_touch_the_built_model():
    from osim.models import model_path

    before = model_path("gait9dof18musc").read_bytes()
    env = L2RunEnv(model_variants=["soft_contact", "dgf_rigid_tendons"])
    env.close()
    assert model_path("gait9dof18musc").read_bytes() == before


def test_restart_only_when_excitations_change(monkeypatch):
    env = L2RunEnv(integration={"restart": True})
    env.reset(seed=0)
    calls = []

    class Spy:  # the Manager, counting restarts
        def __init__(self, manager):
            self.manager = manager

        def initialize(self, state):
            calls.append(env.sim.istep)
            return self.manager.initialize(state)

        def integrate(self, t):
            return self.manager.integrate(t)

    monkeypatch.setattr(env.sim, "_manager", Spy(env.sim._manager))
    a, b = np.full(18, 0.2), np.full(18, 0.3)
    for action in (a, a, a, b, b, a):
        env.step(action)
    assert calls == [1, 4, 6]  # the steps that started with new excitations (the first: 1.0 -> a)
    env.close()


def test_restart_replays_bare_identically():
    """The benchmark's bare replay restarts exactly where the env did: the same trajectory."""
    from osim.bench import bench_env

    r = bench_env("L2RunEnv", steps=30, repeats=1, integration={"restart": True, "accuracy": 1e-3})
    assert r.same_trajectory
    r = bench_env("L2RunEnv", steps=30, repeats=1, fast=True)
    assert r.same_trajectory and r.integration == "fast"


def test_faithful_is_the_default_trajectory():
    """An explicit faithful integration is the default one, bit for bit; restarting is not."""
    actions = random_workload(18, 30, seed=2)
    q = {}
    for label, kwargs in (("default", {}), ("explicit", {"integration": "faithful"}),
                          ("restart", {"integration": {"restart": True}})):
        env = L2RunEnv(**kwargs)
        env.reset(seed=0)
        q[label] = np.array([env.step(a)[0] for a in actions])
        env.close()
    assert np.array_equal(q["default"], q["explicit"])
    assert not np.array_equal(q["default"], q["restart"])
    assert np.abs(q["default"] - q["restart"]).max() < 1e-2  # a restart is a small correction


@pytest.mark.slow
def test_reflex_gait_walks_10_s_in_fast_mode():
    env = L2M2019Env(model="2D", difficulty=3, seed=5, obs_as_dict=True, fast=True)
    from osim.control import ReflexController

    ctrl = ReflexController(mode="2D")
    obs = env.reset(init_pose=EXAMPLE_INIT_POSE)
    for _ in range(1000):
        obs, _reward, done, info = env.step(ctrl.update(obs))
        assert not done, (env.istep, info)
    assert env.n_footsteps >= 15 and env.sim.body_position("pelvis")[0] > 10.0
    env.close()


def test_compare_modes_reports_drift_and_speedup():
    rows = compare_modes("L2RunEnv", steps=40, drift_at=(0.2,))
    assert [r.mode for r in rows] == ["faithful", "fast"]
    assert rows[0].speedup == 1.0 and rows[0].pelvis_drift_mm == {"0.2s": 0.0}
    assert rows[1].speedup > 0 and rows[1].pelvis_drift_mm["0.2s"] >= 0
