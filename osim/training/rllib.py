"""Ray RLlib integration: every osim-rl Gymnasium ID as an RLlib env.

Optional: needs ``pip install "osim-rl[ray]"`` (``ray[rllib]`` and torch).
``import osim`` never imports this module or Ray.

::

    import ray
    from osim.training.rllib import register_rllib_envs, ppo_config

    ray.init()                      # or ray.init(address="auto") on a cluster
    register_rllib_envs()           # "osim/L2Run-v0", "osim/Arm2D-v0", ... for RLlib
    algo = ppo_config("osim/Arm2D-v0", num_env_runners=2).build_algo()
    algo.train()

Each env runner (a Ray worker process, on any node of the cluster) builds
its env itself with ``gymnasium.make(env_id, **env_config)`` after importing
:mod:`osim`: one OpenSim model per process, nothing OpenSim-related is
pickled. Every node needs osim-rl installed (same version as the driver).
"""
from __future__ import annotations

import logging
from typing import Any, Mapping

__all__ = ["INSTALL_HINT", "require_ray", "OsimEnvCreator", "register_rllib_envs", "osim_env_ids", "ppo_config", "train_ppo"]

_log = logging.getLogger("osim.training.rllib")

INSTALL_HINT = 'pip install "osim-rl[ray]"'


def require_ray():
    """Import and return ``ray`` (with RLlib), or raise ImportError naming the pip command."""
    try:
        import ray
        import ray.rllib  # noqa: F401
        import ray.tune.registry  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"the Ray integration needs ray[rllib] and torch, which are not installed ({exc}); "
            f"install them with: {INSTALL_HINT}") from exc
    return ray


def osim_env_ids() -> list[str]:
    """Every registered osim-rl Gymnasium ID (``osim/...``)."""
    import gymnasium as gym

    from osim import registry  # (importing osim registers the IDs)

    return sorted(set(registry.env_ids()) | {k for k in gym.registry if k.startswith(f"{registry.NAMESPACE}/")})


class OsimEnvCreator:
    """RLlib env creator: ``creator(env_config) -> gymnasium.make(env_id, **env_config)``.

    A plain class (pickled by reference, so workers import it from the
    installed osim-rl). ``env_config`` holds ``make`` keywords (e.g.
    ``{"difficulty": 0}``). When RLlib asks for a vector env
    (``env_config["num_envs"]``, the ``vector_entry_point`` mode) it gets a
    ``SyncVectorEnv`` of that many envs.
    """

    def __init__(self, env_id: str):
        self.env_id = env_id

    def __call__(self, env_config: Mapping[str, Any] | None = None):
        import gymnasium as gym

        import osim  # noqa: F401  (registers the IDs in this worker)

        kwargs = dict(env_config or {})
        num_envs = kwargs.pop("num_envs", None)
        if num_envs is not None:
            return gym.make_vec(self.env_id, num_envs=int(num_envs), vectorization_mode="sync", **kwargs)
        return gym.make(self.env_id, **kwargs)

    def __repr__(self) -> str:
        return f"OsimEnvCreator({self.env_id!r})"

    def __eq__(self, other) -> bool:
        return isinstance(other, OsimEnvCreator) and other.env_id == self.env_id

    def __hash__(self) -> int:
        return hash((type(self), self.env_id))


def register_rllib_envs(env_ids=None) -> list[str]:
    """Register osim-rl IDs with ``ray.tune.registry.register_env`` (all of them by default).

    Call it in the driver, before or after ``ray.init``; RLlib then finds the
    env by its Gymnasium ID (``config.environment("osim/L2Run-v0")``) on every
    worker of the cluster. Returns the registered IDs.
    """
    require_ray()
    from ray.tune.registry import register_env

    known = osim_env_ids()
    if env_ids is None:
        env_ids = known
    elif isinstance(env_ids, str):
        env_ids = [env_ids]
    ids = list(env_ids)
    unknown = [i for i in ids if i not in known]
    if unknown:
        raise ValueError(f"unknown osim env id(s) {unknown}; registered: {', '.join(known)}")
    for env_id in ids:
        register_env(env_id, OsimEnvCreator(env_id))
    return ids


def ppo_config(
    env_id: str,
    num_env_runners: int = 2,
    env_kwargs: Mapping[str, Any] | None = None,
    seed: int | None = 0,
    train_batch_size: int = 4000,
    minibatch_size: int = 128,
    num_epochs: int = 10,
    lr: float = 3e-4,
    gamma: float = 0.99,
    num_envs_per_env_runner: int = 1,
    rollout_fragment_length: int | str = "auto",
    **training: Any,
):
    """An RLlib ``PPOConfig`` (new API stack) for an osim-rl env with ``num_env_runners`` Ray workers.

    One CPU per env runner; the learner runs in the driver. Registers the
    env id with RLlib. ``training`` adds further ``PPOConfig.training`` keywords.
    """
    require_ray()
    from ray.rllib.algorithms.ppo import PPOConfig

    if isinstance(num_env_runners, bool) or not isinstance(num_env_runners, int) or num_env_runners < 0:
        raise ValueError(f"num_env_runners must be an integer >= 0, got {num_env_runners!r}")
    register_rllib_envs([env_id])
    config = (
        PPOConfig()
        .environment(env_id, env_config=dict(env_kwargs or {}))
        .framework("torch")
        .env_runners(num_env_runners=num_env_runners, num_envs_per_env_runner=num_envs_per_env_runner,
                     num_cpus_per_env_runner=1, rollout_fragment_length=rollout_fragment_length)
        .learners(num_learners=0)
        .training(train_batch_size_per_learner=train_batch_size, minibatch_size=minibatch_size,
                  num_epochs=num_epochs, lr=lr, gamma=gamma, **training)
    )
    if seed is not None:
        config = config.debugging(seed=int(seed))
    return config


