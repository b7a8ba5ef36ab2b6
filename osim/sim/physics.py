"""The Physics face: what a task and the episode loop may ask of a physics engine.

A task never imports an engine: it reads the state through these named
accessors (resolved by name at load time, never by index into an engine's
sets) and asks for scenario edits by name (:mod:`osim.sim.edits`). The OpenSim
engine (:class:`osim.sim.OpenSimPhysics`) is the reference implementation; a
second engine implements the same methods with the same units and frames
(ground frame, metres, radians, SI) and the same state-description keys.
"""
from __future__ import annotations

import abc
from typing import Any, Mapping, Sequence

import numpy as np

__all__ = ["Physics"]


class Physics(abc.ABC):
    """One loaded model, stepped in fixed steps of :attr:`step_size` seconds.

    Names of the model's parts, in the model's own order:
    :attr:`coordinate_names`, :attr:`body_names`, :attr:`joint_names` (with
    :attr:`joint_coordinates`), :attr:`muscle_names`, :attr:`actuator_names`
    (the driven actuators: the control order; the muscles of a challenge
    model), :attr:`force_names`, :attr:`marker_names`. :attr:`istep` counts steps
    since reset, :attr:`time` is the simulated time, :attr:`failed` is set
    once a step failed (:class:`~osim.sim.errors.SimulationError`) until the
    next reset.
    """

    #: simulated seconds per :meth:`step`
    step_size: float
    coordinate_names: tuple[str, ...]
    body_names: tuple[str, ...]
    joint_names: tuple[str, ...]
    joint_coordinates: dict[str, tuple[str, ...]]
    muscle_names: tuple[str, ...]
    n_muscles: int
    #: the actuators the controls drive (every ScalarActuator by default), model order
    actuator_names: tuple[str, ...]
    #: len(actuator_names): the number of controls
    n_actuators: int
    #: each driven actuator's control bounds (min/max control; infinite ones -/+ DEFAULT_CONTROL_BOUND)
    control_low: np.ndarray
    control_high: np.ndarray
    #: names of the non-muscle actuators' state variables (``actuator_states()``), ``<actuator>/<variable>``
    actuator_state_names: tuple[str, ...]
    force_names: tuple[str, ...]
    marker_names: tuple[str, ...]
    #: which engine this is ("opensim", ...)
    engine: str
    istep: int
    failed: bool

    # ------------------------------------------------------------ lifecycle
    @abc.abstractmethod
    def reset(self, coordinates: Mapping[str, float] | None = None,
              speeds: Mapping[str, float] | None = None) -> None:
        """Start an episode from the model's default state, with these coordinate values/speeds overridden."""

    @abc.abstractmethod
    def step(self) -> None:
        """Advance by :attr:`step_size`; raises SimulationError (and sets :attr:`failed`) on failure."""

    @abc.abstractmethod
    def set_excitations(self, values: Sequence[float]) -> None:
        """One control per driven actuator (:attr:`actuator_names` order; muscles: excitations), held during the following steps."""

    @abc.abstractmethod
    def set_activations(self, values: Sequence[float]) -> None:
        """Write muscle activations (model order) into the current state."""

    @abc.abstractmethod
    def set_strengths(self, multipliers: Sequence[float]) -> None:
        """Scale each muscle's maximum isometric force (model order); takes effect at the next reset."""

    @abc.abstractmethod
    def edit(self, name: str) -> Any:
        """The handle of a scenario edit added at load (:mod:`osim.sim.edits`), e.g. ``edit("obstacles")``."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the engine's resources."""

    @property
    @abc.abstractmethod
    def time(self) -> float:
        """Simulated time of the current state (s)."""

    # ------------------------------------------------------------ reads
    @abc.abstractmethod
    def q(self) -> np.ndarray:
        """Coordinate values in :attr:`coordinate_names` order (rad or m)."""

    @abc.abstractmethod
    def u(self) -> np.ndarray:
        """Coordinate speeds in :attr:`coordinate_names` order."""

    @abc.abstractmethod
    def udot(self) -> np.ndarray:
        """Coordinate accelerations in :attr:`coordinate_names` order."""

    @abc.abstractmethod
    def coordinate_value(self, name: str) -> float: ...

    @abc.abstractmethod
    def body_position(self, name: str) -> np.ndarray:
        """Position of the body frame's origin in ground."""

    @abc.abstractmethod
    def body_velocity(self, name: str) -> np.ndarray: ...

    @abc.abstractmethod
    def body_acceleration(self, name: str) -> np.ndarray: ...

    @abc.abstractmethod
    def body_angular_velocity(self, name: str) -> np.ndarray: ...

    @abc.abstractmethod
    def body_angular_acceleration(self, name: str) -> np.ndarray: ...

    @abc.abstractmethod
    def body_rotation_xyz(self, name: str) -> np.ndarray:
        """Body orientation as body-fixed X-Y-Z Euler angles (rad)."""

    @abc.abstractmethod
    def mass_center_position(self) -> np.ndarray: ...

    @abc.abstractmethod
    def mass_center_velocity(self) -> np.ndarray: ...

    @abc.abstractmethod
    def mass_center_acceleration(self) -> np.ndarray: ...

    @abc.abstractmethod
    def muscle_activations(self) -> np.ndarray: ...

    @abc.abstractmethod
    def actuator_states(self) -> np.ndarray:
        """The non-muscle actuators' state variables (:attr:`actuator_state_names` order)."""

    @abc.abstractmethod
    def controls(self) -> np.ndarray:
        """The total control of each driven actuator now (the model's own controllers included)."""

    @abc.abstractmethod
    def muscle_fibers(self) -> np.ndarray:
        """Per muscle: activation, fiber length, fiber velocity, fiber force; shape (n, 4)."""

    @abc.abstractmethod
    def force_record(self, name: str) -> list[float]:
        """The record values of a force (a contact force: force and torque on each body)."""

    @abc.abstractmethod
    def marker_position(self, name: str) -> np.ndarray: ...

    @abc.abstractmethod
    def state_desc(self) -> dict[str, Any]:
        """The state description dict (keys ``joint_pos`` ... ``misc``; see :mod:`osim.sim.state_desc`)."""

    @abc.abstractmethod
    def scene(self, full: bool = False) -> dict:
        """What a renderer draws, as plain data (see :mod:`osim.sim.scene`; ``full``: every part of any model)."""
