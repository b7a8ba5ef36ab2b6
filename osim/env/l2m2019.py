"""L2M2019Env: NeurIPS 2019 "Learn to Move - Walk Around" (osim-rl 3.0.11)."""
from __future__ import annotations

import copy
import logging
import math
from functools import lru_cache
from typing import Any, Mapping

import numpy as np
from gymnasium import spaces

from osim.env.base import OsimEnv
from osim.env.checks import check_flag
from osim.env.target_field import TargetField, n_targets_bound

__all__ = ["L2M2019Env", "INIT_POSE", "EXAMPLE_INIT_POSE", "INIT_POSE_FIELDS", "MUSCLES", "ACTION_NAMES",
           "ACT2MUS", "MODELS"]

_log = logging.getLogger(__name__)

#: model choice of ``change_model`` / the constructor -> built model of :mod:`osim.models`
MODELS = {"3D": "gait14dof22musc", "2D": "gait14dof22musc_planar"}
DIFFICULTIES = (0, 1, 2, 3)

#: the challenge's muscle abbreviations, in action (and observation) order per leg
MUSCLES = ("HAB", "HAD", "HFL", "GLU", "HAM", "RF", "VAS", "BFSH", "GAS", "SOL", "TA")
#: model muscle name (without the side suffix) of each abbreviation
MUSCLE_OF = {
    "HAB": "abd", "HAD": "add", "HFL": "iliopsoas", "GLU": "glut_max", "HAM": "hamstrings",
    "RF": "rect_fem", "VAS": "vasti", "BFSH": "bifemsh", "GAS": "gastroc", "SOL": "soleus", "TA": "tib_ant",
}
LEGS = (("r_leg", "r"), ("l_leg", "l"))
#: the 22 action elements: right leg 0-10, left leg 11-21
ACTION_NAMES = tuple(f"{m}_{side}" for _, side in LEGS for m in MUSCLES)
#: the original's permutation: model muscle k takes action element ACT2MUS[k] (checked against the names at load)
ACT2MUS = (0, 1, 4, 7, 3, 2, 5, 6, 8, 9, 10, 11, 12, 15, 18, 14, 13, 16, 17, 19, 20, 21)

#: joint observations per leg: (key, model coordinate without suffix, sign)
JOINTS = (("hip_abd", "hip_adduction", -1.0), ("hip", "hip_flexion", -1.0),
          ("knee", "knee_angle", 1.0), ("ankle", "ankle_angle", -1.0))

#: names of the 12 ``init_pose`` values, by their effect (the original's comments mislabel some; docs/quirks.md, Q49)
INIT_POSE_FIELDS = (
    "forward_speed", "rightward_speed", "pelvis_height", "forward_lean",
    "hip_abduction_r", "hip_extension_r", "knee_extension_r", "ankle_plantarflexion_r",
    "hip_abduction_l", "hip_extension_l", "knee_extension_l", "ankle_plantarflexion_l",
)
#: default initial pose: standing, pelvis at 0.94 m
INIT_POSE = np.array([0.0, 0.0, 0.94, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0])

#: the initial pose of the challenge's controller example: walking
#: at 1.7 m/s, right leg in stance; the reflex controller starts from it
EXAMPLE_INIT_POSE = np.array([
    1.7, 0.5, 0.9023245653983966, 0.2012303881285583,
    0.0, -0.6952390849304798, -0.3231075259785814, 0.1709011708233401,
    0.0, -0.05282323914341899, -0.8041966456860847, -0.17453292519943295,
])
#: (coordinate, init_pose index or None for 0, sign) of the values written at reset
_POSE_COORDINATES = (
    ("pelvis_tx", None, 1.0), ("pelvis_tz", None, 1.0), ("pelvis_list", None, 1.0),
    ("pelvis_rotation", None, 1.0), ("pelvis_ty", 2, 1.0), ("pelvis_tilt", 3, -1.0),
    ("hip_adduction_r", 4, -1.0), ("hip_flexion_r", 5, -1.0), ("knee_angle_r", 6, 1.0), ("ankle_angle_r", 7, -1.0),
    ("hip_adduction_l", 8, -1.0), ("hip_flexion_l", 9, -1.0), ("knee_angle_l", 10, 1.0), ("ankle_angle_l", 11, -1.0),
)

G = 9.80665
LENGTH0 = 1.0
OBS_SIZE = 339
FIELD_SIZE = 242
LEG_SIZE = 44
LEG_START = {"r_leg": 251, "l_leg": 295}
FALL_HEIGHT = 0.6
DT = 0.01
# reward constants of the 2019 original (the class docstring's **Reward.**)
R_ALIVE = 0.1
W_STEP = 10.0
W_EFFORT = 1.0
W_VEL = {0: 1.0, 1: 1.0, 2: 1.0, 3: 3.0}
SUCCESS_BONUS = 10.0
TARGET_BONUS = 500.0
CONTACT_THRESHOLD = 0.05  # body weights


