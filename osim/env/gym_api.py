"""The Gymnasium API for the osim-rl tasks: a thin face over the episode loop.

``gymnasium.make("osim/L2Run-v0")`` gives a :class:`GymnasiumEnv` that steps
the task's :class:`~osim.env.episode.Episode` directly: the observation is
the flat float64 vector (computed once per step), ``reset`` takes ``seed``
and ``options={"scenario": S, ...the task's reset options}``, falling
*terminates* and the time limit *truncates*. Everything that changes the
spaces or the task is a ``make`` keyword, passed to the env's constructor.
"""
from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

__all__ = ["GymnasiumEnv", "make_env"]


def _resolve(env_class: str | type) -> type:
    if isinstance(env_class, type):
        return env_class
    from osim.registry import load_class

    return load_class(env_class)


class GymnasiumEnv(gym.Env):
    """A task's episode loop behind the Gymnasium API.

    Parameters
    ----------
    env_class:
        The env class (a task with its classic face, e.g. ``L2RunEnv`` or a
        subclass of it), or ``"module:Class"``; it is constructed with
        ``kwargs`` and its :class:`~osim.env.episode.Episode` is stepped.
    dict_in_info:
        Add the challenge's dict observation (``get_observation_dict()``:
        L2M2019Env's observation dict; the other envs' state description) to
        ``info["obs_dict"]`` at every reset and step. It costs a few hundred
        simulator reads per step, so it is off where the challenge used
        vectors and on where it used dicts (ProstheticsEnv, L2M2019Env).
    render_mode:
        ``None``; ``"human"``: OpenSim's visualizer window (``visualize=True``;
        without a display it warns once and runs headless); ``"rgb_array"``:
        :meth:`render` returns an image drawn offscreen from the model's state
        (no display, no GPU; see :mod:`osim.render`).
    camera, width, height:
        For ``"rgb_array"``: a :class:`osim.render.Camera` (default: side view
        following the pelvis) and the image size in pixels.
    **kwargs:
        Passed to the env's constructor (``physics``, ``integrator_accuracy``, ...).

    ``info`` holds ``reward_terms`` (the reward's parts) after a step and the
    episode's ``scenario`` and ``engine`` (``"opensim"``, ``"mujoco"``) after
    reset; ``make(..., engine="mujoco")`` chooses the engine where the env has
    a MuJoCo twin (L2M2019Env so far).
    """

    metadata = {"render_modes": ["human", "rgb_array"], "render_fps": 100}

    def __init__(self, env_class: str | type, dict_in_info: bool = False, render_mode=None,
                 camera=None, width: int = 640, height: int = 480, **kwargs: Any):
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode {render_mode!r} is not supported; allowed: "
                             f"{', '.join(self.metadata['render_modes'])} or None")
        self.render_mode = render_mode
        self.camera, self.width, self.height = camera, int(width), int(height)
        if render_mode == "human":
            kwargs["visualize"] = True
        #: the task (with its classic face); its episode loop is what this env steps
        self.env = _resolve(env_class)(**kwargs)
        self.episode = self.env.episode
        self.dict_in_info = bool(dict_in_info)
        self.action_space = self.episode.action_space
        self.observation_space = self.episode.observation_space

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        options = dict(options or {})
        scenario = options.pop("scenario", None)
        obs = self.episode.reset(seed=seed, scenario=scenario, options=options)
        info = {"scenario": self.episode.scenario, "engine": self.episode.engine}
        if self.dict_in_info:
            info["obs_dict"] = self.env.observation_dict(obs)
        return obs, info

    def step(self, action):
        obs, reward, terminated, truncated, info = self.episode.step(action)
        if self.dict_in_info:
            info["obs_dict"] = self.env.observation_dict(obs)
        return obs, reward, terminated, truncated, info

    @property
    def osim_model(self):
        """The classic ``env.osim_model`` surface of the task (:class:`~osim.env.osim_model.OsimModel`)."""
        return self.env.osim_model

    def get_state_desc(self) -> dict:
        """The task's state description of the current state: ``env.unwrapped.get_state_desc()``."""
        return self.env.get_state_desc()

    def render(self):
        """``rgb_array``: an (height, width, 3) uint8 image of the current state; ``human``: None."""
        if self.render_mode == "rgb_array":
            from osim.render import render_scene

            return render_scene(self.env.render_scene(), camera=self.camera, width=self.width, height=self.height)
        return None

    def close(self) -> None:
        if getattr(self, "env", None) is not None:
            self.env.close()
            self.env = None


def make_env(env_class: str | type, **kwargs: Any) -> gym.Env:
    """Entry point of the registered IDs: the env inside a ``TimeLimit`` of its own time limit.

    The limit can depend on ``make`` keywords (e.g. the difficulty), so it is
    read from the constructed env; ``gymnasium.make(id).spec.max_episode_steps``
    reports it.
    """
    env = GymnasiumEnv(env_class, **kwargs)
    return gym.wrappers.TimeLimit(env, max_episode_steps=env.episode.spec.timestep_limit)
