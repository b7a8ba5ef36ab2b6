"""Bone meshes for the renderer: OpenSim's standard geometry, found on disk or downloaded on request.

The challenge models show OpenSim's bone meshes (``.vtp`` files: VTK
PolyData) in the OpenSim GUI. osim-rl never needs them: without them the
renderer draws the stick figure. With them, :func:`osim.render.render_scene`
draws each body's bones, shaded, under the muscles. Where the files are
looked for, first match wins:

1. ``Camera(geometry_path=...)``: a folder or a list of folders;
2. the ``OSIM_RL_GEOMETRY`` environment variable (folders separated by
   ``os.pathsep``);
3. the model file's folder and its ``Geometry`` subfolder (how OpenSim finds
   a foreign model's meshes);
4. the cache of :func:`download_geometry` (:func:`cache_dir`).

``osim-rl geometry download`` (or :func:`download_geometry`) fetches the files
the built models use, once, from OpenSim's model repository
(https://github.com/opensim-org/opensim-models, ``Geometry/``, licence CC BY
3.0: credit the OpenSim project) at a pinned commit, each checked against its
SHA-256 by ``pooch`` (``pip install "osim-rl[geometry]"``). Nothing is
downloaded unless asked.

The built models (:mod:`osim.models`) carry no mesh references (their
``.osim`` files stay as the challenges' physics needs them); the meshes of
their bodies are in :data:`BODY_MESHES`, the files the challenge models
name (OpenSim's newer names where the old file is not published: the
right femur and tibia). A foreign model's own ``Mesh`` geometry is used as it
is.
"""
from __future__ import annotations

import functools
import os
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

__all__ = ["BODY_MESHES", "GEOMETRY_FILES", "SOURCE", "cache_dir", "download_geometry", "find_mesh",
           "read_vtp", "load_mesh", "search_dirs"]

#: the opensim-models commit the files are fetched from
SOURCE_COMMIT = "20a888b9655e73fb84963d6e03eee3752cf6074b"
SOURCE = f"https://raw.githubusercontent.com/opensim-org/opensim-models/{SOURCE_COMMIT}/Geometry/"
ENV_VAR = "OSIM_RL_GEOMETRY"

#: the mesh files of the built models' bodies (body name -> files, attached at the body's origin, scale 1)
BODY_MESHES: dict[str, tuple[str, ...]] = {
    "pelvis": ("sacrum.vtp", "pelvis.vtp", "l_pelvis.vtp"),
    "femur_r": ("femur_r.vtp",),
    "tibia_r": ("tibia_r.vtp", "fibula.vtp"),
    "talus_r": ("talus.vtp",),
    "calcn_r": ("foot.vtp",),
    "toes_r": ("bofoot.vtp",),
    "femur_l": ("femur_l.vtp",),
    "tibia_l": ("tibia_l.vtp", "l_fibula.vtp"),
    "talus_l": ("l_talus.vtp",),
    "calcn_l": ("l_foot.vtp",),
    "toes_l": ("l_bofoot.vtp",),
    "torso": ("hat_spine.vtp", "hat_jaw.vtp", "hat_skull.vtp", "hat_ribs.vtp"),
    # arm2dof6musc
    "base": ("ground_ribs.vtp", "ground_spine.vtp", "ground_skull.vtp", "ground_jaw.vtp",
             "ground_r_clavicle.vtp", "ground_r_scapula.vtp"),
    "r_humerus": ("arm_r_humerus.vtp",),
    "r_ulna_radius_hand": ("arm_r_ulna.vtp", "arm_r_radius.vtp"),
}