def _metric(result: Mapping, *keys, default=None):
    value = result
    for key in keys:
        if not isinstance(value, Mapping) or key not in value:
            return default
        value = value[key]
    try:
        value = float(value)
    except (TypeError, ValueError):
        return default
    return default if value != value else value  # NaN (no episode finished yet) -> default


def train_ppo(
    env_id: str,
    total_steps: int = 100_000,
    num_env_runners: int = 2,
    env_kwargs: Mapping[str, Any] | None = None,
    seed: int = 0,
    out_dir: str | None = None,
    resume: str | None = None,
    checkpoint_every: int = 10,
    progress: bool = True,
    algo=None,
    **config_kwargs: Any,
) -> dict:
    """Train PPO with RLlib until ``total_steps`` env steps were sampled; Ray must be initialised.

    Saves an RLlib checkpoint in ``out_dir/checkpoint`` every
    ``checkpoint_every`` iterations and at the end (when ``out_dir`` is
    given); ``resume`` restores one (its step count continues); ``algo``
    trains an Algorithm built already (e.g. from :func:`ppo_config`), and
    the env/config arguments are then ignored. The algorithm is stopped at
    the end. Returns
    ``{"iterations", "num_env_steps", "episode_return_mean" (None until an
    episode ended), "wall_time_s" (training), "setup_time_s" (building the
    algorithm and its env runners), "history": [per-iteration summaries],
    "checkpoint"}``.
    """
    import sys
    import time
    from pathlib import Path

    ray = require_ray()
    if not ray.is_initialized():
        raise RuntimeError("call ray.init() (or ray.init(address=...)) before train_ppo")
    from tqdm import tqdm

    t_setup = time.perf_counter()
    if algo is not None:
        pass
    elif resume:
        from ray.rllib.algorithms.algorithm import Algorithm

        register_rllib_envs([env_id])
        algo = Algorithm.from_checkpoint(str(Path(resume).resolve()))
    else:
        algo = ppo_config(env_id, num_env_runners=num_env_runners, env_kwargs=env_kwargs, seed=seed,
                          **config_kwargs).build_algo()
    ckpt_dir = str((Path(out_dir) / "checkpoint").resolve()) if out_dir else None
    history, checkpoint = [], None
    t0 = time.perf_counter()
    setup_s = t0 - t_setup
    steps = 0
    try:
        with tqdm(total=total_steps, unit="step", file=sys.stderr, disable=not progress,
                  desc=f"RLlib PPO {env_id}") as bar:
            while steps < total_steps:
                result = algo.train()
                new_steps = int(_metric(result, "num_env_steps_sampled_lifetime", default=0.0)
                                or _metric(result, "env_runners", "num_env_steps_sampled_lifetime", default=0.0))
                bar.update(max(new_steps - steps, 0))
                steps = new_steps
                summary = {"iteration": int(result.get("training_iteration", len(history) + 1)),
                           "num_env_steps": steps,
                           "episode_return_mean": _metric(result, "env_runners", "episode_return_mean"),
                           "episode_len_mean": _metric(result, "env_runners", "episode_len_mean"),
                           "time_this_iter_s": _metric(result, "time_this_iter_s")}
                history.append(summary)
                if summary["episode_return_mean"] is not None:
                    bar.set_postfix(ep_return=f"{summary['episode_return_mean']:.2f}", refresh=False)
                _log.info("iteration %(iteration)d: %(num_env_steps)d steps, return %(episode_return_mean)s", summary)
                if ckpt_dir and checkpoint_every and len(history) % checkpoint_every == 0:
                    checkpoint = str(algo.save_to_path(ckpt_dir))
                if steps == 0 and len(history) >= 3:
                    raise RuntimeError("RLlib reports no sampled env steps; check the env runners' logs")
        if ckpt_dir:
            checkpoint = str(algo.save_to_path(ckpt_dir))
    finally:
        algo.stop()
    return {"env_id": env_id, "iterations": len(history), "num_env_steps": steps,
            "episode_return_mean": history[-1]["episode_return_mean"] if history else None,
            "wall_time_s": time.perf_counter() - t0, "setup_time_s": setup_s, "num_env_runners": num_env_runners,
            "history": history, "checkpoint": checkpoint}
