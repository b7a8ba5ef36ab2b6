"""Motion data: OpenSim's files read through OpenSim's readers, mapped to our models; episodes exported and read back."""
from __future__ import annotations

import numpy as np
import opensim
import pytest

from osim.data import (
    MotionFileError,
    MotionRecorder,
    export_kind,
    gait_cycles,
    heel_strikes_from_forces,
    heel_strikes_from_hip,
    read_motion,
)
from osim.env import L2RunEnv


@pytest.fixture(scope="module")
def experimental(reference):
    return reference / "experimental"


def test_planar_walk_maps_name_for_name_in_radians(experimental):
    path = experimental / "subject01_walk_planar_ik.mot"
    ik = read_motion(path, model="gait9dof18musc")
    raw = opensim.TimeSeriesTable(str(path))
    assert raw.getTableMetaDataAsString("inDegrees") == "yes"
    raw_hip = raw.getDependentColumn("hip_flexion_r").to_numpy()
    assert np.allclose(ik.column("hip_flexion_r"), np.deg2rad(raw_hip))
    assert np.array_equal(ik.column("pelvis_tx"), raw.getDependentColumn("pelvis_tx").to_numpy())
    assert ik.units["hip_flexion_r"] == "rad" and ik.units["pelvis_ty"] == "m"
    m = ik.mapping
    assert len(m.mapped) == 10 and not m.unmapped_model and not m.unmapped_data
    assert m.locked == {"lumbar_extension"}
    assert ik.rate == pytest.approx(60.0) and len(ik.time) == 151


def test_3d_walk_reports_what_is_unmapped_on_each_side(experimental):
    ik = read_motion(experimental / "subject01_walk_3d_ik.mot", model="gait14dof22musc")
    m = ik.mapping
    assert set(m.unmapped_data) == {"subtalar_angle_r", "subtalar_angle_l", "mtp_angle_r", "mtp_angle_l",
                                    "lumbar_bending", "lumbar_rotation"}
    assert not m.unmapped_model and len(m.mapped) == 17
    assert "subtalar_angle_r" in m.report() and ik.time[0] == pytest.approx(0.5)
    planar = read_motion(experimental / "subject01_walk_planar_ik.mot", model="gait14dof22musc")
    assert "pelvis_list" in planar.mapping.unmapped_model and "hip_adduction_r" in planar.mapping.unmapped_model
    with pytest.raises(MotionFileError, match="no column for the coordinates pelvis_list"):
        read_motion(experimental / "subject01_walk_planar_ik.mot", model="gait14dof22musc",
                    allow_unmapped_model=False)


def test_a_model_without_matching_coordinates_is_a_clear_error(experimental):
    with pytest.raises(MotionFileError, match=r"subject02_run_ik.mot: no column names a coordinate of "
                                              r"arm2dof6musc.osim .*r_shoulder_elev"):
        read_motion(experimental / "subject02_run_ik.mot", model="arm2dof6musc")


def test_markers_in_metres_and_forces_with_units(experimental):
    markers = read_motion(experimental / "subject01_walk.trc")
    raw = opensim.TimeSeriesTableVec3(str(experimental / "subject01_walk.trc"))
    assert markers.kind == "markers" and len(markers.columns) == 3 * raw.getNumColumns()
    first = raw.getRowAtIndex(0)[0]
    assert markers.values[0, :3] == pytest.approx([first.get(0) / 1000, first.get(1) / 1000, first.get(2) / 1000])
    grf = read_motion(experimental / "subject01_walk_grf.mot")
    assert grf.kind == "forces" and grf.units["ground_force_vy"] == "N" and grf.units["ground_force_px"] == "m"
    assert grf.units["1_ground_torque_y"] == "N*m"


def test_heel_strikes_and_gait_cycles(experimental):
    grf = read_motion(experimental / "subject01_walk_grf.mot")
    # the README's events: right strikes at 0.618 and 1.853 s, left at 1.247 and 2.460 s
    assert heel_strikes_from_forces(grf, "r") == pytest.approx([0.618, 1.853], abs=3e-3)
    assert heel_strikes_from_forces(grf, "l") == pytest.approx([1.247, 2.460], abs=3e-3)
    ik = read_motion(experimental / "subject01_walk_planar_ik.mot", model="gait9dof18musc")
    (start, end), = gait_cycles(ik, grf)
    assert end - start == pytest.approx(1.235, abs=5e-3)
    # the hip proxy: one stride of about the same length, its maximum flexion shortly before each strike
    hip = heel_strikes_from_hip(ik, "r")
    assert len(hip) == 2 and np.diff(hip)[0] == pytest.approx(1.235, abs=0.05)
    assert np.all((hip < [0.618, 1.853]) & (hip > [0.618 - 0.3, 1.853 - 0.3]))
    run = read_motion(experimental / "subject02_run_ik.mot", model="gait14dof22musc")
    strides = gait_cycles(run, read_motion(experimental / "subject02_run_grf.mot"))
    assert len(strides) == 13 and np.median([b - a for a, b in strides]) == pytest.approx(0.69, abs=0.03)
    with pytest.raises(ValueError, match="side must be"):
        heel_strikes_from_forces(grf, "left")


