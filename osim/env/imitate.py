"""ImitateEnv: track a recorded human motion with a musculoskeletal model (DeepMimic-style)."""
from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from osim.env.base import OsimEnv

__all__ = ["ImitateEnv", "WEIGHTS", "SCALES", "DEFAULT_MOTION"]

#: weight of each reward term (DeepMimic, Peng et al. 2018: pose, velocity, end effectors, centre of mass)
WEIGHTS = {"pose": 0.65, "velocity": 0.1, "end_effector": 0.15, "com": 0.1}
#: scale k of each term's exp(-k * squared error)
SCALES = {"pose": 2.0, "velocity": 0.1, "end_effector": 40.0, "com": 10.0}
#: the recording of ``ImitateEnv()`` without ``motion=``
DEFAULT_MOTION = "subject01_walk_planar_ik"

_cache: dict[tuple, Any] = {}


def _reference(model_file: Path, label: str, motion: Path, options: dict):
    """The reference of (model file, motion file, options), built once per process."""
    from osim.data.reference import build_reference

    stat = model_file.stat()
    key = (str(model_file), stat.st_mtime_ns, str(motion), motion.stat().st_mtime_ns,
           tuple(sorted((k, repr(v)) for k, v in options.items())))
    ref = _cache.get(key)
    if ref is None:
        ref = _cache[key] = build_reference(motion, model_file, model_label=label, **options)
    return ref


