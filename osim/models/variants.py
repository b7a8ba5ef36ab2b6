"""Model variants: cheaper physics for the fast mode, applied to a loaded model.

Each variant is a function ``variant(model)`` that edits a loaded
``opensim.Model`` before its system is built (the env's model-edit hook:
``OsimEnv(model_variants=("soft_contact",))``). The built model files of
:mod:`osim.models` are never changed: a variant only exists in memory.

Variants change the physics, so trajectories differ from the challenges'
(and from the reference recordings); the README's performance section says by
how much and what each buys.

* ``soft_contact``: the foot-ground Hunt-Crossley contacts 5x softer
  (stiffness / 5, dissipation unchanged): larger stable steps on contact.
* ``dgf_rigid_tendons``: every muscle replaced by OpenSim's
  ``DeGrooteFregly2016Muscle`` with the same parameters and a rigid tendon
  (the models' Thelen2003Muscle implements neither
  ``ignore_tendon_compliance`` nor ``ignore_activation_dynamics``): no fiber
  states, no equilibrium solve. The muscles' curves differ from Thelen's:
  on L2M2019Env the pelvis is ~0.1 m off after 1 s and the planar reflex
  gait falls, and it is not faster per step with the error-controlled
  integrators, so the fast mode does not use it.

Measured (see the README's performance section): neither variant makes
``fast=True`` faster while keeping the planar reflex gait walking, so
``fast=True`` uses none; they stay available for experiments.
"""
from __future__ import annotations

from typing import Callable, Sequence

from osim.simulator import opensim

__all__ = ["VARIANTS", "apply_variants", "check_variants", "soft_contact", "dgf_rigid_tendons"]

#: contact stiffness divisor of ``soft_contact``
SOFT_CONTACT_FACTOR = 5.0


def soft_contact(model) -> None:
    """Divide the stiffness of every Hunt-Crossley contact force by :data:`SOFT_CONTACT_FACTOR`."""
    forces = model.getForceSet()
    for i in range(forces.getSize()):
        contact = opensim.HuntCrossleyForce.safeDownCast(forces.get(i))
        if contact is not None:
            contact.setStiffness(contact.getStiffness() / SOFT_CONTACT_FACTOR)


def dgf_rigid_tendons(model) -> None:
    """DeGrooteFregly2016 muscles with rigid tendons in place of the model's muscles."""
    opensim.DeGrooteFregly2016Muscle.replaceMuscles(model, False)
    muscles = model.getMuscles()
    for i in range(muscles.getSize()):
        muscles.get(i).set_ignore_tendon_compliance(True)


#: variant name -> function editing a loaded model
VARIANTS: dict[str, Callable] = {
    "soft_contact": soft_contact,
    "dgf_rigid_tendons": dgf_rigid_tendons,
}


def check_variants(names: Sequence[str] | None) -> tuple[str, ...]:
    """Validate variant names; returns them as a tuple (None: none)."""
    if names is None:
        return ()
    if isinstance(names, str) or not isinstance(names, (list, tuple)):
        raise TypeError(f"model_variants must be a list or tuple of names ({', '.join(VARIANTS)}), got {names!r}")
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown model variants {unknown}; allowed: {', '.join(VARIANTS)}")
    if len(set(names)) != len(names):
        raise ValueError(f"model_variants lists a variant twice: {list(names)}")
    return tuple(names)


def apply_variants(model, names: Sequence[str]) -> None:
    """Apply the named variants to a loaded model (before ``initSystem``)."""
    for name in check_variants(names):
        VARIANTS[name](model)
