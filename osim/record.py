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

__all__ = ["record_episode", "save_record", "load_record", "replay"]


def record_episode(env, actions: np.ndarray, stop_when_done: bool = True, **reset_kwargs: Any) -> dict:
    """Reset ``env`` (classic API) with ``reset_kwargs`` and feed it ``actions``."""
    obs0 = np.asarray(env.reset(**reset_kwargs), dtype=np.float64)
    obs, rewards, dones, fed = [], [], [], []
    for action in actions:
        o, r, d, _info = env.step(action)
        obs.append(np.asarray(o, dtype=np.float64))
        rewards.append(r)
        dones.append(d)
        fed.append(np.asarray(action, dtype=np.float64))
        if d and stop_when_done:
            break
    return {
        "env": type(env).__name__,
        "reset_kwargs": reset_kwargs,
        "scenario": env.scenario,
        "actions": np.array(fed),
        "obs0": obs0,
        "obs": np.array(obs),
        "rewards": np.array(rewards),
        "dones": np.array(dones),
    }


def save_record(path: str | Path, record: dict, **meta: Any) -> None:
    """Write a record to ``path`` (``.npz``); extra keywords go into its metadata."""
    arrays = {k: v for k, v in record.items() if isinstance(v, np.ndarray)}
    info = {k: v for k, v in record.items() if not isinstance(v, np.ndarray)}
    info.update(meta)
    np.savez_compressed(path, meta=json.dumps(info), **arrays)


def load_record(path: str | Path) -> dict:
    with np.load(path) as data:
        record = {k: data[k] for k in data.files if k != "meta"}
        record.update(json.loads(str(data["meta"])))
    return record


def replay(env, record: dict) -> dict:
    """Feed a record's actions to ``env`` with its scenario; returns the new record."""
    kwargs = dict(record.get("reset_kwargs", {}))
    kwargs.pop("seed", None)
    kwargs["scenario"] = record["scenario"]
    return record_episode(env, record["actions"], stop_when_done=False, **kwargs)
