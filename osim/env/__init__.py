"""The challenge environments (classic API), the task hooks and the episode loop.

``osim.env.L2RunEnv`` etc. are the challenges' classes; :class:`Task`
(:mod:`osim.env.task`) is what each of them is, :class:`Episode`
(:mod:`osim.env.episode`) the loop that runs them, :class:`OsimEnv` the
classic face and the generic env of any model.

The names the original ``osim.env`` exported work too: ``OsimModel`` (the
surface of ``env.osim_model``), ``Spec``, ``rect``, ``rotate_frame``,
``convert_to_gym``, ``L2M2019CtrlEnv`` and ``Arm2DVecEnv`` (docs/classic.md).
"""
from osim.env.arm import Arm2DEnv, Arm2DVecEnv
from osim.env.base import OsimEnv, validate_action
from osim.env.compat import convert_to_gym, rect, rotate_frame
from osim.env.episode import Episode, Spec
from osim.env.l2m2019 import L2M2019Env
from osim.env.l2m2019_ctrl import L2M2019CtrlEnv
from osim.env.l2run import L2RunEnv
from osim.env.osim_model import OsimModel
from osim.env.prosthetics import ProstheticsEnv
from osim.env.run import RunEnv
from osim.env.task import Task
from osim.env.walk import WalkEnv

__all__ = ["OsimEnv", "Task", "Episode", "Arm2DEnv", "L2M2019Env", "L2RunEnv", "ProstheticsEnv", "RunEnv",
           "WalkEnv", "validate_action",
           # the rest of the original osim.env (docs/classic.md)
           "OsimModel", "Spec", "rect", "rotate_frame", "convert_to_gym", "L2M2019CtrlEnv", "Arm2DVecEnv"]
