"""The classic osim-rl environment API, shared by every challenge environment.

An :class:`OsimEnv` owns a :class:`~osim.simulator.Simulator` (physics) and
adds what makes a task: observation, reward, termination, time limit and the
episode's random draws (its *scenario*). Challenge environments subclass it;
so can users, to change a reward in a few lines::

    from osim.env import L2RunEnv

    class UprightRun(L2RunEnv):
        def reward_terms(self):
            terms = super().reward_terms()
            terms["upright"] = -0.1 * abs(self.sim.coordinate_value("pelvis_tilt"))
            return terms

The classic API is the one the challenges taught: ``obs = env.reset()`` and
``obs, reward, done, info = env.step(action)``. The Gymnasium API for the same
tasks lives in :mod:`osim.env.gym_api`.
"""
from __future__ import annotations

import copy
import csv
import json
import logging
import random
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Mapping

import numpy as np
from gymnasium import spaces

from osim.simulator import FAST, Integration, SimulationError, Simulator

__all__ = ["OsimEnv", "validate_action", "Spec"]

_log = logging.getLogger("osim.env")


@dataclass
class Spec:
    """The challenges' ``env.spec``: ``timestep_limit`` is the effective time limit.

    The original examples overwrite it (``env.spec.timestep_limit = 1000``);
    that changes when an episode ends.
    """

    id: str
    timestep_limit: int


