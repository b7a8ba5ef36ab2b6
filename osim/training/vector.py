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
"""
from __future__ import annotations

import functools
import time
from typing import Any

__all__ = ["SpinningPipe", "make_vector_env", "spinning_worker"]


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


def make_vector_env(env_id: str, num_envs: int = 2, spin: float = 0.05, context: str | None = None,
                    autoreset_mode: Any = None, **make_kwargs):
    """``AsyncVectorEnv`` of ``num_envs`` copies of ``gymnasium.make(env_id, **make_kwargs)``, one per process.

    ``spin``: seconds a worker polls for the next command before it blocks
    (0: Gymnasium's blocking worker). ``autoreset_mode``: Gymnasium's (default
    ``NEXT_STEP``). Close it with ``envs.close()``: no worker outlives it.
    """
    import gymnasium as gym

    from osim.training.train import make_gym_env

    if isinstance(num_envs, bool) or not isinstance(num_envs, int) or num_envs < 1:
        raise ValueError(f"num_envs must be a positive integer, got {num_envs!r}")
    if isinstance(spin, bool) or not isinstance(spin, (int, float)) or not 0 <= spin <= 1:
        raise ValueError(f"spin must be a number of seconds in [0, 1], got {spin!r}")
    fn = functools.partial(make_gym_env, env_id, make_kwargs)
    kwargs: dict[str, Any] = {"context": context}
    if autoreset_mode is not None:
        kwargs["autoreset_mode"] = autoreset_mode
    if spin > 0:
        kwargs["worker"] = functools.partial(spinning_worker, spin=float(spin))
    return gym.vector.AsyncVectorEnv([fn] * num_envs, **kwargs)
