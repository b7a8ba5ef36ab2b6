"""Episode plots: one matplotlib figure summarising a recorded episode.

:func:`plot_episode` takes a record as made by :func:`osim.tools.record.record_episode`
or read by :func:`osim.tools.record.load_record` (or the path of a ``.npz`` record)
and draws whichever of these panels the record has data for, top to bottom:

==============================  ==================================================
panel (axes title)              record keys
==============================  ==================================================
Joint angles (deg)              ``joints`` (T, J) rad, ``joint_names`` (J);
                                coordinates named ``*_tx``, ``*_ty``, ``*_tz``
                                (translations, m) are left out
Muscle activations              ``activations`` (T, M) heat map, ``muscle_names``
                                (M); without ``activations``: **Actions
                                (excitations)** from ``actions`` (T, n), labelled
                                with ``muscle_names`` when they match
Ground reaction forces (N)      ``grf`` (T, F, 3) per foot (X, Y, Z ground
                                axes), ``grf_names`` (F; default right, left
                                for F = 2)
Pelvis trajectory (side view)   ``pelvis`` (T, 3): x-y
Pelvis trajectory (top view)    ``pelvis`` (T, 3): x-z (+Z, the model's right,
                                downward)
Reward (return = R)             ``rewards`` (T,); ``reward_terms``: a dict name ->
                                (T,) or a (T, K) array with
                                ``reward_term_names`` (K); cumulative sums
==============================  ==================================================

``actions`` (T, n) and ``rewards`` (T,) are required; everything else is
optional, and the figure notes which panels were left out for lack of data.
Time is ``dt`` (default 0.01 s) times the step number: a per-step array with
T rows is taken after each step (t = dt .. T dt), one with T + 1 rows starts
with the reset state (t = 0 .. T dt). A red dotted line marks the end of an
episode that ended with ``done``.

Only the Agg backend is used (through :class:`matplotlib.figure.Figure`, not
``pyplot``): no window ever opens and pyplot's global state is untouched.
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = ["plot_episode", "plot_imitation", "PANEL_TITLES"]

PANEL_TITLES = {
    "joints": "Joint angles (deg)",
    "activations": "Muscle activations",
    "actions": "Actions (excitations)",
    "grf": "Ground reaction forces (N)",
    "pelvis_side": "Pelvis trajectory (side view)",
    "pelvis_top": "Pelvis trajectory (top view)",
    "reward": "Reward",
}
_FORMATS = (".png", ".pdf", ".svg")
_TRANSLATIONS = ("_tx", "_ty", "_tz")   # coordinates in metres, left out of the angle panel
_ACT_0 = (35 / 255, 85 / 255, 235 / 255)     # the renderer's activation colours
_ACT_1 = (228 / 255, 32 / 255, 32 / 255)


def _array(record: Mapping, key: str, what: str) -> np.ndarray:
    try:
        a = np.asarray(record[key], dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"record[{key!r}] must be {what}, got {type(record[key]).__name__}") from None
    return a


def _rows(a: np.ndarray, T: int, key: str, shape: str) -> np.ndarray:
    """Time vector index for a per-step array of T (after each step) or T + 1 (with reset) rows."""
    if a.shape[0] == T:
        return np.arange(1, T + 1)
    if a.shape[0] == T + 1:
        return np.arange(0, T + 1)
    raise ValueError(f"record[{key!r}] must have T = {T} rows (or T + 1 with the reset state), "
                     f"shape {shape}; got {a.shape}")


def _names(record: Mapping, key: str, n: int, default: str, owner: str) -> list[str]:
    names = record.get(key)
    if names is None:
        return [f"{default}{i}" for i in range(n)]
    names = [str(x) for x in np.asarray(names, dtype=object).ravel()]
    if len(names) != n:
        raise ValueError(f"record[{key!r}] has {len(names)} names but record[{owner!r}] has {n} columns")
    return names


def _reward_terms(record: Mapping, T: int) -> dict[str, np.ndarray] | None:
    terms = record.get("reward_terms")
    if terms is None:
        return None
    out = {}
    if isinstance(terms, Mapping):
        for name, v in terms.items():
            try:
                v = np.asarray(v, dtype=np.float64)
            except (TypeError, ValueError):
                raise ValueError(f"record['reward_terms'][{name!r}] must be a (T,) array of numbers") from None
            if v.shape != (T,):
                raise ValueError(f"record['reward_terms'][{name!r}] must have shape ({T},), got {v.shape}")
            out[str(name)] = v
        return out
    a = _array(record, "reward_terms", "a dict name -> (T,) array or a (T, K) array")
    if a.ndim != 2 or a.shape[0] != T:
        raise ValueError(f"record['reward_terms'] must be a dict name -> (T,) array or a (T, K) array "
                         f"with T = {T}; got shape {a.shape}")
    names = _names(record, "reward_term_names", a.shape[1], "term ", "reward_terms")
    return {n: a[:, i] for i, n in enumerate(names)}


def _side_style(name: str) -> tuple[str, str]:
    """(base name, line style): right solid, left dashed, others dotted."""
    m = re.match(r"^(.*?)[_ ]?([rl])$", name)
    if m and m.group(1):
        return m.group(1), "-" if m.group(2) == "r" else "--"
    return name, ":"


def plot_episode(record: Mapping[str, Any] | str | Path, path: str | Path | None = None, *,
                 title: str | None = None, dpi: int = 100):
    """Figure (``matplotlib.figure.Figure``) summarising an episode record; saved to ``path`` if given.

    ``path`` ends in ``.png``, ``.pdf`` or ``.svg``. Raises ValueError for a
    record without ``actions``/``rewards`` or with arrays of the wrong shape.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.figure import Figure

    if isinstance(record, (str, Path)):
        from osim.tools.record import load_record

        record = load_record(record)
    if not isinstance(record, Mapping):
        raise ValueError(f"record must be a dict (see osim.tools.record) or a path, got {type(record).__name__}")
    if path is not None:
        path = Path(path)
        if path.suffix.lower() not in _FORMATS:
            raise ValueError(f"path must end in one of {_FORMATS}, got {str(path)!r}")
    for key in ("actions", "rewards"):
        if key not in record:
            raise ValueError(f"record needs {key!r} (keys present: {sorted(map(str, record))})")
    rewards = _array(record, "rewards", "a (T,) array")
    if rewards.ndim != 1 or rewards.shape[0] < 1:
        raise ValueError(f"record['rewards'] must be a non-empty (T,) array, got shape {rewards.shape}")
    T = rewards.shape[0]
    actions = _array(record, "actions", "a (T, n) array")
    if actions.ndim != 2 or actions.shape[0] != T:
        raise ValueError(f"record['actions'] must have shape (T, n) with T = {T} (the rewards' length), "
                         f"got {actions.shape}")
    dt = record.get("dt", 0.01)
    if isinstance(dt, np.ndarray):
        dt = dt.item()
    if isinstance(dt, bool) or not isinstance(dt, (int, float)) or not math.isfinite(dt) or dt <= 0:
        raise ValueError(f"record['dt'] must be a positive number of seconds, got {dt!r}")
    dt = float(dt)
    dones = np.asarray(record.get("dones", np.zeros(T, bool))).astype(bool).ravel()
    ended = bool(dones.size and dones[-1])

    panels: list[tuple[str, Any]] = []   # (kind, data)
    missing: list[str] = []

    if "joints" in record:
        q = _array(record, "joints", "a (T, J) array")
        if q.ndim != 2:
            raise ValueError(f"record['joints'] must have shape (T, J), got {q.shape}")
        idx = _rows(q, T, "joints", "(T, J)")
        names = _names(record, "joint_names", q.shape[1], "q", "joints")
        keep = [i for i, n in enumerate(names) if not n.endswith(_TRANSLATIONS)]
        if keep:
            panels.append(("joints", (idx, np.degrees(q[:, keep]), [names[i] for i in keep])))
        else:
            missing.append("joint angles ('joints' has only translations)")
    else:
        missing.append("joint angles ('joints')")

    muscle_names = record.get("muscle_names")
    if "activations" in record:
        a = _array(record, "activations", "a (T, M) array")
        if a.ndim != 2:
            raise ValueError(f"record['activations'] must have shape (T, M), got {a.shape}")
        panels.append(("activations", (_rows(a, T, "activations", "(T, M)"), a,
                                       _names(record, "muscle_names", a.shape[1], "muscle ", "activations"))))
    else:
        if muscle_names is not None and len(muscle_names) == actions.shape[1]:
            names = [str(x) for x in muscle_names]
        else:
            names = [f"action {i}" for i in range(actions.shape[1])]
        panels.append(("actions", (np.arange(1, T + 1), actions, names)))
        missing.append("muscle activations ('activations'; actions shown)")

    if "grf" in record:
        g = _array(record, "grf", "a (T, F, 3) array")
        if g.ndim != 3 or g.shape[2] != 3:
            raise ValueError(f"record['grf'] must have shape (T, F, 3) (forces per foot), got {g.shape}")
        default = ["right", "left"] if g.shape[1] == 2 else [f"foot {i}" for i in range(g.shape[1])]
        names = _names(record, "grf_names", g.shape[1], "foot ", "grf") if "grf_names" in record else default
        panels.append(("grf", (_rows(g, T, "grf", "(T, F, 3)"), g, names)))
    else:
        missing.append("ground reaction forces ('grf')")

    if "pelvis" in record:
        p = _array(record, "pelvis", "a (T, 3) array")
        if p.ndim != 2 or p.shape[1] != 3:
            raise ValueError(f"record['pelvis'] must have shape (T, 3), got {p.shape}")
        _rows(p, T, "pelvis", "(T, 3)")
        panels.append(("pelvis", p))
    else:
        missing.append("pelvis trajectory ('pelvis')")

    terms = _reward_terms(record, T)
    if terms is None:
        missing.append("reward terms ('reward_terms')")
    panels.append(("reward", terms))

    # ---- layout
    heights = []
    for kind, data in panels:
        if kind in ("activations", "actions"):
            heights.append(min(6.0, max(2.2, 0.16 * data[1].shape[1] + 0.8)))
        elif kind == "pelvis":
            heights.append(2.8)
        else:
            heights.append(2.4)
    fig = Figure(figsize=(11.0, sum(heights) + 1.0 + (0.3 if missing else 0.0)), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    gs = fig.add_gridspec(len(panels), 2, height_ratios=heights)
    t_end = T * dt
    ret = float(np.sum(rewards))
    env = record.get("env", "episode")
    head = title if title is not None else (
        f"{env}: {T} steps ({t_end:.2f} s), return {ret:.3f}" + (", ended by done" if ended else ""))
    fig.suptitle(head, fontsize=12)
    cmap = LinearSegmentedColormap.from_list("activation", [_ACT_0, _ACT_1])
    time_axes = []

    for row, (kind, data) in enumerate(panels):
        if kind == "pelvis":
            p = data
            ax1 = fig.add_subplot(gs[row, 0])
            ax2 = fig.add_subplot(gs[row, 1])
            ax1.plot(p[:, 0], p[:, 1], color="C0")
            ax2.plot(p[:, 0], p[:, 2], color="C0")
            for ax, j in ((ax1, 1), (ax2, 2)):
                ax.plot(p[0, 0], p[0, j], "o", color="C2", label="start")
                ax.plot(p[-1, 0], p[-1, j], "x", color="C3", label="end", markersize=8)
                ax.grid(alpha=0.3)
                ax.set_xlabel("x (m, forward)")
            ax1.set_ylabel("y (m, up)")
            ax2.set_ylabel("z (m, right)")
            ax2.invert_yaxis()
            ax2.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
            ax1.set_title(PANEL_TITLES["pelvis_side"])
            ax2.set_title(PANEL_TITLES["pelvis_top"])
            continue
        ax = fig.add_subplot(gs[row, :])
        time_axes.append(ax)
        if kind == "joints":
            idx, deg, names = data
            t = idx * dt
            bases: dict[str, str] = {}
            for i, name in enumerate(names):
                base, style = _side_style(name)
                color = bases.setdefault(base, f"C{len(bases) % 10}")
                ax.plot(t, deg[:, i], style, color=color, label=name, linewidth=1.2)
            ax.set_ylabel("deg")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.005, 0.5),
                      ncol=1 if len(names) <= 12 else 2, frameon=False)
            ax.set_title(PANEL_TITLES["joints"])
        elif kind in ("activations", "actions"):
            idx, a, names = data
            t0, t1 = idx[0] * dt, idx[-1] * dt
            m = a.shape[1]
            im = ax.imshow(a.T, aspect="auto", origin="upper", cmap=cmap, vmin=0.0, vmax=1.0,
                           interpolation="nearest", extent=(t0 - 0.5 * dt, t1 + 0.5 * dt, m - 0.5, -0.5))
            every = max(1, math.ceil(m / 40))
            ax.set_yticks(range(0, m, every))
            ax.set_yticklabels(names[::every], fontsize=7 if m > 12 else 8)
            fig.colorbar(im, ax=ax, fraction=0.03, pad=0.01, label="activation" if kind == "activations"
                         else "excitation")
            ax.set_title(PANEL_TITLES[kind])
        elif kind == "grf":
            idx, g, names = data
            t = idx * dt
            for f, name in enumerate(names):
                c = f"C{f % 10}"
                ax.plot(t, g[:, f, 1], "-", color=c, label=f"{name} vertical (Y)", linewidth=1.3)
                ax.plot(t, g[:, f, 0], "--", color=c, label=f"{name} fore-aft (X)", linewidth=1.0)
                ax.plot(t, g[:, f, 2], ":", color=c, label=f"{name} lateral (Z)", linewidth=1.0)
            ax.set_ylabel("N")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.005, 0.5), frameon=False)
            ax.set_title(PANEL_TITLES["grf"])
        elif kind == "reward":
            t = np.arange(1, T + 1) * dt
            if data:
                cums = {name: np.cumsum(v) for name, v in data.items()}
                if all(np.all(v >= 0) for v in data.values()) and len(cums) > 1:
                    ax.stackplot(t, *cums.values(), labels=[f"{n} ({c[-1]:.3g})" for n, c in cums.items()],
                                 alpha=0.75)
                else:
                    for n, c in cums.items():
                        ax.plot(t, c, label=f"{n} ({c[-1]:.3g})", linewidth=1.2)
            ax.plot(t, np.cumsum(rewards), color="black", linewidth=2.0, label=f"return ({ret:.3g})")
            ax.set_ylabel("cumulative reward")
            ax.grid(alpha=0.3)
            ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.005, 0.5), frameon=False)
            ax.set_title(f"{PANEL_TITLES['reward']} (return = {ret:.3f})")
    for ax in time_axes:
        ax.set_xlim(0.0 if T > 1 else -dt, t_end + max(0.5 * dt, 0.01 * t_end))
        if ended:
            ax.axvline(t_end, color="red", linestyle=":", linewidth=1.2)
    if time_axes:
        time_axes[-1].set_xlabel("time (s)")
    if missing:
        fig.supxlabel("Not in this record: " + "; ".join(missing) + ".", fontsize=8, color="0.35",
                      style="italic")
    if path is not None:
        fig.savefig(path, dpi=dpi)
    return fig


