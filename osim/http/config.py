"""The evaluation server's TOML configuration.

A configuration names the tokens that may evaluate, and per env id (what
clients send as ``env_id``) the env to build, its hidden episodes and how
observations are sent. Every value is checked when the file is loaded; a
mistake raises ``ValueError`` naming the key, the value and what is allowed.

Example (``osim/http/eval.example.toml`` is a complete, commented one)::

    [server]
    database = "eval.sqlite3"      # relative to this file; default <stem>.sqlite3 next to it
    idle_timeout = 300             # s without a request before an instance is closed

    [limits]                       # per-token defaults
    max_instances = 2
    submissions_per_period = 5
    period = 86400

    [tokens]
    "s3cret-token-of-alice" = "alice"
    "s3cret-token-of-bob" = { name = "bob", max_instances = 4 }

    [envs.L2M2019Env]
    kwargs = { difficulty = 3 }
    seeds = [11, 22, 33]
    observation = "dict"

    [envs.Run]                     # the 2017 client's default env_id
    class = "RunEnv"
    kwargs = { difficulty = 2, max_obstacles = 10 }
    episodes = [{ seed = 11 }, { seed = 22 }]
    max_steps = 1000               # default: the env's own time limit
"""
from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from osim import registry

__all__ = [
    "EnvConfig", "Episode", "EvalConfig", "Limits", "ServerSettings", "TokenConfig",
    "OBSERVATION_FORMS", "load_config", "parse_config",
]

#: how observations are sent: the env's flat vector, its observation dict
#: (``get_observation_dict()``), or the full state description (what the 2018
#: and 2019 graders sent)
OBSERVATION_FORMS = ("vector", "dict", "state_desc")
START_METHODS = ("forkserver", "spawn")


@dataclass(frozen=True)
class Episode:
    """One hidden episode: a seed, a scenario (``env.scenario`` of an earlier run), or both."""

    seed: int | None = None
    scenario: dict | None = None


@dataclass(frozen=True)
class EnvConfig:
    env_id: str
    #: a name known to :func:`osim.registry.lookup` (``"L2RunEnv"``, ``"osim/L2Run-v0"``)
    #: or an import target ``"package.module:Class"``
    env_class: str
    kwargs: dict
    episodes: tuple[Episode, ...]
    #: steps per episode; None = the env's own time limit (``env.spec.timestep_limit``)
    max_steps: int | None
    observation: str
    #: extra keywords of every ``reset`` (e.g. L2M2019Env's ``init_pose``)
    reset_kwargs: dict


@dataclass(frozen=True)
class Limits:
    max_instances: int = 2
    submissions_per_period: int = 10
    period: float = 86400.0


@dataclass(frozen=True)
class TokenConfig:
    token: str
    name: str
    max_instances: int | None = None
    submissions_per_period: int | None = None


@dataclass(frozen=True)
class ServerSettings:
    database: Path
    #: seconds without a request after which an instance is closed
    idle_timeout: float = 600.0
    #: seconds a worker may take to answer one request before it is killed
    request_timeout: float = 120.0
    #: seconds a worker may take to build its env
    start_timeout: float = 120.0
    #: larger request bodies are refused with 413
    max_body_bytes: int = 1 << 20
    #: live instances over all tokens
    max_instances: int = 32
    start_method: str = "forkserver"


@dataclass(frozen=True)
class EvalConfig:
    server: ServerSettings
    limits: Limits
    tokens: dict[str, TokenConfig]
    envs: dict[str, EnvConfig]
    path: Path | None = None


