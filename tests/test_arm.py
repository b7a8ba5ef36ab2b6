"""Arm2DEnv: reference trajectories, reference numbers of the 3.0.11 original, observation layout, API."""
from __future__ import annotations

import copy
import csv
import math
from pathlib import Path

import numpy as np
import pytest

from helpers import run_with_reference_blas, flatten_desc, load_golden, replay_golden
from osim.env.arm import Arm2DEnv
from osim.env.gym_api import GymnasiumEnv

GOLDEN = ("Arm2DEnv_s11", "Arm2DEnv_s12")
TOL = 1e-8
SEED0_TARGET = (-0.11106147622935555, 0.24573346164507448)  # what random.seed(0) made the original draw

def golden_scenario(golden: dict) -> dict:
    """The file's target (the observation's first two values) as a scenario."""
    return {"target": golden["obs"][0, 0:2].tolist()}


def golden_errors(golden_dir: str) -> dict:
    """All files in one process after a foreign episode, the first one twice; max abs errors."""
    env = Arm2DEnv(obs_as_dict=False)
    env.reset(seed=3)
    for _ in range(25):
        env.step(np.full(6, 0.8))
    out = {}
    for name in GOLDEN:
        golden = load_golden(Path(golden_dir) / f"{name}.npz")
        kwargs = {"scenario": golden_scenario(golden)}
        # the files' desc0 was taken before the target was placed: not compared
        repeats = 2 if name == GOLDEN[0] else 1
        out[name] = [replay_golden(env, golden, reset_kwargs=kwargs, compare_desc0=False) for _ in range(repeats)]
    env.close()
    return out


@pytest.fixture(scope="module")
def env():
    e = Arm2DEnv()
    yield e
    e.close()


@pytest.fixture(scope="module")
def golden_results(reference):
    return run_with_reference_blas("test_arm", "golden_errors", str(reference / "golden"))


# ------------------------------------------------------------------- golden
@pytest.mark.reference
@pytest.mark.parametrize("name", GOLDEN)
def test_golden_episodes_match_bit_for_bit(golden_results, name):
    for err in golden_results[name]:
        assert all(v <= TOL for v in err.values()), err


@pytest.mark.reference
def test_golden_close_with_any_blas(reference):
    """In this process, whatever BLAS kernels: the physics is the reference's up to roundoff growth."""
    env = Arm2DEnv(obs_as_dict=False)
    for name in GOLDEN[:1]:
        golden = load_golden(reference / "golden" / f"{name}.npz")
        env.reset(scenario=golden_scenario(golden))
        assert np.array_equal(env.get_observation(), golden["obs0"])
        for k, action in enumerate(golden["actions"]):
            obs, reward, done, _ = env.step(action)
            err = np.abs(obs - golden["obs"][k])
            assert err[[4, 7]].max() <= 0.05, (name, k, err)  # accelerations (up to ~600 rad/s^2)
            err[[4, 7]] = 0
            assert err.max() <= 1e-5, (name, k, err)
            assert abs(reward - golden["rewards"][k]) <= 1e-7 and done == golden["dones"][k]
        assert done and k == 199
    env.close()


@pytest.mark.reference
def test_state_description_leaves_match_golden(env, reference):
    """Same keys as the reference description; the target body and joint are in it."""
    golden = load_golden(reference / "golden" / "Arm2DEnv_s12.npz")
    env.reset(scenario=golden_scenario(golden))
    leaves = flatten_desc(env.get_state_desc())
    assert set(leaves) == {k[len("desc0/"):] for k in golden if k.startswith("desc0/")}
    x, y = golden_scenario(golden)["target"]
    assert leaves["body_pos/target"].tolist() == [x, y, 0.25] == golden["desc/body_pos/target"][0].tolist()
    assert leaves["joint_pos/target-joint"].tolist() == [0.0, x, y]


# -------------------------------------------------------- reference numbers
def test_seed_0_target_reset_vector_and_first_reward(env):
    """The original (3.0.11, OpenSim 4.6): seed 0 target, reset vector, reward 0.98983 after one step of 0.1."""
    obs = env.reset(seed=0, obs_as_dict=False)
    assert env.scenario == {"target": list(SEED0_TARGET)} and env.target == SEED0_TARGET
    assert obs.shape == (16,) and obs.dtype == np.float64
    # the reset observation shows the new target (the original showed the previous one; docs/quirks.md, Q56)
    assert tuple(obs[0:2]) == SEED0_TARGET
    expected = [0, 0, -2.644, 0, 0, 11.4977] + [0.05] * 6 + [-0.0125, 0.267]
    np.testing.assert_allclose(np.round(obs[2:], 4), expected, atol=1e-12)
    _obs, reward, done, info = env.step(np.full(6, 0.1), obs_as_dict=False)
    assert reward == pytest.approx(0.98983, abs=5e-6) and not done
    assert reward == info["reward_terms"]["constant"] + info["reward_terms"]["distance"]


