"""The reaching target of Arm2DEnv: a tiny body on a planar joint from the ground.

The 2019 Arm2DEnv (osim-rl 3.0.11) showed its target in the model itself: a
body ``target`` (mass 1e-4 kg, inertia (1, 1, 1e-4)) drawn as a green sphere
of radius 2 cm, attached to the ground by a planar joint ``target-joint``
whose coordinates are ``rz`` (rotation about Z), ``tx`` and ``ty``; the body
origin sits 0.25 m in front of the joint frame (+Z, towards the viewer), so
renderers and the state description (``body_pos["target"]``) see it. It has
no contact geometry and applies no force to the arm.

The target is placed per episode by writing ``tx`` and ``ty`` into the state:
``tx`` is set, ``ty`` is unlocked, set and locked again (the lock holds the
body against gravity), then the state is re-installed with a new integrator.
This is how the original placed it; the locked ``ty`` is part of the
simulated system (a constraint the integrator sees), so this exact set-up is
what reproduces the reference trajectories to the last bits.
"""
from __future__ import annotations

from osim.sim._opensim import opensim

__all__ = [
    "TARGET_BODY",
    "TARGET_JOINT",
    "TARGET_COORDINATES",
    "add_target",
    "TargetHandle",
]

TARGET_BODY = "target"
TARGET_JOINT = "target-joint"
#: the planar joint's coordinates, in joint order
TARGET_COORDINATES = ("rz", "tx", "ty")
TARGET_MASS = 1e-4
TARGET_INERTIA = (1.0, 1.0, 1e-4)  # Ixx, Iyy, Izz about the body origin (= centre of mass)
TARGET_RADIUS = 0.02
TARGET_COLOR = (0.0, 1.0, 0.0)  # green
#: the body origin relative to the joint frame (m)
TARGET_OFFSET_Z = 0.25


def add_target(model) -> None:
    """Add the ``target`` body and its planar ``target-joint`` to ``model`` (before initSystem)."""
    body = opensim.Body(
        TARGET_BODY,
        TARGET_MASS,
        opensim.Vec3(0.0, 0.0, 0.0),
        opensim.Inertia(*TARGET_INERTIA, 0.0, 0.0, 0.0),
    )
    joint = opensim.PlanarJoint(
        TARGET_JOINT,
        model.getGround(), opensim.Vec3(0.0, 0.0, 0.0), opensim.Vec3(0.0, 0.0, 0.0),
        # the joint's child frame lies 0.25 m behind the body origin
        body, opensim.Vec3(0.0, 0.0, -TARGET_OFFSET_Z), opensim.Vec3(0.0, 0.0, 0.0),
    )
    for k, name in enumerate(TARGET_COORDINATES):
        joint.upd_coordinates(k).setName(name)
    sphere = opensim.Sphere(TARGET_RADIUS)
    sphere.setColor(opensim.Vec3(*TARGET_COLOR))
    body.attachGeometry(sphere)
    model.addJoint(joint)
    model.addBody(body)


class TargetHandle:
    """Places the target of a simulator whose model went through :func:`add_target`."""

    def __init__(self, sim) -> None:
        joint = sim.model.getJointSet().get(TARGET_JOINT)
        self.sim = sim
        self._tx = joint.get_coordinates(1)
        self._ty = joint.get_coordinates(2)

    def place(self, x: float, y: float) -> None:
        """Move the target to ``(x, y)`` (ground frame, m) in the current state.

        ``tx`` is set; ``ty`` is unlocked, set and locked; the state is then
        re-installed (new integrator, excitations back at their initial
        value), as the original did right after its reset.
        """
        state = self.sim.get_state()
        self._tx.setValue(state, float(x), False)
        self._ty.setLocked(state, False)
        self._ty.setValue(state, float(y), False)
        self._ty.setLocked(state, True)
        self.sim.set_state(state)
