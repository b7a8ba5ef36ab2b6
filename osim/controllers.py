"""Controllers for the command line: ``random``, ``zero``, ``reflex`` or a saved policy file.

A controller is a callable ``controller(obs, k) -> action`` for the classic
API (``obs`` as the env's ``reset``/``step`` return it by default).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

Controller = Callable[[object, int], np.ndarray]

NAMES = ("random", "zero", "reflex")


def make_controller(name: str, env, seed: int = 0) -> Controller:
    """``random`` (uniform excitations, seeded), ``zero``, ``reflex`` (L2M2019Env) or a path to a saved policy."""
    n = env.get_action_space_size()
    if name == "random":
        rng = np.random.RandomState(seed)
        return lambda _obs, _k: rng.uniform(0.0, 1.0, n)
    if name == "zero":
        return lambda _obs, _k: np.zeros(n)
    if name == "reflex":
        return _reflex_controller(env)
    path = Path(name)
    if path.suffix == ".zip" or path.exists():
        if not path.exists():
            raise ValueError(f"policy file not found: {path}")
        from osim.train import load_policy

        policy = load_policy(path)
        return lambda obs, _k: np.asarray(policy.predict(np.asarray(obs, dtype=np.float64), deterministic=True)[0])
    raise ValueError(f"unknown controller {name!r}; use one of {', '.join(NAMES)} or a saved policy (.zip)")


def _reflex_controller(env) -> Controller:
    if not hasattr(env, "get_observation_dict") or type(env).__name__ != "L2M2019Env":
        raise ValueError("the reflex controller reads the L2M2019Env observation dict: use it with L2M2019Env")
    from osim.control import ReflexController

    controller = ReflexController(mode=env.model)
    return lambda _obs, _k: controller.update(env.get_observation_dict())