def load_config(path: str | Path) -> EvalConfig:
    """Read and check a TOML configuration file."""
    path = Path(path).resolve()
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise ValueError(f"evaluation config {str(path)!r} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"evaluation config {str(path)!r} is not valid TOML: {exc}") from None
    return parse_config(data, path)


def parse_config(data: Mapping[str, Any], path: str | Path | None = None) -> EvalConfig:
    """Check a configuration given as a dict (the parsed TOML); ``path`` anchors relative paths."""
    path = None if path is None else Path(path).resolve()
    _only(data, ("server", "limits", "tokens", "envs"), "the configuration")
    server = _server(_table(data, "server"), path)
    limits = _limits(_table(data, "limits"))
    tokens = _tokens(_table(data, "tokens"))
    envs_table = _table(data, "envs")
    if not envs_table:
        raise ValueError("the configuration has no [envs.<env_id>] table: name at least one env to evaluate")
    envs = {env_id: _env(env_id, spec) for env_id, spec in envs_table.items()}
    return EvalConfig(server=server, limits=limits, tokens=tokens, envs=envs, path=path)


# ---------------------------------------------------------------- helpers
def _table(data: Mapping, key: str, where: str = "") -> dict:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}{key} must be a table, got {type(value).__name__} {value!r}")
    return dict(value)


def _only(table: Mapping, allowed: tuple[str, ...], where: str) -> None:
    unknown = sorted(set(table) - set(allowed))
    if unknown:
        raise ValueError(f"unknown keys {unknown} in {where}; allowed: {', '.join(allowed)}")


def _positive_number(table: Mapping, key: str, default: float, where: str) -> float:
    value = table.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"{where}.{key} must be a positive number of seconds, got {value!r}")
    return float(value)


def _positive_int(table: Mapping, key: str, default: int | None, where: str, minimum: int = 1) -> int | None:
    value = table.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{where}.{key} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _server(table: dict, path: Path | None) -> ServerSettings:
    where = "[server]"
    _only(table, ("database", "idle_timeout", "request_timeout", "start_timeout", "max_body_bytes",
                  "max_instances", "start_method"), where)
    base = path.parent if path is not None else Path.cwd()
    default_db = (path.stem if path is not None else "eval") + ".sqlite3"
    database = table.get("database", default_db)
    if not isinstance(database, str) or not database:
        raise ValueError(f"{where}.database must be a file path, got {database!r}")
    start_method = table.get("start_method", "forkserver")
    if start_method not in START_METHODS:
        raise ValueError(f"{where}.start_method must be one of {', '.join(START_METHODS)}, got {start_method!r}")
    return ServerSettings(
        database=(base / database).resolve(),
        idle_timeout=_positive_number(table, "idle_timeout", 600.0, where),
        request_timeout=_positive_number(table, "request_timeout", 120.0, where),
        start_timeout=_positive_number(table, "start_timeout", 120.0, where),
        max_body_bytes=_positive_int(table, "max_body_bytes", 1 << 20, where, minimum=256),
        max_instances=_positive_int(table, "max_instances", 32, where),
        start_method=start_method,
    )


def _limits(table: dict) -> Limits:
    where = "[limits]"
    _only(table, ("max_instances", "submissions_per_period", "period"), where)
    return Limits(
        max_instances=_positive_int(table, "max_instances", 2, where),
        submissions_per_period=_positive_int(table, "submissions_per_period", 10, where),
        period=_positive_number(table, "period", 86400.0, where),
    )


def _tokens(table: dict) -> dict[str, TokenConfig]:
    tokens = {}
    for token, value in table.items():
        where = "[tokens]"
        if len(token) < 8:
            raise ValueError(f"{where}: token {token!r} is too short (at least 8 characters; use random strings)")
        if isinstance(value, str):
            value = {"name": value}
        if not isinstance(value, Mapping):
            raise ValueError(f"{where}: the value of a token must be its participant's name or a table "
                             f"{{ name = ..., max_instances = ..., submissions_per_period = ... }}, got {value!r}")
        _only(value, ("name", "max_instances", "submissions_per_period"), f"{where} entry of {token[:4]}...")
        name = value.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"{where}: token {token[:4]}... needs a non-empty name, got {name!r}")
        tokens[token] = TokenConfig(
            token=token, name=name.strip(),
            max_instances=_positive_int(value, "max_instances", None, f"{where} {name}"),
            submissions_per_period=_positive_int(value, "submissions_per_period", None, f"{where} {name}"),
        )
    return tokens


