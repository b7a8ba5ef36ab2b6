"""L2M2019Env: reference trajectories, reference numbers of the 3.0.11 original, observation layout, rewards, API."""
from __future__ import annotations

import csv
import json
import math
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from helpers import run_with_reference_blas, flatten_desc, load_golden, replay_golden
from osim.env.gym_api import GymnasiumEnv
from osim.env.l2m2019 import ACT2MUS, ACTION_NAMES, EXAMPLE_INIT_POSE, INIT_POSE, MUSCLES, L2M2019Env
from osim.env.target_field import n_targets_bound
from osim.sim import SimulationError

GOLDEN = (
    "L2M2019Env_2D_d2_s11", "L2M2019Env_2D_d2_s12",
    "L2M2019Env_3D_d0_s11", "L2M2019Env_3D_d0_s12",
    "L2M2019Env_3D_d2_s11", "L2M2019Env_3D_d2_s12",
    "L2M2019Env_3D_d3_s11", "L2M2019Env_3D_d3_s12",
)
#: files replayed a second time (scenario replay, after the other files' episodes)
SECOND_EPISODE = ("L2M2019Env_2D_d2_s11", "L2M2019Env_3D_d0_s12", "L2M2019Env_3D_d3_s11")
TOL = 1e-8
FIELD_TOL = 1e-10
ENV_CLASS = "osim.env.l2m2019:L2M2019Env"
DEG = math.pi / 180

def golden_scenario(golden: dict) -> dict:
    return {"targets": [{k: t[k] for k in ("p_sink", "v_phase0", "t0_target")}
                        for t in golden["meta"].get("targets", [])]}


def golden_errors(golden_dir: str) -> dict:
    """Every golden file in one process with one env (change_model between files).

    First episode: seeded as the file's meta says (the drawn targets must be
    the file's). Second episode (some files, after all the others): the
    file's targets replayed as a scenario.
    """
    env = L2M2019Env(obs_as_dict=False)
    out = {}

    def desc():
        return {"state_desc": env.get_state_desc(), "obs_dict": env.get_observation_dict()}

    def field_error(golden):
        # fields[0]: after reset (desc0), then one per step
        ref = np.concatenate([golden["desc0/state_desc/v_tgt_field"][None], golden["desc/state_desc/v_tgt_field"]])
        return float(np.max(np.abs(np.array(fields) - ref)))

    def targets_error(golden):
        expected = golden["meta"].get("targets", [])
        created = env.target_field.created_targets[:len(expected)]
        if len(created) != len(expected):
            return math.inf
        worst = 0.0
        for got, want in zip(created, expected):
            if set(got) != set(want):
                return math.inf
            for key in want:
                worst = max(worst, float(np.max(np.abs(np.asarray(got[key]) - np.asarray(want[key])))))
        return worst

    def run(golden, reset_kwargs):
        fields.clear()
        err = replay_golden(env, golden, desc=lambda: fields.append(env.v_tgt_field) or desc(),
                            reset_kwargs=reset_kwargs)
        err["field"] = field_error(golden)
        err["targets"] = targets_error(golden)
        return err

    fields: list = []
    goldens = {name: load_golden(Path(golden_dir) / f"{name}.npz") for name in GOLDEN}
    for name, golden in goldens.items():
        meta = golden["meta"]
        env.change_model(model=meta["model"], difficulty=meta["ctor"]["difficulty"], seed=meta["ctor"]["seed"])
        err = run(golden, {"seed": meta["reset"]["seed"]})
        err["drawn"] = float(env.scenario["targets"][:len(meta.get("targets", []))]
                             != golden_scenario(golden)["targets"])
        out[name] = [err]
    for name in SECOND_EPISODE:
        golden = goldens[name]
        meta = golden["meta"]
        env.change_model(model=meta["model"], difficulty=meta["ctor"]["difficulty"])
        out[name].append(run(golden, {"scenario": golden_scenario(golden)}))
    env.close()
    return out


@pytest.fixture(scope="module")
def golden_results(reference):
    return run_with_reference_blas("test_l2m2019", "golden_errors", str(reference / "golden"))


