"""The two errors every physics engine raises."""
from __future__ import annotations

__all__ = ["ModelLoadError", "SimulationError"]


class ModelLoadError(ValueError):
    """The model file is missing, is not a model, or the engine cannot build it."""


class SimulationError(RuntimeError):
    """The engine failed inside a step (the integrator could not advance, or the state became NaN)."""
