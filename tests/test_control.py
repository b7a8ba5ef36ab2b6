"""Tests of the reflex-based locomotion controller (osim/control/).

What is checked: the structure (supraspinal and spinal layers), the sensors
read from the L2M2019Env observation dict, the phase state machine, the
stimulation laws, the parameter table and the output, including the 2019
original's oddities that are kept on purpose (docs/quirks.md, Q55). The
controller cannot be run on the environment here, so the laws are checked
against hand arithmetic from the 2019 controller's formulas on synthetic
observation dicts.
"""
from __future__ import annotations

import ast
import copy
import math
import re
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from osim.control import (
    HAB_2D,
    HAD_2D,
    MUSCLES,
    N_PARAMS,
    PARAM_BOUNDS,
    PARAMS,
    PHASE_FLAGS,
    ReflexController,
    control_params,
    default_params,
    load_params,
    param_index,
)
from osim.control import reflex

DEG = math.pi / 180
P2D = default_params("2D")
P3D = default_params("3D", initial=True)  # the hand arithmetic below holds for any parameters
R = {m: i for i, m in enumerate(MUSCLES)}  # right-leg action index
L = {m: 11 + i for i, m in enumerate(MUSCLES)}  # left-leg action index


# --------------------------------------------------------------- helpers
def standing_obs(load_r: float = 0.684, load_l: float = 0.684) -> dict:
    """An L2M2019Env observation dict (obs_as_dict=True) of a quiet standing pose, every key present."""

    def leg(load):
        d = {
            "ground_reaction_forces": [0.0, 0.0, load],
            "joint": {"hip_abd": 0.0, "hip": 0.0, "knee": 0.0, "ankle": 0.0},
            "d_joint": {"hip_abd": 0.0, "hip": 0.0, "knee": 0.0, "ankle": 0.0},
        }
        for m in MUSCLES:
            d[m] = {"f": 0.1, "l": 1.0, "v": 0.0}
        return d

    return {
        "v_tgt_field": np.zeros((2, 11, 11)),
        "pelvis": {"height": 0.94, "pitch": 0.0, "roll": 0.0, "vel": [0.0] * 6},
        "r_leg": leg(load_r),
        "l_leg": leg(load_l),
    }


def pos(x):
    return max(x, 0.0)


def clip(x):
    return min(max(x, 0.01), 1.0)


def phases(ctrl, leg):
    return {k: v for k, v in ctrl.phases[leg].items() if v}


# ------------------------------------------------------- output / modes
@pytest.mark.parametrize("mode", ["2D", "3D"])
def test_output_shape_and_range(mode):
    ctrl = ReflexController(mode)
    a = ctrl.update(standing_obs())
    assert isinstance(a, np.ndarray) and a.shape == (22,) and a.dtype == np.float64
    assert np.all(a >= 0.01) and np.all(a <= 1.0)


@pytest.mark.parametrize("mode", ["2D", "3D"])
def test_output_range_random_observations(mode):
    rng = np.random.default_rng(0)
    lo, hi = PARAM_BOUNDS[: N_PARAMS[mode]].T
    for trial in range(20):
        ctrl = ReflexController(mode, params=rng.uniform(lo, hi, size=(2, len(lo))).reshape(-1))
        for _ in range(30):
            obs = standing_obs(*rng.uniform(-0.2, 1.5, 2))
            obs["pelvis"]["pitch"], obs["pelvis"]["roll"] = rng.normal(0, 0.3, 2)
            obs["pelvis"]["vel"] = list(rng.normal(0, 1.0, 6))
            for leg in ("r_leg", "l_leg"):
                for j in ("hip_abd", "hip", "knee", "ankle"):
                    obs[leg]["joint"][j] = rng.normal(0, 0.8)
                    obs[leg]["d_joint"][j] = rng.normal(0, 5.0)
                for m in MUSCLES:
                    obs[leg][m]["f"] = rng.uniform(0, 2)
            a = ctrl.update(obs)
            assert a.shape == (22,)
            assert np.all(np.isfinite(a)) and np.all(a >= 0.01) and np.all(a <= 1.0)


def test_2d_hab_had_constants():
    assert HAD_2D == pytest.approx(0.1 * 3931.8 / 4460.290481, abs=0) and HAD_2D == pytest.approx(0.08815, abs=1e-5)
    ctrl = ReflexController("2D")
    for obs in (standing_obs(), standing_obs(0.0, 1.0), standing_obs(1.0, 0.0)):
        obs["pelvis"]["roll"] = 0.3
        obs["r_leg"]["d_joint"]["hip_abd"] = 2.0
        a = ctrl.update(obs)
        assert a[R["HAB"]] == a[L["HAB"]] == 0.1 == HAB_2D
        assert a[R["HAD"]] == a[L["HAD"]] == 0.1 * 3931.8 / 4460.290481


def test_mode_validation():
    assert ReflexController("2d").mode == "2D"
    with pytest.raises(ValueError, match="2D.*3D"):
        ReflexController("4D")


