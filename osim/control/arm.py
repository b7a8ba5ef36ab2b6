"""A reaching controller for :class:`~osim.env.Arm2DEnv`: joint targets by inverse kinematics, muscles by least squares.

Each episode it reads the arm's segment lengths off the model (shoulder,
elbow and wrist positions at the reset pose) and solves the planar two-link
inverse kinematics for the target, elbow flexed, the reach kept within 93 %
of the arm's length and the elbow within [0.3, 2.2] rad: fully straight
elbows and shoulder-over-head poses made OpenSim's arm26 integration fail in
trials. Every step it asks for joint torques from a PID law on the two joint
angles (gains :attr:`ReachController.gains`) and finds excitations in
``[floor, 1]`` whose isometric torques ``R(q) F_max a`` come closest to them
(bounded least squares, ``scipy.optimize.lsq_linear``, with a small penalty
on ``a``); the moment arms ``R(q)`` are OpenSim's, computed on a copy of the
current state so the episode is untouched. Excitations change by at most
``rate`` per step.

It is a baseline, not an optimum: from seeds 0-7 the wrist ends 1-13 cm
from targets it can reach. It runs on the OpenSim engine only (it reads
moment arms from the OpenSim model).
"""
from __future__ import annotations

import math

import numpy as np

__all__ = ["ReachController"]

_JOINTS = ("r_shoulder_elev", "r_elbow_flex")


class ReachController:
    """``ReachController(env)`` for an :class:`~osim.env.Arm2DEnv`; ``update()`` after each reset/step returns the 6 excitations."""

    #: proportional (N*m/rad), derivative (N*m*s/rad) and integral (N*m/(rad*s)) gains
    gains = (60.0, 6.0, 60.0)

    def __init__(self, env, floor: float = 0.05, rate: float = 0.1, effort_weight: float = 2.0) -> None:
        if type(env).__name__ != "Arm2DEnv" and type(getattr(env, "unwrapped", None)).__name__ != "Arm2DEnv":
            raise ValueError(f"ReachController drives Arm2DEnv, got {type(env).__name__}")
        env = getattr(env, "unwrapped", env) if type(env).__name__ != "Arm2DEnv" else env
        if getattr(env, "engine", "opensim") != "opensim":
            raise ValueError("ReachController reads OpenSim's moment arms: use the OpenSim engine")
        if not 0.0 <= floor < 1.0 or not 0.0 < rate <= 1.0:
            raise ValueError(f"need 0 <= floor < 1 and 0 < rate <= 1, got floor={floor}, rate={rate}")
        self.env = env
        self.floor, self.rate, self.effort_weight = float(floor), float(rate), float(effort_weight)
        self._episode_time = None

    def _start(self) -> None:
        sim = self.env.sim
        shoulder = sim.body_position("r_humerus")[:2]
        elbow = sim.body_position("r_ulna_radius_hand")[:2]
        wrist = sim.marker_position("r_radius_styloid")[:2]
        self.q_target = self.inverse_kinematics(shoulder, np.hypot(*(elbow - shoulder)),
                                                np.hypot(*(wrist - elbow)), self.env.scenario["target"])
        model = sim.model
        self._muscles = model.getMuscles()
        self._coords = [model.getCoordinateSet().get(n) for n in _JOINTS]
        self._fmax = np.array([self._muscles.get(i).getMaxIsometricForce() for i in range(self._muscles.getSize())])
        self._integral = np.zeros(2)
        self._previous = np.full(len(self._fmax), self.floor)

    @staticmethod
    def inverse_kinematics(shoulder, upper: float, fore: float, target) -> np.ndarray:
        """Shoulder elevation and elbow flexion (rad) putting the wrist on ``target`` (x forward, y up), elbow flexed."""
        d = np.asarray(target, dtype=float) - np.asarray(shoulder, dtype=float)
        r = float(np.clip(np.hypot(*d), abs(upper - fore) + 1e-3, 0.93 * (upper + fore)))
        elbow = math.pi - math.acos((upper * upper + fore * fore - r * r) / (2 * upper * fore))
        elbow = float(np.clip(elbow, 0.3, 2.2))
        towards = math.atan2(d[0], -d[1])          # from hanging straight down, forward positive
        offset = math.atan2(fore * math.sin(elbow), upper + fore * math.cos(elbow))
        return np.array([towards - offset, elbow])

    def update(self) -> np.ndarray:
        """The excitations for the env's current state (call once per step)."""
        from scipy.optimize import lsq_linear

        from osim.sim._opensim import opensim

        sim = self.env.sim
        if self._episode_time is None or sim.time < self._episode_time:
            self._start()
        self._episode_time = sim.time
        q = np.array([sim.coordinate_value(n) for n in _JOINTS])
        u = np.array([sim.u()[sim.coordinate_names.index(n)] for n in _JOINTS])
        error = self.q_target - q
        self._integral += error * sim.step_size
        kp, kd, ki = self.gains
        torque = kp * error - kd * u + ki * self._integral
        state = opensim.State(self.env.osim_model.state)
        sim.model.realizePosition(state)
        arms = np.array([[self._muscles.get(i).computeMomentArm(state, c) for c in self._coords]
                         for i in range(len(self._fmax))])
        torques_per_excitation = (arms * self._fmax[:, None]).T
        n = len(self._fmax)
        a = lsq_linear(np.vstack([torques_per_excitation, self.effort_weight * np.eye(n)]),
                       np.concatenate([torque, np.zeros(n)]), bounds=(self.floor, 1.0)).x
        a = self._previous + np.clip(a - self._previous, -self.rate, self.rate)
        self._previous = a
        return a
