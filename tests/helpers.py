"""Helpers shared by the tests (golden-trajectory replay)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import numpy as np

def load_golden(path: Path) -> dict:
    """A golden .npz as a dict, with ``meta`` decoded."""
    with np.load(path) as data:
        out = {k: data[k] for k in data.files}
    out["meta"] = json.loads(str(out["meta"]))
    return out


def flatten_desc(desc: dict, prefix: str = "") -> dict[str, np.ndarray]:
    """Leaves of a (nested) state description as ``path -> array``."""
    leaves = {}
    for key, value in desc.items():
        if isinstance(value, dict):
            leaves.update(flatten_desc(value, f"{prefix}{key}/"))
        else:
            leaves[f"{prefix}{key}"] = np.asarray(value, dtype=np.float64)
    return leaves


def replay_golden(env, golden: dict, desc: Callable[[], dict] | None = None, reset_kwargs: dict | None = None,
                  compare_desc0: bool = True) -> dict[str, float]:
    """Feed a golden file's actions to ``env``; return the largest absolute error per quantity.

    Checks every step's observation, reward, done flag and every leaf of the
    state description (``desc()``, default ``env.get_state_desc()``); the
    sets of leaves must be equal. Returns ``{"obs": ..., "reward": ...,
    "done": ..., "desc": ..., "obs0": ..., "desc0": ...}``.
    """
    desc = desc or env.get_state_desc
    obs0 = env.reset(**(reset_kwargs or {}))
    err = {"obs0": float(np.max(np.abs(np.asarray(obs0) - golden["obs0"])))}
    if compare_desc0:
        err["desc0"] = _desc_error(flatten_desc(desc()), golden, "desc0/", None)
    err.update(obs=0.0, reward=0.0, done=0.0, desc=0.0)
    for k, action in enumerate(golden["actions"]):
        obs, reward, done, _info = env.step(action)
        err["obs"] = max(err["obs"], float(np.max(np.abs(np.asarray(obs) - golden["obs"][k]))))
        err["reward"] = max(err["reward"], abs(reward - float(golden["rewards"][k])))
        err["done"] = max(err["done"], float(bool(done) != bool(golden["dones"][k])))
        err["desc"] = max(err["desc"], _desc_error(flatten_desc(desc()), golden, "desc/", k))
    return err


def _desc_error(leaves: dict, golden: dict, prefix: str, k: int | None) -> float:
    expected = {key[len(prefix):] for key in golden if key.startswith(prefix)}
    if set(leaves) != expected:
        missing, extra = sorted(expected - set(leaves)), sorted(set(leaves) - expected)
        raise AssertionError(f"state description leaves differ: missing {missing[:5]}, extra {extra[:5]}")
    worst = 0.0
    for key, value in leaves.items():
        ref = golden[prefix + key] if k is None else golden[prefix + key][k]
        if value.size:
            worst = max(worst, float(np.max(np.abs(value - ref))))
    return worst
