"""osim.registry: the one table of envs, name lookup, classic envs with defaults, the JSON kwargs parser."""
from __future__ import annotations

import dataclasses
import subprocess
import sys

import gymnasium as gym
import pytest

import osim  # noqa: F401  (registers the IDs)
from osim import registry
from osim.registry import ENVS

from helpers import require_recordings


@pytest.mark.parametrize("name, env_id", [
    ("osim/L2Run-v0", "osim/L2Run-v0"), ("L2Run-v0", "osim/L2Run-v0"), ("L2RunEnv", "osim/L2Run-v0"),
    ("RunEnv", "osim/Run-v0"),  # a class under several IDs names its first
    ("RunCourse-v0", "osim/RunCourse-v0"), ("Arm2DEnv", "osim/Arm2D-v0"),
])
def test_lookup_accepts_ids_short_ids_and_class_names(name, env_id):
    found, entry = registry.lookup(name)
    assert found == env_id and entry is ENVS[env_id]


@pytest.mark.parametrize("bad", ["Nope", "l2runenv", "", None, 3])
def test_lookup_names_the_allowed_names(bad):
    with pytest.raises(ValueError, match="unknown env .*; known: L2RunEnv, RunEnv") as info:
        registry.lookup(bad)
    assert "osim/Arm2D-v0" in str(info.value) and "without 'osim/'" in str(info.value)


def test_entries_are_frozen_and_their_defaults_read_only():
    entry = ENVS["osim/RunCourse-v0"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.model = "other"
    with pytest.raises(TypeError):
        entry.kwargs["difficulty"] = 0
    assert dict(entry.kwargs) == {"difficulty": 3} and entry.class_name == "RunEnv"
    with pytest.raises(TypeError):
        ENVS["osim/Nope-v0"] = entry
    with pytest.raises(ValueError, match="module:Class"):
        registry.EnvEntry("NoColon", "m", 1, "s")


def test_gymnasium_ids_follow_the_table():
    registry.register_envs()  # idempotent
    for env_id, entry in ENVS.items():
        spec = gym.spec(env_id)
        assert spec.entry_point == "osim.env.gym_api:make_env" and spec.max_episode_steps is None
        assert spec.kwargs == {"env_class": entry.entry, "dict_in_info": entry.dict_in_info, **entry.kwargs}


def test_models_and_classes_match_the_envs():
    from osim.models import MODEL_NAMES

    for env_id, entry in ENVS.items():
        cls = registry.env_class(entry.class_name)
        assert cls.__name__ == entry.class_name and entry.model in MODEL_NAMES
        require_recordings(env_id)
        env = registry.make_classic_env(env_id)  # the model an env loads can depend on its arguments
        assert env.model_name == entry.model and env.model_path.stem == entry.model, entry
        env.close()
        assert entry.summary and "\n" not in entry.summary


def test_make_classic_env_applies_defaults_and_overrides():
    env = registry.make_classic_env("Arm2D-v0")
    try:
        assert type(env).__name__ == "Arm2DEnv" and not isinstance(env.reset(seed=0), dict)
    finally:
        env.close()
    env = registry.make_classic_env("Arm2DEnv", obs_as_dict=True)
    try:
        assert isinstance(env.reset(seed=0), dict)
    finally:
        env.close()


def test_load_class():
    assert registry.load_class("osim.registry:EnvEntry") is registry.EnvEntry
    for bad in ("osim.registry", ":X", "osim.registry:"):
        with pytest.raises(ValueError, match="import target"):
            registry.load_class(bad)
    with pytest.raises(ValueError, match="has no 'Nope'"):
        registry.load_class("osim.registry:Nope")


def test_parse_kwargs():
    assert registry.parse_kwargs('{"difficulty": 0}') == {"difficulty": 0}
    assert registry.parse_kwargs(None) == {} and registry.parse_kwargs("") == {}
    mapping = {"a": 1}
    assert registry.parse_kwargs(mapping) == mapping and registry.parse_kwargs(mapping) is not mapping
    for bad in ("[1, 2]", "difficulty=0", "3", "{bad"):
        with pytest.raises(ValueError, match="--algo-kwargs .*JSON object like"):
            registry.parse_kwargs(bad, "--algo-kwargs")
    with pytest.raises(ValueError, match="not valid JSON"):
        registry.parse_kwargs("{bad")
    with pytest.raises(TypeError, match="env_kwargs must be a JSON object string or a dict"):
        registry.parse_kwargs(3, "env_kwargs")


def test_lookup_imports_no_env_module():
    code = ("import sys, osim; from osim import registry; registry.lookup('L2RunEnv'); "
            "registry.class_names(); registry.parse_kwargs('{}'); "
            "bad = [m for m in ('opensim', 'osim.env', 'osim.env.l2run') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
