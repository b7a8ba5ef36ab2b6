"""Model variants: cheaper physics for the fast mode, applied to a loaded model.

Each variant is a function ``variant(model)`` that edits a loaded
``opensim.Model`` before its system is built (the env's model-edit hook:
``OsimEnv(model_variants=("soft_contact",))``). The built model files of
:mod:`osim.models` are never changed: a variant only exists in memory.

Variants change the physics, so trajectories differ from the challenges'
(and from the reference recordings); docs/performance.md says by
how much and what each buys.

* ``rigid_short_tendons`` (part of ``fast=True``): every Thelen2003Muscle
  whose tendon is short (tendon slack length at most
  :data:`SHORT_TENDON_RATIO` optimal fibre lengths: gluteus, hip abductors and
  adductors, iliopsoas, vasti, biceps femoris short head; on the arm TRIlat,
  TRImed, TRIlong, BICshort, BRA) becomes a Millard2012EquilibriumMuscle with
  a rigid tendon and curves least-squares fitted to that muscle's Thelen
  curves (:func:`thelen_fit`). Same forces, paths, activation dynamics and
  order; no fibre state. A short stiff tendon in series with a fibre is
  what makes the models stiff (eigenvalues of thousands per second at low
  activation); long tendons (soleus, gastrocnemius, hamstrings, rectus
  femoris, tibialis anterior), whose stretch matters to the gait, stay
  compliant Thelen muscles.
* ``smooth_friction`` (part of ``fast=True``): the Hunt-Crossley contacts'
  friction transition velocity x :data:`FRICTION_TRANSITION_FACTOR` (0.1 ->
  0.3 m/s): a less abrupt stick-slip, the other stiff mode of a stance foot.
* ``soft_contact``: the foot-ground Hunt-Crossley contacts 5x softer
  (stiffness / 5, dissipation unchanged).
* ``dgf_rigid_tendons``: every muscle replaced by OpenSim's
  ``DeGrooteFregly2016Muscle`` with the same parameters and a rigid tendon.
  Its curves differ from Thelen's: the planar reflex gait falls after ~1.5 s.

With both fast variants the planar models integrate stably with fixed
explicit-Euler steps of 1/1300 s (:data:`osim.sim.settings.FAST`); with
``rigid_short_tendons`` alone they need 0.5 ms; with the original muscles
the reflex gait falls even with 0.5 ms steps, and error control settles
near 0.3 ms.
"""
from __future__ import annotations

import functools
from typing import Callable, Sequence

import numpy as np

from osim.sim._opensim import opensim

__all__ = ["VARIANTS", "FAST_VARIANTS", "apply_variants", "check_variants", "soft_contact", "dgf_rigid_tendons",
           "rigid_short_tendons", "smooth_friction", "thelen_fit"]

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


#: a Thelen muscle is replaced by ``rigid_short_tendons`` when tendon slack / optimal fibre length <= this
SHORT_TENDON_RATIO = 1.5
#: ``smooth_friction`` multiplies the contacts' friction transition velocity by this
FRICTION_TRANSITION_FACTOR = 3.0


# ---------------------------------------------------------------- Thelen curves
def _thelen_active_fl(lce: np.ndarray, k_shape: float) -> np.ndarray:
    return np.exp(-((lce - 1.0) ** 2) / k_shape)


def _thelen_passive_fl(lce: np.ndarray, k_pe: float, e0: float) -> np.ndarray:
    return np.where(lce > 1.0, np.expm1(k_pe * (lce - 1.0) / e0) / np.expm1(k_pe), 0.0)


def _thelen_velocity(f: np.ndarray, af: float, flen: float, threshold: float) -> np.ndarray:
    """Normalised fibre velocity (lengthening > 0) of Thelen (2003) at full activation and fl = 1.

    The force-velocity multiplier ``f`` maps to a velocity through Thelen's eq. 6-7 (with the
    linear extrapolation OpenSim uses past ``threshold * flen``).
    """

    def hill(fm: float) -> tuple[float, float]:
        if fm <= 1.0:
            b, db = 1.0 + fm / af, 1.0 / af
        else:
            b, db = (2.0 + 2.0 / af) * (flen - fm) / (flen - 1.0), -(2.0 + 2.0 / af) / (flen - 1.0)
        return (fm - 1.0) / b, 1.0 / b - (fm - 1.0) * db / b ** 2

    out = np.empty(len(f))
    for i, fm in enumerate(f):
        if 0.0 < fm < threshold * flen:
            out[i] = hill(fm)[0]
        else:
            f0 = 0.0 if fm <= 0.0 else threshold * flen
            v0, slope = hill(f0)
            out[i] = v0 + slope * (fm - f0)
    return out


