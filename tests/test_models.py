"""The model builder (osim.models): committed files, and exact equivalence
with the original challenge models.

The reference models live outside the project, in ``../shared/reference``
(relative to the repository root); the tests that need them skip, with the
reason, where that folder is absent. Every comparison is exact (``==``): the
reference trajectories are only reproduced by a model that is the same to
the last bit.
"""
from __future__ import annotations

import functools
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import osim.models as models
from osim.models import MODEL_NAMES, build, model_path, write
from osim.sim import opensim

REFERENCE = Path(__file__).parents[1].parent / "shared" / "reference"
REFERENCE_FILES = {
    "gait9dof18musc": "gait9dof18musc.osim",
    "gait14dof22musc": "gait14dof22musc_20170320.osim",
    "gait14dof22musc_planar": "gait14dof22musc_planar_20170320.osim",
    "gait14dof22musc_pros": "gait14dof22musc_pros_20180507.osim",
    "gait14dof22musc_planar_pros": "gait14dof22musc_planar_pros_20180507.osim",
    "arm2dof6musc": "arm2dof6musc.osim",
}

N_POSES = 20
SIM_SECONDS = 1.0
STEP = 0.01


# --------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------
def _reference_file(name: str) -> Path:
    path = REFERENCE / "models" / REFERENCE_FILES[name]
    if not path.is_file():
        pytest.skip(f"reference model {path} is absent (the reference data "
                    f"folder ../shared/reference is not checked out here)")
    return path


def _quietly(fn, *args):
    """Call fn with OpenSim's log at "error": the reference files name visual
    meshes (.vtp) that are not shipped, and each one logs a warning."""
    opensim.Logger.setLevelString("error")
    try:
        return fn(*args)
    finally:
        opensim.Logger.setLevelString("warn")


def _load_reference(name: str):
    return _quietly(opensim.Model, str(_reference_file(name)))


@functools.lru_cache(maxsize=None)
def _initialised(kind: str, name: str):
    """(model, default state) of the reference, the built or the committed model.

    Cached: the tests below only read these models (poses are set on copies
    of the state).
    """
    if kind == "reference":
        model = _load_reference(name)
    elif kind == "built":
        model = build(name)
    else:
        model = opensim.Model(str(model_path(name)))
    state = model.initSystem()
    return model, state


def _pair(name: str):
    """((reference model, state), (built model, state))."""
    _reference_file(name)  # skip early when absent
    return _initialised("reference", name), _initialised("built", name)


def _v3(v) -> tuple:
    return (v.get(0), v.get(1), v.get(2))


def _v6(v) -> tuple:
    return tuple(v.get(i) for i in range(6))


def _items(objset) -> list:
    return [objset.get(i) for i in range(objset.getSize())]


def _function(f) -> tuple:
    """The class and defining numbers of an OpenSim function."""
    kind = f.getConcreteClassName()
    if kind == "SimmSpline":
        s = opensim.SimmSpline.safeDownCast(f)
        return kind, tuple(s.getX(i) for i in range(s.getSize())), \
            tuple(s.getY(i) for i in range(s.getSize()))
    if kind == "LinearFunction":
        lf = opensim.LinearFunction.safeDownCast(f)
        return kind, lf.getSlope(), lf.getIntercept()
    if kind == "Constant":
        return kind, opensim.Constant.safeDownCast(f).getValue()
    raise AssertionError(f"unexpected function {kind}")


def _normalised_xml(text: str) -> bytes:
    """A model document without what the builder deliberately leaves out or
    words differently: comments, visual meshes (and the offset frames that
    only place meshes), the model's name, credits and publications."""
    # OpenSim writes nested class names such as "HuntCrossleyForce::ContactParameters"
    # as tags; make them well-formed XML names first. The parser drops comments.
    root = ET.fromstring(text.replace("::", "__"))
    model = root.find("Model")
    model.set("name", "")
    for tag in ("credits", "publications"):
        for el in model.findall(tag):
            model.remove(el)
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == "Mesh":
                parent.remove(child)
            elif (child.tag == "PhysicalOffsetFrame" and parent.tag == "components"
                  and "_geom_frame_" in child.get("name", "")):
                parent.remove(child)
        if parent.tag == "components" and len(parent) == 0:
            parent.set("emptied", "")
    for parent in list(root.iter()):
        for child in list(parent):
            if child.tag == "components" and "emptied" in child.attrib:
                parent.remove(child)
    for el in root.iter():
        if el.text is not None and not el.text.strip():
            el.text = None
        el.tail = None
    return ET.tostring(root)


