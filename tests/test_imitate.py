"""Imitation: the periodic reference built from a recording, the DeepMimic-style task, untidy files."""
from __future__ import annotations

import math

import gymnasium as gym
import numpy as np
import pytest

import osim  # noqa: F401  (registers the IDs)
from osim.data import read_motion
from osim.data.recordings import RECORDINGS, RecordingNotFound, find_recording
from osim.data.reference import build_reference
from osim.env.imitate import SCALES, WEIGHTS, ImitateEnv
from osim.models import model_path


@pytest.fixture(scope="module")
def experimental(reference):
    return reference / "experimental"


@pytest.fixture(scope="module")
def planar(experimental):
    env = ImitateEnv(motion=experimental / "subject01_walk_planar_ik.mot")
    yield env
    env.close()


def _write_mot(path, columns, time, values, in_degrees=True, trailing_tab=False):
    tail = "\t" if trailing_tab else ""
    lines = [path.stem, "version=1", f"nRows={len(time)}", f"nColumns={len(columns) + 1}",
             f"inDegrees={'yes' if in_degrees else 'no'}", "endheader", "\t".join(["time", *columns]) + tail]
    for t, row in zip(time, values):
        lines.append("\t".join(f"{v:.8f}" for v in (t, *row)) + tail)
    path.write_text("\n".join(lines) + "\n")
    return path


# ------------------------------------------------------------- reference
def test_reference_is_one_periodic_travelling_cycle(experimental):
    ref = build_reference(experimental / "subject01_walk_planar_ik.mot", model_path("gait9dof18musc"))
    # the first right stride from the hip-flexion maxima: about the heel strikes' 1.235 s
    assert ref.period == pytest.approx(1.235, abs=0.03)
    assert ref.coordinates == ("pelvis_tilt", "pelvis_tx", "pelvis_ty", "hip_flexion_r", "knee_angle_r",
                               "ankle_angle_r", "hip_flexion_l", "knee_angle_l", "ankle_angle_l")
    assert "lumbar_extension" not in ref.coordinates  # locked in the model
    # a treadmill recording: the belt speed (about 1.1 m/s from the markers) is added to pelvis_tx
    assert 0.9 < ref.speed < 1.2 and ref.travel == pytest.approx(ref.speed * ref.period, abs=0.05)
    # the subject is taller than the model: the pelvis is lowered by the stance foot's float (7.8-8.8 cm)
    assert 0.06 < ref.ground_offset < 0.1
    a, b = ref.at(0.2), ref.at(0.2 + ref.period)
    k = ref.coordinates.index("pelvis_tx")
    assert b["q"][k] - a["q"][k] == pytest.approx(ref.travel)
    others = [i for i in range(len(ref.coordinates)) if i != k]
    np.testing.assert_allclose(b["q"][others], a["q"][others], atol=1e-12)
    np.testing.assert_allclose(b["end_effectors"], a["end_effectors"], atol=1e-12)
    assert b["com"][0] - a["com"][0] == pytest.approx(ref.travel)
    # continuous across the wrap (periodic splines) and speeds that are the values' derivative
    h = 1e-4
    for tau in (ref.period - h / 2, 0.4):
        lo, hi, mid = ref.at(tau - h / 2), ref.at(tau + h / 2), ref.at(tau)
        np.testing.assert_allclose((hi["q"] - lo["q"]) / h, mid["qd"], rtol=1e-3, atol=1e-3)
    # the reference follows the filtered data (6 Hz: the raw knee within a few degrees)
    raw = read_motion(experimental / "subject01_walk_planar_ik.mot", model="gait9dof18musc")
    t = ref.span[0] + 0.3
    knee = ref.coordinates.index("knee_angle_r")
    assert abs(ref.at(0.3)["q"][knee] - raw.at(t)["knee_angle_r"]) < math.radians(4)


def test_reference_options_and_their_errors(experimental):
    path = experimental / "subject01_walk_planar_ik.mot"
    model = model_path("gait9dof18musc")
    ref = build_reference(path, model, cycle=(0.6, 1.85), speed=0.0, ground=0.0, end_effectors=["calcn_r"])
    assert ref.period == pytest.approx(1.25) and ref.speed == 0.0 and ref.ground_offset == 0.0
    assert ref.end_effectors == ("calcn_r",)
    with pytest.raises(ValueError, match="cycle"):
        build_reference(path, model, cycle=(2.0, 3.0))
    with pytest.raises(ValueError, match="speed must be 'auto' or a finite number"):
        build_reference(path, model, speed="fast")
    with pytest.raises(ValueError, match="not bodies of gait9dof18musc.*pelvis"):
        build_reference(path, model, end_effectors=["hand_r"])
    with pytest.raises(Exception, match="holds forces"):
        build_reference(experimental / "subject01_walk_grf.mot", model)


