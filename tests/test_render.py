"""Offscreen renderer (osim.render): hand-built scenes, no OpenSim."""
from __future__ import annotations

import math

import numpy as np
import pytest

pytest.importorskip("PIL")

from osim.render import (  # noqa: E402
    Camera,
    activation_color,
    example_scene,
    project_points,
    render_scene,
    write_video,
)

PELVIS = (0.0, 0.94, 0.0)


def stick(dx: float = 0.0, knee_x: float = 0.05) -> dict:
    """A minimal two-legged stick figure translated by dx along X."""
    def p(x, y, z):
        return (x + dx, y, z)

    segs = []
    for z in (0.0835, -0.0835):
        segs += [(p(0, 0.94, 0), p(-0.07, 0.87, z)), (p(-0.07, 0.87, z), p(knee_x, 0.47, z)),
                 (p(knee_x, 0.47, z), p(0.0, 0.05, z)), (p(0.0, 0.05, z), p(0.18, 0.02, z))]
    segs.append((p(0, 0.94, 0), p(0.03, 1.45, 0)))
    return {"segments": segs, "follow": p(*PELVIS)}


def pixel(frame, point, camera=None, follow=PELVIS):
    c, r = project_points([point], camera, follow=follow, width=frame.shape[1], height=frame.shape[0])[0]
    return frame[int(r), int(c)].astype(int)


def saturated_pixel(frame, point, camera=None, follow=PELVIS):
    """The most colourful pixel within one pixel of a point (thin lines cover fractional rows)."""
    c, r = project_points([point], camera, follow=follow, width=frame.shape[1], height=frame.shape[0])[0]
    r, c = int(round(r)), int(round(c))
    win = frame[r - 1:r + 2, c - 1:c + 2].reshape(-1, 3).astype(int)
    return win[np.argmax(win.max(axis=1) - win.min(axis=1))]


# ---------------------------------------------------------------- basics

@pytest.mark.parametrize("view", ["side", "front", "top"])
@pytest.mark.parametrize("aa", [1, 2])
def test_frame_shape_and_dtype(view, aa):
    frame = render_scene(example_scene(0.2, obstacles=True, target=True, field=True, text=["t"]),
                         Camera(view=view, antialias=aa))
    assert frame.shape == (480, 640, 3) and frame.dtype == np.uint8
    assert frame.flags.writeable and frame.flags.c_contiguous
    frame = render_scene(stick(), width=200, height=150)
    assert frame.shape == (150, 200, 3)


def test_empty_scene_is_background():
    frame = render_scene({})
    assert frame.shape == (480, 640, 3)
    assert frame.std(axis=1).max() < 1e-9   # rows are uniform (vertical gradient only)


def test_frame_changes_with_pose():
    a = render_scene(stick(knee_x=0.05))
    b = render_scene(stick(knee_x=0.15))
    assert not np.array_equal(a, b)
    assert np.array_equal(a, render_scene(stick(knee_x=0.05)))   # deterministic


def test_segment_drawn_where_projected():
    scene = {"segments": [((-0.5, 1.0, 0.0), (0.5, 1.0, 0.0))], "follow": (0.0, 1.0, 0.0)}
    frame = render_scene(scene)
    on = pixel(frame, (0.0, 1.0, 0.0), follow=(0.0, 1.0, 0.0))
    off = pixel(frame, (0.0, 1.3, 0.0), follow=(0.0, 1.0, 0.0))
    assert on.tolist() != off.tolist()
    assert abs(on - np.array([232, 224, 204])).max() < 10   # bone colour at the centre


# --------------------------------------------------------------- muscles

def muscle_scene(a):
    pts = [(-0.4, 1.0, 0.1), (0.0, 1.02, 0.1), (0.4, 1.0, 0.1)]
    return {"muscles": [{"points": pts, "activation": a, "side": "r"}], "follow": (0.0, 1.0, 0.0)}


