"""Terrain and ground friction for the "Learning to Run" obstacle course.

**Platforms.** A platform is a box standing on the ground: ``x`` from ``x0``
to ``x0 + length``, top at ``height`` (m) above the ground, 0.32 m wide
across the walking direction (``z`` in [-0.16, 0.16], where the planar model's
feet move at ``z = +-0.0925``). Its surface is a closed triangle mesh
(:class:`opensim.ContactMesh`, faces of at most 2 x 2.5 cm) and the feet touch
it through an :class:`opensim.ElasticFoundationForce` with the four foot
spheres (``r_heel``, ``l_heel``, ``r_toe``, ``l_toe``): a foot stands on its
top and trips over its front wall. The ground half-space of the model stays
the floor, so platform tops are at or above the ground; a platform lower than
the one before it is a step down. Each platform has its own friction (a patch
of ground).

The foundation's stiffness (:data:`STIFFNESS`, N/m^3) is calibrated so that
a standing model sinks into a platform as much as into the model's ground
(Hunt-Crossley, stiffness 6e5), i.e. the body stands ``height`` higher on a
platform than on the ground (within a few millimetres). A sphere that gets
completely inside a box feels no force (elastic foundation contact sees the
surface only); at the speeds and depths of running this does not happen.

Meshes are ``.obj`` files written per episode into a directory the env owns
(the mesh of each platform slot is replaced and the Simbody system rebuilt
when the layout changes: about 10-30 ms per platform). Unused slots hold a
tiny box 1 m below the ground with their force switched off.

**Friction.** :class:`GroundFriction` changes the static, dynamic and
viscous friction coefficients of the model's foot-ground Hunt-Crossley forces
(``foot_r``, ``foot_l``; nominal 0.8, 0.8, 0) per episode.
"""
from __future__ import annotations

import os
from typing import Sequence

import numpy as np

from osim.sim.edits.obstacles import FOOT_SPHERES
from osim.sim._opensim import opensim

__all__ = ["STIFFNESS", "DISSIPATION", "TRANSITION_VELOCITY", "WIDTH", "box_mesh", "write_obj",
           "add_platforms", "PlatformSet", "GroundFriction", "height_at", "spans", "GROUND_FORCES"]

#: elastic-foundation stiffness of a platform (N/m^3), matched to the ground's sinkage
STIFFNESS = 5.0e6
#: Hunt-Crossley-style dissipation (s/m), as the model's ground
DISSIPATION = 1.5
#: slip speed (m/s) of peak static friction, as the model's ground
TRANSITION_VELOCITY = 0.1
#: platform width across the walking direction (m), centred on z = 0
WIDTH = 0.32
#: platforms reach this far below the ground (m) so that their walls meet it
BASE = -0.05
#: mesh resolution (m) along x / y and along z
CELL_XY, CELL_Z = 0.02, 0.025
#: the model's foot-ground forces whose friction :class:`GroundFriction` sets
GROUND_FORCES = ("foot_r", "foot_l")
_HIDDEN = (-1.0, -0.9)  # x0, x1 of an unused slot's box (and y from -1.0 to -0.9)


