"""The classic surface: ``env.osim_model`` and the names the original ``osim.env`` exported.

Each test uses a name the way the original's examples, tests and
participants' code did: activations read and written, clipped actions read
back from ``last_action``, states saved and restored, a pelvis speed changed
through ``get_joint`` on a saved state, new velocity targets, the model's
sets and lookups.
"""
from __future__ import annotations

import math
import os
import warnings

import gymnasium as gym
import numpy as np
import opensim
import pytest

import osim  # noqa: F401  (registers the Gymnasium IDs)
from osim.env import (
    Arm2DVecEnv,
    L2M2019CtrlEnv,
    L2M2019Env,
    L2RunEnv,
    OsimEnv,
    OsimModel,
    ProstheticsEnv,
    Spec,
    convert_to_gym,
    rect,
    rotate_frame,
)
from osim.models import ORIGINAL_FILES, model_path
from osim.sim.errors import ModelLoadError, SimulationError
from osim.sim.state_desc import STATE_DESC_KEYS

#: every name of the original OsimModel the classic surface offers
SURFACE = ("model", "state", "brain", "muscleSet", "forceSet", "bodySet", "jointSet", "markerSet",
           "contactGeometrySet", "list_elements", "actuate", "compute_state_desc", "get_state_desc",
           "set_strength", "get_body", "get_joint", "get_muscle", "get_marker", "get_contact_geometry",
           "get_force", "get_action_space_size", "set_integrator_accuracy", "reset_manager", "reset",
           "integrate", "step", "get_activations", "set_activations", "last_action", "get_state", "set_state",
           "istep", "stepsize", "integrator_accuracy", "model_path", "noutput", "maxforces", "curforces")


@pytest.fixture
def env():
    e = L2RunEnv(visualize=False)
    e.reset(seed=0)
    yield e
    e.close()


def _run(env, actions):
    return np.array([env.step(a)[0] for a in actions])


# ------------------------------------------------------------------ surface
def test_every_original_name_with_its_type(env):
    m = env.osim_model
    assert isinstance(m, OsimModel) and env.osim_model is m
    missing = [name for name in SURFACE if not hasattr(m, name)]
    assert not missing
    assert isinstance(m.model, opensim.Model)
    assert isinstance(m.state, opensim.State)
    assert isinstance(m.brain, opensim.PrescribedController)
    assert m.brain.get_ControlFunctions().getSize() == 18
    sets = {"muscleSet": 18, "bodySet": len(env.sim.body_names), "jointSet": len(env.sim.joint_names),
            "forceSet": len(env.sim.force_names), "markerSet": len(env.sim.marker_names)}
    for name, size in sets.items():
        assert getattr(m, name).getSize() == size, name
    assert m.contactGeometrySet.getSize() > 0
    assert isinstance(m.model_path, str) and m.model_path.endswith("gait9dof18musc.osim")
    assert m.stepsize == 0.01 and m.istep == 0 and m.integrator_accuracy == 5e-5
    assert m.get_action_space_size() == m.noutput == 18
    assert m.maxforces == env.sim.nominal_max_isometric_force.tolist()
    assert m.curforces == [1.0] * 18


def test_list_elements_prints_each_set_with_indices(env, capsys):
    env.osim_model.list_elements()
    out = capsys.readouterr().out.splitlines()
    headings = [line for line in out if line in ("JOINTS", "BODIES", "MUSCLES", "FORCES", "MARKERS")]
    assert headings == ["JOINTS", "BODIES", "MUSCLES", "FORCES", "MARKERS"]
    muscles = out[out.index("MUSCLES") + 1: out.index("MUSCLES") + 19]
    assert muscles == [f"{i} {name}" for i, name in enumerate(env.sim.muscle_names)]
    assert f"0 {env.sim.joint_names[0]}" in out


def test_lookups_by_name_return_the_model_components(env):
    m = env.osim_model
    joint = m.get_joint("ground_pelvis")
    assert joint.getName() == "ground_pelvis" and joint.numCoordinates() == 3
    assert m.get_body("pelvis").getMass() > 0
    assert m.get_muscle("hamstrings_r").getMaxIsometricForce() == pytest.approx(m.maxforces[0])
    assert m.get_force("HipLimit_r").getName() == "HipLimit_r"
    name = m.contactGeometrySet.get(0).getName()
    assert m.get_contact_geometry(name).getName() == name
    with pytest.raises(KeyError, match="no joint 'knee'.*ground_pelvis"):
        m.get_joint("knee")
    with pytest.raises(TypeError, match="string"):
        m.get_body(3)


