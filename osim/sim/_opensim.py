"""The OpenSim bindings, imported once, and what loading a model needs.

The only modules of osim-rl that import ``opensim`` are in :mod:`osim.sim`
(this one, the engine, its edits) and the model builder :mod:`osim.models`.
Importing this module pins OpenBLAS's kernels (see below), lowers OpenSim's
log level and stops it writing ``opensim.log`` into the working directory.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

def _pin_reference_blas_kernels() -> None:
    """Make OpenSim's OpenBLAS use the kernels the reference recordings used.

    OpenSim's bundled OpenBLAS (0.3.15) picks its "Zen" kernels on AVX-512
    AMD CPUs; the challenges' reference trajectories were recorded with its
    "SkylakeX" kernels. The two differ by an ulp in the constrained
    accelerations of the 14-dof models, and that grows to O(1) within a dozen
    steps. Same results on every AVX-512 machine matter more than the kernel
    choice, so pin it; a user's own ``OPENBLAS_CORETYPE`` wins. Runs before
    ``opensim`` is imported (OpenBLAS reads the variable when it loads).
    """
    if "OPENBLAS_CORETYPE" in os.environ or not sys.platform.startswith("linux"):
        return
    try:
        with open("/proc/cpuinfo") as fh:
            flags = next((line.split(":", 1)[1].split() for line in fh if line.startswith("flags")), [])
    except OSError:
        return
    if {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"} <= set(flags):
        os.environ["OPENBLAS_CORETYPE"] = "SkylakeX"


_pin_reference_blas_kernels()

import opensim  # noqa: E402  (after the BLAS kernel choice)

from osim.sim.errors import ModelLoadError  # noqa: E402
from osim.sim.settings import INTEGRATOR_METHODS  # noqa: E402

__all__ = ["INTEGRATORS", "display_available", "load_model", "opensim", "set_log_level", "user_stacklevel"]

_LOG_LEVELS = ("off", "critical", "error", "warn", "info", "debug", "trace")

def set_log_level(level: str) -> None:
    """Set OpenSim's own log level (osim-rl sets ``"warn"`` at import).

    OpenSim 4.6 logs several Info lines per integration call at its default
    level; ``set_log_level("info")`` brings them back.
    """
    if level not in _LOG_LEVELS:
        raise ValueError(f"unknown OpenSim log level {level!r}; allowed: {', '.join(_LOG_LEVELS)}")
    opensim.Logger.setLevelString(level)


set_log_level("warn")
# OpenSim also writes every message to ./opensim.log by default: a library
# must not litter its users' working directories.
opensim.Logger.removeFileSink()

#: integrator names of :class:`Integration` -> OpenSim ``Manager`` methods
INTEGRATORS = {
    "rk_merson": opensim.Manager.IntegratorMethod_RungeKuttaMerson,
    "rk_feldberg": opensim.Manager.IntegratorMethod_RungeKuttaFeldberg,
    "rk3": opensim.Manager.IntegratorMethod_RungeKutta3,
    "rk2": opensim.Manager.IntegratorMethod_RungeKutta2,
    "euler": opensim.Manager.IntegratorMethod_ExplicitEuler,
    "semi_explicit_euler2": opensim.Manager.IntegratorMethod_SemiExplicitEuler2,
    "verlet": opensim.Manager.IntegratorMethod_Verlet,
    "cpodes": opensim.Manager.IntegratorMethod_CPodes,
}
assert tuple(INTEGRATORS) == INTEGRATOR_METHODS


def display_available() -> bool:
    """Whether a window can be opened (Linux: DISPLAY or WAYLAND_DISPLAY is set)."""
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def user_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first caller outside osim."""
    frame, level = sys._getframe(1), 1
    package = str(Path(__file__).resolve().parent.parent)
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def load_model(path: Path):
    """Load an ``.osim`` file; a clear :class:`ModelLoadError` for a missing, foreign or broken file.

    Any model OpenSim reads is accepted here, with or without muscles or
    actuators (missing geometry files only make OpenSim log a warning: only
    a visualizer needs them). Building its system is the engine's step.
    """
    if not path.is_file():
        from osim.models import MODEL_NAMES

        where = "" if path.is_absolute() else f" (relative to the current directory {os.getcwd()})"
        raise ModelLoadError(f"model file not found: {path}{where}; the built models are "
                             f"{', '.join(MODEL_NAMES)} (osim.models.model_path(name) gives their files)")
    try:
        head = path.read_bytes()[:4096].lstrip()
    except OSError as exc:
        raise ModelLoadError(f"cannot read model file {path}: {exc}") from exc
    if not head.startswith(b"<") or b"OpenSimDocument" not in head:
        raise ModelLoadError(f"{path} is not an OpenSim model file (expected an <OpenSimDocument> XML file)")
    try:
        model = opensim.Model(str(path))
    except Exception as exc:  # OpenSim raises RuntimeError with its parser message
        raise ModelLoadError(f"OpenSim could not load {path}: {exc}") from exc
    return model
