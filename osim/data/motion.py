"""Motions read from OpenSim's file formats, mapped to a model's coordinates.

:func:`read_motion` is the entry point. It reads with OpenSim's own readers
(``opensim.TimeSeriesTable`` for ``.mot``/``.sto``, ``opensim.TimeSeriesTableVec3``
for ``.trc``), never a parser of ours, and returns a :class:`Motion`: time,
named columns, the unit of each column, the file's metadata. Given a model
(a built model name, an ``.osim`` path or an ``opensim.Model``) it also maps
the columns to the model's coordinates by name, converts rotational
coordinates from degrees to radians as the header says, and reports what
is unmapped on either side (:class:`CoordinateMap`).

A motion is then smoothed and put on the env's clock:
:meth:`Motion.lowpass` (zero-lag Butterworth, 4th order, default cutoff
6 Hz, the usual choice for walking kinematics), :meth:`Motion.resample`
(cubic spline onto a grid of ``dt``, default 0.01 s) and
:meth:`Motion.speeds` (the spline's derivative).
"""
from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

__all__ = ["CoordinateMap", "Motion", "MotionFileError", "read_motion", "model_coordinates"]

#: the env's step (s): the default grid of :meth:`Motion.resample`
ENV_DT = 0.01
#: default low-pass cutoff (Hz) for kinematics
DEFAULT_CUTOFF = 6.0
#: length units of .trc files -> metres per unit
_LENGTH_UNITS = {"mm": 1e-3, "cm": 1e-2, "m": 1.0, "meters": 1.0, "millimeters": 1e-3}


class MotionFileError(ValueError):
    """A motion file cannot be read or used: the message names the file and the column."""


