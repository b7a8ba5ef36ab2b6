"""The challenge environments (classic API), the task hooks and the episode loop.

``osim.env.L2RunEnv`` etc. are the challenges' classes; :class:`Task`
(:mod:`osim.env.task`) is what each of them is, :class:`Episode`
(:mod:`osim.env.episode`) the loop that runs them, :class:`OsimEnv` the
classic face and the generic env of any model.
"""
from osim.env.arm import Arm2DEnv
from osim.env.base import OsimEnv, validate_action
from osim.env.episode import Episode
from osim.env.l2m2019 import L2M2019Env
from osim.env.l2run import L2RunEnv
from osim.env.prosthetics import ProstheticsEnv
from osim.env.run import RunEnv
from osim.env.task import Task
from osim.env.walk import WalkEnv

__all__ = ["OsimEnv", "Task", "Episode", "Arm2DEnv", "L2M2019Env", "L2RunEnv", "ProstheticsEnv", "RunEnv",
           "WalkEnv", "validate_action"]