def test_target_distribution(env):
    """theta ~ U(0, 2 pi / 3), rho ~ U(0.3, 0.65), target (rho cos theta, 0.8 - rho sin theta)."""
    env.seed(123)
    targets = np.array([env.draw_scenario()["target"] for _ in range(2000)])
    dx, dy = targets[:, 0], 0.8 - targets[:, 1]
    rho, theta = np.hypot(dx, dy), np.arctan2(dy, dx)
    assert rho.min() >= 0.3 and rho.max() <= 0.65 and theta.min() >= 0 and theta.max() <= 2 * np.pi / 3
    assert rho.min() < 0.31 and rho.max() > 0.64 and theta.min() < 0.01 and theta.max() > 2 * np.pi / 3 - 0.01
    # the same draws as Python's random module seeded alike (the original's generator)
    import random

    rng = random.Random(7)
    theta0, rho0 = rng.uniform(0, 2 * math.pi / 3), rng.uniform(0.3, 0.65)
    env.seed(7)
    assert env.draw_scenario()["target"] == [math.cos(theta0) * rho0, -math.sin(theta0) * rho0 + 0.8]


# (index, state-description path) of every observation value
LAYOUT = (
    [(0, "body_pos/target/0"), (1, "body_pos/target/1")]
    + [(2, "joint_pos/r_shoulder/0"), (3, "joint_vel/r_shoulder/0"), (4, "joint_acc/r_shoulder/0")]
    + [(5, "joint_pos/r_elbow/0"), (6, "joint_vel/r_elbow/0"), (7, "joint_acc/r_elbow/0")]
    + [(8 + k, f"muscles/{m}/activation") for k, m in
       enumerate(["BIClong", "BICshort", "BRA", "TRIlat", "TRIlong", "TRImed"])]
    + [(14, "markers/r_radius_styloid/pos/0"), (15, "markers/r_radius_styloid/pos/1")]
)


def test_observation_layout_matches_state(env):
    """Every index of the documented table reads the state value it names."""
    assert sorted(i for i, _ in LAYOUT) == list(range(16))
    env.reset(seed=4)
    rng = np.random.RandomState(2)
    for _ in range(12):
        obs, *_ = env.step(rng.uniform(size=6), obs_as_dict=False)
    leaves = flatten_desc(env.get_state_desc())
    for i, path in LAYOUT:
        if path in leaves:
            value = leaves[path]
        else:
            key, _, comp = path.rpartition("/")
            value = leaves[key][int(comp)]
        assert obs[i] == value, (i, path)
    assert obs[0:2].tolist() == env.scenario["target"]
    doc = Arm2DEnv.__doc__
    assert "16 float64 values" in doc and "14, 15" in doc and "2.1.5" in doc and "previous" in doc


def test_reward_is_one_minus_squared_distance(env, monkeypatch):
    env.reset(seed=5)
    _obs, reward, _done, info = env.step(np.full(6, 0.4))
    desc = env.get_state_desc()
    wrist, (tx, ty) = desc["markers"]["r_radius_styloid"]["pos"], env.target
    assert reward == 1 - ((wrist[0] - tx) ** 2 + (wrist[1] - ty) ** 2)
    assert info["reward_terms"] == {"constant": 1.0, "distance": -((wrist[0] - tx) ** 2 + (wrist[1] - ty) ** 2)}
    monkeypatch.setattr(env, "squared_distance", lambda: float("nan"))
    assert env.reward() == 0.0  # 3.0.11: a NaN penalty gives reward 0


def test_no_failure_termination_time_limit_200(env):
    env.reset(seed=6)
    assert env.time_limit == 200 == env.spec.timestep_limit
    env.spec.timestep_limit = 4
    try:
        dones = [env.step(np.ones(6))[2] for _ in range(4)]
        assert dones == [False, False, False, True] and env.is_truncated() and not env.is_done()
    finally:
        env.spec.timestep_limit = 200


class _BrokenManager:
    def integrate(self, t):
        raise RuntimeError("SimTK Exception: Integrator failed: Unable to advance time past 0.01")


