"""MuJoCo twins of the challenge models: MJCF generated from the same parameter tables as the ``.osim`` files.

:func:`build_mjcf` turns a :class:`~osim.models.spec.ModelSpec` (the models of
:data:`MJCF_MODELS`) into an MJCF document and a
:class:`MjcfModel` that records how every OpenSim part maps onto a MuJoCo
part. Nothing is hand-edited: change a table and both engines change.

Frames. The bodies are built in OpenSim's frames (ground: X forward, Y up,
Z right) inside one ``<frame>`` that turns OpenSim's ground into MuJoCo's
Z-up world (x_mj = x, y_mj = -z, z_mj = y: a +90 deg rotation about X).
:data:`R_MJ_FROM_OS` is that rotation; the MuJoCo engine converts every read
back into OpenSim's ground frame.

What maps how (docs/mujoco.md has the measured errors):

* bodies: mass, mass centre and inertia as in the tables (``fullinertia``);
  a massless weld (the 14-dof head) stays a massless body;
* joints: every free coordinate is a MuJoCo ``hinge``/``slide`` joint named
  like the coordinate, with the table's axis, in the table's order
  (translations first, then body-fixed rotations, as OpenSim's
  SpatialTransform). Locked coordinates at 0 are left out; a locked Pin
  joint at another value is baked into the child body's orientation
  (lumbar extension). Welds are plain child bodies.
* the knee's coupled translations (splines of the knee angle): two slide
  joints ``<knee>_tx``/``<knee>_ty`` held to quartic polynomials of the knee
  angle by MuJoCo joint equality constraints (least-squares fits of the
  splines over the coordinate's range; fit error in :attr:`MjcfModel.fits`);
* muscles: one spatial tendon through the same path points (sites) and one
  MuJoCo muscle actuator on it. A ConditionalPathPoint is kept when it is
  active at the coordinate's default value and dropped otherwise (MuJoCo
  has no conditional sites). A MovingPathPoint (the quadriceps insertions)
  sits on a light "mover" body on the tibia whose two slide joints follow
  the point's x/y splines through equality constraints (z is constant in
  the tables).
* muscle parameters: by default (:func:`fit_muscle`) L0, the rigid tendon
  length, the peak force and lmin/lmax/fpmax are fitted by least squares to
  the static force of OpenSim's compliant-tendon Thelen muscle
  (:func:`thelen_static_force`) over the musculotendon lengths the joints
  reach; the starting point and ``fit_muscles=False`` mapping
  (:func:`muscle_params`): rigid tendon of the table's tendon slack length; MuJoCo's optimal length L0 = lopt cos(pennation),
  peak force Fmax cos(pennation) (the force along the tendon at optimal
  length); MuJoCo's lmin/lmax/fpmax fitted to Thelen's active
  force-length Gaussian and exponential passive curve (per muscle:
  KshapePassive, FmaxMuscleStrain), vmax = max contraction velocity
  (lopt/s) in L0/s, fvmax = Thelen's Flen; activation dynamics with the
  table's time constants (MuJoCo's muscle activation has Thelen's
  activation-dependent time constants) and activations limited to
  [0.01, 1] (Thelen's minimum activation).
* ligaments (CoordinateLimitForce): not in the MJCF: the engine applies
  OpenSim's curve (:func:`ligament_torque`: smooth-step transition, damping
  beyond the limits) as a joint torque before every MuJoCo step.
* contact: each ContactSphere is a sphere geom on its body, colliding only
  with the ground plane (OpenSim's half space y < 0); friction as the
  table's static friction; softness :data:`CONTACT_SOLREF` /
  :data:`CONTACT_SOLIMP` (fitted to the Hunt-Crossley contact by the
  standing height, docs/mujoco.md).

* the prosthesis's SpringGeneralizedForce: MuJoCo's joint stiffness,
  springref and damping (the same linear law);
* wrap objects: a WrapCylinder is a MuJoCo wrapping cylinder, a
  WrapEllipsoid a wrapping sphere of its best-fitting semi-axis
  (:func:`_fit_wrap_radii`), in the path segment the wrap acts on; quadrants
  are not modelled (:func:`_wrap_geoms`);
* markers: sites ``marker-<name>`` on their bodies;
* scenario edits: :func:`with_obstacles` (RunEnv) and :func:`with_target`
  (Arm2DEnv) add their geoms/bodies to a twin's MJCF.

Not supported yet: child offset frames, other joint kinds (raise
:class:`NotImplementedError`).
"""
from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Sequence

import numpy as np

from . import spec as S

__all__ = ["with_target", "with_obstacles", "fit_muscle", "thelen_static_force", "MJCF_MODELS", "LigamentMap", "MjcfModel", "MuscleMap", "ligament_torque", "R_MJ_FROM_OS", "build_mjcf", "mjcf", "muscle_params",
           "thelen_active_fl", "thelen_passive_fl", "mujoco_fl", "mujoco_fp"]

#: the built models that have a MuJoCo twin
MJCF_MODELS = ("gait14dof22musc", "gait14dof22musc_planar", "gait9dof18musc", "gait14dof22musc_pros",
               "gait14dof22musc_planar_pros", "arm2dof6musc")

#: MuJoCo world coordinates of a vector given in OpenSim's ground frame: v_mj = R @ v_os
R_MJ_FROM_OS = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
_FRAME_QUAT = (math.cos(math.pi / 4), math.sin(math.pi / 4), 0.0, 0.0)

#: MuJoCo simulation step (s); the env step (10 ms) is 10 of them
TIMESTEP = 0.001
#: contact softness: solref (time constant s, damping ratio) and solimp, chosen by a grid search that
#: best matches the pelvis height of OpenSim's Hunt-Crossley feet in the first 0.5 s from the standing
#: pose (excitations 0.05; summed RMS of gait14dof22musc and gait9dof18musc; docs/mujoco.md), with the
#: tables' friction 0.8
CONTACT_SOLREF = (0.06, 2.0)
CONTACT_SOLIMP = (0.9, 0.95, 0.03, 0.5, 2.0)
#: mass (kg) and inertia (kg m^2) of a mover body (a moving path point)
MOVER_MASS = 1e-2
MOVER_INERTIA = 1e-6
#: armature (kg) of the constrained slide joints (knee translations, movers): conditions the constraints
SLIDE_ARMATURE = 0.05
#: the coupling constraints are as hard as MuJoCo allows: the smallest safe time constant (2 steps) and
#: impedance 0.9999, so that a muscle pulling on a light mover cannot drag it off its spline (with
#: MuJoCo's default softness a 2 kN quadriceps force moved it by centimetres)
COUPLING_SOLREF = (2 * TIMESTEP, 1.0)
COUPLING_SOLIMP = (0.9999, 0.9999, 0.001, 0.5, 2.0)
#: polynomial degree of the coupled-coordinate fits (MuJoCo's joint equality is a quartic)
POLY_DEGREE = 4