def test_does_not_import_opensim():
    """The controller is pure Python/NumPy: its modules import only the standard library, numpy and itself.

    (``optimize.py``, the search harness, runs episodes: it imports the env,
    cma and tqdm, but only inside its functions; ``controllers.py`` loads
    saved policies with :mod:`osim.training.train`, also inside a function;
    ``arm.py``, the Arm2D reaching controller, reads OpenSim's moment arms
    and solves with SciPy, inside its methods; see the subprocess check.)
    """
    import subprocess

    allowed = set(sys.stdlib_module_names) | {"numpy", "osim"}
    for path in Path(reflex.__file__).parent.glob("*.py"):
        if path.name in ("optimize.py", "controllers.py", "arm.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""] if node.level == 0 else []
            else:
                continue
            for name in names:
                assert name.split(".")[0] in allowed, f"{path.name} imports {name}"
                if name.startswith("osim"):
                    assert name.startswith("osim.control"), f"{path.name} imports {name}"
    code = ("import sys, osim.control, osim.control.optimize, osim.control.controllers, osim.control.arm; "
            "assert 'opensim' not in sys.modules")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_update_does_not_mutate_obs_and_call_alias():
    obs = standing_obs()
    before = copy.deepcopy(obs)
    a = ReflexController()(obs)
    b = ReflexController().update(obs)
    assert np.array_equal(a, b)
    assert obs["pelvis"] == before["pelvis"] and obs["r_leg"] == before["r_leg"]


# ------------------------------------------------------------ parameters
@pytest.mark.parametrize("mode,n", [("2D", 37), ("3D", 46)])
def test_parameter_length_validation(mode, n):
    ReflexController(mode, params=np.ones(n))
    ReflexController(mode, params=np.ones(2 * n))
    for bad in (n - 1, n + 1, 2 * n + 1, 0, 3 * n):
        with pytest.raises(ValueError, match=rf"{n} parameters.*{2 * n}"):
            ReflexController(mode, params=np.ones(bad))
    with pytest.raises(ValueError, match=rf"{n} parameters.*{2 * n}"):
        ReflexController(mode, params=np.ones((2, n)))
    with pytest.raises(ValueError, match="finite"):
        ReflexController(mode, params=np.full(n, np.nan))


def test_both_legs_and_separate_legs():
    ctrl = ReflexController("2D", params=P2D)
    assert np.array_equal(ctrl.params["r_leg"], P2D) and np.array_equal(ctrl.params["l_leg"], P2D)
    right, left = P2D.copy(), P2D.copy()
    left[0] = 2.0
    ctrl = ReflexController("2D", params=np.concatenate([right, left]))
    assert ctrl.cp["r_leg"]["theta_tgt"] == pytest.approx(P2D[0] * 10 * DEG, rel=1e-15)
    assert ctrl.cp["l_leg"]["theta_tgt"] == pytest.approx(20 * DEG, rel=1e-15)


def test_parameter_scaling():
    p = np.arange(46, dtype=float) * 0.01 + 0.5
    cp = control_params(p)
    assert cp["theta_tgt"] == pytest.approx(p[0] * 10 * DEG, rel=1e-14)
    assert cp["c0"] == pytest.approx((p[1] * 20 + 55) * DEG, rel=1e-14)
    assert cp["cv"] == pytest.approx(p[2] * 2 * DEG, rel=1e-14)
    assert cp["alpha_delta"] == pytest.approx(p[3] * 5 * DEG, rel=1e-14)
    assert cp["knee_sw_tgt"] == pytest.approx((p[4] * 20 + 120) * DEG, rel=1e-14)
    assert cp["knee_tgt"] == pytest.approx((p[5] * 15 + 160) * DEG, rel=1e-14)
    assert cp["knee_off_st"] == pytest.approx((p[6] * 10 + 165) * DEG, rel=1e-14)
    assert cp["ankle_tgt"] == pytest.approx((p[7] * 20 + 60) * DEG, rel=1e-14)
    assert cp["HFL_6_DG"] == pytest.approx(p[11] * 0.1, rel=1e-14)
    assert cp["BFSH_9_HAM0"] == pytest.approx(p[31] * 0.3, rel=1e-14)
    assert cp["SOL_1_FG"] == pytest.approx(p[34] * 1.2, rel=1e-14)
    assert cp["theta_tgt_f"] == pytest.approx(p[37] * 5 * DEG, rel=1e-14)
    assert cp["c0_f"] == pytest.approx((p[38] * 20 + 60) * DEG, rel=1e-14)
    assert cp["cv_f"] == pytest.approx(p[39] * 10 * DEG, rel=1e-14)
    assert cp["HAB_3_PG"] == pytest.approx(p[40] * 10, rel=1e-14)
    assert cp["HAD_3_DG"] == pytest.approx(p[44] * 0.3, rel=1e-14)
    assert len(control_params(p[:37])) == 37 and "HAB_3_PG" not in control_params(p[:37])
    with pytest.raises(ValueError):
        control_params(p[:40])
    # the controller's cp use the same scaling
    ctrl = ReflexController("2D")
    assert ctrl.cp["r_leg"]["theta_tgt"] == pytest.approx(P2D[0] * 10 * DEG, rel=1e-14)


def test_parameter_table():
    assert len(PARAMS) == 46
    assert [p.index for p in PARAMS] == list(range(46))
    assert PARAM_BOUNDS.shape == (46, 2)
    assert tuple(PARAM_BOUNDS[45]) == (0.0, 3.0)  # missing in the original's bounds list
    assert tuple(PARAM_BOUNDS[5]) == (-6.0, 4 / 3)
    assert tuple(PARAM_BOUNDS[0]) == (0.0, 6.0)
    assert param_index("BFSH_8_PG") == 29 and param_index("HAD_6_PG") == 45
    with pytest.raises(KeyError):
        param_index("nope")
    assert [p.name for p in PARAMS[:8]] == [
        "theta_tgt", "c0", "cv", "alpha_delta", "knee_sw_tgt", "knee_tgt", "knee_off_st", "ankle_tgt"]


def test_docstring_table_matches_data():
    row = re.compile(r"^\s*(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+\[(\S+), (\S+)\]\s+(\S+)\s+(.+?)\s*$")
    rows = {}
    for line in reflex.__doc__.splitlines():
        m = row.match(line)
        if m:
            rows[int(m.group(1))] = m.groups()[1:]
    assert sorted(rows) == list(range(46))
    for p in PARAMS:
        name, scale, offset, lo, hi, unit, meaning = rows[p.index]
        assert (name, unit, meaning) == (p.name, p.unit, p.meaning)
        assert (float(scale), float(offset)) == (p.scale, p.offset)
        assert (float(Fraction(lo)), float(Fraction(hi))) == (p.lower, p.upper)


def test_default_params_and_files(tmp_path):
    assert P2D.shape == (37,) and P3D.shape == (46,)
    assert np.array_equal(P3D[:37], P2D) and np.array_equal(P3D[37:], np.ones(9))
    p = default_params("2D")
    p[0] = 99.0
    assert default_params("2D")[0] != 99.0  # a fresh copy each time
    assert P2D[0] == 1.119328508677988943e+00 and P2D[36] == 1.349898221427008771e+00
    f = tmp_path / "p.txt"
    np.savetxt(f, P2D)
    assert np.array_equal(load_params(f), P2D)
    ctrl = ReflexController("2D", params=f)
    assert np.array_equal(ctrl.params["l_leg"], P2D)


@pytest.mark.reference
def test_reference_params_equal_shipped(reference):
    ref2 = load_params(reference / "control" / "params_2D.txt")
    ref3 = load_params(reference / "control" / "params_3D_init.txt")
    assert ref2.shape == (37,) and np.array_equal(ref2, default_params("2D"))
    assert ref3.shape == (46,) and np.array_equal(ref3, default_params("3D", initial=True))


# ------------------------------------------------------ phase machine
def test_initial_phases_and_reset():
    ctrl = ReflexController()
    assert set(ctrl.phases) == {"r_leg", "l_leg"}
    assert set(ctrl.phases["r_leg"]) == set(PHASE_FLAGS)
    assert ctrl.phases["r_leg"]["st"] == 1 and ctrl.phases["r_leg"]["sw"] == 0
    assert phases(ctrl, "l_leg") == {"sw": 1, "flex_knee": 1}
    obs = standing_obs(0.0, 0.9)  # right lifts off, left lands
    ctrl.update(obs)
    ctrl.update(obs)
    assert ctrl.phases["r_leg"]["sw"] == 1 and ctrl.phases["l_leg"]["st"] == 1
    assert ctrl.t == pytest.approx(0.02)
    ctrl.reset()
    assert ctrl.t == 0.0
    assert ctrl.phases["r_leg"]["st"] == 1 and ctrl.phases["r_leg"]["sw"] == 0
    assert phases(ctrl, "l_leg") == {"sw": 1, "flex_knee": 1}
    # after reset the remembered contact is the initial one again: a loaded left foot is a touchdown
    ctrl.update(standing_obs(0.0, 0.9))
    assert ctrl.phases["l_leg"]["st"] == 1


def test_liftoff_and_touchdown():
    ctrl = ReflexController()
    ctrl.update(standing_obs(0.8, 0.8))  # left touches down: double support
    assert ctrl.phases["l_leg"]["st"] == 1 and ctrl.phases["l_leg"]["sw"] == 0
    assert ctrl.phases["l_leg"]["flex_knee"] == 0
    # right GRF to zero: lift-off -> swing with knee flexion
    ctrl.update(standing_obs(0.0, 0.8))
    r = ctrl.phases["r_leg"]
    assert r["st"] == r["st_csw"] == r["st_sw0"] == r["st_st"] == 0
    assert r["sw"] == 1 and r["flex_knee"] == 1
    # the left leg is now in single support
    assert ctrl.phases["l_leg"]["st_csw"] == 1
    # stays in swing while unloaded
    ctrl.update(standing_obs(0.05, 0.8))
    assert ctrl.phases["r_leg"]["sw"] == 1 and ctrl.phases["r_leg"]["flex_knee"] == 1
    # touchdown: back to stance, every swing flag cleared
    ctrl.update(standing_obs(0.6, 0.8))
    r = ctrl.phases["r_leg"]
    assert r["st"] == 1
    assert r["sw"] == r["flex_knee"] == r["hold_knee"] == r["stop_leg"] == r["hold_leg"] == 0
    assert ctrl.phases["l_leg"]["st_csw"] == 0


def test_contact_threshold_is_strict():
    ctrl = ReflexController()
    ctrl.update(standing_obs(0.1, 0.1))  # exactly 0.1 body weights is no contact
    assert ctrl.phases["r_leg"]["sw"] == 1 and ctrl.phases["l_leg"]["sw"] == 1
    ctrl.update(standing_obs(0.1001, 0.1001))
    assert ctrl.phases["r_leg"]["st"] == 1 and ctrl.phases["l_leg"]["st"] == 1


def test_swing_subphases():
    cp = control_params(P2D)
    ctrl = ReflexController()
    obs = standing_obs(0.0, 0.8)  # right leg: lift-off
    ctrl.update(obs)
    assert phases(ctrl, "r_leg") == {"sw": 1, "flex_knee": 1}
    # knee flexed beyond knee_sw_tgt: flex_knee -> hold_knee
    knee = cp["knee_sw_tgt"] - math.pi - 0.05
    obs["r_leg"]["joint"]["knee"] = knee
    obs["r_leg"]["joint"]["hip"] = -0.1  # alpha still well behind alpha_tgt
    alpha = (math.pi - 0.1) - (math.pi + knee) / 2
    assert alpha > cp["c0"] + cp["alpha_delta"]
    ctrl.update(obs)
    assert phases(ctrl, "r_leg") == {"sw": 1, "hold_knee": 1}
    # swing forward until alpha < alpha_tgt + alpha_delta (but >= alpha_tgt): stop_leg, knee still held
    obs["r_leg"]["joint"]["hip"] = cp["c0"] + 0.5 * cp["alpha_delta"] + (math.pi + knee) / 2 - math.pi
    ctrl.update(obs)
    assert phases(ctrl, "r_leg") == {"sw": 1, "hold_knee": 1, "stop_leg": 1}
    # alpha < alpha_tgt: knee released; alpha_dot <= 0: no hold yet
    obs["r_leg"]["joint"]["hip"] = cp["c0"] - 0.05 + (math.pi + knee) / 2 - math.pi
    obs["r_leg"]["d_joint"]["hip"] = -1.0
    ctrl.update(obs)
    assert phases(ctrl, "r_leg") == {"sw": 1, "stop_leg": 1}
    # leg starts to retract (alpha_dot > 0): hold_leg
    obs["r_leg"]["d_joint"]["hip"] = 0.5
    ctrl.update(obs)
    assert phases(ctrl, "r_leg") == {"sw": 1, "stop_leg": 1, "hold_leg": 1}
    # touchdown clears them
    ctrl.update(standing_obs(0.8, 0.8))
    assert ctrl.phases["r_leg"]["st"] == 1 and ctrl.phases["r_leg"]["sw"] == 0
    assert ctrl.phases["r_leg"]["hold_leg"] == ctrl.phases["r_leg"]["stop_leg"] == 0


def test_swing_init_larger_alpha_error():
    ctrl = ReflexController()
    obs = standing_obs(0.7, 0.7)
    obs["r_leg"]["joint"]["hip"] = 0.2  # right hip more extended: larger alpha - alpha_tgt
    ctrl.update(obs)
    assert ctrl.supraspinal["r_leg"].swing_init == 1 and ctrl.supraspinal["l_leg"].swing_init == 0
    assert ctrl.phases["r_leg"]["st_sw0"] == 1 and ctrl.phases["r_leg"]["st_st"] == 0
    assert ctrl.phases["l_leg"]["st_sw0"] == 0 and ctrl.phases["l_leg"]["st_st"] == 1
    obs["r_leg"]["joint"]["hip"] = 0.0
    obs["l_leg"]["joint"]["hip"] = 0.2
    ctrl.update(obs)
    assert ctrl.phases["r_leg"]["st_sw0"] == 0 and ctrl.phases["l_leg"]["st_sw0"] == 1


def test_swing_init_tie_goes_left():
    ctrl = ReflexController()
    ctrl.update(standing_obs(0.7, 0.7))  # symmetric: tie
    assert ctrl.phases["l_leg"]["st_sw0"] == 1 and ctrl.phases["r_leg"]["st_sw0"] == 0
    assert ctrl.phases["r_leg"]["st_st"] == 1


def test_swing_init_only_in_double_support():
    ctrl = ReflexController()
    obs = standing_obs(0.9, 0.05)
    obs["r_leg"]["joint"]["hip"] = 0.5
    ctrl.update(obs)
    assert ctrl.supraspinal["r_leg"].swing_init == 0 and ctrl.supraspinal["l_leg"].swing_init == 0
    assert ctrl.phases["r_leg"]["st_st"] == 1 and ctrl.phases["r_leg"]["st_csw"] == 1


def test_swing_init_uses_alpha_minus_target():
    # equal alpha, but the right leg has the smaller c0 (target): its alpha - alpha_tgt is larger
    right, left = P2D.copy(), P2D.copy()
    right[1] -= 0.1
    ctrl = ReflexController("2D", params=np.concatenate([right, left]))
    ctrl.update(standing_obs(0.7, 0.7))
    assert ctrl.phases["r_leg"]["st_sw0"] == 1 and ctrl.phases["l_leg"]["st_sw0"] == 0


# ------------------------------------------------------ stimulation laws
def _gains(p):
    """Control parameters from raw values (cp = p*scale + offset, by hand), independent of the implementation."""
    return {
        "theta_tgt": p[0] * 10 * DEG, "c0": (p[1] * 20 + 55) * DEG, "cv": p[2] * 2 * DEG,
        "alpha_delta": p[3] * 5 * DEG, "knee_sw_tgt": (p[4] * 20 + 120) * DEG,
        "knee_tgt": (p[5] * 15 + 160) * DEG, "knee_off_st": (p[6] * 10 + 165) * DEG,
        "ankle_tgt": (p[7] * 20 + 60) * DEG,
        "HFL3p": 2.0 * p[8], "HFL3d": 1.0 * p[9], "HFL6p": 1.0 * p[10], "HFL6d": 0.1 * p[11],
        "GLU3p": 2.0 * p[13], "GLU3d": 0.5 * p[14], "GLU6p": 1.0 * p[15], "GLU6d": 0.1 * p[16],
        "HAM3": 1.0 * p[18], "RF1": 0.3 * p[20], "RF8": 0.1 * p[21],
        "VAS1": 1.0 * p[22], "VAS2": 2.0 * p[23], "BFSH2": 2.0 * p[25], "BFSH7d": 0.2 * p[26],
        "BFSH7p": 2.0 * p[27], "BFSH8d": 1.0 * p[28], "GAS2": 1.2 * p[33], "SOL1": 1.2 * p[34],
        "TA5": 2.0 * p[35], "TA5sol": 0.5 * p[36],
    }


# The shipped planar set has a few negative gains (HAM_9_PG, BFSH_2_PG, BFSH_8_DG, BFSH_10_PG: the
# optimiser left the bounds), which flip the sign those terms respond to; the hand checks use
# their absolute values so that every term is exercised.
PT = np.abs(P2D)
G = _gains(PT)


def _crafted_obs():
    """Right leg in single stance (loaded 0.8), left leg in early swing (unloaded, knee flexing)."""
    obs = standing_obs(0.8, 0.0)
    r, l = obs["r_leg"], obs["l_leg"]
    r["joint"]["knee"] = -5 * DEG
    r["joint"]["ankle"] = 0.0
    r["RF"]["f"], r["VAS"]["f"], r["GAS"]["f"], r["SOL"]["f"] = 0.5, 0.6, 0.4, 0.3
    l["joint"]["hip"] = -20 * DEG
    l["joint"]["knee"] = -35 * DEG
    l["joint"]["ankle"] = -10 * DEG
    l["d_joint"]["hip"] = -0.3
    l["d_joint"]["knee"] = -0.4
    l["SOL"]["f"], l["GAS"]["f"] = 0.5, 0.5
    return obs


def test_stance_laws_by_hand():
    obs = _crafted_obs()
    ctrl = ReflexController("2D", params=PT)
    a = ctrl.update(obs)
    assert phases(ctrl, "r_leg") == {"st": 1, "st_csw": 1, "st_st": 1}  # P = 1, L = 0
    load = 0.8
    phi_knee = math.pi - 5 * DEG
    phi_ankle = math.pi / 2
    s_sol = G["SOL1"] * 0.3
    expected = {
        "SOL": 0.01 + G["SOL1"] * 0.3,
        "GAS": 0.01 + G["GAS2"] * 0.4,
        "TA": 0.01 + pos(G["TA5"] * (phi_ankle - G["ankle_tgt"])) - pos(G["TA5sol"] * s_sol),
        "VAS": 0.01 + G["VAS1"] * 0.6 - pos(G["VAS2"] * (phi_knee - G["knee_off_st"])),
        "RF": 0.01 + G["RF1"] * 0.5,
        "BFSH": 0.01 + pos(G["BFSH2"] * (phi_knee - G["knee_off_st"])),
        # pitch 0 < theta_tgt: HFL pulls the trunk forward, GLU/HAM silent
        "HFL": 0.01 + load * pos(-G["HFL3p"] * (0.0 - G["theta_tgt"]) - G["HFL3d"] * 0.0),
        "GLU": 0.01,
        "HAM": 0.01,
    }
    for m, v in expected.items():
        assert 0.01 < v < 1.0 or m in ("GLU", "HAM")
        assert a[R[m]] == pytest.approx(v, abs=1e-12), m
    # the crafted numbers exercise the terms (nothing degenerate)
    assert G["TA5"] * (phi_ankle - G["ankle_tgt"]) > 0 and phi_knee > G["knee_off_st"]


def test_stance_trunk_laws_by_hand():
    obs = _crafted_obs()
    obs["pelvis"]["pitch"] = 0.4  # leaning forward beyond theta_tgt
    obs["pelvis"]["vel"][3] = 0.2  # pitching forward
    a = ReflexController("2D", params=PT).update(obs)
    s_glu3 = 0.8 * pos(G["GLU3p"] * (0.4 - G["theta_tgt"]) + G["GLU3d"] * 0.2)
    assert a[R["GLU"]] == pytest.approx(0.01 + s_glu3, abs=1e-12)
    assert a[R["HAM"]] == pytest.approx(0.01 + G["HAM3"] * s_glu3, abs=1e-12)
    assert a[R["HFL"]] == pytest.approx(0.01, abs=1e-12)
    assert 0.01 < a[R["HAM"]] < a[R["GLU"]] < 1.0


def test_swing_laws_by_hand():
    obs = _crafted_obs()
    ctrl = ReflexController("2D", params=PT)
    a = ctrl.update(obs)
    assert phases(ctrl, "l_leg") == {"sw": 1, "flex_knee": 1}  # L = 1, P = 0
    phi_hip = math.pi - 20 * DEG
    phi_knee = math.pi - 35 * DEG
    phi_ankle = math.pi / 2 - 10 * DEG
    assert phi_knee > G["knee_sw_tgt"]  # still flexing the knee
    alpha = phi_hip - phi_knee / 2
    dalpha = -0.3 - (-0.4) / 2
    alpha_tgt = G["c0"] - G["cv"] * 0.0 - 0.0
    expected = {
        "HFL": 0.01 + pos(G["HFL6p"] * (alpha - alpha_tgt) + G["HFL6d"] * dalpha),
        "GLU": 0.01 + pos(-G["GLU6p"] * (alpha - alpha_tgt) - G["GLU6d"] * dalpha),
        "BFSH": 0.01 + pos(-G["BFSH7d"] * dalpha + G["BFSH7p"] * (phi_knee - G["knee_sw_tgt"])),
        "RF": 0.01, "VAS": 0.01, "HAM": 0.01,
        "GAS": 0.01, "SOL": 0.01,  # no stance: no force feedback
        "TA": clip(0.01 + pos(G["TA5"] * (phi_ankle - G["ankle_tgt"]))),
    }
    for m, v in expected.items():
        assert a[L[m]] == pytest.approx(v, abs=1e-12), m
    assert 0.01 < a[L["HFL"]] < 1 and 0.01 < a[L["BFSH"]] < 1


def test_bfsh_m8_quirk():
    """BFSH M8: [G8(phi_dot_knee - knee_off_st) * G8(alpha - alpha_tgt)]+, G8 = BFSH_8_DG twice (as the original)."""
    obs = standing_obs(0.8, 0.0)
    l = obs["l_leg"]
    l["joint"]["knee"] = -50 * DEG  # beyond knee_sw_tgt: flex_knee -> hold_knee at once
    l["joint"]["hip"] = -60 * DEG  # alpha < alpha_tgt
    l["d_joint"]["knee"] = 2.5
    ctrl = ReflexController("2D", params=PT)
    a = ctrl.update(obs)
    assert phases(ctrl, "l_leg") == {"sw": 1, "hold_knee": 1}
    phi_knee = math.pi - 50 * DEG
    alpha = math.pi - 60 * DEG - phi_knee / 2
    g8 = G["BFSH8d"]
    m8 = pos(g8 * (2.5 - G["knee_off_st"]) * g8 * (alpha - G["c0"]))
    assert m8 > 0
    assert a[L["BFSH"]] == pytest.approx(0.01 + m8, abs=1e-12)
    # RF M8: hold_knee * [-G_RF8 * phi_dot_knee]+ (zero for an extending knee, active when flexing)
    assert a[L["RF"]] == pytest.approx(0.01, abs=1e-12)
    # BFSH_8_PG (index 29) has no effect; BFSH_8_DG acts quadratically
    p = PT.copy()
    p[29] = 2.5
    assert np.array_equal(ReflexController("2D", params=p).update(obs), a)
    p = PT.copy()
    p[28] *= 0.5
    b = ReflexController("2D", params=p).update(obs)
    assert b[L["BFSH"]] == pytest.approx(0.01 + m8 / 4, abs=1e-12)
    obs["l_leg"]["d_joint"]["knee"] = -1.0
    c = ReflexController("2D", params=PT).update(obs)
    assert c[L["RF"]] == pytest.approx(0.01 + G["RF8"] * 1.0, abs=1e-12)


def test_hold_leg_laws_by_hand():
    """M10 (hold_leg) and M9 (stop_leg) terms for a leg at the end of swing."""
    cp = control_params(PT)
    ctrl = ReflexController("2D", params=PT)
    obs = standing_obs(0.0, 0.8)
    knee = cp["knee_sw_tgt"] - math.pi - 0.05  # flexed past knee_sw_tgt
    obs["r_leg"]["joint"]["knee"] = knee
    ctrl.update(obs)  # lift-off, and hold_knee
    phi_knee = math.pi + knee
    # alpha 0.05 rad behind alpha_tgt: stop_leg; retracting (alpha_dot > 0): hold_leg
    hip = cp["c0"] - 0.05 + phi_knee / 2 - math.pi
    obs["r_leg"]["joint"]["hip"] = hip
    obs["r_leg"]["d_joint"]["hip"] = 0.4
    a = ctrl.update(obs)
    assert phases(ctrl, "r_leg") == {"sw": 1, "stop_leg": 1, "hold_leg": 1}
    phi_hip = math.pi + hip
    alpha = phi_hip - phi_knee / 2
    dalpha = 0.4
    alpha_tgt = cp["c0"]
    hip_tgt = alpha_tgt + cp["knee_tgt"] / 2
    s_ham9 = pos(-2.0 * PT[19] * (alpha - (alpha_tgt + cp["alpha_delta"])))
    exp = {
        "HFL": 0.01 + pos(G["HFL6p"] * (alpha - alpha_tgt) + G["HFL6d"] * dalpha)
        + pos(1.0 * PT[12] * (phi_hip - hip_tgt)),
        "GLU": 0.01 + pos(-G["GLU6p"] * (alpha - alpha_tgt) - G["GLU6d"] * dalpha)
        + pos(-0.5 * PT[17] * (phi_hip - hip_tgt)),
        "HAM": 0.01 + s_ham9,
        "VAS": 0.01 + pos(-0.3 * PT[24] * (phi_knee - cp["knee_tgt"])),
        "BFSH": 0.01 + pos(2.0 * PT[30] * (s_ham9 - 0.3 * PT[31])) + pos(2.0 * PT[32] * (phi_knee - cp["knee_tgt"])),
    }
    for m, v in exp.items():
        assert a[R[m]] == pytest.approx(clip(v), abs=1e-12), m
    assert s_ham9 > 0 and 0.01 < a[R["HAM"]] < 1 and a[R["VAS"]] > 0.01


def test_swing_initiation_mix():
    """Double support, leg selected to swing: L = load_contra, P = 1 - load_contra."""
    obs = standing_obs(0.7, 0.4)
    obs["r_leg"]["joint"]["hip"] = 0.3  # right leg selected
    obs["r_leg"]["RF"]["f"] = 0.5
    obs["r_leg"]["SOL"]["f"] = 0.2
    ctrl = ReflexController("2D", params=PT)
    a = ctrl.update(obs)
    assert ctrl.phases["r_leg"]["st_sw0"] == 1
    lc = 0.4
    alpha = math.pi + 0.3 - math.pi / 2
    alpha_tgt = G["c0"]
    s_glu3 = 0.7 * pos(G["GLU3p"] * (0 - G["theta_tgt"]))
    assert a[R["RF"]] == pytest.approx(0.01 + (1 - lc) * G["RF1"] * 0.5, abs=1e-12)
    assert a[R["HFL"]] == pytest.approx(
        clip(0.01 + 0.7 * pos(G["HFL3p"] * G["theta_tgt"]) + lc * pos(G["HFL6p"] * (alpha - alpha_tgt))), abs=1e-12)
    assert a[R["GLU"]] == pytest.approx(0.01 + s_glu3, abs=1e-12)
    assert a[R["SOL"]] == pytest.approx(0.01 + G["SOL1"] * 0.2, abs=1e-12)


def test_responds_to_pelvis_pitch():
    ctrl = ReflexController("2D")
    obs = standing_obs(0.8, 0.0)
    a0 = ctrl.update(obs)
    ctrl.reset()
    obs["pelvis"]["pitch"] = 0.4
    a1 = ctrl.update(obs)
    assert a1[R["HFL"]] < a0[R["HFL"]]  # leaning forward: less hip flexion ...
    assert a1[R["GLU"]] > a0[R["GLU"]]  # ... more hip extension
    assert a1[R["HAM"]] > a0[R["HAM"]]
    # the swing leg's target alpha_tgt = c0 - cv*v - pitch moves too
    assert a1[L["HFL"]] != a0[L["HFL"]]


# ------------------------------------------------------------------- 3D


def test_3d_hab_had_by_hand():
    obs = _crafted_obs()
    obs["pelvis"]["roll"] = 0.05
    obs["pelvis"]["vel"][1] = 0.2  # leftward velocity
    ctrl = ReflexController("3D", params=P3D)
    a = ctrl.update(obs)
    theta_tgt_f = P3D[37] * 5 * DEG
    c0_f, cv_f = (P3D[38] * 20 + 60) * DEG, P3D[39] * 10 * DEG
    # right leg (s = +1), stance with load 0.8
    d = 0.05 - theta_tgt_f
    assert a[R["HAB"]] == pytest.approx(clip(0.8 * pos(-10 * P3D[40] * d - 1 * P3D[41] * 0.0)), abs=1e-12)
    assert a[R["HAD"]] == pytest.approx(clip(0.8 * pos(2 * P3D[43] * d + 0.3 * P3D[44] * 0.0)), abs=1e-12)
    # left leg (s = -1), swing: alpha_f = pi/2 - hip-abduction rate (the original's rate, kept)
    alpha_tgt_f = c0_f + (-1) * cv_f * 0.2 - (-1) * 0.05
    alpha_f = math.pi / 2 - 0.0
    assert a[L["HAB"]] == pytest.approx(clip(pos(2 * P3D[42] * (alpha_f - alpha_tgt_f))), abs=1e-12)
    assert a[L["HAD"]] == pytest.approx(clip(pos(-2 * P3D[45] * (alpha_f - alpha_tgt_f))), abs=1e-12)
    assert 0.01 < a[R["HAB"]] < 1 and 0.01 < a[L["HAB"]] < 1
    # sagittal laws are the same as in 2D
    b = ReflexController("2D").update(obs)
    assert np.array_equal(np.delete(a, [0, 1, 11, 12]), np.delete(b, [0, 1, 11, 12]))


def test_3d_alpha_f_uses_abduction_rate():
    obs = _crafted_obs()
    a = ReflexController("3D", params=P3D).update(obs)
    obs["l_leg"]["joint"]["hip_abd"] = 0.3  # the angle is ignored (as in the original) ...
    assert np.array_equal(ReflexController("3D", params=P3D).update(obs), a)
    obs["l_leg"]["d_joint"]["hip_abd"] = 0.3  # ... the rate is used
    b = ReflexController("3D", params=P3D).update(obs)
    assert b[L["HAB"]] < a[L["HAB"]] or b[L["HAD"]] > a[L["HAD"]]
    assert np.array_equal(np.delete(a, [11, 12]), np.delete(b, [11, 12]))


def test_3d_alpha_f_abduction_angle_option(tmp_path):
    """alpha_f="abduction_angle": the swing law reads the angle, not the rate; files carry the choice."""
    from osim.control import ALPHA_F, params_options
    from osim.control.optimize import write_params

    obs = _crafted_obs()
    ctrl = ReflexController("3D", params=P3D, alpha_f="abduction_angle")
    a = ctrl.update(obs)
    obs["l_leg"]["d_joint"]["hip_abd"] = 0.3  # the rate is ignored now ...
    assert np.array_equal(ReflexController("3D", params=P3D, alpha_f="abduction_angle").update(obs), a)
    obs["l_leg"]["joint"]["hip_abd"] = 0.3  # ... and the angle is used, by the same law
    b = ReflexController("3D", params=P3D, alpha_f="abduction_angle").update(obs)
    rate = ReflexController("3D", params=P3D)
    obs_rate = _crafted_obs()
    obs_rate["l_leg"]["d_joint"]["hip_abd"] = 0.3
    assert np.array_equal(b, rate.update(obs_rate))
    assert not np.array_equal(a, b)
    assert ReflexController("3D", params=P3D).alpha_f == ALPHA_F[0] == "abduction_rate"
    # a parameter file names its law; a path picks it up, an explicit argument wins
    write_params(tmp_path / "p.txt", P3D, "3D", header=["searched with", "controller: alpha_f=abduction_angle"])
    assert params_options(tmp_path / "p.txt") == {"alpha_f": "abduction_angle"}
    assert ReflexController("3D", params=tmp_path / "p.txt").alpha_f == "abduction_angle"
    assert ReflexController("3D", params=tmp_path / "p.txt", alpha_f="abduction_rate").alpha_f == "abduction_rate"
    with pytest.raises(ValueError, match="alpha_f must be one of"):
        ReflexController("3D", alpha_f="angle")


def test_3d_roll_rate_feedback():
    obs = _crafted_obs()
    obs["pelvis"]["vel"][4] = -0.5  # rolling to the left
    a = ReflexController("3D", params=P3D).update(obs)
    theta_tgt_f = P3D[37] * 5 * DEG
    assert a[R["HAB"]] == pytest.approx(clip(0.8 * pos(-10 * P3D[40] * (0 - theta_tgt_f) - P3D[41] * (-0.5))), abs=1e-12)


def test_shipped_twin_parameters_walk_the_mujoco_twin():
    """On the MuJoCo twin the OpenSim parameters fall within a second; the re-optimised ones walk the 10 s."""
    pytest.importorskip("mujoco", reason="the MuJoCo engine needs the mujoco extra")
    from osim.control.optimize import run_episode
    from osim.env import L2M2019Env

    env = L2M2019Env(model="2D", difficulty=0, engine="mujoco")
    twin = run_episode(env, default_params("2D", engine="mujoco"), "2D", seed=0)
    opensim_params = run_episode(env, default_params("2D"), "2D", seed=0)
    assert twin["steps"] == 1000 and not twin["fell"] and twin["distance"] > 10  # measured: 11.76 m
    assert opensim_params["fell"] and opensim_params["steps"] < 200             # measured: 91 steps
    header = (Path(reflex.__file__).parent / "params_2d_mujoco.txt").read_text().splitlines()[1]
    assert f"return {twin['return']:.3f}" in header
    with pytest.raises(ValueError, match="engine"):
        default_params("2D", engine="bullet")
