"""Task: what makes a challenge out of a simulated body.

A task names its model and the scenario edits it needs, draws its scenario
from the episode's generators, and turns the physics state into an
observation, reward terms and a termination flag. It never steps the
physics, handles failures, counts time or writes files: the episode loop
(:class:`osim.env.episode.Episode`) does that for every task the same way.

The hooks, by when the loop calls them:

=========================  ===================================================
hook                       called
=========================  ===================================================
:meth:`model_edits`        before the model is built: scenario edits by name
:meth:`on_model_loaded`    after each model load: resolve the names it reads
:meth:`apply_options`      at reset: the reset options (difficulty, pose, ...)
:meth:`draw_scenario`      at reset without a scenario: the episode's draws
:meth:`check_scenario`     at reset with a scenario passed in: validate it
:meth:`apply_scenario`     before the physics is reset: move the edits
:meth:`initial_state`      the coordinate values/speeds the episode starts from
:meth:`on_reset`           after the physics reset: per-episode bookkeeping
:meth:`before_step`        before the physics step: what the reward needs
:meth:`actuate`            the validated action into the physics
:meth:`after_step`         after the physics step: update the task's state
:meth:`reward_terms`       the reward's named terms (their sum is the reward)
:meth:`is_done`            failure termination (the time limit truncates)
:meth:`step_info`          extra ``info`` entries of the step (e.g. tracking errors)
:meth:`get_observation`    the observation vector, once per step
=========================  ===================================================

Every hook has a working default; a task overrides what it needs.
While bound to an episode a task reads :attr:`sim` (the
:class:`~osim.sim.physics.Physics`), :attr:`np_random` / :attr:`py_random`
(the episode's generators), :attr:`scenario` and :attr:`spec`.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Mapping

import numpy as np
from gymnasium import spaces

from osim.sim.settings import FAST, Integration

if TYPE_CHECKING:
    from osim.env.episode import Episode
    from osim.sim.physics import Physics

__all__ = ["Task", "json_roundtrip"]


def json_roundtrip(value: Any, what: str) -> Any:
    """``value`` as plain JSON types (a scenario must be a value that can be saved and passed back)."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be JSON-serialisable: {exc}") from exc


