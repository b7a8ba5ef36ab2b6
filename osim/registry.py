"""The one table of osim-rl tasks: names and Gymnasium IDs -> env class, model, defaults.

Every tool that finds an env by name goes through this module: ``import
osim`` (which registers the Gymnasium IDs), the ``osim-rl`` command, the
evaluation server and its workers, the benchmark and the training helpers.

An env is named by its Gymnasium ID (``"osim/L2Run-v0"``), the ID without
the namespace (``"L2Run-v0"``) or its classic class name (``"L2RunEnv"``; a
class registered under several IDs names its first one: ``"RunEnv"`` is
``osim/Run-v0``, not ``osim/RunCourse-v0``).

* :func:`lookup` -- ``(env_id, entry)`` of a name;
* :func:`env_class` -- the classic env class (imported on demand);
* :func:`make_classic_env` -- a classic env with the registered defaults;
* :func:`register_envs` -- register every ID with Gymnasium;
* :func:`parse_kwargs` -- constructor keywords from a JSON object string.

Looking names up imports neither OpenSim nor the env modules: an entry names
its class as ``"module:Class"``, imported when the class is first needed.
"""
from __future__ import annotations

import importlib
import json
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Mapping

__all__ = [
    "EnvEntry",
    "ENVS",
    "NAMESPACE",
    "ENTRY_POINT",
    "env_ids",
    "class_names",
    "lookup",
    "env_class",
    "load_class",
    "make_classic_env",
    "register_envs",
    "parse_kwargs",
]

NAMESPACE = "osim"
#: every ID's Gymnasium entry point (it wraps the classic env and adds its TimeLimit)
ENTRY_POINT = "osim.env.gym_api:make_env"


@dataclass(frozen=True)
class EnvEntry:
    """One registered task."""

    #: the classic env class, ``"module:Class"`` (imported by :meth:`load`)
    entry: str
    #: the built model (:mod:`osim.models`) it simulates; for envs with a choice, the default one
    model: str
    #: default time limit in steps (the env's own limit is read at make time)
    time_limit: int
    #: one line for listings
    summary: str
    #: constructor keywords the Gymnasium face and the tools use by default (read-only)
    kwargs: Mapping[str, Any] = field(default_factory=dict, hash=False)
    #: put the challenge's dict observation in ``info["obs_dict"]`` by default (Gymnasium face)
    dict_in_info: bool = False
    #: recordings it needs (names of :data:`osim.data.recordings.RECORDINGS`), found on this machine at make time
    recordings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        module, sep, attr = self.entry.partition(":")
        if not (module and sep and attr):
            raise ValueError(f"entry must be 'module:Class', got {self.entry!r}")
        object.__setattr__(self, "kwargs", MappingProxyType(dict(self.kwargs)))

    @property
    def class_name(self) -> str:
        return self.entry.partition(":")[2]

    def load(self) -> type:
        """The classic env class (imports its module, and so OpenSim)."""
        return load_class(self.entry)


def _table(*rows: tuple[str, EnvEntry]) -> Mapping[str, EnvEntry]:
    return MappingProxyType({f"{NAMESPACE}/{short}": entry for short, entry in rows})


#: Gymnasium ID -> entry, in listing order
ENVS: Mapping[str, EnvEntry] = _table(
    ("L2Run-v0", EnvEntry(
        "osim.env.l2run:L2RunEnv", "gait9dof18musc", 1000,
        "Learning to Run (2018 core): run as far as possible in 10 s, planar 18-muscle body")),
    ("Run-v0", EnvEntry(
        "osim.env.run:RunEnv", "gait9dof18musc", 1000,
        "NIPS 2017 Learning to Run: run past obstacles with weakened psoas (difficulty 2)")),
    ("RunCourse-v0", EnvEntry(
        "osim.env.run:RunEnv", "gait9dof18musc", 1000,
        "NIPS 2017 Learning to Run on the obstacle course (RunEnv at difficulty 3)",
        {"difficulty": 3})),
    ("Walk-v0", EnvEntry(
        "osim.env.walk:WalkEnv", "gait9dof18musc", 500,
        "crowdAI 2017: walk as far as possible in 5 s, actions are muscle activations")),
    ("Prosthetics-v0", EnvEntry(
        "osim.env.prosthetics:ProstheticsEnv", "gait14dof22musc_pros", 300,
        "NIPS 2018 AI for Prosthetics: run or follow a target velocity with a prosthetic leg",
        dict_in_info=True)),
    ("L2M2019-v0", EnvEntry(
        "osim.env.l2m2019:L2M2019Env", "gait14dof22musc", 2500,
        "NeurIPS 2019 Learn to Move: walk where a target velocity field points (3D or planar)",
        {"obs_as_dict": False}, dict_in_info=True)),
    ("Imitate-v0", EnvEntry(
        "osim.env.imitate:ImitateEnv", "gait9dof18musc", 1000,
        "Imitate a recorded motion (model=, motion=; default: planar walking on the 18-muscle body)",
        recordings=("subject01_walk_planar_ik",))),
    ("ImitateWalk3D-v0", EnvEntry(
        "osim.env.imitate:ImitateEnv", "gait14dof22musc", 1000,
        "Imitate recorded walking (3D inverse kinematics) with the 3D 22-muscle body",
        {"model": "gait14dof22musc", "motion": "subject01_walk_3d_ik"}, recordings=("subject01_walk_3d_ik",))),
    ("ImitateWalkProsthetic-v0", EnvEntry(
        "osim.env.imitate:ImitateEnv", "gait14dof22musc_pros", 1000,
        "Imitate recorded walking with the 3D body and its prosthetic right leg",
        {"model": "gait14dof22musc_pros", "motion": "subject01_walk_3d_ik"},
        recordings=("subject01_walk_3d_ik",))),
    ("ImitateRun3D-v0", EnvEntry(
        "osim.env.imitate:ImitateEnv", "gait14dof22musc", 1000,
        "Imitate recorded running (Hamner 2010) with the 3D 22-muscle body",
        {"model": "gait14dof22musc", "motion": "subject02_run_ik"}, recordings=("subject02_run_ik",))),
    ("Arm2D-v0", EnvEntry(
        "osim.env.arm:Arm2DEnv", "arm2dof6musc", 200,
        "Reach a random target with the wrist of a planar 6-muscle arm",
        {"obs_as_dict": False})),
)


