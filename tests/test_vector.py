"""osim.training.vector: AsyncVectorEnv with spinning workers gives the same episodes and leaves no processes."""
from __future__ import annotations

import multiprocessing as mp
import time

import gymnasium as gym
import numpy as np
import pytest

import osim  # noqa: F401
from osim.training.vector import SpinningPipe, make_vector_env

ENV_ID = "osim/Arm2D-v0"
KW = {"integrator_accuracy": 0.01}


def test_spinning_workers_step_the_same_episodes_as_gymnasiums():
    actions = np.random.RandomState(0).uniform(0, 1, size=(15, 2, 6)).astype(np.float32)
    out = {}
    for spin in (0.0, 0.05):
        envs = make_vector_env(ENV_ID, num_envs=2, spin=spin, **KW)
        try:
            obs, _ = envs.reset(seed=[3, 4])
            trace = [obs]
            for a in actions:
                trace.append(envs.step(a)[0])
            procs = list(envs.processes)
        finally:
            envs.close()
        assert all(not p.is_alive() for p in procs)  # closing ends every worker
        out[spin] = np.array(trace)
    assert np.array_equal(out[0.0], out[0.05])
    reference = gym.make(ENV_ID, **KW)
    obs, _ = reference.reset(seed=4)
    assert np.array_equal(out[0.05][0, 1], obs)
    reference.close()


def test_spinning_pipe_polls_then_blocks():
    a, b = mp.Pipe()
    pipe = SpinningPipe(b, spin=0.01)
    a.send("now")
    assert pipe.recv() == "now"  # a waiting message: no spin
    ctx = mp.get_context("fork")
    sender = ctx.Process(target=_send_later, args=(a, 0.2))
    sender.start()
    t0 = time.perf_counter()
    assert pipe.recv() == "later"  # spun 10 ms, then blocked until the message came
    assert time.perf_counter() - t0 >= 0.15
    sender.join()
    assert pipe.fileno() == b.fileno()  # everything else is the connection's own


def _send_later(conn, delay):
    time.sleep(delay)
    conn.send("later")


@pytest.mark.parametrize("kwargs, match", [({"num_envs": 0}, "num_envs"), ({"spin": -1}, "spin"),
                                           ({"spin": "yes"}, "spin")])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_vector_env(ENV_ID, **kwargs)


@pytest.mark.parametrize("autoreset_mode", ["NEXT_STEP", "SAME_STEP"])
def test_threaded_vector_env_matches_sync_vector_env(autoreset_mode):
    pytest.importorskip("mujoco", reason="the mujoco package is not installed")
    from gymnasium.vector import AutoresetMode, SyncVectorEnv

    from osim.training.vector import ThreadedVectorEnv

    mode = AutoresetMode[autoreset_mode]
    # episodes of 25 steps: the 60 steps exercise the autoresets
    actions = np.random.RandomState(1).uniform(0, 1, size=(60, 3, 18)).astype(np.float32)
    traces = {}
    for cls, extra in ((SyncVectorEnv, {}), (ThreadedVectorEnv, {"threads": 2})):
        envs = cls([lambda: gym.make("osim/L2Run-v0", engine="mujoco", max_episode_steps=25)] * 3,
                   autoreset_mode=mode, **extra)
        obs, _ = envs.reset(seed=[5, 6, 7])
        trace, flags, finals = [obs], [], []
        for a in actions:
            obs, rew, term, trunc, info = envs.step(a)
            trace.append(np.concatenate([obs, rew[:, None]], axis=1))
            flags.append(np.concatenate([term, trunc]))
            finals.append(sorted(info))
        envs.close()
        traces[cls.__name__] = (np.array(trace[1:]), np.array(flags), finals)
    a, b = traces["SyncVectorEnv"], traces["ThreadedVectorEnv"]
    assert a[1].any()  # some episode ended
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1]) and a[2] == b[2]


def test_make_vector_env_with_threads():
    pytest.importorskip("mujoco", reason="the mujoco package is not installed")
    envs = make_vector_env("osim/Arm2D-v0", num_envs=2, threads=2, engine="mujoco")
    try:
        assert type(envs).__name__ == "ThreadedVectorEnv" and envs.threads == 2
        obs, info = envs.reset(seed=[0, 1])
        assert obs.shape == (2, 16)
        obs, *_ = envs.step(np.full((2, 6), 0.3, dtype=np.float32))
        assert np.isfinite(obs).all()
    finally:
        envs.close()
    assert envs._pool._shutdown
    with pytest.raises(ValueError, match="threads must be a positive integer"):
        make_vector_env("osim/Arm2D-v0", num_envs=2, threads=0, engine="mujoco")