def _simulate(model) -> tuple:
    """Q, U, Z after SIM_SECONDS under constant, distinct excitations, from the
    default state with equilibrated muscles."""
    controller = opensim.PrescribedController()
    controller.setName("test_excitations")
    muscles = _items(model.getMuscles())
    n = len(muscles)
    for i, muscle in enumerate(muscles):
        controller.addActuator(muscle)
        level = 0.05 + 0.9 * ((7 * i) % n) / n
        controller.prescribeControlForActuator(muscle.getName(), opensim.Constant(level))
    model.addController(controller)
    state = model.initSystem()
    model.equilibrateMuscles(state)
    manager = opensim.Manager(model)
    manager.setIntegratorAccuracy(5e-5)
    manager.setWriteToStorage(False)
    manager.setPerformAnalyses(False)
    state.setTime(0.0)
    manager.initialize(state)
    for k in range(1, int(round(SIM_SECONDS / STEP)) + 1):
        state = manager.integrate(STEP * k)
    q = np.array([state.getQ().get(i) for i in range(state.getNQ())])
    u = np.array([state.getU().get(i) for i in range(state.getNU())])
    z = np.array([state.getZ().get(i) for i in range(state.getNZ())])
    return q, u, z


# --------------------------------------------------------------------------
# Package API and committed files (no reference needed)
# --------------------------------------------------------------------------
def test_model_names():
    assert isinstance(MODEL_NAMES, tuple) and MODEL_NAMES
    assert len(set(MODEL_NAMES)) == len(MODEL_NAMES)


def test_unknown_model_name_is_rejected():
    with pytest.raises(ValueError) as err:
        model_path("gait99dof")
    for name in MODEL_NAMES:
        assert name in str(err.value)
    with pytest.raises(ValueError):
        build("gait99dof")


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_model_path_is_package_data(name):
    path = model_path(name)
    assert path == Path(models.__file__).resolve().parent / f"{name}.osim"
    assert path.is_file(), f"{path} is not committed: run python -m osim.models {name}"


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_rebuild_gives_committed_file(name, tmp_path):
    rebuilt = write(name, tmp_path / f"{name}.osim")
    assert rebuilt.read_text() == model_path(name).read_text(), (
        f"{model_path(name).name} is stale: run python -m osim.models {name}")


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_build_is_deterministic(name, tmp_path):
    a, b = build(name), build(name)
    a.printToXML(str(tmp_path / "a.osim"))
    b.printToXML(str(tmp_path / "b.osim"))
    assert (tmp_path / "a.osim").read_text() == (tmp_path / "b.osim").read_text()


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_credits_name_the_original_authors(name):
    credits = build(name).get_credits()
    assert "osim-rl" in credits and "CC BY 3.0" in credits
    if name.startswith("gait"):
        for who in ("Delp", "Anderson", "Pandy", "Yamaguchi", "Zajac", "Seth", "Ong", "Song"):
            assert who in credits
    else:
        assert "Holzbaur" in credits


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_committed_file_loads_without_warnings(name, capfd):
    model = opensim.Model(str(model_path(name)))
    model.initSystem()
    out, err = capfd.readouterr()
    assert "warning" not in (out + err).lower()


_GAIT14_Q = ("pelvis_tilt", "pelvis_list", "pelvis_rotation", "pelvis_tx", "pelvis_ty",
             "pelvis_tz", "hip_flexion_r", "hip_adduction_r", "hip_rotation_r",
             "hip_flexion_l", "hip_adduction_l", "hip_rotation_l", "lumbar_extension",
             "knee_angle_r", "knee_angle_l", "ankle_angle_r", "ankle_angle_l")
_GAIT14_LOCKED = ("hip_rotation_r", "hip_rotation_l", "lumbar_extension")
_PLANAR_LOCKED = ("pelvis_list", "pelvis_rotation", "pelvis_tz",
                  "hip_adduction_r", "hip_adduction_l")
