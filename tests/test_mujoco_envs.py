"""The challenge envs of the second MuJoCo slice on engine="mujoco": RunEnv, WalkEnv, ProstheticsEnv, Arm2DEnv.

Same task code on both engines: the same names, state-description layout,
spaces, reward terms and scenario draws; the twin's numbers within the
tolerances of docs/mujoco.md (measured values in brackets there):

* body origins at random poses within 1 mm of OpenSim's (prosthesis, arm);
* musculotendon lengths within 0.5 % at the default pose (prosthesis) and
  the arm's paths (wrapping surfaces approximated) within 8 mm at random
  poses (measured: 5.9 mm max over the sweeps);
* passive drop of gait14dof22musc_pros: pelvis within 1 cm of OpenSim's over
  the first 0.3 s, 2 cm over 0.5 s (measured 7.0 mm and 8.6 mm RMS);
* golden replays, first 0.5 s: ProstheticsEnv_d0_s11 joint angles within 10
  deg RMS (measured 6.9), pelvis within 15 cm (8 cm); Arm2DEnv_s11 within 10
  deg RMS (5.2), hand within 5 cm (2.7 cm).
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest

mujoco = pytest.importorskip("mujoco", reason="the mujoco package is not installed (pip install 'osim-rl[mujoco]')")

from osim.env import ProstheticsEnv, RunEnv, WalkEnv  # noqa: E402
from osim.env.arm import Arm2DEnv  # noqa: E402
from osim.models import model_path  # noqa: E402
from osim.sim import OpenSimPhysics  # noqa: E402
from osim.sim.mujoco_physics import MuJoCoPhysics  # noqa: E402
from helpers import opensim_pose, passive_drop  # noqa: E402

#: (id, class, constructor keywords)
ENVS = [
    ("run_d2", RunEnv, {"difficulty": 2}),
    ("walk", WalkEnv, {}),
    ("prosthetics_3d", ProstheticsEnv, {"difficulty": 1}),
    ("prosthetics_2d", ProstheticsEnv, {"model": "2D", "difficulty": 0}),
    ("arm", Arm2DEnv, {"obs_as_dict": False}),
]


def _make(cls, kwargs, engine):
    return cls(engine=engine, **kwargs)


def _keys(desc):
    """The nested key layout of a state description (values dropped)."""
    return {k: sorted(v) if isinstance(v, dict) else None for k, v in desc.items()}


@pytest.mark.parametrize("name,cls,kwargs", ENVS, ids=[e[0] for e in ENVS])
def test_same_task_on_both_engines(name, cls, kwargs):
    env, ref = _make(cls, kwargs, "mujoco"), _make(cls, kwargs, "opensim")
    assert env.engine == env.spec.engine == "mujoco" and ref.spec.engine == "opensim"
    for attr in ("coordinate_names", "body_names", "joint_names", "muscle_names", "actuator_names",
                 "force_names", "marker_names"):
        assert getattr(env.sim, attr) == getattr(ref.sim, attr), attr
    obs, obs_ref = env.reset(seed=4), ref.reset(seed=4)
    assert env.scenario == ref.scenario  # the task draws the scenario, not the engine
    assert obs.shape == obs_ref.shape == env.observation_space.shape == ref.observation_space.shape
    assert env.action_space.shape == ref.action_space.shape
    desc, desc_ref = env.get_state_desc(), ref.get_state_desc()
    assert _keys(desc) == _keys(desc_ref)
    for f, rec in desc_ref["forces"].items():
        assert len(desc["forces"][f]) == len(rec), f  # OpenSim's record layout
    for m, rec in desc_ref["markers"].items():
        assert set(desc["markers"][m]) == set(rec)
    # the same pose at reset (coordinates: the knee fits are sub-millimetre)
    np.testing.assert_allclose(env.sim.q(), ref.sim.q(), atol=1e-9)
    rng = np.random.default_rng(0)
    n = env.action_space.shape[0]
    for _ in range(15):
        a = rng.uniform(0, 1, n)
        obs, reward, done, info = env.step(a)
        _, _, _, info_ref = ref.step(a)
        assert np.isfinite(obs).all() and np.isfinite(reward) and "failure" not in info
        assert set(info["reward_terms"]) == set(info_ref["reward_terms"])
        assert reward == pytest.approx(sum(info["reward_terms"].values()), abs=1e-12)
    env.close()
    ref.close()


@pytest.mark.parametrize("name,cls,kwargs", ENVS, ids=[e[0] for e in ENVS])
def test_deterministic_with_a_seed(name, cls, kwargs):
    env = _make(cls, kwargs, "mujoco")
    n = env.action_space.shape[0]
    actions = np.random.default_rng(5).uniform(0, 1, (25, n))
    runs = []
    for _ in range(2):
        out = [env.reset(seed=9)]
        scenario = env.scenario
        out += [env.step(a)[0] for a in actions]
        runs.append((np.array(out), json.dumps(scenario, sort_keys=True)))
    env.close()
    fresh = _make(cls, kwargs, "mujoco")
    out = [fresh.reset(seed=9)] + [fresh.step(a)[0] for a in actions]
    fresh.close()
    assert np.array_equal(runs[0][0], runs[1][0]) and runs[0][1] == runs[1][1]
    assert np.array_equal(runs[0][0], np.array(out))


@pytest.mark.parametrize("name,cls,kwargs", ENVS, ids=[e[0] for e in ENVS])
def test_bad_actions_rejected_clearly(name, cls, kwargs):
    env = _make(cls, kwargs, "mujoco")
    env.reset(seed=0)
    n = env.action_space.shape[0]
    with pytest.raises(ValueError, match=str(n)):
        env.step(np.zeros(n + 1))
    with pytest.raises(ValueError):
        env.step(np.full(n, np.nan))
    assert np.isfinite(env.step(np.full(n, 0.2))[0]).all()  # still works
    env.close()


@pytest.mark.parametrize("name,cls,kwargs", ENVS, ids=[e[0] for e in ENVS])
def test_simulation_failure_ends_the_episode_cleanly(name, cls, kwargs):
    env = _make(cls, kwargs, "mujoco")
    n = env.action_space.shape[0]
    env.reset(seed=0)
    last = env.step(np.zeros(n))[0]
    env.sim.data.qvel[:] = np.nan
    obs, reward, done, info = env.step(np.zeros(n))
    assert done and reward == 0.0 and "non-finite" in info["failure"] and env.sim.failed
    np.testing.assert_array_equal(obs, last)
    env.reset(seed=0)
    assert np.isfinite(env.step(np.zeros(n))[0]).all()
    env.close()


# ----------------------------------------------------------------- RunEnv
def _toe_scenario(env, dx):
    toe = env.sim.body_position("toes_r")
    return {"obstacles": [[float(toe[0] + dx), 0.0, 0.1]], "psoas": [1.0, 1.0]}


def test_run_obstacles_are_placed_from_the_task_scenario():
    env = RunEnv(engine="mujoco", difficulty=1)
    env.reset(seed=2)
    m = env.sim.model
    for i, (x, y, r) in enumerate(env.scenario["obstacles"]):
        gid = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_GEOM, f"{i}-contact")
        # OpenSim's ground (x, y, 0) is MuJoCo's (x, 0, y)
        np.testing.assert_allclose(m.geom_pos[gid], [x, 0.0, y], atol=1e-12)
        assert m.geom_size[gid, 0] == r
    obs = env.reset(seed=2)
    x, y, r = env.scenario["obstacles"][0]
    assert tuple(obs[38:41]) == pytest.approx((x - obs[1], y, r))
    env.close()


def test_run_obstacles_collide_with_the_feet():
    env = RunEnv(engine="mujoco", difficulty=0)
    env.reset(seed=1)
    touching = _toe_scenario(env, 0.12)  # the obstacle overlaps the right toe sphere
    results = {}
    for label, scenario in (("touching", touching), ("far", {"obstacles": [[3.0, 0.0, 0.1]], "psoas": [1.0, 1.0]}),
                            ("none", {"obstacles": [], "psoas": [1.0, 1.0]})):
        env.reset(scenario=scenario)
        force, toe = [], []
        for _ in range(20):
            env.step(np.full(18, 0.05))
            force.append(env.get_state_desc()["forces"]["0-force"])
            toe.append(env.sim.body_position("toes_r")[0])
        results[label] = (np.array(force), np.array(toe))
    f, toe = results["touching"]
    # the record: force on the ground (the obstacle) first, then per foot sphere (r_heel, l_heel, r_toe, l_toe)
    assert f[:, 0].max() > 20.0  # the toe pushes the obstacle forward (+x) ...
    assert f[:, 18].min() < -20.0  # ... and the obstacle pushes the r_toe sphere back
    np.testing.assert_allclose(f[:, 0:3], -f[:, 18:21] - f[:, 6:9] - f[:, 12:15] - f[:, 24:27], atol=1e-9)
    assert not results["far"][0].any() and not results["none"][0].any()
    assert toe[-1] < results["none"][1][-1] - 1e-3  # pushed back
    env.close()


def test_run_obstacles_are_frictionless_and_push_along_the_normal():
    env = RunEnv(engine="mujoco", difficulty=0)
    env.reset(seed=1)
    scenario = _toe_scenario(env, 0.12)
    env.reset(scenario=scenario)
    ox, oy, _ = scenario["obstacles"][0]
    gid = mujoco.mj_name2id(env.sim.model, mujoco.mjtObj.mjOBJ_GEOM, "r_toe")
    pushed = 0
    for _ in range(10):
        env.step(np.full(18, 0.05))
        f_toe = np.array(env.get_state_desc()["forces"]["0-force"][18:21])
        if np.linalg.norm(f_toe) > 1.0:
            # no friction: the force on the toe sphere points from the obstacle's centre to the sphere's
            away = env.sim._os(env.sim.data.geom_xpos[gid]) - np.array([ox, oy, 0.0])
            cos = float(f_toe @ away) / (np.linalg.norm(f_toe) * np.linalg.norm(away))
            assert cos > 0.999, cos
            pushed += 1
    assert pushed >= 3
    env.close()


def test_run_psoas_strengths_reach_the_muscles():
    env = RunEnv(engine="mujoco", difficulty=2)
    obs = env.reset(seed=3)
    left, right = env.scenario["psoas"]
    m = env.sim.model
    nominal = env.sim._nominal_force
    gain = m.actuator_gainprm[:, 2]
    assert gain[3] == pytest.approx(nominal[3] * right) and gain[11] == pytest.approx(nominal[11] * left)
    assert obs[36] == left and obs[37] == right
    others = [k for k in range(18) if k not in (3, 11)]
    np.testing.assert_allclose(gain[others], nominal[others])
    env.close()


def test_run_course_needs_the_opensim_engine():
    with pytest.raises(ValueError, match="platforms"):
        RunEnv(engine="mujoco", difficulty=3)


def test_run_ground_friction_handle():
    env = RunEnv(engine="mujoco", difficulty=0, friction=True)
    env.reset(seed=0)
    static = env.scenario["friction"][0]
    m = env.sim.model
    feet = [mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_GEOM, g) for g in ("r_heel", "r_toe", "l_heel", "l_toe")]
    np.testing.assert_allclose(m.geom_friction[feet, 0], static)
    env.close()


# ---------------------------------------------------------------- WalkEnv
def test_walk_actions_are_activations_on_both_engines():
    a = np.linspace(0.1, 1.0, 18)
    got = {}
    for engine in ("opensim", "mujoco"):
        env = WalkEnv(engine=engine)
        env.reset()
        env.step(a)
        got[engine] = env.sim.muscle_activations()
        env.close()
    # written as activations, then 10 ms of deactivation with no excitation: a little below the action
    assert np.all(got["mujoco"] < a) and np.all(got["mujoco"] > 0.6 * a)
    np.testing.assert_allclose(got["mujoco"], got["opensim"], atol=0.05)


# ------------------------------------------------------- ProstheticsEnv
@pytest.mark.parametrize("name", ["gait14dof22musc_pros", "gait14dof22musc_planar_pros"])
def test_prosthesis_kinematics_and_paths(name):
    o, m = OpenSimPhysics(model_path(name)), MuJoCoPhysics(model_path(name))
    assert "pros_tibia_r" in m.body_names and "tibia_r" not in m.body_names and m.n_muscles == 19
    rng = np.random.default_rng(3)
    for _ in range(8):
        pose = {"pelvis_ty": rng.uniform(0.8, 1.0), "pelvis_tilt": rng.uniform(-0.4, 0.4)}
        for side in "rl":
            pose[f"hip_flexion_{side}"] = rng.uniform(-0.4, 0.7)
            pose[f"knee_angle_{side}"] = rng.uniform(-1.5, 0.0)
            pose[f"ankle_angle_{side}"] = rng.uniform(-0.6, 0.3)
        s = opensim_pose(o, pose)
        m.reset(coordinates=pose)
        for b in o.body_names:
            np.testing.assert_allclose(m.body_position(b), o._bodies[b].getPositionInGround(s).to_numpy(), atol=1e-3)
    s = opensim_pose(o, {})
    m.reset()
    lo = np.array([mu.getLength(s) for mu in o._muscles])
    assert np.max(np.abs(m.muscle_lengths() - lo) / lo) < 0.005
    o.close()
    m.close()


def test_prosthetic_ankle_spring_is_the_same_law():
    env = ProstheticsEnv(engine="mujoco", difficulty=0)
    env.reset()
    for _ in range(5):
        env.step(np.full(19, 0.1))
    q = dict(zip(env.sim.coordinate_names, env.sim.q()))["ankle_angle_r"]
    u = dict(zip(env.sim.coordinate_names, env.sim.u()))["ankle_angle_r"]
    (torque,) = env.get_state_desc()["forces"]["ankleSpring"]
    assert q != 0.0 and torque == pytest.approx(-225.0 * q - 1.0 * u, rel=1e-12)
    # MuJoCo's passive joint force is the same torque
    m, d = env.sim.model, env.sim.data
    dof = m.jnt_dofadr[mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_JOINT, "ankle_angle_r")]
    assert d.qfrc_spring[dof] + d.qfrc_damper[dof] == pytest.approx(torque, rel=1e-9)
    env.close()


def test_prosthesis_passive_drop_close_to_opensim():
    name = "gait14dof22musc_pros"
    heights = []
    for cls in (OpenSimPhysics, MuJoCoPhysics):
        p = cls(model_path(name))
        heights.append(passive_drop(p))
        assert -p.force_record("pros_foot_r")[1] > 0 and -p.force_record("foot_l")[1] > 0  # both feet stand
        p.close()
    diff = np.abs(heights[0] - heights[1])
    assert diff[:30].max() < 0.01 and diff.max() < 0.02, diff


# ------------------------------------------------------------ Arm2DEnv
def test_arm_kinematics_and_wrapped_paths():
    o, m = OpenSimPhysics(model_path("arm2dof6musc")), MuJoCoPhysics(model_path("arm2dof6musc"))
    rng = np.random.default_rng(4)
    worst = 0.0
    for _ in range(30):
        pose = {"r_shoulder_elev": rng.uniform(-1.5, 3.1), "r_elbow_flex": rng.uniform(0.0, 2.26)}
        s = opensim_pose(o, pose, velocity=True)
        m.reset(coordinates=pose)
        for b in o.body_names:
            np.testing.assert_allclose(m.body_position(b), o._bodies[b].getPositionInGround(s).to_numpy(), atol=1e-9)
        for mk in o.marker_names:
            np.testing.assert_allclose(m.marker_position(mk), o._markers[mk].getLocationInGround(s).to_numpy(),
                                       atol=1e-9)
        lo = np.array([mu.getLength(s) for mu in o._muscles])
        worst = max(worst, float(np.max(np.abs(m.muscle_lengths() - lo))))
    assert worst < 0.008, worst
    # the wrapping surfaces are in the paths: in deep elbow flexion the triceps wraps over the elbow's
    # cylinder, longer than the straight segments between its path points
    m.reset(coordinates={"r_elbow_flex": 2.0})
    mm, dd = m.model, m.data
    tid = mujoco.mj_name2id(mm, mujoco.mjtObj.mjOBJ_TENDON, "TRIlat")
    sites = [dd.site_xpos[mm.wrap_objid[k]] for k in range(mm.tendon_adr[tid], mm.tendon_adr[tid] + mm.tendon_num[tid])
             if mm.wrap_type[k] == int(mujoco.mjtWrap.mjWRAP_SITE)]
    straight = sum(float(np.linalg.norm(b - a)) for a, b in zip(sites, sites[1:]))
    assert dd.ten_length[tid] > straight + 1e-3
    o.close()
    m.close()


def test_arm_target_is_placed_by_the_task():
    env = Arm2DEnv(engine="mujoco", obs_as_dict=False)
    obs = env.reset(scenario={"target": [0.3, 0.5]})
    assert tuple(obs[0:2]) == (0.3, 0.5) and env.target == (0.3, 0.5)
    np.testing.assert_allclose(env.sim.body_position("target"), [0.3, 0.5, 0.25], atol=1e-12)
    desc = env.get_state_desc()
    assert desc["joint_pos"]["target-joint"][1:] == [0.3, 0.5]
    obs, reward, *_ = env.step(np.zeros(6))
    wrist = env.sim.marker_position("r_radius_styloid")
    assert reward == pytest.approx(1 - ((wrist[0] - 0.3) ** 2 + (wrist[1] - 0.5) ** 2))
    np.testing.assert_allclose(env.sim.body_position("target"), [0.3, 0.5, 0.25], atol=1e-12)  # it stays
    env.close()


# ------------------------------------------------------------ goldens
def _replay(env, z, coords, steps=50):
    qs = []
    for a in z["actions"][:steps]:
        env.step(a)
        q = env.sim.q()
        qs.append([q[env.sim.coordinate_names.index(c)] for c in coords])
    return np.array(qs)


def _recorded(z, spec_name, coords, steps=50):
    from osim.models import model_spec

    joint_of = {c.name: (j.name, i) for j in model_spec(spec_name).joints for i, c in enumerate(j.coordinates)}
    return np.stack([z[f"desc/joint_pos/{joint_of[c][0]}"][:steps, joint_of[c][1]] for c in coords], 1)


@pytest.mark.reference
def test_prosthetics_golden_replayed_within_tolerance(reference):
    z = np.load(reference / "golden" / "ProstheticsEnv_d0_s11.npz")
    meta = json.loads(str(z["meta"]))
    env = ProstheticsEnv(engine="mujoco", **meta["ctor"])
    env.reset(seed=meta["reset"]["seed"])
    coords = [c for c in env.sim.coordinate_names if env.sim.twin.coordinate_joint[c] is not None
              and not c.endswith(("_tx", "_ty", "_tz"))]
    err = _replay(env, z, coords) - _recorded(z, "gait14dof22musc_pros", coords)
    drift = float(np.linalg.norm(env.sim.body_position("pelvis") - z["desc/body_pos/pelvis"][49]))
    env.close()
    rms = math.degrees(float(np.sqrt(np.mean(err ** 2))))
    assert rms < 10.0 and drift < 0.15, (rms, drift)


@pytest.mark.reference
def test_arm_golden_replayed_within_tolerance(reference):
    z = np.load(reference / "golden" / "Arm2DEnv_s11.npz")
    env = Arm2DEnv(engine="mujoco", obs_as_dict=False)
    env.reset(scenario={"target": [float(v) for v in z["obs"][0, 0:2]]})
    coords = ["r_shoulder_elev", "r_elbow_flex"]
    err = _replay(env, z, coords) - _recorded(z, "arm2dof6musc", coords)
    drift = float(np.linalg.norm(env.sim.body_position("r_ulna_radius_hand") - z["desc/body_pos/r_ulna_radius_hand"][49]))
    env.close()
    rms = math.degrees(float(np.sqrt(np.mean(err ** 2))))
    assert rms < 10.0 and drift < 0.05, (rms, drift)