def test_filter_resample_and_speeds(experimental):
    ik = read_motion(experimental / "subject01_walk_planar_ik.mot", model="gait9dof18musc")
    smooth = ik.lowpass(6.0)
    hip, hip_smooth = ik.column("hip_flexion_r"), smooth.column("hip_flexion_r")
    assert 0 < np.abs(hip - hip_smooth).max() < np.deg2rad(2.0)
    # smoothing removes frame-to-frame roughness
    assert np.abs(np.diff(hip_smooth, 2)).sum() < np.abs(np.diff(hip, 2)).sum()
    ref = smooth.resample(0.01)
    assert np.allclose(np.diff(ref.time), 0.01) and ref.time[-1] == pytest.approx(2.5)
    assert np.interp(1.0, ik.time, hip_smooth) == pytest.approx(ref.at(1.0)["hip_flexion_r"], abs=1e-3)
    speeds = ref.speeds()
    assert speeds.units["hip_flexion_r"] == "rad/s"
    finite_difference = np.gradient(ref.column("knee_angle_r"), ref.time)
    assert np.abs(speeds.column("knee_angle_r") - finite_difference)[5:-5].max() < 0.05
    with pytest.raises(ValueError, match=r"cutoff must be in \(0, 30\)"):
        ik.lowpass(40.0)
    with pytest.raises(ValueError, match="cannot resample"):
        ik.resample(0.01, start=2.0, end=3.0)


def test_bad_files_name_the_file(tmp_path):
    with pytest.raises(MotionFileError, match="not found"):
        read_motion(tmp_path / "none.mot")
    odd = tmp_path / "walk.csv"
    odd.write_text("time,a\n0,1\n")
    with pytest.raises(MotionFileError, match=r"walk.csv: unknown motion format '.csv'"):
        read_motion(odd)
    broken = tmp_path / "broken.mot"
    broken.write_text("nRows=2\nnColumns=2\nendheader\n")
    with pytest.raises(MotionFileError, match="broken.mot: no column labels"):
        read_motion(broken)
    broken.write_text("nRows=1\nendheader\nhip_flexion_r\tknee_angle_r\n1\t2\n")
    with pytest.raises(MotionFileError, match="broken.mot: no time column"):
        read_motion(broken)
    broken.write_text("time\thip\n0\t1\n")
    with pytest.raises(MotionFileError, match="broken.mot: no 'endheader' line"):
        read_motion(broken)
    with pytest.raises(KeyError, match="no column 'knee'"):
        read_motion(_write_small(tmp_path)).column("knee")


def _write_small(tmp_path):
    from osim.data import write_table

    return write_table(tmp_path / "small.mot", [0.0, 0.01, 0.02], ["hip_flexion_r", "pelvis_tx"],
                       np.array([[10.0, 0.0], [20.0, 0.1], [30.0, 0.2]]), {"inDegrees": "yes"})


def test_without_a_model_translations_stay_in_metres(tmp_path):
    m = read_motion(_write_small(tmp_path))
    assert m.units == {"hip_flexion_r": "rad", "pelvis_tx": "m"}
    assert m.column("hip_flexion_r") == pytest.approx(np.deg2rad([10, 20, 30]))
    assert m.column("pelvis_tx") == pytest.approx([0, 0.1, 0.2])


def test_an_episode_exported_and_read_back(tmp_path):
    recorder = MotionRecorder(L2RunEnv(visualize=False))
    recorder.reset(seed=0)
    for _ in range(30):
        recorder.step(np.full(18, 0.3))
    frames = recorder.episodes[-1]
    assert len(frames["time"]) == 31 and recorder.istep == 30  # other attributes are the env's
    coords = recorder.export(tmp_path / "walk.mot")
    states = recorder.export(tmp_path / "walk.sto")
    forces = recorder.export(tmp_path / "walk_grf.mot")

    # coordinates: degrees in the file (OpenSim's Storage agrees), the same radians read back
    assert opensim.Storage(str(coords)).isInDegrees()
    back = read_motion(coords, model="gait9dof18musc")
    assert np.abs(back.values - np.array(frames["q"])).max() < 1e-12
    assert np.allclose(back.time, frames["time"])
    # the exported pose puts the model where the episode was
    model = opensim.Model(str(recorder.model_path))
    state = model.initSystem()
    last = back.at(back.time[-1])
    for name, value in last.items():
        model.getCoordinateSet().get(name).setValue(state, value, False)
    model.realizePosition(state)
    pelvis = model.getBodySet().get("pelvis").getPositionInGround(state).to_numpy()
    assert np.allclose(pelvis, recorder.sim.body_position("pelvis"), atol=1e-9)

    table = opensim.TimeSeriesTable(str(states))
    labels = list(table.getColumnLabels())
    assert "pelvis_tx/value" in labels and "pelvis_tx/speed" in labels and "soleus_r/activation" in labels
    act = table.getDependentColumn("soleus_r/activation").to_numpy()
    assert act[-1] == pytest.approx(recorder.sim.muscle_activations()[recorder.sim.muscle_names.index("soleus_r")])

    grf = read_motion(forces)
    fy = grf.column("foot_r_force_vy") + grf.column("foot_l_force_vy")
    assert fy[-1] > 100  # standing on the ground: the feet carry weight
    cop_z = grf.column("foot_r_force_pz")[-1]
    assert 0.0 < cop_z < 0.3  # under the right foot (+z is right)
    recorder.close()


