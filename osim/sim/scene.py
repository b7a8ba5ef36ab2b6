"""The render scene: what a renderer draws of a model, as plain data (see :mod:`osim.render`)."""
from __future__ import annotations

import numpy as np

from osim.sim._opensim import opensim

__all__ = ["build_scene", "mesh_bodies"]


def mesh_bodies(sim) -> list[tuple[str, tuple[str, ...], tuple[float, float, float], tuple[int, ...]]]:
    """Per body with bone meshes: (body, mesh files, scale, indices of the stick segments they replace).

    A model's own ``Mesh`` geometry attached to its bodies, else, for the
    built models, :data:`osim.geometry.BODY_MESHES`. A segment is replaced
    when the body it leads to has meshes, or when it leads from a body with
    meshes to a leaf body without any (the torso's skull stands for the
    head). Found once per loaded model.
    """
    cached = sim.__dict__.get("_mesh_bodies")
    if cached is not None and cached[0] is sim.model:
        return cached[1]
    own: dict[str, list] = {}
    for name, body in sim._bodies.items():
        prop = body.getPropertyByName("attached_geometry")
        for j in range(prop.size()):
            mesh = opensim.Mesh.safeDownCast(body.get_attached_geometry(j))
            if mesh is not None and mesh.get_mesh_file():
                scale = tuple(float(v) for v in mesh.get_scale_factors().to_numpy())
                own.setdefault(name, []).append((mesh.get_mesh_file(), scale))
    files: dict[str, tuple[tuple[str, ...], tuple[float, float, float]]] = {}
    if own:
        for name, items in own.items():
            files[name] = (tuple(f for f, _s in items), items[0][1])
    else:
        from osim.geometry import BODY_MESHES
        from osim.models import MODEL_NAMES

        path = getattr(sim, "model_path", None)
        if path is not None and path.stem in MODEL_NAMES:
            files = {name: (BODY_MESHES[name], (1.0, 1.0, 1.0)) for name in sim._bodies if name in BODY_MESHES}
    parents = {a for a, _b in sim._bones}
    out = []
    for name, (names, scale) in files.items():
        hides = tuple(k for k, (a, b) in enumerate(sim._bones)
                      if b == name or (a == name and b not in files and b not in parents))
        out.append((name, names, scale, hides))
    sim.__dict__["_mesh_bodies"] = (sim.model, out)
    return out


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
    meshes = mesh_bodies(sim)
    if meshes:
        bodies = []
        for name, files, scale, hides in meshes:
            transform = sim._bodies[name].getTransformInGround(s)
            r = transform.R().asMat33()
            bodies.append({"name": name, "position": _p(transform.p()), "meshes": list(files), "scale": scale,
                           "rotation": [[r.get(i, j) for j in range(3)] for i in range(3)],
                           "hides": {"segments": list(hides)}})
        scene["bodies"] = bodies
        folder = str(sim.model_path.parent) if getattr(sim, "model_path", None) is not None else None
        if folder:
            scene["geometry_dirs"] = [folder]
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
