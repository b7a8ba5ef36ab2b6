"""Any OpenSim model runs in the generic env: the foreign models of ../shared/reference/models-foreign.

Each model: load, reset, 50 steps with finite values, spaces that match the
model, one rendered frame; and the env's trajectory equals a plain OpenSim
forward simulation (its own Manager, the same constant controls). The
models are read from the shared folder, never copied into the project.
"""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from osim.env import OsimEnv
from osim.sim import ModelLoadError, OpenSimPhysics, opensim
from osim.sim.model_parts import DEFAULT_CONTROL_BOUND, describe_model

MODELS = ("double_pendulum", "Tug_of_War", "bouncing_block_weak_spring",
          "gait10dof18musc_subject01_path_actuator", "ToyLandingModel_activeAFO", "gait2392_subject01")
#: the large models (70 and 92 muscles) take a few seconds per 50 steps
SLOW = {"ToyLandingModel_activeAFO", "gait2392_subject01"}


@pytest.fixture(scope="session")
def foreign(reference):
    folder = reference / "models-foreign"
    if not folder.is_dir():
        msg = f"foreign models not found at {folder}"
        if os.environ.get("OSIM_RL_REQUIRE_REFERENCE") == "1":
            pytest.fail(msg)
        pytest.skip(msg)
    return folder


def _params():
    return [pytest.param(m, marks=pytest.mark.slow) if m in SLOW else m for m in MODELS]


def _plain_opensim(path, controls: dict[str, float], steps: int) -> np.ndarray:
    """Coordinate values after each 10 ms step of a plain OpenSim forward simulation with constant controls."""
    model = opensim.Model(str(path))
    brain = opensim.PrescribedController()
    acts = model.getActuators()
    for name, value in controls.items():
        brain.addActuator(acts.get(name))
        brain.prescribeControlForActuator(name, opensim.Constant(value))
    if controls:
        model.addController(brain)
    state = model.initSystem()
    model.equilibrateMuscles(state)
    manager = opensim.Manager(model)
    manager.setIntegratorAccuracy(5e-5)
    manager.initialize(state)
    coords = model.getCoordinateSet()
    out = []
    for k in range(1, steps + 1):
        s = manager.integrate(0.01 * k)
        out.append([coords.get(i).getValue(s) for i in range(coords.getSize())])
    return np.array(out)


def _model_tables(path):
    """What the model has, read with plain OpenSim (the model kept alive while its parts are read)."""
    model = opensim.Model(str(path))
    model.initSystem()
    acts = model.getActuators()
    scalar = [acts.get(i) for i in range(acts.getSize()) if opensim.ScalarActuator.safeDownCast(acts.get(i))]
    coords = model.getCoordinateSet()
    muscles = model.getMuscles()
    return {
        "actuators": [a.getName() for a in scalar],
        "bounds": [(opensim.ScalarActuator.safeDownCast(a).getMinControl(),
                    opensim.ScalarActuator.safeDownCast(a).getMaxControl()) for a in scalar],
        "coordinates": [coords.get(i).getName() for i in range(coords.getSize())],
        "muscles": [muscles.get(i).getName() for i in range(muscles.getSize())],
        "bodies": [model.getBodySet().get(i).getName() for i in range(model.getBodySet().getSize())],
        "markers": [model.getMarkerSet().get(i).getName() for i in range(model.getMarkerSet().getSize())],
        "forces": [model.getForceSet().get(i).getName() for i in range(model.getForceSet().getSize())],
    }