@dataclass(frozen=True)
class MuscleMap:
    """One OpenSim muscle and its MuJoCo actuator's parameters."""

    name: str
    max_isometric_force: float
    optimal_fiber_length: float
    tendon_slack_length: float
    pennation: float
    #: MuJoCo optimal length (along the tendon), rigid tendon length and peak force
    L0: float
    LT: float
    force: float
    lmin: float
    lmax: float
    fpmax: float
    vmax: float
    fvmax: float
    tau_act: float
    tau_deact: float
    #: path points kept / dropped (conditional points inactive at the default pose)
    sites: tuple[str, ...]
    dropped: tuple[str, ...]
    #: RMS and max error of the static-force fit (fraction of Fmax; NaN: not fitted)
    fit_rms: float = float("nan")
    fit_max: float = float("nan")


@dataclass(frozen=True)
class LigamentMap:
    """A CoordinateLimitForce in SI units (N m/rad, rad, N m s/rad): the engine applies it as a joint torque."""

    name: str
    coordinate: str
    upper_stiffness: float
    upper_limit: float
    lower_stiffness: float
    lower_limit: float
    damping: float
    transition: float


def _step_up(x):
    """SimTK's smooth step from 0 to 1 over [0, 1] (quintic, as Function::Step)."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * x * (10 + x * (6 * x - 15))


def ligament_torque(lig: "LigamentMap | Sequence[LigamentMap]", q, qdot):
    """OpenSim's CoordinateLimitForce torque (N m) at q (rad), qdot (rad/s); arrays for a list of ligaments."""
    ligs = [lig] if isinstance(lig, LigamentMap) else list(lig)
    up = np.array([g.upper_limit for g in ligs])
    lo = np.array([g.lower_limit for g in ligs])
    tr = np.array([g.transition for g in ligs])
    k_up = np.array([g.upper_stiffness for g in ligs]) * _step_up((np.asarray(q) - up) / tr)
    k_lo = np.array([g.lower_stiffness for g in ligs]) * _step_up((lo - np.asarray(q)) / tr)
    damp = np.array([g.damping for g in ligs])
    s_up = k_up / np.array([g.upper_stiffness for g in ligs])
    s_lo = k_lo / np.array([g.lower_stiffness for g in ligs])
    out = -k_up * (q - up) + k_lo * (lo - q) - damp * (s_up + s_lo) * qdot
    return out[0] if isinstance(lig, LigamentMap) else out


@dataclass(frozen=True)
class Coupling:
    """A slide joint held to ``poly(driver) - offset`` by an equality constraint."""

    joint: str
    driver: str
    coefficients: tuple[float, ...]  # a0..a4 of the table's function
    offset: float  # the function at 0 (the body sits there when every joint is 0)
    rms_error: float
    max_error: float

    def value(self, q: float) -> float:
        return float(np.polyval(self.coefficients[::-1], q)) - self.offset

    def slope(self, q: float) -> float:
        c = np.array(self.coefficients)
        return float(sum(k * c[k] * q ** (k - 1) for k in range(1, len(c))))


@dataclass
class MjcfModel:
    """The MJCF document of a model and how each OpenSim part maps onto it."""

    name: str
    xml: str
    #: coordinates in CoordinateSet order: name -> MuJoCo joint name (None: locked, not a joint)
    coordinate_joint: dict[str, str | None]
    coordinate_default: dict[str, float]
    coordinate_range: dict[str, tuple[float, float]]
    #: OpenSim joint -> its coordinates
    joint_coordinates: dict[str, tuple[str, ...]]
    joint_bodies: dict[str, tuple[str, str]]
    body_names: tuple[str, ...]
    muscles: tuple[MuscleMap, ...]
    couplings: tuple[Coupling, ...]
    #: HuntCrossley force -> its spheres as (geom name, body name)
    contacts: dict[str, tuple[tuple[str, str], ...]]
    ligaments: tuple[LigamentMap, ...]
    force_names: tuple[str, ...]
    #: SpringGeneralizedForce -> (coordinate, stiffness N m/rad, rest angle rad, viscosity N m s/rad): MuJoCo's
    #: joint stiffness/springref/damping, the same law
    springs: dict[str, tuple[str, float, float, float]] = field(default_factory=dict)
    #: CoordinateLimitForces of locked coordinates (no joint in the twin; the engine reports their constant force)
    locked_ligaments: tuple[LigamentMap, ...] = ()
    #: what is approximated, one line each (docs, info)
    notes: list[str] = field(default_factory=list)

    @property
    def fits(self) -> dict[str, tuple[float, float]]:
        """Per coupled joint: RMS and max error (m) of its polynomial against the table's spline."""
        return {c.joint: (c.rms_error, c.max_error) for c in self.couplings}


# --------------------------------------------------------------------------
# curves
# --------------------------------------------------------------------------
def thelen_active_fl(lm, kshape_active: float = 0.45):
    """Thelen 2003 active force-length (normalised fibre length)."""
    lm = np.asarray(lm, dtype=float)
    return np.exp(-((lm - 1.0) ** 2) / kshape_active)


def thelen_passive_fl(lm, kshape_passive: float = 5.0, strain: float = 0.6):
    """Thelen 2003 passive force-length (0 below optimal length)."""
    lm = np.asarray(lm, dtype=float)
    out = (np.exp(kshape_passive * (lm - 1.0) / strain) - 1.0) / (math.exp(kshape_passive) - 1.0)
    return np.where(lm > 1.0, out, 0.0)


def mujoco_fl(L, lmin: float, lmax: float):
    """MuJoCo's muscle active force-length curve (normalised length L)."""
    L = np.asarray(L, dtype=float)
    a, b = 0.5 * (lmin + 1), 0.5 * (1 + lmax)
    out = np.zeros_like(L)
    m = (L >= lmin) & (L <= a)
    out[m] = 0.5 * ((L[m] - lmin) / max(a - lmin, 1e-15)) ** 2
    m = (L > a) & (L <= 1)
    out[m] = 1 - 0.5 * ((1 - L[m]) / max(1 - a, 1e-15)) ** 2
    m = (L > 1) & (L <= b)
    out[m] = 1 - 0.5 * ((L[m] - 1) / max(b - 1, 1e-15)) ** 2
    m = (L > b) & (L <= lmax)
    out[m] = 0.5 * ((lmax - L[m]) / max(lmax - b, 1e-15)) ** 2
    return out


def mujoco_fp(L, lmax: float, fpmax: float):
    """MuJoCo's muscle passive force-length curve (normalised length L)."""
    L = np.asarray(L, dtype=float)
    b = 0.5 * (1 + lmax)
    x = (L - 1) / max(b - 1, 1e-15)
    return np.where(L <= 1, 0.0, np.where(L <= b, fpmax * 0.5 * x * x, fpmax * (0.5 + (L - b) / max(b - 1, 1e-15))))


def _along_tendon(L, pennation: float):
    """Normalised fibre length lm/lopt and cos(pennation)/cos(pennation0) at MuJoCo length L (rigid tendon)."""
    c0, s0 = math.cos(pennation), math.sin(pennation)
    lm = np.sqrt((L * c0) ** 2 + s0 ** 2)
    return lm, (L * c0 / lm) / c0