def env_ids() -> tuple[str, ...]:
    """The registered Gymnasium IDs, in listing order."""
    return tuple(ENVS)


def class_names() -> tuple[str, ...]:
    """One name per classic env class, in listing order."""
    return tuple(dict.fromkeys(e.class_name for e in ENVS.values()))


def _names() -> dict[str, str]:
    """Every accepted name -> its Gymnasium ID (a class name: its first ID)."""
    names: dict[str, str] = {}
    for env_id, entry in ENVS.items():
        names[env_id] = env_id
        names[env_id.partition("/")[2]] = env_id
        names.setdefault(entry.class_name, env_id)
    return names


def lookup(name: str) -> tuple[str, EnvEntry]:
    """``(env_id, entry)`` of a Gymnasium ID, an ID without ``osim/``, or a classic class name.

    Raises ValueError naming the known envs.
    """
    env_id = _names().get(name) if isinstance(name, str) else None
    if env_id is None:
        raise ValueError(
            f"unknown env {name!r}; known: {', '.join(class_names())} "
            f"(class names) or the Gymnasium IDs {', '.join(ENVS)} (also without '{NAMESPACE}/')")
    return env_id, ENVS[env_id]


def load_class(target: str) -> type:
    """The class an import target ``"package.module:Class"`` names."""
    module, sep, attr = target.partition(":") if isinstance(target, str) else ("", "", "")
    if not (module and sep and attr):
        raise ValueError(f"expected an import target 'package.module:Class', got {target!r}")
    try:
        return getattr(importlib.import_module(module), attr)
    except AttributeError:
        raise ValueError(f"module {module!r} has no {attr!r} (import target {target!r})") from None


def env_class(name: str) -> type:
    """The classic env class of a registered name (see :func:`lookup`)."""
    return lookup(name)[1].load()


def make_classic_env(name: str, **kwargs):
    """A classic env from a registered name (see :func:`lookup`).

    The registered constructor defaults apply (e.g. vector observations for
    L2M2019Env and Arm2DEnv, difficulty 3 for ``osim/RunCourse-v0``);
    ``kwargs`` override them.
    """
    _env_id, entry = lookup(name)
    return entry.load()(**{**entry.kwargs, **kwargs})


def register_envs() -> None:
    """Register every osim-rl ID with Gymnasium (idempotent)."""
    import gymnasium as gym

    for env_id, e in ENVS.items():
        if env_id in gym.registry:
            continue
        gym.register(
            id=env_id,
            entry_point=ENTRY_POINT,
            kwargs={"env_class": e.entry, "dict_in_info": e.dict_in_info, **e.kwargs},
            # the entry point adds the env's own TimeLimit (it may depend on make keywords)
            max_episode_steps=None,
        )


_EXAMPLE = '\'{"difficulty": 0}\''


def parse_kwargs(value: str | Mapping | None, what: str = "--env-kwargs") -> dict:
    """Constructor keywords from a JSON object string (``'{"difficulty": 0}'``) or a mapping.

    None and ``""`` give ``{}``; a mapping is copied. Anything else but a JSON
    object raises ValueError (TypeError for a value that is neither a string
    nor a mapping); ``what`` names the value in the message.
    """
    if value is None or value == "":
        return {}
    if isinstance(value, Mapping):
        return dict(value)
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a JSON object string or a dict, got {type(value).__name__}")
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError as exc:
        raise ValueError(f"{what} is not valid JSON ({exc}); expected a JSON object like {_EXAMPLE}") from None
    if not isinstance(parsed, dict):
        raise ValueError(f"{what} must be a JSON object like {_EXAMPLE}, got {value!r}")
    return parsed
