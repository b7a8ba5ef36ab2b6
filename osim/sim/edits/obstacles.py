"""Obstacles of "Learning to Run": spheres fixed in the ground that push the feet.

The 2017 environment added, per obstacle, a massless body on a locked planar
joint carrying a contact sphere. A sphere fixed in the ground is the same
physics without three locked coordinates per obstacle, so here each obstacle
is a ``ContactSphere`` attached to the ground frame and a Hunt-Crossley force
between it and the four foot spheres, with the values the 2017 code set:
stiffness 1e6 / r, dissipation 1e-5, no friction. (The 2017 code changed
radius and stiffness after the system was built, so whether its physics used
them is unclear; here they take effect: docs/quirks.md, Q20.) Obstacles are
placed and sized per episode by changing these components' properties and
rebuilding the Simbody system (a few milliseconds; the model is not
rebuilt); unused obstacles have their force switched off.
"""
from __future__ import annotations

from typing import Sequence

from osim.sim._opensim import opensim

__all__ = ["FOOT_SPHERES", "add_obstacles", "ObstacleSet"]

#: the foot contact spheres of gait9dof18musc that obstacles push
FOOT_SPHERES = ("r_heel", "l_heel", "r_toe", "l_toe")
STIFFNESS_PER_RADIUS = 1e6  # N/m per 1/m: stiffness = 1e6 / r
DISSIPATION = 1e-5
HIDDEN = (0.0, -0.1, 1e-4)  # (x, y, r) of an unused obstacle, below the ground


def add_obstacles(model, count: int) -> None:
    """Add ``count`` obstacle spheres (named ``{i}-contact``) and forces (``{i}-force``)."""
    ground = model.getGround()
    for i in range(count):
        x, y, r = HIDDEN
        sphere = opensim.ContactSphere(r, opensim.Vec3(x, y, 0.0), ground, f"{i}-contact")
        model.addContactGeometry(sphere)
        force = opensim.HuntCrossleyForce()
        force.setName(f"{i}-force")
        force.addGeometry(f"{i}-contact")
        for name in FOOT_SPHERES:
            force.addGeometry(name)
        force.setStiffness(STIFFNESS_PER_RADIUS / r)
        force.setDissipation(DISSIPATION)
        force.setStaticFriction(0.0)
        force.setDynamicFriction(0.0)
        force.setViscousFriction(0.0)
        force.set_appliesForce(False)
        model.addForce(force)


class ObstacleSet:
    """Handles to the obstacles of a simulator built with :func:`add_obstacles`."""

    def __init__(self, sim, count: int) -> None:
        self.sim = sim
        self.count = count
        cset, fset = sim.model.getContactGeometrySet(), sim.model.getForceSet()
        self._spheres = [opensim.ContactSphere.safeDownCast(cset.get(f"{i}-contact")) for i in range(count)]
        self._forces = [opensim.HuntCrossleyForce.safeDownCast(fset.get(f"{i}-force")) for i in range(count)]
        self._placed: list[tuple[float, float, float]] | None = None

    def place(self, obstacles: Sequence[Sequence[float]]) -> None:
        """Put obstacles ``(x, y, r)`` (centre height y above ground, radius r); hide the rest.

        Rebuilds the system at the next reset only if the layout changed.
        """
        obstacles = [tuple(float(v) for v in o) for o in obstacles]
        if len(obstacles) > self.count:
            raise ValueError(f"{len(obstacles)} obstacles given, but the env was built for at most {self.count}")
        if obstacles == self._placed:
            return
        for i, (sphere, force) in enumerate(zip(self._spheres, self._forces)):
            used = i < len(obstacles)
            x, y, r = obstacles[i] if used else HIDDEN
            sphere.set_location(opensim.Vec3(x, y, 0.0))
            sphere.setRadius(r)
            force.setStiffness(STIFFNESS_PER_RADIUS / r)
            force.set_appliesForce(used)
        self._placed = obstacles
        self.sim.request_rebuild()