@pytest.mark.parametrize("aa", [1, 2])
def test_muscle_colour_follows_activation(aa):
    cam = Camera(antialias=aa)
    for a, dominant in ((0.0, 2), (1.0, 0)):
        frame = render_scene(muscle_scene(a), cam)
        for pt in ((-0.2, 1.01, 0.1), (0.2, 1.01, 0.1)):
            rgb = saturated_pixel(frame, pt, cam, follow=(0.0, 1.0, 0.0))
            assert int(np.argmax(rgb)) == dominant, (a, rgb)
            other = rgb[2 - dominant]
            assert rgb[dominant] - other > 100, (a, rgb)
    mid = saturated_pixel(render_scene(muscle_scene(0.5), cam), (-0.2, 1.01, 0.1), cam, follow=(0.0, 1.0, 0.0))
    assert mid[0] > mid[1] and mid[2] > mid[1]   # purple


def test_activation_color_scale():
    assert activation_color(0.0)[2] > 200 and activation_color(0.0)[0] < 60
    assert activation_color(1.0)[0] > 200 and activation_color(1.0)[2] < 60
    assert activation_color(-1) == activation_color(0) and activation_color(2) == activation_color(1)
    reds = [activation_color(a)[0] for a in np.linspace(0, 1, 11)]
    assert reds == sorted(reds)


def test_far_leg_is_darker_and_drawn_first():
    # two identical horizontal bones overlapping in the side view, right (+Z) and left (-Z)
    scene = {"segments": [((-0.3, 1.0, 0.08), (0.3, 1.0, 0.08)), ((-0.3, 1.0, -0.08), (-0.1, 1.0, -0.08))],
             "follow": (0.0, 1.0, 0.0)}
    frame = render_scene(scene)
    near = pixel(frame, (0.2, 1.0, 0.08), follow=(0.0, 1.0, 0.0))
    far_only = render_scene({"segments": [((-0.3, 1.0, -0.08), (0.3, 1.0, -0.08))],
                             "follow": (0.0, 1.0, 0.0)})
    far = pixel(far_only, (0.2, 1.0, -0.08), follow=(0.0, 1.0, 0.0))
    assert near.sum() > far.sum() + 100
    # where they overlap, the near (right) bone is on top
    assert abs(pixel(frame, (-0.2, 1.0, 0.0), follow=(0.0, 1.0, 0.0)) - near).max() < 10
    # right_leg_on_top=False puts the left side in front
    cam = Camera(right_leg_on_top=False)
    frame = render_scene(scene, cam)
    assert pixel(frame, (-0.2, 1.0, 0.0), cam, follow=(0.0, 1.0, 0.0)).sum() > \
        pixel(frame, (0.2, 1.0, 0.0), cam, follow=(0.0, 1.0, 0.0)).sum() + 100


def test_far_side_muscles_are_darker_by_depth():
    def frame(z, side):
        pts = [(-0.3, 1.0, z), (0.3, 1.0, z)]
        return render_scene({"muscles": [{"points": pts, "activation": 1.0, "side": side}], "follow": (0, 1, 0)})

    near = saturated_pixel(frame(0.08, "r"), (0.0, 1.0, 0.08), follow=(0, 1, 0))
    far = saturated_pixel(frame(-0.08, "l"), (0.0, 1.0, -0.08), follow=(0, 1, 0))
    assert near[0] > far[0] + 40 and np.argmax(far) == 0
    # a turned body: the left leg nearer the camera is drawn as near
    turned = saturated_pixel(frame(0.08, "l"), (0.0, 1.0, 0.08), follow=(0, 1, 0))
    assert turned.tolist() == near.tolist()


# ------------------------------------------------- targets, obstacles, field

def test_targets_obstacles_contacts_appear():
    scene = {"targets": [((0.3, 1.2, 0.25), 0.04)], "obstacles": [((-0.4, 0.05, 0.0), 0.1)],
             "contacts": [((0.0, 0.5, 0.0), 0.05)], "ground": {"height": 0.0}, "follow": PELVIS}
    frame = render_scene(scene)
    t = pixel(frame, (0.3, 1.2, 0.25))
    assert t[1] > t[0] + 80 and t[1] > t[2] + 60          # green
    o = pixel(frame, (-0.4, 0.05, 0.0))
    assert o[0] > o[1] > o[2] and o[0] - o[2] > 60         # brown
    ring = pixel(frame, (0.05, 0.5, 0.0))                   # on the circle
    assert ring.max() < 90                                  # dark outline
    centre = pixel(frame, (0.0, 0.5, 0.0))
    assert centre.min() > 200                               # rings are hollow