_GAIT14_MUSCLES_R = ("abd_r", "add_r", "hamstrings_r", "bifemsh_r", "glut_max_r",
                     "iliopsoas_r", "rect_fem_r", "vasti_r", "gastroc_r", "soleus_r",
                     "tib_ant_r")
_GAIT14_MUSCLES_L = tuple(m[:-1] + "l" for m in _GAIT14_MUSCLES_R)

# Facts of each original model file: total mass (kg, rounded),
# generalized-coordinate (Q) order, default-locked coordinates, muscles in
# action order.
MODEL_FACTS = {
    "gait9dof18musc": (
        79.6646,
        ("pelvis_tilt", "pelvis_tx", "pelvis_ty", "hip_flexion_r", "hip_flexion_l",
         "lumbar_extension", "knee_angle_r", "knee_angle_l", "ankle_angle_r", "ankle_angle_l"),
        ("lumbar_extension",),
        tuple(f"{m}_{side}" for side in "rl" for m in (
            "hamstrings", "bifemsh", "glut_max", "iliopsoas", "rect_fem", "vasti",
            "gastroc", "soleus", "tib_ant"))),
    "gait14dof22musc": (75.1646, _GAIT14_Q, _GAIT14_LOCKED,
                        _GAIT14_MUSCLES_R + _GAIT14_MUSCLES_L),
    "gait14dof22musc_planar": (75.1646, _GAIT14_Q, _GAIT14_LOCKED + _PLANAR_LOCKED,
                               _GAIT14_MUSCLES_R + _GAIT14_MUSCLES_L),
    "gait14dof22musc_pros": (72.17025, _GAIT14_Q, _GAIT14_LOCKED,
                             _GAIT14_MUSCLES_R[:8] + _GAIT14_MUSCLES_L),
    "gait14dof22musc_planar_pros": (72.17025, _GAIT14_Q, _GAIT14_LOCKED + _PLANAR_LOCKED,
                                    _GAIT14_MUSCLES_R[:8] + _GAIT14_MUSCLES_L),
    "arm2dof6musc": (3.398887, ("r_shoulder_elev", "r_elbow_flex"), (),
                     ("TRIlong", "TRIlat", "TRImed", "BIClong", "BICshort", "BRA")),
}


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_model_facts(name):
    mass, q_order, locked, muscles = MODEL_FACTS[name]
    model, state = _initialised("committed", name)
    assert model.getTotalMass(state) == pytest.approx(mass, abs=1e-9)
    assert tuple(m.getName() for m in _items(model.getMuscles())) == muscles
    coords = _items(model.getCoordinateSet())
    assert sorted(c.getName() for c in coords if c.getDefaultLocked()) == sorted(locked)
    # Which coordinate each entry of the Q vector is.
    probe = opensim.State(state)
    for i in range(probe.getNQ()):
        probe.updQ().set(i, float(i))
    by_index = {int(c.getValue(probe)): c.getName() for c in coords}
    assert tuple(by_index[i] for i in range(probe.getNQ())) == q_order


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_built_model_is_ready(name):
    """build() leaves the model as loading its file does: connected, with the
    muscle list complete before initSystem."""
    model = build(name)
    assert model.getMuscles().getSize() == len(MODEL_FACTS[name][3])
    model.initSystem()


def test_tables_are_checked():
    from dataclasses import replace

    from osim.models.builder import build_model
    spec = models.model_spec("gait9dof18musc")
    with pytest.raises(ValueError, match="head is the child of 0 joints"):
        build_model(replace(spec, joints=spec.joints[:-1]))
    with pytest.raises(ValueError, match="unknown contact geometry platform"):
        build_model(replace(spec, contact_geometry=spec.contact_geometry[1:]))


# --------------------------------------------------------------------------
# Equivalence with the reference models
# --------------------------------------------------------------------------


@pytest.mark.reference
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_printed_xml_matches_reference(name, tmp_path):
    reference = _load_reference(name)
    reference.printToXML(str(tmp_path / "reference.osim"))
    build(name).printToXML(str(tmp_path / "built.osim"))
    expected = _normalised_xml((tmp_path / "reference.osim").read_text())
    actual = _normalised_xml((tmp_path / "built.osim").read_text())
    if actual != expected:  # show the first difference readably
        e_lines = expected.decode().replace("><", ">\n<").splitlines()
        a_lines = actual.decode().replace("><", ">\n<").splitlines()
        for i, (e, a) in enumerate(zip(e_lines, a_lines)):
            assert a == e, f"first difference at element {i}"
        assert len(a_lines) == len(e_lines)


