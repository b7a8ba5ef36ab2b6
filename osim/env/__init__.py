"""The challenge environments (classic API) and the base :class:`OsimEnv`."""
from osim.env.base import OsimEnv, validate_action
from osim.env.l2run import L2RunEnv

__all__ = ["OsimEnv", "L2RunEnv", "validate_action"]
