"""Speed benchmark: an env's steps/s next to bare OpenSim integration.

The env runs a seeded workload (uniform random actions, each held 5 steps)
through its classic API, restarting episodes when they end. Right after each
episode the baseline replays it (same scenario, same actions) on the env's
own simulator with bare OpenSim calls only
(:meth:`osim.simulator.Simulator.bare_steps`): the same model and the same
trajectory, which is checked. Only the step loops are timed (resets
excluded); the whole workload runs ``repeats`` times and the best total of
each side is kept. Compare the ratio, not absolute numbers: those depend on the machine.
"""
from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass

import numpy as np

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
    """A classic env from its class name (``L2RunEnv``) or Gymnasium ID (``osim/L2Run-v0``).

    The registered constructor defaults apply (e.g. vector observations for
    L2M2019Env and Arm2DEnv); ``kwargs`` override them.
    """
    import importlib

    from osim.registration import ENVS

    for env_id, entry in ENVS.items():
        if name in (env_id, entry.class_name, env_id.split("/")[1]):
            module, _, attr = entry.entry.partition(":")
            # the registered defaults (vector observations) suit tools too
            return getattr(importlib.import_module(module), attr)(**{**entry.kwargs, **kwargs})
    known = ", ".join(e.class_name for e in ENVS.values())
    raise ValueError(f"unknown env {name!r}; known: {known} (or their Gymnasium IDs)")


def random_workload(n_actions: int, steps: int, seed: int = 0, hold: int = 5) -> np.ndarray:
    """Uniform actions in [0, 1], each held ``hold`` steps."""
    rng = np.random.RandomState(seed)
    draws = rng.uniform(0.0, 1.0, size=((steps + hold - 1) // hold, n_actions))
    return np.repeat(draws, hold, axis=0)[:steps]


def _run_pair(env, actions, seed):
    """Run the workload through the env, replaying each episode bare right after it.

    Alternating per episode makes both sides see the same machine load.
    Returns (env seconds, bare seconds, episodes, env Q, bare Q).
    """
    t_env = t_bare = 0.0
    q_env, q_bare, n_episodes = [], [], 0
    k = 0
    env.reset(seed=seed)
    while k < len(actions):
        scenario, start, done = env.scenario, k, False
        while not done and k < len(actions):
            t0 = time.perf_counter()
            _obs, _r, done, _info = env.step(actions[k])
            t_env += time.perf_counter() - t0
            q_env.append(env.sim.state.getQ().to_numpy().copy())
            k += 1
        env.reset(scenario=scenario)
        q, t = env.sim.bare_steps(actions[start:k], activations=env.actions_are_activations)
        t_bare += t
        q_bare.append(q)
        n_episodes += 1
        if k < len(actions):
            env.reset()
    return t_env, t_bare, n_episodes, np.array(q_env), np.concatenate(q_bare)


def bench_env(name: str, steps: int = 1000, seed: int = 0, repeats: int = 3, **env_kwargs) -> BenchResult:
    env = make_classic_env(name, **env_kwargs)
    actions = random_workload(env.get_action_space_size(), steps, seed)
    best_env = best_bare = float("inf")
    same = True
    for _ in range(repeats):
        t_env, t_bare, n_episodes, q_env, q_bare = _run_pair(env, actions, seed)
        best_env, best_bare = min(best_env, t_env), min(best_bare, t_bare)
        same = same and bool(np.array_equal(q_env, q_bare))
    n_resets = 20
    t0 = time.perf_counter()
    for i in range(n_resets):
        env.reset(seed=seed + i)
    reset_ms = (time.perf_counter() - t0) / n_resets * 1e3
    env.close()
    return BenchResult(
        env=name, steps=steps, episodes=n_episodes,
        env_steps_per_s=steps / best_env, bare_steps_per_s=steps / best_bare,
        ratio=best_env / best_bare, reset_ms=reset_ms, same_trajectory=same,
    )