def _fit(make_curve, params0, lower, upper, x: np.ndarray, target: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares parameters of an OpenSim curve ``make_curve(*p)`` through ``(x, target)``."""
    from scipy.optimize import least_squares

    def residual(p):
        try:
            curve = make_curve(*p)
        except Exception:  # OpenSim rejects parameters outside a curve's valid shape
            return np.full(len(x), 10.0)
        return np.array([curve.calcValue(float(v)) for v in x]) - target

    fit = least_squares(residual, params0, bounds=(lower, upper), diff_step=1e-3)
    return fit.x, float(np.abs(fit.fun).max())


@functools.lru_cache(maxsize=None)
def thelen_fit(k_active: float, af: float, flen: float, fv_threshold: float, k_pe: float, e0: float) -> dict:
    """Millard2012 curve parameters closest to a Thelen2003Muscle's curves.

    Returns ``{"active_fl": (...), "force_velocity": (...), "passive_fl": (...), "max_error": {...}}``
    with the positional arguments of ``opensim.ActiveForceLengthCurve``,
    ``ForceVelocityCurve`` and ``FiberForceLengthCurve`` and the largest
    absolute error of each fit (in units of maximum isometric force) over
    the fitted range: fibre lengths 0.45-1.7 (active), 1 to 1 + e0 (passive,
    up to one maximum isometric force) and velocities within +-vmax. The
    force-velocity curve is Thelen's at full activation: Thelen scales the
    maximum velocity with activation (0.25 + 0.75 a), which no Millard curve
    does, so at low activation the substitute is less damped.
    """
    lengths = np.linspace(0.45, 1.7, 60)
    active, err_a = _fit(opensim.ActiveForceLengthCurve, [0.4441, 0.73, 1.8123, 0.8616, 0.1],
                         [0.05, 0.3, 1.5, 0.0, 0.0], [0.6, 0.95, 2.5, 1.5, 0.5],
                         lengths, _thelen_active_fl(lengths, k_active))
    forces = np.linspace(0.02, 0.97 * flen, 80)
    velocities = _thelen_velocity(forces, af, flen, fv_threshold)
    keep = np.abs(velocities) <= 1.0
    fv, err_v = _fit(opensim.ForceVelocityCurve, [0.0, 0.25, 5.0, 0.0, 0.15, flen, 0.6, 0.9],
                     [0.0, 0.0, 1.01, 0.0, 0.0, 1.1, 0.0, 0.0], [0.99, 0.99, 50.0, 0.39, 0.39, 2.0, 1.0, 1.0],
                     velocities[keep], forces[keep])
    stretch = np.linspace(1.0, 1.0 + e0, 50)
    passive, err_p = _fit(lambda *p: opensim.FiberForceLengthCurve(0.0, e0, *p), [0.2, k_pe / e0, 0.75],
                          [0.001, 1.0 / e0 + 0.01, 0.0], [1.0 / e0 - 0.01, 100.0, 1.0],
                          stretch, _thelen_passive_fl(stretch, k_pe, e0))
    return {
        "active_fl": tuple(float(v) for v in active),
        "force_velocity": tuple(float(v) for v in fv),
        "passive_fl": (0.0, float(e0)) + tuple(float(v) for v in passive),
        "max_error": {"active_fl": err_a, "force_velocity": err_v, "passive_fl": err_p},
    }


def _rigid_substitute(thelen):
    """A rigid-tendon Millard2012EquilibriumMuscle standing in for a Thelen2003Muscle."""
    curves = thelen_fit(thelen.get_KshapeActive(), thelen.get_Af(), thelen.get_Flen(),
                        thelen.get_fv_linear_extrap_threshold(), thelen.get_KshapePassive(),
                        thelen.get_FmaxMuscleStrain())
    m = opensim.Millard2012EquilibriumMuscle(thelen.getName(), thelen.getMaxIsometricForce(),
                                             thelen.getOptimalFiberLength(), thelen.getTendonSlackLength(),
                                             thelen.getPennationAngleAtOptimalFiberLength())
    m.set_path(thelen.get_path())
    m.set_max_contraction_velocity(thelen.getMaxContractionVelocity())
    m.set_activation_time_constant(thelen.get_activation_time_constant())
    m.set_deactivation_time_constant(thelen.get_deactivation_time_constant())
    m.set_minimum_activation(thelen.get_minimum_activation())
    m.set_default_activation(thelen.getDefaultActivation())
    m.set_min_control(thelen.get_min_control())
    m.set_max_control(thelen.get_max_control())
    m.set_appliesForce(thelen.get_appliesForce())
    m.set_fiber_damping(0.0)
    m.set_ignore_tendon_compliance(True)
    m.set_ActiveForceLengthCurve(opensim.ActiveForceLengthCurve(*curves["active_fl"]))
    m.set_ForceVelocityCurve(opensim.ForceVelocityCurve(*curves["force_velocity"]))
    m.set_FiberForceLengthCurve(opensim.FiberForceLengthCurve(*curves["passive_fl"]))
    return m


def rigid_short_tendons(model) -> None:
    """Short-tendon Thelen muscles become rigid-tendon Millard muscles with fitted curves (same order)."""
    forces = model.updForceSet()
    for i in range(forces.getSize()):
        thelen = opensim.Thelen2003Muscle.safeDownCast(forces.get(i))
        if thelen is None or thelen.getTendonSlackLength() > SHORT_TENDON_RATIO * thelen.getOptimalFiberLength():
            continue
        substitute = _rigid_substitute(thelen)
        del thelen  # the set deletes the old muscle
        substitute.thisown = False  # the force set owns it now
        forces.set(i, substitute)


def smooth_friction(model) -> None:
    """Multiply the friction transition velocity of every Hunt-Crossley force by :data:`FRICTION_TRANSITION_FACTOR`."""
    forces = model.getForceSet()
    for i in range(forces.getSize()):
        contact = opensim.HuntCrossleyForce.safeDownCast(forces.get(i))
        if contact is not None:
            contact.setTransitionVelocity(contact.getTransitionVelocity() * FRICTION_TRANSITION_FACTOR)


#: variant name -> function editing a loaded model
VARIANTS: dict[str, Callable] = {
    "soft_contact": soft_contact,
    "dgf_rigid_tendons": dgf_rigid_tendons,
    "rigid_short_tendons": rigid_short_tendons,
    "smooth_friction": smooth_friction,
}

#: the variants of ``fast=True`` (with :data:`osim.sim.settings.FAST`)
FAST_VARIANTS: tuple[str, ...] = ("rigid_short_tendons", "smooth_friction")


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
