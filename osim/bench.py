"""Speed benchmark: an env's steps/s next to bare OpenSim integration.

Both run the same seeded workload (uniform random excitations, each held 5
steps, episodes restarted when they end) in the same process, alternately,
``repeats`` times; the best time of each is kept. The bare baseline makes
only the OpenSim calls that produce the same trajectory (see
:func:`osim.simulator.bare_integration`), and the two trajectories are
checked to be identical. Compare the ratio, not absolute numbers: they depend
on the machine.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass

import numpy as np

from osim.simulator import bare_integration

__all__ = ["BenchResult", "bench_env", "make_classic_env", "random_workload"]


@dataclass
class BenchResult:
    env: str
    steps: int
    episodes: int
    env_steps_per_s: float
    bare_steps_per_s: float
    ratio: float  # env time per step / bare time per step (1.0 = no overhead)
    reset_ms: float
    same_trajectory: bool

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def make_classic_env(name: str, **kwargs):
    """A classic env from its class name (``L2RunEnv``) or Gymnasium ID (``osim/L2Run-v0``)."""
    import importlib

    from osim.registration import ENVS

    for env_id, (target, _limit, _defaults) in ENVS.items():
        cls_name = target.partition(":")[2]
        if name in (env_id, cls_name, env_id.split("/")[1]):
            module, _, attr = target.partition(":")
            return getattr(importlib.import_module(module), attr)(**kwargs)
    known = ", ".join(t.partition(":")[2] for t, _l, _d in ENVS.values())
    raise ValueError(f"unknown env {name!r}; known: {known} (or their Gymnasium IDs)")


def random_workload(n_actions: int, steps: int, seed: int = 0, hold: int = 5) -> np.ndarray:
    """Uniform excitations in [0, 1], each held ``hold`` steps."""
    rng = np.random.RandomState(seed)
    draws = rng.uniform(0.0, 1.0, size=((steps + hold - 1) // hold, n_actions))
    return np.repeat(draws, hold, axis=0)[:steps]


def _run_env(env, actions, seed):
    q = np.empty((len(actions), env.sim.state.getNQ()))
    starts = [0]
    env.reset(seed=seed)
    done = False
    t0 = time.perf_counter()
    for k, a in enumerate(actions):
        if done:
            env.reset()
            starts.append(k)
        _obs, _r, done, _info = env.step(a)
        q[k] = env.sim.state.getQ().to_numpy()
    return time.perf_counter() - t0, starts, q


def bench_env(name: str, steps: int = 1000, seed: int = 0, repeats: int = 3) -> BenchResult:
    env = make_classic_env(name)
    actions = random_workload(env.get_action_space_size(), steps, seed)
    best_env = best_bare = float("inf")
    same = True
    for _ in range(repeats):
        t_env, starts, q_env = _run_env(env, actions, seed)
        best_env = min(best_env, t_env)
        q_bare, t_bare = bare_integration(
            env.model_path, actions, starts, integrator_accuracy=env.integrator_accuracy,
            equilibrate=env.equilibrate_muscles,
        )
        best_bare = min(best_bare, t_bare)
        same = same and bool(np.array_equal(q_env, q_bare))
    t0 = time.perf_counter()
    n_resets = 20
    for _ in range(n_resets):
        env.reset()
    reset_ms = (time.perf_counter() - t0) / n_resets * 1e3
    env.close()
    return BenchResult(
        env=name,
        steps=steps,
        episodes=len(starts),
        env_steps_per_s=steps / best_env,
        bare_steps_per_s=steps / best_bare,
        ratio=best_env / best_bare,
        reset_ms=reset_ms,
        same_trajectory=same,
    )