#: file name -> SHA-256 of the file at :data:`SOURCE_COMMIT`
GEOMETRY_FILES: dict[str, str] = {
    "sacrum.vtp": "ec82986d7d7f45ad98e9e158c7f583bca2a48b0d59b38207de83ad9dee015e45",
    "pelvis.vtp": "302c81039c0b16a1f04dd3f393897dc006ed74efd923cc7761a9d3b7f86266ca",
    "l_pelvis.vtp": "221ff377284b3d4607286de7b66b6e30c449b2328db577f308065022d3e8dbec",
    "femur_r.vtp": "2bf9d3edb7861f6b392f0ef547ad912b186a56ccaf262df3a6b7b45910791a57",
    "femur_l.vtp": "dd8bbb1a796b224778334eee384eb787c18361298b6bf0cbeba18cbe7588f2d8",
    "tibia_r.vtp": "b6659ff17e79f85493047499d218bbb3677b0e80ca259953d74a332457779fd4",
    "tibia_l.vtp": "70a0430e129861adec9aefe0ebf1137352c67076eeabf4202d38878ead7ea042",
    "fibula.vtp": "640f87b7e3ecdc8c8efd092b571fea40a01e24b645d6c5036cd89086dbc56ed5",
    "l_fibula.vtp": "21cdc2c3638ecf498ce29fc4d2af9bedab92f10cb536cd9c72c3de6aacb9cb92",
    "talus.vtp": "9a24dff87d3bbeb523fc813acde53dbdb44ebf48f8f92ee1250afe267fd48008",
    "l_talus.vtp": "fd829c17c14c6b319105ac458123b989add482988012d79279a5b97830e4d9b5",
    "foot.vtp": "7a8768387702064d85375e9902b6181575d2cfe69f41a7170824039ea83c20c8",
    "l_foot.vtp": "3fe52ebe9b889f1597e9139b29f0bf770e35861a2b462c7ed95e5178f539fe44",
    "bofoot.vtp": "9f7184c162d3681abb46ca58e1591493cbf97b029d55622905db14b6b3e414ad",
    "l_bofoot.vtp": "73bbc7054bd28aa1570c0eec739d1d0e4661815dbcb37b5929157bca999e3b9b",
    "hat_spine.vtp": "e5497b482a344917d2de8f1df4c8efc4ff86aa52812f4ce4c8127c98f0f5b584",
    "hat_jaw.vtp": "ccce7bf1756dd6eeb5cd54dfdceaf86d5acc9db4229ea08c502357d92d11de95",
    "hat_skull.vtp": "4c29f62d830085be1ff6a5a3441e3214a2fbee027da46ad8d74b4699052a390e",
    "hat_ribs.vtp": "c455e84225c570ab733fe3bbbf910926ce282a8991a7eda6990d8c3c4569bae6",
    "ground_ribs.vtp": "4a76ce6bb82e32745988be01b88e3f7e6b198dfdefbe50a5d1af2fccde603d02",
    "ground_spine.vtp": "ce28cb7efea661c1adda6bd8097f31b696fb25c206e514aad530660ebaa97207",
    "ground_skull.vtp": "a29b845f62761187f3914d782cc566c414b7e2de60b383eb40b929992540a520",
    "ground_jaw.vtp": "8588c5cfbfed5dbce98c1a544a7aee725159c28d2b95ca55e8931943bd22d162",
    "ground_r_clavicle.vtp": "ecee8ee66bf6d3f4b58286090c14b00372db4a264f36824a56bb46ba47a102a4",
    "ground_r_scapula.vtp": "2498dbd83cb332965651f46bef9b004c8c03b804224677917c4a4b421dced832",
    "arm_r_humerus.vtp": "46496ac6e4c1f8e0c1973ace8f9d4c6e60af34c65e147b13bacca1dbf3d8fe32",
    "arm_r_ulna.vtp": "f277b9404b127c1a14f300275a98a95d5282f5394431c9e819426f33e455bffa",
    "arm_r_radius.vtp": "04bddb2abaa5ac4de266828137627ece9c72783cc534eb664285ddddbd5468b5",
}

#: when a mesh is loaded for drawing its vertices are merged on a grid (vertex clustering) whose cell starts
#: at DECIMATE_CELL (m) and grows by half until at most MAX_FACES triangles are left
DECIMATE_CELL = 0.004
MAX_FACES = 1200


class GeometryError(ValueError):
    """A mesh file that cannot be read (not VTK XML PolyData, or a format this reader does not take)."""


# ------------------------------------------------------------------ where
def cache_dir() -> Path:
    """Where :func:`download_geometry` puts the files (``pooch``'s user cache, ``osim-rl/geometry``)."""
    override = os.environ.get("OSIM_RL_CACHE")
    if override:
        return Path(override) / "geometry"
    try:
        import pooch

        return Path(pooch.os_cache("osim-rl")) / "geometry"
    except ImportError:
        return Path.home() / ".cache" / "osim-rl" / "geometry"


def search_dirs(geometry_path: str | os.PathLike | Sequence[str | os.PathLike] | None = None,
                model_dirs: Iterable[str | os.PathLike] = ()) -> list[Path]:
    """The folders searched for mesh files, in order (see the module docstring)."""
    dirs: list[Path] = []
    if geometry_path is not None:
        paths = [geometry_path] if isinstance(geometry_path, (str, os.PathLike)) else list(geometry_path)
        dirs += [Path(p) for p in paths]
    dirs += [Path(p) for p in os.environ.get(ENV_VAR, "").split(os.pathsep) if p]
    for d in model_dirs:
        dirs += [Path(d), Path(d) / "Geometry"]
    dirs.append(cache_dir())
    return dirs


def find_mesh(name: str, dirs: Sequence[Path]) -> Path | None:
    """The first ``dir/name`` that is a file, or None.

    Looked up once per name and list of folders in a process (every frame
    asks again: a miss costs the renderer a file check per folder);
    :func:`download_geometry` forgets the answers, ``find_mesh.cache_clear()``
    does too after copying files in by hand.
    """
    key = dirs if isinstance(dirs, tuple) and all(isinstance(d, Path) for d in dirs) else tuple(Path(d) for d in dirs)
    return _find_mesh(str(name), key)


@functools.lru_cache(maxsize=4096)
def _find_mesh(name: str, dirs: tuple[Path, ...]) -> Path | None:
    for d in dirs:
        candidate = d / name
        if candidate.is_file():
            return candidate
    return None


find_mesh.cache_clear = _find_mesh.cache_clear  # type: ignore[attr-defined]


