"""Fast mode and integration options (issue #11): opt-in, validated, documented, still walking.

Speed figures belong to the benchmark (``osim-rl bench --compare``); tests
check only what does not depend on the machine: options reach the Manager,
the faithful default is untouched, restarts happen exactly when excitations
change, the fast model variants replace what they say with muscles that
pull like the originals, every env runs in fast mode, and the planar reflex
gait walks 10 s in fast mode.
"""
from __future__ import annotations

import numpy as np
import pytest

from osim.tools.bench import compare_modes, random_workload
from osim.env import Arm2DEnv, L2RunEnv, ProstheticsEnv, RunEnv, WalkEnv
from osim.env.l2m2019 import EXAMPLE_INIT_POSE, L2M2019Env
from osim.models.variants import (FAST_VARIANTS, FRICTION_TRANSITION_FACTOR, SHORT_TENDON_RATIO, VARIANTS,
                                  check_variants, thelen_fit)
from osim.sim import FAITHFUL, FAST, FAST_ADAPTIVE, INTEGRATORS, Integration, PhysicsSettings, opensim
from osim.sim.settings import resolve_physics


def test_integration_validation():
    assert Integration.coerce(None) is FAITHFUL
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


def test_one_vocabulary_for_physics_presets():
    """A preset name means the same wherever it is given: fast=True, physics="fast", integration="fast"."""
    plain = resolve_physics()
    assert plain == PhysicsSettings("faithful", FAITHFUL, ()) and not plain.fast
    fast = resolve_physics("fast")
    assert fast == resolve_physics(fast=True) == resolve_physics(integration="fast")
    assert fast == PhysicsSettings("fast", FAST, FAST_VARIANTS) and fast.fast
    assert resolve_physics("fast", fast_integration=FAST_ADAPTIVE).integration == FAST_ADAPTIVE
    custom = resolve_physics("fast", integration={"method": "rk3"})
    assert custom.preset == "custom" and custom.integration.method == "rk3" and custom.model_variants == FAST_VARIANTS
    with pytest.raises(ValueError, match="fast=True contradicts physics='faithful'"):
        resolve_physics("faithful", fast=True)
    with pytest.raises(ValueError, match="name different presets"):
        resolve_physics("faithful", integration="fast")
    with pytest.raises(TypeError, match="named presets go to physics="):
        Integration.coerce("fast")


def test_env_options_and_defaults():
    env = L2RunEnv()
    assert env.integration == FAITHFUL and not env.fast and env.model_variants == ()
    assert env.sim.integrator_accuracy == 5e-5
    env.close()
    env = L2RunEnv(fast=True)
    assert env.fast and env.integration == FAST and env.sim.integration == FAST
    assert env.model_variants == FAST_VARIANTS == ("rigid_short_tendons", "smooth_friction")
    env.close()
    env = L2RunEnv(fast=True, model_variants=())  # fast integration on the challenge model
    assert env.integration == FAST and env.model_variants == ()
    assert all(env.sim.model.getMuscles().get(i).getConcreteClassName() == "Thelen2003Muscle" for i in range(18))
    env.close()
    env = WalkEnv(fast=True)  # 2017 envs: fibres start out of equilibrium, error control needed
    assert env.integration == FAST_ADAPTIVE and env.model_variants == FAST_VARIANTS
    env.close()
    env = WalkEnv(physics="fast", model_variants=())  # the env's fast integration, on the challenge model
    assert env.integration == FAST_ADAPTIVE and env.model_variants == () and env.fast
    assert env.physics_settings.preset == "custom"
    env.close()
    env = L2RunEnv(fast=True, integration={"method": "rk3", "accuracy": 2e-3})  # explicit settings win
    assert env.sim.integration.method == "rk3" and env.sim.integrator_accuracy == 2e-3
    env.close()
    with pytest.raises(TypeError, match="fast must be True or False"):
        L2RunEnv(fast="yes")
    with pytest.raises(ValueError, match="unknown physics preset 'quick'; allowed: faithful, fast"):
        L2RunEnv(physics="quick")
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
    from osim.tools.bench import bench_env

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


def test_compare_modes_goes_on_across_episodes():
    """Speeds cover every step asked for; drift comes from the first episode only."""
    rows = compare_modes("L2M2019Env", model="3D", steps=140, drift_at=(0.5, 1.3))  # random: falls at ~0.9 s
    for r in rows:
        assert r.steps == 140 and r.episodes >= 2 and 50 < r.first_episode_steps < 130 and not r.completed
        assert np.isfinite(r.steps_per_s) and r.steps_per_s > 0
    assert rows[1].pelvis_drift_mm["0.5s"] > 0 and np.isnan(rows[1].pelvis_drift_mm["1.3s"])


# ------------------------------------------------------------ fast model variants
def _muscles(model) -> list:
    ms = model.getMuscles()
    return [ms.get(i) for i in range(ms.getSize())]


def _load(model_name: str, variants=()):
    from osim.models import model_path
    from osim.models.variants import apply_variants

    model = opensim.Model(str(model_path(model_name)))
    apply_variants(model, variants)
    model.finalizeConnections()
    return model


