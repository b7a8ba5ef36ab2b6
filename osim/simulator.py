"""Simulator wrapper: loads an OpenSim model, actuates its muscles and steps it.

This is the only module of osim-rl that imports ``opensim``. It knows nothing
of rewards, observations or episodes: the environments in :mod:`osim.env`
build those from the state read here.

Integration follows the 2018 challenge core (spec section 2.2): one
``opensim.Manager`` per episode (Runge-Kutta-Merson, error-controlled), steps
of 0.01 s integrated to the absolute time ``0.01 * istep``, excitations held
by one ``opensim.Constant`` per muscle in a ``PrescribedController`` and
changed between ``integrate`` calls. Two details make the trajectories
identical, bit for bit, to the reference recordings of the original
environments, in every episode of a process:

* before the Manager is initialised at reset, every excitation is set to 1.0
  (what a fresh process of the original held; spec Q15);
* after each integration the state is realised to the acceleration stage (the
  original did so to read its state dictionary, and the integrator's next step
  starts from those cached derivatives).

Storage and analyses of the Manager are off: the trajectory is unchanged and
the Manager no longer keeps every internal step of the episode in memory.

That is the *faithful* integration (the default). :class:`Integration`
describes others: another integrator method, accuracy or step size, and
``restart=True``, which re-initialises the Manager's integrator (the same
Manager, no rebuild) whenever the excitations changed, so that its first
stage uses derivatives of the new excitations and its error control starts
afresh. The faithful integration does not: the integrator starts each step
from derivatives cached with the previous excitations. :data:`FAST` is the
preset of the environments' ``fast=True``.
"""
from __future__ import annotations

import logging
import os
import sys
import time
import warnings
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np