# -------------------------------------------------------------- activations
def test_activations_written_are_read_back(env):
    m = env.osim_model
    for value in (0.0, 1.0, 0.37):
        m.set_activations(np.full(18, value))
        current = m.get_activations()
        assert isinstance(current, list) and len(current) == 18
        # Thelen muscles floor activation at 0.01
        assert np.linalg.norm(np.array(current) - value) < 0.05
    assert env.get_state_desc()["muscles"]["soleus_l"]["activation"] == pytest.approx(0.37)


def test_initial_activations_change_the_following_steps(env):
    after = {}
    for value in (0.9, 0.1):
        env.reset(seed=0)
        env.osim_model.set_activations([value] * 18)
        for _ in range(5):
            env.step([0.5] * 18)
        after[value] = np.array(env.osim_model.get_activations())
    assert np.linalg.norm(after[0.9] - after[0.1]) > 1e-2


@pytest.mark.parametrize("bad, error, match", [
    ([0.5] * 17, ValueError, r"shape \(18,\)"),
    ([0.5] * 17 + [float("nan")], ValueError, "non-finite"),
    ("0.5", TypeError, "18 numbers"),
])
def test_activations_are_checked(env, bad, error, match):
    with pytest.raises(error, match=match):
        env.osim_model.set_activations(bad)


# ---------------------------------------------------------------- actuation
def test_actions_are_clipped_and_reported_in_last_action(env):
    assert np.array_equal(env.osim_model.last_action, np.zeros(18))
    env.step(np.array([5.0] * 18))
    assert np.array_equal(env.osim_model.last_action, np.ones(18))
    env.step(np.array([-1.0] * 18))
    assert np.array_equal(env.osim_model.last_action, np.zeros(18))
    env.osim_model.actuate(np.linspace(-1, 2, 18))
    assert np.array_equal(env.osim_model.last_action, np.clip(np.linspace(-1, 2, 18), 0, 1))
    assert np.array_equal(env.sim.get_excitations(), env.osim_model.last_action)
    with pytest.raises(ValueError, match="non-finite"):
        env.osim_model.actuate([float("nan")] * 18)


def test_last_action_is_in_the_model_muscle_order():
    env = L2M2019Env(visualize=False, difficulty=0)
    env.reset(seed=0)
    action = np.linspace(0.02, 0.9, 22)
    env.step(action)
    model_order = env.osim_model.last_action
    assert np.array_equal(model_order, action[env._act2mus])
    assert np.array_equal(env.sim.get_excitations(), model_order)
    # actuate takes the model's order; env.last_action stays in the challenge's
    env.osim_model.actuate(model_order[::-1])
    assert np.array_equal(env.osim_model.last_action, model_order[::-1])
    assert np.array_equal(env.last_action[env._act2mus], model_order[::-1])
    env.close()


def test_step_is_actuate_then_integrate(env):
    state = env.osim_model.get_state()
    a = np.full(18, 0.3)
    env.osim_model.step(a)
    via_step = env.sim.q().copy()
    env.osim_model.set_state(state)
    env.osim_model.actuate(a)
    env.osim_model.integrate()
    assert np.array_equal(env.sim.q(), via_step)
    assert env.osim_model.istep == env.istep == 1
    assert env.sim.time == pytest.approx(0.01)


def test_integrate_counts_towards_the_time_limit(env):
    env.spec.timestep_limit = 3
    env.osim_model.integrate()
    env.osim_model.integrate()
    _, _, done, _ = env.step([0.1] * 18)
    assert done and env.truncated


def test_a_failed_integrate_raises_and_the_env_reports_it_until_reset(env):
    class Broken:
        def integrate(self, t):
            raise RuntimeError("integrator failed (test)")

    env.sim._manager = Broken()
    with pytest.raises(SimulationError, match="integrator failed"):
        env.osim_model.integrate()
    obs, reward, done, info = env.step([0.1] * 18)
    assert done and reward == 0.0 and "failure" in info
    env.reset(seed=0)
    obs, reward, done, info = env.step([0.1] * 18)
    assert "failure" not in info and np.isfinite(obs).all()


# ------------------------------------------------------------------- states
def test_a_restored_state_replays_the_same_steps(env):
    rng = np.random.default_rng(0)
    actions = rng.random((12, 18))
    _run(env, actions[:4])
    saved = env.osim_model.get_state()
    assert isinstance(saved, opensim.State) and saved.getTime() == pytest.approx(0.04)
    first = _run(env, actions[4:])
    env.osim_model.set_state(saved)
    assert env.osim_model.istep == 4
    second = _run(env, actions[4:])
    env.osim_model.set_state(saved)
    third = _run(env, actions[4:])
    assert np.array_equal(second, third)
    # a new integrator starts at set_state: close to, not equal to, the uninterrupted run
    assert np.abs(first - second).max() < 1e-3


