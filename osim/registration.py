"""Gymnasium IDs of the osim-rl tasks, registered on ``import osim``."""
from __future__ import annotations

from dataclasses import dataclass, field

import gymnasium as gym


@dataclass(frozen=True)
class EnvEntry:
    """One registered task."""

    #: the classic env class, ``"module:Class"``
    entry: str
    #: default time limit in steps (the env's own limit is read at make time)
    time_limit: int
    #: constructor keywords the Gymnasium face (and the CLI) use by default
    kwargs: dict = field(default_factory=dict)
    #: put the challenge's dict observation in ``info["obs_dict"]`` by default
    dict_in_info: bool = False

    @property
    def class_name(self) -> str:
        return self.entry.partition(":")[2]


ENVS: dict[str, EnvEntry] = {
    "osim/L2Run-v0": EnvEntry("osim.env.l2run:L2RunEnv", 1000),
    "osim/Run-v0": EnvEntry("osim.env.run:RunEnv", 1000),
    "osim/RunCourse-v0": EnvEntry("osim.env.run:RunEnv", 1000, {"difficulty": 3}),
    "osim/Walk-v0": EnvEntry("osim.env.walk:WalkEnv", 500),
    "osim/Prosthetics-v0": EnvEntry("osim.env.prosthetics:ProstheticsEnv", 300, dict_in_info=True),
    "osim/L2M2019-v0": EnvEntry("osim.env.l2m2019:L2M2019Env", 2500, {"obs_as_dict": False}, dict_in_info=True),
    "osim/Arm2D-v0": EnvEntry("osim.env.arm:Arm2DEnv", 200, {"obs_as_dict": False}),
}


def register_envs() -> None:
    """Register every osim-rl ID with Gymnasium (idempotent)."""
    for env_id, e in ENVS.items():
        if env_id in gym.registry:
            continue
        gym.register(
            id=env_id,
            entry_point="osim.env.gym_api:make_env",
            kwargs={"env_class": e.entry, "dict_in_info": e.dict_in_info, **e.kwargs},
            # the entry point adds the env's own TimeLimit (it may depend on make keywords)
            max_episode_steps=None,
        )
