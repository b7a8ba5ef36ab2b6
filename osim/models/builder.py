"""Build an ``opensim.Model`` from a :class:`~osim.models.spec.ModelSpec`.

The builder sets, through the OpenSim API, exactly the properties that the
original model files set, so that ``Model.printToXML`` writes the same
document as OpenSim 4.6 writes for the original file (less its visual mesh
geometry). Sockets are connected by path, with the same path strings the
original files yield once OpenSim has upgraded them.
"""
from __future__ import annotations

from typing import Iterable

from osim.sim._opensim import opensim

from . import spec as S

# Properties that OpenSim's constructors or Model assembly mark as set but
# that the original files never set: they are reset to "default" (unset)
# before the model is handed out, so that they are not written.
_UNSET_AFTER_BUILD = ("frame_geometry", "min_control", "max_control")


def _vec3(v) -> "opensim.Vec3":
    return opensim.Vec3(float(v[0]), float(v[1]), float(v[2]))


def _mark_set(obj, *names: str) -> None:
    """Mark properties as explicitly set (written by printToXML) without
    changing their values."""
    for name in names:
        obj.updPropertyByName(name).setValueIsDefault(False)


def _function(f: S.Function):
    if isinstance(f, S.Linear):
        coefficients = opensim.ArrayDouble()
        coefficients.append(float(f.slope))
        coefficients.append(float(f.intercept))
        return opensim.LinearFunction(coefficients)
    if isinstance(f, S.Constant):
        return opensim.Constant(float(f.value))
    if isinstance(f, S.Spline):
        spline = opensim.SimmSpline()
        for x, y in zip(f.x, f.y):
            spline.addPoint(float(x), float(y))
        return spline
    raise TypeError(f"unknown function {f!r}")


def _frame_path(frame: str) -> str:
    """Absolute path of a body (or ground) frame."""
    return "/ground" if frame == "ground" else f"/bodyset/{frame}"


def _coordinate_path(model_spec: S.ModelSpec, coordinate: str) -> str:
    return f"/jointset/{model_spec.joint_of(coordinate).name}/{coordinate}"


# --------------------------------------------------------------------------
# Bodies
# --------------------------------------------------------------------------
def _wrap_object(w: S.WrapObject):
    if isinstance(w, S.WrapCylinder):
        obj = opensim.WrapCylinder()
        obj.set_radius(float(w.radius))
        obj.set_length(float(w.length))
    elif isinstance(w, S.WrapEllipsoid):
        obj = opensim.WrapEllipsoid()
        obj.set_dimensions(_vec3(w.dimensions))
    else:
        raise TypeError(f"unknown wrap object {w!r}")
    obj.setName(w.name)
    obj.set_active(bool(w.active))
    obj.set_xyz_body_rotation(_vec3(w.rotation))
    obj.set_translation(_vec3(w.translation))
    obj.set_quadrant(w.quadrant)
    return obj


def _body(b: S.Body):
    body = opensim.Body()
    body.setName(b.name)
    body.set_mass(float(b.mass))
    body.set_mass_center(_vec3(b.mass_center))
    body.set_inertia(opensim.Vec6(*(float(x) for x in b.inertia)))
    if b.display:
        _mark_set(body, "attached_geometry", "WrapObjectSet")
    for w in b.wrap_objects:
        body.addWrapObject(_wrap_object(w))
    return body


# --------------------------------------------------------------------------
# Joints
# --------------------------------------------------------------------------
def _offset_parent_path(body: str) -> str:
    """Path from a joint's offset frame to its body, relative to the frame."""
    return "../../../ground" if body == "ground" else f"../../../bodyset/{body}"


def _offset_frame(body: str, offset) -> "opensim.PhysicalOffsetFrame":
    translation, orientation = offset
    frame = opensim.PhysicalOffsetFrame()
    frame.setName(f"{body}_offset")
    frame.updSocket("parent").setConnecteePath(_offset_parent_path(body))
    frame.set_translation(_vec3(translation))
    frame.set_orientation(_vec3(orientation))
    return frame