def _pin_reference_blas_kernels() -> None:
    """Make OpenSim's OpenBLAS use the kernels the reference recordings used.

    OpenSim's bundled OpenBLAS (0.3.15) picks its "Zen" kernels on AVX-512
    AMD CPUs; the challenges' reference trajectories were recorded with its
    "SkylakeX" kernels. The two differ by an ulp in the constrained
    accelerations of the 14-dof models, and that grows to O(1) within a dozen
    steps. Same results on every AVX-512 machine matter more than the kernel
    choice, so pin it; a user's own ``OPENBLAS_CORETYPE`` wins. Runs before
    ``opensim`` is imported (OpenBLAS reads the variable when it loads).
    """
    if "OPENBLAS_CORETYPE" in os.environ or not sys.platform.startswith("linux"):
        return
    try:
        with open("/proc/cpuinfo") as fh:
            flags = next((line.split(":", 1)[1].split() for line in fh if line.startswith("flags")), [])
    except OSError:
        return
    if {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"} <= set(flags):
        os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"


_pin_reference_blas_kernels()

import opensim  # noqa: E402  (after the BLAS kernel choice)

__all__ = [
    "FAITHFUL",
    "FAST",
    "FAST_ADAPTIVE",
    "INTEGRATORS",
    "Integration",
    "ModelLoadError",
    "SimulationError",
    "Simulator",
    "opensim",
    "set_log_level",
]

_log = logging.getLogger(__name__)

_LOG_LEVELS = ("off", "critical", "error", "warn", "info", "debug", "trace")


def set_log_level(level: str) -> None:
    """Set OpenSim's own log level (osim-rl sets ``"warn"`` at import).

    OpenSim 4.6 logs several Info lines per integration call at its default
    level; ``set_log_level("info")`` brings them back.
    """
    if level not in _LOG_LEVELS:
        raise ValueError(f"unknown OpenSim log level {level!r}; allowed: {', '.join(_LOG_LEVELS)}")
    opensim.Logger.setLevelString(level)


set_log_level("warn")
# OpenSim also writes every message to ./opensim.log by default: a library
# must not litter its users' working directories.
opensim.Logger.removeFileSink()


#: integrator names of :class:`Integration` -> OpenSim ``Manager`` methods
INTEGRATORS = {
    "rk_merson": opensim.Manager.IntegratorMethod_RungeKuttaMerson,
    "rk_feldberg": opensim.Manager.IntegratorMethod_RungeKuttaFeldberg,
    "rk3": opensim.Manager.IntegratorMethod_RungeKutta3,
    "rk2": opensim.Manager.IntegratorMethod_RungeKutta2,
    "euler": opensim.Manager.IntegratorMethod_ExplicitEuler,
    "semi_explicit_euler2": opensim.Manager.IntegratorMethod_SemiExplicitEuler2,
    "verlet": opensim.Manager.IntegratorMethod_Verlet,
    "cpodes": opensim.Manager.IntegratorMethod_CPodes,
}


@dataclass(frozen=True)
class Integration:
    """How the Manager integrates each 10 ms step.

    ``method``: a name of :data:`INTEGRATORS` (``rk_merson``, the challenges'
    error-controlled Runge-Kutta-Merson, by default); ``accuracy``: its
    relative accuracy (None: the ``integrator_accuracy`` argument, 5e-5 in the
    2018/2019 challenges); ``fixed_step``: take steps of exactly this many
    seconds (no error control; should divide 0.01); ``min_step`` /
    ``max_step``: bounds of the error-controlled step size; ``restart``:
    re-initialise the integrator (same Manager) after each change of
    excitation, so it neither starts from derivatives of the previous
    excitations nor from the step size they allowed. The default
    (:data:`FAITHFUL`) reproduces the challenges' trajectories bit for bit;
    any other setting gives a different trajectory.
    """

    method: str = "rk_merson"
    accuracy: float | None = None
    fixed_step: float | None = None
    min_step: float | None = None
    max_step: float | None = None
    restart: bool = False

    def __post_init__(self) -> None:
        if self.method not in INTEGRATORS:
            raise ValueError(f"unknown integrator method {self.method!r}; allowed: {', '.join(INTEGRATORS)}")
        if self.accuracy is not None and not (_is_number(self.accuracy) and 0 < self.accuracy < 1):
            raise ValueError(f"integration accuracy must be a number in (0, 1) or None, got {self.accuracy!r}")
        for name in ("fixed_step", "min_step", "max_step"):
            value = getattr(self, name)
            if value is not None and not (_is_number(value) and 0 < value <= 1):
                raise ValueError(f"integration {name} must be a number of seconds in (0, 1] or None, got {value!r}")
        if self.min_step is not None and self.max_step is not None and self.min_step > self.max_step:
            raise ValueError(f"integration min_step {self.min_step} exceeds max_step {self.max_step}")
        if not isinstance(self.restart, bool):
            raise TypeError(f"integration restart must be True or False, got {self.restart!r}")

    @classmethod
    def coerce(cls, value: "Integration | Mapping[str, Any] | str | None") -> "Integration":
        """An :class:`Integration` from itself, a dict of its fields, ``"faithful"``/``"fast"`` or None (faithful)."""
        if value is None or value == "faithful":
            return FAITHFUL
        if value == "fast":
            return FAST
        if isinstance(value, cls):
            return value
        if isinstance(value, Mapping):
            unknown = set(value) - set(cls.__dataclass_fields__)
            if unknown:
                raise ValueError(f"unknown integration settings {sorted(unknown)}; "
                                 f"allowed: {', '.join(cls.__dataclass_fields__)}")
            return cls(**value)
        raise TypeError(f"integration must be an Integration, a dict of its fields, 'faithful', 'fast' or None; "
                        f"got {value!r}")

    def replace(self, **changes) -> "Integration":
        return replace(self, **changes)

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def is_faithful(self) -> bool:
        """True for the settings that reproduce the reference trajectories (given accuracy 5e-5)."""
        return self == FAITHFUL or self == replace(FAITHFUL, accuracy=None)


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
        and bool(np.isfinite(value))


#: the challenges' integration (bit-identical to the reference recordings)
FAITHFUL = Integration()
#: the integration of ``fast=True``: explicit Euler with fixed steps of 1/1300 s (13 per env step), no
#: error control. Stable only with the fast model variants (``osim.models.variants.FAST_VARIANTS``:
#: rigid short tendons, smoother friction): on the challenges' muscles the planar reflex gait falls even with
#: 0.5 ms steps, with rigid short tendons alone it needs 0.5 ms.
#: Larger steps (1/1200 s, 1 ms) make the planar reflex gait fall. The README's performance section gives
#: speed and drift.
FAST = Integration(method="euler", fixed_step=1 / 1300)
#: the fast integration of the 2017 envs (``WalkEnv``, ``RunEnv``), whose muscles start each episode
#: out of equilibrium: fixed steps turn them NaN, so error-controlled explicit Euler at 1e-3,
#: restarted after each change of excitation
FAST_ADAPTIVE = Integration(method="euler", accuracy=1e-3, restart=True)


class ModelLoadError(ValueError):
    """The model file is missing or OpenSim cannot load it."""


class SimulationError(RuntimeError):
    """OpenSim failed inside a step (e.g. the integrator could not advance)."""


_visualizer_warned = False


def _display_available() -> bool:
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def _user_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside osim."""
    frame, level = sys._getframe(1), 1
    package = str(Path(__file__).resolve().parent)
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def _vec3(v) -> list[float]:
    return [v.get(0), v.get(1), v.get(2)]


class Simulator:
    """One OpenSim model with one constant excitation per muscle.

    Parameters
    ----------
    model_path:
        Path of an ``.osim`` file.
    integrator_accuracy:
        Accuracy of the Runge-Kutta-Merson integrator (the challenges used 5e-5).
    step_size:
        Simulated seconds per :meth:`step` (0.01 in every challenge).
    visualize:
        Open OpenSim's simbody visualizer. Where no display exists, warn once
        and run headless.
    equilibrate:
        Solve muscle fiber/tendon equilibrium at reset (2018+ envs). The 2017
        envs did not (fibers start at 0.1 m).
    initial_excitation:
        The excitation every muscle holds when an episode's Manager is
        initialised (1.0 reproduces the 2018+ references; spec Q15).
    model_edit:
        Called with the loaded ``opensim.Model`` before the system is built,
        to add components (e.g. obstacles; see :mod:`osim.models.obstacles`).
    integration:
        An :class:`Integration` (or a dict of its fields, ``"faithful"``,
        ``"fast"``); None: the faithful integration. Its ``accuracy``, when
        set, wins over ``integrator_accuracy``.

    All component lookups (bodies, joints, coordinates, muscles, forces,
    markers) are resolved by name once, here.
    """

    def __init__(
        self,
        model_path: str | os.PathLike,
        *,
        integrator_accuracy: float = 5e-5,
        step_size: float = 0.01,
        visualize: bool = False,
        equilibrate: bool = True,
        initial_excitation: float = 1.0,
        model_edit: Callable[[Any], None] | None = None,
        integration: "Integration | Mapping[str, Any] | str | None" = None,
    ) -> None:
        if not (isinstance(integrator_accuracy, (int, float)) and 0 < integrator_accuracy < 1):
            raise ValueError(f"integrator_accuracy must be a number in (0, 1), got {integrator_accuracy!r}")
        if not (isinstance(step_size, (int, float)) and step_size > 0):
            raise ValueError(f"step_size must be a positive number, got {step_size!r}")
        self.model_path = Path(model_path)
        self.integration = Integration.coerce(integration)
        if self.integration.accuracy is not None:
            integrator_accuracy = self.integration.accuracy
        self.integrator_accuracy = float(integrator_accuracy)
        self.step_size = float(step_size)
        self.equilibrate = bool(equilibrate)
        self.initial_excitation = float(initial_excitation)
        self.model = _load_model(self.model_path)
        if model_edit is not None:
            model_edit(self.model)
        self.visualize = self._setup_visualizer(visualize)
        self._attach_controller()
        self._state = self.model.initSystem()
        self._resolve_components()
        self._controls = self._fetch_control_functions()
        #: each muscle's maximum isometric force as loaded (strengths scale it)
        self.nominal_max_isometric_force = np.array(
            [mu.getMaxIsometricForce() for mu in self._muscles], dtype=np.float64
        )
        self._manager = None
        self._desc_cache: dict | None = None
        self._needs_rebuild = False
        self._restart = self.integration.restart
        self._excitations = np.full(self.n_muscles, self.initial_excitation)
        self._excitations_changed = False
        #: seconds spent in ``Manager.integrate`` (and restarts) since construction
        self.integrate_seconds = 0.0
        self.failed = False
        self.istep = 0
        self.reset()

    # ------------------------------------------------------------------ setup
    def _setup_visualizer(self, visualize: bool) -> bool:
        global _visualizer_warned
        if not visualize:
            return False
        if not _display_available():
            if not _visualizer_warned:
                warnings.warn(
                    "visualize=True but no display is available (DISPLAY is not set); "
                    "running headless. Use render_mode='rgb_array' for offscreen frames.",
                    RuntimeWarning,
                    stacklevel=_user_stacklevel(),
                )
                _visualizer_warned = True
            return False
        self.model.setUseVisualizer(True)
        return True

    def _attach_controller(self) -> None:
        muscles = self.model.getMuscles()
        self.muscle_names = tuple(muscles.get(i).getName() for i in range(muscles.getSize()))
        self.n_muscles = len(self.muscle_names)
        self._brain = opensim.PrescribedController()
        self._brain.setName("osim_rl_excitations")
        for name in self.muscle_names:
            self._brain.addActuator(muscles.get(name))
            # OpenSim 4.6: the index-based overload raises; the name-based one
            # takes ownership of the function, fetched back after initSystem.
            self._brain.prescribeControlForActuator(name, opensim.Constant(1.0))
        self.model.addController(self._brain)

    def _fetch_control_functions(self) -> list:
        """The Constant driving each muscle, in muscle order.

        Checked, not assumed: each function gets a distinct value and the
        muscle's control is read back from a scratch state.
        """
        functions = self._brain.get_ControlFunctions()
        found = [opensim.Constant.safeDownCast(functions.get(i)) for i in range(functions.getSize())]
        if len(found) != self.n_muscles or any(f is None for f in found):
            raise ModelLoadError(f"{self.model_path}: could not attach one excitation per muscle")
        for k, f in enumerate(found):
            f.setValue((k + 1) / (len(found) + 1))
        probe = opensim.State(self._state)
        self.model.realizeVelocity(probe)
        by_value = {f.getValue(): f for f in found}
        ordered = []
        for mu in self._muscles:
            f = by_value.get(mu.getControl(probe))
            if f is None:
                raise ModelLoadError(f"{self.model_path}: cannot find the excitation of muscle {mu.getName()!r}")
            ordered.append(f)
        for f in ordered:
            f.setValue(1.0)
        return ordered

    def _resolve_components(self) -> None:
        m = self.model
        bodies, joints, forces = m.getBodySet(), m.getJointSet(), m.getForceSet()
        coords, markers = m.getCoordinateSet(), m.getMarkerSet()
        self.body_names = tuple(bodies.get(i).getName() for i in range(bodies.getSize()))
        self.joint_names = tuple(joints.get(i).getName() for i in range(joints.getSize()))
        self.force_names = tuple(forces.get(i).getName() for i in range(forces.getSize()))
        self.coordinate_names = tuple(coords.get(i).getName() for i in range(coords.getSize()))
        self.marker_names = tuple(markers.get(i).getName() for i in range(markers.getSize()))
        self._bodies = {n: bodies.get(n) for n in self.body_names}
        self._forces = {n: forces.get(n) for n in self.force_names}
        self._markers = {n: markers.get(n) for n in self.marker_names}
        self._coords = {n: coords.get(n) for n in self.coordinate_names}
        self._muscles = [m.getMuscles().get(n) for n in self.muscle_names]
        self.joint_coordinates = {}
        for i in range(joints.getSize()):
            joint = joints.get(i)
            self.joint_coordinates[joint.getName()] = tuple(
                joint.get_coordinates(k).getName() for k in range(joint.numCoordinates())
            )
        # Where each coordinate sits in the Q (and U) vector: write distinct
        # values into Q of a scratch state and ask each coordinate for its
        # value (valid for joints without quaternions: every model here).
        probe = opensim.State(self._state)
        nq = probe.getNQ()
        marks = opensim.Vector(nq, 0.0)
        for i in range(nq):
            marks.set(i, 1000.0 + i)
        probe.setQ(marks)
        qidx = []
        for name in self.coordinate_names:
            value = self._coords[name].getValue(probe)
            i = int(round(value - 1000.0))
            if not (0 <= i < nq and value == 1000.0 + i):
                raise ModelLoadError(f"{self.model_path}: cannot map coordinate {name!r} to one generalized coordinate")
            qidx.append(i)
        self.q_index = dict(zip(self.coordinate_names, qidx))
        # For drawing: bones between the bodies each joint connects, contact spheres.
        self._bones = []
        for i in range(joints.getSize()):
            joint = joints.get(i)
            parent = joint.getParentFrame().findBaseFrame().getName()
            child = joint.getChildFrame().findBaseFrame().getName()
            if parent in self._bodies and child in self._bodies:
                self._bones.append((parent, child))
        geometry = m.getContactGeometrySet()
        self._spheres = []
        for i in range(geometry.getSize()):
            sphere = opensim.ContactSphere.safeDownCast(geometry.get(i))
            if sphere is not None:
                self._spheres.append(sphere)
        self._q_order = np.array(qidx, dtype=np.intp)

    # ------------------------------------------------------------ episodes
    def reset(
        self,
        coordinates: Mapping[str, float] | None = None,
        speeds: Mapping[str, float] | None = None,
    ) -> None:
        """Start an episode from the model's default state.

        ``coordinates`` / ``speeds`` (name -> value) override default values
        before muscle equilibrium is solved (used for custom initial poses).
        """
        if self._needs_rebuild:
            self.rebuild_system()
        state = self.model.initializeState()
        if coordinates or speeds:
            for name, value in (coordinates or {}).items():
                self._coord(name).setValue(state, float(value), False)
            for name, value in (speeds or {}).items():
                self._coord(name).setSpeedValue(state, float(value))
        if self.equilibrate:
            try:
                self.model.equilibrateMuscles(state)
            except RuntimeError as exc:
                raise SimulationError(f"muscle equilibrium could not be solved at reset: {exc}") from exc
        state.setTime(0.0)
        self._install(state)

    def _install(self, state) -> None:
        """Make ``state`` current and start a new Manager from it."""
        for f in self._controls:
            f.setValue(self.initial_excitation)
        self._excitations = np.full(self.n_muscles, self.initial_excitation)
        self._excitations_changed = False
        self._state = state
        self.istep = int(round(state.getTime() / self.step_size))
        manager = self._new_manager()
        manager.setWriteToStorage(False)
        manager.setPerformAnalyses(False)
        manager.initialize(state)  # copies the state into the integrator
        self.model.realizeAcceleration(state)
        self._manager = manager
        self.failed = False
        self._integrating = False  # self._state is not the integrator's state yet
        self._desc_cache = None

    def _new_manager(self):
        """A Manager with this simulator's integration settings (not initialised)."""
        manager = opensim.Manager(self.model)
        cfg = self.integration
        if cfg.method != "rk_merson":  # the default method: left untouched (faithful)
            manager.setIntegratorMethod(INTEGRATORS[cfg.method])
        manager.setIntegratorAccuracy(self.integrator_accuracy)
        if cfg.fixed_step is not None:
            manager.setIntegratorFixedStepSize(cfg.fixed_step)
        if cfg.min_step is not None:
            manager.setIntegratorMinimumStepSize(cfg.min_step)
        if cfg.max_step is not None:
            manager.setIntegratorMaximumStepSize(cfg.max_step)
        return manager

    def get_state(self):
        """A copy of the current OpenSim state."""
        return opensim.State(self._state)

    def set_state(self, state) -> None:
        """Install a copy of ``state``; the step counter becomes round(time / step_size)."""
        self._install(opensim.State(state))

    def set_excitations(self, values: Sequence[float]) -> None:
        """Write one excitation per muscle (model order). No validation here.

        Only the values that changed are written; with ``Integration.restart``
        a change makes the next :meth:`step` restart the integrator.
        """
        old = self._excitations
        new = np.array(values, dtype=np.float64)
        if new.shape != old.shape:
            raise ValueError(f"expected {self.n_muscles} excitations, got shape {new.shape}")
        changed = np.flatnonzero(new != old)
        if changed.size:
            controls = self._controls
            for i in changed.tolist():
                controls[i].setValue(float(new[i]))
            self._excitations = new
            self._excitations_changed = True

    def set_activations(self, values: Sequence[float]) -> None:
        """Write muscle activations into the current state (model order).

        The running Manager continues from the modified state (the 2017
        WalkEnv's actuation).
        """
        for mu, v in zip(self._muscles, values):
            mu.setActivation(self._state, float(v))
        self._desc_cache = None
        self._excitations_changed = True  # a restarting integration restarts from the new activations
        if not self._integrating:
            # Right after a reset the current state is the copy given to the
            # Manager, not the integrator's own: restart from the new values.
            self._install(self._state)

    def set_strengths(self, multipliers: Sequence[float]) -> None:
        """Scale each muscle's maximum isometric force from its nominal value.

        Takes effect from the next reset (the system is rebuilt if needed).
        """
        multipliers = np.asarray(multipliers, dtype=np.float64)
        if multipliers.shape != (self.n_muscles,):
            raise ValueError(f"expected {self.n_muscles} strength multipliers, got shape {multipliers.shape}")
        for mu, nominal, k in zip(self._muscles, self.nominal_max_isometric_force, multipliers):
            mu.setMaxIsometricForce(float(k * nominal))
        self.request_rebuild()

    def request_rebuild(self) -> None:
        """Component properties changed: rebuild the system at the next reset."""
        self._needs_rebuild = True

    def rebuild_system(self) -> None:
        """Rebuild the Simbody system after component properties changed.

        Cheap (a few ms) and keeps every resolved name valid; the state is
        reset to the model's defaults, so call :meth:`reset` next.
        """
        self._state = None  # before the Manager that may own it
        self._manager = None
        self._controls = []  # initSystem replaces the controller's functions
        self._state = self.model.initSystem()
        self._resolve_components()
        self._controls = self._fetch_control_functions()
        self._needs_rebuild = False
        self._desc_cache = None

    def get_excitations(self) -> np.ndarray:
        """The excitation of each muscle (model order), read back from the controller."""
        return np.array([f.getValue() for f in self._controls])

    def step(self) -> None:
        """Advance by one step of ``step_size`` seconds."""
        if self.failed:
            raise SimulationError("the last step failed; reset() before stepping again")
        self.istep += 1
        self._desc_cache = None
        # The state returned by integrate() lives inside the Manager: the
        # Manager is kept (flagged as failed) until the next reset, never
        # dropped while self._state refers to it.
        t0 = time.perf_counter()
        try:
            if self._restart and self._excitations_changed:
                # the same Manager restarts its integrator from (a copy of) the current state
                self._manager.initialize(opensim.State(self._state))
            self._excitations_changed = False
            self._state = self._manager.integrate(self.step_size * self.istep)
            self._integrating = True
            self.integrate_seconds += time.perf_counter() - t0
            self.model.realizeAcceleration(self._state)
        except RuntimeError as exc:  # OpenSim raises RuntimeError on failures
            self.failed = True
            raise SimulationError(f"OpenSim failed at step {self.istep}: {exc}") from exc
        if not np.isfinite(self._state.getY().to_numpy()).all():
            # OpenSim does not always raise: an exploding model integrates to NaN silently.
            self.failed = True
            raise SimulationError(f"the simulation became non-finite (NaN or inf) at step {self.istep}")

    @property
    def time(self) -> float:
        return self._state.getTime()

    @property
    def state(self):
        """The live OpenSim state (do not keep it across steps)."""
        return self._state

    # ------------------------------------------------------------ fast reads
    def _coord(self, name: str):
        try:
            return self._coords[name]
        except KeyError:
            raise KeyError(f"unknown coordinate {name!r}; the model has {', '.join(self.coordinate_names)}") from None

    def q(self) -> np.ndarray:
        """Coordinate values in CoordinateSet order."""
        return self._state.getQ().to_numpy()[self._q_order]

    def u(self) -> np.ndarray:
        """Coordinate speeds in CoordinateSet order."""
        return self._state.getU().to_numpy()[self._q_order]

    def udot(self) -> np.ndarray:
        """Coordinate accelerations in CoordinateSet order."""
        return self._state.getUDot().to_numpy()[self._q_order]

    def coordinate_value(self, name: str) -> float:
        return self._coord(name).getValue(self._state)

    def body_position(self, name: str) -> np.ndarray:
        """Position of the body frame's origin in ground."""
        return self._bodies[name].getPositionInGround(self._state).to_numpy()

    def body_velocity(self, name: str) -> np.ndarray:
        """Linear velocity of the body frame's origin in ground."""
        return self._bodies[name].getLinearVelocityInGround(self._state).to_numpy()

    def body_acceleration(self, name: str) -> np.ndarray:
        """Linear acceleration of the body frame's origin in ground."""
        return self._bodies[name].getLinearAccelerationInGround(self._state).to_numpy()

    def body_angular_velocity(self, name: str) -> np.ndarray:
        """Angular velocity of the body in ground (not Euler-angle rates)."""
        return self._bodies[name].getAngularVelocityInGround(self._state).to_numpy()

    def body_angular_acceleration(self, name: str) -> np.ndarray:
        return self._bodies[name].getAngularAccelerationInGround(self._state).to_numpy()

    def body_rotation_xyz(self, name: str) -> np.ndarray:
        """Body orientation as body-fixed X-Y-Z Euler angles (rad)."""
        return self._bodies[name].getTransformInGround(self._state).R().convertRotationToBodyFixedXYZ().to_numpy()

    def mass_center_acceleration(self) -> np.ndarray:
        return self.model.calcMassCenterAcceleration(self._state).to_numpy()

    def muscle_fibers(self) -> np.ndarray:
        """Per muscle (model order): activation, fiber length, fiber velocity, fiber force; shape (n, 4)."""
        s = self._state
        return np.array([
            (mu.getActivation(s), mu.getFiberLength(s), mu.getFiberVelocity(s), mu.getFiberForce(s))
            for mu in self._muscles
        ])

    def mass_center_position(self) -> np.ndarray:
        return self.model.calcMassCenterPosition(self._state).to_numpy()

    def mass_center_velocity(self) -> np.ndarray:
        return self.model.calcMassCenterVelocity(self._state).to_numpy()

    def muscle_activations(self) -> np.ndarray:
        return np.array([mu.getActivation(self._state) for mu in self._muscles])

    def force_record(self, name: str) -> list[float]:
        values = self._forces[name].getRecordValues(self._state)
        return [values.get(i) for i in range(values.getSize())]

    def marker_position(self, name: str) -> np.ndarray:
        return self._markers[name].getLocationInGround(self._state).to_numpy()

    def scene(self) -> dict:
        """What a renderer draws, as plain data (see :mod:`osim.render`).

        ``segments``: bones between the origins of the bodies each joint
        connects; ``muscles``: each muscle's current path points in ground,
        its activation and side (``r``/``l`` from its name); ``contacts``:
        contact spheres (centre, radius) including obstacles; ``follow``: the
        first body's origin (the pelvis).
        """
        s = self._state
        pos = {name: tuple(float(v) for v in body.getPositionInGround(s).to_numpy())
               for name, body in self._bodies.items()}
        muscles = []
        for name, mu in zip(self.muscle_names, self._muscles):
            path = mu.getGeometryPath().getCurrentPath(s)
            points = [tuple(float(v) for v in path.get(k).getLocationInGround(s).to_numpy())
                      for k in range(path.getSize())]
            side = "l" if name.endswith("_l") else "r"
            muscles.append({"name": name, "points": points, "activation": float(mu.getActivation(s)), "side": side})
        contacts = []
        for sphere in self._spheres:
            if sphere.getRadius() <= 1e-3:  # hidden placeholders (unused obstacles)
                continue
            centre = sphere.getFrame().findStationLocationInGround(s, sphere.get_location()).to_numpy()
            contacts.append({"name": sphere.getName(), "center": tuple(float(v) for v in centre),
                             "radius": float(sphere.getRadius())})
        return {
            "segments": [(pos[a], pos[b]) for a, b in self._bones],
            "muscles": muscles,
            "contacts": contacts,
            "ground": {"height": 0.0},
            "follow": pos[self.body_names[0]] if self.body_names else (0.0, 0.0, 0.0),
        }

    # ------------------------------------------------------ state description
    def state_desc(self) -> dict[str, Any]:
        """The full state description of the challenges (spec section 2.4).

        Keys ``joint_pos``, ``joint_vel``, ``joint_acc``, ``body_pos``,
        ``body_vel``, ``body_acc``, ``body_pos_rot``, ``body_vel_rot``,
        ``body_acc_rot``, ``forces``, ``muscles``, ``markers``, ``misc``; each
        ordered as the model's sets. Built on demand (a few hundred binding
        calls) and cached until the state changes; a fresh dict each time it
        is rebuilt, plain Python floats and lists.
        """
        if self._desc_cache is None:
            self._desc_cache = self._build_state_desc()
        return self._desc_cache

    def _build_state_desc(self) -> dict[str, Any]:
        s = self._state
        q, u, udot = self.q(), self.u(), self.udot()
        col = {name: k for k, name in enumerate(self.coordinate_names)}
        d: dict[str, Any] = {}
        for key, arr in (("joint_pos", q), ("joint_vel", u), ("joint_acc", udot)):
            d[key] = {
                j: [float(arr[col[c]]) for c in cs] for j, cs in self.joint_coordinates.items()
            }
        for key in ("body_pos", "body_vel", "body_acc", "body_pos_rot", "body_vel_rot", "body_acc_rot"):
            d[key] = {}
        for name, body in self._bodies.items():
            transform = body.getTransformInGround(s)
            vel = body.getVelocityInGround(s)
            acc = body.getAccelerationInGround(s)
            d["body_pos"][name] = _vec3(transform.p())
            d["body_vel"][name] = _vec3(vel.get(1))
            d["body_acc"][name] = _vec3(acc.get(1))
            d["body_pos_rot"][name] = _vec3(transform.R().convertRotationToBodyFixedXYZ())
            d["body_vel_rot"][name] = _vec3(vel.get(0))
            d["body_acc_rot"][name] = _vec3(acc.get(0))
        d["forces"] = {name: self.force_record(name) for name in self.force_names}
        d["muscles"] = {
            name: {
                "activation": mu.getActivation(s),
                "fiber_length": mu.getFiberLength(s),
                "fiber_velocity": mu.getFiberVelocity(s),
                "fiber_force": mu.getFiberForce(s),
            }
            for name, mu in zip(self.muscle_names, self._muscles)
        }
        d["markers"] = {
            name: {
                "pos": _vec3(mk.getLocationInGround(s)),
                "vel": _vec3(mk.getVelocityInGround(s)),
                "acc": _vec3(mk.getAccelerationInGround(s)),
            }
            for name, mk in self._markers.items()
        }
        d["misc"] = {
            "mass_center_pos": _vec3(self.model.calcMassCenterPosition(s)),
            "mass_center_vel": _vec3(self.model.calcMassCenterVelocity(s)),
            "mass_center_acc": _vec3(self.model.calcMassCenterAcceleration(s)),
        }
        return d

    def bare_steps(self, actions: np.ndarray, activations: bool = False) -> tuple[np.ndarray, float]:
        """Step the current episode with bare OpenSim calls: the speed baseline.

        Per step only what produces the trajectory: write the excitations
        (model order; or, with ``activations=True``, the activations into the
        state), restart the integrator if the integration says so, integrate,
        realise accelerations. No observation, reward or validation. Returns
        the Q vector after every step and the seconds the loop took.
        """
        controls, muscles, model = self._controls, self._muscles, self.model
        dt, restart, State = self.step_size, self._restart, opensim.State
        actions = np.asarray(actions, dtype=np.float64)
        q_out = np.empty((len(actions), self._state.getNQ()))
        istep = self.istep
        if activations and not self._integrating:
            self.set_activations(actions[0])  # restart the Manager as set_activations does
        manager = self._manager
        previous, pending = self._excitations, self._excitations_changed
        t0 = time.perf_counter()
        state = self._state
        for k, action in enumerate(actions):
            if activations:
                for mu, v in zip(muscles, action):
                    mu.setActivation(state, float(v))
                changed = True
            else:
                for f, v in zip(controls, action):
                    f.setValue(float(v))
                changed = pending or not np.array_equal(action, previous)
                previous, pending = action, False
            if restart and changed:
                manager.initialize(State(state))
            istep += 1
            state = manager.integrate(dt * istep)
            model.realizeAcceleration(state)
            q_out[k] = state.getQ().to_numpy()
        seconds = time.perf_counter() - t0
        self._state, self.istep, self._integrating, self._desc_cache = state, istep, True, None
        if not activations and len(actions):
            self._excitations, self._excitations_changed = actions[-1].copy(), False
        return q_out, seconds

    def close(self) -> None:
        """Release the Manager, state and model."""
        self._desc_cache = None
        self._state = None  # before the Manager that may own it
        self._manager = None
        self._controls = []
        self._muscles = []
        self._bodies = self._forces = self._markers = self._coords = {}
        self._brain = None
        self.model = None


def _load_model(path: Path):
    if not path.is_file():
        raise ModelLoadError(f"model file not found: {path}")
    try:
        head = path.read_bytes()[:4096].lstrip()
    except OSError as exc:
        raise ModelLoadError(f"cannot read model file {path}: {exc}") from exc
    if not head.startswith(b"<") or b"OpenSimDocument" not in head:
        raise ModelLoadError(f"{path} is not an OpenSim model file (expected an <OpenSimDocument> XML file)")
    try:
        model = opensim.Model(str(path))
    except Exception as exc:  # OpenSim raises RuntimeError with its parser message
        raise ModelLoadError(f"OpenSim could not load {path}: {exc}") from exc
    if model.getMuscles().getSize() == 0:
        raise ModelLoadError(f"{path} has no muscles: osim-rl needs at least one muscle to actuate")
    return model
