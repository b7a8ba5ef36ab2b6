"""Offscreen drawing of a musculoskeletal scene into a numpy RGB frame.

Pure drawing code: no display, no GPU, no OpenSim. The simulator side builds a
*scene* (plain data, below) from the model every frame; :func:`render_scene`
rasterises it with Pillow into an ``(height, width, 3)`` ``uint8`` array, the
``rgb_array`` of Gymnasium's render API. :func:`write_video` turns a sequence
of frames into a GIF (Pillow) or an MP4/WebM/MKV/AVI (``imageio`` with
``imageio-ffmpeg``).

Scene
-----
A mapping with any of these keys (all optional; unknown keys are an error).
Coordinates are ground-frame metres: +X forward, +Y up, +Z to the model's
right. Wherever a ``((x, y, z), radius)`` pair is expected, a dict
``{"center": (x, y, z), "radius": r, "name": ...}`` (name optional) or, for a
whole list, an ``(N, 4)`` array of ``x, y, z, radius`` rows will do too.

``"segments"``
    list of ``((x0, y0, z0), (x1, y1, z1))`` bone segments, drawn as
    outlined capsules in bone colour.
``"spheres"``
    list of ``((x, y, z), radius)`` bone-coloured discs (e.g. the head).
``"muscles"``
    list of dicts ``{"points": [(x, y, z), ...] (two or more),
    "activation": a, "side": "r" | "l"}`` (``"side"`` and ``"name"`` are
    optional): polylines along the muscle path coloured by activation from
    blue (0) through purple to red (1), as in the challenges' visualiser
    (values outside [0, 1] are clipped; see :func:`activation_color`).
    ``"side"`` is checked but not needed: depth decides what is in front.
``"contacts"``
    list of ``((x, y, z), radius)`` contact spheres (feet), drawn as rings.
``"obstacles"``
    list of ``((x, y, z), radius)`` (RunEnv), drawn as filled brown discs.
``"targets"``
    list of ``((x, y, z), radius)`` (Arm2DEnv's reach target, L2M2019Env's
    sink), filled green discs drawn on top of everything.
``"ground"``
    ``{"height": h}`` or ``None``: a ground band striped every metre, with
    tick marks and metre labels, so that motion is visible when the camera
    follows the body (a checkerboard in the top view). An optional
    ``"friction": mu`` (static friction coefficient) tints slippery ground
    toward ice blue (fully at ``mu <= 0.1``; none at ``mu >= 0.8``).
``"terrain"``
    list of platforms (RunEnv's obstacle course), each a dict ``{"x0": a,
    "x1": b, "height": h}`` with an optional ``"friction": mu`` (tinted as
    the ground), or an ``(a, b, h)`` triple: a box on the ground from ``x = a``
    to ``b`` with its top at ``h``, 0.32 m wide (``z`` in [-0.16, 0.16]).
    Side view: the box's profile; top view: its footprint, shaded by height;
    front view: the platform under the followed point.
``"field"``
    ``{"vectors": array (2, n, m), "origin": (x, z), "yaw": yaw}`` or
    ``None``: L2M2019Env's local target velocity field in the body frame
    (``vectors[0]`` forward, ``vectors[1]`` leftward; node ``(i, j)`` at
    forward offset ``i - (n-1)/2`` m and leftward offset ``j - (m-1)/2`` m,
    i.e. -5..5 m for the 11 x 11 field). Drawn as arrows in a top-down
    mini-map in the top-right corner, centred on the agent (a triangle
    pointing along its heading). With ``Camera.field_frame="world"`` (the
    default) the map is world-aligned: +X to the right, leftward (-Z) up, the
    grid rotated by ``yaw`` (positive yaw turns left); targets within the map
    are marked. ``"origin"`` is the agent's ground position ``(x, z)``
    (default: the followed point). With ``"body"`` the map is the body frame
    (forward right, leftward up) and ``origin``/``yaw`` are unused.
``"follow"``
    ``(x, y, z)``: the point the camera follows (the pelvis). When absent,
    the mean of the segment end points (or the origin).
``"text"``
    a string or a list of strings written in the top-left corner.
``"markers"``
    list of ``((x, y, z), radius)`` model markers, small orange discs drawn
    over the body.
``"bodies"``
    list of dicts ``{"name": body, "position": (x, y, z), "rotation": 3 x 3
    (body to ground), "meshes": [file names], "scale": (sx, sy, sz)
    (optional), "hides": {"segments": [indices], "spheres": [indices]}
    (optional)}``: the bodies' poses and their bone mesh files (OpenSim's
    ``.vtp``). Where the camera's ``bones`` allow and the files are found
    (:mod:`osim.geometry`), each body's meshes are drawn, shaded, in bone
    colour, and the stick-figure segments and spheres it ``hides`` are not;
    a body whose files are not found keeps its sticks.
``"geometry_dirs"``
    folders where the model's own mesh files may be (the model file's
    folder): searched after the camera's and ``OSIM_RL_GEOMETRY``'s.
``"frame"``
    ``{"center": (x, y, z), "size": metres}``: the extent of a model. Where
    the camera sets no ``scale`` and no ``center``, the view is scaled so
    that ``size`` fills about 70% of the frame's smaller side and centred
    on ``center`` (any model, from a 10 cm mechanism to a whole body); the
    generic env's scenes have it, the challenges' do not.

Camera
------
:class:`Camera` fields (all optional):

``view``
    ``"side"`` (default: looking along -Z from the model's right: X to the
    right, Y up), ``"front"`` (looking along -X at the model's face: -Z, the
    model's left, to the right, Y up) or ``"top"`` (looking down: X to the
    right, -Z up, so the model's right side is below). Orthographic.
``follow``
    ``True`` (default): the view is centred on the followed point
    horizontally (both ground axes in the top view); ``False``: fixed camera.
``follow_vertical``
    also follow the followed point vertically in the side/front views
    (default ``False``: the ground stays put, the body bobs).
``scale``
    pixels per metre; default ``height / 2.5`` (2.5 m of height in view).
``center``
    ``(h, v)`` metres in the view plane: the view centre relative to the
    followed point on each followed axis, in absolute coordinates on the
    others. Default ``(0, 0.95)`` in side/front views (ground near the
    bottom, a standing body in view), ``(0, 0)`` in the top view.
``right_leg_on_top``
    side view: the right (+Z) side is near the camera and drawn over the
    left (``True``, default) or the reverse. In every view, whatever lies
    beyond the followed point by more than a few centimetres of depth (mean
    depth for muscles, midpoint for bones) is drawn first and darker, so the
    legs are distinguishable, also after the model turns.
``antialias``
    supersampling factor (1-4, default 2): the bodies, muscles, discs and
    the field inset are drawn at this multiple of the size and reduced with
    a box filter (the axis-aligned ground needs none). 1 is fastest.
``field_frame``
    ``"world"`` (default) or ``"body"``: orientation of the field inset.
``legend``
    draw the activation colour bar (bottom right) when there are muscles
    (default ``True``).
``bones``
    ``"auto"`` (default): bone meshes for the scene's ``bodies`` whose files
    are found, sticks for the others; ``"sticks"``: never meshes;
    ``"meshes"``: a ``FileNotFoundError`` naming the files that are not
    found (``osim-rl geometry download`` fetches them).
``geometry_path``
    a folder or a list of folders searched first for mesh files (see
    :mod:`osim.geometry` for the whole search order).

Drawing works on a numpy frame: the background and ground are array fills,
and Pillow rasterises only the regions around the drawn items (each cluster
of overlapping items supersampled on its own) and the field inset. A 640 x
480 frame of an L2M2019Env scene (12 bones, 22 muscles, 4 contacts) costs
about 2 ms at antialias 2, 1.5 ms at antialias 1; the field inset adds
about 0.5 ms.

The frame's pixel ``(column, row)`` of a world point is given by
:func:`project_points` (the same projection, e.g. for annotations or tests).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

__all__ = [
    "BONES",
    "Camera",
    "SCENE_KEYS",
    "VIEWS",
    "activation_color",
    "example_scene",
    "project_points",
    "render_scene",
    "write_video",
]

SCENE_KEYS = ("segments", "spheres", "muscles", "contacts", "obstacles", "targets",
              "ground", "terrain", "field", "follow", "text", "markers", "frame", "bodies", "geometry_dirs")
BONES = ("auto", "sticks", "meshes")
VIEWS = ("side", "front", "top")
FIELD_FRAMES = ("world", "body")
_MUSCLE_KEYS = ("points", "activation", "side", "name")
_VIDEO_EXTS = (".mp4", ".webm", ".mkv", ".avi", ".mov")

# colours (RGB)
_BG_TOP = np.array([226, 235, 244], dtype=np.float64)
_BG_BOTTOM = np.array([248, 250, 252], dtype=np.float64)
_GROUND_A = (214, 203, 184)
_GROUND_B = (199, 186, 164)
_GROUND_LINE = (92, 82, 68)
_TICK = (112, 100, 84)
_TOP_A = (224, 228, 216)
_TOP_B = (210, 216, 200)
_BONE = (232, 224, 204)
_BONE_EDGE = (96, 88, 74)
_CONTACT = (45, 45, 45)
_OBSTACLE = (146, 98, 60)
_PLATFORM = (170, 150, 120)
_PLATFORM_EDGE = (84, 70, 52)
_ICE = np.array([170, 212, 240], dtype=np.float64)
_TERRAIN_HALF_WIDTH = 0.16   # m: platforms span z in [-0.16, 0.16]
_OBSTACLE_EDGE = (88, 58, 34)
_TARGET = (46, 184, 74)
_TARGET_EDGE = (12, 110, 38)
_MARKER = (240, 140, 20)
_MARKER_EDGE = (150, 80, 0)
_ARROW = (18, 104, 132)
_INSET_BG = (251, 252, 253)
_INSET_EDGE = (140, 146, 152)
_TEXT = (28, 30, 34)
_MUSCLE_0 = np.array([35, 85, 235], dtype=np.float64)   # activation 0: blue
_MUSCLE_1 = np.array([228, 32, 32], dtype=np.float64)   # activation 1: red

_FAR_SHADE = 0.7
_FAR_PX = 1e7           # pixel coordinates are clipped to +-this
_BONE_WIDTH = 0.032     # m
_MUSCLE_WIDTH = 0.012   # m
_DEPTH_EPS = {"side": 0.03, "front": 0.05, "top": 0.15}   # m, near/far split


def _pil():
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError as exc:  # pragma: no cover - pillow is a dependency
        raise ImportError("osim.render needs Pillow: pip install pillow") from exc
    return Image, ImageDraw, ImageFont


# --------------------------------------------------------------------- camera

@dataclass
class Camera:
    """How to look at a scene (see the module docstring for every field)."""

    view: str = "side"
    follow: bool = True
    scale: float | None = None
    center: tuple[float, float] | None = None
    right_leg_on_top: bool = True
    follow_vertical: bool = False
    antialias: int = 2
    field_frame: str = "world"
    legend: bool = True
    bones: str = "auto"
    geometry_path: Any = None

    def __post_init__(self) -> None:
        if self.bones not in BONES:
            raise ValueError(f"Camera.bones must be one of {BONES}, got {self.bones!r}")
        if self.geometry_path is not None:
            paths = [self.geometry_path] if isinstance(self.geometry_path, (str, Path)) else self.geometry_path
            try:
                paths = [Path(p) for p in paths]
            except TypeError:
                raise ValueError(f"Camera.geometry_path must be a folder or a list of folders, "
                                 f"got {self.geometry_path!r}") from None
            self.geometry_path = tuple(paths)
        if self.view not in VIEWS:
            raise ValueError(f"Camera.view must be one of {VIEWS}, got {self.view!r}")
        if self.field_frame not in FIELD_FRAMES:
            raise ValueError(f"Camera.field_frame must be one of {FIELD_FRAMES}, got {self.field_frame!r}")
        if self.scale is not None:
            if not _is_real(self.scale) or not math.isfinite(self.scale) or self.scale <= 0:
                raise ValueError(f"Camera.scale must be a positive number of pixels per metre or None, "
                                 f"got {self.scale!r}")
            self.scale = float(self.scale)
        if self.center is not None:
            c = _finite_vector(self.center, 2, "Camera.center")
            self.center = (float(c[0]), float(c[1]))
        if isinstance(self.antialias, bool) or not isinstance(self.antialias, (int, np.integer)) \
                or not 1 <= self.antialias <= 4:
            raise ValueError(f"Camera.antialias must be an integer 1-4, got {self.antialias!r}")
        self.antialias = int(self.antialias)


def _is_real(x: Any) -> bool:
    if isinstance(x, np.ndarray) and x.shape == ():
        x = x[()]
    return isinstance(x, (int, float, np.integer, np.floating)) and not isinstance(x, (bool, np.bool_))


def _finite_vector(value: Any, n: int, what: str) -> np.ndarray:
    try:
        v = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be {n} numbers, got {value!r}") from None
    if v.shape != (n,):
        raise ValueError(f"{what} must be {n} numbers, got shape {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError(f"{what} has non-finite values: {v.tolist()}")
    return v


def _project(p: np.ndarray, view: str, right_on_top: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """World points (..., 3) -> horizontal, vertical view coordinates and depth (toward the camera)."""
    x, y, z = p[..., 0], p[..., 1], p[..., 2]
    if view == "side":
        return x, y, (z if right_on_top else -z)
    if view == "front":
        return -z, y, x
    return x, -z, y


class _View:
    """Mapping of one frame from world to pixel coordinates (at the output size)."""

    def __init__(self, camera: Camera, follow: np.ndarray, width: int, height: int) -> None:
        self.cam = camera
        self.width, self.height = width, height
        self.s = camera.scale if camera.scale is not None else height / 2.5
        fh, fv, fd = _project(follow, camera.view, camera.right_leg_on_top)
        if camera.center is not None:
            ch, cv = camera.center
        else:
            ch, cv = (0.0, 0.0) if camera.view == "top" else (0.0, 0.95)
        self.hc = (float(fh) if camera.follow else 0.0) + ch
        follow_v = camera.follow and (camera.follow_vertical or camera.view == "top")
        self.vc = (float(fv) if follow_v else 0.0) + cv
        self.depth_ref = float(fd)
        self.eps = _DEPTH_EPS[camera.view]

    def px(self, h: Any) -> Any:
        return 0.5 * self.width + (h - self.hc) * self.s

    def py(self, v: Any) -> Any:
        return 0.5 * self.height - (v - self.vc) * self.s

    def pixels(self, p: np.ndarray) -> np.ndarray:
        """World points (..., 3) -> pixel coordinates (..., 2): column, row."""
        h, v, _d = _project(p, self.cam.view, self.cam.right_leg_on_top)
        out = np.empty(p.shape[:-1] + (2,), dtype=np.float64)
        with np.errstate(over="ignore"):
            out[..., 0] = self.px(h)
            out[..., 1] = self.py(v)
        # absurdly far points are pulled in (keeps Pillow's integer coordinates in range)
        return np.clip(out, -_FAR_PX, _FAR_PX, out=out)

    def radii(self, r: np.ndarray, least: float) -> np.ndarray:
        with np.errstate(over="ignore"):
            return np.clip(r * self.s, least, _FAR_PX)

    def depth(self, p: np.ndarray) -> np.ndarray:
        return _project(p, self.cam.view, self.cam.right_leg_on_top)[2]


def project_points(points: Any, camera: Camera | None = None, follow: Any = None,
                   width: int = 640, height: int = 480) -> np.ndarray:
    """Pixel coordinates ``(N, 2)`` (column, row) of world points ``(N, 3)`` in a frame.

    ``follow`` is the scene's followed point (default the origin). Pixel
    ``(c, r)`` is ``frame[int(r), int(c)]``.
    """
    camera = camera if camera is not None else Camera()
    width, height = _check_size(width, height)
    f = np.zeros(3) if follow is None else _finite_vector(follow, 3, "follow")
    try:
        p = np.asarray(points, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("points must be an (N, 3) array of coordinates") from None
    if p.ndim == 1:
        p = p[None, :]
    if p.ndim != 2 or p.shape[1] != 3:
        raise ValueError(f"points must be an (N, 3) array of coordinates, got shape {p.shape}")
    return _View(camera, f, width, height).pixels(p)


# ---------------------------------------------------------------- scene input

class _Scene:
    __slots__ = ("segments", "spheres", "muscles", "contacts", "obstacles", "targets",
                 "ground", "ground_friction", "terrain", "field", "follow", "text", "markers", "frame", "meshes")


def _check_size(width: Any, height: Any) -> tuple[int, int]:
    for name, v in (("width", width), ("height", height)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 16 <= v <= 8192:
            raise ValueError(f"{name} must be an integer number of pixels in 16..8192, got {v!r}")
    return int(width), int(height)


def _segments(value: Any) -> np.ndarray:
    if value is None:
        return np.zeros((0, 2, 3))
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("scene['segments'] must be a list of ((x0, y0, z0), (x1, y1, z1)) pairs "
                         "of numbers") from None
    if a.size == 0:
        return np.zeros((0, 2, 3))
    if a.ndim != 3 or a.shape[1:] != (2, 3):
        raise ValueError("scene['segments'] must be a list of ((x0, y0, z0), (x1, y1, z1)) pairs, "
                         f"got an array of shape {a.shape}")
    bad = ~np.all(np.isfinite(a), axis=(1, 2))
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(f"scene['segments'][{i}] has non-finite coordinates: {a[i].tolist()}")
    return a


def _spheres(value: Any, key: str) -> tuple[np.ndarray, np.ndarray]:
    if value is None:
        return np.zeros((0, 3)), np.zeros(0)
    form = f"scene[{key!r}] must be a list of ((x, y, z), radius) pairs"
    if isinstance(value, np.ndarray):
        a = np.asarray(value, dtype=np.float64)
        if a.size == 0:
            return np.zeros((0, 3)), np.zeros(0)
        if a.ndim != 2 or a.shape[1] != 4:
            raise ValueError(f"{form} or an (N, 4) array, got an array of shape {a.shape}")
        centers, radii = a[:, :3], a[:, 3]
    else:
        try:
            items = list(value)
        except TypeError:
            raise ValueError(f"{form}, got {type(value).__name__}") from None
        centers = np.empty((len(items), 3))
        radii = np.empty(len(items))
        for i, item in enumerate(items):
            try:
                if isinstance(item, Mapping):
                    extra = set(item) - {"center", "radius", "name"}
                    if extra or "center" not in item or "radius" not in item:
                        raise ValueError
                    c, r = item["center"], item["radius"]
                else:
                    c, r = item
                centers[i] = np.asarray(c, dtype=np.float64)
                radii[i] = float(r)
            except (TypeError, ValueError):
                raise ValueError(f"{form} (or dicts with 'center', 'radius' and optionally 'name'); "
                                 f"item {i} is {item!r}") from None
    for i in range(len(radii)):
        if not np.all(np.isfinite(centers[i])) or not math.isfinite(radii[i]):
            raise ValueError(f"scene[{key!r}][{i}] has non-finite values: centre {centers[i].tolist()}, "
                             f"radius {radii[i]}")
        if radii[i] < 0:
            raise ValueError(f"scene[{key!r}][{i}] has a negative radius {radii[i]}")
    return centers, radii


def _muscles(value: Any) -> list[tuple[np.ndarray, float, str | None]]:
    if value is None:
        return []
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
        raise ValueError(f"scene['muscles'] must be a list of dicts, got {type(value).__name__}")
    out = []
    for i, m in enumerate(value):
        where = f"scene['muscles'][{i}]"
        if not isinstance(m, Mapping):
            raise ValueError(f"{where} must be a dict with keys 'points', 'activation' and optionally "
                             f"'side', got {type(m).__name__}")
        extra = set(m) - set(_MUSCLE_KEYS)
        if extra:
            raise ValueError(f"{where} has unknown keys {sorted(map(str, extra))}; allowed: {list(_MUSCLE_KEYS)}")
        if "points" not in m or "activation" not in m:
            raise ValueError(f"{where} needs 'points' and 'activation'")
        try:
            p = np.asarray(m["points"], dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{where}['points'] must be a list of (x, y, z) points") from None
        if p.ndim != 2 or p.shape[1] != 3 or p.shape[0] < 2:
            raise ValueError(f"{where}['points'] must be two or more (x, y, z) points, got shape {p.shape}")
        if not np.all(np.isfinite(p)):
            raise ValueError(f"{where}['points'] has non-finite coordinates")
        a = m["activation"]
        if not _is_real(a):
            raise ValueError(f"{where}['activation'] must be a number in [0, 1], got {a!r}")
        a = float(a)
        if not math.isfinite(a):
            raise ValueError(f"{where}['activation'] is not finite: {a}")
        side = m.get("side")
        if side not in ("r", "l", None):
            raise ValueError(f"{where}['side'] must be 'r' or 'l', got {side!r}")
        out.append((p, min(max(a, 0.0), 1.0), side))
    return out


def _ground(value: Any) -> tuple[float | None, float | None]:
    """(height, friction) of scene['ground']; (None, None) without ground."""
    if value is None:
        return None, None
    if not isinstance(value, Mapping):
        raise ValueError(f"scene['ground'] must be None or a dict {{'height': h}}, got {type(value).__name__}")
    extra = set(value) - {"height", "friction"}
    if extra:
        raise ValueError(f"scene['ground'] has unknown keys {sorted(map(str, extra))}; "
                         "allowed: ['height', 'friction']")
    h = value.get("height", 0.0)
    if not _is_real(h) or not math.isfinite(float(h)):
        raise ValueError(f"scene['ground']['height'] must be a finite number, got {h!r}")
    mu = value.get("friction")
    if mu is not None and (not _is_real(mu) or not math.isfinite(float(mu)) or mu < 0):
        raise ValueError(f"scene['ground']['friction'] must be a number >= 0, got {mu!r}")
    return float(h), (None if mu is None else float(mu))


def _terrain(value: Any) -> list[tuple[float, float, float, float | None]]:
    if value is None:
        return []
    form = "scene['terrain'] must be a list of platforms {'x0': a, 'x1': b, 'height': h, 'friction': mu} or (a, b, h)"
    if isinstance(value, (str, bytes, Mapping)) or not hasattr(value, "__iter__"):
        raise ValueError(f"{form}, got {type(value).__name__}")
    out = []
    for i, p in enumerate(value):
        mu = None
        if isinstance(p, Mapping):
            extra = set(p) - {"x0", "x1", "height", "friction"}
            if extra or not {"x0", "x1", "height"} <= set(p):
                raise ValueError(f"{form}; item {i} is {p!r}")
            vals, mu = (p["x0"], p["x1"], p["height"]), p.get("friction")
        else:
            try:
                vals = tuple(p)
            except TypeError:
                raise ValueError(f"{form}; item {i} is {p!r}") from None
            if len(vals) != 3:
                raise ValueError(f"{form}; item {i} is {p!r}")
        if not all(_is_real(v) and math.isfinite(float(v)) for v in vals) or float(vals[1]) < float(vals[0]):
            raise ValueError(f"scene['terrain'][{i}] needs finite x0 <= x1 and height, got {p!r}")
        if mu is not None and (not _is_real(mu) or not math.isfinite(float(mu)) or mu < 0):
            raise ValueError(f"scene['terrain'][{i}]['friction'] must be a number >= 0, got {mu!r}")
        out.append((float(vals[0]), float(vals[1]), float(vals[2]), None if mu is None else float(mu)))
    return out


def _field(value: Any, follow: np.ndarray) -> tuple[np.ndarray, np.ndarray, float] | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValueError("scene['field'] must be None or a dict with 'vectors' (2, n, m), 'origin' (x, z) "
                         f"and 'yaw', got {type(value).__name__}")
    extra = set(value) - {"vectors", "origin", "yaw"}
    if extra:
        raise ValueError(f"scene['field'] has unknown keys {sorted(map(str, extra))}; "
                         "allowed: ['vectors', 'origin', 'yaw']")
    if "vectors" not in value:
        raise ValueError("scene['field'] needs 'vectors', an array (2, n, m)")
    try:
        v = np.asarray(value["vectors"], dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("scene['field']['vectors'] must be a numeric array of shape (2, n, m)") from None
    if v.ndim != 3 or v.shape[0] != 2 or v.shape[1] < 1 or v.shape[2] < 1:
        raise ValueError(f"scene['field']['vectors'] must have shape (2, n, m) (e.g. (2, 11, 11)), "
                         f"got {v.shape}")
    if not np.all(np.isfinite(v)):
        raise ValueError("scene['field']['vectors'] has non-finite values")
    origin = value.get("origin")
    origin = np.array([follow[0], follow[2]]) if origin is None else \
        _finite_vector(origin, 2, "scene['field']['origin']")
    yaw = value.get("yaw", 0.0)
    if not _is_real(yaw) or not math.isfinite(float(yaw)):
        raise ValueError(f"scene['field']['yaw'] must be a finite number (rad), got {yaw!r}")
    return v, origin, float(yaw)


def _frame(value: Any) -> tuple[np.ndarray, float] | None:
    """(centre, size) of scene['frame'], or None."""
    if value is None:
        return None
    if not isinstance(value, Mapping) or set(value) != {"center", "size"}:
        raise ValueError(f"scene['frame'] must be None or a dict {{'center': (x, y, z), 'size': metres}}, "
                         f"got {value!r}")
    centre = _finite_vector(value["center"], 3, "scene['frame']['center']")
    size = value["size"]
    if not _is_real(size) or not math.isfinite(size) or size <= 0:
        raise ValueError(f"scene['frame']['size'] must be a positive number of metres, got {size!r}")
    return centre, float(size)


def _bodies(value: Any, dirs_value: Any, camera: "Camera", n_segments: int, n_spheres: int):
    """The meshes to draw, in ground (vertices (N, 3), faces (M, 3)), and the segment/sphere indices they hide."""
    if value is None or camera.bones == "sticks":
        return [], set(), set()
    from osim import geometry

    if isinstance(value, (str, bytes, Mapping)):
        raise ValueError(f"scene['bodies'] must be a list of dicts, got {type(value).__name__}")
    model_dirs = [] if dirs_value is None else [str(d) for d in dirs_value]
    dirs = tuple(geometry.search_dirs(camera.geometry_path, model_dirs))
    meshes, hide_segments, hide_spheres, missing = [], set(), set(), []
    for k, body in enumerate(value):
        if not isinstance(body, Mapping) or "meshes" not in body:
            raise ValueError(f"scene['bodies'][{k}] must be a dict with 'position', 'rotation' and 'meshes'")
        name = body.get("name", k)
        R = np.asarray(body.get("rotation"), dtype=np.float64)
        if R.shape != (3, 3) or not np.all(np.isfinite(R)):
            raise ValueError(f"scene['bodies'][{name!r}]['rotation'] must be a finite 3 x 3 matrix")
        paths = []
        for file in body["meshes"]:
            path = geometry.find_mesh(str(file), dirs)
            if path is None:
                missing.append(str(file))
            else:
                paths.append(path)
        if not paths:  # nothing to draw for this body: its sticks stay
            continue
        p = _finite_vector(body.get("position"), 3, f"scene['bodies'][{name!r}]['position']")
        scale = _finite_vector(body.get("scale", (1.0, 1.0, 1.0)), 3, f"scene['bodies'][{name!r}]['scale']")
        drawn = False
        for path in paths:
            vertices, faces = geometry.load_mesh(str(path))
            if len(faces):
                meshes.append(((vertices * scale) @ R.T + p, faces))
                drawn = True
        if drawn:
            hides = body.get("hides") or {}
            hide_segments.update(int(i) for i in hides.get("segments", ()) if 0 <= int(i) < n_segments)
            hide_spheres.update(int(i) for i in hides.get("spheres", ()) if 0 <= int(i) < n_spheres)
    if missing and camera.bones == "meshes":
        raise FileNotFoundError(
            f"bone meshes not found: {', '.join(sorted(set(missing)))}; searched {', '.join(map(str, dirs))}. "
            "`osim-rl geometry download` fetches the built models' meshes; Camera(geometry_path=...) or "
            f"{geometry.ENV_VAR} points to a folder that has them")
    return meshes, hide_segments, hide_spheres


def _parse(scene: Any, camera: "Camera | None" = None) -> _Scene:
    if not isinstance(scene, Mapping):
        raise ValueError(f"scene must be a dict with keys among {list(SCENE_KEYS)}, got {type(scene).__name__}")
    extra = set(scene) - set(SCENE_KEYS)
    if extra:
        raise ValueError(f"scene has unknown keys {sorted(map(str, extra))}; allowed: {list(SCENE_KEYS)}")
    s = _Scene()
    s.segments = _segments(scene.get("segments"))
    s.spheres = _spheres(scene.get("spheres"), "spheres")
    s.muscles = _muscles(scene.get("muscles"))
    s.contacts = _spheres(scene.get("contacts"), "contacts")
    s.obstacles = _spheres(scene.get("obstacles"), "obstacles")
    s.targets = _spheres(scene.get("targets"), "targets")
    s.markers = _spheres(scene.get("markers"), "markers")
    s.frame = _frame(scene.get("frame"))
    s.meshes, hide_segments, hide_spheres = _bodies(scene.get("bodies"), scene.get("geometry_dirs"),
                                                    camera if camera is not None else Camera(),
                                                    len(s.segments), len(s.spheres[1]))
    s.ground, s.ground_friction = _ground(scene.get("ground"))
    s.terrain = _terrain(scene.get("terrain"))
    follow = scene.get("follow")
    if follow is not None:
        s.follow = _finite_vector(follow, 3, "scene['follow']")
    elif len(s.segments):
        s.follow = s.segments.reshape(-1, 3).mean(axis=0)
    else:
        s.follow = np.zeros(3)
    s.field = _field(scene.get("field"), s.follow)
    if hide_segments:
        s.segments = s.segments[[i for i in range(len(s.segments)) if i not in hide_segments]]
    if hide_spheres:
        keep = [i for i in range(len(s.spheres[1])) if i not in hide_spheres]
        s.spheres = (s.spheres[0][keep], s.spheres[1][keep])
    text = scene.get("text")
    if text is None:
        s.text = []
    elif isinstance(text, str):
        s.text = text.splitlines()
    else:
        try:
            s.text = [str(t) for t in text]
        except TypeError:
            raise ValueError(f"scene['text'] must be a string or a list of strings, got {text!r}") from None
    return s


# -------------------------------------------------------------------- drawing

def _shade(c: tuple[int, int, int], f: float) -> tuple[int, int, int]:
    if f == 1.0:
        return c
    return (int(c[0] * f), int(c[1] * f), int(c[2] * f))


@lru_cache(maxsize=8)
def _background(width: int, height: int) -> np.ndarray:
    t = np.linspace(0.0, 1.0, height)[:, None]
    rows = (_BG_TOP[None, :] * (1 - t) + _BG_BOTTOM[None, :] * t).round().astype(np.uint8)
    bg = np.ascontiguousarray(np.broadcast_to(rows[:, None, :], (height, width, 3)))
    bg.flags.writeable = False
    return bg


@lru_cache(maxsize=16)
def _font(size: int):
    _i, _d, ImageFont = _pil()
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # pragma: no cover - Pillow without FreeType
        return ImageFont.load_default()


@lru_cache(maxsize=256)
def _text_masks(text: str, size: int, stroke: int):
    """Cached alpha masks (float32, 0-1) of a text line, fill and outline (or None), and their offset."""
    Image, ImageDraw, _f = _pil()
    font = _font(size)
    left, top, right, bottom = font.getbbox(text, stroke_width=stroke)
    w, h = max(1, right - left), max(1, bottom - top)
    fill = Image.new("L", (w, h), 0)
    ImageDraw.Draw(fill).text((-left, -top), text, fill=255, font=font)
    outline = None
    if stroke:
        img = Image.new("L", (w, h), 0)
        ImageDraw.Draw(img).text((-left, -top), text, fill=255, font=font, stroke_width=stroke, stroke_fill=255)
        outline = np.asarray(img, dtype=np.float32)[:, :, None] / 255.0
    return np.asarray(fill, dtype=np.float32)[:, :, None] / 255.0, outline, left, top


def _clip_box(out: np.ndarray, x: int, y: int, h: int, w: int):
    """Slices of ``out`` and of an (h, w) patch placed at (x, y), clipped to the frame (None if outside)."""
    H, W = out.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, W), min(y + h, H)
    if x1 <= x0 or y1 <= y0:
        return None
    return (slice(y0, y1), slice(x0, x1)), (slice(y0 - y, y1 - y), slice(x0 - x, x1 - x))


def _blend(out: np.ndarray, x: int, y: int, alpha: np.ndarray, color) -> None:
    boxes = _clip_box(out, x, y, alpha.shape[0], alpha.shape[1])
    if boxes is None:
        return
    dst, src = boxes
    a = alpha[src]
    region = out[dst]
    region[...] = (region * (1.0 - a) + np.asarray(color, dtype=np.float32) * a + 0.5).astype(np.uint8)


def _paste(out: np.ndarray, x: int, y: int, patch: np.ndarray) -> None:
    boxes = _clip_box(out, x, y, patch.shape[0], patch.shape[1])
    if boxes is not None:
        out[boxes[0]] = patch[boxes[1]]


def _put_text(out: np.ndarray, x: float, y: float, text: str, size: int, color=_TEXT, stroke: int = 0) -> None:
    if not text:
        return
    fill, outline, left, top = _text_masks(text, size, stroke)
    px, py = int(round(x + left)), int(round(y + top))
    if outline is not None:
        _blend(out, px, py, outline, (255, 255, 255))
    _blend(out, px, py, fill, color)


@lru_cache(maxsize=4)
def _legend(width: int, height: int) -> np.ndarray:
    """The activation colour bar with its labels, on a light panel."""
    size = _label_size(height)
    bw, bh = max(48, width // 7), max(5, height // 80)
    pad = 4
    panel = np.empty((bh + 2 * size + 4 * pad, bw + 2 * pad, 3), dtype=np.uint8)
    panel[...] = (248, 248, 246)
    a = np.linspace(0.0, 1.0, bw)[:, None]
    row = (_MUSCLE_0[None, :] + a * (_MUSCLE_1 - _MUSCLE_0)[None, :]).round().astype(np.uint8)
    by = pad + size + pad
    panel[by:by + bh, pad:pad + bw] = row[None, :, :]
    _put_text(panel, pad, pad, "activation", size)
    _put_text(panel, pad, by + bh + 2, "0", size)
    _put_text(panel, pad + bw - 0.6 * size, by + bh + 2, "1", size)
    panel[[0, -1], :] = _INSET_EDGE
    panel[:, [0, -1]] = _INSET_EDGE
    panel.flags.writeable = False
    return panel


def _label_size(height: int) -> int:
    return max(9, round(height / 44))


def _nice_step(px_per_m: float, min_px: float, steps: Sequence[float]) -> float:
    for s in steps:
        if s * px_per_m >= min_px:
            return s
    return steps[-1] * math.ceil(min_px / (steps[-1] * px_per_m))


_MINOR_STEPS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0)
_MAJOR_STEPS = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)


def _fill(out: np.ndarray, x0: float, y0: float, x1: float, y1: float, color) -> None:
    """Fill the axis-aligned rectangle [x0, x1) x [y0, y1) (pixel edges, rounded, clipped)."""
    H, W = out.shape[:2]
    a, b = max(0, int(round(x0))), min(W, int(round(x1)))
    c, d = max(0, int(round(y0))), min(H, int(round(y1)))
    if b > a and d > c:
        out[c:d, a:b] = color


def _icy(color, mu: float | None) -> tuple[int, int, int]:
    """``color`` tinted toward ice blue by slipperiness: none at friction >= 0.8, full at <= 0.1."""
    if mu is None:
        return color
    t = min(max((0.8 - mu) / 0.7, 0.0), 1.0) * 0.75
    c = np.asarray(color, dtype=np.float64) * (1 - t) + _ICE * t
    return (int(round(c[0])), int(round(c[1])), int(round(c[2])))


def _draw_terrain(out: np.ndarray, view: _View, sc: _Scene) -> None:
    """Platforms as axis-aligned fills: profile (side), footprint (top), the one underfoot (front)."""
    base = sc.ground if sc.ground is not None else 0.0
    cam = view.cam.view
    for x0, x1, h, mu in sorted(sc.terrain, key=lambda p: p[2]):
        fill, edge = _icy(_PLATFORM, mu), _PLATFORM_EDGE
        if cam == "side":
            a, b, top, bottom = view.px(x0), view.px(x1), view.py(h), view.py(base)
        elif cam == "front":
            if not x0 <= sc.follow[0] <= x1:
                continue
            a, b = view.px(-_TERRAIN_HALF_WIDTH), view.px(_TERRAIN_HALF_WIDTH)
            top, bottom = view.py(h), view.py(base)
        else:
            a, b = view.px(x0), view.px(x1)
            top, bottom = view.py(_TERRAIN_HALF_WIDTH), view.py(-_TERRAIN_HALF_WIDTH)
            fill = _shade(fill, min(1.0, 0.8 + h))
        _fill(out, a, top, b, bottom, fill)
        _fill(out, a, top - 1, b, top + 1, edge)          # top edge
        _fill(out, a - 1, top, a + 1, bottom, edge)       # walls
        _fill(out, b - 1, top, b + 1, bottom, edge)


def _draw_ground(out: np.ndarray, view: _View, height_m: float, labels: list,
                 friction: float | None = None) -> None:
    """Ground band (side/front) or checkerboard (top): axis-aligned fills, no antialiasing needed."""
    W, H, s = view.width, view.height, view.s
    h_lo, h_hi = view.hc - 0.5 * W / s, view.hc + 0.5 * W / s
    major = _nice_step(s, 110.0, _MAJOR_STEPS)
    i_range = range(math.floor(h_lo / major), math.floor(h_hi / major) + 1)
    if view.cam.view == "top":
        v_lo, v_hi = view.vc - 0.5 * H / s, view.vc + 0.5 * H / s
        for i in i_range:
            x0, x1 = view.px(i * major), view.px((i + 1) * major)
            for j in range(math.floor(v_lo / major), math.floor(v_hi / major) + 1):
                _fill(out, x0, view.py((j + 1) * major), x1, view.py(j * major),
                      _icy(_TOP_A, friction) if (i + j) % 2 == 0 else _icy(_TOP_B, friction))
        return
    gy = view.py(height_m)
    if gy >= H:
        return
    ground_a, ground_b = _icy(_GROUND_A, friction), _icy(_GROUND_B, friction)
    for i in i_range:
        _fill(out, view.px(i * major), gy, view.px((i + 1) * major), H, ground_a if i % 2 == 0 else ground_b)
    if gy < 0:
        return
    _fill(out, 0, gy - 1, W, gy + 1, _GROUND_LINE)
    minor = _nice_step(s, 36.0, _MINOR_STEPS)
    for i in range(math.floor(h_lo / minor), math.floor(h_hi / minor) + 1):
        x = view.px(i * minor)
        _fill(out, x - 0.5, gy, x + 0.5, gy + 5, _TICK)
    sign = -1.0 if view.cam.view == "front" else 1.0   # front view: h = -z
    for i in i_range:
        hm = i * major
        x = view.px(hm)
        _fill(out, x - 1, gy, x + 1, gy + 10, _GROUND_LINE)
        labels.append((x + 4, gy + 4, f"{sign * hm + 0.0:g} m"))


class _Body:
    """The scene's visible body primitives in output pixels, in drawing order, clustered into regions.

    Every item has a bounding box; overlapping boxes are merged into
    disjoint regions (the body, an obstacle further on, a target...) so that
    each region is supersampled on its own and empty space between them costs
    nothing.
    """

    _KINDS = ("obstacles", "segments", "meshes", "spheres", "muscles", "contacts", "markers")

    def __init__(self, view: _View, sc: _Scene) -> None:
        s = view.s
        W, H = view.width, view.height
        wmax = 2.0 * max(W, H)   # wider lines just cover the frame
        self.bone_w = min(_BONE_WIDTH * s, wmax)
        self.muscle_w = min(_MUSCLE_WIDTH * s, wmax)
        # items: (group, kind, payload); boxes: (x0, y0, x1, y1) each
        items: list[tuple[int, str, Any]] = []
        boxes: list[np.ndarray] = []

        def add(group, kind, payload, x0, y0, x1, y1):
            ok = (x1 >= 0) & (x0 <= W) & (y1 >= 0) & (y0 <= H)
            idx = np.flatnonzero(ok)
            if len(idx):
                boxes.append(np.column_stack([x0[idx], y0[idx], x1[idx], y1[idx]]))
                for i in idx:
                    items.append((int(group[i]) if group is not None else 3, kind, payload(i)))

        def groups_of(depth):
            return np.where(depth < view.depth_ref - view.eps, 0, np.where(depth > view.depth_ref + view.eps, 2, 1))

        if len(sc.segments):
            pix = view.pixels(sc.segments)
            m = 0.5 * self.bone_w + 3
            add(groups_of(view.depth(sc.segments.mean(axis=1))), "segments", lambda i: pix[i],
                pix[..., 0].min(axis=1) - m, pix[..., 1].min(axis=1) - m,
                pix[..., 0].max(axis=1) + m, pix[..., 1].max(axis=1) + m)
        if sc.meshes:
            toward = {"side": np.array([0.0, 0.0, 1.0 if view.cam.right_leg_on_top else -1.0]),
                      "front": np.array([1.0, 0.0, 0.0]), "top": np.array([0.0, 1.0, 0.0])}[view.cam.view]
            for vertices, faces in sc.meshes:
                tri = vertices[faces]                       # (M, 3, 3) in ground
                normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
                norm = np.linalg.norm(normal, axis=1)
                light = 0.45 + 0.55 * np.abs(normal @ toward) / np.where(norm > 0, norm, 1.0)
                order = np.argsort(view.depth(tri.mean(axis=1)), kind="stable")   # far triangles first
                pix = view.pixels(tri[order])
                shade = light[order]
                g = groups_of(np.array([view.depth(vertices).mean()]))
                add(g, "meshes", lambda _i, pix=pix, shade=shade: (pix, shade),
                    np.array([pix[..., 0].min() - 2]), np.array([pix[..., 1].min() - 2]),
                    np.array([pix[..., 0].max() + 2]), np.array([pix[..., 1].max() + 2]))
        for key in ("obstacles", "spheres", "contacts", "markers"):
            centers, radii = getattr(sc, key)
            if len(radii):
                pix = view.pixels(centers)
                r = view.radii(radii, 2.0)
                add(groups_of(view.depth(centers)), key, lambda i, pix=pix, r=r: (pix[i], float(r[i])),
                    pix[:, 0] - r - 3, pix[:, 1] - r - 3, pix[:, 0] + r + 3, pix[:, 1] + r + 3)
        if sc.muscles:
            pts = np.concatenate([p for p, _a, _s in sc.muscles])
            pix_all = view.pixels(pts)
            lengths = np.array([len(p) for p, _a, _s in sc.muscles])
            starts = np.concatenate([[0], np.cumsum(lengths[:-1])])
            g = groups_of(np.add.reduceat(view.depth(pts), starts) / lengths)
            m = 0.5 * self.muscle_w + 3
            add(g, "muscles", lambda i: (pix_all[starts[i]:starts[i] + lengths[i]], sc.muscles[i][1]),
                np.minimum.reduceat(pix_all[:, 0], starts) - m, np.minimum.reduceat(pix_all[:, 1], starts) - m,
                np.maximum.reduceat(pix_all[:, 0], starts) + m, np.maximum.reduceat(pix_all[:, 1], starts) + m)
        centers, radii = sc.targets
        if len(radii):
            pix = view.pixels(centers)
            r = view.radii(radii, 3.0)
            add(None, "targets", lambda i: (pix[i], float(r[i])),
                pix[:, 0] - r - 3, pix[:, 1] - r - 3, pix[:, 0] + r + 3, pix[:, 1] + r + 3)
        order = {kind: n for n, kind in enumerate(self._KINDS + ("targets",))}
        # drawing order: depth group (far first, targets last), then kind; stable within a kind
        rank = sorted(range(len(items)), key=lambda i: (items[i][0], order[items[i][1]]))
        self.items = [items[i] for i in rank]
        box = np.concatenate(boxes)[rank] if boxes else np.zeros((0, 4))
        self.regions: list[tuple[tuple[int, int, int, int], list[int]]] = []
        for rbox, members in _cluster(box):
            x0, y0 = max(0, math.floor(rbox[0])), max(0, math.floor(rbox[1]))
            x1, y1 = min(W, math.ceil(rbox[2])), min(H, math.ceil(rbox[3]))
            if x1 > x0 and y1 > y0:
                self.regions.append(((x0, y0, x1, y1), sorted(members)))

    def painter(self, members: list[int]):
        """A function drawing the given items at supersampling ``k`` on a canvas whose origin is pixel ``off``."""
        def paint(draw, k: int, off: tuple[int, int]) -> None:
            o = np.array(off, dtype=np.float64)
            bone_w = max(k, int(round(self.bone_w * k)))
            muscle_w = max(k, int(round(self.muscle_w * k)))
            run: list[np.ndarray] = []   # consecutive segments of one group: outlines first, then fills
            run_group = None
            for n in members + [None]:
                g, kind, payload = self.items[n] if n is not None else (None, None, None)
                shade = _FAR_SHADE if g == 0 else 1.0
                if kind == "segments" and (not run or g == run_group):
                    run.append(k * (payload - o))
                    run_group = g
                    continue
                if run:
                    _draw_capsules(draw, run, bone_w, _FAR_SHADE if run_group == 0 else 1.0, k)
                    run = []
                    if kind == "segments":
                        run, run_group = [k * (payload - o)], g
                        continue
                if kind is None:
                    break
                if kind == "meshes":
                    pix, light = payload
                    base = np.array(_BONE, dtype=np.float64) * shade
                    colors = np.clip(light[:, None] * base, 0, 255).astype(np.uint8)
                    for tri, c in zip((k * (pix - o)).reshape(len(pix), 6).tolist(), colors.tolist()):
                        draw.polygon(tri, fill=tuple(c))
                    continue
                if kind == "muscles":
                    pix, a = payload
                    draw.line((k * (pix - o)).ravel().tolist(), fill=_shade(activation_color(a), shade),
                              width=muscle_w, joint="curve")
                    continue
                c, r = payload
                c, r = k * (c - o), r * k
                if kind == "obstacles":
                    _circle(draw, c, r, fill=_OBSTACLE, outline=_OBSTACLE_EDGE, width=k)
                elif kind == "spheres":
                    _circle(draw, c, r, fill=_shade(_BONE, shade), outline=_shade(_BONE_EDGE, shade), width=k)
                elif kind == "contacts":
                    _circle(draw, c, r, outline=_shade(_CONTACT, shade), width=max(1, k + k // 2))
                elif kind == "markers":
                    _circle(draw, c, r, fill=_MARKER, outline=_MARKER_EDGE, width=k)
                else:
                    _circle(draw, c, r, fill=_TARGET, outline=_TARGET_EDGE, width=max(1, 2 * k))
        return paint


def _cluster(boxes: np.ndarray) -> list[tuple[np.ndarray, list[int]]]:
    """Merge overlapping boxes (x0, y0, x1, y1) into disjoint clusters: [(union box, member indices)]."""
    clusters: list[tuple[np.ndarray, list[int]]] = []
    for i, b in enumerate(boxes):
        box, members = b.copy(), [i]
        merged = True
        while merged:
            merged = False
            for c in range(len(clusters) - 1, -1, -1):
                cb, cm = clusters[c]
                if cb[0] <= box[2] and box[0] <= cb[2] and cb[1] <= box[3] and box[1] <= cb[3]:
                    box = np.array([min(box[0], cb[0]), min(box[1], cb[1]), max(box[2], cb[2]), max(box[3], cb[3])])
                    members += cm
                    del clusters[c]
                    merged = True
        clusters.append((box, members))
    return clusters


_BIG_CIRCLE = 512.0    # px: larger circles become polygons (Pillow's ellipse costs grow with the radius)
_UNIT_CIRCLE = np.exp(1j * np.linspace(0.0, 2 * np.pi, 721))


def _circle(draw, c, r: float, fill=None, outline=None, width: int = 1) -> None:
    x, y = float(c[0]), float(c[1])
    if r <= _BIG_CIRCLE:
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=outline, width=width)
        return
    z = x + 1j * y + r * _UNIT_CIRCLE
    pts = np.column_stack([z.real, z.imag]).ravel().tolist()
    if fill is not None:
        draw.polygon(pts, fill=fill)
    if outline is not None:
        draw.line(pts, fill=outline, width=width)


def _draw_capsules(draw, segs: list, w: int, shade: float, k: int) -> None:
    edge = _shade(_BONE_EDGE, shade)
    fill = _shade(_BONE, shade)
    r_out, r_in = 0.5 * w + k, 0.5 * w
    for q in segs:
        draw.line(q.ravel().tolist(), fill=edge, width=w + 2 * k)
        _circle(draw, q[0], r_out, fill=edge)
        _circle(draw, q[1], r_out, fill=edge)
    for q in segs:
        draw.line(q.ravel().tolist(), fill=fill, width=w)
        _circle(draw, q[0], r_in, fill=fill)
        _circle(draw, q[1], r_in, fill=fill)


def _supersampled(out: np.ndarray, box: tuple[int, int, int, int], k: int, paint) -> None:
    """Run ``paint(draw, k, offset)`` on a k-times enlarged copy of ``box`` of ``out``; put it back reduced."""
    Image, ImageDraw, _f = _pil()
    x0, y0, x1, y1 = box
    region = Image.fromarray(out[y0:y1, x0:x1])
    if k > 1:
        region = region.resize(((x1 - x0) * k, (y1 - y0) * k), Image.NEAREST)
    paint(ImageDraw.Draw(region), k, (x0, y0))
    if k > 1:
        region = region.reduce(k)
    out[y0:y1, x0:x1] = np.asarray(region)


def _draw_field(out: np.ndarray, view: _View, sc: _Scene, k: int, labels: list) -> None:
    """The target velocity field inset (top-right corner)."""
    Image, ImageDraw, _f = _pil()
    vectors, origin, yaw = sc.field
    n, m = vectors.shape[1:]
    size = round(0.34 * min(view.width, view.height))
    margin = 8
    x0, y0 = view.width - margin - size, margin
    title = _label_size(view.height) + 4
    extent = 0.5 * (max(n, m) - 1) + 1.0       # metres from the map centre to the edge
    ppm = (size - title) / (2 * extent)
    cx, cy = 0.5 * size, title + 0.5 * (size - title)
    u = np.arange(n) - 0.5 * (n - 1)
    w = np.arange(m) - 0.5 * (m - 1)
    uu, ww = np.meshgrid(u, w, indexing="ij")
    fwd, left = vectors[0], vectors[1]
    world = view.cam.field_frame == "world"
    if world:
        c, s = math.cos(yaw), math.sin(yaw)
        mx, my = c * uu - s * ww, s * uu + c * ww
        vx, vy = c * fwd - s * left, s * fwd + c * left
        heading = (c, s)
    else:
        mx, my, vx, vy = uu, ww, fwd, left
        heading = (1.0, 0.0)
    norm = np.hypot(vx, vy)
    vmax = float(norm.max())
    L = 0.85 / vmax if vmax > 0 else 0.0       # the longest arrow spans 0.85 of a node spacing
    # arrows as 7-point polygons (inset pixels), all at once
    ax, ay = (cx + mx * ppm).ravel(), (cy - my * ppm).ravel()
    dx, dy = (vx * L * ppm).ravel(), (-vy * L * ppm).ravel()
    ln = np.hypot(dx, dy)
    long_ = ln >= 1.2
    safe = np.where(long_, ln, 1.0)
    ux, uy = dx / safe, dy / safe
    nx, ny = -uy, ux
    hl = np.minimum(3.2, 0.6 * ln)
    bx, by = ax + dx - ux * hl, ay + dy - uy * hl
    hw, sh = 0.5 * hl + 0.3, 0.6
    poly = np.stack([
        np.stack([ax + nx * sh, ay + ny * sh], -1), np.stack([bx + nx * sh, by + ny * sh], -1),
        np.stack([bx + nx * hw, by + ny * hw], -1), np.stack([ax + dx, ay + dy], -1),
        np.stack([bx - nx * hw, by - ny * hw], -1), np.stack([bx - nx * sh, by - ny * sh], -1),
        np.stack([ax - nx * sh, ay - ny * sh], -1)], axis=1) * k        # (n*m, 7, 2)

    panel = Image.new("RGB", (size * k, size * k), _INSET_BG)
    draw = ImageDraw.Draw(panel)
    for i in range(len(ax)):
        if long_[i]:
            draw.polygon(poly[i].ravel().tolist(), fill=_ARROW)
        else:
            draw.ellipse((k * ax[i] - k, k * ay[i] - k, k * ax[i] + k, k * ay[i] + k), fill=_ARROW)
    if world:
        for t in sc.targets[0]:
            tx, ty = t[0] - origin[0], -(t[2] - origin[1])
            if abs(tx) <= extent and abs(ty) <= extent:
                _circle(draw, (k * (cx + tx * ppm), k * (cy - ty * ppm)), 3.5 * k, fill=_TARGET,
                        outline=_TARGET_EDGE, width=k)
    hx, hy = heading
    r = 5.0 * k
    qx, qy = k * cx, k * cy
    draw.polygon([(qx + 1.6 * r * hx, qy - 1.6 * r * hy), (qx - r * hx - r * hy, qy + r * hy - r * hx),
                  (qx - r * hx + r * hy, qy + r * hy + r * hx)], fill=(220, 60, 40), outline=(120, 30, 20))
    if k > 1:
        panel = panel.reduce(k)
    patch = np.array(panel)
    patch[[0, -1], :] = _INSET_EDGE
    patch[:, [0, -1]] = _INSET_EDGE
    _paste(out, x0, y0, patch)
    labels.append((x0 + 4, y0 + 2, "target velocity"))


def activation_color(a: float) -> tuple[int, int, int]:
    """Muscle colour for activation ``a``: blue (0) through purple to red (1); clipped to [0, 1]."""
    a = min(max(float(a), 0.0), 1.0) if math.isfinite(a) else 0.0
    c = _MUSCLE_0 + a * (_MUSCLE_1 - _MUSCLE_0)
    return (int(round(c[0])), int(round(c[1])), int(round(c[2])))


def render_scene(scene: Mapping[str, Any], camera: Camera | None = None, width: int = 640,
                 height: int = 480) -> np.ndarray:
    """Draw ``scene`` (see the module docstring) into an ``(height, width, 3)`` uint8 RGB array.

    Raises ValueError for a malformed scene (wrong shapes, non-finite
    coordinates, unknown keys), camera or size.
    """
    _pil()
    if camera is None:
        camera = Camera()
    elif not isinstance(camera, Camera):
        raise ValueError(f"camera must be an osim.render.Camera or None, got {type(camera).__name__}")
    width, height = _check_size(width, height)
    sc = _parse(scene, camera)
    if sc.frame is not None and camera.scale is None and camera.center is None:
        # scaled to the model: its size fills ~70% of the smaller side, centred on it
        centre, size = sc.frame
        ch, cv, _d = _project(centre, camera.view, camera.right_leg_on_top)
        fh, fv, _d = _project(sc.follow, camera.view, camera.right_leg_on_top)
        follow_v = camera.follow and (camera.follow_vertical or camera.view == "top")
        camera = dataclasses.replace(
            camera, scale=0.7 * min(width, height) / size,
            center=(float(ch - (fh if camera.follow else 0.0)), float(cv - (fv if follow_v else 0.0))))
    view = _View(camera, sc.follow, width, height)
    k = camera.antialias
    out = _background(width, height).copy()
    labels: list[tuple[float, float, str]] = []
    if sc.ground is not None:
        _draw_ground(out, view, sc.ground, labels, sc.ground_friction)
    if sc.terrain:
        _draw_terrain(out, view, sc)
    body = _Body(view, sc)
    for box, members in body.regions:
        _supersampled(out, box, k, body.painter(members))
    if sc.field is not None:
        _draw_field(out, view, sc, k, labels)
    size = _label_size(height)
    for x, y, text in labels:
        if -40 < x < width and y < height:
            _put_text(out, x, y, text, size)
    if camera.legend and sc.muscles:
        legend = _legend(width, height)
        _paste(out, width - legend.shape[1] - 8, height - legend.shape[0] - 8, legend)
    if sc.text:
        tsize = max(10, round(height / 32))
        line_h = round(tsize * 1.3)
        for i, line in enumerate(sc.text):
            _put_text(out, 8, 6 + i * line_h, line, tsize, stroke=2)
    return out



# ---------------------------------------------------------------------- video

def write_video(frames: Iterable[np.ndarray], path: str | Path, fps: float = 50.0) -> Path:
    """Write RGB frames (each ``(H, W, 3)`` uint8, all the same size) to ``path``.

    ``.gif`` uses Pillow; ``.mp4``, ``.webm``, ``.mkv``, ``.avi`` and ``.mov``
    use ``imageio`` with ``imageio-ffmpeg`` (even width and height needed).
    The env steps 0.01 s, so ``fps=100`` is real time; the default 50 plays at
    half speed.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext != ".gif" and ext not in _VIDEO_EXTS:
        raise ValueError(f"unsupported video file type {ext!r}; use .gif or one of {list(_VIDEO_EXTS)}")
    if not _is_real(fps) or not math.isfinite(fps) or fps <= 0:
        raise ValueError(f"fps must be a positive number, got {fps!r}")
    shape = None

    def checked(frames):
        nonlocal shape
        for i, f in enumerate(frames):
            f = np.asarray(f)
            if f.dtype != np.uint8 or f.ndim != 3 or f.shape[2] != 3:
                raise ValueError(f"frame {i} must be an (H, W, 3) uint8 array, got {f.dtype} {f.shape}")
            if shape is None:
                shape = f.shape
                if ext != ".gif" and (shape[0] % 2 or shape[1] % 2):
                    raise ValueError(f"{ext} video needs an even width and height, got {shape[1]}x{shape[0]}")
            elif f.shape != shape:
                raise ValueError(f"frame {i} has shape {f.shape}, the first frame {shape}")
            yield f

    if ext == ".gif":
        Image, _d, _f = _pil()
        images = [Image.fromarray(f) for f in checked(frames)]
        if not images:
            raise ValueError("no frames to write")
        images[0].save(path, save_all=True, append_images=images[1:], duration=max(10, round(1000 / fps)),
                       loop=0, optimize=False)
        return path
    try:
        import imageio.v2 as imageio
    except ImportError as exc:  # pragma: no cover - optional dependency
        raise ImportError(f"writing {ext} needs imageio and imageio-ffmpeg: "
                          "pip install imageio imageio-ffmpeg") from exc
    writer = None
    try:
        for f in checked(frames):
            if writer is None:
                writer = imageio.get_writer(path, fps=fps, macro_block_size=1)
            writer.append_data(f)
    finally:
        if writer is not None:
            writer.close()
    if writer is None:
        raise ValueError("no frames to write")
    return path