@lru_cache(maxsize=None)
def _model_constants() -> tuple[float, dict, dict]:
    """MASS and per-muscle Fmax / lopt of the 3D model (used for both models, as the original; the values are the same)."""
    from osim.models import model_spec

    spec = model_spec(MODELS["3D"])
    mass = 0.0
    for body in spec.bodies:
        mass += body.mass
    fmax = {m.name: float(m.max_isometric_force) for m in spec.muscles}
    lopt = {m.name: float(m.optimal_fiber_length) for m in spec.muscles}
    return mass, fmax, lopt


@lru_cache(maxsize=None)
def _locked_coordinates(model_name: str) -> frozenset:
    from osim.models import model_spec

    return frozenset(c.name for c in model_spec(model_name).coordinates if c.locked)


def _observation_bounds() -> tuple[np.ndarray, np.ndarray]:
    low, high = np.empty(OBS_SIZE), np.empty(OBS_SIZE)
    low[:FIELD_SIZE], high[:FIELD_SIZE] = -10.0, 10.0
    deg = math.pi / 180.0
    body = [(0.0, 3.0), (-math.pi, math.pi), (-math.pi, math.pi)] + [(-20.0, 20.0)] * 3 \
        + [(-10 * math.pi, 10 * math.pi)] * 3
    leg = [(-5.0, 5.0), (-5.0, 5.0), (-10.0, 10.0),
           (-45 * deg, 90 * deg), (-180 * deg, 45 * deg), (-180 * deg, 15 * deg), (-45 * deg, 90 * deg)] \
        + [(-5 * math.pi, 5 * math.pi)] * 4 + [(0.0, 3.0), (0.0, 3.0), (-50.0, 50.0)] * len(MUSCLES)
    bounds = np.array(body + leg + leg)
    low[FIELD_SIZE:], high[FIELD_SIZE:] = bounds[:, 0], bounds[:, 1]
    return low, high