@pytest.mark.reference
@pytest.mark.parametrize("name", GOLDEN)
def test_golden_trajectories(golden_results, name):
    """obs, rewards, dones, every state_desc / obs_dict leaf to 1e-8, the field to 1e-10."""
    for err in golden_results[name]:
        field, targets = err.pop("field"), err.pop("targets")
        drawn = err.pop("drawn", 0.0)
        assert field <= FIELD_TOL and targets <= 1e-12 and drawn == 0.0, (field, targets, drawn)
        assert all(v <= TOL for v in err.values()), err
    assert len(golden_results[name]) == (2 if name in SECOND_EPISODE else 1)


@pytest.mark.reference
def test_golden_meta_is_what_the_test_assumes(reference):
    for name in GOLDEN:
        meta = load_golden(reference / "golden" / f"{name}.npz")["meta"]
        assert meta["env"] == "L2M2019Env" and "init_pose" not in meta.get("reset", {})
        assert meta["ctor"]["seed"] == meta["reset"]["seed"]


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def env():
    e = L2M2019Env(difficulty=2)
    yield e
    e.close()


@pytest.fixture(scope="module")
def env2d():
    e = L2M2019Env(model="2D", difficulty=2)
    yield e
    e.close()


# ---------------------------------------------------------- reference numbers
def test_reset_observation_matches_spec(env):
    """The reset observation of the original osim-rl run on OpenSim 4.6: 3D, default INIT_POSE."""
    obs = env.reset(seed=0)
    p = obs["pelvis"]
    assert (p["height"], p["pitch"], p["roll"]) == (pytest.approx(0.94, abs=1e-12), 0.0, 0.0)
    assert np.allclose(p["vel"], 0.0, atol=1e-12)
    expected = {"HAB": (0.0492, 0.9174), "HAD": (0.0372, 0.6352), "HFL": (0.0590, 1.1116), "GLU": (0.0515, 1.0245),
                "HAM": (0.0493, 0.9211), "RF": (0.0455, 0.7930), "VAS": (0.0456, 0.7970),
                "BFSH": (0.0810, 1.2213), "GAS": (0.0603, 1.1216), "SOL": (0.0513, 1.0215), "TA": (0.0494, 0.9247)}
    for leg in ("r_leg", "l_leg"):
        assert np.round(obs[leg]["ground_reaction_forces"], 5).tolist() == [0.0, 0.0, 0.68447]
        assert all(v == 0.0 for v in obs[leg]["joint"].values())
        for m, (f, l) in expected.items():
            assert (round(obs[leg][m]["f"], 4), round(obs[leg][m]["l"], 4)) == (f, l), m
            assert abs(obs[leg][m]["v"]) < 1e-6


def test_zero_excitations_fall_at_step_93():
    """As the original: zero excitations, 3D, difficulty 2, seed 1: falls at step 93, return 9.3."""
    e = L2M2019Env(difficulty=2, seed=1)
    e.reset()
    rewards, done = [], False
    while not done:
        _obs, reward, done, info = e.step(np.zeros(22))
        assert reward == sum(info["reward_terms"].values())
        rewards.append(reward)
    assert len(rewards) == 93 and e.is_done() and not e.is_truncated()
    assert sum(rewards) == pytest.approx(9.3, abs=1e-9)
    e.close()


@pytest.mark.parametrize("difficulty, p_sink, f55, f00", [
    (0, None, (1.4, 0), (1.4, 0)),
    (1, (5.834044, 0.0), (1.299641, 0), (1.634346, 0.754264)),
    (2, (4.491415, 3.723340), (1.000545, 0.829443), (1.325285, 1.218039)),
    (3, (1.081505, 5.732924), (0.240925, 1.277114), (0.887369, 1.566070)),
])
def test_seed_1_targets_and_reset_field_match_spec_13_3(env, difficulty, p_sink, f55, f00):
    env.change_model(difficulty=difficulty)
    obs = env.reset(seed=1)
    if p_sink is None:
        assert env.scenario == {"targets": []}
    else:
        first = env.scenario["targets"][0]
        assert first["p_sink"] == pytest.approx(p_sink, abs=1e-6)
        assert (first["v_phase0"], first["t0_target"]) == (pytest.approx(-3.140874, abs=1e-6),
                                                          pytest.approx(2.604665, abs=1e-6))
    field = obs["v_tgt_field"]
    assert field.shape == (2, 11, 11) and field.dtype == np.float64
    assert field[:, 5, 5] == pytest.approx(f55, abs=1e-6) and field[:, 0, 0] == pytest.approx(f00, abs=1e-6)


