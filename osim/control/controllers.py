"""Controllers for the command line: ``random``, ``zero``, ``reflex[:PARAMS]``, ``reach`` or a saved policy file.

A controller is a callable ``controller(obs, k) -> action`` for the classic
API (``obs`` as the env's ``reset``/``step`` return it by default).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable

import numpy as np

Controller = Callable[[object, int], np.ndarray]

NAMES = ("random", "zero", "reflex", "reach")


def make_controller(name: str, env, seed: int = 0) -> Controller:
    """``random`` (uniform excitations, seeded), ``zero``, ``reflex`` (L2M2019Env), ``reach`` (Arm2DEnv), or a saved policy.

    ``reflex`` uses the shipped parameters of the env's model (2D or 3D) and
    engine (``default_params(mode, engine=env.engine)``);
    ``reflex:PATH`` reads them from a parameter file (e.g. the
    ``best_params.txt`` of ``scripts/optimize_reflex.py``).
    """
    n = env.get_action_space_size()
    if name == "random":
        rng = np.random.RandomState(seed)
        space = getattr(env, "action_space", None)
        if space is not None and n and not ((space.low == 0).all() and (space.high == 1).all()):
            # the generic env: uniform within each actuator's control bounds
            low, high = space.low.astype(np.float64), space.high.astype(np.float64)
            return lambda _obs, _k: rng.uniform(low, high)
        return lambda _obs, _k: rng.uniform(0.0, 1.0, n)
    if name == "zero":
        return lambda _obs, _k: np.zeros(n)
    if name == "reflex" or name.startswith("reflex:"):
        return _reflex_controller(env, name.partition(":")[2] or None)
    if name == "reach":
        from osim.control.arm import ReachController

        reach = ReachController(env)  # raises ValueError for any env but Arm2DEnv
        return lambda _obs, _k: reach.update()
    path = Path(name)
    if path.suffix == ".zip" or path.exists():
        if not path.exists():
            raise ValueError(f"policy file not found: {path}")
        from osim.training.train import load_policy

        policy = load_policy(path)
        return lambda obs, _k: np.asarray(policy.predict(np.asarray(obs, dtype=np.float64), deterministic=True)[0])
    raise ValueError(f"unknown controller {name!r}; use one of {', '.join(NAMES)} or a saved policy (.zip)")


def _reflex_controller(env, params_path: str | None = None) -> Controller:
    if not hasattr(env, "get_observation_dict") or type(env).__name__ != "L2M2019Env":
        raise ValueError("the reflex controller reads the L2M2019Env observation dict: use it with L2M2019Env")
    from osim.control import ReflexController

    if params_path is not None and not Path(params_path).is_file():
        raise ValueError(f"reflex parameter file not found: {params_path}")
    if params_path is None:  # the shipped parameters for the env's engine (re-optimised on the MuJoCo twin)
        from osim.control.reflex import default_options, default_params

        engine = getattr(env, "engine", "opensim")
        controller = ReflexController(mode=env.model_kind, params=default_params(env.model_kind, engine=engine),
                                      **default_options(env.model_kind, engine=engine))
    else:
        controller = ReflexController(mode=env.model_kind, params=params_path)
    return lambda _obs, _k: controller.update(env.get_observation_dict())