#: normalised lengths the curve fits weigh (MuJoCo's L)
FIT_ACTIVE = np.linspace(0.5, 1.5, 101)
FIT_PASSIVE = np.linspace(1.0, 1.5, 51)


@lru_cache(maxsize=None)
def _fit_curves(pennation: float, kshape_active: float, kshape_passive: float, strain: float):
    """(lmin, lmax, fpmax) of MuJoCo's curves closest (least squares) to Thelen's, along the tendon."""
    lm_a, cos_a = _along_tendon(FIT_ACTIVE, pennation)
    target_a = thelen_active_fl(lm_a, kshape_active) * cos_a
    lm_p, cos_p = _along_tendon(FIT_PASSIVE, pennation)
    target_p = thelen_passive_fl(lm_p, kshape_passive, strain) * cos_p
    lmins = np.linspace(-0.5, 0.9, 141)[:, None, None]
    lmaxs = np.linspace(1.1, 2.5, 141)[None, :, None]
    L = FIT_ACTIVE[None, None, :]
    a, b = 0.5 * (lmins + 1), 0.5 * (1 + lmaxs)
    fl = np.where(L < lmins, 0.0,
         np.where(L <= a, 0.5 * ((L - lmins) / (a - lmins)) ** 2,
         np.where(L <= 1, 1 - 0.5 * ((1 - L) / (1 - a)) ** 2,
         np.where(L <= b, 1 - 0.5 * ((L - 1) / (b - 1)) ** 2,
         np.where(L <= lmaxs, 0.5 * ((lmaxs - L) / (lmaxs - b)) ** 2, 0.0)))))
    err_a = np.mean((fl - target_a) ** 2, axis=2)
    shape = np.stack([mujoco_fp(FIT_PASSIVE, float(lmax), 1.0) for lmax in lmaxs.ravel()])
    fpmax = np.maximum((shape @ target_p) / np.maximum(np.sum(shape * shape, axis=1), 1e-12), 0.0)
    err_p = np.mean((fpmax[:, None] * shape - target_p) ** 2, axis=1)
    i, k = np.unravel_index(np.argmin(err_a + err_p[None, :]), err_a.shape)
    best = (None, float(lmins.ravel()[i]), float(lmaxs.ravel()[k]), float(fpmax[k]))
    return best[1:]


def muscle_params(model_spec: S.ModelSpec, m: S.Muscle) -> dict:
    """MuJoCo muscle parameters of an OpenSim Thelen2003Muscle (the mapping of the module docstring)."""
    props = dict(model_spec.muscle_properties + m.properties)
    alpha = float(m.pennation_angle_at_optimal)
    kshape_active = float(props.get("KshapeActive", 0.45))
    kshape_passive = float(props.get("KshapePassive", 5.0))
    strain = float(props.get("FmaxMuscleStrain", 0.6))
    lmin, lmax, fpmax = _fit_curves(round(alpha, 12), kshape_active, kshape_passive, strain)
    c0 = math.cos(alpha)
    return {
        "L0": float(m.optimal_fiber_length) * c0,
        "LT": float(m.tendon_slack_length),
        "force": float(m.max_isometric_force) * c0,
        "lmin": lmin, "lmax": lmax, "fpmax": fpmax,
        "vmax": float(props.get("max_contraction_velocity", 10.0)) / c0,
        "fvmax": float(props.get("Flen", 1.4)),
        "tau_act": float(props.get("activation_time_constant", 0.01)),
        "tau_deact": float(props.get("deactivation_time_constant", 0.04)),
    }


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def _f(x: float) -> str:
    return repr(float(x))


def _v(v: Sequence[float]) -> str:
    return " ".join(_f(x) for x in v)


def _quat_xyz(angles: Sequence[float]) -> tuple[float, float, float, float]:
    """Quaternion (w, x, y, z) of body-fixed X-Y-Z rotations (OpenSim's orientation convention)."""
    def q_axis(axis, a):
        s = math.sin(a / 2)
        return np.array([math.cos(a / 2)] + [s * c for c in axis])

    def mul(p, q):
        w1, x1, y1, z1 = p
        w2, x2, y2, z2 = q
        return np.array([w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2, w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
                         w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2, w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2])

    q = q_axis((1, 0, 0), angles[0])
    q = mul(q, q_axis((0, 1, 0), angles[1]))
    q = mul(q, q_axis((0, 0, 1), angles[2]))
    return tuple(float(x) for x in q)


def _quat_axis_angle(axis: Sequence[float], angle: float) -> tuple[float, float, float, float]:
    a = np.asarray(axis, dtype=float)
    a = a / np.linalg.norm(a)
    s = math.sin(angle / 2)
    return (math.cos(angle / 2), s * a[0], s * a[1], s * a[2])


def _spline_values(f: S.Function, x: np.ndarray) -> np.ndarray:
    """The table's function at x, evaluated by OpenSim itself (SimmSpline, Linear, Constant)."""
    if isinstance(f, S.Constant):
        return np.full_like(x, float(f.value), dtype=float)
    if isinstance(f, S.Linear):
        return float(f.slope) * x + float(f.intercept)
    from .builder import _function
    from osim.sim._opensim import opensim

    fn = _function(f)
    out = np.empty(len(x))
    for i, xi in enumerate(x):
        vec = opensim.Vector(1, float(xi))
        out[i] = fn.calcValue(vec)
    return out


def _fit_coupling(joint: str, driver: str, f: S.Function, lo: float, hi: float) -> Coupling:
    x = np.linspace(lo, hi, 401)
    y = _spline_values(f, x)
    coefficients = np.polynomial.polynomial.polyfit(x, y, POLY_DEGREE)
    fit = np.polynomial.polynomial.polyval(x, coefficients)
    err = fit - y
    offset = float(np.polynomial.polynomial.polyval(0.0, coefficients))
    return Coupling(joint, driver, tuple(float(c) for c in coefficients), offset,
                    float(np.sqrt(np.mean(err ** 2))), float(np.max(np.abs(err))))


# --------------------------------------------------------------------------
# the builder
# --------------------------------------------------------------------------
def build_mjcf(model_spec: S.ModelSpec, fit_muscles: bool = True) -> MjcfModel:
    """The MuJoCo twin of ``model_spec``: the MJCF text and the map of its parts.

    ``fit_muscles``: fit each muscle's MuJoCo parameters to the static
    (equilibrium) force of OpenSim's compliant-tendon Thelen muscle over the
    musculotendon lengths the joints reach (:func:`fit_muscle`; needs the
    ``mujoco`` package, which measures those lengths on a first, rigid-tendon
    twin). False: the rigid-tendon mapping of :func:`muscle_params`.
    """
    radii = _fit_wrap_radii(model_spec) if any(isinstance(w, S.WrapEllipsoid) for b in model_spec.bodies
                                                for w in b.wrap_objects) else {}
    twin = _build(model_spec, None, radii)
    if not fit_muscles:
        return twin
    ranges = _length_ranges(twin)
    fitted = {m.name: fit_muscle(model_spec, m, *ranges[m.name]) for m in model_spec.muscles}
    return _build(model_spec, fitted, radii)