@pytest.mark.parametrize("name", _params())
def test_foreign_model_runs_in_the_generic_env(foreign, name):
    from osim.render import render_scene

    path = foreign / f"{name}.osim"
    plain = _model_tables(path)
    env = OsimEnv(model_path=path, time_limit=100)
    # the spaces match the model: one action per ScalarActuator, bounds from min/max control
    assert env.action_names == tuple(plain["actuators"])
    assert env.action_space.shape == (len(plain["actuators"]),)
    for (lo, hi), low, high in zip(plain["bounds"], env.action_space.low, env.action_space.high):
        assert low == pytest.approx(lo if np.isfinite(lo) else -DEFAULT_CONTROL_BOUND)
        assert high == pytest.approx(hi if np.isfinite(hi) else DEFAULT_CONTROL_BOUND)
    n_coords = len(plain["coordinates"])
    assert env.observation_space.shape == (len(env.observation_names),)
    assert env.observation_names[:2 * n_coords] == tuple(
        [f"{c}/value" for c in plain["coordinates"]] + [f"{c}/speed" for c in plain["coordinates"]])
    assert env.observation_names[2 * n_coords:2 * n_coords + len(plain["muscles"])] == tuple(
        f"{m}/activation" for m in plain["muscles"])
    obs = env.reset(seed=0)
    assert obs.shape == env.observation_space.shape and np.isfinite(obs).all()
    rng = np.random.RandomState(0)
    for _ in range(50):
        obs, reward, done, info = env.step(rng.uniform(env.action_space.low, env.action_space.high))
        assert "failure" not in info, info
        assert np.isfinite(obs).all() and not done
    # the observation is the model's state, read by coordinate name
    coords = env.sim.model.getCoordinateSet()
    s = env.sim.state
    np.testing.assert_array_equal(obs[:n_coords], [coords.get(c).getValue(s) for c in plain["coordinates"]])
    np.testing.assert_array_equal(obs[n_coords:2 * n_coords],
                                  [coords.get(c).getSpeedValue(s) for c in plain["coordinates"]])
    # the state description holds every part of the model under the challenges' keys
    d = env.get_state_desc()
    assert list(d["body_pos"]) == plain["bodies"] and list(d["muscles"]) == plain["muscles"]
    assert list(d["markers"]) == plain["markers"] and list(d["forces"]) == plain["forces"]
    assert sum(len(v) for v in d["joint_pos"].values()) == n_coords
    assert all(np.isfinite(v).all() for v in d["body_pos"].values())
    # one rendered frame, with the model in view
    scene = env.render_scene()
    frame = render_scene(scene, width=160, height=120)
    assert frame.shape == (120, 160, 3) and len(scene["spheres"]) >= len(plain["bodies"])
    assert len(scene["markers"]) == len(plain["markers"])
    body_px = (frame != frame[0, 0]).any(axis=2).mean()
    assert body_px > 0.01
    env.close()


@pytest.mark.parametrize("name", _params())
def test_foreign_model_trajectory_equals_plain_opensim(foreign, name):
    path = foreign / f"{name}.osim"
    env = OsimEnv(model_path=path)
    controls = {n: float(np.clip(0.05, lo, hi)) for n, lo, hi in
                zip(env.action_names, env.action_space.low, env.action_space.high)}
    steps = 20
    env.reset()
    action = np.array(list(controls.values()))
    q = []
    for _ in range(steps):
        env.step(action)
        q.append(env.sim.q())
    env.close()
    plain = _plain_opensim(path, controls, steps)
    np.testing.assert_array_equal(np.array(q), plain)
    if controls and name not in SLOW:
        # and the comparison can tell: other controls give another trajectory
        other = _plain_opensim(path, {n: float(np.clip(v + 0.2, -1, 1)) for n, v in controls.items()}, steps)
        assert np.abs(other - plain).max() > 1e-6


def test_free_joint_has_more_q_than_u_and_reads_by_coordinate(foreign):
    sim = OpenSimPhysics(foreign / "bouncing_block_weak_spring.osim", initial_excitation=None)
    assert sim.state.getNQ() == sim.state.getNU() + 1 == len(sim.coordinate_names) + 1
    assert sim.n_actuators == 0 and sim.actuator_names == ()
    for _ in range(30):
        sim.step()
    s, coords = sim.state, sim.model.getCoordinateSet()
    np.testing.assert_array_equal(sim.q(), [coords.get(c).getValue(s) for c in sim.coordinate_names])
    np.testing.assert_array_equal(sim.u(), [coords.get(c).getSpeedValue(s) for c in sim.coordinate_names])
    np.testing.assert_array_equal(sim.udot(), [coords.get(c).getAccelerationValue(s) for c in sim.coordinate_names])
    assert sim.u()[sim.coordinate_names.index("yTranslation")] != 0.0  # the block falls
    # the by-name reads (used where a coordinate has no single Q entry) give the same values
    np.testing.assert_array_equal(sim._q_by_name(), sim.q())
    np.testing.assert_array_equal(sim._u_by_name(), sim.u())
    # an initial pose set by name is assembled so that the constraints hold
    sim.reset(coordinates={"pin1_rot": 0.3})
    assert sim.coordinate_value("pin1_rot") != 0.0
    s = sim.state
    sim.model.realizePosition(s)
    assert np.abs(s.getQErr().to_numpy()).max() < 1e-6
    sim.close()


