"""Arm2DEnv: reach a random target with the wrist of a planar two-joint, six-muscle arm."""
from __future__ import annotations

import math
from typing import Mapping

import numpy as np

from osim.env.base import OsimEnv
from osim.env.checks import check_flag
from osim.sim.edits.target import TARGET_BODY, TARGET_RADIUS

__all__ = ["Arm2DEnv", "Arm2DVecEnv"]

_SHOULDER = "r_shoulder_elev"
_ELBOW = "r_elbow_flex"
_WRIST = "r_radius_styloid"
_FOREARM = "r_ulna_radius_hand"
#: muscles in the observation's (alphabetical) order
_OBS_MUSCLES = ("BIClong", "BICshort", "BRA", "TRIlat", "TRIlong", "TRImed")

# 2019 (3.0.11) target distribution: polar coordinates around (0, 0.8)
_THETA_RANGE = (0.0, 2.0 * math.pi / 3.0)
_RADIUS_RANGE = (0.3, 0.65)
_SHOULDER_HEIGHT = 0.8


class Arm2DEnv(OsimEnv):
    """Reach a random target with the wrist: the planar arm of the 2019 osim-rl tutorials.

    **Description.** A right arm hanging from a shoulder 0.8 m above the
    ground, two degrees of freedom (shoulder elevation, elbow flexion) and
    six muscles (model ``arm2dof6musc``, OpenSim's arm26). Each episode a
    target point is drawn in the arm's plane; the agent moves the wrist
    marker ``r_radius_styloid`` onto it and holds it there. This is the
    2019 (osim-rl 3.0.11) variant. The 2.1.5 variant (a
    shoulder at the ground origin, elevated -90 degrees, targets below it)
    needs a different arm model that osim-rl does not build: it is not
    provided.

    The target is part of the model, so renderers and the state description
    show it: a 2 cm green sphere, body ``target`` on a planar joint
    ``target-joint`` (coordinates ``rz``, ``tx``, ``ty``) from the ground,
    0.25 m in front of the arm's plane (:mod:`osim.sim.edits.target`). It
    exerts no force on the arm. :meth:`render_scene` draws it as a green
    disc, with the forearm up to the wrist marker.

    **Action space.** ``Box(0, 1, (6,), float32)``: excitations in the
    model's muscle order TRIlong, TRIlat, TRImed, BIClong, BICshort, BRA.

    **Observation space.** 16 float64 values, bounds (-inf, inf):

    ======  ==========================================================  ==========
    index   meaning                                                     unit
    ======  ==========================================================  ==========
    0, 1    target x, y (ground frame; = ``tx``, ``ty`` of the          m
            target joint)
    2       r_shoulder_elev angle                                       rad
    3       r_shoulder_elev speed                                       rad/s
    4       r_shoulder_elev acceleration                                rad/s^2
    5       r_elbow_flex angle                                          rad
    6       r_elbow_flex speed                                          rad/s
    7       r_elbow_flex acceleration                                   rad/s^2
    8-13    muscle activations, alphabetical: BIClong, BICshort, BRA,   -
            TRIlat, TRIlong, TRImed
    14, 15  wrist marker r_radius_styloid x, y (ground frame)           m
    ======  ==========================================================  ==========

    With ``obs_as_dict=True`` (the classic API's default, as in 3.0.11) ``reset`` and ``step`` return the state description instead
    (:meth:`get_observation_dict`); the vector is :meth:`get_observation`.

    **Reward.** ``1 - ((w_x - t_x)^2 + (w_y - t_y)^2)`` after the step, with
    ``w`` the wrist marker and ``t`` the target; a NaN squared distance
    counts as 1 (reward 0), as in 3.0.11. ``info["reward_terms"] =
    {"constant": 1.0, "distance": -squared distance}``.

    **Episode.** Starts from the model's default pose (arm hanging, elbow
    straight), muscles in equilibrium, target placed. No failure
    termination: ``done`` only at the time limit of 200 steps (2 s). A
    failed simulation step (OpenSim raises or the state turns NaN) ends the
    episode: ``done``, reward 0, the last observation returned and
    ``info["failure"]``; ``raise_on_failure=True`` raises
    :class:`~osim.sim.errors.SimulationError` as the original did.

    The reset observation shows the episode's **new** target. The original
    computed it before drawing the target, so it showed the previous
    episode's target ((0, 0) on the first reset; docs/quirks.md, Q56). Only the
    returned reset observation differs, never the simulation.

    **Seeds and scenario.** The target is drawn from the env's own Python
    ``random.Random`` (``self.py_random``; the original used the unseeded
    ``random`` module): angle ``theta ~ U(0, 2 pi / 3)``, then radius
    ``rho ~ U(0.3, 0.65)``; target ``(rho cos theta, 0.8 - rho sin theta)``.
    ``reset(seed=s)`` draws what ``random.seed(s)`` made the original draw
    (seed 0: (-0.11106147622935555, 0.24573346164507448)). The scenario is
    ``{"target": [x, y]}`` (``env.scenario``); ``reset(scenario=S)`` replays
    it (any two finite numbers).

    **Arguments.** ``Arm2DEnv(visualize=False, integrator_accuracy=5e-5,
    report=None, obs_as_dict=True, raise_on_failure=False)`` (``visualize``
    defaulted to True in the original; ``report`` is a CSV path, see
    :class:`~osim.env.base.OsimEnv`); ``obs_as_dict`` is the default of
    ``reset``/``step`` (an osim-rl addition: ``Arm2DEnv(obs_as_dict=False)``
    returns vectors by default, like the original's ``Arm2DVecEnv``; the
    Gymnasium face uses it). ``reset(project=True, seed=None, scenario=None,
    obs_as_dict=None, random_target=True)``: ``random_target=False`` keeps
    the previous episode's target (a first episode draws one);
    ``step(action, project=True, obs_as_dict=None)``. ``project=False``
    returns the state description whatever ``obs_as_dict`` says.
    """

    model_name = "arm2dof6musc"
    #: the arm has a MuJoCo twin (osim.models.mjcf; wrap surfaces approximated): engine="mujoco"
    engines = ("opensim", "mujoco")
    initial_excitation = 1.0  # what a fresh process of the original held (docs/quirks.md, Q15)
    time_limit = 200
    scenario_keys = ("target",)
    reset_options = ("random_target",)

    def __init__(
        self,
        visualize: bool = False,
        integrator_accuracy: float = 5e-5,
        report=None,
        obs_as_dict: bool = True,
        raise_on_failure: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(visualize=visualize, integrator_accuracy=integrator_accuracy, report=report,
                         raise_on_failure=raise_on_failure, obs_as_dict=obs_as_dict, **kwargs)

    # ---------------------------------------------------------------- model
    def model_edits(self) -> dict:
        return {"arm_target": {}}

    def on_model_loaded(self) -> None:
        sim = self.sim
        col = {name: k for k, name in enumerate(sim.coordinate_names)}
        # q/u/udot columns of: target tx, ty, shoulder, elbow
        self._target_cols = np.array([col["tx"], col["ty"]])
        self._joint_cols = np.array([col[_SHOULDER], col[_ELBOW]])
        self._muscle_order = np.array([sim.muscle_names.index(m) for m in _OBS_MUSCLES])
        self._target_handle = sim.edit("arm_target")
        self._target = (0.0, 0.0)

    def get_observation_space_size(self) -> int:
        return 16

    # -------------------------------------------------------------- episodes
    def reset(self, project: bool = True, seed: int | None = None, scenario: Mapping | None = None,
              obs_as_dict: bool | None = None, random_target: bool = True):
        """Start an episode; returns the state description (``obs_as_dict``) or the 16-value vector.

        ``obs_as_dict=None`` uses the constructor's choice (True by default).
        ``random_target=False`` keeps the previous episode's target.
        """
        return self._reset(project, seed, scenario, {"random_target": random_target}, obs_as_dict)

    def step(self, action, project: bool = True, obs_as_dict: bool | None = None):
        """One 10 ms step; returns ``[obs, reward, done, info]`` (obs as in :meth:`reset`)."""
        return self._step(action, project, obs_as_dict)

    def apply_options(self, options):
        """``random_target=False`` replays the previous episode's target (a first episode draws one)."""
        if not check_flag("random_target", options.get("random_target", True)) and self.scenario:
            return self.scenario
        return None

    def draw_scenario(self) -> dict:
        rng = self.py_random
        theta = rng.uniform(*_THETA_RANGE)
        radius = rng.uniform(*_RADIUS_RANGE)
        return {"target": [math.cos(theta) * radius, -math.sin(theta) * radius + _SHOULDER_HEIGHT]}

    def check_scenario(self, scenario: Mapping) -> dict:
        if isinstance(scenario, Mapping) and "target" in scenario:
            scenario = dict(scenario)
            scenario["target"] = self._check_target(scenario["target"])
        return super().check_scenario(scenario)

    @staticmethod
    def _check_target(target) -> list[float]:
        what = "scenario target must be [x, y]: two finite numbers (metres, ground frame)"
        if isinstance(target, (str, bytes, Mapping)) or target is None:
            raise ValueError(f"{what}, got {target!r}")
        try:
            values = list(target)
        except TypeError:
            raise ValueError(f"{what}, got {target!r}") from None
        if len(values) != 2 or not all(
            isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, (bool, np.bool_))
            for v in values
        ):
            raise ValueError(f"{what}, got {target!r}")
        values = [float(v) for v in values]
        if not all(math.isfinite(v) for v in values):
            raise ValueError(f"{what}, got {target!r}")
        return values

    def on_reset(self) -> None:
        x, y = self.scenario["target"]
        self._target = (float(x), float(y))
        self._target_handle.place(x, y)

    @property
    def target(self) -> tuple[float, float]:
        """The episode's target (x, y) in the ground frame (m)."""
        return self._target

    # ---------------------------------------------------------------- task
    def get_observation(self) -> np.ndarray:
        sim = self.sim
        q, u, udot = sim.q(), sim.u(), sim.udot()
        obs = np.empty(16)
        obs[0:2] = q[self._target_cols]
        j = self._joint_cols
        obs[2:8:3] = q[j]
        obs[3:8:3] = u[j]
        obs[4:8:3] = udot[j]
        obs[8:14] = sim.muscle_activations()[self._muscle_order]
        obs[14:16] = sim.marker_position(_WRIST)[:2]
        return obs

    def render_scene(self) -> dict:
        """The simulator's scene plus the forearm, the target (a green disc) and the wrist-target distance."""
        scene = super().render_scene()
        # bones join body origins; the forearm ends at the wrist marker, not at a body
        elbow = tuple(float(v) for v in self.sim.body_position(_FOREARM))
        scene["segments"].append((elbow, tuple(float(v) for v in self.sim.marker_position(_WRIST))))
        for body in scene.get("bodies", ()):
            if body["name"] == _FOREARM:  # the ulna and radius meshes, where drawn, replace the forearm stick
                body["hides"]["segments"].append(len(scene["segments"]) - 1)
        scene["targets"] = [(tuple(float(v) for v in self.sim.body_position(TARGET_BODY)), TARGET_RADIUS)]
        scene["text"].append(f"target ({self._target[0]:.2f}, {self._target[1]:.2f}) m, "
                             f"distance {math.sqrt(self.squared_distance()):.3f} m")
        return scene

    def squared_distance(self) -> float:
        """Squared distance (m^2) in the plane from the wrist marker to the target."""
        wrist = self.sim.marker_position(_WRIST)
        tx, ty = self._target
        return float((wrist[0] - tx) ** 2 + (wrist[1] - ty) ** 2)

    def reward_terms(self) -> dict[str, float]:
        penalty = self.squared_distance()
        if math.isnan(penalty):
            penalty = 1.0
        return {"constant": 1.0, "distance": -penalty}



class Arm2DVecEnv(Arm2DEnv):
    """Arm2DEnv returning observation vectors by default (``obs_as_dict=False``), the original's vector twin.

    The original's twin also replaced NaN in actions by 0 and ended the
    episode on a NaN observation; here a NaN action raises ``ValueError``
    (strict input) and a simulation failure ends the episode as in every env
    (``info["failure"]``).
    """

    def __init__(self, *args, obs_as_dict: bool = False, **kwargs) -> None:
        super().__init__(*args, obs_as_dict=obs_as_dict, **kwargs)
