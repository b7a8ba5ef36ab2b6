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
right.

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
    follows the body (a checkerboard in the top view).
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
    left (``True``, default) or the reverse. Whatever is on the far side of
    the followed point (beyond a few centimetres) is drawn first and darker,
    so the legs are distinguishable; muscles use their ``"side"`` for this in
    the side view, everything else its depth.
``antialias``
    supersampling factor (1-4, default 2: drawn at twice the size and
    reduced with a box filter). 1 is fastest.
``field_frame``
    ``"world"`` (default) or ``"body"``: orientation of the field inset.
``legend``
    draw the activation colour bar (bottom right) when there are muscles
    (default ``True``).

Cost: about 2-3 ms for a 640 x 480 frame of 20 segments and 22 muscles at
the default antialias 2 (about 1 ms at antialias 1), plus ~0.5 ms for the
field inset.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

__all__ = [
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
              "ground", "field", "follow", "text")
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
_OBSTACLE_EDGE = (88, 58, 34)
_TARGET = (46, 184, 74)
_TARGET_EDGE = (12, 110, 38)
_ARROW = (18, 104, 132)
_INSET_BG = (251, 252, 253)
_INSET_EDGE = (140, 146, 152)
_TEXT = (28, 30, 34)
_MUSCLE_0 = np.array([35, 85, 235], dtype=np.float64)   # activation 0: blue
_MUSCLE_1 = np.array([228, 32, 32], dtype=np.float64)   # activation 1: red

_FAR_SHADE = 0.7
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

    def __post_init__(self) -> None:
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
    """Pixel mapping of one frame (at the supersampled size)."""

    def __init__(self, camera: Camera, follow: np.ndarray, width: int, height: int) -> None:
        self.cam = camera
        self.k = camera.antialias
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

    def pixels(self, p: np.ndarray, k: int | None = None) -> np.ndarray:
        """World points (..., 3) -> pixel coordinates (..., 2) at scale k (default: supersampled)."""
        k = self.k if k is None else k
        h, v, _d = _project(p, self.cam.view, self.cam.right_leg_on_top)
        out = np.empty(p.shape[:-1] + (2,), dtype=np.float64)
        out[..., 0] = k * (0.5 * self.width + (h - self.hc) * self.s)
        out[..., 1] = k * (0.5 * self.height - (v - self.vc) * self.s)
        return out

    def group(self, depth: float) -> int:
        """0: far side (drawn first, darker), 1: middle, 2: near side."""
        if depth < self.depth_ref - self.eps:
            return 0
        if depth > self.depth_ref + self.eps:
            return 2
        return 1

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
    return _View(camera, f, width, height).pixels(p, k=1)


# ---------------------------------------------------------------- scene input

class _Scene:
    __slots__ = ("segments", "spheres", "muscles", "contacts", "obstacles", "targets",
                 "ground", "field", "follow", "text")


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
                c, r = item
                centers[i] = np.asarray(c, dtype=np.float64)
                radii[i] = float(r)
            except (TypeError, ValueError):
                raise ValueError(f"{form}; item {i} is {item!r}") from None
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
        if not _is_real(a) and not (isinstance(a, np.ndarray) and a.shape == () and _is_real(a.item())):
            raise ValueError(f"{where}['activation'] must be a number in [0, 1], got {a!r}")
        a = float(a)
        if not math.isfinite(a):
            raise ValueError(f"{where}['activation'] is not finite: {a}")
        side = m.get("side")
        if side not in ("r", "l", None):
            raise ValueError(f"{where}['side'] must be 'r' or 'l', got {side!r}")
        out.append((p, min(max(a, 0.0), 1.0), side))
    return out