def test_passive_model_has_an_empty_action(foreign):
    env = OsimEnv(model_path=foreign / "bouncing_block_weak_spring.osim")
    assert env.action_space.shape == (0,) and env.action_names == ()
    env.reset()
    y0 = env.sim.coordinate_value("yTranslation")
    for _ in range(20):
        env.step([])
    assert env.sim.coordinate_value("yTranslation") < y0
    with pytest.raises(ValueError, match="no actuators to drive"):
        env.step([0.5])
    with pytest.raises(ValueError, match=r"bouncing_block_weak_spring.osim: unknown actuators \['Muscle'\].*"
                                         r"actuators are none"):
        OsimEnv(model_path=foreign / "bouncing_block_weak_spring.osim", actuators=["Muscle"])
    env.close()


def test_actuator_subset_by_name_and_type(foreign):
    path = foreign / "gait10dof18musc_subject01_path_actuator.osim"
    env = OsimEnv(model_path=path, actuators=["PathActuator"])
    assert env.action_names == ("PlantarFlexAssist",)
    assert env.action_space.low.tolist() == [-1.0] and env.action_space.high.tolist() == [1.0]
    env.close()
    env = OsimEnv(model_path=path, actuators=["Muscle", "PlantarFlexAssist"])
    assert len(env.action_names) == 19 and env.action_names[0] == "PlantarFlexAssist"
    env.close()
    env = OsimEnv(model_path=path, actuators=["soleus_r", "tib_ant_r"])
    assert env.action_names == ("soleus_r", "tib_ant_r")
    env.reset()
    env.step([1.0, 0.0])
    d = env.get_state_desc()["muscles"]
    assert d["soleus_r"]["activation"] > d["soleus_l"]["activation"]  # only the selected muscles are driven
    env.close()
    with pytest.raises(ValueError, match=r"unknown actuators \['soleus'\].*soleus_r.*types.*PathActuator"):
        OsimEnv(model_path=path, actuators=["soleus"])
    with pytest.raises(TypeError, match="names or types"):
        OsimEnv(model_path=path, actuators=[3])


def test_generic_actions_are_clipped_to_each_actuators_bounds(foreign):
    env = OsimEnv(model_path=foreign / "double_pendulum.osim")
    env.reset()
    env.step([5.0, -7.0])
    np.testing.assert_array_equal(env.last_action, [1.0, -1.0])
    np.testing.assert_array_equal(env.sim.controls(), [1.0, -1.0])
    # the torque the CoordinateActuator applies: control times optimal force (1 here)
    torque = env.get_state_desc()["forces"]["Torq1"]
    assert torque == [pytest.approx(1.0)]
    with pytest.raises(ValueError, match=r"shape \(2,\): 2 controls \(one per actuator: Torq1, Torq2\)"):
        env.step([0.0])
    env.close()


def test_models_own_controllers_add_to_the_action(foreign):
    env = OsimEnv(model_path=foreign / "ToyLandingModel_activeAFO.osim")
    assert env.action_names[-1] == "ActiveAFO" and len(env.action_names) == 71
    env.reset()
    action = np.clip(np.full(71, 0.2), env.action_space.low, env.action_space.high)
    env.step(action)
    total = env.sim.controls()
    # the model's reflex and prescribed controllers drive some muscles on top of the action
    assert (total >= action - 1e-12).all() and (total > action + 1e-6).any()
    env.close()


