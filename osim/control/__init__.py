"""Controllers for the osim-rl environments (pure Python/NumPy; no OpenSim import).

:class:`ReflexController` is the reflex-based locomotion controller of Song &
Geyer (2015) as adapted for the NeurIPS 2019 Learn to Move challenge: it reads
the :class:`~osim.env.L2M2019Env` observation dict and returns the 22 muscle
excitations. The parameter table is :data:`PARAMS` (documented in
:mod:`osim.control.reflex`); shipped parameter sets: :func:`default_params`.

:func:`make_controller` (:mod:`osim.control.controllers`) gives the
``osim-rl run``/``video`` controllers by name: ``random``, ``zero``,
``reflex[:PARAMS]`` or a saved policy file.

Example::

    from osim.control import ReflexController
    ctrl = ReflexController(mode="2D")          # shipped optimised planar parameters
    obs = env.reset(obs_as_dict=True)
    ctrl.reset()
    while True:
        obs, reward, done, info = env.step(ctrl.update(obs))
        if done:
            break
"""
from osim.control.reflex import (
    ALPHA_F,
    CONTACT_THRESHOLD,
    HAB_2D,
    HAD_2D,
    LEGS,
    MIN_EXCITATION,
    MODES,
    MUSCLES,
    N_PARAMS,
    PARAM_BOUNDS,
    PARAM_NAMES,
    PARAMS,
    PHASE_FLAGS,
    ParamSpec,
    ReflexController,
    control_params,
    default_options,
    default_params,
    load_params,
    param_index,
    params_options,
)
from osim.control.controllers import make_controller

__all__ = [
    "ALPHA_F",
    "CONTACT_THRESHOLD",
    "HAB_2D",
    "HAD_2D",
    "LEGS",
    "MIN_EXCITATION",
    "MODES",
    "MUSCLES",
    "N_PARAMS",
    "PARAM_BOUNDS",
    "PARAM_NAMES",
    "PARAMS",
    "PHASE_FLAGS",
    "ParamSpec",
    "ReflexController",
    "control_params",
    "default_options",
    "default_params",
    "load_params",
    "make_controller",
    "param_index",
    "params_options",
]