def test_field_inset_appears():
    base = example_scene(0.0)
    with_field = example_scene(0.0, field=True)
    a, b = render_scene(base), render_scene(with_field)
    corner_a, corner_b = a[8:200, 420:632].astype(int), b[8:200, 420:632].astype(int)
    assert not np.array_equal(corner_a, corner_b)
    arrows = (corner_b[..., 2] - corner_b[..., 0] > 60) & (corner_b[..., 1] - corner_b[..., 0] > 40)
    assert arrows.sum() > 300                               # teal arrows
    assert np.array_equal(a[300:, :400], b[300:, :400])     # the body is untouched
    # the inset rotates with yaw in the world frame, not in the body frame
    yawed = dict(with_field, field=dict(with_field["field"], yaw=1.0))
    assert not np.array_equal(render_scene(yawed)[8:200, 420:632], b[8:200, 420:632])
    cam = Camera(field_frame="body")
    assert np.array_equal(render_scene(yawed, cam)[8:200, 420:632], render_scene(with_field, cam)[8:200, 420:632])


def test_field_arrows_point_along_the_field():
    """A single-node field: forward draws a right-pointing arrow, leftward an upward one (body frame)."""
    def teal_pixels(fwd, left, yaw=0.0, frame="body"):
        vec = np.array([fwd, left], dtype=float).reshape(2, 1, 1)
        img = render_scene({"field": {"vectors": vec, "yaw": yaw}}, Camera(field_frame=frame), 640, 480)
        inset = img[8:171, 469:632].astype(int)
        rows, cols = np.nonzero((inset[..., 2] - inset[..., 0] > 60) & (inset[..., 1] - inset[..., 0] > 40))
        assert len(rows) > 20
        return rows, cols

    rows, cols = teal_pixels(1.0, 0.0)
    assert np.ptp(cols) > 3 * np.ptp(rows)
    assert cols.mean() > 0.5 * (cols.min() + cols.max())      # the head is on the right
    rows, cols = teal_pixels(0.0, 1.0)
    assert np.ptp(rows) > 3 * np.ptp(cols)
    assert rows.mean() < 0.5 * (rows.min() + rows.max())      # pointing up
    # world frame: a forward field seen by an agent turned 90 deg left points up
    rows, cols = teal_pixels(1.0, 0.0, yaw=math.pi / 2, frame="world")
    assert np.ptp(rows) > 3 * np.ptp(cols) and rows.mean() < 0.5 * (rows.min() + rows.max())


def test_text_appears():
    a = render_scene(stick())
    b = render_scene(dict(stick(), text=["step 12", "reward 0.5"]))
    assert not np.array_equal(a[:50, :150], b[:50, :150])
    assert np.array_equal(a[100:], b[100:])
    assert np.array_equal(render_scene(dict(stick(), text="step 12\nreward 0.5")), b)


# ------------------------------------------------------------------ camera

def test_follow_keeps_pelvis_in_place():
    a = render_scene(stick(0.0))
    b = render_scene(stick(3.7))
    assert np.array_equal(a, b)
    fixed = Camera(follow=False)
    assert not np.array_equal(render_scene(stick(0.0), fixed), render_scene(stick(0.7), fixed))
    # with a ground the body stays put and the ground moves underneath
    ga = render_scene(dict(stick(0.0), ground={"height": 0.0}))
    gb = render_scene(dict(stick(0.37), ground={"height": 0.0}))
    ground_row = int(project_points([(0, 0, 0)], follow=PELVIS)[0, 1])
    assert np.array_equal(ga[:ground_row - 4], gb[:ground_row - 4])
    assert not np.array_equal(ga[ground_row + 3:], gb[ground_row + 3:])
    # pelvis pixel position is independent of the body's position
    for dx in (0.0, 2.0, -5.5):
        c, r = project_points([(dx, 0.94, 0.0)], follow=(dx, 0.94, 0.0))[0]
        assert (c, r) == pytest.approx((320.0, 240.0 - (0.94 - 0.95) * 192.0))