def test_activation_coordinate_actuator_is_driven_and_observed(foreign, tmp_path):
    model = opensim.Model(str(foreign / "double_pendulum.osim"))
    act = opensim.ActivationCoordinateActuator()
    act.setName("act_q1")
    act.set_coordinate("q1")
    act.setOptimalForce(2.0)
    act.setMinControl(-1.0)
    act.setMaxControl(0.5)
    model.addForce(act)
    model.finalizeConnections()
    path = tmp_path / "activation_actuator.osim"
    model.printToXML(str(path))
    act_default = act.get_default_activation()
    del model, act
    env = OsimEnv(model_path=path)
    assert env.action_names == ("Torq1", "Torq2", "act_q1")
    assert env.sim.actuator_types[-1] == "ActivationCoordinateActuator"
    assert env.action_space.high.tolist() == [1.0, 1.0, 0.5]
    assert env.observation_names[-1] == "act_q1/activation"
    env.reset()
    a0 = env.get_observation()[-1]
    assert a0 == act_default
    for _ in range(10):
        obs, *_ = env.step([0.0, 0.0, -5.0])  # clipped to -1
    np.testing.assert_array_equal(env.last_action, [0.0, 0.0, -1.0])
    assert -1.0 <= obs[-1] < a0 - 0.5  # its activation follows the control
    env.close()


def _massless_copy(foreign, tmp_path):
    model = opensim.Model(str(foreign / "double_pendulum.osim"))
    bodies = model.getBodySet()
    for i in range(bodies.getSize()):
        bodies.get(i).setMass(0.0)
        bodies.get(i).setInertia(opensim.Inertia(0.0, 0.0, 0.0))
    out = tmp_path / "kinematic.osim"
    model.printToXML(str(out))
    return out


def test_kinematic_model_gets_a_clear_error(foreign, tmp_path):
    path = _massless_copy(foreign, tmp_path)
    with pytest.raises(ModelLoadError, match=r"kinematic.osim cannot be integrated forward: all its bodies have "
                                             r"zero mass \(rod1, rod2\).*plain OpenSim cannot"):
        OsimEnv(model_path=path)


def test_unbuildable_model_names_file_and_part(foreign, tmp_path):
    text = (foreign / "double_pendulum.osim").read_text()
    assert "<socket_child_frame>rod2_offset</socket_child_frame>" in text
    bad = tmp_path / "unbuildable.osim"
    bad.write_text(text.replace("<socket_child_frame>rod2_offset</socket_child_frame>",
                                "<socket_child_frame>no_such_frame</socket_child_frame>"))
    with pytest.raises(ModelLoadError, match=r"unbuildable.osim.*no_such_frame"):
        OsimEnv(model_path=bad)


def test_describe_model_gives_plain_tables(foreign):
    d = describe_model(foreign / "gait10dof18musc_subject01_path_actuator.osim")
    import gc

    gc.collect()  # nothing returned refers to the (released) model
    assert [r["name"] for r in d["coordinates"]][:3] == ["pelvis_tilt", "pelvis_tx", "pelvis_ty"]
    assert d["coordinates"][1]["units"] == "m" and d["coordinates"][0]["units"] == "rad"
    row = d["actuators"][0]
    assert row["name"] == "PlantarFlexAssist" and row["type"] == "PathActuator"
    assert (row["low"], row["high"]) == (-DEFAULT_CONTROL_BOUND, DEFAULT_CONTROL_BOUND)
    assert len(d["markers"]) == 39 and len(d["bodies"]) == 12
    with pytest.raises(ModelLoadError, match="model file not found"):
        describe_model(foreign / "nope.osim")


def test_cli_info_and_run_on_a_model_file(foreign, tmp_path):
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    path = foreign / "double_pendulum.osim"
    out = subprocess.run([sys.executable, "-m", "osim.cli", "info", str(path)], capture_output=True, text=True,
                         env=env, check=True).stdout
    assert "q1" in out and "PinJoint" in out and "rad" in out
    assert "Torq1" in out and "CoordinateActuator" in out and "action [-1, 1]" in out
    video = tmp_path / "pendulum.gif"
    res = subprocess.run([sys.executable, "-m", "osim.cli", "run", str(path), "--steps", "20", "--no-progress",
                          "--video", str(video)], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr
    assert "20 steps" in res.stdout and "mass centre" in res.stdout
    assert video.stat().st_size > 1000
    res = subprocess.run([sys.executable, "-m", "osim.cli", "info", str(tmp_path / "nope.osim")],
                         capture_output=True, text=True, env=env)
    assert res.returncode != 0 and "model file not found" in res.stderr
