"""RunEnv: NIPS 2017 "Learning to Run" (obstacles, weak psoas, ligaments)."""
from __future__ import annotations

import math
from typing import Any, Mapping, Sequence

import numpy as np

from osim.env.base import OsimEnv
from osim.sim.edits.terrain import height_at, spans
from osim.sim.settings import FAST_ADAPTIVE

__all__ = ["RunEnv"]

_PELVIS = ("pelvis_tilt", "pelvis_tx", "pelvis_ty")
_JOINTS = ("hip_flexion_r", "knee_angle_r", "ankle_angle_r", "hip_flexion_l", "knee_angle_l", "ankle_angle_l")
_BODIES = ("head", "pelvis", "torso", "toes_l", "toes_r", "talus_l", "talus_r")
_LIGAMENTS = ("HipLimit_r", "HipLimit_l", "KneeLimit_r", "KneeLimit_l", "AnkleLimit_r", "AnkleLimit_l")
_NO_OBSTACLE = (100.0, 0.0, 0.0)
MAX_OBSTACLES = 20

# ----------------------------------------------------- the obstacle course (difficulty 3)
#: platform slots built by default when platforms are wanted; at most MAX_PLATFORMS
COURSE_PLATFORMS = 6
MAX_PLATFORMS = 20
#: drawn platform geometry (m): course start x, length, top height, gap before a platform
COURSE_START = (1.5, 2.5)
PLATFORM_LENGTH = (0.6, 1.6)
PLATFORM_HEIGHT = (0.02, 0.12)
PLATFORM_GAP = (0.3, 1.0)
#: probability that a platform directly follows the previous one (a step up or down)
P_ADJACENT = 0.5
#: drawn friction: static ~ U(FRICTION_STATIC), dynamic = static * U(FRICTION_DYNAMIC_FRACTION),
#: viscous ~ U(FRICTION_VISCOUS) (s/m); the model's ground has (0.8, 0.8, 0)
FRICTION_STATIC = (0.1, 0.9)
FRICTION_DYNAMIC_FRACTION = (0.6, 1.0)
FRICTION_VISCOUS = (0.0, 0.2)
#: standard deviation of the excitation noise at difficulty 3
COURSE_MOTOR_NOISE = 0.05
#: drawn strength of a weakened muscle: max(WEAKNESS_FLOOR, 1 - |N(0, WEAKNESS_SD)|)
WEAKNESS_SD = 0.15
WEAKNESS_FLOOR = 0.5
#: default height-profile offsets ahead of the pelvis (m): 0.0, 0.1, ..., 1.9
HEIGHT_PROFILE = tuple(round(0.1 * k, 1) for k in range(20))