class ImitateEnv(OsimEnv):
    """Imitate a recorded motion: a loop of one gait cycle, rewarded DeepMimic-style.

    **Description.** Any model (a built model name of :mod:`osim.models` or an
    ``.osim`` path) tracks a recording (an inverse-kinematics ``.mot``/``.sto``
    path, or the name of a public recording: :mod:`osim.data.recordings`).
    The recording's columns are mapped by name to the model's coordinates
    (:func:`osim.data.read_motion`), low-pass filtered (6 Hz), cut to one
    gait cycle, made periodic and repeated; a treadmill recording gets the
    belt speed added to ``pelvis_tx`` and the pelvis lowered so that the
    stance foot touches the ground (:mod:`osim.data.reference`). Unlocked
    model coordinates without a column are tracked at their default value
    (``env.reference.held``); locked ones are not tracked.

    **Action space.** The model's actuators: muscle excitations in [0, 1] for
    the built models; each actuator's control bounds for an ``.osim`` file
    (as :class:`OsimEnv`).

    **Observation space.** float64, unbounded; names in
    :attr:`observation_names`: every coordinate value (``pelvis_tx``
    replaced by its offset from the reference, so the observation does not
    grow with distance), every coordinate speed, muscle activations (and
    other actuators' states), ``phase/sin`` and ``phase/cos`` of the
    reference phase, then ``<coordinate>/target``: the reference value 10 ms
    ahead minus the current value, for each tracked coordinate.

    **Reward.** After each step, at reference time ``tau`` (the start phase's
    time plus the simulated time), ``w_i * exp(-k_i * e_i)`` for four terms
    (:data:`WEIGHTS`, :data:`SCALES`; each in ``info["reward_terms"]``, at most
    1 per step in all):

    ==============  ======  =====  ==============================================
    term            w       k      e: sum of squared errors of
    ==============  ======  =====  ==============================================
    pose            0.65    2      tracked coordinates but the pelvis translations (rad)
    velocity        0.1     0.1    their speeds (rad/s)
    end_effector    0.15    40     end-effector positions relative to the pelvis (m)
    com             0.1     10     whole-body centre of mass in ground (m)
    ==============  ======  =====  ==============================================

    The end effectors default to the bodies that carry contact spheres and
    the head. ``info["tracking"]`` holds the errors: ``phase``, ``pose_rms``
    (rad), ``velocity_rms`` (rad/s), ``end_effector_rms`` (m), ``com`` (m),
    ``coordinates`` (each tracked coordinate's error, reference minus model,
    in :attr:`reference` ``.coordinates`` order).

    **Episode.** Reference-state initialisation: ``reset`` starts at a phase
    of the cycle drawn uniformly from the seed, or the one given
    (``options={"phase": p}``, classic ``reset(phase=p)``, p in [0, 1)),
    in the reference pose and speeds (muscles at equilibrium; where the
    reference speeds stretch a muscle too fast for OpenSim's equilibrium
    solver, it is solved at rest in the same pose). Terminated
    early when tracking fails (``early_termination``): the centre of mass is
    more than ``max_com_error`` (0.3 m) from the reference's, or the pose RMS
    error exceeds ``max_pose_error`` (0.8 rad). Truncated after
    ``time_limit`` steps (1000, 10 s). ``scenario == {"phase": p}``.

    **Arguments.** ``ImitateEnv(model="gait9dof18musc", motion=None,
    cycle="auto", forces=None, speed="auto", ground="auto", cutoff=6.0,
    end_effectors=None, weights=None, early_termination=True,
    max_com_error=0.3, max_pose_error=0.8, visualize=False,
    integrator_accuracy=5e-5, ...)``; ``motion=None`` is the planar walking
    recording ``subject01_walk_planar_ik``; the :class:`OsimEnv` keywords
    (``physics``, ``time_limit``, ``seed``, ...) apply.
    """

    time_limit = 1000
    scenario_keys = ("phase",)
    reset_options = ("phase",)
    #: the reference speeds can stretch muscles too fast for an equilibrium: then solved at rest
    rest_equilibrium_fallback = True

    def __init__(
        self,
        model: str | os.PathLike = "gait9dof18musc",
        motion: str | os.PathLike | None = None,
        *,
        cycle: Any = "auto",
        forces: str | os.PathLike | None = None,
        speed: float | str = "auto",
        ground: float | str = "auto",
        cutoff: float | None = 6.0,
        end_effectors: list[str] | tuple[str, ...] | None = None,
        weights: Mapping[str, float] | None = None,
        early_termination: bool = True,
        max_com_error: float = 0.3,
        max_pose_error: float = 0.8,
        visualize: bool = False,
        integrator_accuracy: float = 5e-5,
        **kwargs,
    ) -> None:
        from osim.models import MODEL_NAMES

        if "model_path" in kwargs:
            raise TypeError("ImitateEnv takes model= (a built model name or an .osim path), not model_path=")
        if isinstance(model, str) and model in MODEL_NAMES:
            self.model_name = model
            model_path = None
        elif isinstance(model, (str, os.PathLike)) and str(model).endswith(".osim"):
            model_path = model
        else:
            raise ValueError(f"model must be a built model ({', '.join(MODEL_NAMES)}) or an .osim file path, "
                             f"got {model!r}")
        self.motion_file = self._motion_file(DEFAULT_MOTION if motion is None else motion)
        forces_file = None if forces is None else self._motion_file(forces)
        self._reference_options = dict(cycle=cycle if cycle == "auto" else tuple(cycle), forces=forces_file,
                                       speed=speed, ground=ground, cutoff=cutoff,
                                       end_effectors=None if end_effectors is None else tuple(end_effectors))
        self.weights = self._check_weights(weights)
        self.early_termination = bool(early_termination)
        self.max_com_error = self._positive("max_com_error", max_com_error)
        self.max_pose_error = self._positive("max_pose_error", max_pose_error)
        self.reference = None
        self._phase0 = 0.0
        self._tracking: dict[str, Any] = {}
        super().__init__(model_path=model_path, visualize=visualize, integrator_accuracy=integrator_accuracy,
                         **kwargs)

    # ------------------------------------------------------------ arguments
    @staticmethod
    def _motion_file(motion) -> Path:
        if not isinstance(motion, (str, os.PathLike)):
            raise TypeError(f"motion must be a file path or a recording name, got {type(motion).__name__}")
        path = Path(motion)
        if path.is_file():
            return path
        from osim.data.recordings import RECORDINGS, find_recording

        stem = path.name.rsplit(".", 1)[0] if path.suffix in (".mot", ".sto", ".trc") else path.name
        if path.parent == Path(".") and stem in RECORDINGS:
            return find_recording(stem)
        from osim.data.motion import MotionFileError

        raise MotionFileError(f"motion file not found: {motion} (a path, or a recording name: "
                              f"{', '.join(RECORDINGS)})")

    @staticmethod
    def _check_weights(weights) -> dict[str, float]:
        if weights is None:
            return dict(WEIGHTS)
        if not isinstance(weights, Mapping):
            raise TypeError(f"weights must be a dict of term -> weight, got {type(weights).__name__}")
        unknown = set(weights) - set(WEIGHTS)
        if unknown:
            raise ValueError(f"unknown reward terms {sorted(unknown)}; the terms are {', '.join(WEIGHTS)}")
        out = dict(WEIGHTS)
        for k, v in weights.items():
            out[k] = ImitateEnv._positive(f"weights[{k!r}]", v, allow_zero=True)
        return out

    @staticmethod
    def _positive(what: str, value, allow_zero: bool = False) -> float:
        ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if not ok or value < 0 or (value == 0 and not allow_zero):
            raise ValueError(f"{what} must be a {'non-negative' if allow_zero else 'positive'} finite number, "
                             f"got {value!r}")
        return float(value)

    # ---------------------------------------------------------------- model
    def on_model_loaded(self) -> None:
        sim = self.sim
        path = Path(self.episode.model_path)
        label = self.model_name or path.stem
        ref = self.reference = _reference(path, label, self.motion_file, self._reference_options)
        missing = [c for c in ref.coordinates if c not in sim.coordinate_names]
        if missing:  # the loaded model is not the one the reference was built on (load_model with another)
            raise ValueError(f"{path} lacks the tracked coordinates {missing}")
        index = {name: k for k, name in enumerate(sim.coordinate_names)}
        self._cols = np.array([index[c] for c in ref.coordinates], dtype=np.intp)
        pose = set(ref.pose_coordinates)
        self._pose = np.array([k for k, c in enumerate(ref.coordinates) if c in pose], dtype=np.intp)
        self._travel_col = index.get("pelvis_tx")
        self._travel_ref = ref.coordinates.index("pelvis_tx") if "pelvis_tx" in ref.coordinates else None
        self._ee = ref.end_effectors
        self._has_pelvis = "pelvis" in sim.body_names

    @property
    def observation_names(self) -> tuple[str, ...]:
        sim = self.sim
        values = tuple(f"{c}/offset" if c == "pelvis_tx" else f"{c}/value" for c in sim.coordinate_names)
        return (values + tuple(f"{c}/speed" for c in sim.coordinate_names)
                + tuple(f"{m}/activation" for m in sim.muscle_names) + tuple(sim.actuator_state_names)
                + ("phase/sin", "phase/cos") + tuple(f"{c}/target" for c in self.reference.coordinates))

    # ------------------------------------------------------------- episodes
    def reset(self, project: bool = True, seed: int | None = None, scenario: Mapping | None = None,
              phase: float | None = None):
        """Start at ``phase`` of the cycle (None: drawn from the seed); ``project=False``: the state description."""
        return self._reset(project, seed, scenario, {"phase": phase})

    @staticmethod
    def _check_phase(phase) -> float:
        ok = isinstance(phase, (int, float)) and not isinstance(phase, bool) and math.isfinite(phase)
        if not ok or not 0.0 <= phase < 1.0:
            raise ValueError(f"phase must be a number in [0, 1) (the fraction of the gait cycle), got {phase!r}")
        return float(phase)

    def apply_options(self, options):
        phase = options.get("phase")
        return None if phase is None else {"phase": self._check_phase(phase)}

    def draw_scenario(self) -> dict:
        return {"phase": float(self.np_random.uniform(0.0, 1.0))}

    def check_scenario(self, scenario) -> dict:
        out = super().check_scenario(scenario)
        out["phase"] = self._check_phase(out["phase"])
        return out

    def initial_state(self):
        """The reference pose and speeds at the scenario's phase."""
        ref = self.reference
        self._phase0 = self.scenario["phase"]
        r = ref.at(self._phase0 * ref.period)
        values = {c: float(v) for c, v in zip(ref.coordinates, r["q"])}
        speeds = {c: float(v) for c, v in zip(ref.coordinates, r["qd"])}
        return values, speeds

    def on_reset(self) -> None:
        self._tracking = {}

    @property
    def tau(self) -> float:
        """The reference time (s) the current state is compared with."""
        return self._phase0 * self.reference.period + self.sim.time

    # ---------------------------------------------------------------- steps
    def _errors(self) -> dict[str, Any]:
        sim, ref = self.sim, self.reference
        r = ref.at(self.tau)
        q, u = sim.q()[self._cols], sim.u()[self._cols]
        dq = r["q"] - q
        dqd = (r["qd"] - u)[self._pose]
        dq_pose = dq[self._pose]
        origin = sim.body_position("pelvis") if self._has_pelvis else np.zeros(3)
        ee = np.array([sim.body_position(b) for b in self._ee]) - origin if self._ee else np.zeros((0, 3))
        dee = r["end_effectors"] - ee
        dcom = r["com"] - sim.mass_center_position()
        sq = {"pose": float(dq_pose @ dq_pose), "velocity": float(dqd @ dqd),
              "end_effector": float(np.sum(dee * dee)), "com": float(dcom @ dcom)}
        n_pose, n_ee = max(1, len(dq_pose)), max(1, len(self._ee))
        return {
            "squared": sq,
            "tracking": {
                "phase": ref.phase(self.tau),
                "pose_rms": math.sqrt(sq["pose"] / n_pose),
                "velocity_rms": math.sqrt(sq["velocity"] / n_pose),
                "end_effector_rms": math.sqrt(sq["end_effector"] / n_ee),
                "com": math.sqrt(sq["com"]),
                "coordinates": dq,
            },
        }

    def after_step(self) -> None:
        self._tracking = self._errors()

    def reward_terms(self) -> dict[str, float]:
        sq = self._tracking["squared"]
        return {k: self.weights[k] * math.exp(-SCALES[k] * sq[k]) for k in WEIGHTS}

    def is_done(self) -> bool:
        if not self.early_termination or not self._tracking:
            return False
        t = self._tracking["tracking"]
        return bool(t["com"] > self.max_com_error or t["pose_rms"] > self.max_pose_error)

    def step_info(self) -> dict[str, Any]:
        return {"tracking": self._tracking["tracking"]}

    def get_observation(self) -> np.ndarray:
        sim, ref = self.sim, self.reference
        q = sim.q()
        ahead = ref.at(self.tau + sim.step_size)
        target = ahead["q"] - q[self._cols]
        values = q.copy()
        if self._travel_col is not None and self._travel_ref is not None:
            values[self._travel_col] -= ref.at(self.tau)["q"][self._travel_ref]
        phase = 2.0 * math.pi * ref.phase(self.tau)
        parts = [values, sim.u(), sim.muscle_activations()]
        if sim.actuator_state_names:
            parts.append(sim.actuator_states())
        parts += [np.array([math.sin(phase), math.cos(phase)]), target]
        return np.concatenate(parts)

    def render_scene(self) -> dict:
        scene = super().render_scene()
        scene["text"] = [f"ImitateEnv {Path(self.motion_file).name}  t = {self.sim.time:.2f} s  "
                         f"phase {self.reference.phase(self.tau):.2f}"]
        return scene
