"""The challenge environments (classic API) and the base :class:`OsimEnv`."""
from osim.env.arm import Arm2DEnv
from osim.env.base import OsimEnv, validate_action
from osim.env.l2m2019 import L2M2019Env
from osim.env.l2run import L2RunEnv
from osim.env.prosthetics import ProstheticsEnv
from osim.env.run import RunEnv
from osim.env.walk import WalkEnv

__all__ = ["OsimEnv", "Arm2DEnv", "L2M2019Env", "L2RunEnv", "ProstheticsEnv", "RunEnv", "WalkEnv", "validate_action"]
