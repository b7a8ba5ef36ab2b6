"""Plain-data description of a musculoskeletal model.

The parameter tables (``gait9dof.py``, ``gait14dof.py``, ``arm.py``) are
written with the small immutable records defined here; ``builder.py`` turns a
:class:`ModelSpec` into an ``opensim.Model``.

Conventions
-----------
* Lengths in metres, masses in kg, angles in radians, forces in newtons,
  unless a field says otherwise (``CoordinateLimit`` works in degrees, as
  OpenSim's ``CoordinateLimitForce`` does).
* A ``Vec3`` is a tuple of three floats.
* Numbers are written exactly as the original model files write them: the
  simulation reproduces reference trajectories only if every double is the
  same to the last bit, so nothing here is derived (no ``pi``, no degree
  conversion, no rounding).
* The order of every tuple is significant: OpenSim builds the Simbody system
  (generalized coordinates, forces) in component order.
* Several fields only decide which optional properties the built model sets
  explicitly (and so which ones ``printToXML`` writes). They do not change
  the physics; they keep the written file faithful to the original.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple, Union

Vec3 = Tuple[float, float, float]

ORIGIN: Vec3 = (0, 0, 0)
NO_ROTATION: Vec3 = (0, 0, 0)


# --------------------------------------------------------------------------
# Functions (joint transform axes, moving path points)
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Linear:
    """f(q) = slope * q + intercept."""
    slope: float = 1
    intercept: float = 0


@dataclass(frozen=True)
class Constant:
    """f(q) = value."""
    value: float = 0


@dataclass(frozen=True)
class Spline:
    """Natural cubic spline through the knots (x[i], y[i]) (OpenSim SimmSpline)."""
    x: Tuple[float, ...]
    y: Tuple[float, ...]

    def __post_init__(self):
        if len(self.x) != len(self.y):
            raise ValueError("spline needs as many x as y knots")


Function = Union[Linear, Constant, Spline]


# --------------------------------------------------------------------------
# Bodies, joints, coordinates
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class WrapCylinder:
    name: str
    rotation: Vec3          # xyz body-fixed rotation (rad)
    translation: Vec3
    quadrant: str
    radius: float
    length: float
    active: bool = True


@dataclass(frozen=True)
class WrapEllipsoid:
    name: str
    rotation: Vec3          # xyz body-fixed rotation (rad)
    translation: Vec3
    quadrant: str
    dimensions: Vec3        # semi-axes
    active: bool = True


WrapObject = Union[WrapCylinder, WrapEllipsoid]


@dataclass(frozen=True)
class Body:
    name: str
    mass: float
    mass_center: Vec3
    inertia: Tuple[float, float, float, float, float, float]  # Ixx Iyy Izz Ixy Ixz Iyz about the COM
    wrap_objects: Tuple[WrapObject, ...] = ()
    # False where the original file gives the body neither display geometry
    # nor a wrap-object set (then neither property is set).
    display: bool = True


@dataclass(frozen=True)
class Coordinate:
    name: str
    default_value: float
    range: Tuple[float, float]
    locked: bool = False
    default_speed_value: float = 0
    clamped: bool = False
    # None: the ``prescribed`` flag is left unset (as some original files do).
    prescribed: Optional[bool] = False


@dataclass(frozen=True)
class TransformAxis:
    """One of the six axes of a CustomJoint's SpatialTransform."""
    coordinates: Tuple[str, ...]
    axis: Vec3
    function: Function


@dataclass(frozen=True)
class Joint:
    """A joint between two frames.

    ``kind`` is the OpenSim class (PinJoint, PlanarJoint, WeldJoint,
    CustomJoint). The joint owns two offset frames named ``<parent>_offset``
    and ``<child>_offset``, given as (translation, orientation) in the parent
    and child body. A CustomJoint lists its six transform axes in the order
    rotation1-3, translation1-3.
    """
    name: str
    kind: str
    parent: str
    child: str
    parent_offset: Tuple[Vec3, Vec3] = (ORIGIN, NO_ROTATION)
    child_offset: Tuple[Vec3, Vec3] = (ORIGIN, NO_ROTATION)
    coordinates: Tuple[Coordinate, ...] = ()
    transform: Tuple[TransformAxis, ...] = ()


# --------------------------------------------------------------------------
# Muscle paths
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class PathPoint:
    name: str
    body: str
    location: Vec3


