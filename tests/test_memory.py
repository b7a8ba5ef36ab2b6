"""Memory: resets and steps must not leak (the original's Manager stored every step).

The full figure (1000 resets, 100 000 steps) is the benchmark's
(``osim-rl bench --memory 1000``); here a smaller count with a proportionate
bound. RSS is noisy by a few hundred kB (allocator pools), so the bound
leaves room for that, not for a leak: the original grew by megabytes per
hundred episodes.
"""
from __future__ import annotations

import numpy as np
import pytest

from osim.tools.bench import memory_growth, rss_mb
from osim.env import L2RunEnv


def test_rss_is_measured():
    before = rss_mb()
    block = np.ones(64 * 2**20 // 8)  # 64 MB, touched (above glibc's largest mmap threshold: fresh pages)
    assert rss_mb() - before > 48
    del block


def test_resets_and_steps_do_not_leak():
    m = memory_growth("L2RunEnv", resets=150, steps=3000, warmup_episodes=5)
    assert m.resets >= 150 and m.steps == 3000
    assert m.growth_mb < 2.0, m


@pytest.mark.parametrize("kwargs", [{"fast": True}, {"integration": {"restart": True}}])
def test_restarting_the_integrator_does_not_leak(kwargs):
    """Restarts re-initialise the same Manager after each change of excitation: no growth either."""
    env = L2RunEnv(**kwargs)
    actions = np.random.RandomState(0).uniform(0, 1, (400, 18))  # a change every step: a restart every step
    env.reset(seed=0)
    for a in actions[:100]:
        if env.step(a)[2]:
            env.reset()
    before = rss_mb()
    for _ in range(3):
        env.reset(seed=0)
        for a in actions:
            if env.step(a)[2]:
                env.reset()
    assert rss_mb() - before < 1.5
    env.close()