class L2M2019Env(OsimEnv):
    """Walk where a target velocity field points: the 14-dof, 22-muscle body (3D or planar).

    **Description.** The NeurIPS 2019 "Learn to Move - Walk Around"
    environment (original: osim-rl 3.0.11). A local map of target
    velocities (:class:`~osim.env.target_field.TargetField`) says where to
    walk: at difficulty 0 straight ahead at 1.4 m/s, at 1-3 towards random
    sinks (1: straight ahead, 2 = Round 1: within +-90 deg, 3 = Round 2: in
    any direction, two targets). Model '3D' is ``gait14dof22musc``, '2D' is
    ``gait14dof22musc_planar`` (out-of-plane coordinates locked; still 22
    muscles and 339 observations, roll/yaw/hip_abd identically 0).

    **Action space.** ``Box(0, 1, (22,), float32)``: excitations in the
    challenge's order, per leg HAB (abd), HAD (add), HFL (iliopsoas), GLU
    (glut_max), HAM (hamstrings), RF (rect_fem), VAS (vasti), BFSH
    (bifemsh), GAS (gastroc), SOL (soleus), TA (tib_ant); right leg 0-10,
    left leg 11-21 (:data:`ACTION_NAMES`). Model muscle k receives element
    ``ACT2MUS[k]`` (the original's permutation). NaN/inf raise ValueError; values are clipped
    to [0, 1].

    **Observation space.** ``reset``/``step`` return, by arguments:
    ``project=False``: the state description plus
    ``"v_tgt_field"``; ``project=True, obs_as_dict=True`` (the default): the
    observation dict; ``project=True, obs_as_dict=False``: the flat vector of
    339 float64 values (:meth:`get_observation`; the Gymnasium observation).
    yaw = pelvis_rotation; pelvis velocities are rotated into the heading
    frame; GRF are the forces on the foot (minus the contact record's force on
    the ground) in body weights (M g, M = 75.1646 kg, g = 9.80665 m/s2),
    rotated by yaw; f = fiber force / Fmax, l = fiber length / lopt,
    v = fiber velocity / lopt (Fmax, lopt of the 3D model).

    =======  ====================================================  =========  ================
    index    meaning                                               bounds     unit
    =======  ====================================================  =========  ================
    0-241    v_tgt_field[c][i][j] at c*121 + i*11 + j: c = 0       +-10       m/s
             forward, 1 leftward; node i forward offset i-5 m, j
             leftward offset j-5 m (body frame; the pelvis is i=j=5)
    242      pelvis height: pelvis origin y                        [0, 3]     m
    243      pelvis pitch: -pelvis_tilt (+ = forward)              +-pi       rad
    244      pelvis roll: pelvis_list (+ = to the right)           +-pi       rad
    245      forward velocity: vx cos(yaw) - vz sin(yaw)           +-20       m/s
    246      leftward velocity: -(vx sin(yaw) + vz cos(yaw))       +-20       m/s
    247      upward velocity: vy (pelvis origin)                   +-20       m/s
    248      pitch rate: -pelvis_tilt speed                        +-10 pi    rad/s
    249      roll rate: pelvis_list speed                          +-10 pi    rad/s
    250      yaw rate: pelvis_rotation speed                       +-10 pi    rad/s
    251      r_leg GRF forward                                     +-5        body weights
    252      r_leg GRF rightward (lateral)                         +-5        body weights
    253      r_leg GRF upward                                      +-10       body weights
    254      r_leg hip_abd: -hip_adduction_r                       [-45, 90]  deg (as rad)
    255      r_leg hip: -hip_flexion_r (+ = extension)             [-180, 45] deg (as rad)
    256      r_leg knee: knee_angle_r (+ = extension)              [-180, 15] deg (as rad)
    257      r_leg ankle: -ankle_angle_r (+ = plantarflexion)      [-45, 90]  deg (as rad)
    258-261  r_leg d_joint: rates of hip_abd, hip, knee, ankle     +-5 pi     rad/s
    262-294  r_leg muscles HAB, HAD, HFL, GLU, HAM, RF, VAS,       f, l:      -, -, 1/s
             BFSH, GAS, SOL, TA, each (f, l, v): HAB 262-264,      [0, 3];
             HAD 265-267, ..., TA 292-294                          v: +-50
    295-297  l_leg GRF forward, leftward (lateral), upward         as r_leg   body weights
    298-301  l_leg joint hip_abd, hip, knee, ankle (left coords)   as r_leg   rad
    302-305  l_leg d_joint                                         as r_leg   rad/s
    306-338  l_leg muscles, same layout as 262-294                 as r_leg   -
    =======  ====================================================  =========  ================

    The observation dict holds the same values: ``v_tgt_field`` (array
    (2, 11, 11)); ``pelvis``: ``height``, ``pitch``, ``roll``, ``vel`` (list
    of 6: indices 245-250); ``r_leg`` / ``l_leg``: ``ground_reaction_forces``
    (list of 3), ``joint`` and ``d_joint`` (dicts ``hip_abd``, ``hip``,
    ``knee``, ``ankle``), and per muscle abbreviation a dict ``f``, ``l``,
    ``v``. Values are plain floats. Bounds are not enforced
    (:meth:`get_observation_clipped` clips to them).

    **Reward.** Per step ``alive`` = 0.1. Accumulated since the last rewarded
    footstep: dt, the effort ``sum(activation^2) dt`` and the velocity
    deviation ``(v_pelvis - v_target) dt`` (2-D, global frame, target from
    the field as of the previous step at the pelvis position). When the
    previous step detected a footstep (a foot's downward contact force
    exceeding 5 % of body weight after being below it; both feet count once):
    ``footstep`` = 10 * accumulated dt, ``velocity`` = -w |accumulated
    deviation| (w = 1, difficulty 3: 3), ``effort`` = -accumulated effort;
    the accumulators restart. Difficulties 0-2 (Round 1): ``bonus`` = +10 at
    the time limit when not fallen (the Round-1 rule; 3.0.11 crashed or
    double-counted the footstep term; docs/quirks.md, Q39). Difficulty 3 (Round 2): at
    the time limit, not fallen, with more than 5 footsteps, the footstep
    terms are paid even without a new footstep (no +10); ``target`` = +500
    when the previous step's field update reported a reached target (at most
    twice per episode, as announced). Footsteps and targets are rewarded one step late
    (as in the original: both are updated after the reward). ``info["reward_terms"]`` = ``{"alive", "footstep", "velocity",
    "effort", "bonus", "target"}``, summing to the reward.

    **Episode / Starting state.** ``reset`` builds the default state, then
    writes ``init_pose`` (12 numbers, :data:`INIT_POSE_FIELDS`; default
    :data:`INIT_POSE`: standing, pelvis at 0.94 m): forward and rightward
    pelvis speeds, pelvis height, forward lean (-pelvis_tilt), per leg hip
    abduction (-hip_adduction), hip extension (-hip_flexion), knee extension
    (knee_angle), ankle plantarflexion (-ankle_angle); pelvis x, z, list,
    rotation 0; all other speeds 0. Coordinates locked in the model (2D:
    pelvis_list, pelvis_rotation, pelvis_tz, hip_adduction; both:
    hip_rotation, lumbar_extension) keep their defaults and speeds (so the
    2D model ignores the rightward speed and hip abduction). Muscles are
    then equilibrated. Terminated when the pelvis origin is below 0.6 m;
    truncated at ``spec.timestep_limit`` steps (difficulty 0-2: 1000,
    3: 2500; overridable); the classic ``done`` is either.

    **Seeds and scenario.** The field's draws (per target: distance r,
    heading change, phase, dwell time; in the original's order) come from
    the env's own ``RandomState``: ``seed=s`` (constructor, ``reset`` or
    :meth:`seed`; 0 is a seed, None continues the stream; docs/quirks.md, Q6) draws what
    the original drew after ``np.random.seed(s)``. ``reset`` pre-draws as many
    targets as the time limit can use (:func:`~osim.env.target_field.n_targets_bound`)
    into ``env.scenario = {"targets": [{"p_sink": [x, y], "v_phase0": phi0,
    "t0_target": t0}, ...]}`` (difficulty 0: ``{"targets": []}``);
    ``reset(scenario=S)`` replays it (the golden files' ``meta["targets"]``
    entries are accepted: their ``d_sink``, ``v_amp_rng``, ``map_rng_xy`` are
    dropped). When a scenario's targets run out, the last one stays.
    Pre-drawing means an unseeded follow-up episode continues from a
    different stream position than the original.

    A failed simulation step (OpenSim raises or the state turns NaN) ends the
    episode: ``done``, reward 0, the last good observation and
    ``info["failure"]``; ``raise_on_failure=True`` raises
    :class:`~osim.sim.errors.SimulationError` as the original did.

    **Arguments.** ``L2M2019Env(visualize=False, integrator_accuracy=5e-5,
    difficulty=3, seed=None, report=None, model='3D', obs_as_dict=True,
    raise_on_failure=False)`` (``visualize`` defaulted to True in the
    original; ``model`` and ``obs_as_dict`` are additions: the initial
    model and the default of ``obs_as_dict`` in ``reset``/``step``;
    ``report`` is a CSV path, see :class:`~osim.env.base.OsimEnv`). ``engine="mujoco"`` runs the
    MuJoCo twin of either model (same observation, reward and termination code; different physics:
    docs/mujoco.md); ``engine="opensim"`` (default) is the challenge's physics. ``reset(project=True, seed=None,
    init_pose=None, obs_as_dict=None, scenario=None)``; ``step(action,
    project=True, obs_as_dict=None)``; ``change_model(model='3D',
    difficulty=3, seed=None)`` reloads only if the model changes, sets the
    difficulty (and ``spec.timestep_limit``), and reseeds if ``seed`` is not
    None (the original ignored it); call ``reset`` next.
    """

    model_name = MODELS["3D"]
    initial_excitation = 1.0  # what a fresh process of the original held (docs/quirks.md, Q15)
    scenario_keys = ("targets",)
    reset_options = ("init_pose",)
    requires_reset = True
    fall_height = FALL_HEIGHT
    #: both models have a MuJoCo twin (osim.models.mjcf): engine="mujoco"
    engines = ("opensim", "mujoco")

    def __init__(
        self,
        visualize: bool = False,
        integrator_accuracy: float = 5e-5,
        difficulty: int = 3,
        seed: int | None = None,
        report=None,
        model: str = "3D",
        obs_as_dict: bool = True,
        raise_on_failure: bool = False,
        **kwargs,
    ) -> None:
        self.model_kind = self._check_model(model)
        self.difficulty = self._check_difficulty(difficulty)
        self.time_limit = self._time_limit_of(self.difficulty)
        self.init_pose = INIT_POSE.copy()
        self._step_terms: dict | None = None
        self._fresh_reads: dict | None = None
        self._field: TargetField | None = None
        super().__init__(visualize=visualize, integrator_accuracy=integrator_accuracy, report=report,
                         raise_on_failure=raise_on_failure, obs_as_dict=obs_as_dict, seed=seed, **kwargs)
        self._log_difficulty()

    @property
    def model(self) -> str:
        """The classic name of :attr:`model_kind` ("3D" or "2D")."""
        return self.model_kind

    @property
    def model_name(self) -> str:
        """The built model simulated now (:data:`MODELS`)."""
        return MODELS[self.model_kind]

    @property
    def action_names(self) -> tuple[str, ...]:
        """The 22 action elements in the challenge's order (:data:`ACTION_NAMES`)."""
        return ACTION_NAMES

    # ------------------------------------------------------------ arguments
    @staticmethod
    def _check_model(model) -> str:
        if not isinstance(model, str) or model not in MODELS:
            raise ValueError(f"unknown model {model!r}; allowed: '3D' (gait14dof22musc), '2D' (gait14dof22musc_planar)")
        return model

    @staticmethod
    def _check_difficulty(difficulty) -> int:
        if isinstance(difficulty, (bool, np.bool_)) or not isinstance(difficulty, (int, np.integer)) \
                or int(difficulty) not in DIFFICULTIES:
            raise ValueError(f"unknown difficulty {difficulty!r}; allowed: 0, 1, 2 (Round 1), 3 (Round 2)")
        return int(difficulty)

    @staticmethod
    def _time_limit_of(difficulty: int) -> int:
        return 2500 if difficulty == 3 else 1000

    def _log_difficulty(self) -> None:
        if self.difficulty in (2, 3):
            _log.info("difficulty %d for Round %d", self.difficulty, self.difficulty - 1)

    def _check_init_pose(self, init_pose) -> np.ndarray:
        if init_pose is None:
            return INIT_POSE.copy()
        if isinstance(init_pose, (str, bytes, Mapping)):
            raise TypeError(f"init_pose must be a sequence of 12 numbers ({', '.join(INIT_POSE_FIELDS)}), "
                            f"got {type(init_pose).__name__}")
        try:
            pose = np.asarray(init_pose)
        except Exception as exc:
            raise TypeError(f"init_pose could not be converted to 12 numbers: {exc}") from exc
        real = np.issubdtype(pose.dtype, np.integer) or np.issubdtype(pose.dtype, np.floating)
        if pose.dtype == object or not real:
            raise TypeError(f"init_pose must hold real numbers, got dtype {pose.dtype}")
        if pose.shape != (12,):
            raise ValueError(f"init_pose must have 12 values ({', '.join(INIT_POSE_FIELDS)}); got shape {pose.shape}")
        pose = pose.astype(np.float64)
        if not np.all(np.isfinite(pose)):
            bad = [INIT_POSE_FIELDS[i] for i in np.flatnonzero(~np.isfinite(pose))]
            raise ValueError(f"init_pose has non-finite values for {', '.join(bad)}")
        return pose

    # ---------------------------------------------------------------- model
    def on_model_loaded(self) -> None:
        sim = self.sim
        if self._field is None:
            # the field draws from the env's generator: seeding the env seeds the field
            self._field = TargetField(self.difficulty, dt=DT, rng=self.np_random)
        mass, fmax, lopt = _model_constants()
        self.mass = mass
        self._mg = mass * G
        col = {name: k for k, name in enumerate(sim.coordinate_names)}
        self._c_tilt, self._c_list, self._c_rot = col["pelvis_tilt"], col["pelvis_list"], col["pelvis_rotation"]
        self._joint_cols = np.array([col[f"{coord}_{side}"] for _, side in LEGS for _, coord, _ in JOINTS])
        self._joint_signs = np.array([sign for _ in LEGS for _, _, sign in JOINTS])
        row = {name: k for k, name in enumerate(sim.muscle_names)}
        names = [f"{MUSCLE_OF[m]}_{side}" for _, side in LEGS for m in MUSCLES]
        missing = [n for n in names if n not in row]
        if missing or sim.n_muscles != len(names):
            raise ValueError(f"{self.model_path.name}: not an L2M2019 model (muscles {missing or sim.muscle_names})")
        #: model muscle row of each action element (challenge order)
        self._mus_rows = np.array([row[n] for n in names])
        act2mus = np.empty(len(names), dtype=np.intp)
        act2mus[self._mus_rows] = np.arange(len(names))
        if sim.muscle_names == _spec_muscle_order() and tuple(act2mus.tolist()) != ACT2MUS:
            raise RuntimeError(f"action permutation derived from the muscle names {act2mus.tolist()} "
                               f"differs from the original's ACT2MUS {list(ACT2MUS)}")
        self._act2mus = act2mus
        self._fmax = np.array([fmax[n] for n in names])
        self._lopt = np.array([lopt[n] for n in names])
        model_name = self.model_path.stem
        self._locked = _locked_coordinates(model_name) if model_name in MODELS.values() else frozenset()
        self._free_coordinates = [c for c in sim.coordinate_names if c not in self._locked]

    def get_observation_space_size(self) -> int:
        return OBS_SIZE

    def make_observation_space(self) -> spaces.Box:
        low, high = _observation_bounds()
        return spaces.Box(low=low, high=high, dtype=np.float64)

    def change_model(self, model: str = "3D", difficulty: int = 3, seed: int | None = None) -> None:
        """Switch model ('3D'/'2D') and difficulty; call :meth:`reset` next.

        Reloads only if the model changes; sets ``spec.timestep_limit`` to the
        difficulty's limit; ``seed`` (not None) reseeds the env's generator.
        """
        model = self._check_model(model)
        difficulty = self._check_difficulty(difficulty)
        if model != self.model_kind:
            self.model_kind = model
            self.load_model()
        self.set_difficulty(difficulty)
        if seed is not None:
            self.seed(seed)

    def set_difficulty(self, difficulty: int) -> None:
        """Set the difficulty (= target field version) and the time limit; call :meth:`reset` next."""
        self.difficulty = self._check_difficulty(difficulty)
        self.set_time_limit(self._time_limit_of(self.difficulty))
        self.episode.ready = False
        self._log_difficulty()

    # -------------------------------------------------------------- scenario
    def draw_scenario(self) -> dict:
        n = n_targets_bound(self.difficulty, self.spec.timestep_limit, DT)
        self._field.reset(n_draw=n if self.difficulty else None, version=self.difficulty)
        return self._field.scenario

    def check_scenario(self, scenario: Mapping) -> dict:
        scenario = super().check_scenario(scenario)
        targets = scenario["targets"]
        if not isinstance(targets, list):
            raise ValueError(f"scenario targets must be a list of {{'p_sink': [x, y], 'v_phase0': phi0, "
                             f"'t0_target': t0}}, got {type(targets).__name__}")
        if self.difficulty == 0 and targets:
            raise ValueError("difficulty 0 has a constant field and no targets: the scenario must be {'targets': []}")
        if self.difficulty != 0 and not targets:
            raise ValueError(f"difficulty {self.difficulty} needs at least one target in the scenario")
        keys = {"p_sink", "v_phase0", "t0_target"}
        dropped = {"d_sink", "v_amp_rng", "map_rng_xy"}  # informative keys of the golden files
        clean = []
        for k, tgt in enumerate(targets):
            if not isinstance(tgt, dict):
                raise ValueError(f"scenario target {k} must be a dict with keys {sorted(keys)}")
            unknown, missing = set(tgt) - keys - dropped, keys - set(tgt)
            if unknown or missing:
                raise ValueError(f"scenario target {k}: keys must be {sorted(keys)}"
                                 + (f"; unknown {sorted(unknown)}" if unknown else "")
                                 + (f"; missing {sorted(missing)}" if missing else ""))
            p = tgt["p_sink"]
            values = (p if isinstance(p, list) else [p]) + [tgt["v_phase0"], tgt["t0_target"]]
            if not (isinstance(p, list) and len(p) == 2) or not all(
                    isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in values):
                raise ValueError(f"scenario target {k}: p_sink must be [x, y] and v_phase0, t0_target numbers "
                                 f"(all finite), got {tgt!r}")
            clean.append({"p_sink": [float(p[0]), float(p[1])], "v_phase0": float(tgt["v_phase0"]),
                          "t0_target": float(tgt["t0_target"])})
        return {"targets": clean}

    def apply_scenario(self) -> None:
        self._field.reset(scenario=self.scenario, version=self.difficulty)

    # -------------------------------------------------------------- episodes
    def reset(self, project: bool = True, seed: int | None = None, init_pose=None,
              obs_as_dict: bool | None = None, scenario: Mapping | None = None):
        """Start an episode; the return type depends on ``project`` / ``obs_as_dict``."""
        return self._reset(project, seed, scenario, {"init_pose": init_pose}, obs_as_dict)

    def step(self, action, project: bool = True, obs_as_dict: bool | None = None):
        """One 10 ms step; returns ``[obs, reward, done, info]``."""
        return self._step(action, project, obs_as_dict)

    def apply_options(self, options) -> None:
        """``init_pose``: the 12 numbers of :data:`INIT_POSE_FIELDS` (None: :data:`INIT_POSE`)."""
        self.init_pose = self._check_init_pose(options.get("init_pose"))

    def initial_state(self):
        """The pelvis and leg coordinates of :attr:`init_pose`; every free speed 0 but the pelvis's."""
        pose = self.init_pose
        coordinates, speeds = {}, {}
        for name, index, sign in _POSE_COORDINATES:
            if name not in self._locked:
                coordinates[name] = 0.0 if index is None else sign * pose[index]
        for name in self._free_coordinates:
            speeds[name] = 0.0
        for name, index in (("pelvis_tx", 0), ("pelvis_tz", 1)):
            if name not in self._locked:
                speeds[name] = pose[index]
        return coordinates, speeds

    def on_reset(self) -> None:
        self.t = 0.0
        self._del_t = 0.0
        self._del_v = np.zeros(2)
        self._effort_step = 0.0
        self._effort_total = 0.0
        self.n_footsteps = 0
        self._new_footstep = False
        self._contact = (True, True)
        self._target_flag = 0
        self._step_terms = None
        self._fresh_reads = None
        self._update_field()

    def _update_field(self) -> None:
        sim = self.sim
        pos = sim.body_position("pelvis")
        yaw = sim.q()[self._c_rot]
        self._v_tgt_field, self._target_flag = self._field.update((pos[0], -pos[2], yaw))

    def render_scene(self) -> dict:
        """The simulator's scene plus the local target velocity field and the current sink."""
        scene = super().render_scene()
        pelvis = self.sim.body_position("pelvis")
        scene["field"] = {"vectors": self._v_tgt_field, "origin": (float(pelvis[0]), float(pelvis[2])),
                          "yaw": float(self.sim.q()[self._c_rot])}
        sink = self._field.p_sink
        if sink is not None:  # map frame (x, left) -> ground (x, 0, -left)
            scene["targets"] = [((float(sink[0]), 0.0, -float(sink[1])), 0.3)]
        scene["text"].append(f"difficulty {self.difficulty}  footsteps {self.n_footsteps}")
        return scene

    def _update_footsteps(self, foot_r: list, foot_l: list) -> None:
        threshold = -CONTACT_THRESHOLD * self._mg
        contact = (foot_r[1] < threshold, foot_l[1] < threshold)
        new = (not self._contact[0] and contact[0]) or (not self._contact[1] and contact[1])
        if new:
            self.n_footsteps += 1
        self._new_footstep = bool(new)
        self._contact = contact

    def _require_episode(self) -> None:
        if not self.episode.ready:
            raise RuntimeError("L2M2019Env: call reset() first (after construction, change_model or set_difficulty)")

    def actuate(self, excitations: np.ndarray) -> None:
        """Excitations in the challenge's order -> the model's muscles."""
        self.sim.set_excitations(self.model_action(excitations))

    def model_action(self, action: np.ndarray) -> np.ndarray:
        """The challenge's action order (right leg, then left leg) -> the model's muscle order."""
        return action[self._act2mus]

    def after_step(self) -> None:
        """The step's bookkeeping, in the original's order.

        Accumulate effort, time and velocity deviation; settle this step's
        reward terms (a footstep detected at the *previous* step pays them,
        then the accumulators restart); advance the clock; detect footsteps;
        update the target field (the observation shows the updated field).
        """
        reads = self._read()
        self._accumulate(reads)
        success = self._success()  # the fall test, once per step
        due = self._footstep_due(success)
        self._step_terms = self._terms_now(due, success)
        if due:
            self._del_t, self._del_v, self._effort_step = 0.0, np.zeros(2), 0.0
        self.t += DT
        self._update_footsteps(reads["foot_r"], reads["foot_l"])
        self._update_field()
        self._fresh_reads = reads

    # ------------------------------------------------------------------ reward
    def _accumulate(self, reads: dict) -> None:
        act = reads["fibers"][:, 0]
        act2 = float(np.sum(act * act))
        self._effort_step += act2 * DT
        self._effort_total += act2 * DT
        self._del_t += DT
        pos, vel = reads["pelvis_pos"], reads["pelvis_vel"]
        v_tgt = self._field.global_velocity(pos[0], -pos[2])
        self._del_v = self._del_v + (np.array([vel[0], -vel[2]]) - np.array(v_tgt)) * DT

    def _success(self) -> bool:
        """The time limit is reached without a fall (the fall is tested only then)."""
        return bool(self.sim.istep >= self.spec.timestep_limit and not self.is_done())

    def _footstep_due(self, success: bool) -> bool:
        if self.difficulty == 3:
            return self._new_footstep or (success and self.n_footsteps > 5)
        return self._new_footstep

    def reward_terms(self) -> dict[str, float]:
        """This step's reward terms (settled by :meth:`after_step`; before any step: as of now)."""
        if self._step_terms is not None:
            return self._step_terms
        success = self._success()
        return self._terms_now(self._footstep_due(success), success)

    def _terms_now(self, due: bool, success: bool) -> dict[str, float]:
        terms = {"alive": R_ALIVE, "footstep": 0.0, "velocity": 0.0, "effort": 0.0, "bonus": 0.0, "target": 0.0}
        if due:
            terms["footstep"] = W_STEP * self._del_t
            terms["velocity"] = -W_VEL[self.difficulty] * float(np.linalg.norm(self._del_v))
            terms["effort"] = -W_EFFORT * self._effort_step
        if self.difficulty != 3 and success:
            terms["bonus"] = SUCCESS_BONUS
        if self.difficulty == 3 and self._target_flag:
            terms["target"] = TARGET_BONUS
        return terms

    def is_done(self) -> bool:
        return bool(self.sim.body_position("pelvis")[1] < self.fall_height)

    # ------------------------------------------------------------- observation
    def _read(self) -> dict:
        sim = self.sim
        return {
            "q": sim.q(), "u": sim.u(),
            "pelvis_pos": sim.body_position("pelvis"), "pelvis_vel": sim.body_velocity("pelvis"),
            "foot_r": sim.force_record("foot_r"), "foot_l": sim.force_record("foot_l"),
            "fibers": sim.muscle_fibers(),
        }

    def _observation_vector(self, reads: dict) -> np.ndarray:
        q, u = reads["q"], reads["u"]
        pos, vel = reads["pelvis_pos"], reads["pelvis_vel"]
        obs = np.empty(OBS_SIZE)
        obs[:FIELD_SIZE] = self._v_tgt_field.ravel()
        yaw = q[self._c_rot]
        c, s = math.cos(yaw), math.sin(yaw)
        obs[242] = pos[1]
        obs[243] = -q[self._c_tilt]
        obs[244] = q[self._c_list]
        obs[245] = (vel[0] * c - vel[2] * s) / LENGTH0
        obs[246] = -(vel[0] * s + vel[2] * c) / LENGTH0
        obs[247] = vel[1] / LENGTH0
        obs[248] = -u[self._c_tilt]
        obs[249] = u[self._c_list]
        obs[250] = u[self._c_rot]
        joints = self._joint_signs * q[self._joint_cols]
        rates = self._joint_signs * u[self._joint_cols]
        fib = reads["fibers"][self._mus_rows]
        muscles = np.empty((len(ACTION_NAMES), 3))
        muscles[:, 0] = fib[:, 3] / self._fmax
        muscles[:, 1] = fib[:, 1] / self._lopt
        muscles[:, 2] = fib[:, 2] / self._lopt
        n = len(MUSCLES)
        for k, (leg, foot, lateral) in enumerate((("r_leg", "foot_r", 1.0), ("l_leg", "foot_l", -1.0))):
            rec = reads[foot]
            fx, fy, fz = rec[0] / self._mg, rec[1] / self._mg, rec[2] / self._mg
            b = LEG_START[leg]
            obs[b] = -fx * c + fz * s
            obs[b + 1] = lateral * (-fx * s - fz * c)
            obs[b + 2] = -fy
            obs[b + 3:b + 7] = joints[4 * k:4 * k + 4]
            obs[b + 7:b + 11] = rates[4 * k:4 * k + 4]
            obs[b + 11:b + LEG_SIZE] = muscles[n * k:n * (k + 1)].ravel()
        return obs

    def get_observation(self) -> np.ndarray:
        """The flat observation vector (339 float64 values, table in the class docstring)."""
        self._require_episode()
        reads, self._fresh_reads = self._fresh_reads, None
        return self._observation_vector(reads if reads is not None else self._read())

    def get_observation_clipped(self) -> np.ndarray:
        """:meth:`get_observation` clipped to the observation-space bounds."""
        return np.clip(self.get_observation(), self.observation_space.low, self.observation_space.high)

    def observation_dict(self, observation: np.ndarray) -> dict:
        """The observation dict of a vector: a fresh dict of plain floats (``v_tgt_field`` an array)."""
        return self._dict_from_vector(observation)

    def _dict_from_vector(self, v: np.ndarray) -> dict:
        vals = v.tolist()
        out: dict[str, Any] = {
            "v_tgt_field": v[:FIELD_SIZE].reshape(2, 11, 11).copy(),
            "pelvis": {"height": vals[242], "pitch": vals[243], "roll": vals[244], "vel": vals[245:251]},
        }
        for leg, b in LEG_START.items():
            d: dict[str, Any] = {
                "ground_reaction_forces": vals[b:b + 3],
                "joint": {key: vals[b + 3 + i] for i, (key, _, _) in enumerate(JOINTS)},
                "d_joint": {key: vals[b + 7 + i] for i, (key, _, _) in enumerate(JOINTS)},
            }
            for m, name in enumerate(MUSCLES):
                i = b + 11 + 3 * m
                d[name] = {"f": vals[i], "l": vals[i + 1], "v": vals[i + 2]}
            out[leg] = d
        return out

    def get_state_desc(self) -> dict:
        """The state description plus ``v_tgt_field`` (a fresh dict; the original wrote into its cached one)."""
        desc = dict(self.sim.state_desc())
        if self.episode.ready:
            desc["v_tgt_field"] = self._v_tgt_field.copy()
        return desc

    # --------------------------------------------------------------- extras
    @property
    def v_tgt_field(self) -> np.ndarray:
        """The local target velocity field (2, 11, 11) of the last update."""
        self._require_episode()
        return self._v_tgt_field.copy()

    @property
    def target_field(self) -> TargetField:
        """The target velocity field object (read it; do not reset it)."""
        return self._field

    @property
    def footstep(self) -> dict:
        """Footstep state: ``{"n": count, "new": detected at the last step, "r_contact", "l_contact"}``."""
        return {"n": self.n_footsteps, "new": self._new_footstep,
                "r_contact": bool(self._contact[0]), "l_contact": bool(self._contact[1])}


def _spec_muscle_order() -> tuple[str, ...]:
    """The model muscle order of both L2M2019 model files (right leg, then left)."""
    per_leg = ("abd", "add", "hamstrings", "bifemsh", "glut_max", "iliopsoas", "rect_fem", "vasti",
               "gastroc", "soleus", "tib_ant")
    return tuple(f"{m}_{side}" for side in ("r", "l") for m in per_leg)
