"""The classic osim-rl API over the episode loop, and the base of every challenge env.

An :class:`OsimEnv` is a :class:`~osim.env.task.Task` (the hooks that make
the challenge) with the classic face the challenges taught: ``obs =
env.reset()`` and ``obs, reward, done, info = env.step(action)``. Stepping,
failures, the time limit, seeding and the report file are the episode
loop's (:class:`~osim.env.episode.Episode`, ``env.episode``); the physics
is ``env.sim``. Change a reward by subclassing, in a few lines::

    from osim.env import L2RunEnv

    class UprightRun(L2RunEnv):
        def reward_terms(self):
            terms = super().reward_terms()
            terms["upright"] = -0.1 * abs(self.sim.coordinate_value("pelvis_tilt"))
            return terms

The Gymnasium API for the same tasks is :mod:`osim.env.gym_api`.
"""
from __future__ import annotations

import copy
import warnings
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from osim.env.checks import check_flag, validate_action
from osim.env.episode import Episode, Spec
from osim.env.osim_model import OsimModel
from osim.env.task import Task
from osim.sim.settings import Integration

__all__ = ["OsimEnv", "Spec", "validate_action", "warn_ignored"]


class OsimEnv(Task):
    """The classic env: any ``.osim`` model, one control per actuator as actions.

    Used directly it is the generic task of :class:`~osim.env.task.Task`
    (docs/models.md): any model OpenSim 4.6 can simulate, with one action per
    ScalarActuator (muscle excitations, CoordinateActuator/TorqueActuator/
    PathActuator/... controls; bounds from each actuator's min/max control,
    clipped there), an empty action for a passive model; coordinate values,
    speeds and actuator states observed (:attr:`observation_names`);
    reward 0; episodes end at ``time_limit`` steps. Challenge envs subclass
    it and override task hooks; their action stays the muscle excitations in
    [0, 1].

        env = OsimEnv(model_path="double_pendulum.osim")
        env.action_names       # ('Torq1', 'Torq2')
        env.action_space       # Box(-1.0, 1.0, (2,), float32)
        env.observation_names  # ('q1/value', 'q2/value', 'q1/speed', 'q2/speed')

    Parameters
    ----------
    model_path:
        The ``.osim`` file (challenge envs name a built model of :mod:`osim.models`).
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
        ``report=`` crashed (docs/quirks.md, Q8); this one writes the file.
    raise_on_failure:
        When the simulation fails inside a step (OpenSim raises, or the state
        becomes NaN), the default ends the episode cleanly: ``done=True``,
        reward 0, the last good observation, ``info["failure"]`` saying why,
        and a logged warning; ``reset()`` recovers. ``True`` raises
        :class:`~osim.sim.errors.SimulationError` instead, as the 2018/2019
        originals did (docs/quirks.md, Q9).
    fast:
        The same as ``physics="fast"``.
    integration, model_variants:
        Explicit physics fields that override the preset: an
        :class:`~osim.sim.settings.Integration` or a dict of its fields
        (``{"method": "rk3", "accuracy": 1e-3, "restart": True}``), and names
        of :data:`osim.models.variants.VARIANTS` (``()``: the challenge
        model). ``integrator_accuracy`` applies when the integration sets none.
    physics:
        The physics preset (:data:`osim.sim.settings.PRESETS`):
        ``"faithful"`` (default: the challenges' physics, reproducing their
        recorded trajectories) or ``"fast"``: the fast model variants
        (short-tendon muscles with rigid tendons and fitted Thelen curves,
        smoother foot friction) and fixed-step explicit Euler (error-controlled
        Euler on the 2017 envs), 4-6x faster on the 2018/2019 gait models.
        Fast trajectories drift from the faithful ones (figures in the
        performance page, docs/performance.md): results are not comparable with the
        challenges'.
    seed:
        Seed the env's generators at construction (None: unseeded).
    obs_as_dict:
        The default observation format of ``reset``/``step``: the
        challenge's dict observation (:meth:`get_observation_dict`) instead
        of the vector. The same name and meaning in every env.
    obs_as_list:
        Return observation vectors as Python lists, as the originals did
        (default False: float64 NumPy arrays). For code that relies on list
        semantics, e.g. ``observation + [extra]`` concatenating (on an
        array the same expression adds elementwise or fails).
    actuators:
        The generic env: which actuators the action drives, a list of
        actuator names and OpenSim type names (``["CoordinateActuator"]``,
        ``["Muscle", "ActiveAFO"]``; ``"Muscle"`` is every muscle class), in
        model order; None (default): every ScalarActuator. A name that is not
        an actuator of the model is a ``ValueError`` listing those it has.
    engine:
        The physics engine: ``"opensim"`` (default, the reference physics) or
        ``"mujoco"`` (the MuJoCo twin of the model: same names, frames and
        units, different numbers; docs/mujoco.md). Envs that have no MuJoCo
        twin yet refuse it with a ``ValueError``; so does an unknown name.
        ``env.spec.engine`` and :attr:`engine` say which engine runs.
    """

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
        *,
        physics: str | None = None,
        seed: int | None = None,
        obs_as_dict: bool = False,
        obs_as_list: bool = False,
        actuators: tuple[str, ...] | list[str] | None = None,
        engine: str = "opensim",
    ) -> None:
        self.obs_as_dict = check_flag("obs_as_dict", obs_as_dict)
        self.obs_as_list = check_flag("obs_as_list", obs_as_list)
        self._last_out: Any = None
        self._last_out_format: str | None = None
        self.episode = Episode(
            self, model_path=model_path, visualize=visualize, integrator_accuracy=integrator_accuracy,
            time_limit=time_limit, report=report, raise_on_failure=raise_on_failure, physics=physics, fast=fast,
            integration=integration, model_variants=model_variants, seed=seed, actuators=actuators,
            engine=engine,
        )

    # --------------------------------------------------------- attributes
    @property
    def osim_model(self) -> "OsimModel":
        """The original ``OsimModel`` surface over this env's physics (:class:`~osim.env.osim_model.OsimModel`).

        ``env.osim_model.get_state()``, ``set_state(state)``,
        ``set_activations(a)``, ``get_activations()``, ``model``,
        ``get_joint(name)``, ... as the 2018/2019 challenges offered them.
        The physics face itself is :attr:`sim`.
        """
        view = self.__dict__.get("_osim_model")
        if view is None:
            view = self.__dict__["_osim_model"] = OsimModel(self.episode)
        return view

    @property
    def action_space(self):
        return self.episode.action_space

    @property
    def observation_space(self):
        return self.episode.observation_space

    @property
    def model_path(self) -> Path:
        return self.episode.model_path

    @property
    def istep(self) -> int:
        """Steps taken since reset."""
        return self.episode.physics.istep

    @property
    def last_action(self) -> np.ndarray:
        """The action applied in the last step (clipped; with motor noise where the task adds it)."""
        return self.episode.last_action

    @property
    def terminated(self) -> bool:
        """The last step ended the episode by failure (a fall, a simulation failure)."""
        return self.episode.terminated

    @property
    def truncated(self) -> bool:
        """The last step reached the time limit."""
        return self.episode.truncated

    @property
    def raise_on_failure(self) -> bool:
        return self.episode.raise_on_failure

    @raise_on_failure.setter
    def raise_on_failure(self, value: bool) -> None:
        self.episode.raise_on_failure = bool(value)

    @property
    def report(self) -> Path | None:
        return self.episode.report

    @property
    def engine(self) -> str:
        """The physics engine that runs this env (``"opensim"`` or ``"mujoco"``)."""
        return self.episode.engine

    @property
    def physics_settings(self):
        """The resolved physics settings (preset, integration, model variants)."""
        return self.episode.settings

    @property
    def integration(self) -> Integration:
        return self.episode.settings.integration

    @property
    def model_variants(self) -> tuple[str, ...]:
        return self.episode.settings.model_variants

    @property
    def fast(self) -> bool:
        """True unless the physics is exactly the faithful one."""
        return self.episode.settings.fast

    @property
    def integrator_accuracy(self) -> float:
        return self.episode.integrator_accuracy

    @property
    def visualize(self) -> bool:
        return self.episode.visualize

    # ------------------------------------------------------------- model
    def load_model(self, model_path: str | Path | None = None) -> None:
        """Replace the simulated model (spaces are rebuilt); call :meth:`reset` next."""
        self.episode.load_model(model_path)

    def seed(self, seed: int | None) -> None:
        """Reseed the env's own generators (None: from OS entropy)."""
        self.episode.seed(seed)

    # ------------------------------------------------------- classic face
    def reset(self, project: bool = True, seed: int | None = None, scenario: Mapping | None = None, **kwargs):
        """Start an episode; returns the observation (``project=False``: the state description).

        ``seed`` reseeds the env's generators (0 is a seed; None continues
        the stream). ``scenario`` replays the random draws of an earlier
        episode (``env.scenario``) and wins over the seed.
        """
        if kwargs:
            raise TypeError(f"{type(self).__name__}.reset() got unexpected keyword arguments {sorted(kwargs)}")
        return self._reset(project, seed, scenario)

    def step(self, action, project: bool = True):
        """Apply excitations for one 10 ms step; returns ``[obs, reward, done, info]``."""
        return self._step(action, project)

    def _reset(self, project: bool, seed, scenario, options: Mapping | None = None, obs_as_dict=None):
        """The classic reset over the episode loop; the observation in the format asked for."""
        fmt = self._format(project, obs_as_dict)
        vector = self.episode.reset(seed=seed, scenario=scenario, options=options)
        return self._output(vector, fmt)

    def _step(self, action, project: bool = True, obs_as_dict=None):
        fmt = self._format(project, obs_as_dict)
        obs, reward, terminated, truncated, info = self.episode.step(action)
        if "failure" in info:
            return [self._last_output(fmt), reward, True, info]
        return [self._output(obs, fmt), reward, terminated or truncated, info]

    def _format(self, project, obs_as_dict) -> str:
        project = check_flag("project", project)
        as_dict = self.obs_as_dict if obs_as_dict is None else check_flag("obs_as_dict", obs_as_dict)
        return "vector" if project and not as_dict else ("dict" if project else "state")

    def _output(self, vector: np.ndarray, fmt: str):
        if fmt == "vector":
            out = vector.tolist() if self.obs_as_list else vector
        elif fmt == "dict":
            out = self.observation_dict(vector)
        else:
            out = self.get_state_desc()
        self._last_out, self._last_out_format = out, fmt
        return out

    def _last_output(self, fmt: str):
        """The last good observation, as a copy, in the format asked for (a failed step returns it)."""
        if fmt == self._last_out_format:
            return copy.deepcopy(self._last_out)
        last = self.episode.last_obs
        if fmt == "vector":
            return last.tolist() if self.obs_as_list else last.copy()
        if fmt == "dict":
            return copy.deepcopy(self.observation_dict(last))
        # the state after a failure is not a good one: the last output, as the originals returned
        return copy.deepcopy(self._last_out)

    # ------------------------------------------------------------ reads
    def reward(self, terms: Mapping[str, float] | None = None) -> float:
        """The step reward: the sum of :meth:`reward_terms` (the loop adds them the same way)."""
        if terms is None:
            terms = self.reward_terms()
        return float(sum(terms.values()))

    def get_action_space_size(self) -> int:
        return len(self.action_names)

    def is_truncated(self) -> bool:
        """True once the time limit (``spec.timestep_limit``) is reached."""
        return self.sim.istep >= self.spec.timestep_limit

    def get_observation_dict(self) -> dict:
        """The challenge's dict observation (L2M2019Env: its observation dict; others: the state description)."""
        return self.observation_dict(self.get_observation())

    def get_prev_state_desc(self) -> dict | None:
        """The state description before the last step (needs ``keep_prev_state_desc = True``)."""
        if not self.keep_prev_state_desc:
            raise RuntimeError(
                "the previous state description is not kept by default (it costs a full "
                "description per step); set keep_prev_state_desc = True on your env class"
            )
        return self.episode.prev_state_desc

    def render(self, mode: str = "human") -> None:
        """Classic API: visualisation happens in OpenSim's window (``visualize=True``).

        For images use the Gymnasium face's ``render_mode="rgb_array"``, or
        ``osim.render.render_scene(env.render_scene())``.
        """
        return None

    def close(self) -> None:
        """Release the physics and the report file."""
        episode = getattr(self, "episode", None)
        if episode is not None:
            episode.close()

    def __repr__(self) -> str:
        sim = self.episode.physics if getattr(self, "episode", None) else None
        return f"<{type(self).__name__} model={self.model_path.name} actuators={sim.n_actuators if sim else '-'}>"


def warn_ignored(name: str, value: Any, env: str, why: str) -> None:
    warnings.warn(f"{env}: {name}={value!r} is ignored ({why})", UserWarning, stacklevel=3)
