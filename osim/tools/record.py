"""Episode records: what an env did, step by step, as arrays in a ``.npz``.

A record holds the actions fed, the observations (reset and after every
step), rewards, done flags, the episode's scenario and how the env was made,
so it can be replayed (:func:`replay`) and compared, plotted or rendered.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["record_episode", "run_episode", "save_record", "load_record", "replay"]


def record_episode(env, actions, stop_when_done: bool = True, details: bool = True, **reset_kwargs: Any) -> dict:
    """Reset ``env`` (classic API) with ``reset_kwargs`` and feed it ``actions`` (an array).

    With ``details`` the record also holds, per step, the coordinate values
    (``joints``, names in ``joint_names``), muscle activations, ground
    reaction forces on the feet (``grf``, N, names in ``grf_names``), the
    pelvis position, the reward terms and, for ImitateEnv, the tracking
    errors (``tracking``: phase, pose_rms, ...): what :func:`osim.tools.plot.plot_episode`
    draws.
    """
    return run_episode(env, lambda _obs, k: actions[k], len(actions), stop_when_done, details, **reset_kwargs)


def run_episode(env, controller, steps: int, stop_when_done: bool = True, details: bool = True,
                progress=None, **reset_kwargs: Any) -> dict:
    """Run ``controller(obs, k) -> action`` for up to ``steps`` steps; returns the record.

    The controller gets the observation in the env's own form (a dict for
    L2M2019Env by default); the record stores the flat vector
    (``get_observation()``).
    """
    sim = env.sim
    obs = env.reset(**reset_kwargs)
    obs0 = np.asarray(env.get_observation(), dtype=np.float64)
    feet = [f for f in sim.force_names if f.startswith(("foot", "pros_foot"))]
    rows: dict[str, list] = {k: [] for k in ("obs", "rewards", "dones", "actions", "joints", "activations",
                                             "grf", "pelvis")}
    terms: dict[str, list] = {}
    tracking: dict[str, list] = {}
    for k in range(steps):
        action = np.asarray(controller(obs, k), dtype=np.float64)
        obs, reward, done, info = env.step(action)
        rows["obs"].append(np.asarray(env.get_observation(), dtype=np.float64))
        rows["rewards"].append(reward)
        rows["dones"].append(done)
        rows["actions"].append(action)
        if details:
            rows["joints"].append(sim.q())
            rows["activations"].append(sim.muscle_activations())
            if feet:
                rows["grf"].append([[-v for v in sim.force_record(f)[0:3]] for f in feet])
            if "pelvis" in sim.body_names:
                rows["pelvis"].append(sim.body_position("pelvis"))
            for name, value in info.get("tracking", {}).items():
                if isinstance(value, float):  # ImitateEnv's tracking errors and phase
                    tracking.setdefault(name, []).append(value)
            for name, value in info.get("reward_terms", {}).items():
                terms.setdefault(name, [0.0] * k).append(value)
            for name in terms:
                if len(terms[name]) < k + 1:
                    terms[name].append(0.0)
        if progress is not None:
            progress(k + 1)
        if done and stop_when_done:
            break
    record = {
        "env": type(env).__name__,
        "reset_kwargs": {k: v for k, v in reset_kwargs.items() if k != "scenario"},
        "scenario": env.scenario,
        "dt": sim.step_size,
        "obs0": obs0,
    }
    for key, values in rows.items():
        if values:
            record[key] = np.array(values, dtype=bool if key == "dones" else np.float64)
    if details:
        record["joint_names"] = list(sim.coordinate_names)
        record["muscle_names"] = list(sim.muscle_names)
        if feet:
            record["grf_names"] = feet
        record["reward_terms"] = {name: np.array(v) for name, v in terms.items()}
        if tracking:
            record["tracking"] = {name: np.array(v) for name, v in tracking.items()}
    return record


#: dicts of per-step arrays, stored as ``group/name`` arrays
_GROUPS = ("reward_terms", "tracking")


def _plain(value: Any) -> Any:
    """JSON-friendly copy (NumPy arrays and scalars in metadata become lists and numbers)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


def save_record(path: str | Path, record: dict, **meta: Any) -> None:
    """Write a record to ``path`` (``.npz``); extra keywords go into its metadata."""
    arrays = {k: v for k, v in record.items() if isinstance(v, np.ndarray)}
    for group in _GROUPS:
        arrays.update({f"{group}/{k}": v for k, v in record.get(group, {}).items()})
    info = {k: v for k, v in record.items() if not isinstance(v, np.ndarray) and k not in _GROUPS}
    info.update(meta)
    np.savez_compressed(path, meta=json.dumps(_plain(info)), **arrays)


def load_record(path: str | Path) -> dict:
    """Read a record written by :func:`save_record`."""
    with np.load(path) as data:
        record = {k: data[k] for k in data.files if k != "meta" and "/" not in k}
        groups = {g: {k.split("/", 1)[1]: data[k] for k in data.files if k.startswith(f"{g}/")} for g in _GROUPS}
        record.update(json.loads(str(data["meta"])))
    record.update({g: v for g, v in groups.items() if v})
    return record


def replay(env, record: dict) -> dict:
    """Feed a record's actions to ``env`` with its scenario; returns the new record."""
    kwargs = dict(record.get("reset_kwargs", {}))
    kwargs.pop("seed", None)
    kwargs["scenario"] = record["scenario"]
    return record_episode(env, record["actions"], stop_when_done=False, details=False, **kwargs)