class RunEnv(OsimEnv):
    """Run as far as possible in 10 s past obstacles, with weakened psoas muscles.

    **Description.** The NIPS 2017 "Learning to Run" environment on the planar 9-dof, 18-muscle model: spheres fixed in the
    ground (real contact with the feet) and, at difficulty 2, a random
    strength for each psoas. Like the 2017 original it integrates at accuracy
    1e-3 and does not equilibrate the muscles at reset (fibers start at
    0.1 m: kept, it shapes the first steps; docs/quirks.md, Q21); unlike it, one integrator serves the whole episode.

    **Action space.** ``Box(0, 1, (18,), float32)``: excitations, model order
    (hamstrings, bifemsh, glut_max, iliopsoas, rect_fem, vasti, gastroc,
    soleus, tib_ant; right 0-8, left 9-17).

    **Observation space.** 41 float64 values (more with ``height_profile``), bounds (-inf, inf):

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
            (glut_max_l, the original's off-by-one, kept because the challenge was graded on it; muscle 12,
            iliopsoas_l, with ``fix_psoas_index=True``)
    37      psoas_r strength (muscle 3, iliopsoas_r)                    -
    38      next obstacle: x - pelvis_tx (100 when none is left)        m
    39      next obstacle: centre height y above the ground             m
    40      next obstacle: radius                                       m
    ======  ==========================================================  ==========

    The next obstacle is the first (by x) whose x + radius >= pelvis_tx.

    With ``height_profile=True`` (or a list of offsets) the observation grows
    by one value per offset, after index 40:

    ======  ==========================================================  ==========
    41+k    terrain height (platform top; 0 on the ground) at           m
            x = pelvis_tx + offset[k]; default offsets 0.0, 0.1, ...,
            1.9 m (20 values: indices 41-60)
    ======  ==========================================================  ==========

    **Reward.** ``pelvis_tx`` gained in the step minus the ligament penalty
    ``1e-7 * sqrt(sum F_i^2)`` over the six joint-limit forces (hip, knee,
    ankle, both legs; as the 2017 code, not its documented sum / 1e7): ``info["reward_terms"] = {"forward": ...,
    "ligaments": -...}``.

    **Episode.** ``reset(difficulty=None, seed=None, scenario=None,
    project=True, *, platforms=None, friction=None, motor_noise=None,
    weak_muscles=None)``; difficulty 0: no obstacles; 1: obstacles; 2: obstacles and
    psoas strengths ``max(0.5, 1 - N(0, 0.1))`` (right drawn first).
    Obstacles: ``min(3, max_obstacles)`` at x ~ U(1, 5) m, radius 0.05 +
    Exp(0.05) m, centre height U(-0.25, 0.25) x radius; with
    ``max_obstacles > 3`` further ones every U(2, 4) m after x = 5 m (up to 20
    in all). Difficulty 3: difficulty 2 plus the obstacle course (below). Terminated when pelvis_ty < 0.65 m; truncated after 1000 steps.

    **The obstacle course (difficulty 3).** The rest of the 2017
    announcement, each part an option that is off at difficulties 0-2 and on
    at difficulty 3 (obstacles and psoas as difficulty 2, then):

    * ``platforms`` (3: 6): boxes on the ground the feet stand on and trip
      over (:mod:`osim.sim.edits.terrain`; real contact geometry). The course
      starts at x ~ U(1.5, 2.5) m; each platform is U(0.6, 1.6) m long with
      its top U(0.02, 0.12) m above the ground; with probability 1/2 it
      follows the previous one directly (a step up or down), else after a
      U(0.3, 1.0) m gap. Tops are never below the ground (the model's ground
      stays the floor; "lowered" = a step down from the previous platform).
      Obstacles lie on the terrain (their y is lifted by the height under
      them). Episodes end at pelvis_ty < 0.65 m as on flat ground.
    * ``friction`` (3: True): the ground's and each platform's own static,
      dynamic and viscous friction: static ~ U(0.1, 0.9), dynamic = static x
      U(0.6, 1.0), viscous ~ U(0, 0.2) s/m (the model's ground: 0.8, 0.8, 0).
    * ``motor_noise`` (3: 0.05): every step the excitations get N(0, sd)
      noise and are clipped to [0, 1] (``last_action`` holds what was
      applied). The noise comes from a generator of its own, seeded per
      episode with a seed drawn from the env's generator and stored in the
      scenario, so episodes replay exactly and the noise does not shift any
      other draw.
    * ``weak_muscles`` (3: ``"all"``): muscles (names, or ``"all"``) whose
      strength is drawn, max(0.5, 1 - |N(0, 0.15)|), multiplying any psoas
      multiplier.

    Options given to the constructor or to ``reset`` (Gymnasium:
    ``options={...}``) override the difficulty's choice and stay in effect
    (:meth:`course_options` reports them). Platforms need platform slots in
    the model: built at construction when platforms are wanted (or
    ``max_platforms``), else added the first time an episode needs them
    (about a second). An env without course options has no extra component:
    its episodes are the challenge's, bit for bit.

    **Seeds and scenario.** Draws come from the env's own ``RandomState``
    (numpy's legacy generator, as the original's global one): ``seed=s`` draws
    what the original drew with ``np.random.seed(s)``. The scenario is
    ``{"obstacles": [[x, y, r], ...], "psoas": [left, right]}``, plus, only
    when enabled and drawn in this order after those, ``"terrain": [[x0,
    length, height, static, dynamic, viscous], ...]`` (one per platform; the
    platform's draws in that order, friction only with ``friction``),
    ``"friction": [static, dynamic, viscous]`` (the ground), ``"strength":
    {muscle: multiplier}`` and ``"motor_noise": [sd, seed]``. A scenario
    passed to ``reset`` replays an episode exactly; missing optional keys
    mean "off" (flat ground, the model's friction, full strength, no noise).

    **Arguments.** ``RunEnv(visualize=False, max_obstacles=3, difficulty=2,
    integrator_accuracy=1e-3, fix_psoas_index=False, report=None, *,
    platforms=None, friction=None, motor_noise=None, weak_muscles=None,
    height_profile=False, max_platforms=None, **kwargs)``; ``difficulty`` is
    the default of ``reset``; ``report`` a CSV path; other keywords go to
    :class:`~osim.env.base.OsimEnv`.
    """

    model_name = "gait9dof18musc"
    #: the planar 18-muscle model has a MuJoCo twin (osim.models.mjcf): engine="mujoco"
    engines = ("opensim", "mujoco")
    initial_excitation = 1.0  # what a fresh process of the original held (docs/quirks.md, Q15)
    time_limit = 1000
    fall_height = 0.65
    equilibrate_muscles = False
    #: fixed Euler steps turn the unequilibrated fibres NaN (see osim.sim.settings.FAST_ADAPTIVE)
    fast_integration = FAST_ADAPTIVE
    scenario_keys = ("obstacles", "psoas", "terrain", "friction", "motor_noise", "strength")
    optional_scenario_keys = ("terrain", "friction", "motor_noise", "strength")
    difficulties = (0, 1, 2, 3)
    reset_options = ("difficulty", "platforms", "friction", "motor_noise", "weak_muscles")

    def __init__(
        self,
        visualize: bool = False,
        max_obstacles: int = 3,
        difficulty: int = 2,
        integrator_accuracy: float = 1e-3,
        fix_psoas_index: bool = False,
        report=None,
        *,
        platforms: int | None = None,
        friction: bool | None = None,
        motor_noise: float | None = None,
        weak_muscles: Sequence[str] | str | None = None,
        height_profile: bool | Sequence[float] = False,
        max_platforms: int | None = None,
        **kwargs: Any,
    ) -> None:
        if isinstance(max_obstacles, bool) or not isinstance(max_obstacles, (int, np.integer)) \
                or not 0 <= max_obstacles <= MAX_OBSTACLES:
            raise ValueError(f"max_obstacles must be an integer in [0, {MAX_OBSTACLES}], got {max_obstacles!r}")
        self.max_obstacles = int(max_obstacles)
        self.difficulty = self._check_difficulty(difficulty)
        self.fix_psoas_index = bool(fix_psoas_index)
        self._course: dict[str, Any] = {"platforms": None, "friction": None, "motor_noise": None,
                                        "weak_muscles": None}
        self._set_course_options(platforms=platforms, friction=friction, motor_noise=motor_noise,
                                 weak_muscles=weak_muscles)
        self.height_profile = self._check_height_profile(height_profile)
        self._profile_offsets = np.asarray(self.height_profile, dtype=np.float64)
        if max_platforms is not None and (isinstance(max_platforms, bool)
                                          or not isinstance(max_platforms, (int, np.integer))
                                          or not 0 <= max_platforms <= MAX_PLATFORMS):
            raise ValueError(f"max_platforms must be None or an integer in [0, {MAX_PLATFORMS}], "
                             f"got {max_platforms!r}")
        wanted = self.course_options()["platforms"]
        slots = (COURSE_PLATFORMS if wanted else 0) if max_platforms is None else int(max_platforms)
        if wanted > slots:
            raise ValueError(f"platforms={wanted} needs max_platforms >= {wanted}, got {max_platforms}")
        #: platform slots of the model (grown on demand by a scenario or an option that needs more)
        self.max_platforms = max(slots, wanted)
        self._noise_rng: np.random.RandomState | None = None
        self._noise_sd = 0.0
        super().__init__(visualize=visualize, integrator_accuracy=integrator_accuracy, report=report, **kwargs)

    def _check_difficulty(self, difficulty) -> int:
        if isinstance(difficulty, bool) or difficulty not in self.difficulties:
            raise ValueError(f"unknown difficulty {difficulty!r}; allowed: {', '.join(map(str, self.difficulties))}")
        return int(difficulty)

    # ------------------------------------------------------ course options
    def _set_course_options(self, platforms=None, friction=None, motor_noise=None, weak_muscles=None) -> None:
        """Validate and store the options given (None: keep the current value)."""
        if platforms is not None:
            if isinstance(platforms, bool) or not isinstance(platforms, (int, np.integer)) \
                    or not 0 <= platforms <= MAX_PLATFORMS:
                raise ValueError(f"platforms must be an integer in [0, {MAX_PLATFORMS}] (how many platforms "
                                 f"to draw; 0: flat ground), got {platforms!r}")
            self._course["platforms"] = int(platforms)
        if friction is not None:
            if not isinstance(friction, (bool, np.bool_)):
                raise TypeError(f"friction must be True (draw the friction), False (the model's ground) or None, "
                                f"got {friction!r}")
            self._course["friction"] = bool(friction)
        if motor_noise is not None:
            if isinstance(motor_noise, bool) or not isinstance(motor_noise, (int, float, np.integer, np.floating)) \
                    or not math.isfinite(motor_noise) or motor_noise < 0:
                raise ValueError(f"motor_noise must be a standard deviation >= 0 (0: no noise), got {motor_noise!r}")
            self._course["motor_noise"] = float(motor_noise)
        if weak_muscles is not None:
            if isinstance(weak_muscles, str):
                if weak_muscles != "all":
                    raise ValueError(f"weak_muscles must be 'all', a list of muscle names or None, got {weak_muscles!r}")
                self._course["weak_muscles"] = "all"
            else:
                try:
                    names = tuple(weak_muscles)
                except TypeError:
                    raise TypeError(f"weak_muscles must be 'all', a list of muscle names or None, "
                                    f"got {weak_muscles!r}") from None
                if not all(isinstance(n, str) for n in names):
                    raise TypeError(f"weak_muscles must hold muscle names (strings), got {weak_muscles!r}")
                sim = getattr(self, "sim", None)
                if sim is not None:
                    self._check_muscles(names)
                self._course["weak_muscles"] = names

    def _check_muscles(self, names) -> None:
        unknown = [n for n in names if n not in self.sim.muscle_names]
        if unknown:
            raise ValueError(f"unknown muscles {unknown}; allowed: {', '.join(self.sim.muscle_names)}")

    def course_options(self) -> dict:
        """The obstacle-course options in effect (the difficulty's defaults where none was given).

        ``platforms`` (how many platforms are drawn), ``friction`` (draw the
        ground's and each platform's friction), ``motor_noise`` (standard
        deviation of the excitation noise), ``weak_muscles`` (muscles whose
        strength is drawn). Difficulty 3: 6, True, 0.05, every muscle;
        difficulties 0-2: 0, False, 0.0, none.
        """
        course = self.difficulty >= 3
        o = self._course
        weak = o["weak_muscles"] if o["weak_muscles"] is not None else ("all" if course else ())
        return {
            "platforms": o["platforms"] if o["platforms"] is not None else (COURSE_PLATFORMS if course else 0),
            "friction": o["friction"] if o["friction"] is not None else course,
            "motor_noise": o["motor_noise"] if o["motor_noise"] is not None else (COURSE_MOTOR_NOISE if course else 0.0),
            "weak_muscles": weak,
        }

    @staticmethod
    def _check_height_profile(value) -> tuple[float, ...]:
        if value is False or value is None:
            return ()
        if value is True:
            return HEIGHT_PROFILE
        try:
            offsets = tuple(float(v) for v in value)
        except (TypeError, ValueError):
            raise ValueError(f"height_profile must be True, False or a list of x offsets (m) ahead of the pelvis, "
                             f"got {value!r}") from None
        if not offsets or not all(math.isfinite(v) for v in offsets):
            raise ValueError(f"height_profile offsets must be finite numbers (m), got {value!r}")
        return offsets

    # ---------------------------------------------------------------- model
    def model_edits(self) -> dict:
        """Obstacle spheres, the ground's friction and, when wanted, platform slots."""
        edits = {"obstacles": {"count": self.max_obstacles}, "ground_friction": {}}
        if self.max_platforms:
            edits["platforms"] = {"count": self.max_platforms}
        return edits

    def on_model_loaded(self) -> None:
        sim = self.sim
        col = {name: k for k, name in enumerate(sim.coordinate_names)}
        self._pelvis_cols = np.array([col[c] for c in _PELVIS])
        self._joint_cols = np.array([col[c] for c in _JOINTS])
        self._obstacles = sim.edit("obstacles")
        self._platforms = sim.edit("platforms") if self.max_platforms else None
        self._friction = sim.edit("ground_friction")
        self._terrain = np.zeros((0, 3))  # (x0, x1, height) of each platform of the episode
        if isinstance(self._course["weak_muscles"], tuple):
            self._check_muscles(self._course["weak_muscles"])
        self._psoas_index = (12 if self.fix_psoas_index else 11, 3)  # (left, right)
        self._prev_pelvis_tx = 0.0
        self._obstacle_list: list[tuple[float, float, float]] = []
        self._strengths = np.ones(sim.n_muscles)

    def get_observation_space_size(self) -> int:
        return 41 + len(self.height_profile)

    def _ensure_platform_slots(self, n: int) -> None:
        """Rebuild the model with more platform slots if an episode needs them (once; about a second)."""
        if n > self.max_platforms:
            self.max_platforms = max(n, COURSE_PLATFORMS)
            self.load_model()

    # -------------------------------------------------------------- episodes
    def reset(self, difficulty: int | None = None, seed: int | None = None, scenario: Mapping | None = None,
              project: bool = True, *, platforms: int | None = None, friction: bool | None = None,
              motor_noise: float | None = None, weak_muscles: Sequence[str] | str | None = None):
        """Start an episode; returns the observation (``project=False``: the state description).

        ``difficulty`` and the course options (``platforms``, ``friction``,
        ``motor_noise``, ``weak_muscles``; see the class docstring) given here
        stay in effect for the following episodes; None keeps the current
        value. The Gymnasium face passes ``options={"difficulty": 3,
        "motor_noise": 0.1, ...}`` here.
        """
        options = {"difficulty": difficulty, "platforms": platforms, "friction": friction,
                   "motor_noise": motor_noise, "weak_muscles": weak_muscles}
        return self._reset(project, seed, scenario, options)

    def apply_options(self, options) -> None:
        """The difficulty and course options of this reset (None or absent: keep the current value)."""
        options = dict(options)
        difficulty = options.pop("difficulty", None)
        if difficulty is not None:
            self.difficulty = self._check_difficulty(difficulty)
        self._set_course_options(**options)

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
        scenario: dict[str, Any] = {"obstacles": [[float(v) for v in o] for o in obstacles],
                                    "psoas": [float(psoas_l), float(psoas_r)]}
        # The obstacle course: drawn after everything above, and only what is enabled, so the
        # draws of difficulties 0-2 are unchanged (and difficulty 3 shares difficulty 2's obstacles
        # and psoas for the same seed).
        course = self.course_options()
        nominal = [float(v) for v in self._friction.nominal]
        if course["platforms"]:
            terrain = []
            x = rng.uniform(*COURSE_START)
            for i in range(course["platforms"]):
                length, height = rng.uniform(*PLATFORM_LENGTH), rng.uniform(*PLATFORM_HEIGHT)
                if i and rng.uniform() >= P_ADJACENT:
                    x += rng.uniform(*PLATFORM_GAP)
                fr = self._draw_friction() if course["friction"] else nominal
                terrain.append([float(x), float(length), float(height)] + fr)
                x += length
            scenario["terrain"] = terrain
            # obstacles lie on the terrain: their centre height is relative to the surface under them
            for o in scenario["obstacles"]:
                o[1] = float(o[1] + height_at(spans(terrain), o[0]))
        if course["friction"]:
            scenario["friction"] = self._draw_friction()
        if course["weak_muscles"]:
            names = self.sim.muscle_names if course["weak_muscles"] == "all" else \
                [m for m in self.sim.muscle_names if m in course["weak_muscles"]]
            scenario["strength"] = {m: float(max(WEAKNESS_FLOOR, 1 - abs(rng.normal(0, WEAKNESS_SD))))
                                    for m in names}
        if course["motor_noise"] > 0:
            scenario["motor_noise"] = [course["motor_noise"], int(rng.randint(0, 2**31 - 1))]
        return scenario

    def _draw_friction(self) -> list[float]:
        rng = self.np_random
        static = rng.uniform(*FRICTION_STATIC)
        dynamic = static * rng.uniform(*FRICTION_DYNAMIC_FRACTION)
        viscous = rng.uniform(*FRICTION_VISCOUS)
        return [float(static), float(dynamic), float(viscous)]

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
        if "terrain" in scenario:
            scenario["terrain"] = self._check_terrain(scenario["terrain"])
        if "friction" in scenario:
            scenario["friction"] = _check_friction(scenario["friction"], "scenario friction")
        if "strength" in scenario:
            strength = scenario["strength"]
            if not isinstance(strength, dict) or not all(_finite(v) and v > 0 for v in strength.values()):
                raise ValueError(f"scenario strength must be {{muscle name: multiplier > 0}}, got {strength!r}")
            self._check_muscles(list(strength))
        if "motor_noise" in scenario:
            noise = scenario["motor_noise"]
            if not (isinstance(noise, list) and len(noise) == 2 and _finite(noise[0]) and noise[0] >= 0
                    and isinstance(noise[1], int) and not isinstance(noise[1], bool) and 0 <= noise[1] < 2**32):
                raise ValueError(f"scenario motor_noise must be [sd >= 0, seed (integer in [0, 2**32))], got {noise!r}")
        return scenario

    @staticmethod
    def _check_terrain(terrain) -> list:
        form = "[x0, length, height, static, dynamic, viscous]"
        if not isinstance(terrain, list) or len(terrain) > MAX_PLATFORMS:
            raise ValueError(f"scenario terrain must be a list of at most {MAX_PLATFORMS} platforms {form}")
        for p in terrain:
            if not (isinstance(p, list) and len(p) == 6 and all(_finite(v) for v in p)):
                raise ValueError(f"each platform must be {form} (finite numbers), got {p!r}")
            if not (p[1] > 0 and 0 < p[2] <= 0.5):
                raise ValueError(f"a platform needs length > 0 and 0 < height <= 0.5 m, got {p!r}")
            _check_friction(p[3:], f"friction of platform {p!r}")
        terrain = sorted(terrain)
        for a, b in zip(terrain, terrain[1:]):
            if a[0] + a[1] > b[0] + 1e-12:
                raise ValueError(f"platforms overlap: {a!r} and {b!r}")
        return terrain

    def apply_scenario(self) -> None:
        scenario = self.scenario
        terrain = scenario.get("terrain", [])
        self._ensure_platform_slots(len(terrain))
        self._obstacle_list = [tuple(o) for o in scenario["obstacles"]]
        self._obstacles.place(self._obstacle_list)
        if self._platforms is not None:
            self._platforms.place(terrain)
        self._terrain = spans(terrain)
        self._friction.set(scenario.get("friction"))
        strengths = np.ones(self.sim.n_muscles)
        strengths[self._psoas_index[0]], strengths[self._psoas_index[1]] = scenario["psoas"]
        for name, k in scenario.get("strength", {}).items():
            strengths[self.sim.muscle_names.index(name)] *= k
        if not np.array_equal(strengths, self._strengths):
            self.sim.set_strengths(strengths)
            self._strengths = strengths
        sd, seed = scenario.get("motor_noise", (0.0, 0))
        self._noise_sd = float(sd)
        self._noise_rng = np.random.RandomState(seed) if sd > 0 else None

    def actuate(self, action: np.ndarray) -> None:
        """Apply the excitations, plus N(0, sd) noise clipped to [0, 1] when the episode has motor noise.

        ``last_action`` holds what was applied (with the noise).
        """
        if self._noise_rng is None:
            return super().actuate(action)
        action = np.clip(action + self._noise_rng.normal(0.0, self._noise_sd, len(action)), 0.0, 1.0)
        super().actuate(action)
        return action

    def terrain_height(self, x) -> np.ndarray:
        """Height of the terrain (the platform top, 0 on the ground) at ground positions ``x`` (m)."""
        return height_at(self._terrain, x)

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
        obs = np.empty(41 + len(self.height_profile))
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
        if self.height_profile:
            obs[41:] = height_at(self._terrain, obs[1] + self._profile_offsets)
        return obs

    def before_step(self) -> None:
        self._prev_pelvis_tx = self.sim.q()[self._pelvis_cols[1]]

    def render_scene(self) -> dict:
        scene = super().render_scene()
        scene["obstacles"] = [c for c in scene["contacts"] if c["name"].endswith("-contact")]
        scene["contacts"] = [c for c in scene["contacts"] if not c["name"].endswith("-contact")]
        if "friction" in self.scenario:
            scene["ground"]["friction"] = self.scenario["friction"][0]
        if self.scenario.get("terrain"):
            scene["terrain"] = [{"x0": p[0], "x1": p[0] + p[1], "height": p[2], "friction": p[3]}
                                for p in self.scenario["terrain"]]
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


def _finite(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def _check_friction(f, what: str) -> list[float]:
    if not (isinstance(f, list) and len(f) == 3 and all(_finite(v) and v >= 0 for v in f) and f[1] <= f[0]):
        raise ValueError(f"{what} must be [static, dynamic, viscous] with 0 <= dynamic <= static and "
                         f"viscous >= 0, got {f!r}")
    return [float(v) for v in f]
