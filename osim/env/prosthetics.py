"""ProstheticsEnv: NIPS 2018 "AI for Prosthetics" (rounds 1 and 2)."""
from __future__ import annotations

import math
from typing import Mapping

import numpy as np

from osim.env.base import OsimEnv
from osim.env.checks import check_seed

__all__ = ["ProstheticsEnv", "PROSTHETICS_MODELS", "DIFFICULTY_TIME_LIMITS"]

#: (model, prosthetic) -> built model of :mod:`osim.models`
PROSTHETICS_MODELS: dict[tuple[str, bool], str] = {
    ("3D", True): "gait14dof22musc_pros",
    ("3D", False): "gait14dof22musc",
    ("2D", True): "gait14dof22musc_planar_pros",
    ("2D", False): "gait14dof22musc_planar",
}
#: difficulty -> steps per episode (round 1: 3 s, round 2: 10 s)
DIFFICULTY_TIME_LIMITS: dict[int, int] = {0: 300, 1: 1000}

# Bodies of the observation vector, in order; the pelvis block comes first
# (without x). Absent bodies (the prosthetic leg has no toes_r / talus_r) give
# nine zeros.
_VECTOR_BODIES = ("head", "torso", "toes_l", "toes_r", "talus_l", "talus_r")
# Joints of the observation vector: for each, the coordinate values, then
# speeds, then accelerations (hip_l / hip_r: 3 coordinates each).
_VECTOR_JOINTS = ("ankle_l", "ankle_r", "back", "hip_l", "hip_r", "knee_l", "knee_r")
# The 2018 documentation's name of the prosthetic foot's contact force
# (OpenSim 4.6 keeps the file's name, ``pros_foot_r``; the 2018 build renamed it; docs/quirks.md, Q35).
_FORCE_ALIASES = {"pros_foot_r_0": "pros_foot_r"}

_TARGET_SPEED0 = 1.25
_N_CHANGE_POINTS = 10


class _ForceDict(dict):
    """``state_desc["forces"]``: a plain dict that also answers to the 2018 alias names.

    ``forces["pros_foot_r_0"]`` reads ``forces["pros_foot_r"]``; iteration,
    ``keys()`` and ``len()`` list only the real names.
    """

    def __missing__(self, key):
        real = _FORCE_ALIASES.get(key)
        if real is not None and dict.__contains__(self, real):
            return dict.__getitem__(self, real)
        raise KeyError(key)

    def __contains__(self, key) -> bool:
        return dict.__contains__(self, key) or dict.__contains__(self, _FORCE_ALIASES.get(key, key))

    def get(self, key, default=None):
        return self[key] if key in self else default


def _check_difficulty(difficulty) -> int:
    if isinstance(difficulty, bool) or not isinstance(difficulty, (int, np.integer)) \
            or int(difficulty) not in DIFFICULTY_TIME_LIMITS:
        raise ValueError(
            f"unknown difficulty {difficulty!r}; allowed: 0 (round 1, 300 steps, run at 3 m/s) or "
            "1 (round 2, 1000 steps, follow target_vel)"
        )
    return int(difficulty)


def _check_model(model, prosthetic) -> tuple[str, bool]:
    if model not in ("3D", "2D"):
        raise ValueError(f"unknown model {model!r}; allowed: '3D' or '2D'")
    if isinstance(prosthetic, (bool, np.bool_)):
        return model, bool(prosthetic)
    if isinstance(prosthetic, (int, np.integer)) and prosthetic in (0, 1):
        return model, bool(prosthetic)
    raise ValueError(f"prosthetic must be True or False, got {prosthetic!r}")