def test_follow_vertical_and_top_view():
    cam = Camera(follow_vertical=True)
    up = dict(stick(), follow=(0.0, 1.5, 0.0))
    up["segments"] = [tuple((x, y + 0.56, z) for x, y, z in s) for s in stick()["segments"]]
    assert np.array_equal(render_scene(stick(), cam), render_scene(up, cam))
    top = Camera(view="top")
    side_shift = dict(stick(), follow=(0.0, 0.94, 0.5))
    side_shift["segments"] = [tuple((x, y, z + 0.5) for x, y, z in s) for s in stick()["segments"]]
    assert np.array_equal(render_scene(stick(), top), render_scene(side_shift, top))
    # top view: the model's right (+Z) is below the pelvis on screen
    (_, r_right), (_, r_left) = project_points([(0, 0.94, 0.1), (0, 0.94, -0.1)], top, follow=PELVIS)
    assert r_right > r_left
    # front view: the model's right is on the left of the screen
    (c_right, _), (c_left, _) = project_points([(0, 0.94, 0.1), (0, 0.94, -0.1)], Camera(view="front"),
                                               follow=PELVIS)
    assert c_right < c_left


def test_scale_and_center():
    cam = Camera(scale=100.0, center=(0.5, 0.0), follow=False)
    (c, r), = project_points([(1.5, 1.0, 0.0)], cam, width=400, height=300)
    assert (c, r) == pytest.approx((200 + 100.0, 150 - 100.0))
    default = project_points([(0.0, 2.5, 0.0), (0.0, 0.0, 0.0)], Camera(follow=False), height=480)
    assert default[1, 1] - default[0, 1] == pytest.approx(480.0)   # 2.5 m fill the height


# -------------------------------------------------------------- bad input

@pytest.mark.parametrize("scene, match", [
    ([1, 2], "scene must be a dict"),
    ({"bones": []}, "unknown keys.*bones"),
    ({"segments": [((0, 0, 0), (1, 1))]}, r"segments"),
    ({"segments": [((0, 0, 0, 0), (1, 1, 1, 1))]}, r"shape \(1, 2, 4\)"),
    ({"segments": [((0, 0, 0), (1, math.nan, 1))]}, r"segments'\]\[0\] has non-finite"),
    ({"segments": [((0, 0, 0), (1, 1, 1)), ((0, 0, 0), (1, math.inf, 1))]}, r"segments'\]\[1\]"),
    ({"segments": "abc"}, "segments"),
    ({"muscles": [{"points": [(0, 0, 0)], "activation": 0.5}]}, "two or more"),
    ({"muscles": [{"points": [(0, 0, 0), (1, 1, math.nan)], "activation": 0.5}]}, "non-finite"),
    ({"muscles": [{"points": [(0, 0, 0), (1, 1, 1)], "activation": math.nan}]}, "activation.*not finite"),
    ({"muscles": [{"points": [(0, 0, 0), (1, 1, 1)], "activation": "high"}]}, "activation"),
    ({"muscles": [{"points": [(0, 0, 0), (1, 1, 1)], "activation": 0.2, "side": "x"}]}, "side"),
    ({"muscles": [{"points": [(0, 0, 0), (1, 1, 1)]}]}, "needs 'points' and 'activation'"),
    ({"muscles": [{"points": [(0, 0, 0), (1, 1, 1)], "activation": 0.2, "colour": 1}]}, "unknown keys"),
    ({"muscles": [[(0, 0, 0), (1, 1, 1)]]}, "must be a dict"),
    ({"muscles": 3}, "list of dicts"),
    ({"muscles": {"points": [(0, 0, 0), (1, 1, 1)], "activation": 0.2}}, "list of dicts"),
    ({"contacts": [((0, 0), 0.1)]}, "contacts"),
    ({"contacts": [((0, 0, 0), -0.1)]}, "negative radius"),
    ({"obstacles": [((0, math.nan, 0), 0.1)]}, r"obstacles'\]\[0\] has non-finite"),
    ({"targets": np.zeros((2, 3))}, r"\(N, 4\)"),
    ({"ground": 0.0}, "ground"),
    ({"ground": {"height": math.nan}}, "height"),
    ({"field": {"vectors": np.zeros((11, 11))}}, r"\(2, n, m\)"),
    ({"field": {"vectors": np.full((2, 11, 11), math.nan)}}, "non-finite"),
    ({"field": {"vectors": np.zeros((2, 11, 11)), "yaw": math.inf}}, "yaw"),
    ({"field": {"vectors": np.zeros((2, 11, 11)), "origin": (1, 2, 3)}}, "origin"),
    ({"follow": (0, 1)}, "follow"),
    ({"follow": (0, math.nan, 0)}, "follow.*non-finite"),
])
def test_bad_scene_raises(scene, match):
    with pytest.raises(ValueError, match=match):
        render_scene(scene)