def _fit_wrap_radii(model_spec: S.ModelSpec) -> dict[str, float]:
    """Per WrapEllipsoid, the radius of its MuJoCo sphere: the semi-axis whose sphere gives the smallest
    musculotendon-length error (RMS) against OpenSim for the muscles that wrap on it, over 41 values of
    each free coordinate's range (the others at 0), measured on the ``.osim`` file built from the same
    tables."""
    import mujoco

    from . import model_path
    from osim.sim._opensim import opensim

    model = opensim.Model(str(model_path(model_spec.name)))
    state = model.initSystem()
    coords = model.getCoordinateSet()
    free = [c.name for c in model_spec.coordinates if not c.locked]
    users: dict[str, list[str]] = {}
    for m in model_spec.muscles:
        for pw in m.wraps:
            users.setdefault(pw.wrap_object, []).append(m.name)
    sweeps = {c: np.linspace(*{k.name: k.range for k in model_spec.coordinates}[c], 41) for c in free}
    ref = {}
    for c, xs in sweeps.items():
        rows = []
        for x in xs:
            for k in range(coords.getSize()):
                coords.get(k).setValue(state, 0.0, False)
            coords.get(c).setValue(state, float(x), False)
            model.realizePosition(state)
            rows.append([model.getMuscles().get(n).getLength(state) for n in (m.name for m in model_spec.muscles)])
        ref[c] = np.array(rows)
    names = [m.name for m in model_spec.muscles]
    radii: dict[str, float] = {}
    for b in model_spec.bodies:
        for w in b.wrap_objects:
            if not isinstance(w, S.WrapEllipsoid) or w.name not in users:
                continue
            best = None
            for r in sorted(set(float(x) for x in w.dimensions)):
                trial = _build(model_spec, None, {**radii, w.name: r})
                mm = mujoco.MjModel.from_xml_string(trial.xml)
                dd = mujoco.MjData(mm)
                cols = [names.index(n) for n in users[w.name]]
                tids = [mujoco.mj_name2id(mm, mujoco.mjtObj.mjOBJ_TENDON, n) for n in users[w.name]]
                err = []
                for c, xs in sweeps.items():
                    adr = mm.jnt_qposadr[mujoco.mj_name2id(mm, mujoco.mjtObj.mjOBJ_JOINT, c)]
                    for i, x in enumerate(xs):
                        dd.qpos[:] = 0.0
                        dd.qpos[adr] = x
                        mujoco.mj_fwdPosition(mm, dd)
                        err.append(dd.ten_length[tids] - ref[c][i, cols])
                rms = float(np.sqrt(np.mean(np.square(err))))
                if best is None or rms < best[0]:
                    best = (rms, r)
            radii[w.name] = best[1]
    return radii