class Task:
    """The hooks of a task, with defaults: the generic task of any model.

    The generic task (``OsimEnv(model_path=...)``, docs/models.md) acts
    with one control per driven actuator (every ScalarActuator of the model;
    bounds from each actuator's min/max control, an infinite bound becomes
    -/+ :data:`osim.sim.model_parts.DEFAULT_CONTROL_BOUND`) and observes
    :attr:`observation_names`: the coordinate values, the coordinate speeds
    (CoordinateSet order), the muscle activations and the state variables
    of the other actuators. Its reward is 0 and it never terminates.
    """

    #: built model of :mod:`osim.models` the task simulates (None: a model_path is given)
    model_name: ClassVar[str | None] = None
    #: default steps per episode (the episode's ``spec.timestep_limit`` starts from it)
    time_limit: int = 1000
    #: solve muscle equilibrium at reset (2018+ core; the 2017 envs did not)
    equilibrate_muscles: ClassVar[bool] = True
    #: control of every actuator when an episode's integrator starts; the challenges
    #: set 1.0 (docs/quirks.md, Q15); None (the generic task): the integrator starts
    #: again at the first step with its controls, as a plain OpenSim simulation does
    initial_excitation: ClassVar[float | None] = None
    #: actions are written into the muscles' activation states (2017 WalkEnv), not excitations
    actions_are_activations: ClassVar[bool] = False
    #: the integration of the "fast" physics preset for this task
    fast_integration: ClassVar[Integration] = FAST
    #: keys a scenario of this task may have; () = the task draws nothing
    scenario_keys: ClassVar[tuple[str, ...]] = ()
    #: those of :attr:`scenario_keys` a scenario may leave out (features that were off)
    optional_scenario_keys: ClassVar[tuple[str, ...]] = ()
    #: names of the reset options :meth:`apply_options` accepts
    reset_options: ClassVar[tuple[str, ...]] = ()
    #: stepping needs a reset after construction and after model or difficulty changes
    requires_reset: ClassVar[bool] = False
    #: at reset, where muscle equilibrium fails with the initial speeds, solve it at rest and set the speeds after
    rest_equilibrium_fallback: ClassVar[bool] = False
    #: the physics engines (:data:`osim.sim.ENGINES`) this task runs on; ``engine="mujoco"`` needs a MuJoCo
    #: twin of its model (:mod:`osim.models.mjcf`)
    engines: ClassVar[tuple[str, ...]] = ("opensim",)
    #: keep the previous state description for :meth:`get_prev_state_desc`
    #: (costs a full description per step; off by default)
    keep_prev_state_desc: ClassVar[bool] = False

    episode: "Episode"

    # ------------------------------------------------------ what is bound
    @property
    def sim(self) -> "Physics":
        """The physics of the bound episode."""
        return self.episode.physics

    @property
    def np_random(self) -> np.random.RandomState:
        """The episode's numpy generator (a legacy ``RandomState``, the kind the originals seeded)."""
        return self.episode.np_random

    @property
    def py_random(self):
        """The episode's Python ``random.Random``."""
        return self.episode.py_random

    @property
    def scenario(self) -> dict:
        """What the current episode drew (replay it with ``reset(scenario=...)``)."""
        return self.episode.scenario

    @scenario.setter
    def scenario(self, value: dict) -> None:
        self.episode.scenario = value

    @property
    def spec(self):
        """``id`` and ``timestep_limit``, the effective time limit (the user may change it)."""
        return self.episode.spec

    def set_time_limit(self, steps: int) -> None:
        """Change the default and effective time limit (a difficulty with another length)."""
        self.time_limit = int(steps)
        if getattr(self, "episode", None) is not None:
            self.episode.spec.timestep_limit = self.time_limit

    # ------------------------------------------------------------- model
    def model_file(self) -> Path:
        """The ``.osim`` file to load (default: the built model :attr:`model_name`)."""
        if self.model_name is None:
            raise TypeError(f"{type(self).__name__} names no model: pass model_path= (the .osim file to simulate)")
        from osim.models import model_path

        return model_path(self.model_name)

    def model_edits(self) -> dict[str, dict]:
        """Scenario edits the model needs, by name (:mod:`osim.sim.edits`); default none."""
        return {}

    def on_model_loaded(self) -> None:
        """Resolve the names the task reads (called after each model load)."""

    @property
    def action_names(self) -> tuple[str, ...]:
        """One name per action element (default: the driven actuators, in model order; the muscles of a challenge)."""
        return self.sim.actuator_names

    def action_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        """(low, high) of each action element.

        The challenge envs (a built model of :mod:`osim.models`) keep [0, 1];
        the generic task takes each actuator's control bounds (min/max
        control; infinite ones become -/+
        :data:`~osim.sim.model_parts.DEFAULT_CONTROL_BOUND`).
        """
        n = len(self.action_names)
        if self.model_name is not None:
            return np.zeros(n), np.ones(n)
        return self.sim.control_low.copy(), self.sim.control_high.copy()

    @property
    def observation_names(self) -> tuple[str, ...]:
        """One name per element of the generic observation: ``<coordinate>/value``, ``<coordinate>/speed``,
        ``<muscle>/activation``, ``<actuator>/<state variable>``."""
        sim = self.sim
        return (tuple(f"{c}/value" for c in sim.coordinate_names) + tuple(f"{c}/speed" for c in sim.coordinate_names)
                + tuple(f"{m}/activation" for m in sim.muscle_names) + tuple(sim.actuator_state_names))

    def get_observation_space_size(self) -> int:
        return len(self.observation_names)

    def make_observation_space(self) -> spaces.Box:
        """The observation space (default: unbounded, :meth:`get_observation_space_size` float64 values)."""
        n = self.get_observation_space_size()
        return spaces.Box(low=-np.inf, high=np.inf, shape=(n,), dtype=np.float64)

    # ---------------------------------------------------------- scenario
    def apply_options(self, options: Mapping[str, Any]) -> Mapping | None:
        """Take this reset's options (names in :attr:`reset_options`), already checked for unknown names.

        May return a scenario to replay (e.g. Arm2DEnv keeping its target); None draws a new one.
        """
        return None

    def draw_scenario(self) -> dict:
        """Draw everything random for an episode from :attr:`np_random` / :attr:`py_random`. Default: nothing."""
        return {}

    def check_scenario(self, scenario: Mapping) -> dict:
        """Validate a scenario passed in (override to check values; call this for the keys)."""
        if not isinstance(scenario, Mapping):
            raise TypeError(f"scenario must be a dict, got {type(scenario).__name__}")
        unknown = set(scenario) - set(self.scenario_keys)
        if unknown:
            allowed = ", ".join(self.scenario_keys) or "none: this env draws nothing"
            raise ValueError(f"unknown scenario keys {sorted(map(str, unknown))}; allowed: {allowed}")
        optional = set(self.optional_scenario_keys)
        missing = set(self.scenario_keys) - optional - set(scenario)
        if missing:
            detail = ""
            if optional:
                required = [k for k in self.scenario_keys if k not in optional]
                detail = (f" (required: {', '.join(required)}; optional: "
                          f"{', '.join(k for k in self.scenario_keys if k in optional)})")
            raise ValueError(f"scenario is missing keys {sorted(missing)}{detail}")
        return json_roundtrip(dict(scenario), "scenario")

    def apply_scenario(self) -> None:
        """Put :attr:`scenario` into the model before the physics is reset (move the edits).

        Component properties changed here take effect in the reset that
        follows; state-level set-up goes in :meth:`on_reset`.
        """

    def initial_state(self) -> tuple[dict[str, float], dict[str, float]] | None:
        """(coordinate values, speeds) by name to start from; None: the model's default pose."""
        return None

    def on_reset(self) -> None:
        """Per-episode bookkeeping after the physics was reset."""

    # -------------------------------------------------------------- step
    def before_step(self) -> None:
        """Remember what the reward needs from the pre-step state."""

    def actuate(self, action: np.ndarray) -> np.ndarray | None:
        """Write a validated action (values within :meth:`action_bounds`) into the physics.

        Returns what was applied when it differs from ``action`` (e.g. with
        motor noise); ``last_action`` reports it.
        """
        if self.actions_are_activations:
            self.sim.set_activations(action)
        else:
            self.sim.set_excitations(action)

    def model_action(self, action: np.ndarray) -> np.ndarray:
        """The action in the model's muscle order (the order of ``sim.muscle_names``).

        The identity, except where a task orders its actions differently
        (L2M2019Env); ``env.osim_model.last_action`` reports the result.
        """
        return action

    def after_step(self) -> None:
        """Update the task's own state after the physics stepped (before the reward is read)."""

    def reward_terms(self) -> dict[str, float]:
        """The reward's terms after a step; their sum is the reward."""
        return {}

    def step_info(self) -> dict[str, Any]:
        """Extra ``info`` entries of a step, after the reward and termination were read (default none)."""
        return {}

    def is_done(self) -> bool:
        """Failure termination (e.g. the pelvis fell); the time limit is separate."""
        return False

    def get_observation(self) -> np.ndarray:
        """The flat observation vector (float64)."""
        sim = self.sim
        parts = [sim.q(), sim.u(), sim.muscle_activations()]
        if sim.actuator_state_names:
            parts.append(sim.actuator_states())
        return np.concatenate(parts)

    def observation_dict(self, observation: np.ndarray) -> dict:
        """The challenge's dict form of an observation vector (default: the state description)."""
        return self.get_state_desc()

    # -------------------------------------------------------------- reads
    def get_state_desc(self) -> dict:
        """The full state description (keys in :mod:`osim.sim.state_desc`), cached until the state changes."""
        return self.sim.state_desc()

    def render_scene(self) -> dict:
        """What :mod:`osim.render` draws: the physics' scene plus task items (override to add)."""
        sim = self.sim
        # the generic task (any model): every part drawn, the view scaled to the model
        scene = sim.scene() if self.model_name is not None else sim.scene(full=True)
        if "head" in sim.body_names:
            scene["spheres"] = scene.get("spheres", []) + [(tuple(float(v) for v in sim.body_position("head")), 0.1)]
            for body in scene.get("bodies", ()):
                if body["name"] == "torso":  # its skull mesh, where drawn, stands for the head
                    body["hides"]["spheres"] = [len(scene["spheres"]) - 1]
        scene["text"] = [f"{type(self).__name__}  t = {sim.time:.2f} s"]
        return scene
