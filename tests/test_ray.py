"""Ray RLlib (osim.training.rllib): every ID registered with RLlib, env creators, rollouts on a local Ray instance."""
from __future__ import annotations

import importlib.util
import os
import sys

import gymnasium as gym
import numpy as np
import pytest

import osim  # noqa: F401
from osim.training import rllib
from osim.registry import ENVS

ray_missing = importlib.util.find_spec("ray") is None or importlib.util.find_spec("torch") is None
needs_ray = pytest.mark.skipif(ray_missing, reason='needs ray[rllib] and torch: pip install "osim-rl[ray]"')
ENV_ID = "osim/Arm2D-v0"
ENV_KWARGS = {"integrator_accuracy": 0.01}


def test_missing_ray_names_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # makes `import ray` fail
    with pytest.raises(ImportError, match=r'pip install "osim-rl\[ray\]"'):
        rllib.require_ray()
    with pytest.raises(ImportError, match=r'pip install "osim-rl\[ray\]"'):
        rllib.register_rllib_envs()
    with pytest.raises(ImportError, match=r'pip install "osim-rl\[ray\]"'):
        rllib.ppo_config(ENV_ID)


def test_creator_builds_the_gymnasium_env():
    creator = rllib.OsimEnvCreator(ENV_ID)
    env = creator(ENV_KWARGS)  # RLlib passes an EnvContext: a dict of make keywords
    try:
        assert env.unwrapped.env.integrator_accuracy == 0.01
        assert env.observation_space.shape == (16,) and env.action_space.shape == (6,)
        obs, _ = env.reset(seed=0)
        reference = gym.make(ENV_ID, **ENV_KWARGS)
        np.testing.assert_array_equal(obs, reference.reset(seed=0)[0])
        reference.close()
    finally:
        env.close()
    venv = creator({**ENV_KWARGS, "num_envs": 2})  # RLlib's vector_entry_point mode
    try:
        assert venv.num_envs == 2
    finally:
        venv.close()
    import pickle

    assert pickle.loads(pickle.dumps(creator)) == creator  # shipped to workers by reference


@needs_ray
def test_register_every_osim_id():
    from ray.tune.registry import ENV_CREATOR, _global_registry

    ids = rllib.register_rllib_envs()
    assert set(ENVS) <= set(ids)
    for env_id in ids:
        assert _global_registry.contains(ENV_CREATOR, env_id)
    assert rllib.register_rllib_envs(ENV_ID) == [ENV_ID]
    with pytest.raises(ValueError, match="unknown osim env id"):
        rllib.register_rllib_envs(["osim/Nope-v0"])


@pytest.fixture
def local_ray():
    """A local Ray instance with 2 CPUs, shut down after the test."""
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False)
    try:
        yield ray
    finally:
        ray.shutdown()


@needs_ray
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_ppo_collects_rollouts_with_two_env_runners(tmp_path, local_ray):
    algo = None
    try:
        config = rllib.ppo_config(ENV_ID, num_env_runners=2, env_kwargs=ENV_KWARGS, seed=0,
                                  train_batch_size=200, minibatch_size=100, num_epochs=1,
                                  rollout_fragment_length=100)
        algo = config.build_algo()
        group = algo.env_runner_group
        pids = group.foreach_env_runner(lambda runner: os.getpid(), local_env_runner=False)
        assert len(set(pids)) == 2 and os.getpid() not in pids  # two worker processes
        # each runner samples with its own env (made by the osim creator inside the worker)
        counts = group.foreach_env_runner(
            lambda runner: sum(len(episode) for episode in runner.sample(num_timesteps=50, random_actions=True)),
            local_env_runner=False)
        assert counts == [50, 50] or all(c >= 50 for c in counts)
        spaces = group.foreach_env_runner(lambda runner: runner.env.single_observation_space.shape,
                                          local_env_runner=False)
        assert spaces == [(16,), (16,)]
        # one PPO iteration (rollouts from both runners, one update) and a checkpoint, through train_ppo
        result = rllib.train_ppo(ENV_ID, total_steps=200, algo=algo, out_dir=str(tmp_path), progress=False)
        algo = None  # train_ppo stopped it
        assert result["iterations"] == 1 and result["num_env_steps"] >= 200
        assert result["checkpoint"] and (tmp_path / "checkpoint").is_dir()
    finally:
        if algo is not None:
            algo.stop()


@needs_ray
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_reflex_search_runs_episodes_on_ray_actors(tmp_path, local_ray):
    """osim.control.optimize with backend="ray": candidates scored on 2 actors, same results as locally."""
    from osim.control.optimize import EpisodeRunner, OptimizeConfig, optimize

    cfg = OptimizeConfig(mode="2D", out_dir=tmp_path, popsize=2, max_steps=20, max_generations=1,
                         workers=2, backend="ray")
    result = optimize(cfg, progress=False)
    assert local_ray.is_initialized()  # a Ray the caller started is left running
    assert result["evaluations"] == 2 and result["env_steps"] == 40
    runner = EpisodeRunner("2D", difficulty=0)
    try:  # the best candidate's score reproduces in this process
        local = runner.score(result["best"]["params"], seeds=[0], max_steps=20)
    finally:
        runner.close()
    assert local["return"] == result["best"]["return"]