def test_planar_data_on_the_3d_model_holds_the_missing_coordinates(experimental):
    ref = build_reference(experimental / "subject01_walk_planar_ik.mot", model_path("gait14dof22musc"))
    assert set(ref.held) == {"pelvis_list", "pelvis_rotation", "pelvis_tz", "hip_adduction_r", "hip_adduction_l"}
    for name in ref.held:
        assert np.all(ref.q[:, ref.coordinates.index(name)] == 0.0)


# ------------------------------------------------------------------ task
def test_reset_starts_on_the_reference_at_the_given_phase(planar):
    ref = planar.reference
    for phase in (0.0, 0.37, 0.55, 0.9):  # at 0.55 equilibrium needs the rest fallback
        obs = planar.reset(seed=1, phase=phase)
        assert planar.scenario == {"phase": phase}
        r = ref.at(phase * ref.period)
        q, u = planar.sim.q()[planar._cols], planar.sim.u()[planar._cols]
        np.testing.assert_allclose(q, r["q"], atol=1e-9)
        np.testing.assert_allclose(u, r["qd"], atol=1e-9)
        names = planar.observation_names
        assert len(names) == obs.shape[0] == planar.observation_space.shape[0]
        assert obs[names.index("pelvis_tx/offset")] == pytest.approx(0.0, abs=1e-9)
        assert obs[names.index("phase/sin")] == pytest.approx(math.sin(2 * math.pi * phase), abs=1e-9)
        assert obs[names.index("phase/cos")] == pytest.approx(math.cos(2 * math.pi * phase), abs=1e-9)


def test_phase_is_drawn_from_the_seed_and_checked(planar):
    planar.reset(seed=4)
    a = planar.scenario["phase"]
    planar.reset(seed=5)
    assert planar.scenario["phase"] != a
    planar.reset(seed=4)
    assert planar.scenario["phase"] == a and 0.0 <= a < 1.0
    for bad in (1.0, -0.1, float("nan"), "half", True):
        with pytest.raises(ValueError, match=r"phase must be a number in \[0, 1\)"):
            planar.reset(phase=bad)
    with pytest.raises(ValueError, match="phase"):
        planar.reset(scenario={"phase": 2.0})


def test_reward_terms_are_the_documented_exponentials(planar):
    planar.reset(seed=0, phase=0.25)
    obs, reward, done, info = planar.step(np.full(18, 0.1))
    terms, tracking = info["reward_terms"], info["tracking"]
    assert set(terms) == set(WEIGHTS) and reward == pytest.approx(sum(terms.values()))
    n_pose = len(planar.reference.pose_coordinates)
    n_ee = len(planar.reference.end_effectors)
    squared = {"pose": tracking["pose_rms"] ** 2 * n_pose, "velocity": tracking["velocity_rms"] ** 2 * n_pose,
               "end_effector": tracking["end_effector_rms"] ** 2 * n_ee, "com": tracking["com"] ** 2}
    for k in WEIGHTS:
        assert terms[k] == pytest.approx(WEIGHTS[k] * math.exp(-SCALES[k] * squared[k]), rel=1e-9)
    # errors recomputed here from the state and the reference
    ref = planar.reference
    r = ref.at(0.25 * ref.period + planar.sim.time)
    np.testing.assert_allclose(tracking["coordinates"], r["q"] - planar.sim.q()[planar._cols], atol=1e-12)
    com = np.linalg.norm(r["com"] - planar.sim.mass_center_position())
    assert tracking["com"] == pytest.approx(com)
    # one step from the reference state: the pose is still close, the reward near its maximum of 1
    assert tracking["pose_rms"] < 0.05 and 0.75 < reward <= 1.0
    assert tracking["phase"] == pytest.approx(0.25 + 0.01 / ref.period)


