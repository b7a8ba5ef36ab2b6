"""What a model is made of, read once by name: actuators and their bounds, integrability, a summary.

Used by :class:`~osim.sim.OpenSimPhysics` (which actuators the action
drives, and with which bounds; whether the model can be integrated at all)
and by ``osim-rl info`` (:func:`describe_model`).

Every OpenSim object read here is used while the model that owns it is
alive: a part of a model (its actuator set, a muscle) must never outlive the
model (reading ``getActuators()`` of a temporary model aborts the process).
Functions take the model and return plain Python data.
"""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from osim.sim._opensim import load_model, opensim
from osim.sim.errors import ModelLoadError

__all__ = ["DEFAULT_CONTROL_BOUND", "actuator_table", "check_integrable", "check_masses", "control_bounds", "describe_model",
           "select_actuators"]

#: The finite bound an infinite min/max control gets in the action space: a
#: CoordinateActuator with unbounded controls acts in [-1, 1] (times its
#: optimal force), the control the double pendulum's torques are built for.
DEFAULT_CONTROL_BOUND = 1.0


def control_bounds(actuator) -> tuple[float, float]:
    """(low, high) of a ScalarActuator's control; an infinite bound becomes -/+ :data:`DEFAULT_CONTROL_BOUND`."""
    lo, hi = float(actuator.getMinControl()), float(actuator.getMaxControl())
    if not math.isfinite(lo):
        lo = min(-DEFAULT_CONTROL_BOUND, hi) if math.isfinite(hi) else -DEFAULT_CONTROL_BOUND
    if not math.isfinite(hi):
        hi = max(DEFAULT_CONTROL_BOUND, lo)
    return lo, hi


def actuator_table(model) -> list[dict[str, Any]]:
    """One row per actuator of ``model`` (model order): name, type, scalar, muscle, min/max control."""
    rows = []
    acts = model.getActuators()
    for i in range(acts.getSize()):
        act = acts.get(i)
        scalar = opensim.ScalarActuator.safeDownCast(act)
        row = {"name": act.getName(), "type": act.getConcreteClassName(), "scalar": scalar is not None,
               "muscle": opensim.Muscle.safeDownCast(act) is not None,
               "applies_force": bool(act.get_appliesForce())}
        if scalar is not None:
            row["min_control"], row["max_control"] = float(scalar.getMinControl()), float(scalar.getMaxControl())
            row["low"], row["high"] = control_bounds(scalar)
        rows.append(row)
    return rows


def select_actuators(path: Path, table: list[dict[str, Any]], spec: Sequence[str] | str | None) -> list[str]:
    """The names of the actuators the action drives, in model order.

    ``spec`` None: every ScalarActuator. Otherwise a list of actuator names
    and type names (OpenSim class names such as ``"CoordinateActuator"`` or
    ``"Thelen2003Muscle"``, or ``"Muscle"`` for muscles of every class); an
    actuator is driven when its name or its type is listed.
    """
    scalar = [r for r in table if r["scalar"]]
    if spec is None:
        return [r["name"] for r in scalar]
    if isinstance(spec, str):
        spec = [spec]
    try:
        wanted = list(spec)
    except TypeError:
        raise TypeError(f"actuators must be a list of actuator names or types, got {type(spec).__name__}") from None
    if not all(isinstance(w, str) for w in wanted):
        raise TypeError(f"actuators must be a list of actuator names or types (strings), got {wanted!r}")
    names = {r["name"] for r in scalar}
    types = {r["type"] for r in scalar} | ({"Muscle"} if any(r["muscle"] for r in scalar) else set())
    other = {r["name"]: r["type"] for r in table if not r["scalar"]}
    unknown = [w for w in wanted if w not in names and w not in types]
    if unknown:
        detail = "".join(f"; {w!r} is a {other[w]}, not a ScalarActuator (it has no single control)"
                         for w in unknown if w in other)
        allowed_names = ", ".join(sorted(names)) or "none"
        allowed_types = ", ".join(sorted(types)) or "none"
        raise ValueError(f"{path}: unknown actuators {unknown}{detail}; this model's actuators are "
                         f"{allowed_names} (types {allowed_types})")
    chosen = set(wanted)
    return [r["name"] for r in scalar if r["name"] in chosen or r["type"] in chosen
            or ("Muscle" in chosen and r["muscle"])]


def check_masses(model, path: Path) -> list[str]:
    """Refuse a model whose bodies all have zero mass (a kinematic model); the massless bodies' names."""
    bodies = model.getBodySet()
    massless = [bodies.get(i).getName() for i in range(bodies.getSize()) if bodies.get(i).getMass() == 0.0]
    if bodies.getSize() and len(massless) == bodies.getSize():
        raise ModelLoadError(
            f"{path} cannot be integrated forward: all its bodies have zero mass ({', '.join(massless)}); "
            "it is a kinematic model (for inverse kinematics or visualisation), and plain OpenSim cannot "
            "simulate it either. Give its bodies masses and inertias to simulate it.")
    return massless