@pytest.mark.parametrize("as_dict", [True, False])
def test_failed_step_ends_the_episode_cleanly(env, monkeypatch, as_dict):
    last = env.reset(seed=2, obs_as_dict=as_dict)
    last, *_ = env.step(np.full(6, 0.3), obs_as_dict=as_dict)
    expected = copy.deepcopy(last)
    monkeypatch.setattr(env.sim, "_manager", _BrokenManager())
    for _ in range(2):  # stepping on after a failure: the same clean ending
        obs, reward, done, info = env.step(np.full(6, 0.3), obs_as_dict=as_dict)
        assert done and reward == 0.0 and info["failure"]
        if as_dict:
            assert obs == expected and obs is not last
        else:
            np.testing.assert_array_equal(obs, expected)
    monkeypatch.undo()
    env.reset(seed=2)  # a new integrator: the env works again
    assert env.step(np.zeros(6))[2] is False


def test_raise_on_failure(monkeypatch):
    from osim.sim import SimulationError

    e = Arm2DEnv(raise_on_failure=True)
    try:
        e.reset(seed=0)
        monkeypatch.setattr(e.sim, "_manager", _BrokenManager())
        with pytest.raises(SimulationError, match="Unable to advance time"):
            e.step(np.zeros(6))
    finally:
        monkeypatch.undo()
        e.close()


# ------------------------------------------------------------------ the API
def test_dict_observation_is_the_classic_default(env):
    """Like 3.0.11, reset/step return the state description unless obs_as_dict=False."""
    desc = env.reset(seed=1)
    assert isinstance(desc, dict) and desc is env.get_state_desc() is env.get_observation_dict()
    assert desc["body_pos"]["target"][:2] == env.scenario["target"]
    obs, reward, done, info = env.step(np.zeros(6))
    assert isinstance(obs, dict) and obs is env.get_state_desc() and isinstance(reward, float)
    vec = env.step(np.zeros(6), obs_as_dict=False)[0]
    assert isinstance(vec, np.ndarray) and vec.shape == (16,)
    assert isinstance(env.step(np.zeros(6), project=False)[0], dict)
    assert isinstance(env.reset(project=False, obs_as_dict=False), dict)
    assert isinstance(env.reset(seed=1, obs_as_dict=False), np.ndarray)
    with pytest.raises(TypeError, match="obs_as_dict must be True or False"):
        env.reset(obs_as_dict="yes")


def test_vector_default_from_constructor():
    e = Arm2DEnv(obs_as_dict=False)
    try:
        assert isinstance(e.reset(seed=0), np.ndarray) and isinstance(e.step(np.zeros(6))[0], np.ndarray)
        assert isinstance(e.reset(obs_as_dict=True), dict)
    finally:
        e.close()
    with pytest.raises(TypeError, match="obs_as_dict"):
        Arm2DEnv(obs_as_dict=None)


def test_seeds_and_scenario_replay(env):
    a = env.reset(seed=9, obs_as_dict=False)
    scenario = env.scenario
    b = env.reset(obs_as_dict=False)  # continues the stream: a new target
    assert env.scenario != scenario and not np.array_equal(a[:2], b[:2])
    actions = np.random.RandomState(0).uniform(size=(8, 6))
    first = [env.reset(seed=9, obs_as_dict=False)] + [env.step(x, obs_as_dict=False)[0] for x in actions]
    again = [env.reset(scenario=scenario, obs_as_dict=False)] + [env.step(x, obs_as_dict=False)[0] for x in actions]
    np.testing.assert_array_equal(np.array(first), np.array(again))
    # numpy values and integers are accepted and stored as floats
    env.reset(scenario={"target": np.array([0.2, 0.5])})
    assert env.scenario == {"target": [0.2, 0.5]} and env.target == (0.2, 0.5)
    env.reset(scenario={"target": (0, 1)})
    assert env.scenario == {"target": [0.0, 1.0]}


def test_random_target_false_keeps_the_target(env):
    env.reset(seed=11)
    target = env.scenario["target"]
    obs = env.reset(random_target=False, obs_as_dict=False)
    assert env.scenario["target"] == target == obs[0:2].tolist()


@pytest.mark.parametrize("scenario, error, match", [
    ({"target": [0.1]}, ValueError, "two finite numbers"),
    ({"target": [0.1, 0.2, 0.3]}, ValueError, "two finite numbers"),
    ({"target": [float("nan"), 0.2]}, ValueError, "two finite numbers"),
    ({"target": [0.1, float("inf")]}, ValueError, "two finite numbers"),
    ({"target": ["a", "b"]}, ValueError, "two finite numbers"),
    ({"target": "ab"}, ValueError, "two finite numbers"),
    ({"target": [True, 0.2]}, ValueError, "two finite numbers"),
    ({"target": 0.5}, ValueError, "two finite numbers"),
    ({"target": [0.1, 0.2], "obstacles": []}, ValueError, "unknown scenario keys"),
    ({}, ValueError, "missing keys"),
    ([0.1, 0.2], TypeError, "scenario must be a dict"),
])
def test_bad_scenarios_raise_clear_errors(env, scenario, error, match):
    with pytest.raises(error, match=match):
        env.reset(scenario=scenario)