def box_mesh(x0: float, x1: float, y0: float, y1: float, z0: float = -WIDTH / 2, z1: float = WIDTH / 2,
             cell_xy: float = CELL_XY, cell_z: float = CELL_Z) -> tuple[np.ndarray, np.ndarray]:
    """A closed, outward-oriented triangle mesh of an axis-aligned box.

    Returns ``(vertices (n, 3), faces (m, 3) zero-based)``. The faces a foot
    can touch (the top and the walls facing -x and +x) are grids of triangles
    at most ``cell_xy`` along x and y and ``cell_z`` along z (elastic
    foundation springs sit at the triangle centroids); the side walls
    (facing -z, +z) and the bottom, which the planar model's feet never
    reach, are fans of a few long triangles (the mesh loads faster).
    """
    X = np.linspace(x0, x1, max(1, int(np.ceil((x1 - x0) / cell_xy - 1e-9))) + 1)
    Y = np.linspace(y0, y1, max(1, int(np.ceil((y1 - y0) / cell_xy - 1e-9))) + 1)
    Z = np.linspace(z0, z1, max(1, int(np.ceil((z1 - z0) / cell_z - 1e-9))) + 1)
    points: list[np.ndarray] = []
    tris: list[np.ndarray] = []
    count = 0

    def orient(P: np.ndarray, t: np.ndarray, outward) -> np.ndarray:
        n = np.cross(P[t[:, 1]] - P[t[:, 0]], P[t[:, 2]] - P[t[:, 0]])
        flip = n @ np.asarray(outward, dtype=np.float64) < 0
        t[flip] = t[flip][:, [0, 2, 1]]
        return t

    def grid(u, v, fix, outward) -> None:
        nonlocal count
        U, V = np.meshgrid(u, v, indexing="ij")
        P = np.stack(fix(U, V), axis=-1).reshape(-1, 3)
        idx = np.arange(len(u) * len(v)).reshape(len(u), len(v))
        a, b, c, d = idx[:-1, :-1].ravel(), idx[1:, :-1].ravel(), idx[1:, 1:].ravel(), idx[:-1, 1:].ravel()
        t = np.concatenate([np.stack([a, b, c], 1), np.stack([a, c, d], 1)])
        points.append(P)
        tris.append(count + orient(P, t, outward))
        count += len(P)

    def fan(loop: np.ndarray, outward) -> None:
        nonlocal count
        P = np.vstack([loop, loop.mean(axis=0)])
        n = len(loop)
        k = np.arange(n)
        t = np.stack([np.full(n, n), k, (k + 1) % n], 1)
        points.append(P)
        tris.append(count + orient(P, t, outward))
        count += len(P)

    def const(v, like):
        return np.full_like(like, v)

    grid(X, Z, lambda u, v: (u, const(y1, u), v), (0, 1, 0))
    grid(Y, Z, lambda u, v: (const(x0, u), u, v), (-1, 0, 0))
    grid(Y, Z, lambda u, v: (const(x1, u), u, v), (1, 0, 0))
    for zc, sign in ((z0, -1), (z1, 1)):
        loop = np.concatenate([
            np.column_stack([X, np.full_like(X, y1), np.full_like(X, zc)]),            # top, x0 -> x1
            np.column_stack([np.full(len(Y) - 2, x1), Y[-2:0:-1], np.full(len(Y) - 2, zc)]),  # down the x1 edge
            [[x1, y0, zc], [x0, y0, zc]],                                              # bottom corners
            np.column_stack([np.full(len(Y) - 2, x0), Y[1:-1], np.full(len(Y) - 2, zc)]),     # up the x0 edge
        ])
        fan(loop, (0, 0, sign))
    loop = np.concatenate([
        np.column_stack([np.full_like(Z, x0), np.full_like(Z, y0), Z]),
        np.column_stack([np.full_like(Z, x1), np.full_like(Z, y0), Z[::-1]]),
    ])
    fan(loop, (0, -1, 0))
    allp = np.concatenate(points)
    # faces share their edge points exactly (the same grids): merge duplicates
    unique, inverse = np.unique(allp, axis=0, return_inverse=True)
    faces = inverse.reshape(-1)[np.concatenate(tris)]
    return unique, faces


def write_obj(path: str | os.PathLike, vertices: np.ndarray, faces: np.ndarray) -> None:
    """Write a Wavefront ``.obj`` mesh (what OpenSim's ContactMesh reads)."""
    lines = ["v %.9g %.9g %.9g" % tuple(v) for v in vertices.tolist()]
    lines += ["f %d %d %d" % tuple(f) for f in (faces + 1).tolist()]
    with open(path, "w") as fh:
        fh.write("\n".join(lines) + "\n")


def _mesh_file(mesh_dir: str, slot: int, version: int) -> str:
    return os.path.join(mesh_dir, f"platform{slot}_{version}.obj")


def _write_hidden(mesh_dir: str, slot: int) -> str:
    path = os.path.join(mesh_dir, f"platform{slot}_hidden.obj")
    if not os.path.exists(path):
        write_obj(path, *box_mesh(_HIDDEN[0], _HIDDEN[1], -1.0, -0.9, cell_xy=1.0, cell_z=1.0))
    return path


def add_platforms(model, count: int, mesh_dir: str) -> None:
    """Add ``count`` platform slots: meshes ``platform{i}`` and forces ``platform{i}-force`` (off)."""
    ground = model.getGround()
    for i in range(count):
        mesh = opensim.ContactMesh(_write_hidden(mesh_dir, i), opensim.Vec3(0, 0, 0), opensim.Vec3(0, 0, 0),
                                   ground, f"platform{i}")
        model.addContactGeometry(mesh)
        force = opensim.ElasticFoundationForce()
        force.setName(f"platform{i}-force")
        force.addGeometry(f"platform{i}")
        for name in FOOT_SPHERES:
            force.addGeometry(name)
        force.setStiffness(STIFFNESS)
        force.setDissipation(DISSIPATION)
        force.setStaticFriction(0.8)
        force.setDynamicFriction(0.8)
        force.setViscousFriction(0.0)
        force.setTransitionVelocity(TRANSITION_VELOCITY)
        force.set_appliesForce(False)
        model.addForce(force)


