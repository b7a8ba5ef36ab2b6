r"""Reflex-based locomotion controller (Song & Geyer 2015, Learn to Move 2019 variant).

A pure Python/NumPy controller that maps the :class:`L2M2019Env` observation
dictionary (what its ``reset``/``step`` return by default) to the 22 muscle
excitations of that environment's action, in the challenge's muscle order.
It follows the structure of

    S. Song and H. Geyer, "A neural circuitry that emphasizes spinal feedback
    generates diverse behaviours of human locomotion", J. Physiol. 593(16),
    2015,

as adapted for the NeurIPS 2019 "Learn to Move - Walk Around" challenge,
including that adaptation's oddities (below; docs/quirks.md, Q55).

Structure
---------
Two layers, evaluated once per call of :meth:`ReflexController.update`
(no neural delays; ``dt`` only advances an internal clock):

* **Supraspinal layer** (per leg, from body sensors): trunk pitch target
  ``theta_tgt``; leg-angle target for foot placement
  ``alpha_tgt = c0 - cv*v_fwd - pitch``; in 3D also the frontal-plane targets
  ``theta_tgt_f`` and ``alpha_tgt_f = c0_f + s*cv_f*v_left - s*roll``
  (``s = +1`` right leg, ``-1`` left leg); ``hip_tgt = alpha_tgt + knee_tgt/2``.
  Swing-leg selection: when both feet are in contact, the leg with the larger
  ``alpha - alpha_tgt`` gets ``swing_init`` (ties go to the left leg);
  otherwise neither does.
* **Spinal layer** (per leg): the phase state machine (:data:`PHASE_FLAGS`)
  and the reflex modules, numbered as in Song & Geyer 2015:

  ====  ====================================================  ==================
  M1    compliant stance: positive force feedback             RF, VAS, SOL
  M2    knee hyperextension prevention                        VAS, BFSH, GAS
  M3    trunk balance in stance (scaled by ipsilateral load)  HFL, GLU, HAM,
                                                              HAB, HAD (3D)
  M5    ankle dorsiflexion (inhibited by soleus M1)           TA
  M6    swing hip control toward ``alpha_tgt``                HFL, GLU, HAB, HAD
  M7    knee flexion at swing initiation                      BFSH
  M8    knee hold (mid swing)                                 RF, BFSH
  M9    leg stop (late swing)                                 HAM, BFSH
  M10   leg hold / landing preparation                        HFL, GLU, VAS, BFSH
  ====  ====================================================  ==================

  Changes from the paper (as in the 2019 original): M4 (swing-leg
  compensation) removed; M1 feedback of GLU and HAB removed; M2 of HAM
  removed; M1 positive force feedback added for RF.

Quirks reproduced on purpose, because the published parameters were
optimised with them (docs/quirks.md, Q55): the frontal leg angle
``alpha_f = pi/2 - d_joint.hip_abd`` uses the hip-abduction *rate*, not the angle; the BFSH M8 term is
``[G(phi_dot_knee - knee_off_st) * G(alpha - alpha_tgt)]+`` with both gains
``G`` taken from ``BFSH_8_DG`` (``BFSH_8_PG`` is unused) and an angle
subtracted from an angular velocity. ``ReflexController(alpha_f="abduction_angle")``
corrects the first (opt-in; see the class).

Sensors (from the observation dict)
-----------------------------------
pitch, roll = ``pelvis.pitch``, ``pelvis.roll``; v_fwd, v_left =
``pelvis.vel[0]``, ``pelvis.vel[1]``; pitch rate, roll rate = ``pelvis.vel[3]``,
``pelvis.vel[4]``; ``load`` = upward GRF of the leg (``ground_reaction_forces[2]``,
body weights); contact = load > 0.1; ``phi_hip = joint.hip + pi``,
``phi_knee = joint.knee + pi``, ``phi_ankle = joint.ankle + pi/2``,
``phi_dot_knee = d_joint.knee``, ``alpha = phi_hip - phi_knee/2``,
``alpha_dot = d_joint.hip - phi_dot_knee/2``, ``alpha_f = pi/2 - d_joint.hip_abd``;
F_RF, F_VAS, F_GAS, F_SOL = the muscles' normalised fiber forces ``f``.

Parameters
----------
Each control parameter is ``cp = p*scale + offset`` from the raw parameter
``p``; scale and offset are in the listed unit, and degrees are converted to
radians (so ``cp`` is in rad, rad per m/s, or a plain gain). ``bounds`` are the
optimisation bounds of ``p`` (the original's bounds list stops at index 44;
index 45 gets [0, 3] here, like the other gains). Planar ("2D") mode uses indices 0-36, "3D" mode all 46. The same table
is available as data: :data:`PARAMS`. Bounds are not enforced: the shipped
planar set (:func:`default_params`) itself has four values below them
(HAM_9_PG, BFSH_2_PG, BFSH_8_DG, BFSH_10_PG): a negative gain makes the
HAM M9, BFSH M2 and BFSH M10 terms respond to the opposite sign of their
error ([x]+ is taken after the gain), while BFSH_8_DG enters squared.

==  ==============  =====  ======  =========  ==========  ==================================================
 #  name            scale  offset  bounds     unit        meaning
==  ==============  =====  ======  =========  ==========  ==================================================
 0  theta_tgt       10     0       [0, 6]     deg         trunk pitch target theta_tgt (M3)
 1  c0              20     55      [-1, 3]    deg         leg-angle target at zero speed (alpha_tgt)
 2  cv              2      0       [0, 5]     deg/(m/s)   speed gain of alpha_tgt
 3  alpha_delta     5      0       [0, 3]     deg         swing margin: leg stop when alpha < alpha_tgt + alpha_delta (M9)
 4  knee_sw_tgt     20     120     [-2, 3]    deg         swing knee-flexion target (ends flex_knee; M7)
 5  knee_tgt        15     160     [-6, 4/3]  deg         knee target of leg hold (M10; hip_tgt)
 6  knee_off_st     10     165     [-1, 1.5]  deg         knee hyperextension offset (M2; BFSH M8 quirk)
 7  ankle_tgt       20     60      [0, 3]     deg         ankle target of TA (M5)
 8  HFL_3_PG        2.0    0       [0, 3]     1/rad       HFL trunk pitch gain (M3)
 9  HFL_3_DG        1.0    0       [0, 3]     s/rad       HFL trunk pitch-rate gain (M3)
10  HFL_6_PG        1.0    0       [0, 3]     1/rad       HFL swing leg-angle gain (M6)
11  HFL_6_DG        0.1    0       [0, 3]     s/rad       HFL swing leg-angle-rate gain (M6)
12  HFL_10_PG       1.0    0       [0, 3]     1/rad       HFL hip hold gain (M10)
13  GLU_3_PG        2.0    0       [0, 3]     1/rad       GLU trunk pitch gain (M3)
14  GLU_3_DG        0.5    0       [0, 3]     s/rad       GLU trunk pitch-rate gain (M3)
15  GLU_6_PG        1.0    0       [0, 3]     1/rad       GLU swing leg-angle gain (M6)
16  GLU_6_DG        0.1    0       [0, 3]     s/rad       GLU swing leg-angle-rate gain (M6)
17  GLU_10_PG       0.5    0       [0, 3]     1/rad       GLU hip hold gain (M10)
18  HAM_3_GLU       1.0    0       [0, 3]     -           HAM share of the GLU trunk stimulation (M3)
19  HAM_9_PG        2.0    0       [0, 3]     1/rad       HAM leg stop gain (M9)
20  RF_1_FG         0.3    0       [0, 3]     -           RF positive force feedback gain (M1)
21  RF_8_DG_knee    0.1    0       [0, 3]     s/rad       RF knee-rate gain of knee hold (M8)
22  VAS_1_FG        1.0    0       [0, 3]     -           VAS positive force feedback gain (M1)
23  VAS_2_PG        2.0    0       [0, 3]     1/rad       VAS knee hyperextension inhibition (M2)
24  VAS_10_PG       0.3    0       [0, 3]     1/rad       VAS knee hold gain (M10)
25  BFSH_2_PG       2.0    0       [0, 3]     1/rad       BFSH knee hyperextension gain (M2)
26  BFSH_7_DG_alpha 0.2    0       [0, 3]     s/rad       BFSH leg-angle-rate gain of knee flexion (M7)
27  BFSH_7_PG       2.0    0       [0, 3]     1/rad       BFSH knee flexion gain (M7)
28  BFSH_8_DG       1.0    0       [0, 3]     -           BFSH knee hold gain, used for both M8 factors
29  BFSH_8_PG       1.0    0       [0, 3]     -           unused (the original's M8 reads BFSH_8_DG)
30  BFSH_9_G_HAM    2.0    0       [0, 3]     -           BFSH gain on the HAM leg-stop stimulation (M9)
31  BFSH_9_HAM0     0.3    0       [0, 3]     -           HAM leg-stop stimulation threshold H0 (M9)
32  BFSH_10_PG      2.0    0       [0, 3]     1/rad       BFSH knee hold gain (M10)
33  GAS_2_FG        1.2    0       [0, 3]     -           GAS force feedback gain in stance (M2)
34  SOL_1_FG        1.2    0       [0, 3]     -           SOL positive force feedback gain (M1)
35  TA_5_PG         2.0    0       [0, 3]     1/rad       TA ankle dorsiflexion gain (M5)
36  TA_5_G_SOL      0.5    0       [0, 3]     -           TA inhibition by the SOL stimulation (M5)
37  theta_tgt_f     5      0       [0, 2]     deg         frontal trunk (roll) target theta_tgt_f (3D; M3)
38  c0_f            20     60      [0, 3]     deg         frontal leg-angle target at zero speed (3D)
39  cv_f            10     0       [0, 3]     deg/(m/s)   lateral-speed gain of alpha_tgt_f (3D)
40  HAB_3_PG        10     0       [0, 3]     1/rad       HAB trunk roll gain (3D; M3)
41  HAB_3_DG        1      0       [0, 3]     s/rad       HAB trunk roll-rate gain (3D; M3)
42  HAB_6_PG        2      0       [0, 3]     1/rad       HAB swing frontal leg-angle gain (3D; M6)
43  HAD_3_PG        2      0       [0, 3]     1/rad       HAD trunk roll gain (3D; M3)
44  HAD_3_DG        0.3    0       [0, 3]     s/rad       HAD trunk roll-rate gain (3D; M3)
45  HAD_6_PG        2      0       [0, 3]     1/rad       HAD swing frontal leg-angle gain (3D; M6; bounds added)
==  ==============  =====  ======  =========  ==========  ==================================================

Units of gains are nominal (per rad of the fed-back angle, s/rad for rates,
"-" for force feedback in normalised force or for stimulation ratios).
``BFSH_8_DG`` multiplies a rate and an angle (the M8 quirk above), so it has no clean unit.

Output
------
22 excitations in the L2M2019Env action order, per leg HAB, HAD, HFL, GLU,
HAM, RF, VAS, BFSH, GAS, SOL, TA, right leg (0-10) then left leg (11-21), each
clipped to [0.01, 1]. In 2D mode HAB and HAD are not computed: HAB = 0.1 and
HAD = 0.1*3931.8/4460.290481 (about 0.08815) for both legs.
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from importlib import resources
from typing import Any, Mapping, NamedTuple, Sequence

import numpy as np

__all__ = [
    "MUSCLES",
    "LEGS",
    "MODES",
    "N_PARAMS",
    "PARAMS",
    "PARAM_NAMES",
    "PARAM_BOUNDS",
    "PHASE_FLAGS",
    "ALPHA_F",
    "params_options",
    "default_options",
    "HAB_2D",
    "HAD_2D",
    "CONTACT_THRESHOLD",
    "MIN_EXCITATION",
    "ParamSpec",
    "ReflexController",
    "control_params",
    "default_params",
    "load_params",
    "param_index",
]

#: Per-leg muscle order of the L2M2019Env action (right leg 0-10, left leg 11-21).
MUSCLES: tuple[str, ...] = ("HAB", "HAD", "HFL", "GLU", "HAM", "RF", "VAS", "BFSH", "GAS", "SOL", "TA")
#: Leg keys of the observation dict, in action order (right leg first).
LEGS: tuple[str, str] = ("r_leg", "l_leg")
#: Controller modes and their parameter counts.
N_PARAMS: dict[str, int] = {"2D": 37, "3D": 46}
MODES: tuple[str, ...] = tuple(N_PARAMS)

#: Constant HAB / HAD excitations of the planar mode (not computed there; as the 2019 original).
HAB_2D = 0.1
HAD_2D = 0.1 * 3931.8 / 4460.290481
#: A foot is "in contact" when its upward GRF exceeds this many body weights.
CONTACT_THRESHOLD = 0.1
#: Lower clip (and baseline) of every excitation.
MIN_EXCITATION = 0.01

#: Phase flags of each leg's state machine (stance / swing sub-phases), exposed as
#: ``ReflexController.phases[leg][flag]`` (0 or 1).
PHASE_FLAGS: tuple[str, ...] = (
    "st",         # stance
    "st_csw",     # stance and contralateral leg in swing (single support)
    "st_sw0",     # stance and swing initiation (this leg was selected to swing)
    "st_st",      # stance without swing initiation
    "sw",         # swing
    "flex_knee",  # swing: flex the knee (M7), until phi_knee < knee_sw_tgt
    "hold_knee",  # swing: hold the knee (M8), until alpha < alpha_tgt
    "stop_leg",   # swing: stop the leg (M9), once alpha < alpha_tgt + alpha_delta
    "hold_leg",   # swing: hold the leg for landing (M10), once stopped and alpha_dot > 0
)


class ParamSpec(NamedTuple):
    """One row of the parameter table: ``cp = (p*scale + offset)`` in ``unit``."""

    index: int
    name: str
    scale: float
    offset: float
    lower: float
    upper: float
    unit: str
    meaning: str

    @property
    def in_degrees(self) -> bool:
        """Whether scale and offset are in degrees (converted to radians)."""
        return self.unit.startswith("deg")

    def control_value(self, p: float) -> float:
        """The control parameter for raw value ``p`` (radians where the unit is degrees)."""
        if self.in_degrees:
            return p * self.scale * math.pi / 180.0 + self.offset * math.pi / 180.0
        return p * self.scale + self.offset


def _row(index, name, scale, offset, bounds, unit, meaning) -> ParamSpec:
    return ParamSpec(index, name, float(scale), float(offset), float(bounds[0]), float(bounds[1]), unit, meaning)


_G = (0, 3)  # bounds of every gain
#: The 46 parameters (the table of the module docstring); planar mode uses the first 37.
PARAMS: tuple[ParamSpec, ...] = (
    _row(0, "theta_tgt", 10, 0, (0, 6), "deg", "trunk pitch target theta_tgt (M3)"),
    _row(1, "c0", 20, 55, (-1, 3), "deg", "leg-angle target at zero speed (alpha_tgt)"),
    _row(2, "cv", 2, 0, (0, 5), "deg/(m/s)", "speed gain of alpha_tgt"),
    _row(3, "alpha_delta", 5, 0, (0, 3), "deg", "swing margin: leg stop when alpha < alpha_tgt + alpha_delta (M9)"),
    _row(4, "knee_sw_tgt", 20, 120, (-2, 3), "deg", "swing knee-flexion target (ends flex_knee; M7)"),
    _row(5, "knee_tgt", 15, 160, (-6, 4 / 3), "deg", "knee target of leg hold (M10; hip_tgt)"),
    _row(6, "knee_off_st", 10, 165, (-1, 1.5), "deg", "knee hyperextension offset (M2; BFSH M8 quirk)"),
    _row(7, "ankle_tgt", 20, 60, (0, 3), "deg", "ankle target of TA (M5)"),
    _row(8, "HFL_3_PG", 2.0, 0, _G, "1/rad", "HFL trunk pitch gain (M3)"),
    _row(9, "HFL_3_DG", 1.0, 0, _G, "s/rad", "HFL trunk pitch-rate gain (M3)"),
    _row(10, "HFL_6_PG", 1.0, 0, _G, "1/rad", "HFL swing leg-angle gain (M6)"),
    _row(11, "HFL_6_DG", 0.1, 0, _G, "s/rad", "HFL swing leg-angle-rate gain (M6)"),
    _row(12, "HFL_10_PG", 1.0, 0, _G, "1/rad", "HFL hip hold gain (M10)"),
    _row(13, "GLU_3_PG", 2.0, 0, _G, "1/rad", "GLU trunk pitch gain (M3)"),
    _row(14, "GLU_3_DG", 0.5, 0, _G, "s/rad", "GLU trunk pitch-rate gain (M3)"),
    _row(15, "GLU_6_PG", 1.0, 0, _G, "1/rad", "GLU swing leg-angle gain (M6)"),
    _row(16, "GLU_6_DG", 0.1, 0, _G, "s/rad", "GLU swing leg-angle-rate gain (M6)"),
    _row(17, "GLU_10_PG", 0.5, 0, _G, "1/rad", "GLU hip hold gain (M10)"),
    _row(18, "HAM_3_GLU", 1.0, 0, _G, "-", "HAM share of the GLU trunk stimulation (M3)"),
    _row(19, "HAM_9_PG", 2.0, 0, _G, "1/rad", "HAM leg stop gain (M9)"),
    _row(20, "RF_1_FG", 0.3, 0, _G, "-", "RF positive force feedback gain (M1)"),
    _row(21, "RF_8_DG_knee", 0.1, 0, _G, "s/rad", "RF knee-rate gain of knee hold (M8)"),
    _row(22, "VAS_1_FG", 1.0, 0, _G, "-", "VAS positive force feedback gain (M1)"),
    _row(23, "VAS_2_PG", 2.0, 0, _G, "1/rad", "VAS knee hyperextension inhibition (M2)"),
    _row(24, "VAS_10_PG", 0.3, 0, _G, "1/rad", "VAS knee hold gain (M10)"),
    _row(25, "BFSH_2_PG", 2.0, 0, _G, "1/rad", "BFSH knee hyperextension gain (M2)"),
    _row(26, "BFSH_7_DG_alpha", 0.2, 0, _G, "s/rad", "BFSH leg-angle-rate gain of knee flexion (M7)"),
    _row(27, "BFSH_7_PG", 2.0, 0, _G, "1/rad", "BFSH knee flexion gain (M7)"),
    _row(28, "BFSH_8_DG", 1.0, 0, _G, "-", "BFSH knee hold gain, used for both M8 factors"),
    _row(29, "BFSH_8_PG", 1.0, 0, _G, "-", "unused (the original's M8 reads BFSH_8_DG)"),
    _row(30, "BFSH_9_G_HAM", 2.0, 0, _G, "-", "BFSH gain on the HAM leg-stop stimulation (M9)"),
    _row(31, "BFSH_9_HAM0", 0.3, 0, _G, "-", "HAM leg-stop stimulation threshold H0 (M9)"),
    _row(32, "BFSH_10_PG", 2.0, 0, _G, "1/rad", "BFSH knee hold gain (M10)"),
    _row(33, "GAS_2_FG", 1.2, 0, _G, "-", "GAS force feedback gain in stance (M2)"),
    _row(34, "SOL_1_FG", 1.2, 0, _G, "-", "SOL positive force feedback gain (M1)"),
    _row(35, "TA_5_PG", 2.0, 0, _G, "1/rad", "TA ankle dorsiflexion gain (M5)"),
    _row(36, "TA_5_G_SOL", 0.5, 0, _G, "-", "TA inhibition by the SOL stimulation (M5)"),
    _row(37, "theta_tgt_f", 5, 0, (0, 2), "deg", "frontal trunk (roll) target theta_tgt_f (3D; M3)"),
    _row(38, "c0_f", 20, 60, (0, 3), "deg", "frontal leg-angle target at zero speed (3D)"),
    _row(39, "cv_f", 10, 0, (0, 3), "deg/(m/s)", "lateral-speed gain of alpha_tgt_f (3D)"),
    _row(40, "HAB_3_PG", 10, 0, _G, "1/rad", "HAB trunk roll gain (3D; M3)"),
    _row(41, "HAB_3_DG", 1, 0, _G, "s/rad", "HAB trunk roll-rate gain (3D; M3)"),
    _row(42, "HAB_6_PG", 2, 0, _G, "1/rad", "HAB swing frontal leg-angle gain (3D; M6)"),
    _row(43, "HAD_3_PG", 2, 0, _G, "1/rad", "HAD trunk roll gain (3D; M3)"),
    _row(44, "HAD_3_DG", 0.3, 0, _G, "s/rad", "HAD trunk roll-rate gain (3D; M3)"),
    _row(45, "HAD_6_PG", 2, 0, _G, "1/rad", "HAD swing frontal leg-angle gain (3D; M6; bounds added)"),
)
PARAM_NAMES: tuple[str, ...] = tuple(p.name for p in PARAMS)
#: (46, 2) array of the raw-parameter bounds [lower, upper] (index 45: [0, 3], missing in the original).
PARAM_BOUNDS: np.ndarray = np.array([(p.lower, p.upper) for p in PARAMS], dtype=np.float64)
PARAM_BOUNDS.setflags(write=False)

_DEFAULT_FILES = {"2D": "params_2d.txt", "3D": "params_3d.txt"}
_INITIAL_FILES = {"2D": "params_2d.txt", "3D": "params_3d_init.txt"}
#: parameters re-optimised for an engine's twin of the model (engine -> mode -> file)
_ENGINE_FILES = {"mujoco": {"2D": "params_2d_mujoco.txt"}}
ENGINES = ("opensim", "mujoco")


def param_index(name: str) -> int:
    """Index of a parameter by name (``KeyError`` if unknown)."""
    try:
        return PARAM_NAMES.index(name)
    except ValueError:
        raise KeyError(f"unknown reflex parameter {name!r}") from None


def _check_mode(mode: str) -> str:
    m = str(mode).upper()
    if m not in N_PARAMS:
        raise ValueError(f"mode must be '2D' or '3D', got {mode!r}")
    return m


#: frontal leg angle laws of ``ReflexController(alpha_f=...)``; the first is the 2019 original's
ALPHA_F: tuple[str, ...] = ("abduction_rate", "abduction_angle")


def params_options(path: str | os.PathLike) -> dict[str, str]:
    """The controller options a parameter file names in a ``# controller: key=value ...`` line ({} if none)."""
    out: dict[str, str] = {}
    with open(path) as fh:
        for line in fh:
            text = line.strip()
            if text.startswith("#") and text[1:].strip().startswith("controller:"):
                for item in text[1:].strip()[len("controller:"):].split():
                    key, sep, value = item.partition("=")
                    if sep:
                        out[key] = value
    return out