class ProstheticsEnv(OsimEnv):
    """Run (round 1) or follow a changing velocity (round 2) with a prosthetic leg.

    **Description.** The NIPS 2018 "AI for Prosthetics" environment: the 14-dof musculoskeletal model whose right shank and foot
    are a passive below-knee prosthesis (pin ankle with a spring, 19 muscles).
    ``change_model`` selects the intact model (22 muscles) and/or the planar
    variant (pelvis_list, pelvis_rotation, pelvis_tz and the hip adductions
    locked; same muscles).

    **Action space.** ``Box(0, 1, (19,) or (22,), float32)``: excitations in
    the model's muscle order: abd_r, add_r, hamstrings_r, bifemsh_r,
    glut_max_r, iliopsoas_r, rect_fem_r, vasti_r, [gastroc_r, soleus_r,
    tib_ant_r: intact models only], then abd_l, add_l, hamstrings_l,
    bifemsh_l, glut_max_l, iliopsoas_l, rect_fem_l, vasti_l, gastroc_l,
    soleus_l, tib_ant_l.

    **Observation space.** 160 float64 values with the prosthesis, 169
    without, bounds (-inf, inf) (the original declared Box(0, 0), which no observation fits). A body
    block is 9 values ``x, y, vx, vy, ax, ay, rz, wz, az`` of the body
    frame's origin (position, linear velocity, linear acceleration in
    ground), its third body-fixed X-Y-Z Euler angle ``rz``, and the z
    components of its angular velocity ``wz`` and acceleration ``az``
    (ground frame). For bodies other than the pelvis, x, y and rz are
    relative to the pelvis (minus the pelvis's); velocities and
    accelerations are absolute (as in the original). With ``M`` muscles (19 or 22):

    ==========  ======================================================  ==========
    index       meaning                                                 unit
    ==========  ======================================================  ==========
    0-7         pelvis block without x: y, vx, vy, ax, ay, rz, wz, az   m, m/s, ...
    8-16        head block (relative x, y, rz)                          m, m/s, ...
    17-25       torso block                                             m, m/s, ...
    26-34       toes_l block                                            m, m/s, ...
    35-43       toes_r block; nine zeros with the prosthesis            m, m/s, ...
    44-52       talus_l block                                           m, m/s, ...
    53-61       talus_r block; nine zeros with the prosthesis           m, m/s, ...
    62-64       ankle_l: ankle_angle_l, its speed, its acceleration     rad, rad/s, rad/s2
    65-67       ankle_r: ankle_angle_r (the prosthetic ankle), speed,   rad, rad/s, rad/s2
                acceleration
    68-70       back: lumbar_extension (locked), speed, acceleration    rad, rad/s, rad/s2
    71-79       hip_l: hip_flexion_l, hip_adduction_l, hip_rotation_l,  rad, rad/s, rad/s2
                then their 3 speeds, then their 3 accelerations
    80-88       hip_r: the same for the right hip                       rad, rad/s, rad/s2
    89-91       knee_l: knee_angle_l, speed, acceleration               rad, rad/s, rad/s2
    92-94       knee_r: knee_angle_r, speed, acceleration               rad, rad/s, rad/s2
    95 ...      per muscle in alphabetical order of names (abd_l,       -, m, m/s
                abd_r, add_l, add_r, bifemsh_l, bifemsh_r, [gastroc_l,
                gastroc_r] ..., vasti_r; the prosthetic model has no
                gastroc_r, soleus_r, tib_ant_r): activation,
                fiber length, fiber velocity (95-151 with the
                prosthesis, 95-160 without)
    152-153     centre of mass x, y relative to the pelvis origin       m
    (161-162)   (indices without the prosthesis)
    154-156     centre of mass velocity x, y, z (absolute)              m/s
    (163-165)
    157-159     centre of mass acceleration x, y, z (absolute)          m/s2
    (166-168)
    ==========  ======================================================  ==========

    The vector never contains the velocity target (as in the original, whose round-2 agents read it from the state description):
    at difficulty 1 read it from the state description (``project=False``,
    :meth:`get_observation_dict`, or ``info["obs_dict"]`` in the Gymnasium
    face) or from :meth:`target_velocity`.

    The *state description* (``reset/step(project=False)``,
    :meth:`get_observation_dict`) is the physics' state description (:mod:`osim.sim.state_desc`); at difficulty 1
    it also holds ``target_vel``, the target ``[vx, vy, vz]`` of the current
    step (a fresh dict: earlier descriptions are never changed; the original wrote into its cached dict). The
    prosthetic foot's contact force is ``forces["pros_foot_r"]`` (OpenSim
    4.6's name); ``forces["pros_foot_r_0"]`` (the 2018 documentation's name;
    docs/quirks.md, Q35) reads the same record without being a separate key.

    **Reward.** Difficulty 0 (round 1): ``9 - (vx - 3)^2`` per step, vx the
    pelvis origin's x velocity after the step; ``info["reward_terms"] =
    {"alive": 9, "velocity": -(vx - 3)^2}``. Difficulty 1 (round 2):
    ``10 - [0.001 sum_m a_m^2 + (vx - tx)^2 + (vz - tz)^2]`` with a_m the
    muscle activations and (tx, tz) the target of the current step; terms
    ``alive`` (10), ``activation``, ``velocity_x``, ``velocity_z`` (the
    penalties, negative). The reward is the sum of the terms.

    **Episode / starting state.** The model's default pose, muscles in
    equilibrium. Terminated when the pelvis origin drops below 0.6 m;
    truncated after 300 steps (difficulty 0) or 1000 (difficulty 1)
    (``spec.timestep_limit``; the classic ``done`` is either). After
    construction, :meth:`change_model` or a difficulty change, call
    :meth:`reset` before :meth:`step` (``step`` raises otherwise; the original could read past the end of
    its targets).

    **Seeds and scenario.** Every reset draws a velocity-target sequence of
    ``time_limit + 1`` rows (also at difficulty 0, where it is not used but
    the draws are consumed, as in the original): speed 1.25 m/s and heading
    0, changed at the cumulative sums of 10 Poisson(300) draws (numpy) by
    ``sign * U(-0.5, 0.5)`` m/s and ``sign * U(-pi/8, pi/8)`` rad (Python
    ``random``: speed sign, speed, heading sign, heading); row i is
    ``(s cos h, 0, s sin h)``, positive heading toward +z (right). The draws
    come from the env's own generators (``np_random``, a numpy legacy
    ``RandomState``, and ``py_random``, a ``random.Random``), seeded like
    the original's global ones: the constructor's ``seed`` (default 0) seeds
    both, ``reset(seed=s)`` reseeds both (0 is a seed, None continues),
    ``change_model(seed=...)`` reseeds both (None: OS entropy). The scenario
    ``{"target_vel": [[vx, vy, vz], ...]}`` is ``env.scenario``; replay it
    with ``reset(scenario=S)`` (``time_limit + 1`` rows of 3 finite numbers).
    Beyond its last row (``spec.timestep_limit`` raised by the user) the last
    target is held.

    **Arguments.** ``ProstheticsEnv(visualize=False, integrator_accuracy=5e-5,
    difficulty=0, seed=0, report=None, *, model="3D", prosthetic=True)``
    (``model``/``prosthetic`` are the Gymnasium ``make`` keywords; the
    original constructor always loaded the 3D prosthetic model). Difficulty
    other than 0 or 1, an unknown model: ValueError. ``visualize`` defaults
    to False (the original: True; without a display it warns and runs
    headless). ``reset(project=True, seed=None, scenario=None)``,
    ``step(action, project=True)``, ``change_model(model="3D",
    prosthetic=True, difficulty=0, seed=0)``, ``set_difficulty(d)``,
    ``generate_new_targets(poisson_lambda=300)``; ``report`` a CSV path
    (see :class:`~osim.env.base.OsimEnv`; it crashed in the original).
    """

    requires_reset = True
    time_limit = DIFFICULTY_TIME_LIMITS[0]
    fall_height = 0.6
    scenario_keys = ("target_vel",)
    poisson_lambda = 300

    def __init__(
        self,
        visualize: bool = False,
        integrator_accuracy: float = 5e-5,
        difficulty: int = 0,
        seed: int | None = 0,
        report=None,
        *,
        model: str = "3D",
        prosthetic: bool = True,
        **kwargs,
    ) -> None:
        self.model_kind, self.prosthetic = _check_model(model, prosthetic)
        self.difficulty = _check_difficulty(difficulty)
        self.time_limit = DIFFICULTY_TIME_LIMITS[self.difficulty]
        self._targets = np.zeros((0, 3))
        super().__init__(visualize=visualize, integrator_accuracy=integrator_accuracy, report=report,
                         seed=check_seed(seed), **kwargs)

    @property
    def model(self) -> str:
        """The classic name of :attr:`model_kind` ("3D" or "2D")."""
        return self.model_kind

    initial_excitation = 1.0  # what a fresh process of the original held (docs/quirks.md, Q15)

    #: the four models have MuJoCo twins (osim.models.mjcf): engine="mujoco"
    engines = ("opensim", "mujoco")

    @property
    def model_name(self) -> str:
        """The built model simulated now (:data:`PROSTHETICS_MODELS`)."""
        return PROSTHETICS_MODELS[self.model_kind, self.prosthetic]

    # ---------------------------------------------------------------- model
    def get_model_key(self) -> str:
        """``"3D_pros"``, ``"3D"``, ``"2D_pros"`` or ``"2D"`` (the original's key of the loaded model)."""
        return self.model_kind + ("_pros" if self.prosthetic else "")

    def change_model(self, model: str = "3D", prosthetic: bool = True, difficulty: int = 0, seed: int | None = 0) -> None:
        """Select the model and difficulty and reseed; call :meth:`reset` next.

        The model is reloaded only if (model, prosthetic) changed (spaces are
        rebuilt then). ``seed`` reseeds both generators (None: OS entropy).
        """
        model, prosthetic = _check_model(model, prosthetic)
        difficulty = _check_difficulty(difficulty)
        check_seed(seed)
        if (model, prosthetic) != (self.model_kind, self.prosthetic):
            self.model_kind, self.prosthetic = model, prosthetic
            self.load_model()
        self.set_difficulty(difficulty)
        self.seed(seed)

    def set_difficulty(self, difficulty: int) -> None:
        """Set the difficulty (0 or 1) and the time limit (``spec.timestep_limit``).

        Changing it ends the running episode: call :meth:`reset` next.
        """
        difficulty = _check_difficulty(difficulty)
        if difficulty != self.difficulty:
            self.episode.ready = False
        self.difficulty = difficulty
        self.set_time_limit(DIFFICULTY_TIME_LIMITS[difficulty])

    def on_model_loaded(self) -> None:
        sim = self.sim
        self._desc = self._desc_src = self._desc_difficulty = None
        col = {name: k for k, name in enumerate(sim.coordinate_names)}
        self._bodies = tuple(b for b in _VECTOR_BODIES if b in sim.body_names)
        self._body_slots = tuple(8 + 9 * _VECTOR_BODIES.index(b) for b in self._bodies)
        # joint block: (kind, column) pairs; kind 0 = value, 1 = speed, 2 = acceleration
        kinds, cols = [], []
        for joint in _VECTOR_JOINTS:
            jcols = [col[c] for c in sim.joint_coordinates[joint]]
            for kind in range(3):
                kinds += [kind] * len(jcols)
                cols += jcols
        self._joint_kinds = np.array(kinds, dtype=np.intp)
        self._joint_cols = np.array(cols, dtype=np.intp)
        if len(cols) != 33:
            raise RuntimeError(f"{self.model_path.name}: the observation's joint block has {len(cols)} values, not 33")
        self._muscle_alpha = np.array(
            sorted(range(sim.n_muscles), key=lambda i: sim.muscle_names[i]), dtype=np.intp
        )
        self._n_obs = 95 + 3 * sim.n_muscles + 8
        self._has_alias = any(real in sim.force_names for real in _FORCE_ALIASES.values())

    def get_observation_space_size(self) -> int:
        return 95 + 3 * self.sim.n_muscles + 8

    # -------------------------------------------------------------- episodes
    def reset(self, project: bool = True, seed: int | None = None, scenario: Mapping | None = None):
        """Start an episode; returns the 160/169-value vector (``project=False``: the state description).

        ``seed`` reseeds both generators (0 is a seed; None continues the
        stream); ``scenario`` (``{"target_vel": rows}``) replays the targets
        of an earlier episode instead of drawing new ones.
        """
        return self._reset(project, seed, scenario)

    def draw_scenario(self) -> dict:
        return {"target_vel": self._draw_targets(self.time_limit + 1, self.poisson_lambda).tolist()}

    def _draw_targets(self, n: int, poisson_lambda: float) -> np.ndarray:
        """The velocity-target process (class docstring, "Seeds and scenario"): ``n`` rows (vx, vy, vz)."""
        change_points = set(np.cumsum(self.np_random.poisson(poisson_lambda, _N_CHANGE_POINTS)).tolist())
        rnd = self.py_random
        speed = np.empty(n)
        heading = np.empty(n)
        s, h = _TARGET_SPEED0, 0.0
        speed[0], heading[0] = s, h
        for i in range(1, n):
            if i in change_points:
                s += rnd.choice((-1, 1)) * rnd.uniform(-0.5, 0.5)
                h += rnd.choice((-1, 1)) * rnd.uniform(-math.pi / 8, math.pi / 8)
            speed[i], heading[i] = s, h
        targets = np.zeros((n, 3))
        targets[:, 0] = speed * np.cos(heading)
        targets[:, 2] = speed * np.sin(heading)
        return targets

    def generate_new_targets(self, poisson_lambda: float = 300) -> np.ndarray:
        """Draw a new target sequence for the running episode (the original's method); returns it.

        ``reset`` does this itself; calling it mid-episode replaces
        ``env.scenario`` and the targets from now on.
        """
        if not (isinstance(poisson_lambda, (int, float, np.integer, np.floating))
                and not isinstance(poisson_lambda, bool) and poisson_lambda >= 0 and math.isfinite(poisson_lambda)):
            raise ValueError(f"poisson_lambda must be a finite non-negative number, got {poisson_lambda!r}")
        targets = self._draw_targets(self.time_limit + 1, float(poisson_lambda))
        self.scenario = {"target_vel": targets.tolist()}
        self._targets = targets
        self._desc = None
        return targets.copy()

    def check_scenario(self, scenario: Mapping) -> dict:
        if isinstance(scenario, Mapping) and isinstance(scenario.get("target_vel"), np.ndarray):
            scenario = {**scenario, "target_vel": scenario["target_vel"].tolist()}
        scenario = super().check_scenario(scenario)
        rows = scenario["target_vel"]
        n = self.time_limit + 1
        if not isinstance(rows, list) or len(rows) != n:
            got = f"{len(rows)} rows" if isinstance(rows, list) else type(rows).__name__
            raise ValueError(
                f"scenario target_vel must be a list of time_limit + 1 = {n} rows [vx, vy, vz] "
                f"(difficulty {self.difficulty}), got {got}"
            )
        for i, row in enumerate(rows):
            if not (isinstance(row, list) and len(row) == 3
                    and all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in row)):
                raise ValueError(f"scenario target_vel row {i} must be [vx, vy, vz] of 3 finite numbers, got {row!r}")
        scenario["target_vel"] = [[float(v) for v in row] for row in rows]
        return scenario

    def on_reset(self) -> None:
        self._targets = np.array(self.scenario["target_vel"], dtype=np.float64).reshape(-1, 3)
        self._desc = self._desc_src = None

    # ---------------------------------------------------------------- task
    @property
    def targets(self) -> np.ndarray:
        """The episode's velocity targets, one row ``[vx, vy, vz]`` per step index (a copy)."""
        return self._targets.copy()

    def target_velocity(self) -> np.ndarray:
        """The velocity target ``[vx, vy, vz]`` of the current step (used at difficulty 1)."""
        if len(self._targets) == 0:
            raise RuntimeError("ProstheticsEnv: no velocity targets yet; call reset() first")
        return self._targets[min(self.sim.istep, len(self._targets) - 1)].copy()

    def get_state_desc(self) -> dict:
        """The state description; at difficulty 1 with ``target_vel`` (a fresh dict, never changed later)."""
        src = self.sim.state_desc()
        if self._desc is None or self._desc_src is not src or self._desc_difficulty != self.difficulty:
            desc = dict(src)
            if self._has_alias:
                desc["forces"] = _ForceDict(src["forces"])
            if self.difficulty >= 1:
                desc["target_vel"] = self.target_velocity().tolist()
            self._desc, self._desc_src, self._desc_difficulty = desc, src, self.difficulty
        return self._desc

    def get_observation(self) -> np.ndarray:
        sim = self.sim
        obs = np.zeros(self._n_obs)
        pelvis_pos = sim.body_position("pelvis")
        pelvis_rz = sim.body_rotation_xyz("pelvis")[2]
        obs[0] = pelvis_pos[1]
        obs[1:3] = sim.body_velocity("pelvis")[:2]
        obs[3:5] = sim.body_acceleration("pelvis")[:2]
        obs[5] = pelvis_rz
        obs[6] = sim.body_angular_velocity("pelvis")[2]
        obs[7] = sim.body_angular_acceleration("pelvis")[2]
        for body, k in zip(self._bodies, self._body_slots):
            obs[k:k + 2] = sim.body_position(body)[:2] - pelvis_pos[:2]
            obs[k + 2:k + 4] = sim.body_velocity(body)[:2]
            obs[k + 4:k + 6] = sim.body_acceleration(body)[:2]
            obs[k + 6] = sim.body_rotation_xyz(body)[2] - pelvis_rz
            obs[k + 7] = sim.body_angular_velocity(body)[2]
            obs[k + 8] = sim.body_angular_acceleration(body)[2]
        kinematics = np.stack((sim.q(), sim.u(), sim.udot()))
        obs[62:95] = kinematics[self._joint_kinds, self._joint_cols]
        m = 3 * sim.n_muscles
        obs[95:95 + m] = sim.muscle_fibers()[self._muscle_alpha, :3].ravel()
        obs[95 + m:97 + m] = sim.mass_center_position()[:2] - pelvis_pos[:2]
        obs[97 + m:100 + m] = sim.mass_center_velocity()
        obs[100 + m:103 + m] = sim.mass_center_acceleration()
        return obs

    def reward_terms(self) -> dict[str, float]:
        vel = self.sim.body_velocity("pelvis")
        if self.difficulty == 0:
            return {"alive": 9.0, "velocity": -float((vel[0] - 3.0) ** 2)}
        target = self.target_velocity()
        activations = self.sim.muscle_activations()
        return {
            "alive": 10.0,
            "activation": -0.001 * float(np.sum(activations ** 2)),
            "velocity_x": -float((vel[0] - target[0]) ** 2),
            "velocity_z": -float((vel[2] - target[2]) ** 2),
        }

    def is_done(self) -> bool:
        return bool(self.sim.body_position("pelvis")[1] < self.fall_height)