def test_export_names_and_empty_recordings(tmp_path):
    assert export_kind("a.mot") == "coordinates" and export_kind("a.sto") == "states"
    assert export_kind("a_grf.mot") == "forces" and export_kind("b_forces.mot") == "forces"
    with pytest.raises(ValueError, match="cannot tell what to export"):
        export_kind("a.csv")
    recorder = MotionRecorder(L2RunEnv(visualize=False))
    with pytest.raises(RuntimeError, match="nothing recorded"):
        recorder.export(tmp_path / "a.mot")
    recorder.close()


def test_the_recorder_takes_a_gymnasium_env(tmp_path):
    import gymnasium as gym

    import osim  # noqa: F401

    recorder = MotionRecorder(gym.make("osim/L2Run-v0"))
    recorder.reset(seed=0)
    recorder.step(np.full(18, 0.2, dtype=np.float32))
    back = read_motion(recorder.export(tmp_path / "g.mot"))
    assert len(back.time) == 2
    recorder.close()


def _untidy_copy(src, dst, drop=("pelvis_tx", "pelvis_ty"),
                 extra=("subtalar_angle_r", "mtp_angle_r", "lumbar_bending", "lumbar_rotation")):
    """``src`` as files in the wild come: columns missing, columns of a larger model (gait2392), trailing tabs."""
    lines = src.read_text().splitlines()
    end = lines.index("endheader")
    labels = lines[end + 1].split("\t")
    rows = np.array([[float(v) for v in line.split()] for line in lines[end + 2:]])
    keep = [k for k, name in enumerate(labels) if name not in drop]
    head = [f"nColumns={len(keep) + len(extra)}" if line.startswith("nColumns") else line for line in lines[:end + 1]]
    body = ["\t".join([labels[k] for k in keep] + list(extra)) + "\t"]
    body += ["\t".join(f"{v:.8f}" for v in [*row[keep], *range(1, len(extra) + 1)]) + "\t\t" for row in rows]
    dst.write_text("\n".join(head + body) + "\n")
    return rows[:, keep], [labels[k] for k in keep]


def test_untidy_files_work_where_the_names_match(experimental, tmp_path):
    from osim.env.imitate import ImitateEnv

    path = tmp_path / "untidy.mot"
    rows, labels = _untidy_copy(experimental / "subject01_walk_planar_ik.mot", path)
    with pytest.raises(RuntimeError, match="number of columns"):
        opensim.TimeSeriesTable(str(path))  # OpenSim's own reader alone refuses the trailing tabs
    ik = read_motion(path, model="gait9dof18musc")
    m = ik.mapping
    assert set(m.unmapped_model) == {"pelvis_tx", "pelvis_ty"}
    assert set(m.unmapped_data) == {"subtalar_angle_r", "mtp_angle_r", "lumbar_bending", "lumbar_rotation"}
    assert np.allclose(ik.column("knee_angle_r"), np.deg2rad(rows[:, labels.index("knee_angle_r")]), atol=1e-9)
    assert np.allclose(ik.time, rows[:, 0])
    env = ImitateEnv(motion=str(path))  # no pelvis translations: the reference stands on the ground
    env.reset(seed=0)
    obs, reward, done, info = env.step(np.zeros(env.get_action_space_size()))
    assert not done and 0.0 < reward <= 1.0 and np.isfinite(obs).all()
    assert info["tracking"]["pose_rms"] < 0.5


def test_an_episode_on_the_mujoco_engine_exports_the_same_files(tmp_path):
    pytest.importorskip("mujoco", reason="the MuJoCo engine needs the mujoco extra")
    env = MotionRecorder(L2RunEnv(engine="mujoco"))
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(10):
        env.step(rng.uniform(0, 1, 18))
    sim = env.env.sim
    q = np.array(env.episodes[-1]["q"])
    mot = read_motion(env.export(tmp_path / "mj.mot"), model="gait9dof18musc")
    k = sim.coordinate_names.index("knee_angle_r")
    assert mot.units["knee_angle_r"] == "rad" and np.allclose(mot.column("knee_angle_r"), q[:, k], atol=1e-12)
    states = opensim.TimeSeriesTable(str(env.export(tmp_path / "mj.sto")))
    assert "vasti_r/activation" in list(states.getColumnLabels())
    grf = read_motion(env.export(tmp_path / "mj_grf.mot"))
    assert grf.columns[:2] == ("foot_r_force_vx", "foot_r_force_vy") and len(grf.time) == 11