def load_params(path: str | os.PathLike) -> np.ndarray:
    """Read a parameter file: whitespace-separated numbers (one per line), ``#`` comments.

    Returns a 1-D float64 array (the raw parameters ``p``, not scaled).
    """
    values = np.loadtxt(path, dtype=np.float64, comments="#", ndmin=1)
    return values.reshape(-1)


def default_params(mode: str = "2D", initial: bool = False, engine: str = "opensim") -> np.ndarray:
    """The shipped raw parameters of ``mode`` (a fresh copy).

    "2D": the 37 optimised planar parameters of the 2019 example controller
    (``osim/control/params_2d.txt``). "3D": the 92 per-leg parameters (46 for
    the right leg, then 46 for the left) found by
    ``scripts/optimize_reflex.py`` (``params_3d.txt``; its header says how
    far they walk; tuned for ``alpha_f="abduction_angle"``, which
    :func:`default_options` returns and ``ReflexController("3D")`` uses:
    pass it along with an explicit vector), or with ``initial=True`` the search's starting point
    (``params_3d_init.txt``: the 37 planar values, then nine 1.0; the 3D
    model falls within a second with them).

    ``engine="mujoco"``: the parameters re-optimised on the MuJoCo twin
    where there are some (2D: ``params_2d_mujoco.txt``, which walk the
    twin's 10 s and more; the OpenSim ones fall after 0.91 s there); 3D has
    none yet and gets the OpenSim ones (they fall after 1.93 s on the twin).
    """
    m = _check_mode(mode)
    with resources.as_file(_shipped_file(m, initial, engine)) as path:
        params = load_params(path)
    if params.size not in (N_PARAMS[m], 2 * N_PARAMS[m]):  # pragma: no cover - guards the shipped data
        raise RuntimeError(f"shipped {m} parameter file has {params.size} values, expected {N_PARAMS[m]} "
                           f"(both legs) or {2 * N_PARAMS[m]} (per leg)")
    return params


