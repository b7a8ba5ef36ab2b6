"""Gymnasium IDs of the osim-rl tasks, registered on ``import osim``."""
from __future__ import annotations

import gymnasium as gym

#: id -> (classic env class, default time limit in steps, extra make() defaults)
ENVS: dict[str, tuple[str, int, dict]] = {
    "osim/L2Run-v0": ("osim.env.l2run:L2RunEnv", 1000, {}),
    "osim/Run-v0": ("osim.env.run:RunEnv", 1000, {}),
    "osim/Walk-v0": ("osim.env.walk:WalkEnv", 500, {}),
    "osim/Prosthetics-v0": ("osim.env.prosthetics:ProstheticsEnv", 300, {"state_desc_in_info": True}),
}


def register_envs() -> None:
    """Register every osim-rl ID with Gymnasium (idempotent)."""
    for env_id, (env_class, time_limit, defaults) in ENVS.items():
        if env_id in gym.registry:
            continue
        gym.register(
            id=env_id,
            entry_point="osim.env.gym_api:make_env",
            kwargs={"env_class": env_class, **defaults},
            # the entry point adds the env's own TimeLimit (it may depend on make keywords)
            max_episode_steps=None,
        )