def test_a_changed_speed_in_a_saved_state_takes_effect():
    env = ProstheticsEnv(visualize=False, difficulty=1)
    env.reset(seed=0)
    action = np.full(env.action_space.shape, 0.05)
    state = env.osim_model.get_state()
    pelvis_tx = env.osim_model.get_joint("ground_pelvis").get_coordinates(3)
    out = {}
    for speed in (5.0, 1.25):
        pelvis_tx.setSpeedValue(state, speed)
        env.osim_model.set_state(state)
        desc, reward, _, _ = env.step(action, project=False)
        out[speed] = (desc["joint_vel"]["ground_pelvis"][3], reward)
    assert out[5.0][0] > 4.0 and out[1.25][0] < 2.0
    # the velocity target is 1.25 m/s: matching it pays more
    assert out[1.25][1] > out[5.0][1]
    env.close()


def test_set_state_refuses_what_is_not_a_state_of_this_model(env):
    with pytest.raises(TypeError, match="opensim.State"):
        env.osim_model.set_state({"q": 1})
    other = ProstheticsEnv(visualize=False)
    foreign = other.osim_model.get_state()
    with pytest.raises(ValueError, match="not one of this model's"):
        env.osim_model.set_state(foreign)
    other.close()
    state = env.osim_model.get_state()
    env.osim_model.get_joint("ground_pelvis").get_coordinates(1).setSpeedValue(state, float("nan"))
    with pytest.raises(ValueError, match="non-finite"):
        env.osim_model.set_state(state)


def test_reset_returns_the_physics_to_the_default_state(env):
    start = env.sim.q().copy()
    _run(env, np.full((5, 18), 0.6))
    env.osim_model.reset()
    assert env.osim_model.istep == 0 and env.sim.time == 0.0
    assert np.array_equal(env.sim.q(), start)


def test_reset_manager_keeps_time_and_excitations(env):
    _run(env, np.full((3, 18), 0.4))
    env.osim_model.actuate(np.full(18, 0.7))
    q = env.sim.q().copy()
    env.osim_model.reset_manager()
    assert env.osim_model.istep == 3 and np.array_equal(env.sim.q(), q)
    assert np.array_equal(env.sim.get_excitations(), np.full(18, 0.7))


def test_integrator_accuracy_applies_to_the_next_integrator(env):
    actions = np.full((20, 18), 0.5)
    base = _run(env, actions)
    env.osim_model.set_integrator_accuracy(1e-2)
    assert env.osim_model.integrator_accuracy == env.integrator_accuracy == 1e-2
    env.reset(seed=0)
    coarse = _run(env, actions)
    assert not np.array_equal(base, coarse)
    for bad in (0, 1.5, float("nan"), "1e-3", True):
        with pytest.raises(ValueError, match=r"in \(0, 1\)"):
            env.osim_model.set_integrator_accuracy(bad)


# ---------------------------------------------------------------- strengths
def test_strength_scales_the_maximum_forces_from_the_next_step(env):
    m = env.osim_model
    actions = np.full((15, 18), 0.8)
    nominal = _run(env, actions)
    env.reset(seed=0)
    m.set_strength([0.2] * 18)
    assert m.curforces == pytest.approx([0.2] * 18)
    assert m.get_muscle("vasti_r").getMaxIsometricForce() == pytest.approx(0.2 * m.maxforces[5])
    weak = _run(env, actions)
    assert np.abs(weak - nominal).max() > 0.05
    # the model keeps its strengths, as the original's did; the next reset starts in
    # muscle equilibrium with them, exactly as a new env given them before its reset
    env.reset(seed=0)
    assert m.curforces == pytest.approx([0.2] * 18)
    again = _run(env, actions)
    fresh = L2RunEnv(visualize=False)
    fresh.osim_model.set_strength([0.2] * 18)
    fresh.reset(seed=0)
    assert np.array_equal(_run(fresh, actions), again)
    fresh.close()
    with pytest.raises(ValueError, match=">= 0"):
        m.set_strength([-1.0] * 18)
    with pytest.raises(ValueError, match=r"shape \(18,\)"):
        m.set_strength([1.0] * 3)