def download_geometry(dest: str | os.PathLike | None = None, names: Iterable[str] | None = None,
                      base_url: str = SOURCE, progress: bool = False) -> Path:
    """Fetch the built models' mesh files (default: all of :data:`GEOMETRY_FILES`) into ``dest``; returns it.

    ``dest`` defaults to :func:`cache_dir`, where the renderer looks by
    itself. Files already there with the right SHA-256 are not fetched
    again; a file whose checksum does not match is an error (pooch's
    ``ValueError``), and nothing unchecked is kept.
    """
    try:
        import pooch
    except ImportError:
        raise ImportError('downloading the bone meshes needs pooch: pip install "osim-rl[geometry]"') from None
    dest = Path(dest) if dest is not None else cache_dir()
    names = list(GEOMETRY_FILES if names is None else names)
    unknown = [n for n in names if n not in GEOMETRY_FILES]
    if unknown:
        raise ValueError(f"unknown mesh files {unknown}; the known ones are {sorted(GEOMETRY_FILES)}")
    fetcher = pooch.create(path=dest, base_url=base_url, registry={n: f"sha256:{GEOMETRY_FILES[n]}" for n in names})
    for n in names:
        fetcher.fetch(n, progressbar=progress)
    find_mesh.cache_clear()
    return dest


# ------------------------------------------------------------------ reading
def _array(element, dtype) -> np.ndarray:
    if element.get("format", "ascii") != "ascii":
        raise GeometryError(f"DataArray format {element.get('format')!r}: only ascii VTP arrays are read "
                            "(OpenSim's Geometry files are ascii)")
    return np.array((element.text or "").split(), dtype=dtype)


def read_vtp(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Vertices ``(N, 3)`` (m) and triangles ``(M, 3)`` (vertex indices) of a VTK XML PolyData file.

    Polygons with more than three corners are split into fans. Only
    ``format="ascii"`` arrays are read; anything else is a :class:`GeometryError`.
    """
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except (ET.ParseError, OSError) as exc:
        raise GeometryError(f"{path}: not a readable VTK XML file: {exc}") from None
    piece = root.find("PolyData/Piece")
    if root.get("type") != "PolyData" or piece is None:
        raise GeometryError(f"{path}: not VTK PolyData (VTKFile type={root.get('type')!r})")
    points = piece.find("Points/DataArray")
    if points is None:
        raise GeometryError(f"{path}: no Points")
    vertices = _array(points, np.float64).reshape(-1, int(points.get("NumberOfComponents", 3)))[:, :3]
    arrays = {a.get("Name"): a for a in piece.findall("Polys/DataArray")}
    if "connectivity" not in arrays or "offsets" not in arrays:
        return vertices, np.zeros((0, 3), dtype=np.int64)
    conn = _array(arrays["connectivity"], np.int64)
    offsets = _array(arrays["offsets"], np.int64)
    starts = np.concatenate([[0], offsets[:-1]])
    tris = []
    for size in np.unique(offsets - starts):
        if size < 3:
            continue
        first = starts[(offsets - starts) == size]
        for k in range(1, size - 1):  # fan: (0, k, k+1)
            tris.append(np.column_stack([conn[first], conn[first + k], conn[first + k + 1]]))
    faces = np.concatenate(tris) if tris else np.zeros((0, 3), dtype=np.int64)
    if len(faces) and (faces.max() >= len(vertices) or faces.min() < 0):
        raise GeometryError(f"{path}: polygon indices outside the {len(vertices)} points")
    return vertices, faces


def decimate(vertices: np.ndarray, faces: np.ndarray, cell: float = DECIMATE_CELL) -> tuple[np.ndarray, np.ndarray]:
    """Merge the vertices in each ``cell``-sized grid cube (their mean), drop collapsed and repeated triangles."""
    if len(vertices) == 0 or cell <= 0:
        return vertices, faces
    keys = np.floor(vertices / cell).astype(np.int64)
    _uniq, cluster = np.unique(keys, axis=0, return_inverse=True)
    cluster = cluster.ravel()
    n = cluster.max() + 1
    merged = np.zeros((n, 3))
    np.add.at(merged, cluster, vertices)
    merged /= np.bincount(cluster, minlength=n)[:, None]
    f = cluster[faces]
    f = f[(f[:, 0] != f[:, 1]) & (f[:, 1] != f[:, 2]) & (f[:, 0] != f[:, 2])]
    if len(f):
        f = np.unique(np.sort(f, axis=1), axis=0)
    return merged, f


@functools.lru_cache(maxsize=256)
def load_mesh(path: str, max_faces: int = MAX_FACES) -> tuple[np.ndarray, np.ndarray]:
    """:func:`read_vtp`, then :func:`decimate` down to ``max_faces`` triangles; cached per file (what the renderer draws)."""
    vertices, faces = read_vtp(path)
    cell = DECIMATE_CELL
    out = decimate(vertices, faces, cell)
    while len(out[1]) > max_faces and cell < 0.1:
        cell *= 1.5
        out = decimate(vertices, faces, cell)
    return out