# -------------------------------------------------------- seeds and scenarios
def test_seed_semantics(env):
    env.change_model(difficulty=2)
    a = env.reset(seed=7, obs_as_dict=False)
    s7 = env.scenario
    assert len(s7["targets"]) == n_targets_bound(2, 1000) == 6
    b = env.reset(obs_as_dict=False)  # None continues the stream
    assert env.scenario != s7
    assert np.array_equal(a, env.reset(seed=7, obs_as_dict=False)) and env.scenario == s7
    assert not np.array_equal(a, b)
    env.reset(seed=0)  # 0 is a seed (the original treated it as "no seed")
    s0 = env.scenario
    env.reset(seed=0)
    assert env.scenario == s0 != s7
    # the constructor's seed seeds the first unseeded reset
    e = L2M2019Env(difficulty=2, seed=7)
    e.reset()
    assert e.scenario == s7
    e.close()
    # change_model(seed=...) reseeds too; the time limit sets how many targets are drawn
    env.change_model(difficulty=3, seed=7)
    env.reset()
    assert len(env.scenario["targets"]) == 2
    env.change_model(difficulty=1)
    env.spec.timestep_limit = 2000
    env.reset(seed=3)
    assert len(env.scenario["targets"]) == n_targets_bound(1, 2000) == 11
    env.change_model(difficulty=2)


def test_scenario_replay(env):
    env.change_model(difficulty=3)
    obs = env.reset(seed=4, obs_as_dict=False)
    scenario = env.scenario
    env.reset(seed=5)
    again = env.reset(scenario=json.loads(json.dumps(scenario)), obs_as_dict=False)
    assert env.scenario == scenario and np.array_equal(obs, again)
    # golden-file entries are accepted; their extra keys are dropped
    extra = {"targets": [dict(t, d_sink=1.0, v_amp_rng=[0.8, 1.8], map_rng_xy=[[-20, 20], [-20, 20]])
                         for t in scenario["targets"]]}
    env.reset(scenario=extra)
    assert env.scenario == scenario
    # one target only: it stays (the field's scenario acts as the target limit)
    env.reset(scenario={"targets": scenario["targets"][:1]})
    assert env.target_field.scenario == {"targets": scenario["targets"][:1]}


@pytest.mark.parametrize("difficulty, scenario, match", [
    (2, {"targets": "x"}, "must be a list"),
    (2, {"targets": []}, "needs at least one target"),
    (0, {"targets": [{"p_sink": [1, 2], "v_phase0": 0, "t0_target": 2}]}, "difficulty 0 has .* no targets"),
    (2, {"targets": [{"p_sink": [1, 2], "v_phase0": 0}]}, r"missing \['t0_target'\]"),
    (2, {"targets": [{"p_sink": [1, 2], "v_phase0": 0, "t0_target": 2, "r": 1}]}, r"unknown \['r'\]"),
    (2, {"targets": [{"p_sink": [1], "v_phase0": 0, "t0_target": 2}]}, r"p_sink must be \[x, y\]"),
    (2, {"targets": [{"p_sink": [1, float("nan")], "v_phase0": 0, "t0_target": 2}]}, "finite"),
    (2, {"targets": [3]}, "must be a dict"),
    (2, {"sinks": []}, "unknown scenario keys"),
])
def test_bad_scenarios_raise(env, difficulty, scenario, match):
    env.change_model(difficulty=difficulty)
    with pytest.raises(ValueError, match=match):
        env.reset(scenario=scenario)
    env.reset()


# ------------------------------------------------------------- arguments
@pytest.mark.parametrize("difficulty", [4, -1, True, "3", 2.0, None])
def test_bad_difficulty(env, difficulty):
    with pytest.raises(ValueError, match="allowed: 0, 1, 2"):
        L2M2019Env(difficulty=difficulty)
    with pytest.raises(ValueError, match="allowed: 0, 1, 2"):
        env.change_model(difficulty=difficulty)


def test_bad_model(env):
    with pytest.raises(ValueError, match="allowed: '3D'.*'2D'"):
        env.change_model(model="1D")


