"""The state description: every body, joint, muscle, force and marker of a model as one dict.

This is the dict the 2018 and 2019 challenges handed their participants
(``env.get_state_desc()``, ``project=False``). Keys:

==================  ===========================================================
``joint_pos``       per joint, its coordinate values (list, joint's order)
``joint_vel``       per joint, the coordinate speeds
``joint_acc``       per joint, the coordinate accelerations
``body_pos``        per body, its origin in ground ``[x, y, z]`` (m)
``body_vel``        per body, the origin's linear velocity in ground
``body_acc``        per body, the origin's linear acceleration in ground
``body_pos_rot``    per body, body-fixed X-Y-Z Euler angles (rad)
``body_vel_rot``    per body, angular velocity in ground (rad/s)
``body_acc_rot``    per body, angular acceleration in ground (rad/s^2)
``forces``          per force, its record values (contacts: forces and torques)
``muscles``         per muscle: ``activation``, ``fiber_length``, ``fiber_velocity``, ``fiber_force``
``markers``         per marker: ``pos``, ``vel``, ``acc`` in ground
``misc``            ``mass_center_pos``, ``mass_center_vel``, ``mass_center_acc``
==================  ===========================================================

Each ordered as the model's sets, plain Python floats and lists.
"""
from __future__ import annotations

from typing import Any

__all__ = ["STATE_DESC_KEYS", "build_state_desc"]

STATE_DESC_KEYS = ("joint_pos", "joint_vel", "joint_acc", "body_pos", "body_vel", "body_acc", "body_pos_rot",
                   "body_vel_rot", "body_acc_rot", "forces", "muscles", "markers", "misc")


def _vec3(v) -> list[float]:
    return [v.get(0), v.get(1), v.get(2)]


def build_state_desc(sim) -> dict[str, Any]:
    """A fresh state description of an :class:`~osim.sim.OpenSimPhysics` in its current state."""
    s = sim.state
    q, u, udot = sim.q(), sim.u(), sim.udot()
    col = {name: k for k, name in enumerate(sim.coordinate_names)}
    d: dict[str, Any] = {}
    for key, arr in (("joint_pos", q), ("joint_vel", u), ("joint_acc", udot)):
        d[key] = {
            j: [float(arr[col[c]]) for c in cs] for j, cs in sim.joint_coordinates.items()
        }
    for key in ("body_pos", "body_vel", "body_acc", "body_pos_rot", "body_vel_rot", "body_acc_rot"):
        d[key] = {}
    for name, body in sim._bodies.items():
        transform = body.getTransformInGround(s)
        vel = body.getVelocityInGround(s)
        acc = body.getAccelerationInGround(s)
        d["body_pos"][name] = _vec3(transform.p())
        d["body_vel"][name] = _vec3(vel.get(1))
        d["body_acc"][name] = _vec3(acc.get(1))
        d["body_pos_rot"][name] = _vec3(transform.R().convertRotationToBodyFixedXYZ())
        d["body_vel_rot"][name] = _vec3(vel.get(0))
        d["body_acc_rot"][name] = _vec3(acc.get(0))
    d["forces"] = {name: sim.force_record(name) for name in sim.force_names}
    d["muscles"] = {
        name: {
            "activation": mu.getActivation(s),
            "fiber_length": mu.getFiberLength(s),
            "fiber_velocity": mu.getFiberVelocity(s),
            "fiber_force": mu.getFiberForce(s),
        }
        for name, mu in zip(sim.muscle_names, sim._muscles)
    }
    d["markers"] = {
        name: {
            "pos": _vec3(mk.getLocationInGround(s)),
            "vel": _vec3(mk.getVelocityInGround(s)),
            "acc": _vec3(mk.getAccelerationInGround(s)),
        }
        for name, mk in sim._markers.items()
    }
    d["misc"] = {
        "mass_center_pos": _vec3(sim.model.calcMassCenterPosition(s)),
        "mass_center_vel": _vec3(sim.model.calcMassCenterVelocity(s)),
        "mass_center_acc": _vec3(sim.model.calcMassCenterAcceleration(s)),
    }
    return d
