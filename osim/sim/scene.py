"""The render scene: what a renderer draws of a model, as plain data (see :mod:`osim.render`)."""
from __future__ import annotations

__all__ = ["build_scene"]


def build_scene(sim) -> dict:
    """What a renderer draws, as plain data.

    ``segments``: bones between the origins of the bodies each joint
    connects; ``muscles``: each muscle's current path points in ground,
    its activation and side (``r``/``l`` from its name); ``contacts``:
    contact spheres (centre, radius) including obstacles; ``follow``: the
    first body's origin (the pelvis).
    """
    s = sim.state
    pos = {name: tuple(float(v) for v in body.getPositionInGround(s).to_numpy())
           for name, body in sim._bodies.items()}
    muscles = []
    for name, mu in zip(sim.muscle_names, sim._muscles):
        path = mu.getGeometryPath().getCurrentPath(s)
        points = [tuple(float(v) for v in path.get(k).getLocationInGround(s).to_numpy())
                  for k in range(path.getSize())]
        side = "l" if name.endswith("_l") else "r"
        muscles.append({"name": name, "points": points, "activation": float(mu.getActivation(s)), "side": side})
    contacts = []
    for sphere in sim._spheres:
        if sphere.getRadius() <= 1e-3:  # hidden placeholders (unused obstacles)
            continue
        centre = sphere.getFrame().findStationLocationInGround(s, sphere.get_location()).to_numpy()
        contacts.append({"name": sphere.getName(), "center": tuple(float(v) for v in centre),
                         "radius": float(sphere.getRadius())})
    return {
        "segments": [(pos[a], pos[b]) for a, b in sim._bones],
        "muscles": muscles,
        "contacts": contacts,
        "ground": {"height": 0.0},
        "follow": pos[sim.body_names[0]] if sim.body_names else (0.0, 0.0, 0.0),
    }