def test_time_limits_and_change_model(env):
    assert L2M2019Env.__init__.__defaults__[2] == 3  # difficulty=3 by default
    env.change_model(model="3D", difficulty=3)
    assert env.spec.timestep_limit == env.time_limit == 2500
    env.change_model(model="2D", difficulty=0)
    assert env.model == "2D" and env.model_path.stem == "gait14dof22musc_planar"
    assert env.spec.timestep_limit == 1000
    with pytest.raises(RuntimeError, match="reset"):
        env.step(np.zeros(22))
    env.reset()
    env.spec.timestep_limit = 3
    dones = [env.step(np.full(22, 0.3))[2] for _ in range(3)]
    assert dones == [False, False, True] and env.is_truncated() and not env.is_done()
    env.change_model(model="3D", difficulty=2)
    assert env.model_path.stem == "gait14dof22musc" and env.spec.timestep_limit == 1000


@pytest.mark.parametrize("pose, error, match", [
    ([0.0] * 11, ValueError, r"12 values .*got shape \(11,\)"),
    ([0.0] * 11 + [float("nan")], ValueError, "ankle_plantarflexion_l"),
    (["a"] * 12, TypeError, "real numbers"),
    ({"pelvis_height": 0.9}, TypeError, "sequence of 12"),
])
def test_bad_init_pose(env, pose, error, match):
    with pytest.raises(error, match=match):
        env.reset(init_pose=pose)


def test_init_pose_mapping(env, env2d):
    """Each init_pose value goes to its coordinate with its sign; locked coordinates (2D) keep their defaults."""
    pose = np.array([1.2, 0.3, 0.91, 0.1, 0.05, -0.2, -0.3, 0.15, 0.07, 0.25, -0.4, -0.1])
    env.change_model(difficulty=2)
    obs = env.reset(init_pose=pose)
    q = dict(zip(env.sim.coordinate_names, env.sim.q()))
    u = dict(zip(env.sim.coordinate_names, env.sim.u()))
    expected = {"pelvis_tx": 0, "pelvis_tz": 0, "pelvis_list": 0, "pelvis_rotation": 0, "pelvis_ty": 0.91,
                "pelvis_tilt": -0.1, "hip_adduction_r": -0.05, "hip_flexion_r": 0.2, "knee_angle_r": -0.3,
                "ankle_angle_r": -0.15, "hip_adduction_l": -0.07, "hip_flexion_l": -0.25, "knee_angle_l": -0.4,
                "ankle_angle_l": 0.1, "hip_rotation_r": 0, "hip_rotation_l": 0, "lumbar_extension": -5 * DEG}
    for name, value in expected.items():
        assert q[name] == pytest.approx(value, abs=1e-7), name
    assert {k: v for k, v in u.items() if v} == {"pelvis_tx": 1.2, "pelvis_tz": 0.3}
    assert obs["pelvis"]["vel"][:2] == pytest.approx([1.2, -0.3], abs=1e-12)
    assert obs["r_leg"]["joint"]["hip_abd"] == pytest.approx(0.05) and obs["l_leg"]["joint"]["knee"] == -0.4
    assert obs["pelvis"]["pitch"] == pytest.approx(0.1) and obs["pelvis"]["height"] == pytest.approx(0.91)
    np.testing.assert_array_equal(env.init_pose, pose)
    # 2D: pelvis_tz speed and hip adduction are locked: ignored
    env2d.reset(init_pose=pose)
    q = dict(zip(env2d.sim.coordinate_names, env2d.sim.q()))
    u = dict(zip(env2d.sim.coordinate_names, env2d.sim.u()))
    assert q["hip_adduction_r"] == q["hip_adduction_l"] == 0.0 and u["pelvis_tz"] == 0.0
    assert q["hip_flexion_r"] == pytest.approx(0.2) and u["pelvis_tx"] == 1.2
    # the default pose
    env.reset(init_pose=INIT_POSE)
    assert env.sim.body_position("pelvis") == pytest.approx([0, 0.94, 0], abs=1e-12)


# ------------------------------------------------------------------ actions
def test_action_permutation_from_names(env):
    """As the original: model muscle k takes challenge element ACT2MUS[k]."""
    assert ACT2MUS == (0, 1, 4, 7, 3, 2, 5, 6, 8, 9, 10, 11, 12, 15, 18, 14, 13, 16, 17, 19, 20, 21)
    abbreviation = {"abd": "HAB", "add": "HAD", "iliopsoas": "HFL", "glut_max": "GLU", "hamstrings": "HAM",
                    "rect_fem": "RF", "vasti": "VAS", "bifemsh": "BFSH", "gastroc": "GAS", "soleus": "SOL",
                    "tib_ant": "TA"}
    for k, name in enumerate(env.sim.muscle_names):
        base, side = name.rsplit("_", 1)
        assert ACTION_NAMES[ACT2MUS[k]] == f"{abbreviation[base]}_{side}"
    env.reset()
    action = np.linspace(0.0, 1.0, 22)
    env.step(action)
    np.testing.assert_array_equal(env.sim.get_excitations(), action[list(ACT2MUS)])
    np.testing.assert_array_equal(env.last_action, action)