# -------------------------------------------------------- state description
def test_state_descriptions_of_the_model(env):
    env.step([0.2] * 18)
    m = env.osim_model
    cached = m.get_state_desc()
    assert tuple(cached) == STATE_DESC_KEYS and m.get_state_desc() is cached
    fresh = m.compute_state_desc()
    assert fresh is not cached and fresh == cached
    assert set(cached["joint_pos"]) == set(env.sim.joint_names)
    k = m.muscleSet.getIndex("tib_ant_r")
    assert cached["muscles"]["tib_ant_r"]["activation"] == m.get_activations()[k]


def test_prosthetics_targets_and_rect():
    assert rect([2, 0])[0] > 1.99
    assert abs(rect([2, math.pi / 2])[0]) < 0.01 and rect([2, math.pi / 2])[2] == pytest.approx(2)
    env = ProstheticsEnv(visualize=False, difficulty=0)
    env.reset(seed=0)
    desc = env.step(env.action_space.sample(), project=False)[0]
    with pytest.raises(KeyError):
        desc["target_vel"]
    assert "target_vel" not in env.osim_model.get_state_desc()
    env.close()

    env = ProstheticsEnv(visualize=False, difficulty=1, seed=0)
    env.reset()
    desc = env.step(np.full(19, 0.1), project=False)[0]
    assert len(desc["target_vel"]) == 3
    env.reset()
    targets = env.generate_new_targets(10)
    assert env.targets.shape == (env.time_limit + 1, 3) and np.array_equal(targets, env.targets)
    # with a change every ~10 steps, by step 300 the target has moved away from the start
    assert np.sum((env.targets[300, :] - np.array([1.25, 0, 0])) ** 2) > 0.01
    desc = env.step(np.full(19, 0.1), project=False)[0]
    assert desc["target_vel"] == env.targets[1].tolist()
    env.close()


# ------------------------------------------------------------------ exports
def test_the_helpers_of_the_original_osim_env():
    spec = Spec()
    assert (spec.id, spec.timestep_limit) == (0, 300)
    x, y = rotate_frame(1.0, 0.0, math.pi / 2)
    assert x == pytest.approx(0.0, abs=1e-12) and y == pytest.approx(1.0)
    xs, ys = rotate_frame(np.array([1.0, 2.0]), np.array([0.0, 0.0]), math.pi)
    assert np.allclose(xs, [-1, -2]) and np.allclose(ys, 0)
    box = convert_to_gym(([0.0] * 3, [1.0] * 3))
    assert isinstance(box, gym.spaces.Box) and box.shape == (3,) and box.contains(np.full(3, 0.5, np.float32))
    with pytest.raises(ValueError, match="must match"):
        convert_to_gym(([0.0] * 3, [1.0] * 2))
    with pytest.raises(TypeError, match="pair"):
        convert_to_gym(5)


def test_arm2d_vec_env_returns_vectors_and_rejects_nan():
    env = Arm2DVecEnv(visualize=False)
    obs = env.reset(seed=0)
    assert isinstance(obs, np.ndarray) and obs.shape == (16,)
    obs, reward, done, info = env.step(np.full(6, 0.2))
    assert isinstance(obs, np.ndarray)
    with pytest.raises(ValueError, match="non-finite"):
        env.step([float("nan")] * 6)
    env.close()


def test_ctrl_env_steps_the_reflex_controller_from_its_parameters():
    from osim.control import ReflexController
    from osim.control.reflex import PARAM_BOUNDS

    ctrl = ReflexController(mode="2D")
    params = ctrl.params["r_leg"].copy()
    env = L2M2019CtrlEnv(visualize=False, model="2D", difficulty=0, locoCtrl=ctrl)
    assert env.action_space.shape == (37,)
    assert np.allclose(env.action_space.low, PARAM_BOUNDS[:37, 0])
    env.reset(seed=0)
    ctrl_rewards, ctrl_excitations = [], []
    for _ in range(15):
        _, reward, done, info = env.step(params)
        ctrl_rewards.append(reward)
        ctrl_excitations.append(info["excitations"])
    env.close()

    # the same controller driving L2M2019Env directly gives the same episode
    plain, own = L2M2019Env(visualize=False, model="2D", difficulty=0), ReflexController(mode="2D")
    obs = plain.reset(seed=0)
    own.reset()
    for k in range(15):
        excitations = own.update(obs)
        obs, reward, done, info = plain.step(excitations)
        assert reward == ctrl_rewards[k]
        assert np.array_equal(np.clip(excitations, 0, 1), ctrl_excitations[k])
    plain.close()