@pytest.mark.parametrize("model_name", ["gait14dof22musc_planar", "arm2dof6musc"])
def test_rigid_short_tendons_replaces_short_tendon_muscles_only(model_name):
    original, fast = _load(model_name), _load(model_name, ["rigid_short_tendons"])
    before, after = _muscles(original), _muscles(fast)
    assert [m.getName() for m in before] == [m.getName() for m in after]  # same order: actions unchanged
    replaced = 0
    for old, new in zip(before, after):
        short = old.getTendonSlackLength() <= SHORT_TENDON_RATIO * old.getOptimalFiberLength()
        assert new.getConcreteClassName() == ("Millard2012EquilibriumMuscle" if short else "Thelen2003Muscle")
        for getter in ("getMaxIsometricForce", "getOptimalFiberLength", "getTendonSlackLength",
                       "getPennationAngleAtOptimalFiberLength", "getMaxContractionVelocity"):
            assert getattr(new, getter)() == getattr(old, getter)(), (old.getName(), getter)
        if short:
            replaced += 1
            millard = opensim.Millard2012EquilibriumMuscle.safeDownCast(new)
            thelen = opensim.Thelen2003Muscle.safeDownCast(old)
            assert millard.get_ignore_tendon_compliance() and not millard.get_ignore_activation_dynamics()
            assert millard.get_activation_time_constant() == thelen.get_activation_time_constant()
            assert millard.get_deactivation_time_constant() == thelen.get_deactivation_time_constant()
            assert millard.get_minimum_activation() == thelen.get_minimum_activation()
            assert new.getGeometryPath().getPathPointSet().getSize() == old.getGeometryPath().getPathPointSet().getSize()
    assert replaced == (12 if model_name.startswith("gait") else 5)


@pytest.mark.parametrize("params", [(0.45, 0.25, 1.4, 0.95, 5.0, 0.6), (0.45, 0.25, 1.4, 0.95, 9.0, 1.0),
                                    (0.5, 0.3, 1.8, 0.95, 4.0, 0.6)])
def test_thelen_fit_follows_the_thelen_curves(params):
    k_active, af, flen, _thr, k_pe, e0 = params
    fit = thelen_fit(*params)
    assert fit["max_error"]["active_fl"] < 0.06 and fit["max_error"]["force_velocity"] < 0.06
    assert fit["max_error"]["passive_fl"] < 0.03
    # independent spot checks of the fitted OpenSim curves against Thelen's formulas
    fl = opensim.ActiveForceLengthCurve(*fit["active_fl"])
    for lce in (0.6, 0.8, 1.0, 1.3):
        assert abs(fl.calcValue(lce) - np.exp(-(lce - 1) ** 2 / k_active)) < 0.06
    fpe = opensim.FiberForceLengthCurve(*fit["passive_fl"])
    assert fpe.calcValue(1.0) < 0.01 and abs(fpe.calcValue(1 + e0) - 1.0) < 1e-6
    fv = opensim.ForceVelocityCurve(*fit["force_velocity"])
    assert abs(fv.calcValue(0.0) - 1.0) < 0.02
    half = 0.5  # Thelen at full activation: v = (f - 1) / (1 + f / af)  ->  f at v = -0.5
    f_half = (1 - half) / (1 + half / af)
    assert abs(fv.calcValue(-half) - f_half) < 0.06


def _tendon_forces(model, activation: float) -> dict[str, float]:
    state = model.initSystem()
    for m in _muscles(model):
        m.setActivation(state, activation)
    model.equilibrateMuscles(state)
    model.realizeDynamics(state)
    return {m.getName(): m.getTendonForce(state) / m.getMaxIsometricForce() for m in _muscles(model)}


@pytest.mark.parametrize("model_name", ["gait14dof22musc_planar", "arm2dof6musc"])
def test_rigid_substitutes_pull_like_the_thelen_muscles(model_name):
    """Default pose, muscles in equilibrium: each muscle's force (in F0) close to the original's.

    Measured worst cases (docs/performance.md): 0.007 / 0.032 / 0.065 F0 at activation 0.2 / 0.6 / 1.0
    (biceps femoris short head: pennated, and its tendon's stretch is gone).
    """
    original, fast = _load(model_name), _load(model_name, FAST_VARIANTS)
    for activation, tolerance in ((0.2, 0.01), (0.6, 0.035), (1.0, 0.07)):
        before, after = _tendon_forces(original, activation), _tendon_forces(fast, activation)
        assert before.keys() == after.keys()
        for name in before:
            assert abs(before[name] - after[name]) < tolerance, (name, activation, before[name], after[name])
        assert max(before.values()) > activation / 2  # the comparison is not between idle muscles


def test_smooth_friction_scales_the_transition_velocity():
    original, fast = _load("gait14dof22musc_planar"), _load("gait14dof22musc_planar", ["smooth_friction"])
    contacts = [(opensim.HuntCrossleyForce.safeDownCast(a.getForceSet().get(n)),
                 opensim.HuntCrossleyForce.safeDownCast(b.getForceSet().get(n))) for a, b in [(original, fast)]
                for n in ("foot_r", "foot_l")]
    for old, new in contacts:
        assert new.getTransitionVelocity() == pytest.approx(old.getTransitionVelocity() * FRICTION_TRANSITION_FACTOR)
        assert new.getStiffness() == old.getStiffness() and new.getDissipation() == old.getDissipation()


@pytest.mark.parametrize("cls", [Arm2DEnv, L2RunEnv, ProstheticsEnv, L2M2019Env, WalkEnv, RunEnv])
def test_every_env_runs_in_fast_mode(cls):
    """200 steps of excitations drawn afresh every step (the harshest input): no NaN, no failure."""
    env = cls(fast=True)
    env.reset(seed=3)
    for a in random_workload(env.action_space.shape[0], 200, seed=3, hold=1):
        obs, reward, done, info = env.step(a)
        assert "failure" not in info, (cls.__name__, env.istep, info)
        assert np.isfinite(env.sim.state.getY().to_numpy()).all() and np.isfinite(reward)
        if not isinstance(obs, dict):
            assert np.isfinite(np.asarray(obs, dtype=float)).all()
        if done:
            env.reset(seed=4)
    env.close()