def default_options(mode: str = "2D", initial: bool = False, engine: str = "opensim") -> dict[str, str]:
    """The controller options (``alpha_f``) the shipped parameters of :func:`default_params` were tuned with."""
    with resources.as_file(_shipped_file(_check_mode(mode), initial, engine)) as path:
        return params_options(path)


def _shipped_file(mode: str, initial: bool, engine: str):
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    files = _INITIAL_FILES if initial else {**_DEFAULT_FILES, **_ENGINE_FILES.get(engine, {})}
    return resources.files(__package__).joinpath(files[mode])


def control_params(p: Sequence[float]) -> dict[str, float]:
    """Scaled control parameters ``{name: cp}`` for one leg's raw parameters ``p``.

    ``p`` may hold the first 37 (planar) or all 46 parameters.
    """
    p = np.asarray(p, dtype=np.float64).reshape(-1)
    if p.size not in N_PARAMS.values():
        raise ValueError(f"one leg has 37 (2D) or 46 (3D) parameters, got {p.size}")
    return {spec.name: spec.control_value(float(p[spec.index])) for spec in PARAMS[: p.size]}


def _pos(x: float) -> float:
    """[x]+ = max(x, 0)."""
    return x if x > 0.0 else 0.0


def _clip(x: float) -> float:
    return min(max(x, MIN_EXCITATION), 1.0)