class PlatformSet:
    """Handles to the platform slots of a simulator built with :func:`add_platforms`."""

    def __init__(self, sim, count: int, mesh_dir: str) -> None:
        self.sim, self.count, self.mesh_dir = sim, count, mesh_dir
        cset, fset = sim.model.getContactGeometrySet(), sim.model.getForceSet()
        self._meshes = [opensim.ContactMesh.safeDownCast(cset.get(f"platform{i}")) for i in range(count)]
        self._forces = [opensim.ElasticFoundationForce.safeDownCast(fset.get(f"platform{i}-force"))
                        for i in range(count)]
        self._placed: list[tuple[float, ...] | None] = [None] * count
        self._version = 0

    def place(self, platforms: Sequence[Sequence[float]]) -> None:
        """Build platforms ``(x0, length, height, static, dynamic, viscous)``; switch the other slots off.

        Only changed slots get a new mesh; the system is rebuilt at the next
        reset if anything changed.
        """
        platforms = [tuple(float(v) for v in p) for p in platforms]
        if len(platforms) > self.count:
            raise ValueError(f"{len(platforms)} platforms given, but the env has {self.count} platform slots")
        changed = False
        for i, (mesh, force) in enumerate(zip(self._meshes, self._forces)):
            p = platforms[i] if i < len(platforms) else None
            if p == self._placed[i]:
                continue
            changed = True
            if p is None:
                mesh.set_filename(_write_hidden(self.mesh_dir, i))
                force.set_appliesForce(False)
            else:
                x0, length, height, static, dynamic, viscous = p
                old = self._placed[i]
                if old is None or old[:3] != p[:3]:
                    self._version += 1
                    path = _mesh_file(self.mesh_dir, i, self._version)
                    write_obj(path, *box_mesh(x0, x0 + length, BASE, height))
                    mesh.set_filename(path)
                force.setStaticFriction(static)
                force.setDynamicFriction(dynamic)
                force.setViscousFriction(viscous)
                force.set_appliesForce(True)
            self._placed[i] = p
        if changed:
            self.sim.request_rebuild()
            self._cleanup()

    def close(self) -> None:
        """Remove the mesh directory (when the engine closes)."""
        import shutil

        shutil.rmtree(self.mesh_dir, ignore_errors=True)

    def _cleanup(self) -> None:
        """Remove mesh files no slot uses any more (they are read at the rebuild, not after)."""
        used = {os.path.basename(m.get_filename()) for m in self._meshes}
        for name in os.listdir(self.mesh_dir):
            if name.endswith(".obj") and "_hidden" not in name and name not in used:
                _remove_quietly(os.path.join(self.mesh_dir, name))


def _remove_quietly(path) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


def spans(platforms: Sequence[Sequence[float]]) -> np.ndarray:
    """``(n, 3)`` array ``(x0, x1, height)`` of platforms given as ``(x0, length, height, ...)``."""
    return np.array([[p[0], p[0] + p[1], p[2]] for p in platforms], dtype=np.float64).reshape(-1, 3)


def height_at(platform_spans: np.ndarray, x) -> np.ndarray:
    """Terrain height (m) at ground positions ``x``: the top of the platform there, else 0.

    ``platform_spans`` as :func:`spans` returns; where platforms touch, the
    higher one counts.
    """
    x = np.asarray(x, dtype=np.float64)
    t = platform_spans
    if not len(t):
        return np.zeros_like(x)
    inside = (x[..., None] >= t[:, 0]) & (x[..., None] <= t[:, 1])
    return np.max(np.where(inside, t[:, 2], 0.0), axis=-1)


class GroundFriction:
    """Friction coefficients of the model's foot-ground contact (``foot_r``, ``foot_l``)."""

    def __init__(self, sim) -> None:
        self.sim = sim
        fset = sim.model.getForceSet()
        self._forces = [opensim.HuntCrossleyForce.safeDownCast(fset.get(n)) for n in GROUND_FORCES
                        if n in sim.force_names]
        f = self._forces[0]
        #: the model's own (static, dynamic, viscous) coefficients
        self.nominal = (f.getStaticFriction(), f.getDynamicFriction(), f.getViscousFriction())
        self._current = self.nominal

    def set(self, friction: Sequence[float] | None) -> None:
        """Set ``(static, dynamic, viscous)`` (None: the model's own); rebuilds at the next reset if changed."""
        friction = self.nominal if friction is None else tuple(float(v) for v in friction)
        if friction == self._current:
            return
        for f in self._forces:
            f.setStaticFriction(friction[0])
            f.setDynamicFriction(friction[1])
            f.setViscousFriction(friction[2])
        self._current = friction
        self.sim.request_rebuild()