def validate_action(action: Any, n: int, names: tuple[str, ...] = ()) -> np.ndarray:
    """Check an action and return it as float64 values clipped to [0, 1].

    Accepts any array-like of ``n`` real numbers (NumPy arrays of any real
    dtype, lists, tuples, objects with ``__array__`` such as torch tensors).
    Raises ``TypeError`` for non-numeric input and ``ValueError`` for a wrong
    length, NaN or infinite values. Finite values outside [0, 1] are clipped,
    as the challenges did.
    """
    if action is None or isinstance(action, (str, bytes, dict)):
        raise TypeError(f"action must be an array of {n} excitations in [0, 1], got {type(action).__name__}")
    try:
        arr = np.asarray(action)
    except Exception as exc:
        raise TypeError(f"action could not be converted to an array of {n} numbers: {exc}") from exc
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise TypeError(f"action must hold real numbers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError("action must hold real numbers, got complex values")
    if arr.shape != (n,):
        what = f"{n} excitations (one per muscle" + (f": {', '.join(names)})" if names else ")")
        raise ValueError(f"action must have shape ({n},): {what}; got shape {arr.shape}")
    arr = arr.astype(np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = np.flatnonzero(bad)
        raise ValueError(
            f"action has non-finite values (NaN or inf) at indices {idx.tolist()}; "
            "excitations must be finite numbers in [0, 1]"
        )
    return np.clip(arr, 0.0, 1.0)


def _json_roundtrip(value: Any, what: str) -> Any:
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} must be JSON-serialisable: {exc}") from exc


class OsimEnv:
    """Base class: any ``.osim`` model, muscle excitations as actions.

    Used directly it is a generic environment: the observation is the
    coordinate values and speeds (CoordinateSet order) followed by the muscle
    activations, the reward is 0 and episodes end at ``time_limit`` steps.
    Subclasses override :meth:`get_observation`, :meth:`reward_terms` (or
    :meth:`reward`) and :meth:`is_done`.

    Parameters
    ----------
    model_path:
        The ``.osim`` file (subclasses name a built model of :mod:`osim.models`).
    visualize:
        Open OpenSim's visualizer (default False; the original defaulted to
        True). Without a display: one warning, then headless.
    integrator_accuracy:
        Runge-Kutta-Merson accuracy (5e-5 in the 2018/2019 challenges).
    time_limit:
        Steps per episode for the generic env.
    report:
        A file path: every step is appended to this CSV file (episode, step,
        reward, done, the action, the observation vector). The originals'
        ``report=`` crashed (spec Q8); this one writes the file.
    raise_on_failure:
        When the simulation fails inside a step (OpenSim raises, or the state
        becomes NaN), the default ends the episode cleanly: ``done=True``,
        reward 0, the last good observation, ``info["failure"]`` saying why,
        and a logged warning; ``reset()`` recovers. ``True`` raises
        :class:`~osim.simulator.SimulationError` instead, as the 2018/2019
        originals did (spec Q9).
    fast:
        Opt-in fast mode, 4-6x faster on the 2018/2019 gait models: the
        :data:`~osim.simulator.FAST` integration (explicit Euler, fixed
        1/1300 s steps; :attr:`fast_integration`, error-controlled on the
        2017 envs) on the model with the variants of
        :data:`osim.models.variants.FAST_VARIANTS` (short-tendon muscles with
        rigid tendons and fitted Thelen curves, smoother foot friction).
        Trajectories drift from the faithful ones (figures in the README's
        performance section), so results are not comparable with the
        challenges' and the reference recordings are not reproduced.
        Default False (faithful).
    integration:
        Explicit integration settings (an :class:`~osim.simulator.Integration`,
        a dict of its fields such as ``{"method": "rk3", "accuracy": 1e-3,
        "restart": True}``, or ``"faithful"``/``"fast"``); wins over ``fast``.
        ``"fast"`` is this env's :attr:`fast_integration` alone: the fast
        model variants come with ``fast=True`` (or ``model_variants``).
        ``integrator_accuracy`` applies when it sets no accuracy.
    model_variants:
        Names of :data:`osim.models.variants.VARIANTS` applied to the model
        when it is loaded (e.g. ``("soft_contact",)``): cheaper physics,
        different trajectories. None (default): the fast variants when
        ``fast=True``, none otherwise; ``()`` keeps the challenge model.
    """

    #: built model of :mod:`osim.models` used by a challenge subclass
    model_name: ClassVar[str | None] = None
    #: steps per episode (``spec.timestep_limit`` starts from it)
    time_limit: int = 1000
    #: solve muscle equilibrium at reset (2018+ core; the 2017 envs did not)
    equilibrate_muscles: ClassVar[bool] = True
    #: keys a scenario of this env may have; () = the env draws nothing
    scenario_keys: ClassVar[tuple[str, ...]] = ()
    #: those of :attr:`scenario_keys` a scenario may leave out (features that were off)
    optional_scenario_keys: ClassVar[tuple[str, ...]] = ()
    #: actions are written into the muscles' activation states (2017 WalkEnv), not excitations
    actions_are_activations: ClassVar[bool] = False
    #: excitation of every muscle when an episode's integrator starts (spec Q15)
    initial_excitation: ClassVar[float] = 1.0
    #: the integration of ``fast=True`` (and of ``integration="fast"``)
    fast_integration: ClassVar[Integration] = FAST
    #: keep the previous state description for :meth:`get_prev_state_desc`
    #: (costs a full description per step; off by default)
    keep_prev_state_desc: ClassVar[bool] = False

    def __init__(
        self,
        model_path: str | Path | None = None,
        visualize: bool = False,
        integrator_accuracy: float = 5e-5,
        time_limit: int | None = None,
        report: str | Path | None = None,
        raise_on_failure: bool = False,
        fast: bool = False,
        integration: Integration | Mapping | str | None = None,
        model_variants: tuple[str, ...] | list[str] | None = None,
    ) -> None:
        if not isinstance(fast, (bool, np.bool_)):
            raise TypeError(f"fast must be True or False, got {fast!r}")
        self.fast = bool(fast)
        if (integration is None and fast) or (isinstance(integration, str) and integration == "fast"):
            integration = self.fast_integration
        self.integration = Integration.coerce(integration)
        from osim.models.variants import FAST_VARIANTS, check_variants

        if model_variants is None:
            model_variants = FAST_VARIANTS if self.fast else ()
        self.model_variants = check_variants(model_variants)
        self.raise_on_failure = bool(raise_on_failure)
        self._last_obs = None
        self.report = None if report is None else Path(report)
        self._report_file = None
        self._episode = -1
        if model_path is None:
            if self.model_name is None:
                raise TypeError("OsimEnv needs model_path= (the .osim file to simulate)")
            from osim.models import model_path as _built_model_path

            model_path = _built_model_path(self.model_name)
        if time_limit is not None:
            if not isinstance(time_limit, (int, np.integer)) or time_limit <= 0:
                raise ValueError(f"time_limit must be a positive integer number of steps, got {time_limit!r}")
            self.time_limit = int(time_limit)
        self.integrator_accuracy = integrator_accuracy
        self.visualize = visualize
        self._load(model_path)
        self.spec = Spec(id=type(self).__name__, timestep_limit=self.time_limit)
        # Per-env generators of the kinds the originals used (spec Q7).
        self.np_random = np.random.RandomState()
        self.py_random = random.Random()
        self.scenario: dict = {}
        self._prev_desc: dict | None = None
        self._last_action = np.zeros(self.sim.n_muscles)
        #: how the last step ended: failure (fall, simulation failure) / time limit
        self.terminated = self.truncated = False

    # ------------------------------------------------------------------ model
    def load_model(self, model_path: str | Path) -> None:
        """Replace the simulated model (spaces are rebuilt); call :meth:`reset` next."""
        if getattr(self, "sim", None) is not None:
            self.sim.close()
        self._load(model_path)

    def _load(self, model_path) -> None:
        self.sim = Simulator(
            model_path,
            integrator_accuracy=self.integrator_accuracy,
            visualize=self.visualize,
            equilibrate=self.equilibrate_muscles,
            initial_excitation=self.initial_excitation,
            model_edit=self._edit_model,
            integration=self.integration,
        )
        self.model_path = Path(model_path)
        self.action_space = spaces.Box(low=0.0, high=1.0, shape=(self.sim.n_muscles,), dtype=np.float32)
        self.observation_space = self._make_observation_space()
        self._on_model_loaded()

    def _edit_model(self, model) -> None:
        self.edit_model(model)
        if self.model_variants:
            from osim.models.variants import apply_variants

            apply_variants(model, self.model_variants)

    def edit_model(self, model) -> None:
        """Add components to the loaded model before its system is built (override)."""

    def _on_model_loaded(self) -> None:
        """Resolve the names the task reads (override; called after each load)."""

    def _make_observation_space(self) -> spaces.Box:
        n = self.get_observation_space_size()
        return spaces.Box(low=-np.inf, high=np.inf, shape=(n,), dtype=np.float64)

    @property
    def osim_model(self) -> Simulator:
        """The simulator (the original called it ``env.osim_model``)."""
        return self.sim

    @property
    def istep(self) -> int:
        """Steps taken since reset."""
        return self.sim.istep

    # ------------------------------------------------------------- seeding
    def seed(self, seed: int | None) -> None:
        """Reseed the env's own generators (None: from OS entropy)."""
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
        self.np_random.seed(None if seed is None else int(seed) % 2**32)
        self.py_random.seed(None if seed is None else int(seed))

    def draw_scenario(self) -> dict:
        """Draw everything random for an episode (override). Default: nothing."""
        return {}

    def check_scenario(self, scenario: Mapping) -> dict:
        """Validate a scenario passed in (override to check values)."""
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
        return _json_roundtrip(dict(scenario), "scenario")

    def apply_scenario(self) -> None:
        """Put ``self.scenario`` into the model before the physics is reset (override).

        Component properties changed here (obstacles, strengths) take effect
        in the reset that follows; state-level set-up goes in :meth:`on_reset`.
        """

    # ------------------------------------------------------------- episodes
    def reset(self, project: bool = True, seed: int | None = None, scenario: Mapping | None = None, **kwargs):
        """Start an episode; returns the observation (``project=False``: the state description).

        ``seed`` reseeds the env's generators (0 is a seed; None continues
        the stream). ``scenario`` replays the random draws of an earlier
        episode (``env.scenario``) and wins over the seed.
        """
        if kwargs:
            raise TypeError(f"{type(self).__name__}.reset() got unexpected keyword arguments {sorted(kwargs)}")
        self._begin_episode(seed, scenario)
        return self._reset_physics(project)

    def _begin_episode(self, seed, scenario) -> None:
        if seed is not None:
            self.seed(seed)
        if scenario is not None:
            self.scenario = self.check_scenario(scenario)
        else:
            self.scenario = _json_roundtrip(self.draw_scenario(), "scenario")

    def _reset_physics(self, project: bool = True, **reset_kwargs):
        self.apply_scenario()
        self.sim.reset(**reset_kwargs)
        self._prev_desc = None
        self._last_action = np.zeros(self.sim.n_muscles)
        self.terminated = self.truncated = False
        self.on_reset()
        self._episode += 1
        self._last_obs = self.get_observation() if project else self.get_state_desc()
        return self._last_obs

    def on_reset(self) -> None:
        """Per-episode bookkeeping after the physics was reset (override)."""

    def step(self, action, project: bool = True):
        """Apply excitations for one 10 ms step; returns ``[obs, reward, done, info]``."""
        excitations = validate_action(action, self.sim.n_muscles, self.sim.muscle_names)
        failure = self._advance(excitations)
        if failure is not None:
            return self._failed_step(failure)
        terms = self.reward_terms()
        reward = self.reward(terms)
        done = self._episode_end()
        info = {"reward_terms": terms}
        obs = self.get_observation() if project else self.get_state_desc()
        if self.report is not None:
            self._write_report(excitations, reward, done, obs if project else self.get_observation())
        self._last_obs = obs
        return [obs, reward, done, info]

    def _advance(self, action: np.ndarray) -> str | None:
        """Actuate and integrate one step; returns why it failed, or None.

        A simulation failure is logged and reported (or raised with
        ``raise_on_failure``); stepping again after one reports it again.
        """
        if self.sim.failed:
            why = "the last step failed; reset() before stepping again"
            if self.raise_on_failure:
                raise SimulationError(why)
            return why
        self.before_step()
        if self.keep_prev_state_desc:
            self._prev_desc = self.get_state_desc()
        self.actuate(action)
        try:
            self.sim.step()
        except SimulationError as exc:
            if self.raise_on_failure:
                raise
            _log.warning("%s: simulation failure, episode ended: %s", type(self).__name__, exc)
            return str(exc)
        return None

    def _episode_end(self) -> bool:
        """Decide, once per step, whether the episode ended; sets :attr:`terminated` and :attr:`truncated`."""
        self.terminated = bool(self.is_done())
        self.truncated = not self.terminated and self.is_truncated()
        return self.terminated or self.truncated

    def _failed_step(self, why: str):
        """The result of a failed step: the last good observation (a copy), reward 0, done, ``info["failure"]``."""
        self.terminated, self.truncated = True, False
        return [copy.deepcopy(self._last_obs), 0.0, True, {"failure": why, "reward_terms": {}}]

    def _write_report(self, action: np.ndarray, reward: float, done: bool, obs: np.ndarray) -> None:
        if self._report_file is None:
            self._report_file = open(self.report, "w", newline="")
            self._report = csv.writer(self._report_file)
            self._report.writerow(
                ["episode", "step", "reward", "done"]
                + [f"action_{i}" for i in range(len(action))]
                + [f"obs_{i}" for i in range(len(obs))]
            )
        self._report.writerow([self._episode, self.sim.istep, repr(reward), int(done)]
                              + [repr(float(a)) for a in action] + [repr(float(o)) for o in obs])
        if done:
            self._report_file.flush()

    def actuate(self, action: np.ndarray) -> None:
        """Write a validated action (model muscle order) into the simulator."""
        self._last_action = action
        if self.actions_are_activations:
            self.sim.set_activations(action)
        else:
            self.sim.set_excitations(action)

    def before_step(self) -> None:
        """Remember what the reward needs from the pre-step state (override)."""

    @property
    def last_action(self) -> np.ndarray:
        """The clipped excitations of the last step."""
        return self._last_action

    # ---------------------------------------------------------------- task
    def reward_terms(self) -> dict[str, float]:
        """The reward's terms after a step (override); their sum is the reward."""
        return {}

    def reward(self, terms: Mapping[str, float] | None = None) -> float:
        """The step reward: the sum of :meth:`reward_terms`."""
        if terms is None:
            terms = self.reward_terms()
        return float(sum(terms.values()))

    def is_done(self) -> bool:
        """Failure termination (e.g. the pelvis fell); the time limit is separate."""
        return False

    def is_truncated(self) -> bool:
        """True once the time limit (``spec.timestep_limit``) is reached."""
        return self.sim.istep >= self.spec.timestep_limit

    def get_observation(self) -> np.ndarray:
        """The flat observation vector (float64)."""
        return np.concatenate([self.sim.q(), self.sim.u(), self.sim.muscle_activations()])

    def get_observation_dict(self) -> dict:
        """The observation as a dict: the state description (L2M2019Env: its observation dict)."""
        return self.get_state_desc()

    def get_observation_space_size(self) -> int:
        return 2 * len(self.sim.coordinate_names) + self.sim.n_muscles

    def get_action_space_size(self) -> int:
        return self.sim.n_muscles

    def get_state_desc(self) -> dict:
        """The full state description (spec section 2.4), cached until the state changes."""
        return self.sim.state_desc()

    def get_prev_state_desc(self) -> dict | None:
        """The state description before the last step (needs ``keep_prev_state_desc = True``)."""
        if not self.keep_prev_state_desc:
            raise RuntimeError(
                "the previous state description is not kept by default (it costs a full "
                "description per step); set keep_prev_state_desc = True on your env class"
            )
        return self._prev_desc

    def render(self, mode: str = "human") -> None:
        """Classic API: visualisation happens in OpenSim's window (``visualize=True``).

        For images use the Gymnasium face's ``render_mode="rgb_array"``, or
        ``osim.render.render_scene(env.render_scene())``.
        """
        return None

    def render_scene(self) -> dict:
        """What :mod:`osim.render` draws: the simulator's scene plus task items (override to add)."""
        scene = self.sim.scene()
        if "head" in self.sim.body_names:
            scene["spheres"] = [(tuple(float(v) for v in self.sim.body_position("head")), 0.1)]
        scene["text"] = [f"{type(self).__name__}  t = {self.sim.time:.2f} s"]
        return scene

    def close(self) -> None:
        """Release the simulator."""
        if getattr(self, "sim", None) is not None:
            self.sim.close()
            self.sim = None
        if getattr(self, "_report_file", None) is not None:
            self._report_file.close()
            self._report_file = None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} model={self.model_path.name} muscles={self.sim.n_muscles if self.sim else '-'}>"


def warn_ignored(name: str, value: Any, env: str, why: str) -> None:
    warnings.warn(f"{env}: {name}={value!r} is ignored ({why})", UserWarning, stacklevel=3)