@pytest.mark.reference
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_model_level(name):
    (ref, ref_state), (mine, state) = _pair(name)
    assert _v3(mine.getGravity()) == _v3(ref.getGravity())
    assert mine.getTotalMass(state) == ref.getTotalMass(ref_state)
    assert mine.getNumStateVariables() == ref.getNumStateVariables()
    assert list(mine.getStateVariableNames().get(i) for i in range(mine.getNumStateVariables())) \
        == list(ref.getStateVariableNames().get(i) for i in range(ref.getNumStateVariables()))
    assert (state.getNQ(), state.getNU(), state.getNZ()) == \
        (ref_state.getNQ(), ref_state.getNU(), ref_state.getNZ())


@pytest.mark.reference
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_bodies(name):
    (ref, _), (mine, _) = _pair(name)
    ref_bodies, my_bodies = _items(ref.getBodySet()), _items(mine.getBodySet())
    assert [b.getName() for b in my_bodies] == [b.getName() for b in ref_bodies]
    for r, m in zip(ref_bodies, my_bodies):
        assert m.getMass() == r.getMass(), m.getName()
        assert _v3(m.getMassCenter()) == _v3(r.getMassCenter()), m.getName()
        assert _v6(m.get_inertia()) == _v6(r.get_inertia()), m.getName()


@pytest.mark.reference
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_joints(name):
    (ref, _), (mine, _) = _pair(name)
    ref_joints, my_joints = _items(ref.getJointSet()), _items(mine.getJointSet())
    assert [j.getName() for j in my_joints] == [j.getName() for j in ref_joints]
    for r, m in zip(ref_joints, my_joints):
        assert m.getConcreteClassName() == r.getConcreteClassName(), m.getName()
        for rf, mf in ((r.getParentFrame(), m.getParentFrame()),
                       (r.getChildFrame(), m.getChildFrame())):
            assert mf.getName() == rf.getName()
            ro = opensim.PhysicalOffsetFrame.safeDownCast(rf)
            mo = opensim.PhysicalOffsetFrame.safeDownCast(mf)
            assert mo.getParentFrame().getName() == ro.getParentFrame().getName()
            assert _v3(mo.get_translation()) == _v3(ro.get_translation()), mf.getName()
            assert _v3(mo.get_orientation()) == _v3(ro.get_orientation()), mf.getName()
        if r.getConcreteClassName() == "CustomJoint":
            rt = opensim.CustomJoint.safeDownCast(r).getSpatialTransform()
            mt = opensim.CustomJoint.safeDownCast(m).getSpatialTransform()
            for i in range(6):
                ra, ma = rt.getTransformAxis(i), mt.getTransformAxis(i)
                assert _v3(ma.get_axis()) == _v3(ra.get_axis())
                assert ma.getPropertyByName("coordinates").toString() \
                    == ra.getPropertyByName("coordinates").toString()
                assert _function(ma.get_function()) == _function(ra.get_function())


@pytest.mark.reference
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_coordinates(name):
    (ref, _), (mine, _) = _pair(name)
    ref_coords, my_coords = _items(ref.getCoordinateSet()), _items(mine.getCoordinateSet())
    assert [c.getName() for c in my_coords] == [c.getName() for c in ref_coords]
    for r, m in zip(ref_coords, my_coords):
        assert m.getJoint().getName() == r.getJoint().getName()
        assert m.getMotionType() == r.getMotionType()
        assert (m.getRangeMin(), m.getRangeMax()) == (r.getRangeMin(), r.getRangeMax()), m.getName()
        assert m.getDefaultValue() == r.getDefaultValue(), m.getName()
        assert m.getDefaultSpeedValue() == r.getDefaultSpeedValue()
        assert m.getDefaultLocked() == r.getDefaultLocked(), m.getName()
        assert m.getDefaultClamped() == r.getDefaultClamped()
        assert m.get_prescribed() == r.get_prescribed()
        # Same place in the Simbody state (Q order)
        assert (m.getBodyIndex(), m.getMobilizerQIndex()) == (r.getBodyIndex(), r.getMobilizerQIndex())