def _ground(value: Any) -> float | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValueError(f"scene['ground'] must be None or a dict {{'height': h}}, got {type(value).__name__}")
    extra = set(value) - {"height"}
    if extra:
        raise ValueError(f"scene['ground'] has unknown keys {sorted(map(str, extra))}; allowed: ['height']")
    h = value.get("height", 0.0)
    if not _is_real(h) or not math.isfinite(h):
        raise ValueError(f"scene['ground']['height'] must be a finite number, got {h!r}")
    return float(h)


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
    if not _is_real(yaw) or not math.isfinite(yaw):
        raise ValueError(f"scene['field']['yaw'] must be a finite number (rad), got {yaw!r}")
    return v, origin, float(yaw)


def _parse(scene: Any) -> _Scene:
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
    s.ground = _ground(scene.get("ground"))
    follow = scene.get("follow")
    if follow is not None:
        s.follow = _finite_vector(follow, 3, "scene['follow']")
    elif len(s.segments):
        s.follow = s.segments.reshape(-1, 3).mean(axis=0)
    else:
        s.follow = np.zeros(3)
    s.field = _field(scene.get("field"), s.follow)
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

def activation_color(a: float) -> tuple[int, int, int]:
    """Muscle colour for activation ``a``: blue (0) through purple to red (1); clipped to [0, 1]."""
    a = min(max(float(a), 0.0), 1.0) if math.isfinite(a) else 0.0
    c = _MUSCLE_0 + a * (_MUSCLE_1 - _MUSCLE_0)
    return (int(round(c[0])), int(round(c[1])), int(round(c[2])))


def _shade(c: tuple[int, int, int], f: float) -> tuple[int, int, int]:
    if f == 1.0:
        return c
    return (int(c[0] * f), int(c[1] * f), int(c[2] * f))


@lru_cache(maxsize=8)
def _background(width: int, height: int):
    Image, _d, _f = _pil()
    t = np.linspace(0.0, 1.0, height)[:, None]
    rows = (_BG_TOP[None, :] * (1 - t) + _BG_BOTTOM[None, :] * t).round().astype(np.uint8)
    return Image.fromarray(np.ascontiguousarray(np.broadcast_to(rows[:, None, :], (height, width, 3))))


@lru_cache(maxsize=16)
def _font(size: int):
    _i, _d, ImageFont = _pil()
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # pragma: no cover - Pillow without FreeType
        return ImageFont.load_default()


@lru_cache(maxsize=4)
def _legend_bar(w: int, h: int):
    Image, _d, _f = _pil()
    a = np.linspace(0.0, 1.0, w)[:, None]
    row = (_MUSCLE_0[None, :] + a * (_MUSCLE_1 - _MUSCLE_0)[None, :]).round().astype(np.uint8)
    return Image.fromarray(np.ascontiguousarray(np.broadcast_to(row[None, :, :], (h, w, 3))))


def _nice_step(px_per_m: float, min_px: float, steps: Sequence[float]) -> float:
    for s in steps:
        if s * px_per_m >= min_px:
            return s
    return steps[-1] * math.ceil(min_px / (steps[-1] * px_per_m))


_MINOR_STEPS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0)
_MAJOR_STEPS = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)


def _circle(draw, c: np.ndarray, r: float, fill=None, outline=None, width: int = 1) -> None:
    x, y = float(c[0]), float(c[1])
    draw.ellipse((x - r, y - r, x + r, y + r), fill=fill, outline=outline, width=width)


