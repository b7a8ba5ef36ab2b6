"""Input checks shared by the envs: one place per concern, each error saying what is allowed."""
from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["check_flag", "check_seed", "check_steps", "validate_action"]


def validate_action(action: Any, n: int, names: tuple[str, ...] = (), low: np.ndarray | None = None,
                    high: np.ndarray | None = None) -> np.ndarray:
    """Check an action and return it as float64 values clipped to [0, 1] (or to ``[low, high]``).

    Accepts any array-like of ``n`` real numbers (NumPy arrays of any real
    dtype, lists, tuples, objects with ``__array__`` such as torch tensors).
    Raises ``TypeError`` for non-numeric input and ``ValueError`` for a wrong
    length, NaN or infinite values. Finite values outside [0, 1] are clipped,
    as the challenges did; with ``low``/``high`` (one bound per element: the
    generic env's actuator control bounds) they are clipped to those bounds.
    """
    what = "excitations in [0, 1]" if low is None else "controls within the action space's bounds"
    if action is None or isinstance(action, (str, bytes, dict)):
        raise TypeError(f"action must be an array of {n} {what}, got {type(action).__name__}")
    try:
        arr = np.asarray(action)
    except Exception as exc:
        raise TypeError(f"action could not be converted to an array of {n} numbers: {exc}") from exc
    if arr.dtype == object or not (np.issubdtype(arr.dtype, np.number) or arr.dtype == np.bool_):
        raise TypeError(f"action must hold real numbers, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise TypeError("action must hold real numbers, got complex values")
    if arr.shape != (n,):
        kind = "excitations (one per muscle" if low is None else "controls (one per actuator"
        listed = f"{n} {kind}" + (f": {', '.join(names)})" if names else ")")
        if n == 0:
            listed = "the model has no actuators to drive: pass an empty action"
        raise ValueError(f"action must have shape ({n},): {listed}; got shape {arr.shape}")
    arr = arr.astype(np.float64)
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = np.flatnonzero(bad)
        raise ValueError(
            f"action has non-finite values (NaN or inf) at indices {idx.tolist()}; "
            f"{what.split(' ', 1)[0]} must be finite numbers"
        )
    if low is None:
        return np.clip(arr, 0.0, 1.0)
    return np.clip(arr, low, high)


def check_seed(seed: Any) -> int | None:
    """A seed: a non-negative integer (0 is a seed) or None."""
    if seed is not None and (isinstance(seed, (bool, np.bool_)) or not isinstance(seed, (int, np.integer))
                             or seed < 0):
        raise ValueError(f"seed must be a non-negative integer or None, got {seed!r}")
    return None if seed is None else int(seed)


def check_flag(name: str, value: Any) -> bool:
    """A True/False argument (NumPy booleans and the integers 0 and 1 accepted)."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)) and value in (0, 1):
        return bool(value)
    raise TypeError(f"{name} must be True or False, got {value!r}")


def check_steps(name: str, value: Any) -> int:
    """A positive number of steps."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive integer number of steps, got {value!r}")
    return int(value)
