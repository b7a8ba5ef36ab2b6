"""osim-rl: reinforcement learning environments on OpenSim musculoskeletal models.

``import osim`` registers the Gymnasium IDs (``osim/L2Run-v0``, ...); the
classic challenge API lives in :mod:`osim.env`.
"""
__version__ = "4.0.0.dev0"

from osim.registry import register_envs as _register_envs

_register_envs()