@pytest.mark.parametrize("action, error, match", [
    (np.zeros(21), ValueError, r"shape \(22,\)"),
    ([0.5] * 21 + [float("nan")], ValueError, r"non-finite.*\[21\]"),
    (["a"] * 22, TypeError, "real numbers"),
])
def test_bad_actions(env, action, error, match):
    env.reset()
    with pytest.raises(error, match=match):
        env.step(action)
    env.step(np.full(22, 2.0))  # clipped
    assert env.istep == 1 and np.all(env.sim.get_excitations() == 1.0)


# ------------------------------------------------------------- observation
def _expected_vector(desc: dict, fmax: dict, lopt: dict) -> np.ndarray:
    """The 339 values from the state description and the documented formulas (class docstring), independently."""
    mg = 75.16460000000001 * 9.80665
    jp, jv = desc["joint_pos"], desc["joint_vel"]
    tilt, roll, yaw = jp["ground_pelvis"][:3]
    vx, vy, vz = desc["body_vel"]["pelvis"]
    c, s = math.cos(yaw), math.sin(yaw)
    out = list(np.asarray(desc["v_tgt_field"]).ravel())
    out += [desc["body_pos"]["pelvis"][1], -tilt, roll, vx * c - vz * s, -(vx * s + vz * c), vy,
            -jv["ground_pelvis"][0], jv["ground_pelvis"][1], jv["ground_pelvis"][2]]
    for side, lateral in (("r", 1), ("l", -1)):
        fx, fy, fz = (v / mg for v in desc["forces"][f"foot_{side}"][:3])
        out += [-fx * c + fz * s, lateral * (-fx * s - fz * c), -fy]
        for key in ("joint_pos", "joint_vel"):
            j = desc[key]
            out += [-j[f"hip_{side}"][1], -j[f"hip_{side}"][0], j[f"knee_{side}"][0], -j[f"ankle_{side}"][0]]
        for m, name in zip(MUSCLES, ("abd", "add", "iliopsoas", "glut_max", "hamstrings", "rect_fem", "vasti",
                                     "bifemsh", "gastroc", "soleus", "tib_ant")):
            mus = desc["muscles"][f"{name}_{side}"]
            out += [mus["fiber_force"] / fmax[name], mus["fiber_length"] / lopt[name],
                    mus["fiber_velocity"] / lopt[name]]
    return np.array(out)


FMAX = {"abd": 4460.290481, "add": 3931.8, "iliopsoas": 2697.344262, "glut_max": 3337.583607,
        "hamstrings": 4105.465574, "rect_fem": 2191.74098360656, "vasti": 9593.95082, "bifemsh": 557.11475409836,
        "gastroc": 4690.57377, "soleus": 7924.996721, "tib_ant": 2116.818162}
LOPT = {"abd": 0.0845, "add": 0.087, "iliopsoas": 0.117, "glut_max": 0.157, "hamstrings": 0.069,
        "rect_fem": 0.076, "vasti": 0.099, "bifemsh": 0.11, "gastroc": 0.051, "soleus": 0.044, "tib_ant": 0.068}


@pytest.mark.parametrize("which", ["3D", "2D"])
def test_observation_layout_matches_state(env, env2d, which):
    """Every index of the flat vector (docstring table) reads the state value it names."""
    e = env if which == "3D" else env2d
    e.change_model(model=which, difficulty=3)
    e.reset(seed=2)
    rng = np.random.RandomState(3)
    for _ in range(20):
        vec, *_ = e.step(rng.uniform(size=22), obs_as_dict=False)
    assert vec.shape == (339,) and vec.dtype == np.float64
    desc = e.get_state_desc()
    np.testing.assert_allclose(vec, _expected_vector(desc, FMAX, LOPT), rtol=1e-13, atol=1e-14)
    if which == "3D":
        assert abs(desc["joint_pos"]["ground_pelvis"][2]) > 1e-4  # a real yaw was exercised
    # the dict holds the same numbers, as plain floats
    d = e.get_observation_dict()
    leaves = flatten_desc({k: v for k, v in d.items() if k != "v_tgt_field"})
    assert np.concatenate([d["v_tgt_field"].ravel()] + [np.atleast_1d(leaves[k]) for k in _dict_order()]).tolist() \
        == vec.tolist()
    assert isinstance(d["pelvis"]["height"], float) and isinstance(d["r_leg"]["HAB"]["f"], float)
    assert all(isinstance(v, float) for v in d["pelvis"]["vel"] + d["l_leg"]["ground_reaction_forces"])
    assert np.array_equal(e.get_observation(), vec)


