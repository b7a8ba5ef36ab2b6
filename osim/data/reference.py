"""A loopable reference motion for imitation: one gait cycle of a recording, on a model.

:func:`build_reference` takes a recording (``read_motion`` with the model's
coordinates), filters it, cuts one gait cycle, makes it periodic and poses
the model at every 10 ms of the cycle to get what the imitation rewards
compare: coordinate values and speeds, end-effector positions relative to
the pelvis, and the whole-body centre of mass. :meth:`Reference.at` gives
them at any reference time, cycles after the first included: the travel
coordinate (``pelvis_tx``) keeps advancing by the cycle's forward travel.

Two corrections make treadmill recordings of scaled subjects usable on the
generic models:

* **forward travel** -- a treadmill recording stays in place. ``speed="auto"``
  estimates the belt speed from the stance foot (the lowest contact point
  moves backwards at belt speed) and adds it to the travel coordinate; an
  overground recording gives about 0 there and keeps its own travel.
* **ground height** -- the subjects are taller than the generic models, so
  the posed model floats. ``ground="auto"`` lowers the vertical pelvis
  coordinate by the median over the cycle of the lowest contact point's
  height, so that the stance foot touches the ground.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from osim.data.gait import gait_cycles
from osim.data.motion import DEFAULT_CUTOFF, ENV_DT, Motion, MotionFileError, read_motion

__all__ = ["Reference", "build_reference", "TRAVEL", "VERTICAL", "LATERAL"]

#: the coordinate that travels forward (its trend is kept, not removed, when the cycle is made periodic)
TRAVEL = "pelvis_tx"
#: the vertical root translation (lowered by the ground correction)
VERTICAL = "pelvis_ty"
#: the sideways root translation (made periodic like the joint angles)
LATERAL = "pelvis_tz"
#: translational root coordinates: not part of the pose term (the centre-of-mass term covers them)
ROOT_TRANSLATIONS = (TRAVEL, VERTICAL, LATERAL)


@dataclass(frozen=True)
class Reference:
    """One periodic gait cycle on a model (all values SI, the model's coordinates in radians/metres).

    ``coordinates`` are the tracked model coordinates (every unlocked one; a
    coordinate the recording lacks is held at its default value, listed in
    ``held``). ``end_effectors`` are bodies whose positions relative to the
    pelvis origin are compared (default: the bodies carrying contact
    geometry, plus the head where the model has one).
    """

    model: str
    source: str
    coordinates: tuple[str, ...]
    rotational: frozenset[str]
    held: tuple[str, ...]
    end_effectors: tuple[str, ...]
    #: the cycle's duration (s) and its span in the recording
    period: float
    span: tuple[float, float]
    #: forward travel of the travel coordinate per cycle (m), and the belt speed added (m/s)
    travel: float
    speed: float
    #: how far the vertical pelvis coordinate was lowered (m)
    ground_offset: float
    #: samples over one cycle on a grid of ``period / n`` (the last equals the first)
    phase_grid: np.ndarray = field(repr=False)
    q: np.ndarray = field(repr=False)
    end_effector_pos: np.ndarray = field(repr=False)
    com: np.ndarray = field(repr=False)
    _splines: dict = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        from scipy.interpolate import CubicSpline

        t = self.phase_grid * self.period
        q = CubicSpline(t, self.q, axis=0, bc_type="periodic")
        self._splines.update(
            q=q, qd=q.derivative(),
            ee=CubicSpline(t, self.end_effector_pos.reshape(len(t), -1), axis=0, bc_type="periodic"),
            com=CubicSpline(t, self.com, axis=0, bc_type="periodic"),
        )
        self._splines["travel_index"] = self.coordinates.index(TRAVEL) if TRAVEL in self.coordinates else None

    def phase(self, tau: float) -> float:
        """The phase in [0, 1) of reference time ``tau`` (s since the cycle's start)."""
        return float((tau / self.period) % 1.0)

    def at(self, tau: float) -> dict[str, np.ndarray]:
        """Reference at time ``tau`` (s since the first cycle's start; later cycles included).

        ``q`` and ``qd`` in :attr:`coordinates` order, ``end_effectors`` (k, 3)
        relative to the pelvis origin, ``com`` (3,) in ground. The travel
        coordinate and the centre of mass advance by :attr:`travel` each cycle.
        """
        s = self._splines
        local = tau % self.period
        advance = self.travel * tau / self.period  # the trend removed to make the cycle periodic
        q, qd, com = s["q"](local), s["qd"](local), s["com"](local)
        k = s["travel_index"]
        if k is not None:
            q[k] += advance
            qd[k] += self.travel / self.period
        com[0] += advance
        return {"q": q, "qd": qd, "end_effectors": s["ee"](local).reshape(-1, 3), "com": com}

    @property
    def pose_coordinates(self) -> tuple[str, ...]:
        """The tracked coordinates of the pose and velocity terms (the root translations excluded)."""
        return tuple(c for c in self.coordinates if c not in ROOT_TRANSLATIONS)


# ------------------------------------------------------------------ building
def _load(model_file: Path):
    from osim.sim._opensim import load_model

    model = load_model(model_file)
    state = model.initSystem()
    return model, state


def _contact_points(model):
    """(frame, location, radius) of the model's contact spheres attached to bodies."""
    from osim.sim._opensim import opensim

    points = []
    geometry = model.getContactGeometrySet()
    for i in range(geometry.getSize()):
        sphere = opensim.ContactSphere.safeDownCast(geometry.get(i))
        if sphere is None:
            continue
        frame = sphere.getFrame()
        if frame.findBaseFrame().getName() == "ground":
            continue
        points.append((frame, sphere.get_location(), sphere.getRadius(), frame.findBaseFrame().getName()))
    return points


def _cycle(motion: Motion, cycle: Any, forces: Motion | None) -> tuple[float, float]:
    if cycle == "auto":
        cycles = gait_cycles(motion, forces)
        if not cycles:
            raise MotionFileError(f"{motion.source}: no complete gait cycle found (needs two right heel "
                                  f"strikes within {motion.time[0]:g}-{motion.time[-1]:g} s); pass cycle=(t0, t1)")
        return cycles[0]
    try:
        t0, t1 = (float(v) for v in cycle)
    except (TypeError, ValueError):
        raise ValueError(f"cycle must be 'auto' or a (start, end) pair of times in s, got {cycle!r}") from None
    if not (motion.time[0] <= t0 < t1 <= motion.time[-1]) or t1 - t0 < 0.1:
        raise ValueError(f"cycle ({t0}, {t1}) must lie within the recording's "
                         f"{motion.time[0]:g}-{motion.time[-1]:g} s and last at least 0.1 s")
    return t0, t1


def build_reference(
    motion: str | os.PathLike | Motion,
    model_file: str | os.PathLike,
    *,
    model_label: str | None = None,
    cycle: Any = "auto",
    forces: str | os.PathLike | Motion | None = None,
    speed: float | str = "auto",
    ground: float | str = "auto",
    cutoff: float | None = DEFAULT_CUTOFF,
    end_effectors: Sequence[str] | None = None,
    samples_per_second: float = 1.0 / ENV_DT,
) -> Reference:
    """One periodic gait cycle of ``motion`` (a file or a :class:`Motion`) on the model in ``model_file``.

    ``cycle``: ``"auto"`` (the first right stride: heel strikes from
    ``forces`` when given, from the hip-flexion maxima otherwise) or a
    ``(start, end)`` pair of times. ``speed``: the belt speed added to the
    travel coordinate (m/s; ``"auto"`` estimates it from the stance foot).
    ``ground``: how far to lower ``pelvis_ty`` (m; ``"auto"``: so the stance
    foot touches the ground). ``cutoff``: low-pass cutoff in Hz (None: no
    filtering).
    """
    from osim.sim._opensim import opensim

    model_file = Path(model_file)
    model, state = _load(model_file)
    label = model_label or model_file.stem
    if not isinstance(motion, Motion):
        motion = read_motion(motion, model=model)
    elif motion.mapping is None:
        raise ValueError("motion must be read with read_motion(path, model=...) so its columns are the model's "
                         "coordinates")
    if isinstance(forces, (str, os.PathLike)):
        forces = read_motion(forces)
    if motion.kind != "kinematics":
        raise MotionFileError(f"{motion.source}: holds {motion.kind}, not coordinates (an IK .mot/.sto is needed)")
    if cutoff is not None and cutoff < 0.5 * motion.rate:
        motion = motion.lowpass(cutoff)
    t0, t1 = _cycle(motion, cycle, forces)
    period = t1 - t0

    coords = model.getCoordinateSet()
    names = [coords.get(i).getName() for i in range(coords.getSize())]
    tracked = [n for n in names if not coords.get(n).getDefaultLocked()]
    held = tuple(n for n in tracked if n not in motion.columns)
    rotational = frozenset(n for n in tracked if coords.get(n).getMotionType() == 1)

    n = max(8, int(round(period * samples_per_second)))
    grid = np.linspace(0.0, 1.0, n + 1)
    times = t0 + grid * period
    spline = motion._spline()
    data = spline(times)
    q = np.empty((n + 1, len(tracked)))
    for k, name in enumerate(tracked):
        if name in motion.columns:
            q[:, k] = data[:, motion.columns.index(name)]
        else:
            q[:, k] = coords.get(name).getDefaultValue()
    # periodic: remove each coordinate's drift over the cycle (the travel coordinate's is its travel)
    drift = q[-1] - q[0]
    q -= np.outer(grid, drift)
    travel_k = tracked.index(TRAVEL) if TRAVEL in tracked else None

    # pose the model at every sample: contact points, end effectors, centre of mass
    points = _contact_points(model)
    bodies = model.getBodySet()
    if end_effectors is None:
        chosen = list(dict.fromkeys(p[3] for p in points))
        if bodies.contains("head"):
            chosen.append("head")
    else:
        chosen = list(end_effectors)
        missing = [b for b in chosen if not bodies.contains(b)]
        if missing:
            raise ValueError(f"end_effectors {missing} are not bodies of {label}; its bodies: "
                             f"{', '.join(bodies.get(i).getName() for i in range(bodies.getSize()))}")
    pelvis = bodies.get("pelvis") if bodies.contains("pelvis") else None
    has_constraints = model.getConstraintSet().getSize() > 0

    def pose(row: np.ndarray):
        for k, name in enumerate(tracked):
            coords.get(name).setValue(state, float(row[k]), False)
        if has_constraints:
            model.assemble(state)
        model.realizePosition(state)

    lowest = np.empty(n + 1)
    point_x = np.empty((n + 1, max(1, len(points))))
    point_y = np.full((n + 1, max(1, len(points))), np.inf)
    for i in range(n + 1):
        pose(q[i])
        for j, (frame, loc, radius, _body) in enumerate(points):
            p = frame.findStationLocationInGround(state, loc).to_numpy()
            point_x[i, j], point_y[i, j] = p[0], p[1] - radius
        lowest[i] = point_y[i].min()

    # belt speed: the lowest contact point moves backwards at it during stance
    if speed == "auto":
        if points and travel_k is not None:
            vx = np.gradient(point_x, times, axis=0)
            stance = np.argmin(point_y, axis=1)
            belt = float(-np.median(vx[np.arange(n + 1), stance]))
            speed_value = belt if belt > 0.05 else 0.0
        else:
            speed_value = 0.0
    else:
        speed_value = _number(speed, "speed")
    if ground == "auto":
        ground_value = float(np.median(lowest)) if points else 0.0
    else:
        ground_value = _number(ground, "ground")

    vertical_k = tracked.index(VERTICAL) if VERTICAL in tracked else None
    if vertical_k is not None:
        q[:, vertical_k] -= ground_value
    travel = 0.0
    if travel_k is not None:
        travel = float(drift[travel_k] + speed_value * period)
        # the periodic part of travel starts at 0: the body starts where the model's default puts it
        q[:, travel_k] -= q[0, travel_k]

    ee = np.empty((n + 1, len(chosen), 3))
    com = np.empty((n + 1, 3))
    for i in range(n + 1):
        pose(q[i])
        origin = pelvis.getPositionInGround(state).to_numpy() if pelvis is not None else np.zeros(3)
        for j, name in enumerate(chosen):
            ee[i, j] = bodies.get(name).getPositionInGround(state).to_numpy() - origin
        com[i] = model.calcMassCenterPosition(state).to_numpy()
    # exact periodicity for the periodic splines (the corrected ends agree to rounding)
    q[-1], ee[-1], com[-1] = q[0], ee[0], com[0]
    del points, bodies, coords, pelvis  # parts of the model: released before it
    del model, state
    return Reference(label, motion.source, tuple(tracked), rotational, held, tuple(chosen), period, (t0, t1),
                     travel, speed_value, ground_value, grid, q, ee, com)


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        raise ValueError(f"{what} must be 'auto' or a finite number, got {value!r}")
    return float(value)