def test_early_termination_when_tracking_fails(experimental):
    env = ImitateEnv(motion=experimental / "subject01_walk_planar_ik.mot", max_com_error=0.05)
    try:
        env.reset(seed=0, phase=0.1)
        for n in range(1, 200):
            *_, done, info = env.step(np.zeros(18))  # limp muscles: the body falls away from the reference
            if done:
                break
        assert done and not env.truncated and info["tracking"]["com"] > 0.05
        steps_strict = n
    finally:
        env.close()
    loose = ImitateEnv(motion=experimental / "subject01_walk_planar_ik.mot", early_termination=False)
    try:
        loose.reset(seed=0, phase=0.1)
        for _ in range(steps_strict + 5):
            *_, done, _info = loose.step(np.zeros(18))
            assert not done
    finally:
        loose.close()


def test_bad_arguments_are_clear_errors(experimental, tmp_path):
    path = experimental / "subject01_walk_planar_ik.mot"
    with pytest.raises(ValueError, match="model must be a built model"):
        ImitateEnv(model="nope", motion=path)
    with pytest.raises(ValueError, match="motion file not found: .*recording name"):
        ImitateEnv(motion=tmp_path / "missing.mot")
    with pytest.raises(ValueError, match="unknown reward terms"):
        ImitateEnv(motion=path, weights={"style": 1.0})
    with pytest.raises(ValueError, match="max_com_error must be a positive"):
        ImitateEnv(motion=path, max_com_error=0)
    with pytest.raises(TypeError, match="model="):
        ImitateEnv(model_path=model_path("gait9dof18musc"), motion=path)
    with pytest.raises(Exception, match="no column names a coordinate"):
        ImitateEnv(model="arm2dof6musc", motion=path)


def test_weights_change_the_reward(experimental):
    env = ImitateEnv(motion=experimental / "subject01_walk_planar_ik.mot", weights={"velocity": 0.0, "com": 0.0})
    try:
        env.reset(seed=0, phase=0.5)
        _, reward, _, info = env.step(np.zeros(18))
        assert info["reward_terms"]["velocity"] == 0.0 and info["reward_terms"]["com"] == 0.0
        assert reward == pytest.approx(info["reward_terms"]["pose"] + info["reward_terms"]["end_effector"])
    finally:
        env.close()


# -------------------------------------------------------- IDs and faces
@pytest.mark.parametrize("env_id, model, n_act", [
    ("osim/Imitate-v0", "gait9dof18musc", 18),
    ("osim/ImitateWalk3D-v0", "gait14dof22musc", 22),
    ("osim/ImitateWalkProsthetic-v0", "gait14dof22musc_pros", 19),
    ("osim/ImitateRun3D-v0", "gait14dof22musc", 22),
])
def test_ready_ids(reference, env_id, model, n_act):
    env = gym.make(env_id)
    try:
        obs, info = env.reset(seed=0, options={"phase": 0.5})
        assert info["scenario"] == {"phase": 0.5} and env.action_space.shape == (n_act,)
        obs, reward, term, trunc, info = env.step(env.action_space.sample())
        assert np.isfinite(obs).all() and 0 < reward <= 1 and {"reward_terms", "tracking"} <= set(info)
        desc = env.unwrapped.get_state_desc()
        assert "pelvis" in desc["body_pos"]
        assert env.unwrapped.env.model_path.stem == model
        assert env.spec.max_episode_steps == 1000
    finally:
        env.close()


def test_make_with_model_and_motion_kwargs(experimental):
    path = str(experimental / "subject01_walk_planar_ik.mot")
    env = gym.make("osim/Imitate-v0", model="gait14dof22musc_planar", motion=path)
    try:
        assert env.unwrapped.env.model_path.stem == "gait14dof22musc_planar"
        obs, _ = env.reset(seed=2)
        assert obs.shape == env.observation_space.shape
    finally:
        env.close()


def test_an_osim_file_model(reference):
    foreign = reference / "models-foreign" / "gait10dof18musc_subject01_path_actuator.osim"
    env = ImitateEnv(model=foreign, motion=reference / "experimental" / "subject01_walk_planar_ik.mot")
    try:
        assert env.reference.held == () and "lumbar_extension" in env.reference.coordinates
        env.reset(seed=0, phase=0.0)
        low, high = env.action_space.low, env.action_space.high
        _, reward, _, info = env.step((low + high) / 2)
        assert 0 < reward <= 1 and info["tracking"]["pose_rms"] < 0.1
    finally:
        env.close()