def _dict_order() -> list[str]:
    order = ["pelvis/height", "pelvis/pitch", "pelvis/roll", "pelvis/vel"]
    for leg in ("r_leg", "l_leg"):
        order += [f"{leg}/ground_reaction_forces"]
        order += [f"{leg}/{k}/{j}" for k in ("joint", "d_joint") for j in ("hip_abd", "hip", "knee", "ankle")]
        order += [f"{leg}/{m}/{x}" for m in MUSCLES for x in "flv"]
    return order


def test_docstring_table_covers_every_index():
    doc = L2M2019Env.__doc__
    table = doc.split("**Observation space.**")[1].split("**Reward.**")[0]
    covered = []
    for line in table.splitlines():
        m = re.match(r"\s*(\d+)(?:-(\d+))?\s{2,}\S", line)
        if m:
            lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
            covered += range(lo, hi + 1)
    assert covered == list(range(339))
    assert "339 float64 values" in " ".join(doc.split())


def test_observation_bounds_match_spec_7_8(env):
    space = env.observation_space
    low, high = space.low, space.high
    assert space.shape == (339,) and space.dtype == np.float64
    assert np.all(low[:242] == -10) and np.all(high[:242] == 10)
    assert (low[242], high[242]) == (0, 3)
    assert np.allclose([low[243], high[244]], [-math.pi, math.pi])
    assert np.all(low[245:248] == -20) and np.allclose(high[248:251], 10 * math.pi)
    for b in (251, 295):
        assert (low[b], high[b + 1], low[b + 2], high[b + 2]) == (-5, 5, -10, 10)
        assert np.allclose(low[b + 3:b + 7], np.array([-45, -180, -180, -45]) * DEG)
        assert np.allclose(high[b + 3:b + 7], np.array([90, 45, 15, 90]) * DEG)
        assert np.allclose(high[b + 7:b + 11], 5 * math.pi)
        assert np.all(low[b + 11:b + 44:3] == 0) and np.all(high[b + 12:b + 44:3] == 3)
        assert np.all(low[b + 13:b + 44:3] == -50)
    env.reset()
    env.step(np.ones(22))
    clipped = env.get_observation_clipped()
    assert np.array_equal(clipped, np.clip(env.get_observation(), low, high))
    assert env.action_space.shape == (22,) and env.get_action_space_size() == 22
    assert env.get_observation_space_size() == 339


def test_return_types(env):
    env.change_model(difficulty=2)
    assert isinstance(env.reset(), dict)
    assert set(env.reset(obs_as_dict=True)) == {"v_tgt_field", "pelvis", "r_leg", "l_leg"}
    vec = env.reset(obs_as_dict=False)
    assert isinstance(vec, np.ndarray) and vec.shape == (339,)
    desc = env.reset(project=False)
    assert "v_tgt_field" in desc and "joint_pos" in desc and "muscles" in desc
    obs, reward, done, info = env.step(np.zeros(22))
    assert isinstance(obs, dict) and isinstance(reward, float) and done is False
    assert set(info["reward_terms"]) == {"alive", "footstep", "velocity", "effort", "bonus", "target"}
    assert isinstance(env.step(np.zeros(22), obs_as_dict=False)[0], np.ndarray)
    assert "forces" in env.step(np.zeros(22), project=False)[0]
    e = L2M2019Env(difficulty=0, obs_as_dict=False)  # constructor default of obs_as_dict
    assert isinstance(e.reset(), np.ndarray) and isinstance(e.step(np.zeros(22))[0], np.ndarray)
    assert isinstance(e.reset(obs_as_dict=True), dict)
    e.close()