@dataclass(frozen=True)
class ConditionalPathPoint:
    """A path point that is part of the path only while ``coordinate`` is
    within ``range`` (rad)."""
    name: str
    body: str
    location: Vec3
    coordinate: str
    range: Tuple[float, float]


@dataclass(frozen=True)
class MovingPathPoint:
    """A path point whose location in ``body`` is a function of one
    coordinate (one spline per axis)."""
    name: str
    body: str
    coordinate: str
    x: Spline
    y: Spline
    z: Spline


AnyPathPoint = Union[PathPoint, ConditionalPathPoint, MovingPathPoint]


@dataclass(frozen=True)
class PathWrap:
    name: str
    wrap_object: str
    method: str = "hybrid"
    range: Tuple[int, int] = (-1, -1)


@dataclass(frozen=True)
class Muscle:
    """A Thelen2003Muscle.

    ``properties`` holds the muscle's other explicitly set properties
    (OpenSim property name -> value), e.g. ``FmaxTendonStrain``; it is
    merged over the table's common muscle properties.
    """
    name: str
    max_isometric_force: float
    optimal_fiber_length: float
    tendon_slack_length: float
    pennation_angle_at_optimal: float
    path: Tuple[AnyPathPoint, ...]
    properties: Tuple[Tuple[str, float], ...] = ()
    wraps: Tuple[PathWrap, ...] = ()


# --------------------------------------------------------------------------
# Other forces
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class HuntCrossley:
    """Hunt-Crossley contact between the listed contact geometries."""
    name: str
    geometry: Tuple[str, ...]
    stiffness: float
    dissipation: float
    static_friction: float
    dynamic_friction: float
    viscous_friction: float
    transition_velocity: float


@dataclass(frozen=True)
class CoordinateLimit:
    """A CoordinateLimitForce (ligament-like joint limit). Limits and
    transition in degrees, stiffnesses in N*m/deg, damping in N*m*s/deg."""
    name: str
    coordinate: str
    upper_stiffness: float
    upper_limit: float
    lower_stiffness: float
    lower_limit: float
    damping: float
    transition: float


@dataclass(frozen=True)
class CoordinateSpring:
    """A SpringGeneralizedForce: -stiffness*(q - rest_length) - viscosity*qdot."""
    name: str
    coordinate: str
    stiffness: float
    rest_length: float
    viscosity: float


Force = Union[Muscle, HuntCrossley, CoordinateLimit, CoordinateSpring]


# --------------------------------------------------------------------------
# Contact geometry, markers
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class ContactHalfSpace:
    """The half space x > 0 of ``frame`` rotated by ``orientation`` (body-fixed
    X-Y-Z angles, rad)."""
    name: str
    frame: str
    location: Vec3
    orientation: Vec3


@dataclass(frozen=True)
class ContactSphere:
    name: str
    frame: str
    location: Vec3
    radius: float
    orientation: Vec3 = NO_ROTATION


ContactGeometry = Union[ContactHalfSpace, ContactSphere]


@dataclass(frozen=True)
class Marker:
    name: str
    frame: str
    location: Vec3
    fixed: bool = False


# --------------------------------------------------------------------------
# The model
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class ModelSpec:
    name: str
    credits: str
    publications: str
    gravity: Vec3
    bodies: Tuple[Body, ...]
    joints: Tuple[Joint, ...]
    forces: Tuple[Force, ...]
    contact_geometry: Tuple[ContactGeometry, ...] = ()
    markers: Tuple[Marker, ...] = ()
    # Properties set on every muscle (name -> value), before the muscle's own.
    muscle_properties: Tuple[Tuple[str, float], ...] = ()
    # Forces whose ``appliesForce`` flag is left unset (all others set it).
    forces_without_applies_flag: Tuple[str, ...] = ()
    # Whether the ground frame has (empty) display and wrap-object sets.
    ground_display: bool = True
    length_units: str = "meters"
    force_units: str = "N"

    @property
    def muscles(self) -> Tuple[Muscle, ...]:
        return tuple(f for f in self.forces if isinstance(f, Muscle))

    @property
    def coordinates(self) -> Tuple[Coordinate, ...]:
        return tuple(c for j in self.joints for c in j.coordinates)

    def joint_of(self, coordinate: str) -> Joint:
        for j in self.joints:
            if any(c.name == coordinate for c in j.coordinates):
                return j
        raise KeyError(coordinate)