def test_recordings_are_found_by_name_or_explained(experimental, monkeypatch, tmp_path):
    assert find_recording("subject01_walk_planar_ik") == find_recording("subject01_walk_planar_ik.mot")
    assert find_recording("subject02_run_ik").samefile(experimental / "subject02_run_ik.mot")
    with pytest.raises(ValueError, match="unknown recording 'nope'; known: subject01_walk_planar_ik"):
        find_recording("nope")
    monkeypatch.chdir(tmp_path)  # away from ../shared/reference ...
    monkeypatch.setattr("osim.data.recordings.search_path", lambda: [tmp_path])  # ... and the checkout's
    with pytest.raises(RecordingNotFound, match="Pipelines/Hamner/outputReference/ResultsIK/subject02_running_ik"):
        find_recording("subject02_run_ik")
    # OSIM_RL_DATA folders are searched; a changed file is used with a warning
    monkeypatch.undo()
    copy = tmp_path / RECORDINGS["subject01_walk_planar_ik"].file
    copy.write_bytes((experimental / copy.name).read_bytes() + b"\n")
    monkeypatch.setenv("OSIM_RL_DATA", str(tmp_path))
    with pytest.warns(UserWarning, match="differs from the published"):
        assert find_recording("subject01_walk_planar_ik") == copy


# ---------------------------------------------------------- untidy files
def test_untidy_files_work_where_the_names_match(experimental, tmp_path):
    raw = read_motion(experimental / "subject01_walk_planar_ik.mot")  # radians, as in the file's columns
    keep = [c for c in raw.columns if c not in ("pelvis_tx", "pelvis_ty")]
    # 100 Hz instead of 60, trailing tabs, no pelvis translations, radians
    fine = raw.select(keep).resample(0.01)
    path = _write_mot(tmp_path / "untidy.mot", keep, fine.time, fine.values, in_degrees=False, trailing_tab=True)
    env = ImitateEnv(motion=path)
    try:
        ref = env.reference
        assert {"pelvis_tx", "pelvis_ty"} <= set(ref.held)
        # the ground correction puts the stance foot on the ground even without pelvis_ty
        assert abs(ref.ground_offset) < 0.5
        env.reset(seed=0, phase=0.2)
        _, reward, _, info = env.step(np.zeros(18))
        assert 0 < reward <= 1
        tidy = build_reference(experimental / "subject01_walk_planar_ik.mot", model_path("gait9dof18musc"))
        k, j = ref.coordinates.index("knee_angle_r"), tidy.coordinates.index("knee_angle_r")
        taus = np.linspace(0, min(ref.period, tidy.period), 20)
        diff = [ref.at(t)["q"][k] - tidy.at(t)["q"][j] for t in taus]
        assert np.sqrt(np.mean(np.square(diff))) < math.radians(5)
    finally:
        env.close()
    # coordinates of a larger model (gait2392): the 3D recording on the planar model
    env = ImitateEnv(motion=experimental / "subject01_walk_3d_ik.mot")
    try:
        assert env.reference.held == ()
        env.reset(seed=0)
    finally:
        env.close()


# ----------------------------------------------------------------- plots
def test_imitation_record_and_plot(planar, tmp_path):
    from osim.tools.plot import plot_imitation
    from osim.tools.record import load_record, run_episode, save_record

    record = run_episode(planar, lambda _o, _k: np.full(18, 0.05), 25, seed=3, phase=0.3)
    tracking = record["tracking"]
    assert set(tracking) == {"phase", "pose_rms", "velocity_rms", "end_effector_rms", "com"}
    assert len(tracking["phase"]) == len(record["rewards"])
    assert tracking["phase"][0] == pytest.approx(0.3 + 0.01 / planar.reference.period)
    save_record(tmp_path / "im.npz", record, env_name="osim/Imitate-v0")
    back = load_record(tmp_path / "im.npz")
    np.testing.assert_array_equal(back["tracking"]["pose_rms"], tracking["pose_rms"])
    fig = plot_imitation(back, planar.reference, path=tmp_path / "im.png")
    assert (tmp_path / "im.png").read_bytes()[:4] == b"\x89PNG"
    titles = [ax.get_title() for ax in fig.axes]
    assert "knee_angle_r" in titles and "Tracking error" in titles and "pelvis_tx" not in titles
    with pytest.raises(ValueError, match="no tracking errors"):
        plot_imitation({"joints": record["joints"], "joint_names": record["joint_names"]}, planar.reference)