def check_integrable(model, state, path: Path) -> None:
    """Refuse a model whose equations of motion cannot be solved (a coordinate moving no mass).

    After :func:`check_masses` (every body massless) and OpenSim's own check
    at initSystem (a massless leaf body): a mobility that moves no mass (a zero diagonal of the mass matrix: the
    bodies it moves have zero mass and inertia) makes the mass matrix
    singular; OpenSim's integrator fails inside its first step. Prescribed
    coordinates are exempt (their motion is given, not solved for).
    """
    if state.getNU() == 0:
        return
    massless = check_masses(model, path)
    mass_matrix = opensim.Matrix()
    probe = opensim.State(state)
    model.realizePosition(probe)
    model.getMatterSubsystem().calcM(probe, mass_matrix)
    diag = np.array([mass_matrix.get(i, i) for i in range(mass_matrix.nrow())])
    if not (diag > 0.0).all() or not np.isfinite(diag).all():
        coords = model.getCoordinateSet()
        marks = opensim.Vector(state.getNU(), 0.0)
        bad = set(np.flatnonzero(~(diag > 0.0)).tolist())
        names = []
        for i in range(coords.getSize()):
            c = coords.get(i)
            if c.get_prescribed():
                continue
            # the U entry of this coordinate: give it a unit speed and see which entry moved
            marks.setToZero()
            probe.setU(marks)
            c.setSpeedValue(probe, 1.0)
            moved = np.flatnonzero(probe.getU().to_numpy())
            if any(int(k) in bad for k in moved):
                names.append(c.getName())
        if names:
            raise ModelLoadError(
                f"{path} cannot be integrated forward: coordinates {', '.join(names)} move no mass (their "
                f"bodies have zero mass and inertia; massless bodies: {', '.join(massless) or 'none'}), so "
                "the mass matrix is singular and plain OpenSim cannot simulate it either. Give those "
                "bodies masses and inertias, or lock or prescribe those coordinates.")


def _units(coordinate) -> str:
    kind = coordinate.getMotionType()
    return {1: "rad", 2: "m", 3: "-"}.get(int(kind), "?")


def describe_model(model_path: str | os.PathLike) -> dict[str, list[dict[str, Any]]]:
    """Plain tables of a model file: coordinates, actuators, bodies, contacts, markers, constraints, controllers.

    The model is loaded and its system built (so that a model OpenSim
    cannot build gets a :class:`~osim.sim.errors.ModelLoadError` naming the
    file), read, and released; nothing returned refers to OpenSim objects.
    """
    path = Path(model_path)
    model = load_model(path)
    try:
        state = model.initSystem()
    except Exception as exc:  # noqa: BLE001 - OpenSim raises RuntimeError with its message
        raise ModelLoadError(f"OpenSim could not build the system of {path}: {exc}") from exc
    coords = model.getCoordinateSet()
    coordinates = []
    for i in range(coords.getSize()):
        c = coords.get(i)
        coordinates.append({
            "name": c.getName(), "joint": c.getJoint().getName(), "joint_type": c.getJoint().getConcreteClassName(),
            "min": float(c.getRangeMin()), "max": float(c.getRangeMax()), "units": _units(c),
            "default": float(c.getDefaultValue()), "locked": bool(c.get_locked()),
            "clamped": bool(c.get_clamped()), "prescribed": bool(c.get_prescribed()),
        })
    bodies = model.getBodySet()
    body_rows = [{"name": bodies.get(i).getName(), "mass": float(bodies.get(i).getMass())}
                 for i in range(bodies.getSize())]
    geometry = model.getContactGeometrySet()
    contacts = [{"name": geometry.get(i).getName(), "type": geometry.get(i).getConcreteClassName(),
                 "frame": geometry.get(i).getFrame().getName()} for i in range(geometry.getSize())]
    markers = model.getMarkerSet()
    marker_rows = [{"name": markers.get(i).getName(), "frame": markers.get(i).getParentFrameName()}
                   for i in range(markers.getSize())]
    constraints = model.getConstraintSet()
    constraint_rows = [{"name": constraints.get(i).getName(), "type": constraints.get(i).getConcreteClassName()}
                       for i in range(constraints.getSize())]
    controllers = model.getControllerSet()
    controller_rows = [{"name": controllers.get(i).getName(), "type": controllers.get(i).getConcreteClassName()}
                       for i in range(controllers.getSize())]
    forces = model.getForceSet()
    out = {
        "coordinates": coordinates,
        "actuators": actuator_table(model),
        "bodies": body_rows,
        "contacts": contacts,
        "markers": marker_rows,
        "constraints": constraint_rows,
        "controllers": controller_rows,
        "forces": [{"name": forces.get(i).getName(), "type": forces.get(i).getConcreteClassName()}
                   for i in range(forces.getSize())],
        "state": [{"nq": state.getNQ(), "nu": state.getNU(), "nz": state.getNZ(), 
                   "mass": float(model.getTotalMass(state))}],
    }
    del state
    del model
    return out
