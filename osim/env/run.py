"""RunEnv: NIPS 2017 "Learning to Run" (obstacles, weak psoas, ligaments)."""
from __future__ import annotations

import math
from typing import Mapping

import numpy as np

from osim.env.base import OsimEnv
from osim.models.obstacles import ObstacleSet, add_obstacles

__all__ = ["RunEnv"]

_PELVIS = ("pelvis_tilt", "pelvis_tx", "pelvis_ty")
_JOINTS = ("hip_flexion_r", "knee_angle_r", "ankle_angle_r", "hip_flexion_l", "knee_angle_l", "ankle_angle_l")
_BODIES = ("head", "pelvis", "torso", "toes_l", "toes_r", "talus_l", "talus_r")
_LIGAMENTS = ("HipLimit_r", "HipLimit_l", "KneeLimit_r", "KneeLimit_l", "AnkleLimit_r", "AnkleLimit_l")
_NO_OBSTACLE = (100.0, 0.0, 0.0)
MAX_OBSTACLES = 20


class RunEnv(OsimEnv):
    """Run as far as possible in 10 s past obstacles, with weakened psoas muscles.

    **Description.** The NIPS 2017 "Learning to Run" environment (spec
    section 4) on the planar 9-dof, 18-muscle model: spheres fixed in the
    ground (real contact with the feet) and, at difficulty 2, a random
    strength for each psoas. Like the 2017 original it integrates at accuracy
    1e-3 and does not equilibrate the muscles at reset (fibers start at
    0.1 m, spec Q21); unlike it, one integrator serves the whole episode.

    **Action space.** ``Box(0, 1, (18,), float32)``: excitations, model order
    (hamstrings, bifemsh, glut_max, iliopsoas, rect_fem, vasti, gastroc,
    soleus, tib_ant; right 0-8, left 9-17).

    **Observation space.** 41 float64 values, bounds (-inf, inf):

    ======  ==========================================================  ==========
    index   meaning                                                     unit
    ======  ==========================================================  ==========
    0-2     pelvis_tilt, pelvis_tx, pelvis_ty                           rad, m, m
    3-5     their speeds                                                rad/s, m/s
    6-11    hip_flexion_r, knee_angle_r, ankle_angle_r,                 rad
            hip_flexion_l, knee_angle_l, ankle_angle_l
    12-17   the same six speeds                                         rad/s
    18, 19  centre of mass x, y                                         m
    20, 21  centre of mass vx, vy                                       m/s
    22-35   x, y of the body origins of head, pelvis, torso, toes_l,    m
            toes_r, talus_l, talus_r
    36      "psoas_l strength": the multiplier of muscle 11             -
            (glut_max_l, the original's off-by-one, spec Q16; muscle 12,
            iliopsoas_l, with ``fix_psoas_index=True``)
    37      psoas_r strength (muscle 3, iliopsoas_r)                    -
    38      next obstacle: x - pelvis_tx (100 when none is left)        m
    39      next obstacle: centre height y above the ground             m
    40      next obstacle: radius                                       m
    ======  ==========================================================  ==========

    The next obstacle is the first (by x) whose x + radius >= pelvis_tx.

    **Reward.** ``pelvis_tx`` gained in the step minus the ligament penalty
    ``1e-7 * sqrt(sum F_i^2)`` over the six joint-limit forces (hip, knee,
    ankle, both legs; spec 4.5): ``info["reward_terms"] = {"forward": ...,
    "ligaments": -...}``.

    **Episode.** ``reset(difficulty=None, seed=None, scenario=None,
    project=True)``; difficulty 0: no obstacles; 1: obstacles; 2: obstacles and
    psoas strengths ``max(0.5, 1 - N(0, 0.1))`` (right drawn first).
    Obstacles: ``min(3, max_obstacles)`` at x ~ U(1, 5) m, radius 0.05 +
    Exp(0.05) m, centre height U(-0.25, 0.25) x radius; with
    ``max_obstacles > 3`` further ones every U(2, 4) m after x = 5 m (up to 20
    in all). Terminated when pelvis_ty < 0.65 m; truncated after 1000 steps.

    **Seeds and scenario.** Draws come from the env's own ``RandomState``
    (numpy's legacy generator, as the original's global one): ``seed=s`` draws
    what the original drew with ``np.random.seed(s)``. The scenario is
    ``{"obstacles": [[x, y, r], ...], "psoas": [left, right]}``.

    **Arguments.** ``RunEnv(visualize=False, max_obstacles=3, difficulty=2,
    integrator_accuracy=1e-3, fix_psoas_index=False, report=None)``;
    ``difficulty`` is the default of ``reset``; ``report`` a CSV path (see
    :class:`~osim.env.base.OsimEnv`).
    """

    model_name = "gait9dof18musc"
    time_limit = 1000
    fall_height = 0.65
    equilibrate_muscles = False
    scenario_keys = ("obstacles", "psoas")
    difficulties = (0, 1, 2)

    def __init__(
        self,
        visualize: bool = False,
        max_obstacles: int = 3,
        difficulty: int = 2,
        integrator_accuracy: float = 1e-3,
        fix_psoas_index: bool = False,
        report=None,
    ) -> None:
        if isinstance(max_obstacles, bool) or not isinstance(max_obstacles, (int, np.integer)) \
                or not 0 <= max_obstacles <= MAX_OBSTACLES:
            raise ValueError(f"max_obstacles must be an integer in [0, {MAX_OBSTACLES}], got {max_obstacles!r}")
        self.max_obstacles = int(max_obstacles)
        self.difficulty = self._check_difficulty(difficulty)
        self.fix_psoas_index = bool(fix_psoas_index)
        super().__init__(visualize=visualize, integrator_accuracy=integrator_accuracy, report=report)

    def _check_difficulty(self, difficulty) -> int:
        if isinstance(difficulty, bool) or difficulty not in self.difficulties:
            raise ValueError(f"unknown difficulty {difficulty!r}; allowed: {', '.join(map(str, self.difficulties))}")
        return int(difficulty)

    # ---------------------------------------------------------------- model
    def edit_model(self, model) -> None:
        add_obstacles(model, self.max_obstacles)

    def _on_model_loaded(self) -> None:
        sim = self.sim
        col = {name: k for k, name in enumerate(sim.coordinate_names)}
        self._pelvis_cols = np.array([col[c] for c in _PELVIS])
        self._joint_cols = np.array([col[c] for c in _JOINTS])
        self._obstacles = ObstacleSet(sim, self.max_obstacles)
        self._psoas_index = (12 if self.fix_psoas_index else 11, 3)  # (left, right)
        self._prev_pelvis_tx = 0.0
        self._obstacle_list: list[tuple[float, float, float]] = []
        self._strengths = np.ones(sim.n_muscles)

    def get_observation_space_size(self) -> int:
        return 41

    # -------------------------------------------------------------- episodes
    def reset(self, difficulty: int | None = None, seed: int | None = None, scenario: Mapping | None = None,
              project: bool = True):
        """Start an episode; returns the 41-value observation (``project=False``: the state description)."""
        if difficulty is not None:
            self.difficulty = self._check_difficulty(difficulty)
        self._begin_episode(seed, scenario)
        return self._reset_physics(project)

    def draw_scenario(self) -> dict:
        rng = self.np_random
        obstacles: list[tuple[float, float, float]] = []
        if self.difficulty >= 1:
            n1 = min(3, self.max_obstacles)
            xs, fs, rs = rng.uniform(1, 5, n1), rng.uniform(-0.25, 0.25, n1), 0.05 + rng.exponential(0.05, n1)
            obstacles += [(x, f * r, r) for x, f, r in zip(xs, fs, rs)]
            n2 = max(min(MAX_OBSTACLES, self.max_obstacles) - n1, 0)
            if n2:
                xs = 5 + np.cumsum(rng.uniform(2, 4, n2))
                fs, rs = rng.uniform(-0.05, 0.25, n2), 0.05 + rng.exponential(0.05, n2)
                obstacles += [(x, f * r, r) for x, f, r in zip(xs, fs, rs)]
        obstacles.sort()
        psoas_r = psoas_l = 1.0
        if self.difficulty >= 2:
            psoas_r = max(0.5, 1 - rng.normal(0, 0.1))
            psoas_l = max(0.5, 1 - rng.normal(0, 0.1))
        return {"obstacles": [[float(v) for v in o] for o in obstacles], "psoas": [float(psoas_l), float(psoas_r)]}

    def check_scenario(self, scenario: Mapping) -> dict:
        scenario = super().check_scenario(scenario)
        obstacles = scenario["obstacles"]
        if not isinstance(obstacles, list) or len(obstacles) > self.max_obstacles:
            raise ValueError(f"scenario obstacles must be a list of at most max_obstacles={self.max_obstacles} [x, y, r]")
        for o in obstacles:
            if not (isinstance(o, list) and len(o) == 3 and all(isinstance(v, (int, float)) and math.isfinite(v) for v in o)
                    and o[2] > 0):
                raise ValueError(f"each obstacle must be [x, y, r] with finite numbers and r > 0, got {o!r}")
        psoas = scenario["psoas"]
        if not (isinstance(psoas, list) and len(psoas) == 2
                and all(isinstance(v, (int, float)) and math.isfinite(v) and v > 0 for v in psoas)):
            raise ValueError(f"scenario psoas must be [left, right] positive multipliers, got {psoas!r}")
        scenario["obstacles"] = sorted(scenario["obstacles"])
        return scenario

    def apply_scenario(self) -> None:
        self._obstacle_list = [tuple(o) for o in self.scenario["obstacles"]]
        self._obstacles.place(self._obstacle_list)
        strengths = np.ones(self.sim.n_muscles)
        strengths[self._psoas_index[0]], strengths[self._psoas_index[1]] = self.scenario["psoas"]
        if not np.array_equal(strengths, self._strengths):
            self.sim.set_strengths(strengths)
            self._strengths = strengths

    # ---------------------------------------------------------------- task
    def next_obstacle(self, pelvis_x: float | None = None) -> tuple[float, float, float]:
        """(x - pelvis_tx, y, r) of the first obstacle not yet passed, or (100, 0, 0)."""
        if pelvis_x is None:
            pelvis_x = self.sim.coordinate_value("pelvis_tx")
        for x, y, r in self._obstacle_list:
            if x + r >= pelvis_x:
                return (x - pelvis_x, y, r)
        return _NO_OBSTACLE

    def get_observation(self) -> np.ndarray:
        sim = self.sim
        q, u = sim.q(), sim.u()
        obs = np.empty(41)
        obs[0:3] = q[self._pelvis_cols]
        obs[3:6] = u[self._pelvis_cols]
        obs[6:12] = q[self._joint_cols]
        obs[12:18] = u[self._joint_cols]
        obs[18:20] = sim.mass_center_position()[:2]
        obs[20:22] = sim.mass_center_velocity()[:2]
        for k, body in enumerate(_BODIES):
            obs[22 + 2 * k: 24 + 2 * k] = sim.body_position(body)[:2]
        obs[36] = self._strengths[self._psoas_index[0]]
        obs[37] = self._strengths[self._psoas_index[1]]
        obs[38:41] = self.next_obstacle(obs[1])
        return obs

    def before_step(self) -> None:
        self._prev_pelvis_tx = self.sim.q()[self._pelvis_cols[1]]

    def render_scene(self) -> dict:
        scene = super().render_scene()
        scene["obstacles"] = [c for c in scene["contacts"] if c["name"].endswith("-contact")]
        scene["contacts"] = [c for c in scene["contacts"] if not c["name"].endswith("-contact")]
        return scene

    def ligament_forces(self) -> np.ndarray:
        """The generalized forces of the six joint-limit ligaments (N m)."""
        return np.array([self.sim.force_record(name)[0] for name in _LIGAMENTS])

    def reward_terms(self) -> dict[str, float]:
        forward = float(self.sim.q()[self._pelvis_cols[1]] - self._prev_pelvis_tx)
        penalty = 1e-7 * float(np.sqrt(np.sum(self.ligament_forces() ** 2)))
        return {"forward": forward, "ligaments": -penalty}

    def is_done(self) -> bool:
        return bool(self.sim.q()[self._pelvis_cols[2]] < self.fall_height)