def plot_imitation(record: Mapping[str, Any] | str | Path, reference, path: str | Path | None = None, *,
                   dpi: int = 100):
    """Figure of an imitation episode: reference vs simulated angles over the gait cycle, tracking error over time.

    ``record``: a record of :class:`~osim.env.imitate.ImitateEnv` (``joints``,
    ``joint_names`` and ``tracking``, as :func:`osim.tools.record.run_episode`
    makes); ``reference``: the env's :class:`~osim.data.reference.Reference`.
    One panel per tracked rotational coordinate (degrees against the phase
    of the cycle, the reference as a line, the episode as dots), then the
    pose RMS error (deg) and the centre-of-mass error (cm) against time.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    if not isinstance(record, Mapping):
        from osim.tools.record import load_record

        record = load_record(record)
    tracking = record.get("tracking")
    if not tracking or "phase" not in tracking:
        raise ValueError("the record has no tracking errors: record an ImitateEnv episode with details")
    joints = _array(record, "joints", "coordinate values")
    names = list(record["joint_names"])
    phase = np.asarray(tracking["phase"])
    coords = [c for c in reference.pose_coordinates if c in reference.rotational and c in names]
    ncols = 3
    nrows = math.ceil(len(coords) / ncols) + 1
    fig = Figure(figsize=(11.0, 2.4 * nrows), dpi=dpi, layout="constrained")
    FigureCanvasAgg(fig)
    grid = fig.add_gridspec(nrows, ncols)
    cycle = np.linspace(0.0, 1.0, 201)
    ref_q = np.array([reference.at(p * reference.period)["q"] for p in cycle])
    for k, name in enumerate(coords):
        ax = fig.add_subplot(grid[k // ncols, k % ncols])
        ax.plot(cycle * 100, np.rad2deg(ref_q[:, reference.coordinates.index(name)]), color="black", lw=1.5,
                label="reference")
        ax.plot(phase * 100, np.rad2deg(joints[: len(phase), names.index(name)]), ".", ms=3, color="tab:red",
                label="episode")
        ax.set_title(name, fontsize=9)
        ax.set_xlim(0, 100)
        if k // ncols == nrows - 2 or k + ncols >= len(coords):
            ax.set_xlabel("gait cycle (%)")
        if k == 0:
            ax.legend(fontsize=7, loc="best")
    t = record.get("dt", 0.01) * np.arange(1, len(phase) + 1)
    ax = fig.add_subplot(grid[nrows - 1, :])
    ax.plot(t, np.rad2deg(tracking["pose_rms"]), label="pose RMS error (deg)")
    if "com" in tracking:
        ax.plot(t, 100 * np.asarray(tracking["com"]), label="centre-of-mass error (cm)")
    if "end_effector_rms" in tracking:
        ax.plot(t, 100 * np.asarray(tracking["end_effector_rms"]), label="end-effector RMS error (cm)")
    ax.set_xlabel("time (s)")
    ax.set_title("Tracking error", fontsize=9)
    ax.legend(fontsize=7, loc="upper left")
    fig.suptitle(f"{Path(str(reference.source)).name} on {reference.model}: {len(phase)} steps")
    if path is not None:
        path = Path(path)
        if path.suffix.lower() not in _FORMATS:
            raise ValueError(f"cannot write a figure to {path}: use one of {', '.join(_FORMATS)}")
        fig.savefig(path, dpi=dpi)
    return fig