def test_bad_camera_and_size():
    with pytest.raises(ValueError, match="view"):
        Camera(view="iso")
    with pytest.raises(ValueError, match="scale"):
        Camera(scale=-1)
    with pytest.raises(ValueError, match="scale"):
        Camera(scale=math.nan)
    with pytest.raises(ValueError, match="antialias"):
        Camera(antialias=8)
    with pytest.raises(ValueError, match="center"):
        Camera(center=(0, math.nan))
    with pytest.raises(ValueError, match="field_frame"):
        Camera(field_frame="map")
    with pytest.raises(ValueError, match="camera"):
        render_scene({}, camera="side")
    with pytest.raises(ValueError, match="width"):
        render_scene({}, width=0)
    with pytest.raises(ValueError, match="height"):
        render_scene({}, height=480.0)


def test_activation_is_clipped():
    over = render_scene(muscle_scene(1.7))
    assert np.array_equal(over, render_scene(muscle_scene(1.0)))
    assert np.array_equal(render_scene(muscle_scene(np.float32(-0.2))), render_scene(muscle_scene(0.0)))


def test_far_away_items_are_cheap_and_harmless():
    scene = dict(stick(), targets=[((1e4, 0.0, -3e3), 0.5)], obstacles=[((-1e5, 0.1, 0.0), 0.1)])
    assert np.array_equal(render_scene(scene), render_scene(stick()))


# ------------------------------------------------------------------- misc

def test_example_scene():
    scene = example_scene(0.25, x=1.0, obstacles=True, target=True, field=True, text=["hello"])
    assert len(scene["muscles"]) == 22 and {m["side"] for m in scene["muscles"]} == {"r", "l"}
    frames = [render_scene(example_scene(p)) for p in (0.0, 0.25)]
    assert not np.array_equal(*frames)
    # feet touch the ground
    lowest = min(c[0][1] - c[1] for c in scene["contacts"])
    assert lowest == pytest.approx(0.0, abs=1e-9)


def test_write_gif(tmp_path):
    from PIL import Image

    frames = [render_scene(example_scene(p), width=160, height=120) for p in np.linspace(0, 1, 5)]
    path = write_video(frames, tmp_path / "walk.gif", fps=25)
    with Image.open(path) as im:
        assert im.n_frames == 5 and im.size == (160, 120)
    with pytest.raises(ValueError, match="unsupported video"):
        write_video(frames, tmp_path / "walk.txt")
    with pytest.raises(ValueError, match="frame 1"):
        write_video([frames[0], frames[1][:, :100]], tmp_path / "bad.gif")
    with pytest.raises(ValueError, match="no frames"):
        write_video([], tmp_path / "empty.gif")
    with pytest.raises(ValueError, match="fps"):
        write_video(frames, tmp_path / "walk.gif", fps=0)


def test_write_mp4(tmp_path):
    pytest.importorskip("imageio")
    pytest.importorskip("imageio_ffmpeg")
    frames = (render_scene(example_scene(p), width=160, height=120) for p in np.linspace(0, 1, 10))
    path = write_video(frames, tmp_path / "walk.mp4", fps=50)
    assert path.stat().st_size > 1000
    with pytest.raises(ValueError, match="even"):
        write_video([np.zeros((121, 160, 3), np.uint8)], tmp_path / "odd.mp4")


# ------------------------------------------------------------- robustness

