"""Gait events and cycles: heel strikes from ground forces, or from the hip angle when there are no forces.

A gait cycle (stride) runs from one heel strike of a foot to its next; its
motion loops (the end pose is close to the start pose), which makes it a
reference an imitation task can repeat.

* :func:`heel_strikes_from_forces`: the vertical ground force of the foot's
  plate rising through ``threshold`` (default 20 N); the right foot's plate
  is ``ground_force_vy``, the left's ``1_ground_force_vy`` (the convention
  of OpenSim's example data).
* :func:`heel_strikes_from_hip`: the maxima of the hip flexion angle, a
  kinematic proxy (the hip is most flexed just before the heel strikes),
  for kinematics without forces.
"""
from __future__ import annotations

import numpy as np

from osim.data.motion import Motion

__all__ = ["gait_cycles", "heel_strikes_from_forces", "heel_strikes_from_hip", "FORCE_COLUMNS"]

#: vertical force column of each foot's plate
FORCE_COLUMNS = {"r": "ground_force_vy", "l": "1_ground_force_vy"}


def _check_side(side: str) -> str:
    if side not in ("r", "l"):
        raise ValueError(f"side must be 'r' or 'l', got {side!r}")
    return side


def heel_strikes_from_forces(forces: Motion, side: str = "r", threshold: float = 20.0) -> np.ndarray:
    """Times (s) where the foot's vertical ground force rises through ``threshold`` (N), interpolated."""
    fy = forces.column(FORCE_COLUMNS[_check_side(side)])
    t = forces.time
    up = np.flatnonzero((fy[:-1] < threshold) & (fy[1:] >= threshold))
    frac = (threshold - fy[up]) / (fy[up + 1] - fy[up])
    return t[up] + frac * (t[up + 1] - t[up])


def heel_strikes_from_hip(kinematics: Motion, side: str = "r", min_period: float = 0.6) -> np.ndarray:
    """Times (s) of the maxima of ``hip_flexion_<side>``, at least ``min_period`` seconds apart."""
    from scipy.signal import find_peaks

    hip = kinematics.column(f"hip_flexion_{_check_side(side)}")
    distance = max(1, int(round(min_period * kinematics.rate)))
    prominence = 0.25 * (hip.max() - hip.min())
    peaks, _ = find_peaks(hip, distance=distance, prominence=prominence)
    return kinematics.time[peaks]


def gait_cycles(kinematics: Motion, forces: Motion | None = None, side: str = "r") -> list[tuple[float, float]]:
    """The complete strides of ``side`` within the kinematics' span, as (start, end) times.

    Uses the forces when given, the hip angle otherwise. Empty when the
    recording holds less than one stride.
    """
    if forces is not None:
        strikes = heel_strikes_from_forces(forces, side)
    else:
        strikes = heel_strikes_from_hip(kinematics, side)
    t0, t1 = kinematics.time[0], kinematics.time[-1]
    strikes = strikes[(strikes >= t0) & (strikes <= t1)]
    return [(float(a), float(b)) for a, b in zip(strikes[:-1], strikes[1:])]
