"""The simulator wrapper: loading, bad model files, state access, actuation."""
from __future__ import annotations

import numpy as np
import pytest

from osim.env import OsimEnv
from osim.models import model_path
from osim.sim.bare import bare_steps
from osim.sim import ModelLoadError, OpenSimPhysics, set_log_level

GAIT9 = model_path("gait9dof18musc")


@pytest.fixture(scope="module")
def sim():
    s = OpenSimPhysics(GAIT9)
    yield s
    s.close()


def test_names_resolved_in_model_order(sim):
    assert sim.n_muscles == 18 and sim.muscle_names[:3] == ("hamstrings_r", "bifemsh_r", "glut_max_r")
    assert sim.body_names[0] == "pelvis" and sim.body_names[-1] == "head" and len(sim.body_names) == 13
    assert sim.force_names[18:] == ("foot_r", "foot_l", "HipLimit_r", "HipLimit_l", "KneeLimit_r",
                                    "KneeLimit_l", "AnkleLimit_r", "AnkleLimit_l")
    assert sim.joint_coordinates["ground_pelvis"] == ("pelvis_tilt", "pelvis_tx", "pelvis_ty")
    assert sim.joint_coordinates["subtalar_r"] == ()
    # the Simbody Q order of gait9dof18musc
    order = sorted(sim.coordinate_names, key=sim.q_index.get)
    assert order == ["pelvis_tilt", "pelvis_tx", "pelvis_ty", "hip_flexion_r", "hip_flexion_l",
                     "lumbar_extension", "knee_angle_r", "knee_angle_l", "ankle_angle_r", "ankle_angle_l"]


def test_fast_reads_agree_with_coordinate_objects(sim):
    sim.reset()
    sim.set_excitations(np.linspace(0, 1, 18))
    for _ in range(10):
        sim.step()
    q, u = sim.q(), sim.u()
    for k, name in enumerate(sim.coordinate_names):
        assert q[k] == sim.coordinate_value(name)
    desc = sim.state_desc()
    assert desc["joint_vel"]["knee_r"] == [u[sim.coordinate_names.index("knee_angle_r")]]
    assert desc["body_pos"]["pelvis"] == sim.body_position("pelvis").tolist()
    assert desc["misc"]["mass_center_pos"] == sim.mass_center_position().tolist()


def test_excitations_reach_the_muscles(sim):
    sim.reset()
    np.testing.assert_array_equal(sim.get_excitations(), np.ones(18))  # 1.0 at every reset, as a fresh process
    values = np.linspace(0.05, 0.95, 18)
    sim.set_excitations(values)
    for _ in range(30):
        sim.step()
    act = sim.muscle_activations()
    # activations follow their excitation: higher excitation, higher activation
    assert np.all(np.diff(act) > 0)


def test_set_state_replays_identically(sim):
    """Restoring a state restarts the integrator (a new Manager, as the original
    did): replays from one saved state are identical to each other and close
    to the uninterrupted path."""
    sim.reset()
    sim.set_excitations(np.full(18, 0.3))
    for _ in range(5):
        sim.step()
    saved = sim.get_state()
    for _ in range(5):
        sim.step()
    uninterrupted = sim.q()
    replays = []
    for _ in range(2):
        sim.set_state(saved)
        assert sim.istep == 5 and sim.time == pytest.approx(0.05)
        sim.set_excitations(np.full(18, 0.3))
        for _ in range(5):
            sim.step()
        replays.append(sim.q())
    np.testing.assert_array_equal(replays[0], replays[1])
    np.testing.assert_allclose(replays[0], uninterrupted, atol=1e-4)


def test_bare_steps_give_the_env_trajectory():
    env = OsimEnv(model_path=GAIT9, time_limit=50)
    # within the generic env's bounds (the muscles' min/max control), so that it clips nothing
    low, high = env.action_space.low.astype(np.float64), env.action_space.high.astype(np.float64)
    actions = low + (high - low) * np.random.RandomState(0).uniform(size=(12, 18))
    env.reset()
    q_env = []
    for a in actions:
        env.step(a)
        q_env.append(env.sim.state.getQ().to_numpy().copy())
    env.reset()
    q_bare, seconds = bare_steps(env.sim, actions)
    np.testing.assert_array_equal(np.array(q_env), q_bare)
    assert seconds > 0 and env.istep == 12
    env.close()


