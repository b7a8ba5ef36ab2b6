"""The render scene: what a renderer draws of a model, as plain data (see :mod:`osim.render`)."""
from __future__ import annotations

import numpy as np

from osim.sim._opensim import opensim

__all__ = ["build_scene"]


def _p(v) -> tuple[float, float, float]:
    return tuple(float(x) for x in v.to_numpy())


def build_scene(sim, full: bool = False) -> dict:
    """What a renderer draws, as plain data.

    ``segments``: bones between the origins of the bodies each joint
    connects; ``muscles``: each muscle's current path points in ground,
    its activation and side (``r``/``l`` from its name); ``contacts``:
    contact spheres (centre, radius) including obstacles; ``follow``: the
    first body's origin (the pelvis).

    ``full=True`` (the generic env, any model) adds what a foreign model
    needs to be seen: a bone from the joint centre to the body for bodies
    jointed to ground without translation (a pendulum), a disc at every body
    origin (``spheres``), the lines of path actuators that are not muscles
    (coloured by their control over its upper bound), contact ellipsoids as
    spheres, ``markers``, and a ``frame`` (centre and size of the model) that
    scales the view to the model.
    """
    s = sim.state
    pos = {name: _p(body.getPositionInGround(s)) for name, body in sim._bodies.items()}
    muscles = []
    for name, mu in zip(sim.muscle_names, sim._muscles):
        path = mu.getGeometryPath().getCurrentPath(s)
        points = [_p(path.get(k).getLocationInGround(s)) for k in range(path.getSize())]
        side = "l" if name.endswith("_l") else "r"
        muscles.append({"name": name, "points": points, "activation": float(mu.getActivation(s)), "side": side})
    contacts = []
    for sphere in sim._spheres:
        if sphere.getRadius() <= 1e-3:  # hidden placeholders (unused obstacles)
            continue
        centre = sphere.getFrame().findStationLocationInGround(s, sphere.get_location()).to_numpy()
        contacts.append({"name": sphere.getName(), "center": tuple(float(v) for v in centre),
                         "radius": float(sphere.getRadius())})
    segments = [(pos[a], pos[b]) for a, b in sim._bones]
    scene = {
        "segments": segments,
        "muscles": muscles,
        "contacts": contacts,
        "ground": {"height": 0.0},
        "follow": pos[sim.body_names[0]] if sim.body_names else (0.0, 0.0, 0.0),
    }
    if not full:
        return scene
    for frame, body in sim._ground_bones:
        segments.append((_p(frame.getPositionInGround(s)), pos[body]))
    muscle_set = set(sim.muscle_names)
    for pa in sim._path_actuators:
        if pa.getName() in muscle_set:
            continue
        path = pa.getGeometryPath().getCurrentPath(s)
        points = [_p(path.get(k).getLocationInGround(s)) for k in range(path.getSize())]
        if len(points) < 2:
            continue
        high = pa.getMaxControl()
        level = abs(pa.getControl(s)) / (high if np.isfinite(high) and high > 0 else 1.0)
        muscles.append({"name": pa.getName(), "points": points, "activation": float(min(level, 1.0))})
    for ellipsoid in sim._ellipsoids:
        centre = ellipsoid.getFrame().findStationLocationInGround(s, ellipsoid.get_location())
        contacts.append({"name": ellipsoid.getName(), "center": _p(centre),
                         "radius": float(np.mean(ellipsoid.getRadii().to_numpy()))})
    points = [p for seg in segments for p in seg] + list(pos.values())
    points += [p for m in muscles for p in m["points"]] + [c["center"] for c in contacts]
    markers = [_p(mk.getLocationInGround(s)) for mk in sim._markers.values()]
    points += markers
    if points:
        arr = np.array(points)
        lo, hi = arr.min(axis=0), arr.max(axis=0)
        size = float(max(np.max(hi - lo), 0.1))
        centre = tuple(float(v) for v in (lo + hi) / 2)
    else:
        size, centre = 1.0, (0.0, 0.0, 0.0)
    radius = 0.02 * size
    scene["spheres"] = [(p, radius) for p in pos.values()]
    scene["markers"] = [(p, 0.6 * radius) for p in markers]
    scene["frame"] = {"center": centre, "size": size}
    scene["follow"] = centre
    return scene
