"""Scenario edits: components a task asks the engine to add to its model at load.

A task never edits a model itself. It names the edits its scenarios need
(:meth:`osim.env.task.Task.model_edits`), the engine adds them before the
system is built, and the task moves them per episode through the handle
that :meth:`osim.sim.physics.Physics.edit` returns:

===================  ==================  ====================================================
name                 parameters          handle
===================  ==================  ====================================================
``obstacles``        ``count``           ``place([(x, y, r), ...])``: spheres fixed in the
                                         ground that push the feet (:mod:`.obstacles`)
``platforms``        ``count``           ``place([(x0, length, height, static, dynamic,
                                         viscous), ...])``: boxes the feet stand on
                                         (:mod:`.terrain`)
``ground_friction``  (none)              ``set((static, dynamic, viscous) or None)``,
                                         ``nominal``: the foot-ground friction
``arm_target``       (none)              ``place(x, y)``: the reaching target body of the
                                         arm (:mod:`.target`)
===================  ==================  ====================================================

Handles change component properties; the system is rebuilt at the next
reset when anything changed (a few milliseconds; resolved names stay
valid). Another engine implements the same names and handle methods.
"""
from __future__ import annotations

import shutil
import tempfile
import weakref
from typing import Any, Mapping

__all__ = ["EDITS", "add_edits", "check_edits", "make_handles"]

#: edit name -> its allowed parameters
EDITS: dict[str, tuple[str, ...]] = {
    "obstacles": ("count",),
    "platforms": ("count",),
    "ground_friction": (),
    "arm_target": (),
}


def check_edits(edits: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Validate ``{name: {parameter: value}}``; returns a plain copy."""
    clean = {}
    for name, params in edits.items():
        if name not in EDITS:
            raise ValueError(f"unknown model edit {name!r}; allowed: {', '.join(EDITS)}")
        params = dict(params or {})
        unknown = set(params) - set(EDITS[name])
        if unknown:
            raise ValueError(f"model edit {name!r}: unknown parameters {sorted(unknown)}; "
                             f"allowed: {', '.join(EDITS[name]) or 'none'}")
        count = params.get("count")
        if "count" in EDITS[name] and (isinstance(count, bool) or not isinstance(count, int) or count < 0):
            raise ValueError(f"model edit {name!r} needs count= a non-negative integer, got {count!r}")
        clean[name] = params
    return clean


def add_edits(model, edits: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Add the edits' components to a loaded OpenSim model (before ``initSystem``); returns their resources."""
    from .obstacles import add_obstacles
    from .target import add_target
    from .terrain import add_platforms

    resources: dict[str, Any] = {}
    if "obstacles" in edits:
        add_obstacles(model, edits["obstacles"]["count"])
    if "platforms" in edits and edits["platforms"]["count"]:
        resources["mesh_dir"] = tempfile.mkdtemp(prefix="osim-terrain-")
        # removed with the model (or at exit), whether or not the engine is closed
        resources["cleanup"] = weakref.finalize(model, shutil.rmtree, resources["mesh_dir"], True)
        add_platforms(model, edits["platforms"]["count"], resources["mesh_dir"])
    if "arm_target" in edits:
        add_target(model)
    return resources


def make_handles(sim, edits: Mapping[str, Mapping[str, Any]], resources: Mapping[str, Any]) -> dict[str, Any]:
    """The handles of the edits of a built engine."""
    from .obstacles import ObstacleSet
    from .target import TargetHandle
    from .terrain import GroundFriction, PlatformSet

    handles: dict[str, Any] = {}
    if "obstacles" in edits:
        handles["obstacles"] = ObstacleSet(sim, edits["obstacles"]["count"])
    if "platforms" in edits:
        count = edits["platforms"]["count"]
        handles["platforms"] = PlatformSet(sim, count, resources["mesh_dir"]) if count else _NoPlatforms()
    if "ground_friction" in edits:
        handles["ground_friction"] = GroundFriction(sim)
    if "arm_target" in edits:
        handles["arm_target"] = TargetHandle(sim)
    return handles


class _NoPlatforms:
    """The platform handle of a model built with no platform slots."""

    count = 0

    def place(self, platforms) -> None:
        if len(platforms):
            raise ValueError(f"{len(platforms)} platforms given, but the model has no platform slots")