def test_generic_osim_env_on_any_model():
    env = OsimEnv(model_path=GAIT9, time_limit=2)
    obs = env.reset()
    assert obs.shape == (2 * 10 + 18,) == env.observation_space.shape
    _o, reward, done, info = env.step(np.zeros(18))
    assert reward == 0.0 and not done and info == {"reward_terms": {}}
    assert env.step(np.zeros(18))[2]  # time limit
    env.close()


def test_missing_model_file(tmp_path):
    with pytest.raises(ModelLoadError, match="model file not found: .*nope.osim"):
        OpenSimPhysics(tmp_path / "nope.osim")


def test_not_an_osim_file(tmp_path):
    bad = tmp_path / "bad.osim"
    bad.write_text("this is not xml")
    with pytest.raises(ModelLoadError, match="bad.osim is not an OpenSim model file"):
        OpenSimPhysics(bad)


def test_broken_osim_xml(tmp_path):
    text = GAIT9.read_text()
    broken = tmp_path / "broken.osim"
    broken.write_text(text[: len(text) // 2])
    with pytest.raises(ModelLoadError, match="broken.osim"):
        OpenSimPhysics(broken)


def test_empty_model_runs_passively(tmp_path):
    empty = tmp_path / "empty.osim"
    empty.write_text('<?xml version="1.0"?><OpenSimDocument Version="40000"><Model name="m"/></OpenSimDocument>')
    sim = OpenSimPhysics(empty)
    assert sim.n_actuators == 0 and sim.actuator_names == () and sim.coordinate_names == ()
    sim.step()
    assert sim.time == pytest.approx(0.01) and sim.q().shape == (0,)
    sim.close()


def test_bad_arguments():
    with pytest.raises(ValueError, match="integrator_accuracy"):
        OpenSimPhysics(GAIT9, integrator_accuracy=0)
    with pytest.raises(ValueError, match="unknown OpenSim log level 'loud'"):
        set_log_level("loud")
    with pytest.raises(ValueError, match="unknown model"):
        model_path("gait99")


def test_visualize_without_display_warns_and_runs(monkeypatch):
    import osim.sim.opensim_physics as simulator

    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setattr(simulator, "_visualizer_warned", False)
    with pytest.warns(RuntimeWarning, match="no display"):
        s = OpenSimPhysics(GAIT9, visualize=True)
    assert s.visualize is False
    s.step()
    s.close()


def test_kinematic_accessors_equal_the_state_description():
    sim = OpenSimPhysics(model_path("gait14dof22musc"))
    sim.set_excitations(np.full(22, 0.4))
    for _ in range(5):
        sim.step()
    d = sim.state_desc()
    for b in sim.body_names:
        np.testing.assert_array_equal(sim.body_position(b), d["body_pos"][b])
        np.testing.assert_array_equal(sim.body_velocity(b), d["body_vel"][b])
        np.testing.assert_array_equal(sim.body_acceleration(b), d["body_acc"][b])
        np.testing.assert_array_equal(sim.body_rotation_xyz(b), d["body_pos_rot"][b])
        np.testing.assert_array_equal(sim.body_angular_velocity(b), d["body_vel_rot"][b])
        np.testing.assert_array_equal(sim.body_angular_acceleration(b), d["body_acc_rot"][b])
    fibers = sim.muscle_fibers()
    for k, m in enumerate(sim.muscle_names):
        assert tuple(fibers[k]) == tuple(d["muscles"][m][key] for key in
                                         ("activation", "fiber_length", "fiber_velocity", "fiber_force"))
    np.testing.assert_array_equal(sim.mass_center_acceleration(), d["misc"]["mass_center_acc"])
    sim.close()


def test_scene_for_renderers(sim):
    sim.reset()
    scene = sim.scene()
    assert len(scene["segments"]) == 12  # 13 bodies, one joint to ground
    assert [m["name"] for m in scene["muscles"]] == list(sim.muscle_names)
    assert all(len(m["points"]) >= 2 and m["side"] in "rl" for m in scene["muscles"])
    assert [c["name"] for c in scene["contacts"]] == ["r_heel", "r_toe", "l_heel", "l_toe"]
    assert scene["follow"] == tuple(sim.body_position("pelvis"))
    sim.set_excitations(np.ones(18))
    for _ in range(5):
        sim.step()
    moved = sim.scene()
    assert moved["segments"] != scene["segments"]
    assert moved["muscles"][0]["activation"] > scene["muscles"][0]["activation"]
