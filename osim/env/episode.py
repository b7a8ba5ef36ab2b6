"""The episode loop: one implementation of reset and step for every task.

:class:`Episode` owns what every task shares: the physics (built from the
task's model, edits and the physics settings), the episode's random
generators and scenario, the time limit, failure handling and the report
file. The classic API (:class:`osim.env.base.OsimEnv`) and the Gymnasium API
(:class:`osim.env.gym_api.GymnasiumEnv`) are thin adapters over
:meth:`Episode.reset` and :meth:`Episode.step`, which compute the
observation once per step.

One step, in order: check the action; stop if the last step failed; the
task's :meth:`~osim.env.task.Task.before_step`; keep the previous state
description if asked; :meth:`~osim.env.task.Task.actuate`; the physics
step (a failure ends the episode here); the task's ``after_step``; its
reward terms; termination by the task, truncation at the time limit; the
observation; the report row.
"""
from __future__ import annotations

import copy
import csv
import logging
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, NamedTuple

import numpy as np
from gymnasium import spaces

from osim.env.checks import check_seed, check_steps, validate_action
from osim.env.task import Task, json_roundtrip
from osim.sim.errors import SimulationError
from osim.sim.settings import Integration, resolve_physics

__all__ = ["Episode", "Spec", "StepResult"]

#: the envs that run on engine="mujoco" so far (their tasks list it in ``Task.engines``)
MUJOCO_ENVS = "L2M2019Env, L2RunEnv, RunEnv (difficulties 0-2), WalkEnv, ProstheticsEnv, Arm2DEnv"

_log = logging.getLogger("osim.env")


@dataclass
class Spec:
    """The challenges' ``env.spec``: ``timestep_limit`` is the effective time limit.

    The original examples overwrite it (``env.spec.timestep_limit = 1000``);
    that changes when an episode ends. ``Spec()`` is the original's default
    (id 0, 300 steps); each env sets its own.
    """

    id: str | int = 0
    timestep_limit: int = 300
    #: the physics engine that runs the episodes (a name of :data:`osim.sim.ENGINES`)
    engine: str = "opensim"


class StepResult(NamedTuple):
    """What one step gives: the observation vector, reward, termination, truncation and info."""

    observation: np.ndarray
    reward: float
    terminated: bool
    truncated: bool
    info: dict