_MUSCLE_GETTERS = (
    "get_max_isometric_force", "get_optimal_fiber_length", "get_tendon_slack_length",
    "get_pennation_angle_at_optimal", "get_max_contraction_velocity",
    "get_activation_time_constant", "get_deactivation_time_constant",
    "get_FmaxTendonStrain", "get_FmaxMuscleStrain", "get_KshapeActive", "get_KshapePassive",
    "get_Af", "get_Flen", "get_fv_linear_extrap_threshold", "get_maximum_pennation_angle",
    "get_minimum_activation", "get_default_activation", "get_default_fiber_length",
    "get_ignore_tendon_compliance", "get_ignore_activation_dynamics", "get_optimal_force",
    "get_appliesForce", "getMinControl", "getMaxControl",
)


def _path_point(p) -> tuple:
    kind = p.getConcreteClassName()
    out = (kind, p.getName(), p.getParentFrame().getName())
    if kind == "PathPoint":
        return out + (_v3(opensim.PathPoint.safeDownCast(p).get_location()),)
    if kind == "ConditionalPathPoint":
        c = opensim.ConditionalPathPoint.safeDownCast(p)
        return out + (_v3(c.get_location()), c.getCoordinate().getName(),
                      c.get_range(0), c.get_range(1))
    if kind == "MovingPathPoint":
        mp = opensim.MovingPathPoint.safeDownCast(p)
        return out + (mp.getXCoordinate().getName(), mp.getYCoordinate().getName(),
                      mp.getZCoordinate().getName(), _function(mp.get_x_location()),
                      _function(mp.get_y_location()), _function(mp.get_z_location()))
    raise AssertionError(f"unexpected path point {kind}")


@pytest.mark.reference
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_muscles(name):
    (ref, _), (mine, _) = _pair(name)
    ref_muscles = [opensim.Thelen2003Muscle.safeDownCast(m) for m in _items(ref.getMuscles())]
    my_muscles = [opensim.Thelen2003Muscle.safeDownCast(m) for m in _items(mine.getMuscles())]
    assert [m.getName() for m in my_muscles] == [m.getName() for m in ref_muscles]
    for r, m in zip(ref_muscles, my_muscles):
        for getter in _MUSCLE_GETTERS:
            assert getattr(m, getter)() == getattr(r, getter)(), f"{m.getName()}.{getter}"
        rp, mp = r.getGeometryPath(), m.getGeometryPath()
        assert mp.getPathPointSet().getSize() == rp.getPathPointSet().getSize(), m.getName()
        assert [_path_point(p) for p in _items(mp.getPathPointSet())] == \
            [_path_point(p) for p in _items(rp.getPathPointSet())]
        wraps = [(w.getName(), w.get_wrap_object(), w.get_method(), w.get_range(0), w.get_range(1))
                 for w in _items(mp.getWrapSet())]
        assert wraps == [(w.getName(), w.get_wrap_object(), w.get_method(), w.get_range(0),
                          w.get_range(1)) for w in _items(rp.getWrapSet())]


@pytest.mark.reference
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_muscle_lengths_and_moment_arms(name):
    (ref, ref_default), (mine, my_default) = _pair(name)
    rng = np.random.RandomState(20240521)
    ref_coords, my_coords = _items(ref.getCoordinateSet()), _items(mine.getCoordinateSet())
    free = [i for i, c in enumerate(ref_coords) if not c.getDefaultLocked()]
    ref_muscles, my_muscles = _items(ref.getMuscles()), _items(mine.getMuscles())
    for _ in range(N_POSES):
        pose = {i: rng.uniform(ref_coords[i].getRangeMin(), ref_coords[i].getRangeMax())
                for i in free}
        lengths, arms = [], []
        for model, default, coords, muscles in ((ref, ref_default, ref_coords, ref_muscles),
                                                (mine, my_default, my_coords, my_muscles)):
            state = opensim.State(default)
            for i, value in pose.items():
                coords[i].setValue(state, float(value), False)
            model.realizePosition(state)
            lengths.append([m.getLength(state) for m in muscles])
            arms.append([[m.computeMomentArm(state, coords[i]) for i in free] for m in muscles])
        assert lengths[1] == lengths[0]
        assert arms[1] == arms[0]