def _is_known_env(name: str) -> bool:
    """A class name or Gymnasium ID of the registry, or an env class exported by :mod:`osim.env`."""
    try:
        registry.lookup(name)
    except ValueError:
        import osim.env  # imports OpenSim: only for names the registry does not know

        return name in getattr(osim.env, "__all__", ()) and name not in ("OsimEnv", "validate_action")
    return True


def _env(env_id: str, spec: Any) -> EnvConfig:
    where = f"[envs.{env_id}]"
    if not isinstance(spec, Mapping):
        raise ValueError(f"{where} must be a table, got {spec!r}")
    _only(spec, ("class", "kwargs", "seeds", "episodes", "max_steps", "observation", "reset_kwargs"), where)
    env_class = spec.get("class", env_id)
    if not isinstance(env_class, str) or not env_class:
        raise ValueError(f"{where}.class must be an env class name or 'module:Class', got {env_class!r}")
    if ":" not in env_class:
        if not _is_known_env(env_class):
            known = registry.class_names()
            hint = "" if "class" in spec else " (the table name is used when class is not given)"
            raise ValueError(f"{where}: unknown env class {env_class!r}{hint}; known: {', '.join(known)}, "
                             "or an import target 'package.module:Class'")
    kwargs = _table(spec, "kwargs", f"{where}.")
    reset_kwargs = _table(spec, "reset_kwargs", f"{where}.")
    for bad in ("seed", "scenario", "project"):
        if bad in reset_kwargs:
            raise ValueError(f"{where}.reset_kwargs may not set {bad!r} (the server sets it)")
    if ("seeds" in spec) == ("episodes" in spec):
        raise ValueError(f"{where} needs exactly one of seeds = [...] or episodes = [{{ seed = ... }}, "
                         "{ scenario = {...} }, ...]")
    if "seeds" in spec:
        seeds = spec["seeds"]
        if not isinstance(seeds, list) or not seeds:
            raise ValueError(f"{where}.seeds must be a non-empty list of non-negative integers, got {seeds!r}")
        episodes = tuple(Episode(seed=_seed(s, f"{where}.seeds")) for s in seeds)
    else:
        items = spec["episodes"]
        if not isinstance(items, list) or not items:
            raise ValueError(f"{where}.episodes must be a non-empty list of tables, got {items!r}")
        episodes = tuple(_episode(item, f"{where}.episodes[{k}]") for k, item in enumerate(items))
    observation = spec.get("observation", "vector")
    if observation not in OBSERVATION_FORMS:
        raise ValueError(f"{where}.observation must be one of {', '.join(OBSERVATION_FORMS)}, got {observation!r}")
    return EnvConfig(
        env_id=env_id, env_class=env_class, kwargs=kwargs, episodes=episodes,
        max_steps=_positive_int(spec, "max_steps", None, where), observation=observation,
        reset_kwargs=reset_kwargs,
    )


def _seed(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{where}: seeds must be non-negative integers, got {value!r}")
    return int(value)


def _episode(item: Any, where: str) -> Episode:
    if isinstance(item, int) and not isinstance(item, bool):
        return Episode(seed=_seed(item, where))
    if not isinstance(item, Mapping):
        raise ValueError(f"{where} must be a table {{ seed = ... }} and/or {{ scenario = {{...}} }}, got {item!r}")
    _only(item, ("seed", "scenario"), where)
    if not item:
        raise ValueError(f"{where} is empty: give a seed, a scenario or both")
    seed = None if "seed" not in item else _seed(item["seed"], where)
    scenario = item.get("scenario")
    if scenario is not None and not isinstance(scenario, Mapping):
        raise ValueError(f"{where}.scenario must be a table (an env.scenario dict), got {scenario!r}")
    return Episode(seed=seed, scenario=None if scenario is None else dict(scenario))