def _build(model_spec: S.ModelSpec, fitted: dict | None, radii: dict[str, float] | None = None) -> MjcfModel:
    from .builder import check_spec

    check_spec(model_spec)
    notes: list[str] = []
    coords = {c.name: c for c in model_spec.coordinates}
    root = ET.Element("mujoco", model=f"{model_spec.name}_mujoco")
    ET.SubElement(root, "compiler", angle="radian", inertiafromgeom="false", autolimits="true")
    ET.SubElement(root, "option", timestep=_f(TIMESTEP), integrator="implicitfast",
                  gravity=_v(R_MJ_FROM_OS @ np.asarray(model_spec.gravity, dtype=float)))
    size = ET.SubElement(root, "size")
    size.set("memory", "4M")
    default = ET.SubElement(root, "default")
    ET.SubElement(default, "geom", contype="0", conaffinity="0", group="1", rgba="0.8 0.75 0.6 1")
    ET.SubElement(default, "site", size="0.004", group="3", rgba="0.8 0.2 0.2 1")
    ET.SubElement(default, "tendon", width="0.004", rgba="0.7 0.1 0.1 1")
    asset = ET.SubElement(root, "asset")
    ET.SubElement(asset, "texture", name="grid", type="2d", builtin="checker", rgb1="0.3 0.35 0.4",
                  rgb2="0.2 0.25 0.3", width="256", height="256")
    ET.SubElement(asset, "material", name="grid", texture="grid", texrepeat="8 8")
    world = ET.SubElement(root, "worldbody")
    ET.SubElement(world, "light", pos="0 -2 4", dir="0 0.4 -1", directional="true")
    solref, solimp = _v(CONTACT_SOLREF), _v(CONTACT_SOLIMP)
    # the ground half space (OpenSim: y < 0 of ground) is MuJoCo's plane z = 0
    # friction 0: MuJoCo takes the larger of the two geoms' coefficients, so each foot contact has its own
    # Hunt-Crossley force's static friction (the spheres carry it)
    ET.SubElement(world, "geom", name="platform", type="plane", size="0 0 1", material="grid",
                  contype="0", conaffinity="1", group="0", solref=solref, solimp=solimp, friction="0 0 0")
    frame = ET.SubElement(world, "frame", name="opensim_ground", quat=_v(_FRAME_QUAT))

    elements: dict[str, ET.Element] = {"ground": frame}
    bodies = {b.name: b for b in model_spec.bodies}
    joint_of_child = {j.child: j for j in model_spec.joints}
    coordinate_joint: dict[str, str | None] = {}
    couplings: list[Coupling] = []
    joint_coordinates = {j.name: tuple(c.name for c in j.coordinates) for j in model_spec.joints}
    joint_bodies = {j.name: (j.parent, j.child) for j in model_spec.joints}

    def add_joint(body_el, name, kind, axis, c: S.Coordinate | None = None, **extra):
        attrs = {"name": name, "type": kind, "axis": _v(axis), "pos": "0 0 0"}
        if c is not None:
            lo, hi = c.range
            # OpenSim does not enforce coordinate ranges unless clamped (the ligaments do)
            if c.clamped:
                attrs["range"] = f"{_f(lo)} {_f(hi)}"
        attrs.update(extra)
        ET.SubElement(body_el, "joint", attrs)

    for b in model_spec.bodies:
        j = joint_of_child[b.name]
        if j.child_offset != (S.ORIGIN, S.NO_ROTATION):
            raise NotImplementedError(f"{j.name}: child offset frames are not supported by the MJCF builder")
        parent_el = elements[j.parent]
        translation, orientation = j.parent_offset
        pos = np.asarray(translation, dtype=float)
        quat = _quat_xyz(orientation)
        transforms: list[tuple[str, tuple, S.Coordinate | None, S.Function | None]] = []
        if j.kind == "WeldJoint":
            pass
        elif j.kind == "PinJoint":
            (c,) = j.coordinates
            transforms.append(("hinge", (0, 0, 1), c, None))
        elif j.kind == "PlanarJoint":
            rz, tx, ty = j.coordinates
            transforms += [("slide", (1, 0, 0), tx, None), ("slide", (0, 1, 0), ty, None),
                           ("hinge", (0, 0, 1), rz, None)]
        elif j.kind == "CustomJoint":
            rotations, translations = j.transform[:3], j.transform[3:]
            for kind, axes in (("slide", translations), ("hinge", rotations)):
                for a in axes:
                    if not a.coordinates:
                        if not (isinstance(a.function, S.Constant) and a.function.value == 0):
                            raise NotImplementedError(f"{j.name}: a constant non-zero transform axis")
                        continue
                    (cname,) = a.coordinates
                    c = coords[cname]
                    if isinstance(a.function, S.Linear) and a.function.slope == 1 and a.function.intercept == 0:
                        transforms.append((kind, a.axis, c, None))
                    else:
                        transforms.append((kind, a.axis, c, a.function))
        else:
            raise NotImplementedError(f"{j.name}: joint kind {j.kind}")
        # Locked coordinates: left out (at 0) or baked into the body frame (a lone hinge)
        joints_xml = []
        for kind, axis, c, fn in transforms:
            if fn is not None:
                joints_xml.append((kind, axis, c, fn))
                continue
            if c.locked:
                coordinate_joint[c.name] = None
                if c.default_value != 0:
                    if kind == "hinge" and len(transforms) == 1:
                        q = _quat_axis_angle(axis, c.default_value)
                        quat = _quat_mul(quat, q)
                        notes.append(f"{c.name}: locked at {c.default_value} rad, baked into {b.name}'s frame")
                    else:
                        raise NotImplementedError(f"{c.name}: locked at a non-zero value inside a multi-axis joint")
                continue
            joints_xml.append((kind, axis, c, None))
        # a coupled translation moves the body: its rest position is the function at 0
        for kind, axis, c, fn in joints_xml:
            if fn is not None:
                if kind != "slide":
                    raise NotImplementedError(f"{j.name}: a rotation that is a function of {c.name}")
                off = float(_spline_values(fn, np.array([0.0]))[0])
                pos = pos + off * np.asarray(axis, dtype=float)
        body_el = ET.SubElement(parent_el, "body", name=b.name, pos=_v(pos), quat=_v(quat))
        inertia = b.inertia
        if b.mass > 0:
            ET.SubElement(body_el, "inertial", pos=_v(b.mass_center), mass=_f(b.mass),
                          fullinertia=_v(tuple(max(x, 1e-8) if k < 3 else x for k, x in enumerate(inertia))))
        for kind, axis, c, fn in joints_xml:
            if fn is None:
                add_joint(body_el, c.name, kind, axis, c)
                coordinate_joint[c.name] = c.name
            else:
                unit = [tuple(r) for r in np.eye(3).tolist()]
                if tuple(float(x) for x in axis) not in unit:
                    raise NotImplementedError(f"{j.name}: a coupled translation along {axis}")
                name = f"{j.name}_t{'xyz'[unit.index(tuple(float(x) for x in axis))]}"
                cp = _fit_coupling(name, c.name, fn, *c.range)
                couplings.append(cp)
                add_joint(body_el, name, "slide", axis, None, armature=_f(SLIDE_ARMATURE))
        elements[b.name] = body_el
    if any(j.transform and any(a.function is not None and not isinstance(a.function, (S.Linear, S.Constant))
                               for a in j.transform) for j in model_spec.joints):
            notes.append("knee translations: slide joints held to quartic fits of the splines by equality constraints")

    # ---------------------------------------------------- wrapping surfaces
    wraps = _wrap_geoms(model_spec, elements, radii or {})
    if wraps:
        notes.append("wrap objects: cylinders as MuJoCo wrapping cylinders (infinite length), ellipsoids as "
                     "wrapping spheres (radius: the semi-axis with the smallest path error against OpenSim); "
                     "quadrants not modelled")

    # -------------------------------------------------------------- markers
    for mk in model_spec.markers:
        ET.SubElement(elements[mk.frame], "site", name=f"marker-{mk.name}", pos=_v(mk.location), group="4")

    # -------------------------------------------------------------- contact
    contacts: dict[str, tuple[tuple[str, str], ...]] = {}
    spheres = {g.name: g for g in model_spec.contact_geometry if isinstance(g, S.ContactSphere)}
    for f in model_spec.forces:
        if not isinstance(f, S.HuntCrossley):
            continue
        members = []
        for gname in f.geometry:
            if gname not in spheres:
                continue  # the half space: the plane
            g = spheres[gname]
            ET.SubElement(elements[g.frame], "geom", name=gname, type="sphere", size=_f(g.radius),
                          pos=_v(g.location), contype="1", conaffinity="0", group="2", condim="3",
                          friction=f"{_f(f.static_friction)} 0.005 0.0001", solref=solref, solimp=solimp,
                          rgba="0.3 0.6 0.9 0.6")
            members.append((gname, g.frame))
        contacts[f.name] = tuple(members)
    if contacts:
        notes.append("contact: MuJoCo soft contact (solref/solimp fitted by the standing height), not Hunt-Crossley")

    # ---------------------------------------------------------- bone geoms
    for j in model_spec.joints:
        if j.parent in bodies and j.parent in elements:
            p = np.asarray(j.parent_offset[0], dtype=float)
            if np.linalg.norm(p) > 1e-3:
                ET.SubElement(elements[j.parent], "geom", type="capsule", size="0.015",
                              fromto=f"0 0 0 {_v(p)}", mass="0")

    # -------------------------------------------------------------- muscles
    tendon_el = ET.SubElement(root, "tendon")
    equality_el = ET.SubElement(root, "equality")
    actuator_el = ET.SubElement(root, "actuator")
    muscles: list[MuscleMap] = []
    rest_frames = _rest_frames(model_spec)
    for m in model_spec.muscles:
        sites, dropped = [], []
        for p in m.path:
            site = f"{m.name}-{p.name}"
            if isinstance(p, S.PathPoint):
                ET.SubElement(elements[p.body], "site", name=site, pos=_v(p.location))
            elif isinstance(p, S.ConditionalPathPoint):
                lo, hi = p.range
                if not lo <= coords[p.coordinate].default_value <= hi:
                    dropped.append(p.name)
                    continue
                ET.SubElement(elements[p.body], "site", name=site, pos=_v(p.location))
            elif isinstance(p, S.MovingPathPoint):
                c = coords[p.coordinate]
                rest = [float(_spline_values(fn, np.array([0.0]))[0]) for fn in (p.x, p.y, p.z)]
                mover = ET.SubElement(elements[p.body], "body", name=f"{site}-mover", pos=_v(rest))
                ET.SubElement(mover, "inertial", pos="0 0 0", mass=_f(MOVER_MASS),
                              diaginertia=_v([MOVER_INERTIA] * 3))
                for k, (axis, fn) in enumerate(zip("xyz", (p.x, p.y, p.z))):
                    values = _spline_values(fn, np.linspace(*c.range, 11))
                    if np.ptp(values) < 1e-12:
                        continue  # constant along this axis
                    jname = f"{site}-{axis}"
                    add_joint(mover, jname, "slide", np.eye(3)[k], None, armature=_f(SLIDE_ARMATURE))
                    couplings.append(_fit_coupling(jname, p.coordinate, fn, *c.range))
                ET.SubElement(mover, "site", name=site, pos="0 0 0")
            sites.append(site)
        spatial = ET.SubElement(tendon_el, "spatial", name=m.name)
        segment_wrap, skipped = _assign_wraps(m, wraps, rest_frames) if m.wraps else ({}, [])
        for k, site in enumerate(sites):
            ET.SubElement(spatial, "site", site=site)
            if k in segment_wrap:
                geom, side = wraps[segment_wrap[k]][:2]
                attrs = {"geom": geom}
                if side:
                    attrs["sidesite"] = side
                ET.SubElement(spatial, "geom", attrs)
        for w in skipped:
            notes.append(f"{m.name}: wrap {w} left out (MuJoCo wraps one surface per path segment)")
        prm = muscle_params(model_spec, m)
        if fitted is not None:
            prm.update(fitted[m.name])
        L0, lts, LT = prm["L0"], float(m.tendon_slack_length), prm["LT"]
        range_ = (0.5, 1.6)
        lengthrange = (LT + range_[0] * L0, LT + range_[1] * L0)
        gain = (range_[0], range_[1], prm["force"], 1.0, prm["lmin"], prm["lmax"], prm["vmax"], prm["fpmax"],
                prm["fvmax"])
        ET.SubElement(actuator_el, "general", name=m.name, tendon=m.name, dyntype="muscle", gaintype="muscle",
                      biastype="muscle", dynprm=_v((prm["tau_act"], prm["tau_deact"], 0.0)),
                      gainprm=_v(gain), biasprm=_v(gain), lengthrange=_v(lengthrange),
                      ctrlrange="0 1", actrange="0.01 1", actlimited="true")
        muscles.append(MuscleMap(
            m.name, float(m.max_isometric_force), float(m.optimal_fiber_length), lts,
            float(m.pennation_angle_at_optimal), L0, prm["LT"], prm["force"], prm["lmin"], prm["lmax"], prm["fpmax"],
            prm["vmax"], prm["fvmax"], prm["tau_act"], prm["tau_deact"], tuple(sites), tuple(dropped),
            prm.get("fit_rms", float("nan")), prm.get("fit_max", float("nan"))))
        if dropped:
            notes.append(f"{m.name}: conditional path points {', '.join(dropped)} dropped (inactive at the "
                         "default pose)")
    notes.append("muscles: rigid tendons; MuJoCo's optimal length, tendon length, peak force and curves fitted "
                 "to the static force of OpenSim's Thelen muscles with compliant tendons" if fitted is not None else
                 "muscles: rigid tendons of the slack length, MuJoCo's curves fitted to Thelen's fibre curves")

    # ------------------------------------------------------------ ligaments
    ligaments = []
    locked_ligaments: list[LigamentMap] = []
    springs: dict[str, tuple[str, float, float, float]] = {}
    for f in model_spec.forces:
        if isinstance(f, S.CoordinateLimit):
            deg = math.pi / 180
            if coordinate_joint.get(f.coordinate) is None:  # a locked coordinate: a constant force
                locked_ligaments.append(LigamentMap(f.name, f.coordinate, f.upper_stiffness / deg,
                                                    f.upper_limit * deg, f.lower_stiffness / deg,
                                                    f.lower_limit * deg, f.damping / deg, f.transition * deg))
                continue
            ligaments.append(LigamentMap(f.name, f.coordinate, f.upper_stiffness / deg, f.upper_limit * deg,
                                         f.lower_stiffness / deg, f.lower_limit * deg, f.damping / deg,
                                         f.transition * deg))
        elif isinstance(f, S.CoordinateSpring):
            # -stiffness (q - rest) - viscosity qdot: MuJoCo's passive joint spring and damper (exact)
            joint = coordinate_joint.get(f.coordinate)
            if joint is None:
                continue
            (jel,) = [el for el in root.iter("joint") if el.get("name") == joint]
            jel.set("stiffness", _f(f.stiffness))
            jel.set("springref", _f(f.rest_length))
            jel.set("damping", _f(f.viscosity))
            springs[f.name] = (f.coordinate, float(f.stiffness), float(f.rest_length), float(f.viscosity))
            notes.append(f"{f.name}: SpringGeneralizedForce as MuJoCo's joint stiffness and damping")
    if ligaments:
        notes.append("ligaments: OpenSim's CoordinateLimitForce curves, applied as joint torques by the engine "
                     "at every MuJoCo step (not in the MJCF)")

    for cp in couplings:
        coefficients = list(cp.coefficients)
        coefficients[0] -= cp.offset
        ET.SubElement(equality_el, "joint", name=f"{cp.joint}-coupling", joint1=cp.joint, joint2=cp.driver,
                      polycoef=_v(coefficients), solref=_v(COUPLING_SOLREF), solimp=_v(COUPLING_SOLIMP))

    ET.indent(root)
    xml = ET.tostring(root, encoding="unicode")
    return MjcfModel(
        name=model_spec.name, xml=xml,
        coordinate_joint={c.name: coordinate_joint[c.name] for c in model_spec.coordinates},
        coordinate_default={c.name: float(c.default_value) for c in model_spec.coordinates},
        coordinate_range={c.name: tuple(float(x) for x in c.range) for c in model_spec.coordinates},
        joint_coordinates=joint_coordinates, joint_bodies=joint_bodies,
        body_names=tuple(b.name for b in model_spec.bodies), muscles=tuple(muscles), couplings=tuple(couplings),
        contacts=contacts, ligaments=tuple(ligaments), force_names=tuple(f.name for f in model_spec.forces),
        springs=springs, locked_ligaments=tuple(locked_ligaments),
        notes=notes,
    )