def test_state_desc_is_fresh_and_holds_the_field(env):
    """Fresh dicts: the field in a kept description does not change later (the original mutated it)."""
    env.change_model(difficulty=2)
    env.reset(seed=1)
    d1 = env.get_state_desc()
    d1b = env.get_state_desc()
    assert d1 is not d1b and d1["v_tgt_field"] is not d1b["v_tgt_field"]
    field0 = d1["v_tgt_field"].copy()
    for _ in range(5):
        env.step(np.full(22, 0.5))
    d2 = env.get_state_desc()
    assert np.array_equal(d1["v_tgt_field"], field0) and not np.array_equal(d2["v_tgt_field"], field0)
    assert np.array_equal(d2["v_tgt_field"], env.get_observation_dict()["v_tgt_field"])
    assert np.array_equal(d2["v_tgt_field"], env.v_tgt_field)


# ------------------------------------------------------------------- reward
def test_footsteps_are_rewarded_one_step_late(env):
    """Dropped from 6 cm above the ground, the landing is a new footstep, rewarded one step later."""
    env.change_model(difficulty=2)
    pose = INIT_POSE.copy()
    pose[2] = 1.0
    env.reset(seed=3, init_pose=pose)
    assert env.footstep == {"n": 0, "new": False, "r_contact": True, "l_contact": True}
    history = []
    for k in range(40):
        _obs, reward, _done, info = env.step(np.full(22, 0.05))
        assert reward == sum(info["reward_terms"].values())
        history.append((env.footstep["new"], info["reward_terms"]))
    news = [k for k, (new, _t) in enumerate(history) if new]
    assert news and env.n_footsteps == len(news) >= 1
    k = news[0]
    terms = history[k + 1][1]
    assert all(t["footstep"] == 0.0 for _n, t in history[:k + 1])
    # del_t since reset: k + 2 steps; effort and velocity terms are negative
    assert terms["footstep"] == pytest.approx(10 * 0.01 * (k + 2), abs=1e-12)
    assert terms["effort"] < 0 and terms["velocity"] < 0 and terms["alive"] == 0.1
    assert history[0][0] is False  # contacts start True: standing does not count


def test_time_limit_bonus_round_1_and_round_2(env):
    """Difficulties 0-2: +10 at the time limit (the Round-1 rule, no footstep term); difficulty 3: footstep terms
    paid at the time limit only with more than 5 footsteps; no +10."""
    env.change_model(difficulty=1)
    env.reset(seed=0)
    env.spec.timestep_limit = 4
    for _ in range(4):
        _o, reward, done, info = env.step(np.full(22, 0.05))
    assert done and info["reward_terms"]["bonus"] == 10.0 and info["reward_terms"]["footstep"] == 0.0
    assert reward == pytest.approx(10.1)
    env.change_model(difficulty=3)
    env.reset(seed=0)
    env.spec.timestep_limit = 4
    for _ in range(4):
        _o, reward, done, info = env.step(np.full(22, 0.05))
    assert done and reward == pytest.approx(0.1) and info["reward_terms"]["bonus"] == 0.0
    env.reset(seed=0)
    env.spec.timestep_limit = 4
    for _ in range(3):
        env.step(np.full(22, 0.05))
    env.n_footsteps = 6  # as if walking
    _o, reward, done, info = env.step(np.full(22, 0.05))
    terms = info["reward_terms"]
    assert done and terms["footstep"] == pytest.approx(0.4) and terms["velocity"] < 0 and terms["effort"] < 0
    assert terms["bonus"] == 0.0


def test_target_bonus_twice_in_round_2(env):
    """+500 one step after each reached target, at most twice (version 3), as in the original."""
    env.change_model(difficulty=3)
    scenario = {"targets": [{"p_sink": [0.05, 0.0], "v_phase0": 0.1, "t0_target": 0.015},
                            {"p_sink": [0.05, 0.1], "v_phase0": 0.2, "t0_target": 0.035}]}
    env.reset(scenario=scenario)
    targets = [env.step(np.zeros(22))[3]["reward_terms"]["target"] for _ in range(15)]
    assert targets == [0, 500, 0, 0, 0, 500] + [0] * 9
    assert env.target_field.i_target == 3
    env.change_model(difficulty=2)  # Round 1: no target bonus
    env.reset(scenario=scenario)
    assert all(env.step(np.zeros(22))[3]["reward_terms"]["target"] == 0 for _ in range(3))


