"""The OpenSim engine: loads any ``.osim`` model, drives its actuators and steps it.

It knows nothing of rewards, observations or episodes: tasks
(:mod:`osim.env`) read the state through the :class:`~osim.sim.physics.Physics`
face it implements.

The faithful integration is the 2018 challenge core's: one
``opensim.Manager`` per episode (Runge-Kutta-Merson, error-controlled), steps
of 0.01 s integrated to the absolute time ``0.01 * istep``, excitations held
by one ``opensim.Constant`` per driven actuator (every ScalarActuator of the
model by default: the muscles of the challenge models) in a
``PrescribedController`` and changed between ``integrate`` calls. Two details make the trajectories
identical, bit for bit, to the reference recordings of the original
environments, in every episode of a process:

* before the Manager is initialised at reset, every excitation is set to 1.0
  (what a fresh process of the original held; docs/quirks.md, Q15);
* after each integration the state is realised to the acceleration stage (the
  original did so to read its state dictionary, and the integrator's next step
  starts from those cached derivatives).

Any other model (``OsimEnv(model_path=...)``) starts with
``initial_excitation=None``: its Manager is initialised again at the first
step with the first action's controls, exactly what a plain OpenSim forward
simulation with those constant controls does.

Models: every joint type OpenSim builds; coordinates are read and written by
name through OpenSim's ``Coordinate`` (a Free or Ball joint has more Q than U
entries); constraints, locked, clamped and prescribed coordinates, and the
forces and controllers a model already has, are OpenSim's own (the action's
controls add to those of the model's controllers). A model whose mass matrix
is singular (a kinematic model with massless bodies) is refused at load
(:func:`osim.sim.model_parts.check_integrable`).

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
from osim.sim.model_parts import actuator_table, check_integrable, check_masses, select_actuators
from osim.sim.physics import Physics
from osim.sim.settings import Integration
from osim.sim.scene import build_scene
from osim.sim.state_desc import build_state_desc

__all__ = ["OpenSimPhysics"]

_log = logging.getLogger(__name__)

_visualizer_warned = False


class OpenSimPhysics(Physics):
    """One OpenSim model with one constant control per driven actuator: the reference engine.

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
        The control every driven actuator holds when an episode's Manager is
        initialised (1.0 reproduces the 2018+ references: it is what a fresh
        process of the original held; docs/quirks.md, Q15). None: each
        control starts at 0 (clipped into its bounds) and the first step
        initialises the Manager again with the controls set before it, as a
        plain OpenSim simulation started with those controls.
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
    actuators:
        Which actuators the controls drive: None (default) every
        ScalarActuator of the model, in model order; or a list of actuator
        names and OpenSim type names (``"CoordinateActuator"``,
        ``"Thelen2003Muscle"``, ``"Muscle"`` for every muscle class). Those
        left out get no control from osim-rl (only from the model's own
        controllers, if any).

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
        actuators: Sequence[str] | None = None,
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
        self.initial_excitation = None if initial_excitation is None else float(initial_excitation)
        self.edits = check_edits(edits or {})
        self.model_variants = tuple(model_variants)
        self.model = load_model(self.model_path)
        self._edit_resources = add_edits(self.model, self.edits)
        if self.model_variants:
            from osim.models.variants import apply_variants

            apply_variants(self.model, self.model_variants)
        self.visualize = self._setup_visualizer(visualize)
        self._attach_controller(actuators)
        check_masses(self.model, self.model_path)
        try:
            self._state = self.model.initSystem()
        except Exception as exc:  # noqa: BLE001 - OpenSim raises RuntimeError naming the component
            raise ModelLoadError(f"OpenSim could not build the system of {self.model_path}: {exc}") from exc
        self._resolve_components()
        check_integrable(self.model, self._state, self.model_path)
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

    def _attach_controller(self, actuators: Sequence[str] | None) -> None:
        muscles = self.model.getMuscles()
        self.muscle_names = tuple(muscles.get(i).getName() for i in range(muscles.getSize()))
        self.n_muscles = len(self.muscle_names)
        #: every actuator of the model (model order): name, type, scalar, muscle, control bounds
        self.actuator_table = actuator_table(self.model)
        self.actuator_names = tuple(select_actuators(self.model_path, self.actuator_table, actuators))
        self.n_actuators = len(self.actuator_names)
        rows = {r["name"]: r for r in self.actuator_table}
        self.actuator_types = tuple(rows[n]["type"] for n in self.actuator_names)
        self.control_low = np.array([rows[n]["low"] for n in self.actuator_names], dtype=np.float64)
        self.control_high = np.array([rows[n]["high"] for n in self.actuator_names], dtype=np.float64)
        if self.initial_excitation is None:
            self._initial_controls = np.clip(0.0, self.control_low, self.control_high)
        else:
            self._initial_controls = np.full(self.n_actuators, self.initial_excitation)
        self._brain = None
        if not self.actuator_names:
            return  # a passive model (or nothing selected): no controller
        acts = self.model.getActuators()
        self._brain = opensim.PrescribedController()
        self._brain.setName("osim_rl_excitations")
        for name in self.actuator_names:
            self._brain.addActuator(acts.get(name))
            # OpenSim 4.6: the index-based overload raises; the name-based one
            # takes ownership of the function, fetched back after initSystem.
            self._brain.prescribeControlForActuator(name, opensim.Constant(1.0))
        self.model.addController(self._brain)

    def _fetch_control_functions(self) -> list:
        """The Constant driving each driven actuator, in action order.

        Checked, not assumed: each function gets a distinct value and the
        actuator's control is read back from a scratch state (less what the
        model's own controllers add, read with every function at 0).
        """
        if self._brain is None:
            return []
        functions = self._brain.get_ControlFunctions()
        found = [opensim.Constant.safeDownCast(functions.get(i)) for i in range(functions.getSize())]
        n = self.n_actuators
        if len(found) != n or any(f is None for f in found):
            raise ModelLoadError(f"{self.model_path}: could not attach one control per actuator")
        if self.model.getControllerSet().getSize() > 1:  # the model's own controllers add their controls
            for f in found:
                f.setValue(0.0)
            probe = opensim.State(self._state)
            self.model.realizeVelocity(probe)
            base = [a.getControl(probe) for a in self._actuators]
        else:
            base = [0.0] * n
        for k, f in enumerate(found):
            f.setValue((k + 1) / (n + 1))
        probe = opensim.State(self._state)
        self.model.realizeVelocity(probe)
        ordered = []
        for a, b in zip(self._actuators, base):
            v = (a.getControl(probe) - b) * (n + 1) - 1
            k = int(round(v))
            if not (0 <= k < n and abs(v - k) < 0.25):
                raise ModelLoadError(f"{self.model_path}: cannot find the control of actuator {a.getName()!r}")
            ordered.append(found[k])
        if len({id(f) for f in ordered}) != n:
            raise ModelLoadError(f"{self.model_path}: the actuators' controls are not one per actuator")
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
        self._coord_list = [self._coords[n] for n in self.coordinate_names]
        self._muscles = [m.getMuscles().get(n) for n in self.muscle_names]
        acts = m.getActuators()
        self._actuators = [opensim.ScalarActuator.safeDownCast(acts.get(n)) for n in self.actuator_names]
        self._path_actuators = []
        for i in range(acts.getSize()):
            pa = opensim.PathActuator.safeDownCast(acts.get(i))
            if pa is not None:
                self._path_actuators.append(pa)
        # the state variables of non-muscle actuators (an ActivationCoordinateActuator's activation)
        muscle_set = set(self.muscle_names)
        self._actuator_states = []
        for i in range(acts.getSize()):
            act = acts.get(i)
            if act.getName() in muscle_set:
                continue
            names = act.getStateVariableNames()
            for k in range(names.getSize()):
                self._actuator_states.append((act, names.get(k)))
        # OpenSim names them by path (/forceset/act/activation): observed as <actuator>/<variable>
        self.actuator_state_names = tuple(f"{a.getName()}/{v.rsplit('/', 1)[-1]}" for a, v in self._actuator_states)
        self._has_constraints = m.getConstraintSet().getSize() > 0
        self.joint_coordinates = {}
        for i in range(joints.getSize()):
            joint = joints.get(i)
            self.joint_coordinates[joint.getName()] = tuple(
                joint.get_coordinates(k).getName() for k in range(joint.numCoordinates())
            )
        # Where each coordinate sits in the Q and in the U vector: write
        # distinct values into a scratch state and ask each coordinate for its
        # value and speed. A Free or Ball joint has more Q than U entries, so
        # the two maps differ; where a coordinate maps to no single entry,
        # every read goes through OpenSim's Coordinate by name.
        qidx = self._probe_indices("Q")
        uidx = self._probe_indices("U")
        self.by_name = qidx is None or uidx is None
        if self.by_name:
            self.q_index = self.u_index = None
            self.q, self.u, self.udot = self._q_by_name, self._u_by_name, self._udot_by_name
        else:
            self.q_index = dict(zip(self.coordinate_names, qidx))
            self.u_index = dict(zip(self.coordinate_names, uidx))
            for name in ("q", "u", "udot"):
                self.__dict__.pop(name, None)  # the index reads of the class
        # For drawing: bones between the bodies each joint connects, contact spheres.
        self._bones = []
        self._ground_bones = []
        for i in range(joints.getSize()):
            joint = joints.get(i)
            parent = joint.getParentFrame().findBaseFrame().getName()
            child = joint.getChildFrame().findBaseFrame().getName()
            if parent in self._bodies and child in self._bodies:
                self._bones.append((parent, child))
            elif child in self._bodies and not any(
                    joint.get_coordinates(k).getMotionType() == 2 for k in range(joint.numCoordinates())):
                # jointed to ground without translation (a pendulum): drawn from the joint centre
                self._ground_bones.append((joint.getParentFrame(), child))
        geometry = m.getContactGeometrySet()
        self._spheres = []
        for i in range(geometry.getSize()):
            sphere = opensim.ContactSphere.safeDownCast(geometry.get(i))
            if sphere is not None:
                self._spheres.append(sphere)
        self._ellipsoids = []
        for i in range(geometry.getSize()):
            ellipsoid = opensim.ContactEllipsoid.safeDownCast(geometry.get(i))
            if ellipsoid is not None:
                self._ellipsoids.append(ellipsoid)
        if not self.by_name:
            self._q_order = np.array(qidx, dtype=np.intp)
            self._u_order = np.array(uidx, dtype=np.intp)

    def _probe_indices(self, which: str) -> list[int] | None:
        """Each coordinate's index into Q (``which="Q"``) or U, or None where one has no single entry."""
        probe = opensim.State(self._state)
        n = probe.getNQ() if which == "Q" else probe.getNU()
        marks = opensim.Vector(n, 0.0)
        for i in range(n):
            marks.set(i, 1000.0 + i)
        (probe.setQ if which == "Q" else probe.setU)(marks)
        out = []
        for name in self.coordinate_names:
            c = self._coords[name]
            try:
                value = c.getValue(probe) if which == "Q" else c.getSpeedValue(probe)
            except RuntimeError:
                return None
            i = int(round(value - 1000.0))
            if not (0 <= i < n and value == 1000.0 + i):
                return None
            out.append(i)
        return out if len(set(out)) == len(out) else None

    # ------------------------------------------------------------ episodes
    def reset(
        self,
        coordinates: Mapping[str, float] | None = None,
        speeds: Mapping[str, float] | None = None,
        *,
        rest_equilibrium_fallback: bool = False,
    ) -> None:
        """Start an episode from the model's default state.

        ``coordinates`` / ``speeds`` (name -> value) override default values
        before muscle equilibrium is solved (used for custom initial poses).
        ``rest_equilibrium_fallback``: where equilibrium cannot be solved with
        the given speeds (fast lengthening muscles), solve it at rest in the
        same pose and set the speeds afterwards (the imitation task's
        reference-state starts).
        """
        if self._needs_rebuild:
            self.rebuild_system()
        state = self.model.initializeState()
        if coordinates or speeds:
            for name, value in (coordinates or {}).items():
                self._coord(name).setValue(state, float(value), False)
            for name, value in (speeds or {}).items():
                self._coord(name).setSpeedValue(state, float(value))
            if coordinates and self._has_constraints:
                # the overridden pose must satisfy the model's constraints
                try:
                    self.model.assemble(state)
                except RuntimeError as exc:
                    raise SimulationError(f"{self.model_path}: the initial pose cannot satisfy the model's "
                                          f"constraints: {exc}") from exc
        if self.equilibrate:
            try:
                self.model.equilibrateMuscles(state)
            except RuntimeError as exc:
                if not (rest_equilibrium_fallback and speeds):
                    raise SimulationError(f"muscle equilibrium could not be solved at reset: {exc}") from exc
                self.reset(coordinates, None)
                state = self._state
                for name, value in speeds.items():
                    self._coord(name).setSpeedValue(state, float(value))
                self._install(state)
                return
        state.setTime(0.0)
        self._install(state)

    def _install(self, state, keep_excitations: bool = False) -> None:
        """Make ``state`` current and start a new Manager from it.

        The excitations go back to ``initial_excitation`` unless
        ``keep_excitations`` (a new Manager mid-episode, as :meth:`restart_manager`).
        """
        if not keep_excitations:
            initial = self._initial_controls
            for f, v in zip(self._controls, initial.tolist()):
                f.setValue(v)
            self._excitations = initial.copy()
            # initial_excitation=None: the first step starts the integrator with its controls
            self._reinit = self._restart or self.initial_excitation is None
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
        """Write one control per driven actuator (:attr:`actuator_names` order; muscles: excitations).

        No validation here (the env clips to the bounds).

        Only the values that changed are written; with ``Integration.restart``
        a change makes the next :meth:`step` restart the integrator.
        """
        old = self._excitations
        new = np.array(values, dtype=np.float64)
        if new.shape != old.shape:
            raise ValueError(f"expected {self.n_actuators} controls, got shape {new.shape}")
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

    def set_controls(self, values: Sequence[float]) -> None:
        """The same as :meth:`set_excitations` (one control per driven actuator)."""
        self.set_excitations(values)

    def get_excitations(self) -> np.ndarray:
        """The control of each driven actuator (action order), read back from the controller."""
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
            if self._reinit and self._excitations_changed:
                # the same Manager restarts its integrator from (a copy of) the current state
                self._manager.initialize(opensim.State(self._state))
            self._excitations_changed = False
            self._reinit = self._restart
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
        return self._state.getU().to_numpy()[self._u_order]

    def udot(self) -> np.ndarray:
        """Coordinate accelerations in CoordinateSet order."""
        return self._state.getUDot().to_numpy()[self._u_order]

    # by name, through OpenSim's Coordinate (models where a coordinate has no single Q/U entry)
    def _q_by_name(self) -> np.ndarray:
        s = self._state
        return np.array([c.getValue(s) for c in self._coord_list])

    def _u_by_name(self) -> np.ndarray:
        s = self._state
        return np.array([c.getSpeedValue(s) for c in self._coord_list])

    def _udot_by_name(self) -> np.ndarray:
        s = self._state
        return np.array([c.getAccelerationValue(s) for c in self._coord_list])

    def controls(self) -> np.ndarray:
        """The total control of each driven actuator in the current state (with the model's own controllers)."""
        s = self._state
        return np.array([a.getControl(s) for a in self._actuators])

    def actuator_states(self) -> np.ndarray:
        """The state variables of the non-muscle actuators (:attr:`actuator_state_names` order)."""
        s = self._state
        return np.array([a.getStateVariableValue(s, v) for a, v in self._actuator_states])

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

    def scene(self, full: bool = False) -> dict:
        """What a renderer draws, as plain data (:func:`osim.sim.scene.build_scene`; ``full``: any model's parts)."""
        return build_scene(self, full)

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
        self._actuators, self._path_actuators, self._coord_list, self._actuator_states = [], [], [], []
        self._spheres, self._ellipsoids, self._bones, self._ground_bones = [], [], [], []
        self._bodies = self._forces = self._markers = self._coords = {}
        self._brain = None
        for handle in getattr(self, "_edit_handles", {}).values():
            close = getattr(handle, "close", None)
            if close is not None:
                close()
        self._edit_handles = {}
        self.model = None