@dataclass
class LegSensors:
    """Per-leg sensor values derived from the observation dict (see "Sensors" in the module docstring)."""

    load_ipsi: float
    load_contra: float
    contact_ipsi: bool
    contact_contra: bool
    phi_hip: float
    phi_knee: float
    phi_ankle: float
    dphi_knee: float
    alpha: float
    dalpha: float
    alpha_f: float
    F_RF: float
    F_VAS: float
    F_GAS: float
    F_SOL: float


@dataclass
class BodySensors:
    """Trunk (pelvis) sensors: angles, rates and velocities (from ``obs["pelvis"]``)."""

    pitch: float
    roll: float
    dpitch: float
    droll: float
    v_fwd: float
    v_left: float


@dataclass
class Supraspinal:
    """Per-leg supraspinal commands: trunk and leg-angle targets, swing initiation."""

    theta_tgt: float
    alpha_tgt: float
    hip_tgt: float
    swing_init: int = 0
    theta_tgt_f: float = 0.0
    alpha_tgt_f: float = 0.0


def _initial_phases(leg: str) -> dict[str, int]:
    flags = dict.fromkeys(PHASE_FLAGS, 0)
    if leg == "r_leg":  # right leg in stance (without swing initiation)
        flags["st"] = 1
        flags["st_st"] = 1
    else:  # left leg in swing, flexing the knee
        flags["sw"] = 1
        flags["flex_knee"] = 1
    return flags