# ------------------------------------------------------------- example scene

_THIGH, _SHANK = 0.40, 0.42


def _leg(hip: np.ndarray, hip_flex: float, knee: float, ankle: float, z: float):
    """Points of one leg in the sagittal plane (angles in rad with the signs of the coordinates hip_flexion, knee_angle, ankle_angle)."""
    d_th = np.array([math.sin(hip_flex), -math.cos(hip_flex)])
    n_th = np.array([math.cos(hip_flex), math.sin(hip_flex)])          # forward normal
    a_sh = hip_flex + knee
    d_sh = np.array([math.sin(a_sh), -math.cos(a_sh)])
    n_sh = np.array([math.cos(a_sh), math.sin(a_sh)])
    a_ft = a_sh + ankle
    d_ft = np.array([math.cos(a_ft), math.sin(a_ft)])                  # foot points forward
    n_ft = np.array([-math.sin(a_ft), math.cos(a_ft)])                 # up from the sole
    h = hip[:2]
    kn = h + _THIGH * d_th
    an = kn + _SHANK * d_sh
    heel = an - 0.05 * d_ft - 0.05 * n_ft
    toe = an + 0.16 * d_ft - 0.06 * n_ft

    def P(p2, dz=0.0):
        return (float(p2[0]), float(p2[1]), z + dz)

    def th(f, o, dz=0.0):
        return P(h + f * _THIGH * d_th + o * n_th, dz)

    def sh(f, o, dz=0.0):
        return P(kn + f * _SHANK * d_sh + o * n_sh, dz)

    def ft(f, o):
        return P(an + f * d_ft + o * n_ft)

    side = 1.0 if z > 0 else -1.0
    joints = {"hip": P(h), "knee": P(kn), "ankle": P(an), "heel": P(heel), "toe": P(toe)}
    muscles = {
        "iliopsoas": [P(hip[:2] + np.array([0.02, 0.1]), -0.03 * side), th(-0.02, 0.035), th(0.12, 0.01)],
        "glut_max": [P(hip[:2] + np.array([-0.085, 0.07])), th(-0.02, -0.075), th(0.18, -0.03)],
        "hamstrings": [th(0.02, -0.055), th(0.8, -0.05), sh(0.08, -0.035)],
        "bifemsh": [th(0.5, -0.02), th(0.85, -0.035), sh(0.07, -0.03)],
        "rect_fem": [P(hip[:2] + np.array([0.04, 0.05])), th(0.5, 0.045), th(1.0, 0.05), sh(0.1, 0.03)],
        "vasti": [th(0.3, 0.03), th(0.95, 0.045), sh(0.12, 0.025)],
        "gastroc": [th(0.93, -0.03), sh(0.3, -0.045), ft(-0.05, 0.0)],
        "soleus": [sh(0.4, -0.03), sh(0.85, -0.035), ft(-0.05, -0.01)],
        "tib_ant": [sh(0.3, 0.025), sh(0.95, 0.035), ft(0.08, 0.0)],
        "abd": [P(hip[:2] + np.array([-0.03, 0.09]), 0.05 * side), th(0.06, -0.01, 0.03 * side)],
        "add": [P(hip[:2] + np.array([0.03, -0.02]), -0.05 * side), th(0.5, 0.0, -0.02 * side)],
    }
    return joints, muscles