def _draw_ground(draw, view: _View, height_m: float, labels: list) -> None:
    k, W, H, s = view.k, view.width * view.k, view.height * view.k, view.s * view.k
    cam = view.cam
    h_lo = view.hc - 0.5 * view.width / view.s
    h_hi = view.hc + 0.5 * view.width / view.s
    major = _nice_step(view.s, 110.0, _MAJOR_STEPS)
    if cam.view == "top":
        v_lo = view.vc - 0.5 * view.height / view.s
        v_hi = view.vc + 0.5 * view.height / view.s
        for i in range(math.floor(h_lo / major), math.floor(h_hi / major) + 1):
            x0 = (0.5 * view.width + (i * major - view.hc) * view.s) * k
            for j in range(math.floor(v_lo / major), math.floor(v_hi / major) + 1):
                y1 = (0.5 * view.height - (j * major - view.vc) * view.s) * k
                fill = _TOP_A if (i + j) % 2 == 0 else _TOP_B
                draw.rectangle((x0, y1 - major * s, x0 + major * s, y1), fill=fill)
        return
    gy = (0.5 * view.height - (height_m - view.vc) * view.s) * k
    if gy >= H:
        return
    gy_c = max(gy, 0.0)
    for i in range(math.floor(h_lo / major), math.floor(h_hi / major) + 1):
        x0 = (0.5 * view.width + (i * major - view.hc) * view.s) * k
        draw.rectangle((x0, gy_c, x0 + major * s, H), fill=_GROUND_A if i % 2 == 0 else _GROUND_B)
    if gy < 0:
        return
    draw.line((0, gy, W, gy), fill=_GROUND_LINE, width=max(1, 2 * k))
    minor = _nice_step(view.s, 36.0, _MINOR_STEPS)
    for i in range(math.floor(h_lo / minor), math.floor(h_hi / minor) + 1):
        x = (0.5 * view.width + (i * minor - view.hc) * view.s) * k
        draw.line((x, gy, x, gy + 5 * k), fill=_TICK, width=k)
    for i in range(math.floor(h_lo / major), math.floor(h_hi / major) + 1):
        hm = i * major
        x = (0.5 * view.width + (hm - view.hc) * view.s) * k
        draw.line((x, gy, x, gy + 10 * k), fill=_GROUND_LINE, width=max(1, 2 * k))
        labels.append((x / k + 3, gy / k + 4, f"{hm:g} m"))


def _draw_capsules(draw, pix: np.ndarray, width: float, shade: float, k: int) -> None:
    edge = _shade(_BONE_EDGE, shade)
    fill = _shade(_BONE, shade)
    w = max(k, int(round(width)))
    e = k
    r_out, r_in = 0.5 * w + e, 0.5 * w
    for p0, p1 in pix:
        seg = (float(p0[0]), float(p0[1]), float(p1[0]), float(p1[1]))
        draw.line(seg, fill=edge, width=w + 2 * e)
        _circle(draw, p0, r_out, fill=edge)
        _circle(draw, p1, r_out, fill=edge)
    for p0, p1 in pix:
        seg = (float(p0[0]), float(p0[1]), float(p1[0]), float(p1[1]))
        draw.line(seg, fill=fill, width=w)
        _circle(draw, p0, r_in, fill=fill)
        _circle(draw, p1, r_in, fill=fill)


def _visible(pix: np.ndarray, r: float, W: int, H: int) -> bool:
    x, y = pix[..., 0], pix[..., 1]
    return not (x.max() + r < 0 or x.min() - r > W or y.max() + r < 0 or y.min() - r > H)