@pytest.mark.reference
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_contact_geometry(name):
    (ref, _), (mine, _) = _pair(name)

    def describe(model):
        out = []
        for g in _items(model.getContactGeometrySet()):
            row = (g.getConcreteClassName(), g.getName(), g.getFrame().getName(),
                   _v3(g.get_location()), _v3(g.get_orientation()))
            if g.getConcreteClassName() == "ContactSphere":
                row += (opensim.ContactSphere.safeDownCast(g).getRadius(),)
            out.append(row)
        return out

    assert describe(mine) == describe(ref)


def _force_row(f) -> tuple:
    kind = f.getConcreteClassName()
    row = (kind, f.getName(), f.get_appliesForce())
    if kind == "HuntCrossleyForce":
        h = opensim.HuntCrossleyForce.safeDownCast(f)
        params = h.getPropertyByName("contact_parameters").getValueAsObject(0)
        objects = params.getPropertyByName("objects")
        assert objects.size() == 1
        geometry = objects.getValueAsObject(0).getPropertyByName("geometry").toString()
        return row + (geometry, h.getStiffness(), h.getDissipation(), h.getStaticFriction(),
                      h.getDynamicFriction(), h.getViscousFriction(), h.getTransitionVelocity())
    if kind == "CoordinateLimitForce":
        c = opensim.CoordinateLimitForce.safeDownCast(f)
        return row + (c.get_coordinate(), c.get_upper_stiffness(), c.get_upper_limit(),
                      c.get_lower_stiffness(), c.get_lower_limit(), c.get_damping(),
                      c.get_transition(), c.get_compute_dissipation_energy())
    if kind == "SpringGeneralizedForce":
        s = opensim.SpringGeneralizedForce.safeDownCast(f)
        return row + (s.get_coordinate(), s.get_stiffness(), s.get_rest_length(), s.get_viscosity())
    if kind == "Thelen2003Muscle":
        return row  # test_muscles
    raise AssertionError(f"unexpected force {kind}")


@pytest.mark.reference
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_forces(name):
    """Force order, contact (Hunt-Crossley), ligaments and springs."""
    (ref, _), (mine, _) = _pair(name)
    assert [_force_row(f) for f in _items(mine.getForceSet())] == \
        [_force_row(f) for f in _items(ref.getForceSet())]


@pytest.mark.reference
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_wrap_objects_and_markers(name):
    (ref, _), (mine, _) = _pair(name)

    def wrap_objects(model):
        out = []
        for body in _items(model.getBodySet()):
            for w in _items(body.getWrapObjectSet()):
                kind = w.getConcreteClassName()
                row = (body.getName(), kind, w.getName(), w.get_active(),
                       _v3(w.get_xyz_body_rotation()), _v3(w.get_translation()), w.get_quadrant())
                if kind == "WrapCylinder":
                    c = opensim.WrapCylinder.safeDownCast(w)
                    row += (c.get_radius(), c.get_length())
                elif kind == "WrapEllipsoid":
                    row += (_v3(opensim.WrapEllipsoid.safeDownCast(w).get_dimensions()),)
                else:
                    raise AssertionError(f"unexpected wrap object {kind}")
                out.append(row)
        return out

    def markers(model):
        return [(m.getName(), m.getParentFrame().getName(), _v3(m.get_location()), m.get_fixed())
                for m in _items(model.getMarkerSet())]

    assert wrap_objects(mine) == wrap_objects(ref)
    assert markers(mine) == markers(ref)


@pytest.mark.reference
@pytest.mark.parametrize("name", MODEL_NAMES)
def test_dynamics_bit_identical(name):
    """1 s under constant excitations: the same state vector, bit for bit, for
    the reference, the built model and the committed file."""
    expected = _simulate(_load_reference(name))
    for label, model in (("built", build(name)),
                         ("committed file", opensim.Model(str(model_path(name))))):
        actual = _simulate(model)
        for part, e, a in zip("QUZ", expected, actual):
            assert a.shape == e.shape, (label, part)
            assert np.array_equal(a, e), (
                f"{label}: {part} differs by up to {np.max(np.abs(a - e)):.3g}")
    assert np.all(np.isfinite(expected[0]))