def test_dict_items_and_arrays_for_spheres():
    """Contacts as the simulator gives them ({'name', 'center', 'radius'}) or as an (N, 4) array."""
    pairs = {"contacts": [((0.0, 0.5, 0.0), 0.05)], "follow": PELVIS}
    dicts = {"contacts": [{"name": "foot_r", "center": (0.0, 0.5, 0.0), "radius": 0.05}], "follow": PELVIS}
    array = {"contacts": np.array([[0.0, 0.5, 0.0, 0.05]]), "follow": PELVIS}
    a = render_scene(pairs)
    assert np.array_equal(a, render_scene(dicts)) and np.array_equal(a, render_scene(array))
    with pytest.raises(ValueError, match="'center', 'radius'"):
        render_scene({"contacts": [{"centre": (0, 0, 0), "radius": 0.1}]})


@pytest.mark.parametrize("size", [(16, 16), (33, 17), (1000, 50), (50, 700)])
def test_tiny_and_odd_frames(size):
    scene = example_scene(0.2, obstacles=True, target=True, field=True, text=["a long line of text here"])
    for view in ("side", "front", "top"):
        frame = render_scene(scene, Camera(view=view), width=size[0], height=size[1])
        assert frame.shape == (size[1], size[0], 3)


@pytest.mark.parametrize("big", [10.0, 1e6, 1e12, 1e300])
def test_absurd_but_finite_geometry_is_fast(big):
    import time

    scene = {"segments": [((0, 1, 0), (big, 1, 0)), ((0, 1, 0), (0.3, big, 0.1))],
             "muscles": [{"points": [(0, 1, 0), (big, -big, 0)], "activation": 1.0}],
             "contacts": [((0, 1, 0), big)], "obstacles": [((0, 1, 0), big)], "targets": [((0, 1, 0), big)],
             "ground": {"height": 0.0}, "field": {"vectors": [[[big]], [[-big]]]}, "follow": (0, 1, 0)}
    t = time.perf_counter()
    for cam in (Camera(), Camera(scale=big), Camera(scale=1 / big), Camera(view="top")):
        assert render_scene(scene, cam).shape == (480, 640, 3)
    assert render_scene(dict(scene, follow=(big, big, big)), Camera(view="front")).shape == (480, 640, 3)
    assert time.perf_counter() - t < 5.0


def _fuzz_scene(data):
    from hypothesis import strategies as st

    coord = st.floats(-50, 50, allow_nan=False)
    point = st.tuples(coord, coord, coord)
    radius = st.floats(0, 5)
    scene = {
        "segments": data.draw(st.lists(st.tuples(point, point), max_size=6)),
        "muscles": data.draw(st.lists(st.fixed_dictionaries(
            {"points": st.lists(point, min_size=2, max_size=5), "activation": st.floats(-1, 2),
             "side": st.sampled_from(["r", "l"])}), max_size=4)),
        "contacts": data.draw(st.lists(st.tuples(point, radius), max_size=3)),
        "obstacles": data.draw(st.lists(st.tuples(point, radius), max_size=3)),
        "targets": data.draw(st.lists(st.tuples(point, radius), max_size=2)),
        "ground": data.draw(st.one_of(st.none(), st.fixed_dictionaries({"height": coord}))),
        "follow": data.draw(point),
        "text": data.draw(st.lists(st.text(max_size=20), max_size=3)),
    }
    if data.draw(st.booleans()):
        n, m = data.draw(st.integers(1, 12)), data.draw(st.integers(1, 12))
        scene["field"] = {"vectors": np.array(data.draw(st.lists(coord, min_size=2 * n * m, max_size=2 * n * m)))
                          .reshape(2, n, m), "yaw": data.draw(coord), "origin": (data.draw(coord), data.draw(coord))}
    return scene


def test_fuzzed_scenes_render():
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(data=st.data(), view=st.sampled_from(["side", "front", "top"]), aa=st.integers(1, 3),
           scale=st.one_of(st.none(), st.floats(1, 2000)))
    def check(data, view, aa, scale):
        scene = _fuzz_scene(data)
        frame = render_scene(scene, Camera(view=view, antialias=aa, scale=scale), width=160, height=120)
        assert frame.shape == (120, 160, 3) and frame.dtype == np.uint8

    check()