def test_ctrl_env_with_a_controller_of_the_original_protocol():
    class Constant:
        par_space = ([0.0], [1.0])

        def __init__(self):
            self.level, self.seen, self.resets = None, [], 0

        def set_control_params(self, params):
            self.level = float(params[0])

        def update(self, state_desc):
            self.seen.append(sorted(state_desc)[:2])
            return [self.level] * 22

        def reset(self):
            self.resets += 1

    ctrl = Constant()
    env = L2M2019CtrlEnv(visualize=False, model="2D", difficulty=0, locoCtrl=ctrl)
    env.reset(seed=0)
    assert ctrl.resets == 1 and env.action_space.shape == (1,)
    env.step([0.3])
    assert np.array_equal(env.last_action, np.full(22, 0.3)) and ctrl.seen == [["body_acc", "body_acc_rot"]]
    with pytest.raises(ValueError, match="1 controller parameters"):
        env.step([0.3, 0.2])
    env.close()
    with pytest.raises(TypeError, match="lacks par_space"):
        L2M2019CtrlEnv(visualize=False, model="2D", locoCtrl=object())


def test_ctrl_env_without_a_controller_is_l2m2019():
    env = L2M2019CtrlEnv(visualize=False, model="2D", difficulty=0)
    assert env.action_space.shape == (22,)
    env.close()


def test_gymnasium_env_reaches_the_classic_surface():
    env = gym.make("osim/L2Run-v0")
    env.reset(seed=0)
    env.step(np.full(18, 0.2, dtype=np.float32))
    assert env.unwrapped.osim_model.istep == 1
    assert set(env.unwrapped.get_state_desc()) >= set(STATE_DESC_KEYS)
    env.close()


# -------------------------------------------------------------- model paths
def test_original_challenge_file_paths_load_the_built_models(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert set(ORIGINAL_FILES.values()) <= {p for p in ORIGINAL_FILES.values() if model_path(p).is_file()}
    with pytest.warns(UserWarning, match="gait14dof22musc_20170320.osim not found; using osim-rl's built"):
        env = OsimEnv(model_path="../osim/models/gait14dof22musc_20170320.osim")
    assert env.model_path == model_path("gait14dof22musc") and env.osim_model.noutput == 22
    env.close()
    with pytest.raises(ModelLoadError, match=r"model file not found: .*mine\.osim \(relative to the current "
                                             r"directory .*the built models are gait9dof18musc"):
        OsimEnv(model_path="models/mine.osim")


def test_an_existing_file_is_never_replaced(tmp_path, monkeypatch):
    """A user's own file with a challenge file's name is loaded as it is."""
    mine = tmp_path / "gait9dof18musc.osim"
    mine.write_bytes(model_path("gait9dof18musc").read_bytes())
    monkeypatch.chdir(tmp_path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        env = L2RunEnv(visualize=False)
        env.load_model("gait9dof18musc.osim")
    assert os.path.samefile(env.osim_model.model_path, mine)
    env.close()


def test_the_view_follows_a_new_model():
    env = ProstheticsEnv(visualize=False)
    m = env.osim_model
    assert m.noutput == 19  # the prosthesis replaces three muscles of the right leg
    env.change_model(model="2D", prosthetic=True, difficulty=0)
    assert env.osim_model is m and m.model_path.endswith("gait14dof22musc_planar_pros.osim")
    env.close()
    with pytest.raises(RuntimeError, match="closed"):
        m.model


@pytest.mark.parametrize("make, keys", [
    (lambda: L2RunEnv(visualize=False), set(STATE_DESC_KEYS)),
    (lambda: ProstheticsEnv(visualize=False, difficulty=1), set(STATE_DESC_KEYS) | {"target_vel"}),
    (lambda: L2M2019Env(visualize=False, model="2D", difficulty=0), {"v_tgt_field", "pelvis", "r_leg", "l_leg"}),
])
def test_get_observation_dict_has_the_original_keys(make, keys):
    env = make()
    env.reset(seed=0)
    assert set(env.get_observation_dict()) == keys
    desc_keys = set(env.get_state_desc())
    assert desc_keys >= set(STATE_DESC_KEYS)
    env.close()


def test_obs_as_list_returns_the_originals_lists():
    env = ProstheticsEnv(visualize=False, difficulty=0, obs_as_list=True)
    obs = env.reset(seed=0)
    assert type(obs) is list and len(obs) == 160 and all(type(v) is float for v in obs)
    assert type(env.reset(project=False)) is dict
    obs, reward, done, info = env.step(np.full(19, 0.1))
    assert type(obs) is list
    vector = ProstheticsEnv(visualize=False, difficulty=0)
    assert vector.reset(seed=0).tolist() == env.reset(seed=0)
    env.close()
    vector.close()
    with pytest.raises(TypeError, match="obs_as_list must be True or False"):
        L2RunEnv(obs_as_list="yes")
