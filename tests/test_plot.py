"""Episode plots (osim.tools.plot): synthetic records, no OpenSim."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from osim.tools.plot import PANEL_TITLES, plot_episode  # noqa: E402
from osim.tools.record import save_record  # noqa: E402

MUSCLES = ("abd", "add", "hamstrings", "bifemsh", "glut_max", "iliopsoas", "rect_fem", "vasti", "gastroc",
           "soleus", "tib_ant")


def synthetic_record(T: int = 120, full: bool = True) -> dict:
    rng = np.random.RandomState(0)
    t = np.arange(1, T + 1) * 0.01
    ph = 2 * np.pi * t
    rec = {"env": "L2M2019Env", "reset_kwargs": {}, "scenario": {"seed": 1},
           "actions": rng.rand(T, 22), "obs0": np.zeros(5), "obs": rng.rand(T, 5),
           "rewards": 0.1 + 0.01 * np.sin(t), "dones": np.r_[np.zeros(T - 1, bool), True]}
    if not full:
        return rec
    joints = [f"{j}_{s}" for s in "rl" for j in ("hip_flexion", "hip_adduction", "knee_angle", "ankle_angle")]
    rec["joint_names"] = ["pelvis_tilt"] + joints + ["pelvis_tx"]   # translations are left out
    rec["joints"] = np.column_stack([0.05 * np.sin(ph)] + [0.5 * np.sin(ph + k) for k in range(8)] + [1.2 * t])
    rec["muscle_names"] = [f"{m}_{s}" for s in "rl" for m in MUSCLES]
    rec["activations"] = 0.5 + 0.5 * np.sin(ph[:, None] + 0.4 * np.arange(22)[None, :])
    grf = np.zeros((T, 2, 3))
    grf[:, 0, 1] = np.maximum(0, 800 * np.sin(ph))
    grf[:, 1, 1] = np.maximum(0, -800 * np.sin(ph))
    rec["grf"] = grf
    rec["grf_names"] = ["foot_r", "foot_l"]
    rec["pelvis"] = np.column_stack([1.2 * t, 0.94 + 0.02 * np.sin(2 * ph), 0.1 * np.sin(0.5 * ph)])
    rec["reward_terms"] = {"alive": np.full(T, 0.1), "effort": np.full(T, -0.01),
                           "footstep": (np.arange(T) % 50 == 0).astype(float)}
    rec["dt"] = 0.01
    return rec


def titles(fig) -> list[str]:
    return [ax.get_title() for ax in fig.axes if ax.get_title()]


def is_png(path) -> bool:
    with open(path, "rb") as f:
        return f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_full_record_has_all_panels(tmp_path):
    path = tmp_path / "episode.png"
    fig = plot_episode(synthetic_record(), path)
    got = titles(fig)
    for key in ("joints", "activations", "grf", "pelvis_side", "pelvis_top"):
        assert PANEL_TITLES[key] in got
    assert PANEL_TITLES["actions"] not in got
    assert any(t.startswith("Reward (return = ") for t in got)
    assert is_png(path) and path.stat().st_size > 20_000
    assert fig._suptitle.get_text().startswith("L2M2019Env: 120 steps (1.20 s), return ")
    assert fig._supxlabel is None                       # nothing missing
    heat = next(ax for ax in fig.axes if ax.get_title() == PANEL_TITLES["activations"])
    labels = [lbl.get_text() for lbl in heat.get_yticklabels()]
    assert labels[0] == "abd_r" and labels[-1] == "tib_ant_l" and len(labels) == 22
    joints = next(ax for ax in fig.axes if ax.get_title() == PANEL_TITLES["joints"])
    lines = [ln for ln in joints.get_lines() if not ln.get_label().startswith("_")]
    assert [ln.get_label() for ln in lines][:2] == ["pelvis_tilt", "hip_flexion_r"] and len(lines) == 9
    y = lines[1].get_ydata()
    assert np.max(y) == pytest.approx(np.degrees(0.5), rel=1e-3)   # plotted in degrees


def test_minimal_record_still_works(tmp_path):
    path = tmp_path / "minimal.png"
    fig = plot_episode(synthetic_record(full=False), path)
    got = titles(fig)
    assert PANEL_TITLES["actions"] in got
    assert any(t.startswith("Reward") for t in got)
    for key in ("joints", "activations", "grf", "pelvis_side", "pelvis_top"):
        assert PANEL_TITLES[key] not in got
    note = fig._supxlabel.get_text()
    for key in ("'joints'", "'activations'", "'grf'", "'pelvis'", "'reward_terms'"):
        assert key in note
    assert is_png(path)


def test_actions_labelled_with_muscle_names_when_they_match():
    rec = synthetic_record(full=False)
    rec["muscle_names"] = [f"{m}_{s}" for s in "rl" for m in MUSCLES]
    fig = plot_episode(rec)
    heat = next(ax for ax in fig.axes if ax.get_title() == PANEL_TITLES["actions"])
    assert heat.get_yticklabels()[0].get_text() == "abd_r"


def test_roundtrip_through_npz_and_formats(tmp_path):
    rec = synthetic_record(T=60)
    terms = rec["reward_terms"]
    save_record(tmp_path / "ep.npz", rec)
    fig = plot_episode(tmp_path / "ep.npz", tmp_path / "ep.pdf")
    assert PANEL_TITLES["grf"] in titles(fig)
    reward_ax = next(ax for ax in fig.axes if ax.get_title().startswith("Reward"))
    assert {t.get_text().split(" (")[0] for t in reward_ax.get_legend().get_texts()} >= set(terms)
    assert (tmp_path / "ep.pdf").read_bytes()[:5] == b"%PDF-"
    plot_episode(str(tmp_path / "ep.npz"), tmp_path / "ep.svg")
    assert b"<svg" in (tmp_path / "ep.svg").read_bytes()[:2000]


def test_reward_terms_as_array_with_names():
    rec = synthetic_record(T=60)
    terms = rec.pop("reward_terms")
    rec["reward_terms"] = np.column_stack(list(terms.values()))   # (T, K) array form
    rec["reward_term_names"] = list(terms)
    fig = plot_episode(rec)
    reward_ax = next(ax for ax in fig.axes if ax.get_title().startswith("Reward"))
    assert {t.get_text().split(" (")[0] for t in reward_ax.get_legend().get_texts()} >= set(terms)


def test_per_step_arrays_may_include_the_reset_state():
    rec = synthetic_record(T=50)
    rec["joints"] = np.vstack([np.zeros((1, 10)), rec["joints"]])     # T + 1 rows
    rec["pelvis"] = np.vstack([[0.0, 0.94, 0.0], rec["pelvis"]])
    fig = plot_episode(rec)
    joints = next(ax for ax in fig.axes if ax.get_title() == PANEL_TITLES["joints"])
    assert joints.get_lines()[0].get_xdata()[0] == 0.0


def test_single_step_record():
    rec = {"actions": np.zeros((1, 6)), "rewards": np.array([0.5])}
    fig = plot_episode(rec)
    assert fig._suptitle.get_text().startswith("episode: 1 steps")


@pytest.mark.parametrize("change, match", [
    (lambda r: r.pop("rewards"), "needs 'rewards'"),
    (lambda r: r.pop("actions"), "needs 'actions'"),
    (lambda r: r.update(rewards=np.zeros(0)), "non-empty"),
    (lambda r: r.update(actions=np.zeros((5, 22))), r"actions.*T = 120"),
    (lambda r: r.update(joints=np.zeros((7, 10))), r"joints.*T = 120 rows"),
    (lambda r: r.update(joint_names=["a", "b"]), r"joint_names.*2 names.*10 columns"),
    (lambda r: r.update(grf=np.zeros((120, 2))), r"grf.*\(T, F, 3\)"),
    (lambda r: r.update(pelvis=np.zeros((120, 2))), r"pelvis.*\(T, 3\)"),
    (lambda r: r.update(reward_terms={"a": np.zeros(3)}), r"reward_terms'\]\['a'\].*\(120,\)"),
    (lambda r: r.update(dt=-1.0), "dt"),
    (lambda r: r.update(activations="lots"), "activations"),
])
def test_bad_records_raise(change, match):
    rec = synthetic_record()
    change(rec)
    with pytest.raises(ValueError, match=match):
        plot_episode(rec)


def test_bad_path_and_type(tmp_path):
    with pytest.raises(ValueError, match="png"):
        plot_episode(synthetic_record(full=False), tmp_path / "x.jpg2")
    with pytest.raises(ValueError, match="record must be a dict"):
        plot_episode([1, 2, 3])


def test_never_touches_pyplot():
    code = ("import numpy as np, sys; from osim.tools.plot import plot_episode; "
            "plot_episode({'actions': np.zeros((3, 2)), 'rewards': np.ones(3)}); "
            "assert 'matplotlib.pyplot' not in sys.modules, 'pyplot imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
