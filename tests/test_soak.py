"""Long runs: memory stays flat, nothing leaks, envs can be created and closed many times.

Marked slow (they still run in CI). The full figures (1000 resets, 100 000
steps) belong to the benchmark; these use smaller counts.
"""
from __future__ import annotations

import gc
import os
import threading

import gymnasium as gym
import numpy as np
import pytest

import osim  # noqa: F401
from osim.env import L2RunEnv


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def _open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.slow
def test_create_and_close_100_times():
    def cycle():
        env = L2RunEnv()
        env.reset()
        env.step(np.zeros(18))
        env.close()

    for _ in range(10):  # warm up allocators and caches
        cycle()
    gc.collect()
    rss, fds, threads = _rss_mb(), _open_fds(), threading.active_count()
    for _ in range(100):
        cycle()
    gc.collect()
    assert _rss_mb() - rss < 10.0, f"RSS grew from {rss:.1f} to {_rss_mb():.1f} MB over 100 envs"
    assert _open_fds() == fds and threading.active_count() == threads


@pytest.mark.slow
def test_soak_memory_flat_over_many_steps_and_resets():
    """20 000 steps with resets (episodes of at most 200 steps) of RunEnv with obstacles.

    RunEnv (integrator accuracy 1e-3, obstacles rebuilt at every reset) is
    the cheapest env per step that also exercises the system rebuilds.
    """
    total = 20_000
    env = gym.make("osim/Run-v0", difficulty=2)
    rng = np.random.RandomState(0)
    n = env.action_space.shape[0]
    env.reset(seed=0)
    steps, resets, marks = 0, 0, []
    action = rng.uniform(0, 1, n).astype(np.float32)
    while steps < total:
        if steps % 5 == 0:  # actions held 5 steps, like the benchmark workload
            action = rng.uniform(0, 1, n).astype(np.float32)
        _obs, _r, terminated, truncated, _info = env.step(action)
        steps += 1
        if terminated or truncated or steps % 200 == 0:
            env.reset()
            resets += 1
        if steps in (total // 5, total):
            gc.collect()
            marks.append((_rss_mb(), _open_fds()))
    env.close()
    (rss0, fds0), (rss1, fds1) = marks
    assert resets >= total // 200
    assert rss1 - rss0 < 5.0, f"RSS grew by {rss1 - rss0:.2f} MB over {total - total // 5} steps"
    assert fds1 == fds0
