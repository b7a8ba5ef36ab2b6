"""WalkEnv: the 2017 "Learning how to walk" challenge (original class ``GaitEnv``)."""
from __future__ import annotations

import numpy as np

from osim.env.base import OsimEnv
from osim.sim.settings import FAST_ADAPTIVE

__all__ = ["WalkEnv"]

_PELVIS = ("pelvis_tilt", "pelvis_tx", "pelvis_ty")
_JOINTS = ("hip_flexion_r", "knee_angle_r", "ankle_angle_r", "hip_flexion_l", "knee_angle_l", "ankle_angle_l")
_BODIES = ("head", "pelvis", "toes_r", "toes_l")


class WalkEnv(OsimEnv):
    """Walk as far as possible in 5 s, commanding muscle activations directly.

    **Description.** The first osim-rl challenge (crowdAI, 2017; original class
    ``GaitEnv``) on the planar 9-dof, 18-muscle model. The action is written
    into the muscles' *activation* state before each step; no excitation
    drives them during the step (it is 0), so activations decay toward the
    minimum with the deactivation time constant over the 10 ms. Integrator
    accuracy 1e-3, no muscle equilibration at reset (fibers start at 0.1 m).

    **Action space.** ``Box(0, 1, (18,), float32)``: activations, model muscle
    order (right leg 0-8, left 9-17). Clipped to [0, 1]; NaN/inf rejected
    (the original did neither; docs/quirks.md, Q13).

    **Observation space.** 31 float64 values, bounds (-inf, inf):

    ======  ==========================================================  ==========
    index   meaning                                                     unit
    ======  ==========================================================  ==========
    0       constant 0                                                  -
    1-3     pelvis_tilt, pelvis_tx, pelvis_ty                           rad, m, m
    4-6     their speeds                                                rad/s, m/s
    7-12    hip_flexion_r, knee_angle_r, ankle_angle_r,                 rad
            hip_flexion_l, knee_angle_l, ankle_angle_l
    13-18   the same six speeds                                         rad/s
    19, 20  centre of mass x, y                                         m
    21, 22  centre of mass vx, vy                                       m/s
    23, 24  head origin x, y                                            m
    25, 26  pelvis origin x, y                                          m
    27, 28  toes_r origin x, y (the original's code named it           m
            "left foot")
    29, 30  toes_l origin x, y                                          m
    ======  ==========================================================  ==========

    **Reward.** The pelvis_tx gained in the step (the documented rule: the
    return is the final pelvis x). ``legacy_reward=True`` gives the original
    code's reward, the absolute pelvis_tx after every step (so its return summed positions; docs/quirks.md, Q10).

    **Episode.** ``reset(seed=None, scenario=None, project=True)`` returns
    the real initial observation (the original returned 31 zeros;
    ``zero_reset_obs=True`` restores that). Terminated when pelvis_ty < 0.7 m;
    truncated after 500 steps (5 s; the original's ``done`` only reported falls
    and left the limit to the grader). Nothing is random: ``scenario == {}``.

    **Arguments.** ``WalkEnv(visualize=False, integrator_accuracy=1e-3,
    legacy_reward=False, zero_reset_obs=False, report=None)``.
    """

    model_name = "gait9dof18musc"
    #: the planar 18-muscle model has a MuJoCo twin (osim.models.mjcf): engine="mujoco"
    engines = ("opensim", "mujoco")
    time_limit = 500
    fall_height = 0.7
    equilibrate_muscles = False
    #: fixed Euler steps turn the unequilibrated fibres NaN (see osim.sim.settings.FAST_ADAPTIVE)
    fast_integration = FAST_ADAPTIVE
    actions_are_activations = True
    initial_excitation = 0.0  # no excitation drives the muscles during a step

    def __init__(
        self,
        visualize: bool = False,
        integrator_accuracy: float = 1e-3,
        legacy_reward: bool = False,
        zero_reset_obs: bool = False,
        report=None,
        **kwargs,
    ) -> None:
        self.legacy_reward = bool(legacy_reward)
        self.zero_reset_obs = bool(zero_reset_obs)
        super().__init__(visualize=visualize, integrator_accuracy=integrator_accuracy, report=report, **kwargs)

    def on_model_loaded(self) -> None:
        col = {name: k for k, name in enumerate(self.sim.coordinate_names)}
        self._pelvis_cols = np.array([col[c] for c in _PELVIS])
        self._joint_cols = np.array([col[c] for c in _JOINTS])
        self._prev_pelvis_tx = 0.0

    def get_observation_space_size(self) -> int:
        return 31

    def reset(self, project: bool = True, seed: int | None = None, scenario=None):
        obs = self._reset(project, seed, scenario)
        if project and self.zero_reset_obs:
            return np.zeros(31)
        return obs

    def get_observation(self) -> np.ndarray:
        sim = self.sim
        q, u = sim.q(), sim.u()
        obs = np.empty(31)
        obs[0] = 0.0
        obs[1:4] = q[self._pelvis_cols]
        obs[4:7] = u[self._pelvis_cols]
        obs[7:13] = q[self._joint_cols]
        obs[13:19] = u[self._joint_cols]
        obs[19:21] = sim.mass_center_position()[:2]
        obs[21:23] = sim.mass_center_velocity()[:2]
        for k, body in enumerate(_BODIES):
            obs[23 + 2 * k: 25 + 2 * k] = sim.body_position(body)[:2]
        return obs

    def before_step(self) -> None:
        self._prev_pelvis_tx = self.sim.q()[self._pelvis_cols[1]]

    def reward_terms(self) -> dict[str, float]:
        x = float(self.sim.q()[self._pelvis_cols[1]])
        if self.legacy_reward:
            return {"pelvis_x": x}
        return {"forward": x - float(self._prev_pelvis_tx)}

    def is_done(self) -> bool:
        return bool(self.sim.q()[self._pelvis_cols[2]] < self.fall_height)