def _draw_body(draw, view: _View, sc: _Scene) -> None:
    k = view.k
    W, H = view.width * k, view.height * k
    sk = view.s * k
    groups: list[dict[str, list]] = [{"obstacles": [], "segments": [], "spheres": [], "muscles": [],
                                      "contacts": []} for _ in range(3)]
    if len(sc.segments):
        depth = view.depth(sc.segments.mean(axis=1))
        pix = view.pixels(sc.segments)
        for i in range(len(pix)):
            groups[view.group(float(depth[i]))]["segments"].append(pix[i])
    for key in ("obstacles", "spheres", "contacts"):
        centers, radii = getattr(sc, key)
        if len(radii):
            depth = view.depth(centers)
            pix = view.pixels(centers)
            for i in range(len(radii)):
                groups[view.group(float(depth[i]))][key].append((pix[i], radii[i] * sk))
    side_view = view.cam.view == "side"
    for pts, a, side in sc.muscles:
        if side_view and side is not None:
            g = 2 if (side == "r") == view.cam.right_leg_on_top else 0
        else:
            g = view.group(float(view.depth(pts).mean()))
        groups[g]["muscles"].append((view.pixels(pts), a))
    bone_w = _BONE_WIDTH * sk
    muscle_w = max(k, int(round(_MUSCLE_WIDTH * sk)))
    for g, items in enumerate(groups):
        shade = _FAR_SHADE if g == 0 else 1.0
        for c, r in items["obstacles"]:
            if _visible(c, r, W, H):
                _circle(draw, c, max(r, k), fill=_OBSTACLE, outline=_OBSTACLE_EDGE, width=k)
        segs = [p for p in items["segments"] if _visible(p, bone_w, W, H)]
        if segs:
            _draw_capsules(draw, np.array(segs), bone_w, shade, k)
        for c, r in items["spheres"]:
            if _visible(c, r, W, H):
                _circle(draw, c, max(r, k), fill=_shade(_BONE, shade), outline=_shade(_BONE_EDGE, shade),
                        width=k)
        for pix, a in items["muscles"]:
            if _visible(pix, muscle_w, W, H):
                draw.line([(float(x), float(y)) for x, y in pix], fill=_shade(activation_color(a), shade),
                          width=muscle_w, joint="curve")
        for c, r in items["contacts"]:
            if _visible(c, r, W, H):
                _circle(draw, c, max(r, 2 * k), outline=_shade(_CONTACT, shade), width=max(1, k + k // 2))
    centers, radii = sc.targets
    if len(radii):
        pix = view.pixels(centers)
        for c, r in zip(pix, radii):
            r = max(r * sk, 3 * k)
            if _visible(c, r, W, H):
                _circle(draw, c, r, fill=_TARGET, outline=_TARGET_EDGE, width=max(1, 2 * k))


def _arrow(draw, x0: float, y0: float, x1: float, y1: float, color, width: int, head: float) -> None:
    dx, dy = x1 - x0, y1 - y0
    n = math.hypot(dx, dy)
    if n < 1e-9:
        return
    ux, uy = dx / n, dy / n
    head = min(head, 0.6 * n)
    bx, by = x1 - ux * head, y1 - uy * head
    draw.line((x0, y0, bx, by), fill=color, width=width)
    hw = 0.55 * head
    draw.polygon([(x1, y1), (bx - uy * hw, by + ux * hw), (bx + uy * hw, by - ux * hw)], fill=color)


def _draw_field(draw, view: _View, sc: _Scene, labels: list) -> None:
    vectors, origin, yaw = sc.field
    k = view.k
    n, m = vectors.shape[1:]
    size = round(0.34 * min(view.width, view.height))
    margin = 8
    x0, y0 = view.width - margin - size, margin
    draw.rectangle((x0 * k, y0 * k, (x0 + size) * k, (y0 + size) * k), fill=_INSET_BG, outline=_INSET_EDGE,
                   width=k)
    labels.append((x0 + 4, y0 + 2, "target velocity"))
    extent = 0.5 * max(n, m) + 0.5  # metres from the centre to the edge
    ppm = size / (2 * extent) * k
    cx, cy = (x0 + 0.5 * size) * k, (y0 + 0.5 * size + 4) * k
    u = np.arange(n) - 0.5 * (n - 1)
    w = np.arange(m) - 0.5 * (m - 1)
    uu, ww = np.meshgrid(u, w, indexing="ij")
    fwd, left = vectors[0], vectors[1]
    if view.cam.field_frame == "world":
        c, s = math.cos(yaw), math.sin(yaw)
        px, py = c * uu - s * ww, s * uu + c * ww
        vx, vy = c * fwd - s * left, s * fwd + c * left
        heading = (c, s)
    else:
        px, py, vx, vy = uu, ww, fwd, left
        heading = (1.0, 0.0)
    norm = np.hypot(vx, vy)
    vmax = float(norm.max())
    L = 0.85 / vmax if vmax > 0 else 0.0   # longest arrow: 0.85 node spacing
    width = max(1, k)
    head = 2.6 * k
    for i in range(n):
        for j in range(m):
            sx, sy = cx + px[i, j] * ppm, cy - py[i, j] * ppm
            if norm[i, j] * L * ppm < 1.5 * k:
                draw.point((sx, sy), fill=_ARROW)
                continue
            ex, ey = sx + vx[i, j] * L * ppm, sy - vy[i, j] * L * ppm
            _arrow(draw, sx, sy, ex, ey, _ARROW, width, head)
    if view.cam.field_frame == "world":
        centers, radii = sc.targets
        for t in centers:
            tx, ty = t[0] - origin[0], -(t[2] - origin[1])
            if abs(tx) <= extent and abs(ty) <= extent:
                _circle(draw, (cx + tx * ppm, cy - ty * ppm), 3.5 * k, fill=_TARGET, outline=_TARGET_EDGE, width=k)
    hx, hy = heading
    r = 5.0 * k
    tip = (cx + hx * r * 1.6, cy - hy * r * 1.6)
    back_l = (cx - hx * r - hy * r, cy + hy * r - hx * r)
    back_r = (cx - hx * r + hy * r, cy + hy * r + hx * r)
    draw.polygon([tip, back_l, back_r], fill=(220, 60, 40), outline=(120, 30, 20))


def render_scene(scene: Mapping[str, Any], camera: Camera | None = None, width: int = 640,
                 height: int = 480) -> np.ndarray:
    """Draw ``scene`` (see the module docstring) into an ``(height, width, 3)`` uint8 RGB array."""
    Image, ImageDraw, _f = _pil()
    if camera is None:
        camera = Camera()
    elif not isinstance(camera, Camera):
        raise ValueError(f"camera must be an osim.render.Camera or None, got {type(camera).__name__}")
    width, height = _check_size(width, height)
    sc = _parse(scene)
    view = _View(camera, sc.follow, width, height)
    k = view.k
    img = _background(width * k, height * k).copy()
    draw = ImageDraw.Draw(img)
    labels: list[tuple[float, float, str]] = []
    if sc.ground is not None:
        _draw_ground(draw, view, sc.ground, labels)
    _draw_body(draw, view, sc)
    if sc.field is not None:
        _draw_field(draw, view, sc, labels)
    if k > 1:
        img = img.reduce(k)
    draw = ImageDraw.Draw(img)
    small = _font(max(9, round(height / 44)))
    for x, y, text in labels:
        if -40 < x < width and y < height:
            draw.text((x, y), text, fill=_TEXT, font=small)
    if sc.text:
        font = _font(max(10, round(height / 32)))
        line_h = round(font.size * 1.25) if hasattr(font, "size") else 14
        for i, line in enumerate(sc.text):
            draw.text((8, 6 + i * line_h), line, fill=_TEXT, font=font, stroke_width=2,
                      stroke_fill=(255, 255, 255))
    if camera.legend and sc.muscles:
        bw, bh = max(40, width // 7), max(4, height // 80)
        bx, by = width - bw - 12, height - bh - 8 - small.size if hasattr(small, "size") else height - 30
        img.paste(_legend_bar(bw, bh), (bx, by))
        draw.text((bx - 2, by - small.size - 3 if hasattr(small, "size") else by - 12), "muscle activation",
                  fill=_TEXT, font=small)
        draw.text((bx, by + bh + 1), "0", fill=_TEXT, font=small)
        draw.text((bx + bw - 6, by + bh + 1), "1", fill=_TEXT, font=small)
    return np.array(img, dtype=np.uint8)


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
    """Points of one leg in the sagittal plane (angles in rad, spec sign conventions)."""
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
        "glut_max": [P(hip[:2] + np.array([-0.12, 0.06])), th(0.02, -0.06), th(0.2, -0.02)],
        "hamstrings": [th(0.03, -0.05), th(0.8, -0.045), sh(0.08, -0.035)],
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