@dataclass(frozen=True)
class CoordinateMap:
    """How a motion's columns meet a model's coordinates (by name).

    ``mapped``: coordinate names that have a column (model order);
    ``unmapped_model``: model coordinates without a column;
    ``unmapped_data``: columns naming no model coordinate;
    ``rotational``: the mapped coordinates that are angles (rad);
    ``locked``: mapped coordinates the model locks (their data are not used by the physics).
    """

    model: str
    mapped: tuple[str, ...]
    unmapped_model: tuple[str, ...]
    unmapped_data: tuple[str, ...]
    rotational: frozenset[str]
    locked: frozenset[str]

    def report(self) -> str:
        """A readable summary: what maps, what is missing on each side."""
        lines = [f"{len(self.mapped)} coordinates of {self.model} have data"]
        if self.unmapped_model:
            lines.append(f"model coordinates without data: {', '.join(self.unmapped_model)}")
        if self.unmapped_data:
            lines.append(f"columns without a model coordinate: {', '.join(self.unmapped_data)}")
        if self.locked & set(self.mapped):
            lines.append(f"locked in the model: {', '.join(sorted(self.locked & set(self.mapped)))}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Motion:
    """A table of time series: ``time`` (n,), ``values`` (n, m) for ``columns`` (m names), ``units`` per column.

    Kinematics carry coordinate values (``"rad"``, ``"m"``, or ``"deg"``
    before conversion), markers positions in metres (``x/y/z`` columns per
    marker: ``"R.ASIS_x"``), forces their file's columns (``"N"``, ``"m"``,
    ``"N*m"``). ``mapping`` is set when the motion was read for a model.
    """

    time: np.ndarray
    columns: tuple[str, ...]
    values: np.ndarray
    units: Mapping[str, str]
    source: str = ""
    kind: str = "table"
    metadata: Mapping[str, str] = field(default_factory=dict)
    mapping: CoordinateMap | None = None

    def __post_init__(self) -> None:
        n = len(self.time)
        if self.values.shape != (n, len(self.columns)):
            raise ValueError(f"{self.source or 'motion'}: values have shape {self.values.shape}, expected "
                             f"({n}, {len(self.columns)})")

    # ---------------------------------------------------------------- reads
    @property
    def rate(self) -> float:
        """Mean sampling rate (Hz)."""
        return (len(self.time) - 1) / float(self.time[-1] - self.time[0]) if len(self.time) > 1 else math.nan

    @property
    def duration(self) -> float:
        return float(self.time[-1] - self.time[0])

    def column(self, name: str) -> np.ndarray:
        """The values of column ``name`` (a copy)."""
        try:
            k = self.columns.index(name)
        except ValueError:
            raise KeyError(f"{self.source or 'motion'} has no column {name!r}; its columns: "
                           f"{', '.join(self.columns)}") from None
        return self.values[:, k].copy()

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    def select(self, names: Sequence[str]) -> "Motion":
        """Only these columns, in this order."""
        idx = []
        for name in names:
            if name not in self.columns:
                raise KeyError(f"{self.source or 'motion'} has no column {name!r}; its columns: "
                               f"{', '.join(self.columns)}")
            idx.append(self.columns.index(name))
        return replace(self, columns=tuple(names), values=self.values[:, idx],
                       units={n: self.units[n] for n in names})

    def at(self, t: float) -> dict[str, float]:
        """Column values at time ``t`` (linear interpolation, clamped to the recorded span)."""
        return {name: float(np.interp(t, self.time, self.values[:, k])) for k, name in enumerate(self.columns)}

    # ----------------------------------------------------------- processing
    def lowpass(self, cutoff: float = DEFAULT_CUTOFF, order: int = 4) -> "Motion":
        """Zero-lag Butterworth low-pass of every column (``scipy.signal.filtfilt``), cutoff in Hz."""
        from scipy.signal import butter, filtfilt

        nyquist = 0.5 * self.rate
        if not (0 < cutoff < nyquist):
            raise ValueError(f"{self.source or 'motion'}: cutoff must be in (0, {nyquist:g}) Hz (half the "
                             f"sampling rate {self.rate:g} Hz), got {cutoff!r}")
        b, a = butter(order, cutoff / nyquist)
        padlen = min(3 * max(len(a), len(b)), len(self.time) - 1)
        values = filtfilt(b, a, self._uniform().values, axis=0, padlen=padlen)
        return replace(self._uniform(), values=values)

    def _uniform(self) -> "Motion":
        """The motion on a uniform grid of its own mean rate (files with rounded times are not uniform)."""
        dt = np.diff(self.time)
        if len(dt) == 0 or np.allclose(dt, dt[0], rtol=1e-6, atol=1e-9):
            return self
        n = len(self.time)
        grid = np.linspace(self.time[0], self.time[-1], n)
        return replace(self, time=grid, values=self._spline()(grid))

    def _spline(self):
        from scipy.interpolate import CubicSpline

        return CubicSpline(self.time, self.values, axis=0)

    def resample(self, dt: float = ENV_DT, start: float | None = None, end: float | None = None) -> "Motion":
        """The motion on a grid of step ``dt`` (s) from ``start`` (default: the first sample), by cubic spline."""
        if not (isinstance(dt, (int, float)) and dt > 0):
            raise ValueError(f"dt must be a positive number of seconds, got {dt!r}")
        t0 = self.time[0] if start is None else float(start)
        t1 = self.time[-1] if end is None else float(end)
        if t0 < self.time[0] - 1e-9 or t1 > self.time[-1] + 1e-9 or t1 <= t0:
            raise ValueError(f"{self.source or 'motion'}: cannot resample over [{t0}, {t1}] s; the data cover "
                             f"[{self.time[0]}, {self.time[-1]}] s")
        n = int(math.floor((t1 - t0) / dt + 1e-9)) + 1
        grid = t0 + dt * np.arange(n)
        return replace(self, time=grid, values=self._spline()(grid))

    def speeds(self) -> "Motion":
        """Time derivatives of every column (the cubic spline's), units per second."""
        values = self._spline().derivative()(self.time)
        units = {name: f"{unit}/s" for name, unit in self.units.items()}
        return replace(self, values=values, units=units, kind=f"{self.kind} speeds")

    def to_radians(self, rotational: Sequence[str]) -> "Motion":
        """These columns from degrees to radians (``units`` say ``rad`` afterwards)."""
        values = self.values.copy()
        units = dict(self.units)
        for name in rotational:
            k = self.columns.index(name)
            if units[name] == "deg":
                values[:, k] = np.deg2rad(values[:, k])
                units[name] = "rad"
        return replace(self, values=values, units=units)


# ------------------------------------------------------------------ reading
def _opensim():
    from osim.sim._opensim import opensim

    return opensim


def _metadata(table) -> dict[str, str]:
    out = {}
    for key in table.getTableMetaDataKeys():
        try:
            out[key] = table.getTableMetaDataAsString(key)
        except Exception:  # a key OpenSim stores as another type
            continue
    return out


def _read_table(path: Path):
    """OpenSim's reader for the file's format; a MotionFileError naming the file when it fails."""
    opensim = _opensim()
    suffix = path.suffix.lower()
    tidy = None
    if suffix in (".mot", ".sto"):
        tidy = _precheck(path)
    try:
        if suffix == ".trc":
            return opensim.TimeSeriesTableVec3(str(path)), "markers"
        if suffix in (".mot", ".sto"):
            if tidy is None:
                return opensim.TimeSeriesTable(str(path)), "table"
            import tempfile

            # trailing tabs or spaces make OpenSim's reader see empty extra columns: it reads a copy without them
            with tempfile.TemporaryDirectory() as tmp:
                copy = Path(tmp) / path.name
                copy.write_text(tidy)
                return opensim.TimeSeriesTable(str(copy)), "table"
    except Exception as exc:  # OpenSim raises RuntimeError with its reader's message
        msg = str(exc).split("\n")[0]
        hint = ""
        if "time" in msg.lower() or "column" in msg.lower():
            hint = " (a motion file needs a time column first and one label per column)"
        raise MotionFileError(f"{path}: OpenSim could not read it{hint}: {msg}") from None
    raise MotionFileError(f"{path}: unknown motion format {suffix!r}; allowed: .mot, .sto (kinematics, "
                          "states, forces) and .trc (markers)")


def _precheck(path: Path) -> str | None:
    """What OpenSim's reader needs before it is handed the file (it can hang on a file without labels).

    Only the layout is checked (an ``endheader`` line, then the column
    labels starting with ``time``, then data); the reading is OpenSim's.
    Returns the file's text with trailing whitespace removed from its label
    and data lines when any has some (OpenSim's reader counts a trailing tab
    as one more, empty, column), else None.
    """
    try:
        lines = path.read_text(errors="replace").splitlines()
    except OSError as exc:
        raise MotionFileError(f"cannot read {path}: {exc}") from None
    ends = [k for k, line in enumerate(lines) if line.strip().lower() == "endheader"]
    if not ends:
        raise MotionFileError(f"{path}: no 'endheader' line; OpenSim's .mot/.sto files have a header ending "
                              "with it, then the column labels")
    rest = [line for line in lines[ends[0] + 1:] if line.strip()]
    if not rest:
        raise MotionFileError(f"{path}: no column labels after 'endheader' (expected 'time' and one label "
                              "per column)")
    first = rest[0].split()[0].lower() if rest[0].split() else ""
    if first != "time":
        raise MotionFileError(f"{path}: no time column: the labels after 'endheader' must start with 'time', "
                              f"got {rest[0].split()[0]!r}")
    if len(rest) < 2:
        raise MotionFileError(f"{path}: no rows of data after the column labels")
    body = lines[ends[0] + 1:]
    if any(line != line.rstrip() for line in body):
        return "\n".join(lines[:ends[0] + 1] + [line.rstrip() for line in body]) + "\n"
    return None


def model_coordinates(model) -> tuple[tuple[str, ...], frozenset[str], frozenset[str], str]:
    """(coordinate names, rotational ones, locked ones, the model's label) of a model name, path or Model."""
    opensim = _opensim()
    label = str(model)
    if isinstance(model, opensim.Model):
        m = model
        label = model.getName()
    else:
        from osim.models import MODEL_NAMES, model_path, resolve_model_file

        path = model_path(model) if model in MODEL_NAMES else resolve_model_file(model)
        from osim.sim._opensim import load_model

        m = load_model(Path(path))
        label = Path(path).name
    state = m.initSystem()
    coords = m.getCoordinateSet()
    names, rotational, locked = [], set(), set()
    for i in range(coords.getSize()):
        c = coords.get(i)
        names.append(c.getName())
        if c.getMotionType() == 1:  # Coordinate.Rotational
            rotational.add(c.getName())
        if c.getLocked(state):
            locked.add(c.getName())
    return tuple(names), frozenset(rotational), frozenset(locked), label


def _kinematic_units(columns: Sequence[str], in_degrees: bool, rotational: frozenset[str] | None) -> dict[str, str]:
    units = {}
    for name in columns:
        if rotational is not None:
            is_angle = name in rotational
        else:  # without a model: translations are the *_tx/_ty/_tz columns
            is_angle = not name.endswith(("_tx", "_ty", "_tz"))
        units[name] = ("deg" if in_degrees else "rad") if is_angle else "m"
    return units


def read_motion(path: str | os.PathLike, model: Any = None, *, allow_unmapped_model: bool = True) -> Motion:
    """Read a ``.mot``/``.sto`` (kinematics, states, forces) or ``.trc`` (markers) file.

    ``model`` (a built model name such as ``"gait9dof18musc"``, an ``.osim``
    path or an ``opensim.Model``): keep the columns that are its
    coordinates, in the model's order, with rotational coordinates in
    radians (the header's ``inDegrees`` says whether the file holds
    degrees); :attr:`Motion.mapping` reports what is unmapped on either
    side. Without a model, kinematic columns are taken as they are, with
    ``*_tx/_ty/_tz`` read as translations and the rest as angles
    (converted to radians when the file is in degrees).

    Markers come in metres (the file's ``Units``: mm, cm or m), one column
    per axis (``"R.ASIS_x"``). Force files (columns ``ground_force_*``) keep
    their values and get N, m and N*m as units.
    """
    path = Path(path)
    if not path.is_file():
        raise MotionFileError(f"motion file not found: {path}")
    table, kind = _read_table(path)
    meta = _metadata(table)
    time = np.asarray(table.getIndependentColumn(), dtype=np.float64)
    if len(time) < 2:
        raise MotionFileError(f"{path}: needs at least two rows of data, found {len(time)}")
    if not np.all(np.diff(time) > 0):
        k = int(np.flatnonzero(np.diff(time) <= 0)[0])
        raise MotionFileError(f"{path}: the time column must increase; row {k + 1} has {time[k + 1]} after "
                              f"{time[k]}")
    if kind == "markers":
        return _markers(path, table, meta, time)
    columns = tuple(table.getColumnLabels())
    values = table.getMatrix().to_numpy().reshape(len(time), len(columns))
    bad = ~np.isfinite(values)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise MotionFileError(f"{path}: column {columns[c]!r} holds a non-finite value at t = {time[r]}")
    if any(name.startswith(("ground_force", "1_ground_force", "ground_torque", "1_ground_torque"))
           for name in columns):
        return _forces(path, columns, values, meta, time, model)
    in_degrees = _in_degrees(path, meta)
    if model is None:
        units = _kinematic_units(columns, in_degrees, None)
        motion = Motion(time, columns, values, units, str(path), "kinematics", meta)
        return motion.to_radians([c for c in columns if units[c] == "deg"])
    names, rotational, locked, label = model_coordinates(model)
    mapped = tuple(n for n in names if n in columns)
    if not mapped:
        raise MotionFileError(f"{path}: no column names a coordinate of {label} (columns: {', '.join(columns)}; "
                              f"model coordinates: {', '.join(names)})")
    unmapped_model = tuple(n for n in names if n not in columns)
    if unmapped_model and not allow_unmapped_model:
        raise MotionFileError(f"{path}: no column for the coordinates {', '.join(unmapped_model)} of {label}")
    mapping = CoordinateMap(label, mapped, unmapped_model, tuple(c for c in columns if c not in names),
                            frozenset(rotational & set(mapped)), frozenset(locked & set(mapped)))
    idx = [columns.index(n) for n in mapped]
    units = _kinematic_units(mapped, in_degrees, rotational)
    motion = Motion(time, mapped, values[:, idx], units, str(path), "kinematics", meta, mapping)
    return motion.to_radians(sorted(mapping.rotational))


def _in_degrees(path: Path, meta: Mapping[str, str]) -> bool:
    flag = meta.get("inDegrees")
    if flag is None:
        # old headers without the line: OpenSim's Storage assumes degrees, and so do we
        return True
    flag = flag.strip().lower()
    if flag not in ("yes", "no"):
        raise MotionFileError(f"{path}: unknown inDegrees={flag!r} in the header; allowed: yes, no")
    return flag == "yes"


def _markers(path: Path, table, meta: Mapping[str, str], time: np.ndarray) -> Motion:
    unit = meta.get("Units", "").strip()
    if unit.lower() not in _LENGTH_UNITS:
        raise MotionFileError(f"{path}: unknown marker units {unit!r}; allowed: {', '.join(_LENGTH_UNITS)}")
    scale = _LENGTH_UNITS[unit.lower()]
    flat = table.flatten()
    labels = tuple(flat.getColumnLabels())
    values = flat.getMatrix().to_numpy().reshape(len(time), len(labels)) * scale
    columns = tuple(label[:-2] + "_" + "xyz"[int(label[-1]) - 1] for label in labels)
    return Motion(time, columns, values, {c: "m" for c in columns}, str(path), "markers", dict(meta))


def _forces(path: Path, columns, values, meta, time, model) -> Motion:
    units = {}
    for name in columns:
        if "_force_v" in name:
            units[name] = "N"
        elif "_force_p" in name:
            units[name] = "m"
        elif "torque" in name:
            units[name] = "N*m"
        else:
            units[name] = "unknown"
    return Motion(time, tuple(columns), values, units, str(path), "forces", dict(meta))
