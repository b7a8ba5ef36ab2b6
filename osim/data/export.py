"""Export episodes to OpenSim's file formats, written by OpenSim's own ``STOFileAdapter``.

:class:`MotionRecorder` wraps an env (classic or Gymnasium), records every
state the env reaches (after each reset and step) and writes:

* a **coordinates** ``.mot``: ``time`` and one column per coordinate of the
  model, rotational coordinates in degrees (``inDegrees=yes``), the file the
  OpenSim GUI loads on the same model (File > Load Motion);
* a **states** ``.sto``: coordinate values and speeds (``<coordinate>/value``,
  ``<coordinate>/speed``, radians and metres), then per muscle its
  ``activation`` and ``fiber_length`` (``<muscle>/activation``);
* a **forces** ``.mot``: per contact force of the model, the ground reaction
  on the body: ``<force>_force_vx/vy/vz`` (N), the centre of pressure on the
  ground plane ``<force>_force_px/py/pz`` (m; 0 while the force is below
  1 N) and the free moment ``<force>_torque_x/y/z`` (N*m, about y), in
  ground.

``recorder.export(path)`` picks the content from the name: ``*_grf.mot`` or
``*_forces.mot``: forces; ``.sto``: states; other ``.mot``: coordinates.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

__all__ = ["MotionRecorder", "write_table", "export_kind"]

#: vertical force (N) below which the centre of pressure is written as 0
COP_MIN_FORCE = 1.0


def write_table(path: str | os.PathLike, time: Sequence[float], columns: Sequence[str], values: np.ndarray,
                metadata: Mapping[str, str] | None = None) -> Path:
    """Write a time table with OpenSim's ``STOFileAdapter`` (``.mot`` and ``.sto`` share the format)."""
    from osim.sim._opensim import opensim

    path = Path(path)
    values = np.asarray(values, dtype=np.float64)
    if values.shape != (len(time), len(columns)):
        raise ValueError(f"values have shape {values.shape}, expected ({len(time)}, {len(columns)})")
    if len(time) == 0:
        raise ValueError(f"nothing to write to {path}: no rows recorded")
    table = opensim.TimeSeriesTable()
    table.setColumnLabels(list(columns))
    for t, row in zip(time, values):
        table.appendRow(float(t), opensim.RowVector(row.tolist()))
    for key, value in (metadata or {}).items():
        table.addTableMetaDataString(key, str(value))
    path.parent.mkdir(parents=True, exist_ok=True)
    opensim.STOFileAdapter.write(table, str(path))
    return path


def export_kind(path: str | os.PathLike) -> str:
    """``"forces"``, ``"states"`` or ``"coordinates"``: what :meth:`MotionRecorder.export` writes to ``path``."""
    name = Path(path).name.lower()
    if name.endswith(("_grf.mot", "_forces.mot")):
        return "forces"
    if name.endswith(".sto"):
        return "states"
    if name.endswith(".mot"):
        return "coordinates"
    raise ValueError(f"cannot tell what to export to {path}: use a name ending in .mot (coordinates), "
                     ".sto (states) or _grf.mot (contact forces)")


def _physics_of(env):
    """The OpenSim physics behind a classic env, a Gymnasium env or any wrapper of one."""
    for candidate in (env, getattr(env, "unwrapped", None)):
        episode = getattr(candidate, "episode", None)
        if episode is not None and getattr(episode, "physics", None) is not None:
            return episode.physics
    raise TypeError(f"cannot find the physics of {type(env).__name__}: record an osim-rl env "
                    "(classic or Gymnasium)")


