"""Physics: the engines that simulate a model, behind one face.

* :mod:`osim.sim.physics`: the :class:`Physics` face every engine implements
  and every task reads;
* :mod:`osim.sim.settings`: integration settings and the named presets
  (``"faithful"``, ``"fast"``), the one vocabulary for physics settings;
* :mod:`osim.sim.opensim_physics`: :class:`OpenSimPhysics`, the reference
  engine (OpenSim 4.6's Simbody physics);
* :mod:`osim.sim.mujoco_physics`: :class:`~osim.sim.mujoco_physics.MuJoCoPhysics`,
  the MuJoCo twins of the gait models (``engine="mujoco"``; needs the
  ``mujoco`` extra, imported only when used);
* :mod:`osim.sim.state_desc`, :mod:`osim.sim.scene`: the state description
  and the render scene it produces;
* :mod:`osim.sim.edits`: scenario edits (obstacles, platforms, friction, the
  arm's target) added to a model at load;
* :mod:`osim.sim.bare`: the benchmark's bare-OpenSim baseline.
"""
from osim.sim._opensim import INTEGRATORS, opensim, set_log_level
from osim.sim.errors import ModelLoadError, SimulationError
from osim.sim.opensim_physics import OpenSimPhysics
from osim.sim.physics import Physics
from osim.sim.settings import (FAITHFUL, FAST, FAST_ADAPTIVE, PRESETS, Integration, PhysicsSettings,
                               resolve_physics)



def _mujoco_physics(*args, **kwargs):
    """The MuJoCo engine, imported on first use (the ``mujoco`` package is optional)."""
    from osim.sim.mujoco_physics import MuJoCoPhysics

    return MuJoCoPhysics(*args, **kwargs)


#: the engines by name (``engine=`` of the envs)
ENGINES = {"opensim": OpenSimPhysics, "mujoco": _mujoco_physics}

__all__ = [
    "ENGINES", "FAITHFUL", "FAST", "FAST_ADAPTIVE", "INTEGRATORS", "PRESETS", "Integration", "ModelLoadError",
    "OpenSimPhysics", "Physics", "PhysicsSettings", "SimulationError", "opensim", "resolve_physics",
    "set_log_level",
]