def _set_coordinate(coord, c: S.Coordinate) -> None:
    coord.setName(c.name)
    coord.set_default_value(float(c.default_value))
    coord.set_default_speed_value(float(c.default_speed_value))
    coord.set_range(0, float(c.range[0]))
    coord.set_range(1, float(c.range[1]))
    coord.set_clamped(bool(c.clamped))
    coord.set_locked(bool(c.locked))
    _mark_set(coord, "prescribed_function")
    if c.prescribed is not None:
        coord.set_prescribed(bool(c.prescribed))


_JOINT_KINDS = ("CustomJoint", "PinJoint", "PlanarJoint", "WeldJoint")


def _joint(j: S.Joint):
    if j.kind not in _JOINT_KINDS:
        raise ValueError(f"{j.name}: unsupported joint kind {j.kind!r}")
    joint = getattr(opensim, j.kind)()
    joint.setName(j.name)
    if j.kind == "CustomJoint":
        if len(j.transform) != 6:
            raise ValueError(f"{j.name}: a CustomJoint needs 6 transform axes")
        st = joint.upd_SpatialTransform()
        axes = [st.upd_rotation1(), st.upd_rotation2(), st.upd_rotation3(),
                st.upd_translation1(), st.upd_translation2(), st.upd_translation3()]
        for axis, a in zip(axes, j.transform):
            names = opensim.ArrayStr()
            for name in a.coordinates:
                names.append(name)
            axis.setCoordinateNames(names)
            if not a.coordinates:
                _mark_set(axis, "coordinates")
            axis.set_axis(_vec3(a.axis))
            axis.set_function(_function(a.function))
        for c in j.coordinates:
            coord = opensim.Coordinate()
            _set_coordinate(coord, c)
            joint.append_coordinates(coord)
    else:
        if joint.numCoordinates() != len(j.coordinates):
            raise ValueError(f"{j.name}: a {j.kind} has {joint.numCoordinates()} coordinates")
        for i, c in enumerate(j.coordinates):
            _set_coordinate(joint.upd_coordinates(i), c)
    for body, offset, socket in ((j.parent, j.parent_offset, "parent_frame"),
                                 (j.child, j.child_offset, "child_frame")):
        frame = _offset_frame(body, offset)
        joint.addFrame(frame)
        frame.thisown = False  # adopted by the joint
        joint.updSocket(socket).setConnecteePath(f"{body}_offset")
    return joint


# --------------------------------------------------------------------------
# Forces
# --------------------------------------------------------------------------
def _path_point(model_spec: S.ModelSpec, p: S.AnyPathPoint):
    if isinstance(p, S.PathPoint):
        point = opensim.PathPoint()
        point.set_location(_vec3(p.location))
    elif isinstance(p, S.ConditionalPathPoint):
        point = opensim.ConditionalPathPoint()
        point.set_location(_vec3(p.location))
        point.updSocket("coordinate").setConnecteePath(
            _coordinate_path(model_spec, p.coordinate))
        point.set_range(0, float(p.range[0]))
        point.set_range(1, float(p.range[1]))
    elif isinstance(p, S.MovingPathPoint):
        point = opensim.MovingPathPoint()
        path = _coordinate_path(model_spec, p.coordinate)
        for axis, f in (("x", p.x), ("y", p.y), ("z", p.z)):
            point.updSocket(f"{axis}_coordinate").setConnecteePath(path)
            point.updPropertyByName(f"{axis}_location").setValueAsObject(_function(f))
            _mark_set(point, f"{axis}_location")
    else:
        raise TypeError(f"unknown path point {p!r}")
    point.setName(p.name)
    point.updSocket("parent_frame").setConnecteePath(_frame_path(p.body))
    return point


def _muscle(model_spec: S.ModelSpec, m: S.Muscle):
    muscle = opensim.Thelen2003Muscle()
    muscle.setName(m.name)
    muscle.set_appliesForce(True)
    path = muscle.updGeometryPath()
    _mark_set(path, "PathWrapSet")
    points = path.updPathPointSet()
    for p in m.path:
        point = _path_point(model_spec, p)
        points.adoptAndAppend(point)
        point.thisown = False
    for w in m.wraps:
        wrap = opensim.PathWrap()
        wrap.setName(w.name)
        wrap.set_wrap_object(w.wrap_object)
        wrap.set_method(w.method)
        wrap.set_range(0, int(w.range[0]))
        wrap.set_range(1, int(w.range[1]))
        path.updWrapSet().adoptAndAppend(wrap)
        wrap.thisown = False
    muscle.set_max_isometric_force(float(m.max_isometric_force))
    muscle.set_optimal_fiber_length(float(m.optimal_fiber_length))
    muscle.set_tendon_slack_length(float(m.tendon_slack_length))
    muscle.set_pennation_angle_at_optimal(float(m.pennation_angle_at_optimal))
    for name, value in dict(model_spec.muscle_properties + m.properties).items():
        getattr(muscle, f"set_{name}")(float(value))
    return muscle