@pytest.mark.parametrize("action, error, match", [
    (np.zeros(5), ValueError, r"shape \(6,\).*TRIlong, TRIlat, TRImed, BIClong, BICshort, BRA"),
    ([0.5] * 5 + [float("nan")], ValueError, r"non-finite values.*\[5\]"),
    (["a"] * 6, TypeError, "real numbers"),
])
def test_bad_actions_raise_clear_errors(env, action, error, match):
    env.reset(seed=0)
    with pytest.raises(error, match=match):
        env.step(action)
    env.step(np.zeros(6))
    assert env.istep == 1


def test_target_body_in_the_model(env):
    """As the 2019 original: body 'target' (mass 1e-4, inertia (1, 1, 1e-4)), green sphere r = 0.02, planar joint."""
    from osim.sim import opensim

    model = env.sim.model
    body = model.getBodySet().get("target")
    assert body.getMass() == 1e-4
    inertia = body.getInertia().getMoments().to_numpy()
    assert inertia.tolist() == [1.0, 1.0, 1e-4]
    sphere = opensim.Sphere.safeDownCast(body.get_attached_geometry(0))
    assert sphere is not None and sphere.get_radius() == 0.02
    assert sphere.get_Appearance().get_color().to_numpy().tolist() == [0.0, 1.0, 0.0]
    assert env.sim.joint_coordinates["target-joint"] == ("rz", "tx", "ty")
    joint = model.getJointSet().get("target-joint")
    assert joint.getParentFrame().findBaseFrame().getName() == "ground"
    assert joint.get_frames(1).get_translation().to_numpy().tolist() == [0.0, 0.0, -0.25]
    assert "target" not in env.sim.force_names and env.sim.n_muscles == 6
    # placed per reset: ty is locked (held against gravity), the target does not move
    env.reset(scenario={"target": [0.3, 0.4]})
    assert model.getCoordinateSet().get("ty").getLocked(env.sim.state)
    for _ in range(5):
        env.step(np.ones(6))
    assert env.sim.body_position("target").tolist() == [0.3, 0.4, 0.25]


def test_report_writes_vectors(tmp_path):
    path = tmp_path / "arm.csv"
    e = Arm2DEnv(report=path)
    try:
        e.reset(seed=0)
        for _ in range(3):
            e.step(np.full(6, 0.2))
    finally:
        e.close()
    with path.open() as f:
        rows = list(csv.reader(f))
    assert len(rows) == 4 and len(rows[0]) == 4 + 6 + 16 and rows[0][-1] == "obs_15"
    assert float(rows[1][4 + 6]) == SEED0_TARGET[0]


# -------------------------------------------------------------- Gymnasium
@pytest.mark.filterwarnings("ignore:.*Box observation space (minimum|maximum) value is.*infinity:UserWarning")
def test_gymnasium_face_passes_env_checker():
    from gymnasium.utils.env_checker import check_env

    genv = GymnasiumEnv("osim.env.arm:Arm2DEnv", obs_as_dict=False)
    try:
        check_env(genv, skip_render_check=True)
        obs, info = genv.reset(seed=0)
        assert obs.dtype == np.float64 and obs.shape == (16,) and genv.observation_space.contains(obs)
        assert tuple(obs[:2]) == SEED0_TARGET and info["scenario"] == {"target": list(SEED0_TARGET)}
        obs2, _ = genv.reset(options={"scenario": {"target": [0.1, 0.5]}})
        assert obs2[:2].tolist() == [0.1, 0.5]
        obs3, reward, terminated, truncated, info = genv.step(genv.action_space.sample())
        assert isinstance(reward, float) and not terminated and not truncated
        assert reward == pytest.approx(sum(info["reward_terms"].values()))
    finally:
        genv.close()


def test_render_scene_shows_target_and_forearm():
    genv = GymnasiumEnv("osim.env.arm:Arm2DEnv", obs_as_dict=False, render_mode="rgb_array")
    try:
        genv.reset(seed=0)
        scene = genv.env.render_scene()
        assert scene["targets"] == [((*SEED0_TARGET, 0.25), 0.02)]
        wrist = tuple(genv.env.sim.marker_position("r_radius_styloid"))
        assert scene["segments"][-1][1] == wrist and "distance" in scene["text"][-1]
        frame = genv.render()
        assert frame.dtype == np.uint8 and frame.ndim == 3 and frame.shape[2] == 3
    finally:
        genv.close()
