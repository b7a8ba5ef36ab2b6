"""The speed baseline of the benchmark: an episode stepped with bare OpenSim calls."""
from __future__ import annotations

import time

import numpy as np

from osim.sim._opensim import opensim

__all__ = ["bare_steps"]


def bare_steps(sim, actions: np.ndarray, activations: bool = False) -> tuple[np.ndarray, float]:
    """Step the current episode of an :class:`~osim.sim.OpenSimPhysics` with bare OpenSim calls.

    Per step only what produces the trajectory: write the excitations
    (model order; or, with ``activations=True``, the activations into the
    state), restart the integrator if the integration says so, integrate,
    realise accelerations. No observation, reward or validation. Returns
    the Q vector after every step and the seconds the loop took.
    """
    controls, muscles, model = sim._controls, sim._muscles, sim.model
    dt, restart, State = sim.step_size, sim._restart, opensim.State
    reinit = sim._reinit  # the first step of a generic episode (initial_excitation=None) re-initialises too
    actions = np.asarray(actions, dtype=np.float64)
    q_out = np.empty((len(actions), sim._state.getNQ()))
    istep = sim.istep
    if activations and not sim._integrating:
        sim.set_activations(actions[0])  # restart the Manager as set_activations does
    manager = sim._manager
    previous, pending = sim._excitations, sim._excitations_changed
    t0 = time.perf_counter()
    state = sim._state
    for k, action in enumerate(actions):
        if activations:
            for mu, v in zip(muscles, action):
                mu.setActivation(state, float(v))
            changed = True
        else:
            for f, v in zip(controls, action):
                f.setValue(float(v))
            changed = pending or not np.array_equal(action, previous)
            previous, pending = action, False
        if reinit and changed:
            manager.initialize(State(state))
        reinit = restart
        istep += 1
        state = manager.integrate(dt * istep)
        model.realizeAcceleration(state)
        q_out[k] = state.getQ().to_numpy()
    seconds = time.perf_counter() - t0
    sim._state, sim.istep, sim._integrating, sim._desc_cache = state, istep, True, None
    if len(actions):
        sim._reinit = restart
    if not activations and len(actions):
        sim._excitations, sim._excitations_changed = actions[-1].copy(), False
    return q_out, seconds