def _hunt_crossley(h: S.HuntCrossley):
    force = opensim.HuntCrossleyForce()
    force.setName(h.name)
    force.set_appliesForce(True)
    # The first geometry creates the force's single ContactParameters; the
    # setters below act on it.
    for g in h.geometry:
        force.addGeometry(g)
    force.setStiffness(float(h.stiffness))
    force.setDissipation(float(h.dissipation))
    force.setStaticFriction(float(h.static_friction))
    force.setDynamicFriction(float(h.dynamic_friction))
    force.setViscousFriction(float(h.viscous_friction))
    force.set_transition_velocity(float(h.transition_velocity))
    return force


def _coordinate_limit(c: S.CoordinateLimit):
    force = opensim.CoordinateLimitForce()
    force.setName(c.name)
    force.set_appliesForce(True)
    force.set_coordinate(c.coordinate)
    force.set_upper_stiffness(float(c.upper_stiffness))
    force.set_upper_limit(float(c.upper_limit))
    force.set_lower_stiffness(float(c.lower_stiffness))
    force.set_lower_limit(float(c.lower_limit))
    force.set_damping(float(c.damping))
    force.set_transition(float(c.transition))
    return force


def _coordinate_spring(c: S.CoordinateSpring):
    force = opensim.SpringGeneralizedForce()
    force.setName(c.name)
    force.set_coordinate(c.coordinate)
    force.set_stiffness(float(c.stiffness))
    force.set_rest_length(float(c.rest_length))
    force.set_viscosity(float(c.viscosity))
    return force


def _force(model_spec: S.ModelSpec, f: S.Force):
    if isinstance(f, S.Muscle):
        force = _muscle(model_spec, f)
    elif isinstance(f, S.HuntCrossley):
        force = _hunt_crossley(f)
    elif isinstance(f, S.CoordinateLimit):
        force = _coordinate_limit(f)
    elif isinstance(f, S.CoordinateSpring):
        force = _coordinate_spring(f)
    else:
        raise TypeError(f"unknown force {f!r}")
    if f.name in model_spec.forces_without_applies_flag:
        force.updPropertyByName("appliesForce").setValueIsDefault(True)
    return force


# --------------------------------------------------------------------------
# Contact geometry, markers
# --------------------------------------------------------------------------
def _contact_geometry(c: S.ContactGeometry):
    if isinstance(c, S.ContactHalfSpace):
        geom = opensim.ContactHalfSpace()
    elif isinstance(c, S.ContactSphere):
        geom = opensim.ContactSphere()
        geom.setRadius(float(c.radius))
    else:
        raise TypeError(f"unknown contact geometry {c!r}")
    geom.setName(c.name)
    geom.updSocket("frame").setConnecteePath(_frame_path(c.frame))
    geom.set_location(_vec3(c.location))
    geom.set_orientation(_vec3(c.orientation))
    return geom


def _marker(m: S.Marker):
    marker = opensim.Marker()
    marker.setName(m.name)
    marker.updSocket("parent_frame").setConnecteePath(_frame_path(m.frame))
    marker.set_location(_vec3(m.location))
    marker.set_fixed(bool(m.fixed))
    return marker


# --------------------------------------------------------------------------
# Model
# --------------------------------------------------------------------------
def _components(model) -> Iterable:
    for comp in model.getComponentsList():
        yield comp


def _items(objset) -> list:
    return [objset.get(i) for i in range(objset.getSize())]