def example_scene(phase: float = 0.0, x: float = 0.0, *, obstacles: bool = False, target: bool = False,
                  field: bool = False, text: Sequence[str] | None = None) -> dict:
    """A hand-built walking stick figure (two legs, 22 muscles) at gait ``phase`` (cycles).

    For demos, tests and the README picture: no OpenSim involved. ``x`` moves
    the body forward; ``obstacles``, ``target`` and ``field`` add an example of
    each.
    """
    w = 2 * math.pi * phase
    pelvis = np.array([x, 0.94, 0.0])
    segments, muscles, contacts = [], [], []
    legs = {}
    for side, z, ph in (("r", 0.0835, 0.0), ("l", -0.0835, math.pi)):
        hip_flex = 0.38 * math.sin(w + ph) + 0.08
        knee = -0.08 - 0.55 * max(0.0, math.sin(w + ph - 1.0)) ** 1.5
        ankle = 0.12 * math.sin(w + ph + 0.8)
        hip = pelvis + np.array([-0.07, -0.07, z])
        joints, paths = _leg(hip, hip_flex, knee, ankle, z)
        legs[side] = (hip, joints, paths, ph)
    drop = min(min(j["heel"][1], j["toe"][1]) for _h, j, _p, _ph in legs.values()) - 0.03
    lift = np.array([0.0, -drop, 0.0])
    pelvis = pelvis + lift

    def up(p):
        return tuple(float(v) for v in np.asarray(p, dtype=np.float64) + lift)

    trunk_top = pelvis + np.array([0.04, 0.50, 0.0])
    segments.append((up(pelvis - lift + np.array([-0.08, 0.03, 0.0])), tuple(trunk_top.tolist())))
    for side, (hip, joints, paths, ph) in legs.items():
        segments += [(up(pelvis - lift), up(hip)), (up(hip), up(joints["knee"])),
                     (up(joints["knee"]), up(joints["ankle"])), (up(joints["ankle"]), up(joints["heel"])),
                     (up(joints["heel"]), up(joints["toe"])), (up(joints["ankle"]), up(joints["toe"]))]
        contacts += [(up(joints["heel"]), 0.03), (up(joints["toe"]), 0.03)]
        for k, (name, pts) in enumerate(paths.items()):
            a = 0.5 + 0.5 * math.sin(w + ph + 0.57 * k)
            muscles.append({"name": f"{name}_{side}", "side": side, "activation": a ** 2,
                            "points": [up(p) for p in pts]})
    scene: dict[str, Any] = {
        "segments": segments,
        "spheres": [(tuple((trunk_top + np.array([0.03, 0.13, 0.0])).tolist()), 0.1)],
        "muscles": muscles,
        "contacts": contacts,
        "ground": {"height": 0.0},
        "follow": tuple(pelvis.tolist()),
    }
    if obstacles:
        scene["obstacles"] = [((x + 0.55, 0.02, 0.0), 0.06), ((x + 1.5, 0.05, 0.0), 0.1)]
    if target:
        scene["targets"] = [((x + 0.6, 1.2, 0.25), 0.04)]
    if field:
        u = np.arange(11) - 5.0
        ww = np.arange(11) - 5.0
        uu, wg = np.meshgrid(u, ww, indexing="ij")
        # a sink 4 m ahead and 2 m to the left
        dx, dy = 4.0 - uu, 2.0 - wg
        d = np.hypot(dx, dy) + 1e-9
        mag = np.minimum(1.4, 0.5 * d)
        scene["field"] = {"vectors": np.stack([dx / d * mag, dy / d * mag]), "origin": (x, 0.0), "yaw": 0.2}
        scene.setdefault("targets", []).append(((x + 4 * math.cos(0.2) - 2 * math.sin(0.2), 0.0,
                                                 -(4 * math.sin(0.2) + 2 * math.cos(0.2))), 0.1))
    if text is not None:
        scene["text"] = list(text)
    return scene