def test_reward_velocity_uses_previous_field_at_pelvis(env):
    """del_v accumulates (v_pelvis - v_field(pelvis)) dt with the field as of before this step's update."""
    env.change_model(difficulty=2)
    env.reset(seed=8)
    expected = np.zeros(2)
    for _ in range(3):
        field_before = env.target_field.global_velocity  # the field is only rebuilt when a target is reached
        env.step(np.full(22, 0.2))
        pos, vel = env.sim.body_position("pelvis"), env.sim.body_velocity("pelvis")
        expected += (np.array([vel[0], -vel[2]]) - np.array(field_before(pos[0], -pos[2]))) * 0.01
    np.testing.assert_allclose(env._del_v, expected, rtol=1e-12)


@pytest.mark.slow
def test_reflex_controller_walks_2d(env2d):
    """The reflex controller (params_2D) walks the planar model from the example's initial pose."""
    from osim.control import ReflexController

    pose = EXAMPLE_INIT_POSE  # the initial pose of the challenge's controller example
    env2d.change_model(model="2D", difficulty=3, seed=5)
    ctrl = ReflexController(mode="2D")
    obs = env2d.reset(init_pose=pose)
    for _ in range(110):
        obs, _reward, done, _info = env2d.step(ctrl.update(obs))
        assert not done
    assert env2d.n_footsteps >= 3 and env2d.sim.body_position("pelvis")[0] > 1.5


# ------------------------------------------------------------ faces, speed
def test_snippet_runs_headless(monkeypatch):
    """The challenge's snippet, as written (visualize=True, no display: warning, then headless)."""
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "visualize=True but no display", RuntimeWarning)
        env = L2M2019Env(visualize=True)
    observation = env.reset()
    for i in range(200):
        observation, reward, done, info = env.step(env.action_space.sample())
    assert isinstance(observation, dict) and env.istep == 200
    env.close()


class _BrokenManager:
    def integrate(self, t):
        raise RuntimeError("SimTK Exception: Integrator failed: Unable to advance time past 0.01")


def test_simulation_failure_ends_the_episode(env, monkeypatch, caplog):
    env.change_model(difficulty=2)
    env.reset(seed=0)
    good = env.step(np.full(22, 0.2), obs_as_dict=False)[0]
    monkeypatch.setattr(env.sim, "_manager", _BrokenManager())
    with caplog.at_level("WARNING", logger="osim.env"):
        obs, reward, done, info = env.step(np.full(22, 0.2), obs_as_dict=False)
    assert done and reward == 0.0 and "Unable to advance time" in info["failure"] and info["reward_terms"] == {}
    assert np.array_equal(obs, good) and obs is not good and "simulation failure" in caplog.text
    obs, reward, done, info = env.step(np.zeros(22))  # stepping on: the same clean ending, as a dict
    assert done and "reset() before stepping again" in info["failure"]
    assert obs["pelvis"]["height"] == good[242] and np.array_equal(obs["v_tgt_field"].ravel(), good[:242])
    env.raise_on_failure = True
    try:
        with pytest.raises(SimulationError, match="reset"):
            env.step(np.zeros(22))
    finally:
        env.raise_on_failure = False
    env.reset(seed=0)  # a new Manager: the env works again
    assert env.step(np.zeros(22))[2] is False


def test_report_csv(tmp_path):
    path = tmp_path / "l2m.csv"
    e = L2M2019Env(difficulty=0, report=path)
    e.reset()
    e.step(np.zeros(22))
    e.close()
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    assert len(rows) == 2 and len(rows[0]) == 4 + 22 + 339


def test_gymnasium_face_passes_env_checker():
    from gymnasium.utils.env_checker import check_env

    g = GymnasiumEnv(ENV_CLASS, model="2D", difficulty=2, obs_as_dict=False)
    try:
        check_env(g, skip_render_check=True)
        obs, info = g.reset(seed=3)
        assert obs.shape == (339,) and obs.dtype == np.float64 and g.observation_space.contains(obs)
        assert len(info["scenario"]["targets"]) == 6
        obs2, reward, terminated, truncated, info = g.step(g.action_space.sample())
        assert reward == pytest.approx(sum(info["reward_terms"].values()))
        assert not terminated and not truncated and g.observation_space.contains(obs2)
        assert np.array_equal(obs2, g.env.get_observation())
    finally:
        g.close()