def check_spec(model_spec: S.ModelSpec) -> None:
    """Raise ValueError where the tables refer to something they do not define."""
    frames = {"ground"} | {b.name for b in model_spec.bodies}
    coordinates = {c.name for c in model_spec.coordinates}
    geometry = {g.name for g in model_spec.contact_geometry}
    wrap_objects = {w.name for b in model_spec.bodies for w in b.wrap_objects}
    problems = []
    for kind, names in (("body", [b.name for b in model_spec.bodies]),
                        ("joint", [j.name for j in model_spec.joints]),
                        ("coordinate", [c.name for c in model_spec.coordinates]),
                        ("force", [f.name for f in model_spec.forces])):
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            problems.append(f"duplicate {kind} names {duplicates}")
    children = [j.child for j in model_spec.joints]
    problems += [f"body {b.name} is the child of {children.count(b.name)} joints"
                 for b in model_spec.bodies if children.count(b.name) != 1]
    for j in model_spec.joints:
        for frame in (j.parent, j.child):
            if frame not in frames:
                problems.append(f"joint {j.name}: unknown body {frame}")
        for a in j.transform:
            problems += [f"joint {j.name}: unknown coordinate {c}"
                         for c in a.coordinates if c not in coordinates]
    for f in model_spec.forces:
        if isinstance(f, S.Muscle):
            for p in f.path:
                if p.body not in frames:
                    problems.append(f"{f.name}/{p.name}: unknown body {p.body}")
                coordinate = getattr(p, "coordinate", None)
                if coordinate is not None and coordinate not in coordinates:
                    problems.append(f"{f.name}/{p.name}: unknown coordinate {coordinate}")
            problems += [f"{f.name}/{w.name}: unknown wrap object {w.wrap_object}"
                         for w in f.wraps if w.wrap_object not in wrap_objects]
        elif isinstance(f, S.HuntCrossley):
            problems += [f"{f.name}: unknown contact geometry {g}"
                         for g in f.geometry if g not in geometry]
        elif f.coordinate not in coordinates:
            problems.append(f"{f.name}: unknown coordinate {f.coordinate}")
    for item in model_spec.contact_geometry + model_spec.markers:
        if item.frame not in frames:
            problems.append(f"{item.name}: unknown frame {item.frame}")
    if problems:
        raise ValueError(f"model {model_spec.name}: " + "; ".join(problems))


def build_model(model_spec: S.ModelSpec):
    """A new ``opensim.Model`` built from ``model_spec`` (not initialised)."""
    check_spec(model_spec)
    model = opensim.Model()
    model.setName(model_spec.name)
    model.set_gravity(_vec3(model_spec.gravity))
    model.set_credits(model_spec.credits)
    model.set_publications(model_spec.publications)
    model.set_length_units(model_spec.length_units)
    model.set_force_units(model_spec.force_units)
    if model_spec.ground_display:
        _mark_set(model.updGround(), "attached_geometry", "WrapObjectSet")

    for b in model_spec.bodies:
        body = _body(b)
        model.addBody(body)
    for j in model_spec.joints:
        model.addJoint(_joint(j))
    for f in model_spec.forces:
        model.addForce(_force(model_spec, f))
    for m in model_spec.markers:
        model.addMarker(_marker(m))
    for c in model_spec.contact_geometry:
        model.addContactGeometry(_contact_geometry(c))
    _mark_set(model, "ControllerSet", "ConstraintSet", "MarkerSet",
              "ContactGeometrySet", "ProbeSet", "ComponentSet")
    # The upgraded original files leave the joint set's (empty) groups unset.
    model.updJointSet().updPropertyByName("groups").setValueIsDefault(True)

    # Leave the model as loading a file does: properties finalised and
    # sockets connected (Model.getMuscles() is only complete after that).
    model.finalizeFromProperties()
    model.finalizeConnections()
    # Connecting rewrote the joint frames' parent paths as absolute paths;
    # restore the relative form the upgraded original files use (OpenSim
    # itself rewrites them the same way, in both models, at initSystem).
    for joint in _items(model.getJointSet()):
        for i in range(joint.getPropertyByName("frames").size()):
            frame = joint.upd_frames(i)
            body = frame.getSocket("parent").getConnecteePath().rsplit("/", 1)[-1]
            frame.updSocket("parent").setConnecteePath(_offset_parent_path(body))
    for comp in _components(model):
        for name in _UNSET_AFTER_BUILD:
            if comp.hasProperty(name):
                comp.updPropertyByName(name).setValueIsDefault(True)
    return model