def _rest_frames(model_spec: S.ModelSpec) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Each body's origin and rotation in ground with every coordinate at 0 (the joints' parent offsets)."""
    def rot(angles):
        w, x, y, z = _quat_xyz(angles)
        return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                         [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                         [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])

    frames = {"ground": (np.zeros(3), np.eye(3))}
    joint_of_child = {j.child: j for j in model_spec.joints}
    for b in model_spec.bodies:
        j = joint_of_child[b.name]
        p, R = frames[j.parent]
        t, o = j.parent_offset
        frames[b.name] = (p + R @ np.asarray(t, dtype=float), R @ rot(o))
    return frames


def _wrap_geoms(model_spec: S.ModelSpec, elements: dict, radii: dict[str, float]) -> dict[str, tuple]:
    """Wrapping geoms (and side sites for quadrants) for the bodies' wrap objects.

    Returns ``{wrap object: (geom name, side site (None), body, centre in the body, size)}``: a
    WrapCylinder is a MuJoCo cylinder (MuJoCo wraps around its infinite axis); a WrapEllipsoid a sphere
    (MuJoCo wraps only spheres and cylinders) of the radius ``radii`` gives (:func:`_fit_wrap_radii`:
    the semi-axis with the smallest path error), else its largest semi-axis. Quadrants get no side site:
    MuJoCo wraps around a side site's side whether or not the straight path crosses the surface, where
    OpenSim wraps only when it does (measured on TRIlong over shoulder elevation: path error 10.6 mm
    RMS with a side site on the humeral head's quadrant and its semi-axis along the quadrant, 4.1 mm
    without the side site, 1.8 mm without it and with the largest semi-axis). Without a side site
    MuJoCo wraps, when the path crosses, the shorter way round.
    """
    out = {}
    for b in model_spec.bodies:
        for w in b.wrap_objects:
            if not w.active:
                continue
            quat = _quat_xyz(w.rotation)
            if isinstance(w, S.WrapCylinder):
                size, attrs = float(w.radius), {"type": "cylinder", "size": f"{_f(w.radius)} {_f(w.length / 2)}"}
            elif isinstance(w, S.WrapEllipsoid):
                size = float(radii.get(w.name, max(w.dimensions)))
                attrs = {"type": "sphere", "size": _f(size)}
            else:  # pragma: no cover - the tables have only these two
                raise NotImplementedError(f"{w.name}: wrap object kind {type(w).__name__}")
            name = f"wrap-{w.name}"
            ET.SubElement(elements[b.name], "geom", name=name, pos=_v(w.translation), quat=_v(quat),
                          contype="0", conaffinity="0", group="3", mass="0", rgba="0.5 0.5 0.9 0.4", **attrs)
            side = None
            out[w.name] = (name, side, b.name, np.asarray(w.translation, dtype=float), size)
    return {k: v for k, v in out.items()}


def _assign_wraps(m: S.Muscle, wraps: dict, rest: dict) -> tuple[dict[int, str], list[str]]:
    """Which path segment (index of its first point) each of the muscle's wraps goes in.

    A wrap with a point range goes in the first segment of that range; one over the whole path in the
    segment that passes closest to the object's centre at the rest pose (distance in object sizes).
    MuJoCo allows one wrapping geom between two sites: of two wraps wanting the same segment the closer
    one is kept, the other is reported as left out.
    """
    def ground(body, local):
        p, R = rest[body]
        return p + R @ np.asarray(local, dtype=float)

    points = [ground(p.body, p.location) for p in m.path if isinstance(p, S.PathPoint)]
    wanted: dict[int, tuple[float, str]] = {}
    skipped = []
    for pw in m.wraps:
        if pw.wrap_object not in wraps:
            continue
        _, _, body, centre, size = wraps[pw.wrap_object]
        c = ground(body, centre)
        if pw.range != (-1, -1):
            k, dist = pw.range[0] - 1, 0.0
        else:
            best = []
            for k in range(len(points) - 1):
                a, b = points[k], points[k + 1]
                t = np.clip(np.dot(c - a, b - a) / max(np.dot(b - a, b - a), 1e-12), 0.0, 1.0)
                best.append((float(np.linalg.norm(a + t * (b - a) - c)) / size, k))
            dist, k = min(best)
        if k in wanted:
            if dist < wanted[k][0]:
                skipped.append(wanted[k][1])
            else:
                skipped.append(pw.wrap_object)
                continue
        wanted[k] = (dist, pw.wrap_object)
    return {k: w for k, (d, w) in wanted.items()}, skipped


def _length_ranges(twin: MjcfModel, samples: int = 400, seed: int = 0) -> dict[str, tuple[float, float]]:
    """Per muscle, the musculotendon lengths (min, max) over random poses within the coordinates' ranges
    (narrowed to the ligament limits), on the rigid twin."""
    import mujoco

    m = mujoco.MjModel.from_xml_string(twin.xml)
    d = mujoco.MjData(m)
    rng = np.random.default_rng(seed)
    spans = {}
    for c, joint in twin.coordinate_joint.items():
        if joint is None or c.startswith("pelvis"):
            continue
        lo, hi = twin.coordinate_range[c]
        for g in twin.ligaments:
            if g.coordinate == c:
                lo, hi = max(lo, g.lower_limit), min(hi, g.upper_limit)
        spans[c] = (lo, hi, int(m.jnt_qposadr[mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_JOINT, joint)]))
    coupled = [(int(m.jnt_qposadr[mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_JOINT, cp.joint)]), cp)
               for cp in twin.couplings]
    tendons = [mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_TENDON, mu.name) for mu in twin.muscles]
    lengths = np.empty((samples, len(tendons)))
    for k in range(samples):
        d.qpos[:] = 0
        values = {}
        for c, (lo, hi, adr) in spans.items():
            # the extremes of each range are visited too
            u = rng.uniform() if k >= 2 else float(k)
            values[c] = lo + u * (hi - lo)
            d.qpos[adr] = values[c]
        for adr, cp in coupled:
            d.qpos[adr] = cp.value(values.get(cp.driver, 0.0))
        mujoco.mj_fwdPosition(m, d)
        lengths[k] = d.ten_length[tendons]
    return {mu.name: (float(lengths[:, i].min()), float(lengths[:, i].max())) for i, mu in enumerate(twin.muscles)}


def _tendon_force(strain, e0: float):
    """Thelen 2003 tendon force-strain (normalised by Fmax): exponential toe, then linear."""
    e_toe, k_toe, f_toe = 0.609 * e0, 3.0, 0.33
    k_lin = 1.712 / e0
    strain = np.asarray(strain, dtype=float)
    f = np.where(strain > e_toe, k_lin * (strain - e_toe) + f_toe,
                 f_toe / (math.exp(k_toe) - 1) * (np.exp(k_toe * np.minimum(strain, e_toe) / e_toe) - 1))
    return np.where(strain > 0, f, 0.0)


def thelen_static_force(model_spec: S.ModelSpec, m: S.Muscle, lmt, activation):
    """The tendon force (N) of OpenSim's Thelen2003Muscle in static equilibrium (fibre velocity 0) at
    musculotendon length ``lmt`` and ``activation`` (arrays broadcast): what ``equilibrateMuscles`` solves."""
    props = dict(model_spec.muscle_properties + m.properties)
    lopt, lts, alpha0 = float(m.optimal_fiber_length), float(m.tendon_slack_length), float(m.pennation_angle_at_optimal)
    e0_t = float(props.get("FmaxTendonStrain", 0.033))
    kpe, e0_m = float(props.get("KshapePassive", 5.0)), float(props.get("FmaxMuscleStrain", 0.6))
    kact = float(props.get("KshapeActive", 0.45))
    lmt, a = np.broadcast_arrays(np.asarray(lmt, dtype=float), np.asarray(activation, dtype=float))
    h = lopt * math.sin(alpha0)
    lo = np.full(lmt.shape, max(h * 1.0001, 0.05 * lopt))
    hi = np.sqrt(np.maximum(lmt - lts, 1e-6) ** 2 + h * h)

    def resid(lm):
        ca = np.sqrt(np.maximum(1 - (h / lm) ** 2, 1e-12))
        ft = _tendon_force((lmt - lm * ca - lts) / lts, e0_t)
        fm = (thelen_active_fl(lm / lopt, kact) * a + thelen_passive_fl(lm / lopt, kpe, e0_m)) * ca
        return ft - fm, ft

    for _ in range(60):  # bisection: the tendon is slack at hi, stretched beyond Fmax at lo
        mid = 0.5 * (lo + hi)
        r, _ = resid(mid)
        lo, hi = np.where(r > 0, mid, lo), np.where(r > 0, hi, mid)
    return resid(0.5 * (lo + hi))[1] * float(m.max_isometric_force)


#: activations the muscle fit weighs
FIT_ACTIVATIONS = (0.05, 0.25, 0.5, 0.75, 1.0)


@lru_cache(maxsize=None)
def _fit_muscle_cached(model_spec: S.ModelSpec, m: S.Muscle, lmt_min: float, lmt_max: float) -> tuple:
    from scipy.optimize import least_squares

    base = muscle_params(model_spec, m)
    span = lmt_max - lmt_min
    lmt = np.linspace(lmt_min - 0.05 * span, lmt_max + 0.05 * span, 61)
    grid_l, grid_a = np.meshgrid(lmt, np.array(FIT_ACTIVATIONS))
    fmax = float(m.max_isometric_force)
    target = thelen_static_force(model_spec, m, grid_l, grid_a) / fmax

    def model(x):
        L0, LT, force, lmin, lmax, fpmax = x
        L = (grid_l - LT) / L0
        return force * (mujoco_fl(L.ravel(), lmin, lmax).reshape(L.shape) * grid_a
                        + mujoco_fp(L.ravel(), lmax, fpmax).reshape(L.shape))

    x0 = np.array([base["L0"], base["LT"], base["force"] / fmax, base["lmin"], base["lmax"], base["fpmax"]])
    lower = [0.5 * base["L0"], 0.8 * base["LT"], 0.3, -1.0, 1.05, 0.0]
    upper = [3.0 * base["L0"], 1.3 * base["LT"], 1.5, 0.95, 3.5, 5.0]
    x0 = np.clip(x0, np.array(lower) + 1e-9, np.array(upper) - 1e-9)
    res = least_squares(lambda x: (model(x) - target).ravel(), x0, bounds=(lower, upper), x_scale="jac")
    err = model(res.x) - target
    L0, LT, force, lmin, lmax, fpmax = (float(v) for v in res.x)
    return L0, LT, force * fmax, lmin, lmax, fpmax, float(np.sqrt(np.mean(err ** 2))), float(np.max(np.abs(err)))


def fit_muscle(model_spec: S.ModelSpec, m: S.Muscle, lmt_min: float, lmt_max: float) -> dict:
    """MuJoCo parameters (L0, LT, force, lmin, lmax, fpmax) of a rigid-tendon muscle whose static force best
    matches (least squares, in units of Fmax) OpenSim's compliant-tendon Thelen muscle over the
    musculotendon lengths [lmt_min, lmt_max] (widened by 5 %) and activations :data:`FIT_ACTIVATIONS`.
    ``fit_rms``/``fit_max``: the remaining error (fraction of Fmax). ``vmax`` keeps the table's
    maximum contraction velocity in m/s."""
    L0, LT, force, lmin, lmax, fpmax, rms, worst = _fit_muscle_cached(model_spec, m, round(lmt_min, 9),
                                                                      round(lmt_max, 9))
    props = dict(model_spec.muscle_properties + m.properties)
    vmax = float(props.get("max_contraction_velocity", 10.0)) * float(m.optimal_fiber_length) / L0
    return {"L0": L0, "LT": LT, "force": force, "lmin": lmin, "lmax": lmax, "fpmax": fpmax, "vmax": vmax,
            "fit_rms": rms, "fit_max": worst}


def _quat_mul(p, q):
    w1, x1, y1, z1 = p
    w2, x2, y2, z2 = q
    return (w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2, w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
            w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2, w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2)


#: the obstacles' contact: frictionless (as the 2017 code set), on the same softness as the feet
OBSTACLE_HIDDEN = (0.0, -0.1, 1e-4)


def with_obstacles(xml: str, count: int) -> str:
    """The twin's MJCF with ``count`` obstacle spheres ``{i}-contact`` fixed in the ground (RunEnv).

    As the OpenSim edit (:mod:`osim.sim.edits.obstacles`), they touch only the foot contact spheres (the
    only geoms with ``contype`` 1) and have no friction (``condim`` 1 with a priority over the feet);
    hidden below the ground until placed (the engine moves and sizes them per episode).
    """
    if count == 0:
        return xml
    root = ET.fromstring(xml)
    frame = root.find("./worldbody/frame[@name='opensim_ground']")
    x, y, r = OBSTACLE_HIDDEN
    for i in range(count):
        ET.SubElement(frame, "geom", name=f"{i}-contact", type="sphere", size=_f(r), pos=_v((x, y, 0.0)),
                      contype="0", conaffinity="1", condim="1", priority="1", friction="0 0 0", group="0",
                      solref=_v(CONTACT_SOLREF), solimp=_v(CONTACT_SOLIMP), rgba="0.6 0.4 0.2 1")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode")


def with_target(xml: str) -> str:
    """The twin's MJCF with Arm2DEnv's target body (:mod:`osim.sim.edits.target`): a 2 cm green sphere,
    mass 1e-4 kg, 0.25 m in front of the arm's plane, fixed in the ground (the engine moves it per
    episode); no contact, no force on the arm."""
    from osim.sim.edits.target import TARGET_BODY, TARGET_INERTIA, TARGET_MASS, TARGET_OFFSET_Z, TARGET_RADIUS

    root = ET.fromstring(xml)
    frame = root.find("./worldbody/frame[@name='opensim_ground']")
    body = ET.SubElement(frame, "body", name=TARGET_BODY, pos=_v((0.0, 0.0, TARGET_OFFSET_Z)))
    ET.SubElement(body, "inertial", pos="0 0 0", mass=_f(TARGET_MASS), diaginertia=_v(TARGET_INERTIA))
    ET.SubElement(body, "geom", type="sphere", size=_f(TARGET_RADIUS), contype="0", conaffinity="0",
                  mass="0", rgba="0 1 0 1")
    ET.indent(root)
    return ET.tostring(root, encoding="unicode")


@lru_cache(maxsize=None)
def mjcf(name: str) -> MjcfModel:
    """The MuJoCo twin of the built model ``name`` (one of :data:`MJCF_MODELS`), generated once per process."""
    from . import model_spec

    if name not in MJCF_MODELS:
        raise ValueError(f"model {name!r} has no MuJoCo twin yet; the models with one: {', '.join(MJCF_MODELS)}")
    return build_mjcf(model_spec(name))