class MotionRecorder:
    """Record an env's states, step by step, and write them to OpenSim's formats.

    ``recorder = MotionRecorder(env)``; use ``recorder.reset(...)`` and
    ``recorder.step(...)`` as the env's own (any other attribute is the
    env's); then ``recorder.export("walk.mot")``, ``export("walk.sto")``,
    ``export("walk_grf.mot")``. A reset starts a new recording (the last
    episode is what is exported); ``keep_all=True`` keeps every episode in
    :attr:`episodes`.
    """

    def __init__(self, env, keep_all: bool = False) -> None:
        self.env = env
        self.keep_all = bool(keep_all)
        self.episodes: list[dict[str, list]] = []
        self._frames: dict[str, list] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["env"], name)

    # ---------------------------------------------------------- recording
    def reset(self, *args, **kwargs):
        out = self.env.reset(*args, **kwargs)
        self._frames = {"time": [], "q": [], "u": [], "muscles": [], "contacts": []}
        if self.keep_all:
            self.episodes.append(self._frames)
        else:
            self.episodes = [self._frames]
        self.capture()
        return out

    def step(self, action):
        out = self.env.step(action)
        info = out[-1]
        if not (isinstance(info, dict) and "failure" in info):
            self.capture()
        return out

    def capture(self) -> None:
        """Record the env's current state (reset and step call it)."""
        if self._frames is None:
            raise RuntimeError("call reset() on the recorder first: it starts the recording")
        sim = _physics_of(self.env)
        frames = self._frames
        frames["time"].append(sim.time)
        frames["q"].append(np.array([sim.coordinate_value(n) for n in sim.coordinate_names]))
        frames["u"].append(sim.u().copy())
        fibers = sim.muscle_fibers()
        frames["muscles"].append(fibers[:, :2].copy())  # activation, fiber length
        frames["contacts"].append(np.array([self._ground_reaction(sim, n) for n in self._contacts(sim)]))

    def _contacts(self, sim) -> list[str]:
        """The model's contact forces (HuntCrossleyForce), found once per loaded model."""
        cached = self.__dict__.get("_contact_cache")
        if cached is not None and cached[0] is sim:
            return cached[1]
        from osim.sim._opensim import opensim

        forces = _opensim_model(sim).getForceSet()
        names = [n for n in sim.force_names
                 if forces.contains(n) and opensim.HuntCrossleyForce.safeDownCast(forces.get(n)) is not None]
        self.__dict__["_contact_cache"] = (sim, names)
        return names

    @staticmethod
    def _ground_reaction(sim, name: str) -> np.ndarray:
        """Force on the body (N), centre of pressure on y = 0 (m), free moment about y (N*m): 9 values."""
        record = np.array(sim.force_record(name)[:6])  # the ground's share, about the ground origin
        force, torque = -record[:3], -record[3:]
        fx, fy, fz = force
        if fy > COP_MIN_FORCE:
            px, pz = torque[2] / fy, -torque[0] / fy
            free = torque[1] - (pz * fx - px * fz)
        else:
            px = pz = free = 0.0
        return np.array([fx, fy, fz, px, 0.0, pz, 0.0, free, 0.0])

    # ------------------------------------------------------------ export
    def _episode(self) -> dict[str, list]:
        if not self.episodes or not self.episodes[-1]["time"]:
            raise RuntimeError("nothing recorded yet: reset() and step() the recorder first")
        return self.episodes[-1]

    def export(self, path: str | os.PathLike) -> Path:
        """Write the last episode to ``path``; the name picks the content (:func:`export_kind`)."""
        kind = export_kind(path)
        return {"coordinates": self.export_coordinates, "states": self.export_states,
                "forces": self.export_forces}[kind](path)

    def export_coordinates(self, path: str | os.PathLike) -> Path:
        """Coordinates, rotational ones in degrees: the ``.mot`` the OpenSim GUI plays on the model."""
        sim = _physics_of(self.env)
        ep = self._episode()
        q = np.array(ep["q"])
        rotational = _rotational(sim)
        q_out = q.copy()
        for k, name in enumerate(sim.coordinate_names):
            if name in rotational:
                q_out[:, k] = np.rad2deg(q[:, k])
        meta = {"header": f"Coordinates of {sim.model_path.name} recorded by osim-rl", "inDegrees": "yes"}
        return write_table(path, ep["time"], sim.coordinate_names, q_out, meta)

    def export_states(self, path: str | os.PathLike) -> Path:
        """Coordinate values and speeds (rad, m), muscle activations and fibre lengths (m), as OpenSim states."""
        sim = _physics_of(self.env)
        ep = self._episode()
        q, u, mus = np.array(ep["q"]), np.array(ep["u"]), np.array(ep["muscles"])
        columns = [f"{n}/value" for n in sim.coordinate_names] + [f"{n}/speed" for n in sim.coordinate_names]
        columns += [f"{m}/{what}" for m in sim.muscle_names for what in ("activation", "fiber_length")]
        values = np.hstack([q, u, mus.reshape(len(q), -1)])
        meta = {"header": f"States of {sim.model_path.name} recorded by osim-rl", "inDegrees": "no"}
        return write_table(path, ep["time"], columns, values, meta)

    def export_forces(self, path: str | os.PathLike) -> Path:
        """The ground reaction of each contact force: force, centre of pressure, free moment."""
        sim = _physics_of(self.env)
        ep = self._episode()
        names = self._contacts(sim)
        if not names:
            raise ValueError(f"{sim.model_path.name} has no contact forces (HuntCrossleyForce) to export")
        parts = ("force_vx", "force_vy", "force_vz", "force_px", "force_py", "force_pz",
                 "torque_x", "torque_y", "torque_z")
        columns = [f"{n}_{p}" for n in names for p in parts]
        values = np.array(ep["contacts"]).reshape(len(ep["time"]), -1)
        meta = {"header": f"Ground reactions of {sim.model_path.name} recorded by osim-rl", "inDegrees": "no"}
        return write_table(path, ep["time"], columns, values, meta)


def _opensim_model(sim):
    """The OpenSim model of a physics: its own (OpenSim engine) or the .osim its twin was made from (MuJoCo)."""
    model = getattr(sim, "model", None)
    if model is not None and hasattr(model, "getCoordinateSet"):
        return model
    return _load_osim(str(sim.model_path))


@functools.lru_cache(maxsize=8)
def _load_osim(path: str):
    from osim.sim._opensim import load_model

    model = load_model(Path(path))
    model.initSystem()
    return model


def _rotational(sim) -> frozenset[str]:
    coords = _opensim_model(sim).getCoordinateSet()
    return frozenset(coords.get(i).getName() for i in range(coords.getSize())
                     if coords.get(i).getMotionType() == 1)  # Coordinate.Rotational
