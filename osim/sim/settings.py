"""Physics settings: how each 10 ms step is integrated, and the named presets.

One vocabulary serves every env, the CLI, the benchmark and the evaluation
server:

* a **preset** names a complete physics setting: ``"faithful"`` (the
  challenges' physics, reproducing their recorded trajectories bit for bit)
  or ``"fast"`` (cheaper model variants plus a cheaper integrator: several
  times faster, trajectories drift from the faithful ones);
* the explicit fields ``integration=`` (an :class:`Integration` or a dict of
  its fields) and ``model_variants=`` (names of
  :data:`osim.models.variants.VARIANTS`) override the preset's.

``fast=True`` is the same as ``physics="fast"``; a preset name given as
``integration=`` means the whole preset too (never its integration alone).
:func:`resolve_physics` turns any combination into a :class:`PhysicsSettings`.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Any, Mapping, Sequence

import numpy as np

__all__ = [
    "FAITHFUL", "FAST", "FAST_ADAPTIVE", "INTEGRATOR_METHODS", "PRESETS", "Integration", "PhysicsSettings",
    "resolve_physics",
]

#: integrator names of :class:`Integration` (the OpenSim engine maps them to its Manager's methods)
INTEGRATOR_METHODS = ("rk_merson", "rk_feldberg", "rk3", "rk2", "euler", "semi_explicit_euler2", "verlet",
                      "cpodes")


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool) \
        and bool(np.isfinite(value))


@dataclass(frozen=True)
class Integration:
    """How the engine integrates each 10 ms step.

    ``method``: a name of :data:`INTEGRATOR_METHODS` (``rk_merson``, the
    challenges' error-controlled Runge-Kutta-Merson, by default);
    ``accuracy``: its relative accuracy (None: the env's
    ``integrator_accuracy``, 5e-5 in the 2018/2019 challenges);
    ``fixed_step``: take steps of exactly this many seconds (no error
    control; should divide 0.01); ``min_step`` / ``max_step``: bounds of the
    error-controlled step size; ``restart``: re-initialise the integrator
    after each change of excitation, so it neither starts from derivatives
    of the previous excitations nor from the step size they allowed. The
    default (:data:`FAITHFUL`) reproduces the challenges' trajectories bit
    for bit; any other setting gives a different trajectory.
    """

    method: str = "rk_merson"
    accuracy: float | None = None
    fixed_step: float | None = None
    min_step: float | None = None
    max_step: float | None = None
    restart: bool = False

    def __post_init__(self) -> None:
        if self.method not in INTEGRATOR_METHODS:
            raise ValueError(f"unknown integrator method {self.method!r}; allowed: {', '.join(INTEGRATOR_METHODS)}")
        if self.accuracy is not None and not (_is_number(self.accuracy) and 0 < self.accuracy < 1):
            raise ValueError(f"integration accuracy must be a number in (0, 1) or None, got {self.accuracy!r}")
        for name in ("fixed_step", "min_step", "max_step"):
            value = getattr(self, name)
            if value is not None and not (_is_number(value) and 0 < value <= 1):
                raise ValueError(f"integration {name} must be a number of seconds in (0, 1] or None, got {value!r}")
        if self.min_step is not None and self.max_step is not None and self.min_step > self.max_step:
            raise ValueError(f"integration min_step {self.min_step} exceeds max_step {self.max_step}")
        if not isinstance(self.restart, bool):
            raise TypeError(f"integration restart must be True or False, got {self.restart!r}")

    @classmethod
    def coerce(cls, value: "Integration | Mapping[str, Any] | None") -> "Integration":
        """An :class:`Integration` from itself, a dict of its fields, or None (faithful)."""
        if value is None:
            return FAITHFUL
        if isinstance(value, cls):
            return value
        if isinstance(value, Mapping):
            unknown = set(value) - set(cls.__dataclass_fields__)
            if unknown:
                raise ValueError(f"unknown integration settings {sorted(unknown)}; "
                                 f"allowed: {', '.join(cls.__dataclass_fields__)}")
            return cls(**value)
        raise TypeError(f"integration must be an Integration, a dict of its fields or None; got {value!r} "
                        f"(named presets go to physics=: {', '.join(PRESETS)})")

    def replace(self, **changes) -> "Integration":
        return replace(self, **changes)

    def as_dict(self) -> dict:
        return asdict(self)

    @property
    def is_faithful(self) -> bool:
        """True for the settings that reproduce the reference trajectories (given accuracy 5e-5)."""
        return self == FAITHFUL or self == replace(FAITHFUL, accuracy=None)


#: the challenges' integration (bit-identical to the reference recordings)
FAITHFUL = Integration()
#: the integration of the fast preset: explicit Euler with fixed steps of 1/1300 s (13 per env step), no
#: error control. Stable only with the fast model variants (``osim.models.variants.FAST_VARIANTS``:
#: rigid short tendons, smoother friction): on the challenges' muscles the planar reflex gait falls even with
#: 0.5 ms steps, with rigid short tendons alone it needs 0.5 ms. Larger steps (1/1200 s, 1 ms) make the
#: planar reflex gait fall. docs/performance.md gives speed and drift.
FAST = Integration(method="euler", fixed_step=1 / 1300)
#: the fast integration of the 2017 envs (``WalkEnv``, ``RunEnv``), whose muscles start each episode
#: out of equilibrium: fixed steps turn them NaN, so error-controlled explicit Euler at 1e-3,
#: restarted after each change of excitation
FAST_ADAPTIVE = Integration(method="euler", accuracy=1e-3, restart=True)

#: preset name -> what it means; "fast" takes the task's own fast integration (FAST, or FAST_ADAPTIVE
#: for the 2017 envs) and the fast model variants
PRESETS = {
    "faithful": "the challenges' physics: the challenge model, error-controlled Runge-Kutta-Merson "
                "(reproduces the reference trajectories)",
    "fast": "the fast model variants (rigid short tendons, smoother foot friction) and fixed-step "
            "explicit Euler (several times faster; trajectories drift from the faithful ones)",
}


@dataclass(frozen=True)
class PhysicsSettings:
    """A resolved physics setting: preset name, integration and model variants.

    ``preset`` is the preset the settings started from, or ``"custom"`` when
    explicit fields changed it.
    """

    preset: str
    integration: Integration
    model_variants: tuple[str, ...]

    @property
    def fast(self) -> bool:
        """True unless this is exactly the faithful physics."""
        return not (self.integration.is_faithful and not self.model_variants)


def resolve_physics(
    physics: str | None = None,
    *,
    fast: bool = False,
    integration: "Integration | Mapping[str, Any] | str | None" = None,
    model_variants: Sequence[str] | None = None,
    fast_integration: Integration = FAST,
) -> PhysicsSettings:
    """The physics settings of an env from its keywords.

    ``physics`` names a preset (:data:`PRESETS`; None: ``"fast"`` if
    ``fast`` else ``"faithful"``); ``integration`` and ``model_variants``
    override the preset's fields (``model_variants=()``: the challenge
    model). ``fast_integration`` is the task's integration of the fast
    preset.
    """
    from osim.models.variants import FAST_VARIANTS, check_variants

    if not isinstance(fast, (bool, np.bool_)):
        raise TypeError(f"fast must be True or False, got {fast!r}")
    if isinstance(integration, str):  # a preset name: the whole preset
        if physics is not None and physics != integration:
            raise ValueError(f"physics={physics!r} and integration={integration!r} name different presets")
        physics, integration = integration, None
    if physics is None:
        physics = "fast" if fast else "faithful"
    elif fast and physics != "fast":
        raise ValueError(f"fast=True contradicts physics={physics!r}")
    if physics not in PRESETS:
        raise ValueError(f"unknown physics preset {physics!r}; allowed: {', '.join(PRESETS)}")
    base_integration = fast_integration if physics == "fast" else FAITHFUL
    base_variants = FAST_VARIANTS if physics == "fast" else ()
    chosen_integration = base_integration if integration is None else Integration.coerce(integration)
    variants = base_variants if model_variants is None else check_variants(model_variants)
    variants = check_variants(variants)
    preset = physics if (chosen_integration == base_integration and variants == tuple(base_variants)) else "custom"
    return PhysicsSettings(preset, chosen_integration, variants)
