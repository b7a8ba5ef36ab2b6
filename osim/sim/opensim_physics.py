"""The OpenSim engine: loads an ``.osim`` model, actuates its muscles and steps it.

It knows nothing of rewards, observations or episodes: tasks
(:mod:`osim.env`) read the state through the :class:`~osim.sim.physics.Physics`
face it implements.

The faithful integration is the 2018 challenge core's: one
``opensim.Manager`` per episode (Runge-Kutta-Merson, error-controlled), steps
of 0.01 s integrated to the absolute time ``0.01 * istep``, excitations held
by one ``opensim.Constant`` per muscle in a ``PrescribedController`` and
changed between ``integrate`` calls. Two details make the trajectories
identical, bit for bit, to the reference recordings of the original
environments, in every episode of a process:

* before the Manager is initialised at reset, every excitation is set to 1.0
  (what a fresh process of the original held; docs/quirks.md, Q15);
* after each integration the state is realised to the acceleration stage (the
  original did so to read its state dictionary, and the integrator's next step
  starts from those cached derivatives).

Storage and analyses of the Manager are off: the trajectory is unchanged and
the Manager no longer keeps every internal step of the episode in memory.

Other :class:`~osim.sim.settings.Integration` settings choose another
integrator method, accuracy or step size, and ``restart=True``, which
re-initialises the Manager's integrator (the same Manager, no rebuild)
whenever the excitations changed, so that its first stage uses derivatives
of the new excitations and its error control starts afresh. The faithful
integration does not: the integrator starts each step from derivatives
cached with the previous excitations.
"""
from __future__ import annotations

import logging
import os
import time
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from osim.sim._opensim import INTEGRATORS, display_available, load_model, opensim, user_stacklevel
from osim.sim.errors import ModelLoadError, SimulationError
from osim.sim.physics import Physics
from osim.sim.settings import Integration
from osim.sim.scene import build_scene
from osim.sim.state_desc import build_state_desc

__all__ = ["OpenSimPhysics"]

_log = logging.getLogger(__name__)

_visualizer_warned = False


class OpenSimPhysics(Physics):
    """One OpenSim model with one constant excitation per muscle: the reference engine.

    Parameters
    ----------
    model_path:
        Path of an ``.osim`` file.
    integrator_accuracy:
        Accuracy of the error-controlled integrator (the challenges used 5e-5).
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
        initialised (1.0 reproduces the 2018+ references: it is what a fresh
        process of the original held; docs/quirks.md, Q15).
    edits:
        Scenario edits to add to the model before its system is built, by
        name with their parameters (``{"obstacles": {"count": 3}}``; see
        :mod:`osim.sim.edits`); :meth:`edit` returns their handles.
    model_variants:
        Names of :data:`osim.models.variants.VARIANTS` applied after the edits.
    integration:
        An :class:`~osim.sim.settings.Integration` (or a dict of its fields);
        None: the faithful integration. Its ``accuracy``, when set, wins over
        ``integrator_accuracy``.

    All component lookups (bodies, joints, coordinates, muscles, forces,
    markers) are resolved by name once, here.
    """

    engine = "opensim"

    def __init__(
        self,
        model_path: str | os.PathLike,
        *,
        integrator_accuracy: float = 5e-5,
        step_size: float = 0.01,
        visualize: bool = False,
        equilibrate: bool = True,
        initial_excitation: float = 1.0,
        edits: Mapping[str, Mapping[str, Any]] | None = None,
        model_variants: Sequence[str] = (),
        integration: "Integration | Mapping[str, Any] | None" = None,
    ) -> None:
        if not (isinstance(integrator_accuracy, (int, float)) and 0 < integrator_accuracy < 1):
            raise ValueError(f"integrator_accuracy must be a number in (0, 1), got {integrator_accuracy!r}")
        if not (isinstance(step_size, (int, float)) and step_size > 0):
            raise ValueError(f"step_size must be a positive number, got {step_size!r}")
        from osim.sim.edits import add_edits, check_edits

        self.model_path = Path(model_path)
        self.integration = Integration.coerce(integration)
        if self.integration.accuracy is not None:
            integrator_accuracy = self.integration.accuracy
        self.integrator_accuracy = float(integrator_accuracy)
        self.step_size = float(step_size)
        self.equilibrate = bool(equilibrate)
        self.initial_excitation = float(initial_excitation)
        self.edits = check_edits(edits or {})
        self.model_variants = tuple(model_variants)
        self.model = load_model(self.model_path)
        self._edit_resources = add_edits(self.model, self.edits)
        if self.model_variants:
            from osim.models.variants import apply_variants

            apply_variants(self.model, self.model_variants)
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
        from osim.sim.edits import make_handles

        self._edit_handles = make_handles(self, self.edits, self._edit_resources)
        self.reset()

    def edit(self, name: str):
        """The handle of the scenario edit ``name`` added at load (see :mod:`osim.sim.edits`)."""
        try:
            return self._edit_handles[name]
        except KeyError:
            added = ", ".join(self._edit_handles) or "none"
            raise KeyError(f"this model has no {name!r} edit (added at load: {added})") from None

    # ------------------------------------------------------------------ setup
    def _setup_visualizer(self, visualize: bool) -> bool:
        global _visualizer_warned
        if not visualize:
            return False
        if not display_available():
            if not _visualizer_warned:
                warnings.warn(
                    "visualize=True but no display is available (DISPLAY is not set); "
                    "running headless. Use render_mode='rgb_array' for offscreen frames.",
                    RuntimeWarning,
                    stacklevel=user_stacklevel(),
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

    def _install(self, state, keep_excitations: bool = False) -> None:
        """Make ``state`` current and start a new Manager from it.

        The excitations go back to ``initial_excitation`` unless
        ``keep_excitations`` (a new Manager mid-episode, as :meth:`restart_manager`).
        """
        if not keep_excitations:
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

    def restart_manager(self) -> None:
        """A new Manager from (a copy of) the current state, with the current excitations.

        The step counter becomes round(time / step_size); the integrator's
        error control starts afresh. The classic ``OsimModel.reset_manager``.
        """
        self._install(opensim.State(self._state), keep_excitations=True)

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

    def realize(self) -> None:
        """Realize the current state to accelerations if a change invalidated it (else a no-op).

        Writing a state variable (``set_activations``, a coordinate speed)
        drops the state's computed forces and accelerations; reads that need
        them call this first.
        """
        # a no-op at the acceleration stage (Simbody realizes only the stages not yet
        # realized); the state's stage is not queried: Stage.getName leaks in the bindings
        self.model.realizeAcceleration(self._state)

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
        """What a renderer draws, as plain data (:func:`osim.sim.scene.build_scene`)."""
        return build_scene(self)

    # ------------------------------------------------------ state description
    def state_desc(self) -> dict[str, Any]:
        """The state description (keys in :mod:`osim.sim.state_desc`).

        Built on demand (a few hundred binding calls) and cached until the
        state changes; a fresh dict each time it is rebuilt.
        """
        if self._desc_cache is None:
            self.realize()
            self._desc_cache = build_state_desc(self)
        return self._desc_cache


    def close(self) -> None:
        """Release the Manager, state and model."""
        self._desc_cache = None
        self._state = None  # before the Manager that may own it
        self._manager = None
        self._controls = []
        self._muscles = []
        self._bodies = self._forces = self._markers = self._coords = {}
        self._brain = None
        for handle in getattr(self, "_edit_handles", {}).values():
            close = getattr(handle, "close", None)
            if close is not None:
                close()
        self._edit_handles = {}
        self.model = None