class Episode:
    """The loop that runs a task's episodes on a physics engine.

    Parameters
    ----------
    task:
        The :class:`~osim.env.task.Task`; it is bound to this episode.
    model_path:
        The ``.osim`` file (default: the task's :meth:`~osim.env.task.Task.model_file`).
    visualize:
        Open OpenSim's visualizer (without a display: one warning, headless).
    integrator_accuracy:
        Accuracy of the error-controlled integrator (5e-5 in 2018/2019, 1e-3 in 2017).
    time_limit:
        Steps per episode (default: the task's :attr:`~osim.env.task.Task.time_limit`).
    report:
        A CSV file path: every step is appended (episode, step, reward, done,
        the action, the observation vector).
    raise_on_failure:
        A failed physics step raises :class:`~osim.sim.errors.SimulationError`
        instead of ending the episode cleanly.
    physics, fast, integration, model_variants:
        The physics settings (:func:`osim.sim.settings.resolve_physics`):
        a preset name (``"faithful"``, ``"fast"``), ``fast=True`` for
        ``physics="fast"``, explicit fields overriding the preset.
    seed:
        Seed the generators now (None: unseeded).
    engine:
        The physics engine, a name of :data:`osim.sim.ENGINES`: ``"opensim"``
        (default, the reference) or ``"mujoco"`` (the MuJoCo twin of the
        model, docs/mujoco.md; only tasks listing it in their
        :attr:`~osim.env.task.Task.engines`). ``spec.engine`` reports it.
    actuators:
        Which actuators the action drives (names or OpenSim type names; None:
        every ScalarActuator), passed to the engine.
    """

    def __init__(
        self,
        task: Task,
        *,
        model_path: str | Path | None = None,
        visualize: bool = False,
        integrator_accuracy: float = 5e-5,
        time_limit: int | None = None,
        report: str | Path | None = None,
        raise_on_failure: bool = False,
        physics: str | None = None,
        fast: bool = False,
        integration: Integration | Mapping | str | None = None,
        model_variants: tuple[str, ...] | list[str] | None = None,
        seed: int | None = None,
        engine: str = "opensim",
        actuators: "tuple[str, ...] | list[str] | None" = None,
    ) -> None:
        from osim.sim import ENGINES

        if not isinstance(engine, str) or engine not in ENGINES:
            raise ValueError(f"unknown engine {engine!r}; allowed: {', '.join(ENGINES)}")
        if engine not in task.engines:
            raise ValueError(f"{type(task).__name__} runs on engine {', '.join(repr(e) for e in task.engines)}, "
                             f"not {engine!r}; engine='mujoco' runs so far on: {MUJOCO_ENVS}")
        self.engine = engine
        self.actuators = None if actuators is None else (actuators if isinstance(actuators, str)
                                                         else tuple(actuators))
        self.task = task
        task.episode = self
        self.settings = resolve_physics(physics, fast=fast, integration=integration, model_variants=model_variants,
                                        fast_integration=task.fast_integration)
        self.integrator_accuracy = integrator_accuracy
        self.visualize = visualize
        self.raise_on_failure = bool(raise_on_failure)
        self.report = None if report is None else Path(report)
        self._report_file = None
        if time_limit is not None:
            task.time_limit = check_steps("time_limit", time_limit)
        self.spec = Spec(id=type(task).__name__, timestep_limit=task.time_limit, engine=engine)
        # per-episode generators of the kinds the originals used, seeded as they seeded theirs
        self.np_random = np.random.RandomState()
        self.py_random = random.Random()
        self.scenario: dict = {}
        #: episodes started (the report's episode column)
        self.index = -1
        self.physics = None
        self.ready = not task.requires_reset
        self.last_obs: np.ndarray | None = None
        self.last_action: np.ndarray | None = None
        self.prev_state_desc: dict | None = None
        #: how the last step ended: failure (fall, simulation failure) / time limit
        self.terminated = self.truncated = False
        self.load_model(model_path)
        if seed is not None:
            self.seed(seed)

    # ------------------------------------------------------------- model
    def load_model(self, model_path: str | Path | None = None) -> None:
        """(Re)build the physics from the task's model, edits and settings; spaces are rebuilt.

        Stepping needs a reset after this when the task says so.
        """
        from osim.sim import ENGINES

        if self.physics is not None:
            self.physics.close()
            self.physics = None
        if model_path is None:
            path = Path(self.task.model_file())
        else:
            from osim.models import resolve_model_file

            path = resolve_model_file(model_path)
        self.physics = ENGINES[self.engine](
            path,
            integrator_accuracy=self.integrator_accuracy,
            visualize=self.visualize,
            equilibrate=self.task.equilibrate_muscles,
            initial_excitation=self.task.initial_excitation,
            edits=self.task.model_edits(),
            model_variants=self.settings.model_variants,
            integration=self.settings.integration,
            actuators=self.actuators,
        )
        self.model_path = path
        self.task.on_model_loaded()
        self.action_names = tuple(self.task.action_names)
        n = len(self.action_names)
        low, high = (np.asarray(b, dtype=np.float64) for b in self.task.action_bounds())
        if low.shape != (n,) or high.shape != (n,):
            raise ValueError(f"{type(self.task).__name__}.action_bounds() must give {n} lows and highs, "
                             f"got shapes {low.shape}, {high.shape}")
        if (low == 0.0).all() and (high == 1.0).all():
            # the challenges' [0, 1]: validate_action's scalar clip
            self._action_low = self._action_high = None
            self.action_space = spaces.Box(low=0.0, high=1.0, shape=(n,), dtype=np.float32)
        else:
            self._action_low, self._action_high = low, high
            self.action_space = spaces.Box(low=low.astype(np.float32), high=high.astype(np.float32),
                                           shape=(n,), dtype=np.float32)
        self.observation_space = self.task.make_observation_space()
        self.last_action = np.zeros(len(self.action_names))
        if self.task.requires_reset:
            self.ready = False

    # ------------------------------------------------------------ seeding
    def seed(self, seed: int | None) -> None:
        """Reseed the generators (None: from OS entropy)."""
        seed = check_seed(seed)
        self.np_random.seed(None if seed is None else seed % 2**32)
        self.py_random.seed(seed)

    # ------------------------------------------------------------ episodes
    def reset(self, seed: int | None = None, scenario: Mapping | None = None,
              options: Mapping[str, Any] | None = None) -> np.ndarray:
        """Start an episode; returns the observation vector.

        ``seed`` reseeds the generators first (None continues the stream);
        ``options`` are the task's reset options; ``scenario`` replays the
        draws of an earlier episode (``scenario``) instead of drawing.
        """
        task = self.task
        options = dict(options or {})
        unknown = set(options) - set(task.reset_options)
        if unknown:
            allowed = ", ".join(task.reset_options) or "none"
            raise TypeError(f"{type(task).__name__}.reset() got unexpected options {sorted(unknown)}; "
                            f"allowed: {allowed}")
        replay = task.apply_options(options)  # options are checked before anything is drawn
        if seed is not None:
            self.seed(seed)
        if scenario is None:
            scenario = replay
        if scenario is not None:
            self.scenario = task.check_scenario(scenario)
        else:
            self.scenario = json_roundtrip(task.draw_scenario(), "scenario")
        task.apply_scenario()
        start = task.initial_state()
        if start is None:
            self.physics.reset()
        else:
            if task.rest_equilibrium_fallback:
                self.physics.reset(coordinates=start[0], speeds=start[1], rest_equilibrium_fallback=True)
            else:
                self.physics.reset(coordinates=start[0], speeds=start[1])
        self.prev_state_desc = None
        self.last_action = np.zeros(len(self.action_names))
        self.terminated = self.truncated = False
        self.ready = True
        task.on_reset()
        self.index += 1
        self.last_obs = task.get_observation()
        return self.last_obs

    def step(self, action) -> StepResult:
        """One 10 ms step of the task; a failed physics step ends the episode (or raises)."""
        task, physics = self.task, self.physics
        if not self.ready:
            raise RuntimeError(f"{type(task).__name__}: call reset() before step() (needed after construction, "
                               "a model change and a change of difficulty)")
        action = validate_action(action, len(self.action_names), self.action_names, self._action_low,
                                 self._action_high)
        if physics.failed:
            return self._failed("the last step failed; reset() before stepping again", log=False)
        task.before_step()
        if task.keep_prev_state_desc:
            self.prev_state_desc = task.get_state_desc()
        applied = task.actuate(action)
        self.last_action = action if applied is None else applied
        try:
            physics.step()
        except SimulationError as exc:
            if self.raise_on_failure:
                raise
            return self._failed(str(exc))
        task.after_step()
        terms = task.reward_terms()
        reward = float(sum(terms.values()))
        self.terminated = terminated = bool(task.is_done())
        self.truncated = truncated = not terminated and physics.istep >= self.spec.timestep_limit
        obs = task.get_observation()
        if self.report is not None:
            self._write_report(action, reward, terminated or truncated, obs)
        self.last_obs = obs
        info = {"reward_terms": terms}
        extra = task.step_info()
        if extra:
            info.update(extra)
        return StepResult(obs, reward, terminated, truncated, info)

    def _failed(self, why: str, log: bool = True) -> StepResult:
        """A failed step: the last good observation (a copy), reward 0, terminated, ``info["failure"]``."""
        if self.raise_on_failure:
            raise SimulationError(why)
        if log:
            _log.warning("%s: simulation failure, episode ended: %s", type(self.task).__name__, why)
        self.terminated, self.truncated = True, False
        return StepResult(copy.deepcopy(self.last_obs), 0.0, True, False, {"failure": why, "reward_terms": {}})

    def _write_report(self, action: np.ndarray, reward: float, done: bool, obs: np.ndarray) -> None:
        if self._report_file is None:
            self._report_file = open(self.report, "w", newline="")
            self._report = csv.writer(self._report_file)
            self._report.writerow(
                ["episode", "step", "reward", "done"]
                + [f"action_{i}" for i in range(len(action))]
                + [f"obs_{i}" for i in range(len(obs))]
            )
        self._report.writerow([self.index, self.physics.istep, repr(reward), int(done)]
                              + [repr(float(a)) for a in action] + [repr(float(o)) for o in obs])
        if done:
            self._report_file.flush()

    def close(self) -> None:
        """Release the physics and the report file."""
        if self.physics is not None:
            self.physics.close()
            self.physics = None
        if self._report_file is not None:
            self._report_file.close()
            self._report_file = None