class ReflexController:
    """Reflex-based walking controller for L2M2019Env (see the module docstring).

    Parameters
    ----------
    mode:
        ``"2D"`` (planar, 37 parameters; HAB/HAD constant) or ``"3D"``
        (46 parameters; HAB/HAD under frontal-plane control).
    params:
        Raw parameters ``p``: ``None`` for :func:`default_params` of the mode,
        a path to a parameter file, or a vector of length ``n_par`` (used for
        both legs) or ``2*n_par`` (right leg, then left leg).
    dt:
        Control period in seconds; only advances :attr:`t` (the laws have no
        delays).
    alpha_f:
        The frontal leg angle of the 3D laws. ``"abduction_rate"`` (default):
        ``pi/2 - d_joint.hip_abd``, the 2019 original's law with its bug
        (docs/quirks.md, Q55; the published parameters were tuned with it). ``"abduction_angle"``:
        ``pi/2 - joint.hip_abd``, the leg angle Song and Geyer's frontal-plane
        laws (M3 stance balance, M6 swing placement) are written for, a
        deliberate deviation from the original. ``None``: what the parameter
        file's ``# controller: alpha_f=...`` line says when ``params`` is a
        path, else the default. Parameters tuned for one do not suit the other.

    Use: ``obs = env.reset(obs_as_dict=True)``, then repeatedly
    ``obs, r, done, info = env.step(ctrl.update(obs))``. Call :meth:`reset` at
    the start of every episode.

    Attributes
    ----------
    phases:
        ``{"r_leg": {flag: 0|1}, "l_leg": {...}}`` — the state machine flags
        (:data:`PHASE_FLAGS`) after the last update.
    cp:
        ``{"r_leg": {name: value}, "l_leg": {...}}`` — scaled control
        parameters (radians for angles).
    sensors, supraspinal, stimulation:
        Per-leg values of the last update (for inspection): derived sensors,
        supraspinal commands, and unclipped stimulations by muscle name.
    """

    def __init__(self, mode: str = "2D", params: Any = None, dt: float = 0.01, alpha_f: str | None = None):
        self.mode = _check_mode(mode)
        if alpha_f is None:
            if isinstance(params, (str, os.PathLike)):
                options = params_options(params)
            else:  # the shipped parameters' own law; a bare vector gets the default
                options = default_options(self.mode) if params is None else {}
            alpha_f = options.get("alpha_f", ALPHA_F[0])
        if alpha_f not in ALPHA_F:
            raise ValueError(f"alpha_f must be one of {ALPHA_F}, got {alpha_f!r}")
        #: the frontal leg angle law ("abduction_rate": the original's; "abduction_angle": corrected)
        self.alpha_f = alpha_f
        self.n_par = N_PARAMS[self.mode]
        self.dt = float(dt)
        self.set_params(default_params(self.mode) if params is None else params)
        self.reset()

    # ------------------------------------------------------------------ setup
    def set_params(self, params: Any) -> None:
        """Set the raw parameters (``n_par`` values for both legs, or ``2*n_par``: right then left).

        ``params`` may also be a path to a parameter file. Raises ``ValueError``
        for any other length. Does not reset the phase state.
        """
        if isinstance(params, (str, os.PathLike)):
            params = load_params(params)
        p = np.array(params, dtype=np.float64)
        n = self.n_par
        if p.ndim != 1 or p.size not in (n, 2 * n):
            shape = p.shape if p.ndim != 1 else p.size
            raise ValueError(
                f"{self.mode} reflex controller takes {n} parameters (both legs) or {2 * n} "
                f"(right leg then left leg); got {shape}"
            )
        if not np.all(np.isfinite(p)):
            raise ValueError("reflex controller parameters must be finite")
        self.params = {
            "r_leg": p[:n].copy(),
            "l_leg": (p[:n] if p.size == n else p[n:]).copy(),
        }
        self.cp = {leg: control_params(self.params[leg]) for leg in LEGS}

    def reset(self) -> None:
        """Reset the internal state: initial phases (right stance, left swing with flex_knee), clock 0."""
        self.t = 0.0
        self.phases = {leg: _initial_phases(leg) for leg in LEGS}
        # contact remembered from the previous update (consistent with the initial phases)
        self._prev_contact = {"r_leg": True, "l_leg": False}
        self.body: BodySensors | None = None
        self.sensors: dict[str, LegSensors] = {}
        self.supraspinal: dict[str, Supraspinal] = {}
        self.stimulation: dict[str, dict[str, float]] = {}

    # ------------------------------------------------------------------ update
    def update(self, obs: Mapping[str, Any]) -> np.ndarray:
        """One control step: L2M2019Env observation dict -> 22 excitations in [0.01, 1]."""
        self.body = self._read_body(obs)
        self.sensors = self._read_legs(obs)
        self.supraspinal = self._supraspinal_layer()
        action = np.empty(2 * len(MUSCLES), dtype=np.float64)
        self.stimulation = {}
        for k, leg in enumerate(LEGS):
            self._update_phases(leg)
            stim = self._stimulate(leg)
            self.stimulation[leg] = stim
            action[k * len(MUSCLES):(k + 1) * len(MUSCLES)] = [_clip(stim[m]) for m in MUSCLES]
        self.t += self.dt
        return action

    __call__ = update

    # ---------------------------------------------------------------- sensors
    @staticmethod
    def _read_body(obs: Mapping[str, Any]) -> BodySensors:
        pelvis = obs["pelvis"]
        vel = pelvis["vel"]
        return BodySensors(
            pitch=float(pelvis["pitch"]),
            roll=float(pelvis["roll"]),
            dpitch=float(vel[3]),
            droll=float(vel[4]),
            v_fwd=float(vel[0]),
            v_left=float(vel[1]),
        )

    def _read_legs(self, obs: Mapping[str, Any]) -> dict[str, LegSensors]:
        load = {leg: float(obs[leg]["ground_reaction_forces"][2]) for leg in LEGS}
        # the original uses the hip-abduction *rate* (kept by default: the published
        # parameters were tuned with it; docs/quirks.md, Q55)
        frontal = "d_joint" if self.alpha_f == "abduction_rate" else "joint"
        out = {}
        for leg, contra in zip(LEGS, reversed(LEGS)):
            o = obs[leg]
            joint, d_joint = o["joint"], o["d_joint"]
            phi_hip = float(joint["hip"]) + math.pi
            phi_knee = float(joint["knee"]) + math.pi
            phi_ankle = float(joint["ankle"]) + math.pi / 2
            dphi_knee = float(d_joint["knee"])
            out[leg] = LegSensors(
                load_ipsi=load[leg],
                load_contra=load[contra],
                contact_ipsi=load[leg] > CONTACT_THRESHOLD,
                contact_contra=load[contra] > CONTACT_THRESHOLD,
                phi_hip=phi_hip,
                phi_knee=phi_knee,
                phi_ankle=phi_ankle,
                dphi_knee=dphi_knee,
                alpha=phi_hip - 0.5 * phi_knee,
                dalpha=float(d_joint["hip"]) - 0.5 * dphi_knee,
                alpha_f=math.pi / 2 - float(o[frontal]["hip_abd"]),
                F_RF=float(o["RF"]["f"]),
                F_VAS=float(o["VAS"]["f"]),
                F_GAS=float(o["GAS"]["f"]),
                F_SOL=float(o["SOL"]["f"]),
            )
        return out

    # ----------------------------------------------------- supraspinal layer
    def _supraspinal_layer(self) -> dict[str, Supraspinal]:
        """Targets per leg and swing-leg selection (the supraspinal layer)."""
        b = self.body
        cmd = {}
        for leg in LEGS:
            cp = self.cp[leg]
            alpha_tgt = cp["c0"] - cp["cv"] * b.v_fwd - b.pitch
            c = Supraspinal(theta_tgt=cp["theta_tgt"], alpha_tgt=alpha_tgt,
                            hip_tgt=alpha_tgt + 0.5 * cp["knee_tgt"])
            if self.mode == "3D":
                s = 1.0 if leg == "r_leg" else -1.0
                c.theta_tgt_f = cp["theta_tgt_f"]
                c.alpha_tgt_f = cp["c0_f"] + s * cp["cv_f"] * b.v_left - s * b.roll
            cmd[leg] = c
        # Swing-leg selection: only in double support; the leg further behind its
        # target (larger alpha - alpha_tgt) is released; ties go to the left leg.
        r, l = self.sensors["r_leg"], self.sensors["l_leg"]
        if r.contact_ipsi and l.contact_ipsi:
            d_r = r.alpha - cmd["r_leg"].alpha_tgt
            d_l = l.alpha - cmd["l_leg"].alpha_tgt
            if d_r > d_l:
                cmd["r_leg"].swing_init = 1
            else:
                cmd["l_leg"].swing_init = 1
        return cmd

    # ------------------------------------------------------ phase machine
    def _update_phases(self, leg: str) -> None:
        """Advance one leg's phase state machine (:data:`PHASE_FLAGS`)."""
        ph = self.phases[leg]
        s = self.sensors[leg]
        cmd = self.supraspinal[leg]
        cp = self.cp[leg]
        was_contact = self._prev_contact[leg]

        if not was_contact and s.contact_ipsi:  # touchdown: stance control, swing flags off
            ph["st"] = 1
            for flag in ("sw", "flex_knee", "hold_knee", "stop_leg", "hold_leg"):
                ph[flag] = 0
        if ph["st"]:
            ph["st_csw"] = int(not s.contact_contra)
            ph["st_sw0"] = int(cmd.swing_init)
            ph["st_st"] = int(not ph["st_sw0"])
        if was_contact and not s.contact_ipsi:  # lift-off: swing control, flex the knee
            for flag in ("st", "st_csw", "st_sw0", "st_st"):
                ph[flag] = 0
            ph["sw"] = 1
            ph["flex_knee"] = 1
        if ph["sw"]:
            if ph["flex_knee"]:
                if s.phi_knee < cp["knee_sw_tgt"]:  # knee flexed enough: hold it
                    ph["flex_knee"] = 0
                    ph["hold_knee"] = 1
            else:
                if ph["hold_knee"] and s.alpha < cmd.alpha_tgt:  # leg swung far enough
                    ph["hold_knee"] = 0
                if s.alpha < cmd.alpha_tgt + cp["alpha_delta"]:  # near the target: stop the leg
                    ph["stop_leg"] = 1
                if ph["stop_leg"] and s.dalpha > 0:  # leg starts to retract: hold it
                    ph["hold_leg"] = 1
        self._prev_contact[leg] = s.contact_ipsi

    # ---------------------------------------------------------- spinal layer
    def _stimulate(self, leg: str) -> dict[str, float]:
        """Unclipped muscle stimulations of one leg (the reflex modules M1-M10)."""
        ph, s, b, cmd, cp = self.phases[leg], self.sensors[leg], self.body, self.supraspinal[leg], self.cp[leg]
        st, sw = ph["st"], ph["sw"]
        st_sw0, st_st = ph["st_sw0"], ph["st_st"]
        flex_knee, hold_knee, stop_leg, hold_leg = ph["flex_knee"], ph["hold_knee"], ph["stop_leg"], ph["hold_leg"]
        # L: swing-leg (M6) drive: swing initiation (weighted by contralateral load) or swing.
        L = st_sw0 * s.load_contra + sw
        # P: stance (M1/M2) drive: stance, fading out with contralateral load at swing initiation.
        P = st_st + st_sw0 * (1.0 - s.load_contra)
        stance_load = st * s.load_ipsi  # M3 is scaled by ipsilateral load

        d_theta = b.pitch - cmd.theta_tgt
        d_alpha = s.alpha - cmd.alpha_tgt
        d_hip = s.phi_hip - cmd.hip_tgt
        d_knee_tgt = s.phi_knee - cp["knee_tgt"]
        d_knee_off = s.phi_knee - cp["knee_off_st"]

        stim: dict[str, float] = {}

        # --- hip abductors/adductors (3D only): M3 frontal trunk balance, M6 frontal swing
        if self.mode == "3D":
            sgn = 1.0 if leg == "r_leg" else -1.0
            d_theta_f = sgn * b.roll - cmd.theta_tgt_f
            dtheta_f = sgn * b.droll
            d_alpha_f = s.alpha_f - cmd.alpha_tgt_f
            stim["HAB"] = (stance_load * _pos(-cp["HAB_3_PG"] * d_theta_f - cp["HAB_3_DG"] * dtheta_f)  # M3
                           + L * _pos(cp["HAB_6_PG"] * d_alpha_f))  # M6
            stim["HAD"] = (stance_load * _pos(cp["HAD_3_PG"] * d_theta_f + cp["HAD_3_DG"] * dtheta_f)  # M3
                           + L * _pos(-cp["HAD_6_PG"] * d_alpha_f))  # M6
        else:
            stim["HAB"] = HAB_2D
            stim["HAD"] = HAD_2D

        # --- HFL: M3 trunk balance, M6 swing hip, M10 leg hold
        stim["HFL"] = (MIN_EXCITATION
                       + stance_load * _pos(-cp["HFL_3_PG"] * d_theta - cp["HFL_3_DG"] * b.dpitch)  # M3
                       + L * _pos(cp["HFL_6_PG"] * d_alpha + cp["HFL_6_DG"] * s.dalpha)  # M6
                       + hold_leg * _pos(cp["HFL_10_PG"] * d_hip))  # M10

        # --- GLU: M3 trunk balance, M6 swing hip, M10 leg hold
        s_glu3 = stance_load * _pos(cp["GLU_3_PG"] * d_theta + cp["GLU_3_DG"] * b.dpitch)  # M3
        stim["GLU"] = (MIN_EXCITATION + s_glu3
                       + L * _pos(-cp["GLU_6_PG"] * d_alpha - cp["GLU_6_DG"] * s.dalpha)  # M6
                       + hold_leg * _pos(-cp["GLU_10_PG"] * d_hip))  # M10

        # --- HAM: M3 (share of GLU's trunk-balance stimulation), M9 leg stop
        s_ham9 = stop_leg * _pos(-cp["HAM_9_PG"] * (s.alpha - (cmd.alpha_tgt + cp["alpha_delta"])))  # M9
        stim["HAM"] = MIN_EXCITATION + cp["HAM_3_GLU"] * s_glu3 + s_ham9

        # --- RF: M1 positive force feedback, M8 knee hold (damping of knee flexion rate)
        stim["RF"] = (MIN_EXCITATION
                      + P * _pos(cp["RF_1_FG"] * s.F_RF)  # M1
                      + hold_knee * _pos(-cp["RF_8_DG_knee"] * s.dphi_knee))  # M8

        # --- VAS: M1 positive force feedback, M2 hyperextension inhibition, M10 leg hold
        stim["VAS"] = (MIN_EXCITATION
                       + P * _pos(cp["VAS_1_FG"] * s.F_VAS)  # M1
                       - P * _pos(cp["VAS_2_PG"] * d_knee_off)  # M2
                       + hold_leg * _pos(-cp["VAS_10_PG"] * d_knee_tgt))  # M10

        # --- BFSH: M2 hyperextension, M7 knee flexion, M8 knee hold, M9 leg stop, M10 leg hold
        g8 = cp["BFSH_8_DG"]  # the original's gain for both factors; BFSH_8_PG is unused (kept)
        stim["BFSH"] = (MIN_EXCITATION
                        + P * _pos(cp["BFSH_2_PG"] * d_knee_off)  # M2
                        + (st_sw0 * s.load_contra + flex_knee)
                        * _pos(-cp["BFSH_7_DG_alpha"] * s.dalpha + cp["BFSH_7_PG"] * (s.phi_knee - cp["knee_sw_tgt"]))  # M7
                        # M8 (as the original: the knee offset angle is subtracted from the knee angular velocity)
                        + hold_knee * _pos(g8 * (s.dphi_knee - cp["knee_off_st"]) * g8 * d_alpha)
                        + _pos(cp["BFSH_9_G_HAM"] * (s_ham9 - cp["BFSH_9_HAM0"]))  # M9
                        + hold_leg * _pos(cp["BFSH_10_PG"] * d_knee_tgt))  # M10

        # --- GAS: M2 force feedback in stance
        stim["GAS"] = MIN_EXCITATION + st * _pos(cp["GAS_2_FG"] * s.F_GAS)

        # --- SOL: M1 positive force feedback in stance
        s_sol1 = st * _pos(cp["SOL_1_FG"] * s.F_SOL)
        stim["SOL"] = MIN_EXCITATION + s_sol1

        # --- TA: M5 ankle dorsiflexion, inhibited by SOL's M1 stimulation in stance
        stim["TA"] = (MIN_EXCITATION
                      + _pos(cp["TA_5_PG"] * (s.phi_ankle - cp["ankle_tgt"]))  # M5
                      - st * _pos(cp["TA_5_G_SOL"] * s_sol1))
        return stim
