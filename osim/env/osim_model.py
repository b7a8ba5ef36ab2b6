"""``env.osim_model``: the classic ``OsimModel`` surface over the env's physics.

Participants of the 2018 and 2019 challenges reached into the simulation
through ``env.osim_model``: the OpenSim model and state, the model's sets,
activations, strengths, the step counter. :class:`OsimModel` offers the same
names, arguments and return types, as a view of the env's episode and its
physics (:class:`~osim.sim.OpenSimPhysics`): nothing is copied, so it always
shows the model the env simulates now (also after ``env.load_model`` or a
change of difficulty), and every mutation goes through the physics, so the
env's reads, its step counter and its failure handling stay consistent.

What the methods do to the episode:

* :meth:`actuate`, :meth:`integrate` and :meth:`step` drive the physics
  alone, as the original ``OsimModel`` did: the task's bookkeeping (its
  reward accumulators, L2M2019Env's footsteps and target field) sees only
  ``env.step``. The time limit counts :attr:`istep`, which they advance.
* A failed :meth:`integrate` raises :class:`~osim.sim.errors.SimulationError`
  (there is no return value to carry it); the next ``env.step`` reports the
  failure as a failed step does, and ``env.reset()`` recovers.
* :meth:`reset` puts the physics back to the model's default state at time
  0 (muscle equilibrium where the env solves it), as the original did; the
  task's episode state is not reset: start an episode with ``env.reset()``.
* :meth:`set_state`, :meth:`reset_manager` and :meth:`set_activations`
  start a new integrator from the state they install, as the original did;
  the step counter becomes ``round(time / stepsize)`` (the original
  truncated; docs/quirks.md, Q3).

Deliberate differences (docs/classic.md lists them all): input is checked
(a wrong length, NaN or a non-number raises ``ValueError``/``TypeError``
naming what is allowed); unknown names raise ``KeyError`` listing the
model's names instead of OpenSim's exception; ``last_action`` is a NumPy
array (zeros after a reset) where the original kept whatever was passed.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any, Sequence

import numpy as np

from osim.env.checks import validate_action
from osim.sim._opensim import opensim

if TYPE_CHECKING:  # pragma: no cover
    from osim.env.episode import Episode
    from osim.sim.opensim_physics import OpenSimPhysics

__all__ = ["OsimModel"]

#: what list_elements prints: heading, the model's set getter
_ELEMENTS = (("JOINTS", "getJointSet"), ("BODIES", "getBodySet"), ("MUSCLES", "getMuscles"),
             ("FORCES", "getForceSet"), ("MARKERS", "getMarkerSet"))


def _check_values(name: str, values: Any, n: int, what: str) -> np.ndarray:
    """``n`` finite real numbers, or a clear error (what was wrong, what is allowed)."""
    if values is None or isinstance(values, (str, bytes, dict)):
        raise TypeError(f"{name} must be {n} numbers ({what}), got {type(values).__name__}")
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be {n} numbers ({what}): {exc}") from None
    if arr.shape != (n,):
        raise ValueError(f"{name} must have shape ({n},) ({what}), got shape {arr.shape}")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise ValueError(f"{name} has non-finite values (NaN or inf) at indices {bad.tolist()}; {what} must be "
                         "finite numbers")
    return arr


class OsimModel:
    """The original ``OsimModel`` names over an env's episode (``env.osim_model``).

    Attributes and methods, as the original's: :attr:`model` (the
    ``opensim.Model``), :attr:`state` (the live ``opensim.State``),
    :attr:`brain` (the ``PrescribedController`` holding one constant
    excitation per muscle), :attr:`muscleSet`, :attr:`forceSet`,
    :attr:`bodySet`, :attr:`jointSet`, :attr:`markerSet`,
    :attr:`contactGeometrySet`, :attr:`istep`, :attr:`stepsize`,
    :attr:`integrator_accuracy`, :attr:`model_path`, :attr:`last_action`,
    :attr:`noutput`, :attr:`maxforces`, :attr:`curforces`; and
    :meth:`list_elements`, :meth:`actuate`, :meth:`integrate`, :meth:`step`,
    :meth:`compute_state_desc`, :meth:`get_state_desc`,
    :meth:`set_activations`, :meth:`get_activations`, :meth:`set_strength`,
    :meth:`get_body` (and the other lookups by name),
    :meth:`get_action_space_size`, :meth:`set_integrator_accuracy`,
    :meth:`reset_manager`, :meth:`reset`, :meth:`get_state`,
    :meth:`set_state`.

    OpenSim objects it returns (a set, a joint, the state) belong to the
    current model: do not keep them across ``env.load_model`` or a change
    of difficulty, which load a new one.
    """

    def __init__(self, episode: "Episode") -> None:
        self._episode = episode

    # ------------------------------------------------------------ the model
    @property
    def _sim(self) -> "OpenSimPhysics":
        sim = self._episode.physics
        if sim is None:
            raise RuntimeError("the env is closed: its model is released")
        if getattr(sim, "engine", None) != "opensim":
            raise RuntimeError(f"env.osim_model needs the OpenSim engine; this env runs {sim.engine!r}")
        return sim

    @property
    def model(self):
        """The ``opensim.Model`` being simulated."""
        return self._sim.model

    @property
    def state(self):
        """The live ``opensim.State`` (read it; change it through a copy and :meth:`set_state`)."""
        return self._sim.state

    @state.setter
    def state(self, value) -> None:
        raise AttributeError("osim_model.state cannot be assigned: use osim_model.set_state(state), which also "
                             "starts a new integrator from it")

    @property
    def brain(self):
        """The ``opensim.PrescribedController``: one ``Constant`` excitation per muscle."""
        return self._sim._brain

    @property
    def muscleSet(self):  # noqa: N802 - the original's name
        return self.model.getMuscles()

    @property
    def forceSet(self):  # noqa: N802
        return self.model.getForceSet()

    @property
    def bodySet(self):  # noqa: N802
        return self.model.getBodySet()

    @property
    def jointSet(self):  # noqa: N802
        return self.model.getJointSet()

    @property
    def markerSet(self):  # noqa: N802
        return self.model.getMarkerSet()

    @property
    def contactGeometrySet(self):  # noqa: N802
        return self.model.getContactGeometrySet()

    @property
    def model_path(self) -> str:
        """The loaded ``.osim`` file, as a string (the original's type)."""
        return str(self._sim.model_path)

    @property
    def stepsize(self) -> float:
        """Simulated seconds per step (0.01)."""
        return self._sim.step_size

    @property
    def istep(self) -> int:
        """Steps since the start of the episode (``env.step`` and :meth:`integrate` advance it)."""
        return self._sim.istep

    @property
    def integrator_accuracy(self) -> float:
        return self._sim.integrator_accuracy

    @property
    def noutput(self) -> int:
        """The size of the action: the driven actuators (the muscles of a challenge model)."""
        return self._sim.n_actuators

    @property
    def maxforces(self) -> list[float]:
        """Each muscle's maximum isometric force as loaded (N, model order)."""
        return self._sim.nominal_max_isometric_force.tolist()

    @property
    def curforces(self) -> list[float]:
        """Each muscle's strength: its maximum isometric force now over :attr:`maxforces`."""
        sim = self._sim
        now = [mu.getMaxIsometricForce() for mu in sim._muscles]
        return [float(f / nominal) for f, nominal in zip(now, sim.nominal_max_isometric_force)]

    @property
    def last_action(self) -> np.ndarray:
        """The excitations of the last step in the model's muscle order (clipped; zeros after a reset).

        The action ``env.step`` or :meth:`actuate` applied, with motor noise
        where the task adds it; L2M2019Env's action is reordered to the
        model's muscles, as its original passed it on.
        """
        episode = self._episode
        return np.array(episode.task.model_action(episode.last_action), dtype=np.float64)

    def list_elements(self) -> None:
        """Print the index and name of every joint, body, muscle, force and marker."""
        model = self.model
        for k, (heading, getter) in enumerate(_ELEMENTS):
            items = getattr(model, getter)()
            print(("\n" if k else "") + heading)
            for i in range(items.getSize()):
                print(i, items.get(i).getName())

    # -------------------------------------------------------------- lookups
    def _lookup(self, kind: str, items, name: str):
        if not isinstance(name, str):
            raise TypeError(f"{kind} name must be a string, got {type(name).__name__}")
        if items.contains(name):
            return items.get(name)
        names = [items.get(i).getName() for i in range(items.getSize())]
        raise KeyError(f"the model has no {kind} {name!r}; its {kind}s: {', '.join(names) or 'none'}")

    def get_body(self, name: str):
        return self._lookup("body", self.bodySet, name)

    def get_joint(self, name: str):
        return self._lookup("joint", self.jointSet, name)

    def get_muscle(self, name: str):
        return self._lookup("muscle", self.muscleSet, name)

    def get_marker(self, name: str):
        return self._lookup("marker", self.markerSet, name)

    def get_contact_geometry(self, name: str):
        return self._lookup("contact geometry", self.contactGeometrySet, name)

    def get_force(self, name: str):
        return self._lookup("force", self.forceSet, name)

    def get_action_space_size(self) -> int:
        return self.noutput

    # ------------------------------------------------------------- actuation
    def actuate(self, action: Sequence[float]) -> None:
        """Hold these excitations (model muscle order, clipped to [0, 1]; the generic env: controls clipped
        to its action bounds) from the next step on."""
        sim, ep = self._sim, self._episode
        action = validate_action(action, sim.n_actuators, sim.actuator_names, ep._action_low, ep._action_high)
        sim.set_excitations(action)
        # last_action reports it back in the model's order; store it in the task's
        self._episode.last_action = self._to_task_order(action)

    def _to_task_order(self, model_action: np.ndarray) -> np.ndarray:
        order = self._episode.task.model_action(np.arange(len(model_action)))
        out = np.empty_like(model_action)
        out[order] = model_action
        return out

    def set_activations(self, activations: Sequence[float]) -> None:
        """Write muscle activations (model order) into the current state; a new integrator starts from it."""
        sim = self._sim
        values = _check_values("activations", activations, sim.n_muscles, "one activation per muscle")
        sim.set_activations(values)
        sim.restart_manager()

    def get_activations(self) -> list[float]:
        """Each muscle's activation in the current state (model order)."""
        return self._sim.muscle_activations().tolist()

    def set_strength(self, strength: Sequence[float]) -> None:
        """Scale each muscle's maximum isometric force to ``strength[i] * maxforces[i]``.

        Takes effect from the next step (the running simulation reads the
        new forces); the env's own strength draws (RunEnv) set them again at
        each reset.
        """
        sim = self._sim
        values = _check_values("strength", strength, sim.n_muscles, "one multiplier of each muscle's maximum "
                               "isometric force")
        if (values < 0).any():
            raise ValueError(f"strength multipliers must be >= 0, got {values[values < 0].tolist()}")
        sim.set_strengths(values)
        sim._desc_cache = None

    # ----------------------------------------------------------- simulation
    def set_integrator_accuracy(self, integrator_accuracy: float) -> None:
        """The accuracy of the next integrator (started at reset, set_state or reset_manager)."""
        acc = integrator_accuracy
        if isinstance(acc, bool) or not isinstance(acc, (int, float)) or not (0 < acc < 1) or math.isnan(acc):
            raise ValueError(f"integrator_accuracy must be a number in (0, 1), got {acc!r}")
        self._sim.integrator_accuracy = float(acc)
        self._episode.integrator_accuracy = float(acc)

    def reset_manager(self) -> None:
        """Start a new integrator (an ``opensim.Manager``) from the current state, keeping the excitations."""
        self._sim.restart_manager()

    def reset(self) -> None:
        """The physics back to the model's default state at time 0 (step counter 0, a new integrator).

        The task's episode is not restarted: use ``env.reset()`` for that.
        """
        self._sim.reset()

    def integrate(self) -> None:
        """Advance the physics by one step (``stepsize`` seconds).

        Raises :class:`~osim.sim.errors.SimulationError` when the simulation
        fails; ``env.step`` then reports the failure until ``env.reset()``.
        """
        self._sim.step()

    def step(self, action: Sequence[float]) -> None:
        """:meth:`actuate` then :meth:`integrate`."""
        self.actuate(action)
        self.integrate()

    def get_state(self):
        """A copy of the current ``opensim.State``."""
        return self._sim.get_state()

    def set_state(self, state) -> None:
        """Install a copy of ``state`` and start a new integrator from it.

        The step counter becomes ``round(state time / stepsize)``.
        """
        sim = self._sim
        if not isinstance(state, opensim.State):
            raise TypeError(f"set_state expects an opensim.State (from get_state()), got {type(state).__name__}")
        current = sim.state
        if (state.getNQ(), state.getNU(), state.getNZ()) != (current.getNQ(), current.getNU(), current.getNZ()):
            raise ValueError(
                f"this state is not one of this model's: it has {state.getNQ()} q, {state.getNU()} u, "
                f"{state.getNZ()} z; the model has {current.getNQ()}, {current.getNU()}, {current.getNZ()}")
        t = state.getTime()
        if not math.isfinite(t) or t < 0:
            raise ValueError(f"the state's time must be a finite number >= 0, got {t}")
        bad = np.flatnonzero(~np.isfinite(state.getY().to_numpy()))
        if bad.size:
            raise ValueError(f"the state has non-finite values (NaN or inf) at Y indices {bad.tolist()}; "
                             "a state to install must be finite")
        sim.set_state(state)

    # ---------------------------------------------------- state description
    def compute_state_desc(self) -> dict:
        """A new state description of the current state (the model's keys: no task additions)."""
        from osim.sim.state_desc import build_state_desc

        sim = self._sim
        sim.realize()
        return build_state_desc(sim)

    def get_state_desc(self) -> dict:
        """The state description of the current state, cached until the state changes.

        The model's keys (:mod:`osim.sim.state_desc`); ``env.get_state_desc()``
        adds the task's (ProstheticsEnv's ``target_vel``, L2M2019Env's
        target field).
        """
        return self._sim.state_desc()

    def __repr__(self) -> str:
        sim = self._episode.physics
        if sim is None:
            return "<OsimModel (closed)>"
        return f"<OsimModel {sim.model_path.name} muscles={sim.n_muscles} istep={sim.istep}>"
