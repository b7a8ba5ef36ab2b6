"""Helpers the original ``osim.env`` exported, for code written against it.

``from osim.env import rect, rotate_frame, convert_to_gym`` works as it did:

* :func:`rect` turns a polar velocity target ``[r, theta]`` into the
  ProstheticsEnv target vector ``[r cos(theta), 0, r sin(theta)]``;
* :func:`rotate_frame` rotates a planar vector by ``theta`` (L2M2019Env's
  velocity field into the body's heading);
* :func:`convert_to_gym` makes a ``gymnasium.spaces.Box`` of a pair of bound
  lists ``(low, high)``, as the original spaces were written.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from gymnasium import spaces

__all__ = ["convert_to_gym", "rect", "rotate_frame"]


def rect(row: Sequence[float]) -> np.ndarray:
    """Polar ``[r, theta]`` (theta in rad, from the forward x axis towards z) -> ``[x, 0, z]``."""
    if len(row) < 2:
        raise ValueError(f"rect expects [r, theta], got {list(row)!r}")
    r, theta = float(row[0]), float(row[1])
    return np.array([r * math.cos(theta), 0.0, r * math.sin(theta)])


def rotate_frame(x, y, theta):
    """Rotate the planar vector ``(x, y)`` by ``theta`` (rad, counter-clockwise); arrays work elementwise."""
    c, s = np.cos(theta), np.sin(theta)
    return c * x - s * y, s * x + c * y


def convert_to_gym(space) -> spaces.Box:
    """A ``Box`` from ``(low, high)`` bound sequences of equal length (float32, as Gymnasium's default)."""
    if isinstance(space, spaces.Box):
        return space
    try:
        low, high = space
    except (TypeError, ValueError):
        raise TypeError(f"convert_to_gym expects a pair (low, high) of bound lists, got {space!r}") from None
    low = np.asarray(low, dtype=np.float64)
    high = np.asarray(high, dtype=np.float64)
    if low.shape != high.shape:
        raise ValueError(f"convert_to_gym: low has shape {low.shape} and high {high.shape}; they must match")
    if (low > high).any():
        raise ValueError("convert_to_gym: every low bound must be <= its high bound")
    return spaces.Box(low=low.astype(np.float32), high=high.astype(np.float32), dtype=np.float32)
