"""``L2M2019CtrlEnv``: L2M2019Env whose action is a controller's parameters.

The original shipped this class for searching a locomotion controller's
parameters with RL or black-box optimisers: the agent chooses the
controller's parameters, and every 10 ms step the controller turns the
current state into the 22 excitations the env applies. Without a controller
it is L2M2019Env.

Two kinds of controller work:

* :class:`osim.control.ReflexController`: the action is its raw parameter
  vector (``n_par`` values, both legs; 37 for "2D", 46 for "3D"), the action
  space the parameter bounds :data:`osim.control.reflex.PARAM_BOUNDS`; the
  controller reads the observation dict;
* any object with the original's protocol: ``par_space`` (a pair of bound
  lists, or a ``Box``), ``set_control_params(params)``,
  ``update(state_desc) -> excitations`` (it reads the state description, as
  the original passed it) and ``reset()``.

Example::

    from osim.control import ReflexController
    from osim.env import L2M2019CtrlEnv

    env = L2M2019CtrlEnv(locoCtrl=ReflexController(mode="2D"), model="2D", difficulty=0)
    obs = env.reset(seed=0)
    params = env.locoCtrl.params["r_leg"]      # the shipped parameters, as an action
    obs, reward, done, info = env.step(params)
"""
from __future__ import annotations

from typing import Any

import numpy as np

from osim.env.compat import convert_to_gym
from osim.env.l2m2019 import L2M2019Env

__all__ = ["L2M2019CtrlEnv"]


class L2M2019CtrlEnv(L2M2019Env):
    """L2M2019Env driven through a controller: actions are its parameters (``locoCtrl=None``: L2M2019Env).

    ``reset`` also resets the controller; ``step(params)`` sets the
    parameters, asks the controller for the excitations of the current state
    and steps with them. Parameters are checked (shape, finite values) but
    not clipped: the controller decides what they mean. ``info["excitations"]``
    holds what was applied.
    """

    def __init__(self, visualize: bool = False, integrator_accuracy: float = 5e-5, difficulty: int = 3,
                 seed: int | None = None, report=None, locoCtrl: Any = None, **kwargs) -> None:  # noqa: N803
        self.locoCtrl = locoCtrl
        self._ctrl_space = None if locoCtrl is None else _parameter_space(locoCtrl)
        super().__init__(visualize=visualize, integrator_accuracy=integrator_accuracy, difficulty=difficulty,
                         seed=seed, report=report, **kwargs)

    @property
    def action_space(self):
        return self.episode.action_space if self._ctrl_space is None else self._ctrl_space

    def reset(self, *args, **kwargs):
        obs = super().reset(*args, **kwargs)
        if self.locoCtrl is not None:
            self.locoCtrl.reset()
        return obs

    def step(self, action, project: bool = True, obs_as_dict: bool | None = None):
        if self.locoCtrl is None:
            return super().step(action, project=project, obs_as_dict=obs_as_dict)
        params = _check_params(action, self._ctrl_space)
        ctrl = self.locoCtrl
        if _is_reflex(ctrl):
            ctrl.set_params(params)
            excitations = ctrl.update(self.get_observation_dict())
        else:
            ctrl.set_control_params(params)
            excitations = ctrl.update(self.get_state_desc())
        out = super().step(excitations, project=project, obs_as_dict=obs_as_dict)
        out[3]["excitations"] = np.array(self.last_action)
        return out


def _is_reflex(ctrl) -> bool:
    from osim.control import ReflexController

    return isinstance(ctrl, ReflexController)


def _parameter_space(ctrl):
    if _is_reflex(ctrl):
        from osim.control.reflex import PARAM_BOUNDS

        bounds = PARAM_BOUNDS[:ctrl.n_par]
        return convert_to_gym((bounds[:, 0], bounds[:, 1]))
    missing = [m for m in ("par_space", "set_control_params", "update", "reset") if not hasattr(ctrl, m)]
    if missing:
        raise TypeError(f"locoCtrl must be an osim.control.ReflexController or have par_space, "
                        f"set_control_params(params), update(state_desc) and reset(); "
                        f"{type(ctrl).__name__} lacks {', '.join(missing)}")
    return convert_to_gym(ctrl.par_space)


def _check_params(action, space) -> np.ndarray:
    try:
        params = np.asarray(action, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"the action must be {space.shape[0]} controller parameters: {exc}") from None
    if params.shape != space.shape:
        raise ValueError(f"the action must be {space.shape[0]} controller parameters, got shape {params.shape}")
    if not np.isfinite(params).all():
        raise ValueError("the controller parameters must be finite numbers (NaN or inf given)")
    return params
