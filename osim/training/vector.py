"""Gymnasium vector envs of osim-rl envs, with workers that spin while they wait.

``gymnasium.vector.AsyncVectorEnv`` runs each env in a worker process that
blocks on its pipe between steps. A blocked worker sleeps; on a virtual
machine its CPU is handed back to the host, and waking it again costs
cache-cold time on every step. Stepping in lock-step, each worker waits for
the slowest one every step, so the loss adds up: measured here
(``scripts/scaling.py``, L2RunEnv, 2 workers on 2 cores, median of 8
interleaved rounds) an AsyncVectorEnv reached 0.70 of the throughput of two
independent processes, and 0.89 with spinning workers.

:func:`make_vector_env` builds an ``AsyncVectorEnv`` whose workers poll their
pipe for up to ``spin`` seconds before they block. Use it when there are no
more workers than CPUs (a spinning worker keeps its CPU busy while it
waits); ``spin=0`` gives Gymnasium's own worker::

    from osim.training.vector import make_vector_env
    envs = make_vector_env("osim/L2Run-v0", num_envs=2, spin=0.05)
    obs, info = envs.reset(seed=0)

:class:`ThreadedVectorEnv` (``make_vector_env(..., threads=N)``) keeps every
env in this process and steps them on ``N`` threads: meant for the MuJoCo
engine, whose ``mj_step`` runs without Python's lock, so that the physics of
several envs can overlap (the Python of the task, the ligament torques and the
reads still take turns). It gives the same results as ``SyncVectorEnv``, bit
for bit (each env is stepped by one thread at a time, results are gathered in
env order); docs/mujoco.md has its measured throughput against threads.
"""
from __future__ import annotations

import functools
import time
from typing import Any

__all__ = ["SpinningPipe", "ThreadedVectorEnv", "make_vector_env", "spinning_worker"]


class SpinningPipe:
    """A ``multiprocessing`` connection whose ``recv`` polls for ``spin`` seconds before it blocks."""

    def __init__(self, pipe, spin: float):
        self._pipe = pipe
        self._spin = float(spin)

    def recv(self):
        pipe = self._pipe
        if self._spin > 0 and not pipe.poll(0):
            end = time.perf_counter() + self._spin
            while not pipe.poll(0) and time.perf_counter() < end:
                pass
        return pipe.recv()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pipe, name)


def spinning_worker(index, env_fn, pipe, parent_pipe, shared_memory, error_queue, *args, spin: float = 0.05):
    """Gymnasium's async worker, reading commands through a :class:`SpinningPipe`."""
    from gymnasium.vector.async_vector_env import _async_worker

    return _async_worker(index, env_fn, SpinningPipe(pipe, spin), parent_pipe, shared_memory, error_queue, *args)


def _check_threads(threads) -> int:
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be a positive integer, got {threads!r}")
    return threads


def _threaded_base():
    from gymnasium.vector import SyncVectorEnv

    return SyncVectorEnv


class ThreadedVectorEnv(_threaded_base()):
    """``SyncVectorEnv`` whose ``step`` runs the envs' steps (and autoresets) on ``threads`` threads.

    Same constructor as ``SyncVectorEnv`` plus ``threads`` (default: one per env). Observations,
    rewards, flags and infos are those ``SyncVectorEnv`` gives, in the same order.
    """

    def __init__(self, env_fns, threads: int | None = None, **kwargs):
        from concurrent.futures import ThreadPoolExecutor

        super().__init__(env_fns, **kwargs)
        self.threads = _check_threads(len(self.envs) if threads is None else threads)
        self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix="osim-env")

    def _one(self, i: int, action):
        from gymnasium.vector import AutoresetMode

        env, final = self.envs[i], None
        if self.autoreset_mode == AutoresetMode.NEXT_STEP and self._autoreset_envs[i]:
            obs, info = env.reset()
            return obs, 0.0, False, False, info, None
        if self.autoreset_mode == AutoresetMode.DISABLED:
            assert not self._autoreset_envs[i], f"{self._autoreset_envs=}"
        obs, reward, terminated, truncated, info = env.step(action)
        if self.autoreset_mode == AutoresetMode.SAME_STEP and (terminated or truncated):
            final = {"final_obs": obs, "final_info": info}
            obs, info = env.reset()
        return obs, reward, terminated, truncated, info, final

    def step(self, actions):
        from copy import deepcopy

        import numpy as np
        from gymnasium.vector.utils import concatenate, iterate

        actions = list(iterate(self.action_space, actions))
        if len(actions) != len(self.envs):
            raise ValueError(f"expected actions for {len(self.envs)} envs, got {len(actions)}")
        results = list(self._pool.map(self._one, range(len(self.envs)), actions))
        infos: dict = {}
        for i, (obs, reward, terminated, truncated, info, final) in enumerate(results):
            self._env_obs[i] = obs
            self._rewards[i], self._terminations[i], self._truncations[i] = reward, terminated, truncated
            if final is not None:
                infos = self._add_info(infos, final, i)
            infos = self._add_info(infos, info, i)
        self._observations = concatenate(self.single_observation_space, self._env_obs, self._observations)
        self._autoreset_envs = np.logical_or(self._terminations, self._truncations)
        return (deepcopy(self._observations) if self.copy else self._observations, np.copy(self._rewards),
                np.copy(self._terminations), np.copy(self._truncations), infos)

    def close_extras(self, **kwargs):
        self._pool.shutdown(wait=True)
        super().close_extras(**kwargs)


def make_vector_env(env_id: str, num_envs: int = 2, spin: float = 0.05, context: str | None = None,
                    autoreset_mode: Any = None, threads: int | None = None, **make_kwargs):
    """``AsyncVectorEnv`` of ``num_envs`` copies of ``gymnasium.make(env_id, **make_kwargs)``, one per process.

    ``spin``: seconds a worker polls for the next command before it blocks
    (0: Gymnasium's blocking worker). ``autoreset_mode``: Gymnasium's (default
    ``NEXT_STEP``). ``threads``: instead, a :class:`ThreadedVectorEnv` (every env in
    this process, stepped on that many threads; for ``engine="mujoco"``; ``spin`` and
    ``context`` do not apply). Close it with ``envs.close()``: no worker outlives it.
    """
    import gymnasium as gym

    from osim.training.train import make_gym_env

    if isinstance(num_envs, bool) or not isinstance(num_envs, int) or num_envs < 1:
        raise ValueError(f"num_envs must be a positive integer, got {num_envs!r}")
    if threads is not None:
        fn = functools.partial(make_gym_env, env_id, make_kwargs)
        kwargs = {} if autoreset_mode is None else {"autoreset_mode": autoreset_mode}
        return ThreadedVectorEnv([fn] * num_envs, threads=_check_threads(threads), **kwargs)
    if isinstance(spin, bool) or not isinstance(spin, (int, float)) or not 0 <= spin <= 1:
        raise ValueError(f"spin must be a number of seconds in [0, 1], got {spin!r}")
    fn = functools.partial(make_gym_env, env_id, make_kwargs)
    kwargs: dict[str, Any] = {"context": context}
    if autoreset_mode is not None:
        kwargs["autoreset_mode"] = autoreset_mode
    if spin > 0:
        kwargs["worker"] = functools.partial(spinning_worker, spin=float(spin))
    return gym.vector.AsyncVectorEnv([fn] * num_envs, **kwargs)
