"""L2RunEnv: the 2018 re-implementation of "Learning to Run" on the 2018 core."""
from __future__ import annotations

import numpy as np

from osim.env.base import OsimEnv, warn_ignored

__all__ = ["L2RunEnv"]

# (joint name, number of values) of the observation's joint block, in order
_JOINT_BLOCK = ("hip_l", "hip_r", "knee_l", "knee_r", "ankle_l", "ankle_r")
_BODY_BLOCK = ("head", "pelvis", "torso", "toes_l", "toes_r", "talus_l", "talus_r")
_PELVIS_COORDS = ("pelvis_tilt", "pelvis_tx", "pelvis_ty")


class L2RunEnv(OsimEnv):
    """Run as far as possible in 10 s: the planar 9-dof, 18-muscle body.

    **Description.** The 2018 port of NIPS 2017 "Learning to Run" onto the
    2018 simulation core: no obstacles, nominal muscle strengths, no ligament
    penalty (the 2018 code had none of them, although its documentation described them).

    **Action space.** ``Box(0, 1, (18,), float32)``: excitations in the
    model's muscle order: hamstrings, bifemsh, glut_max, iliopsoas, rect_fem,
    vasti, gastroc, soleus, tib_ant; right leg (0-8), then left (9-17).

    **Observation space.** 43 float64 values (the original declared 41, but its vector had 43: the centre of mass is 3-D):

    ======  ==========================================================  ====
    index   meaning                                                     unit
    ======  ==========================================================  ====
    0-2     pelvis_tilt, pelvis_tx, pelvis_ty                           rad, m
    3-5     their speeds                                                rad/s, m/s
    6-17    hip_l, hip_r, knee_l, knee_r, ankle_l, ankle_r:             rad,
            angle then speed (6 hip_l angle, 7 hip_l speed, ...)        rad/s
    18-31   x, y of the body origins of head, pelvis, torso, toes_l,    m
            toes_r, talus_l, talus_r
    32-34   centre of mass x, y, z                                      m
    35-37   centre of mass vx, vy, vz                                   m/s
    38-42   zeros (the 2017 psoas and obstacle entries)                 -
    ======  ==========================================================  ====

    **Reward.** ``pelvis_tx`` after the step minus before (metres gained);
    ``info["reward_terms"] = {"forward": ...}``.

    **Starting state.** The model's default pose, muscles in equilibrium.

    **Episode end.** Terminated when the pelvis origin drops below 0.6 m;
    truncated after 1000 steps (classic API: ``done`` for either).

    **Arguments.** ``L2RunEnv(visualize=False, integrator_accuracy=5e-5, report=None, **kwargs)``
    (keywords of :class:`~osim.env.base.OsimEnv`: ``physics``, ``fast``,
    ``integration``, ``model_variants``, ``raise_on_failure``, ``seed``,
    ``obs_as_dict``, ``time_limit``, ``engine``: ``"mujoco"`` runs the MuJoCo twin of the model,
    docs/mujoco.md);
    ``reset(project=True, seed=None, scenario=None)`` (the original docs'
    ``difficulty`` is accepted and ignored with a warning: the class never had obstacles);
    ``step(action, project=True)``. ``project=False`` returns the state
    description instead of the vector. Nothing is random: ``scenario == {}``.
    """

    model_name = "gait9dof18musc"
    #: the planar 18-muscle model has a MuJoCo twin (osim.models.mjcf): engine="mujoco"
    engines = ("opensim", "mujoco")
    initial_excitation = 1.0  # what a fresh process of the original held (docs/quirks.md, Q15)
    time_limit = 1000
    fall_height = 0.6

    def __init__(self, visualize: bool = False, integrator_accuracy: float = 5e-5, report=None, **kwargs) -> None:
        super().__init__(visualize=visualize, integrator_accuracy=integrator_accuracy, report=report, **kwargs)

    def on_model_loaded(self) -> None:
        sim = self.sim
        col = {name: k for k, name in enumerate(sim.coordinate_names)}
        pelvis = [col[c] for c in _PELVIS_COORDS]
        joints = [col[sim.joint_coordinates[j][0]] for j in _JOINT_BLOCK]
        self._pelvis_cols = np.array(pelvis)
        self._joint_cols = np.array(joints)
        self._pelvis_tx_col = col["pelvis_tx"]
        self._prev_pelvis_tx = 0.0

    def get_observation_space_size(self) -> int:
        return 43

    def reset(self, project: bool = True, seed: int | None = None, scenario=None, difficulty=None):
        if difficulty is not None:
            warn_ignored("difficulty", difficulty, "L2RunEnv", "it has no obstacles nor strength changes; use RunEnv")
        return self._reset(project, seed, scenario)

    def get_observation(self) -> np.ndarray:
        sim = self.sim
        q, u = sim.q(), sim.u()
        obs = np.zeros(43)
        obs[0:3] = q[self._pelvis_cols]
        obs[3:6] = u[self._pelvis_cols]
        obs[6:18:2] = q[self._joint_cols]
        obs[7:18:2] = u[self._joint_cols]
        for k, body in enumerate(_BODY_BLOCK):
            obs[18 + 2 * k : 20 + 2 * k] = sim.body_position(body)[:2]
        obs[32:35] = sim.mass_center_position()
        obs[35:38] = sim.mass_center_velocity()
        return obs

    def before_step(self) -> None:
        self._prev_pelvis_tx = self.sim.q()[self._pelvis_tx_col]

    def reward_terms(self) -> dict[str, float]:
        return {"forward": float(self.sim.q()[self._pelvis_tx_col] - self._prev_pelvis_tx)}

    def is_done(self) -> bool:
        return bool(self.sim.body_position("pelvis")[1] < self.fall_height)
