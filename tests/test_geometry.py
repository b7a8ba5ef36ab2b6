"""Bone meshes in renders: VTP reading, the search for files, the download, and the stick-figure fallback (offline)."""
from __future__ import annotations

import functools
import hashlib
import http.server
import threading

import numpy as np
import pytest
from click.testing import CliRunner

from osim import geometry
from osim.cli import main
from osim.env import Arm2DEnv, L2RunEnv
from osim.render import Camera, render_scene
from osim.sim.scene import mesh_bodies

_BONE = np.array([232, 224, 204])


def _vtp(points, polys, fmt="ascii") -> str:
    """A VTK XML PolyData file of these points and polygons (lists of point indices)."""
    conn = " ".join(str(i) for poly in polys for i in poly)
    offsets = " ".join(str(o) for o in np.cumsum([len(p) for p in polys]))
    pts = " ".join(f"{x} {y} {z}" for x, y, z in points)
    return (f'<?xml version="1.0"?>\n<VTKFile type="PolyData" version="0.1">\n<PolyData>\n'
            f'<Piece NumberOfPoints="{len(points)}" NumberOfPolys="{len(polys)}">\n'
            f'<Points><DataArray type="Float32" NumberOfComponents="3" format="{fmt}">{pts}</DataArray></Points>\n'
            f'<Polys><DataArray type="Int32" Name="connectivity" format="ascii">{conn}</DataArray>\n'
            f'<DataArray type="Int32" Name="offsets" format="ascii">{offsets}</DataArray></Polys>\n'
            f'</Piece>\n</PolyData>\n</VTKFile>\n')


def _box(size=(0.06, 0.4, 0.06), centre=(0.0, -0.2, 0.0)) -> str:
    """A closed box of quads (each split into two triangles when read)."""
    c, h = np.array(centre), np.array(size) / 2
    corners = [c + h * np.array([sx, sy, sz]) for sx in (-1, 1) for sy in (-1, 1) for sz in (-1, 1)]
    quads = [(0, 1, 3, 2), (4, 6, 7, 5), (0, 4, 5, 1), (2, 3, 7, 6), (0, 2, 6, 4), (1, 5, 7, 3)]
    return _vtp(corners, quads)


@pytest.fixture()
def no_cache(tmp_path, monkeypatch):
    """No mesh anywhere: an empty cache and no OSIM_RL_GEOMETRY."""
    monkeypatch.setenv("OSIM_RL_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(geometry.ENV_VAR, raising=False)
    geometry.load_mesh.cache_clear()
    geometry.find_mesh.cache_clear()
    return tmp_path


def test_read_vtp_splits_polygons_into_triangles(tmp_path):
    path = tmp_path / "quad.vtp"
    path.write_text(_vtp([(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0), (0, 0, 1)], [(0, 1, 2, 3), (0, 1, 4)]))
    vertices, faces = geometry.read_vtp(path)
    assert vertices.shape == (5, 3) and vertices[4].tolist() == [0, 0, 1]
    assert faces.tolist() == [[0, 1, 4], [0, 1, 2], [0, 2, 3]]


def test_read_vtp_refuses_what_it_cannot_read(tmp_path):
    binary = tmp_path / "binary.vtp"
    binary.write_text(_vtp([(0, 0, 0)] * 3, [(0, 1, 2)], fmt="binary"))
    with pytest.raises(geometry.GeometryError, match="only ascii"):
        geometry.read_vtp(binary)
    grid = tmp_path / "grid.vtp"
    grid.write_text('<?xml version="1.0"?><VTKFile type="UnstructuredGrid"><UnstructuredGrid/></VTKFile>')
    with pytest.raises(geometry.GeometryError, match="not VTK PolyData"):
        geometry.read_vtp(grid)
    junk = tmp_path / "junk.vtp"
    junk.write_text("solid cube\n")
    with pytest.raises(geometry.GeometryError, match="not a readable VTK XML"):
        geometry.read_vtp(junk)
    bad = tmp_path / "bad.vtp"
    bad.write_text(_vtp([(0, 0, 0), (1, 0, 0), (0, 1, 0)], [(0, 1, 7)]))
    with pytest.raises(geometry.GeometryError, match="outside the 3 points"):
        geometry.read_vtp(bad)


def test_decimate_merges_close_vertices_and_drops_collapsed_triangles():
    v = np.array([[0, 0, 0], [0.001, 0, 0], [1, 0, 0], [0, 1, 0]], dtype=float)
    f = np.array([[0, 2, 3], [1, 2, 3], [0, 1, 2]])
    merged, faces = geometry.decimate(v, f, cell=0.01)
    assert len(merged) == 3 and len(faces) == 1  # the two close vertices merged; duplicates and slivers gone
    np.testing.assert_allclose(merged[faces[0][0]], [0.0005, 0, 0])


def test_every_mesh_of_a_built_model_has_a_checksum():
    for name, files in geometry.BODY_MESHES.items():
        for f in files:
            assert f in geometry.GEOMETRY_FILES, (name, f)
    assert all(len(h) == 64 for h in geometry.GEOMETRY_FILES.values())


def test_built_models_list_their_bodies_meshes():
    env = L2RunEnv()
    env.reset(seed=0)
    listed = {name: (files, hides) for name, files, _scale, hides in mesh_bodies(env.sim)}
    assert listed["femur_r"][0] == ("femur_r.vtp",) and listed["torso"][0][2] == "hat_skull.vtp"
    bones = env.sim._bones
    # the torso's skull replaces the torso-head stick; each meshed body replaces the stick leading to it
    assert {bones[i] for i in listed["torso"][1]} >= {("pelvis", "torso")}
    assert {bones[i] for i in listed["femur_r"][1]} == {("pelvis", "femur_r")}
    scene = env.render_scene()
    assert {b["name"] for b in scene["bodies"]} == set(listed)
    R = np.array(scene["bodies"][0]["rotation"])
    np.testing.assert_allclose(R @ R.T, np.eye(3), atol=1e-12)


def test_stick_figure_without_meshes(no_cache):
    env = L2RunEnv()
    env.reset(seed=0)
    scene = env.render_scene()
    auto = render_scene(scene, camera=Camera(geometry_path=no_cache / "empty"))
    sticks = render_scene(scene, camera=Camera(bones="sticks"))
    assert np.array_equal(auto, sticks)  # nothing found: exactly the stick figure
    with pytest.raises(FileNotFoundError, match="femur_r.vtp.*osim-rl geometry download"):
        render_scene(scene, camera=Camera(bones="meshes", geometry_path=no_cache / "empty"))


def test_meshes_found_are_drawn_in_place_of_their_sticks(no_cache):
    folder = no_cache / "meshes"
    folder.mkdir()
    (folder / "femur_r.vtp").write_text(_box())
    env = L2RunEnv()
    env.reset(seed=0)
    scene = env.render_scene()
    camera = Camera(geometry_path=folder, antialias=1)
    with_mesh = render_scene(scene, camera=camera)
    sticks = render_scene(scene, camera=Camera(bones="sticks", antialias=1))
    assert not np.array_equal(with_mesh, sticks)
    # the box hangs 0.4 m below the femur's origin, 6 cm wide: bone-coloured pixels along its axis
    from osim.render import project_points

    hip = np.array(env.sim.body_position("femur_r"))
    mid = project_points([hip + [0, -0.2, 0]], camera, follow=scene["follow"])[0].astype(int)
    colour = with_mesh[mid[1], mid[0]].astype(int)
    assert np.abs(colour - _BONE).max() < 90  # shaded bone, not background or muscle blue
    # a file of another folder on OSIM_RL_GEOMETRY is found the same way
    other = no_cache / "other"
    other.mkdir()
    (other / "femur_r.vtp").write_text(_box())
    import os

    os.environ[geometry.ENV_VAR] = str(other)
    try:
        assert np.array_equal(render_scene(scene, camera=Camera(antialias=1)), with_mesh)
    finally:
        del os.environ[geometry.ENV_VAR]


def test_arm_forearm_stick_is_replaced_too(no_cache):
    folder = no_cache / "arm"
    folder.mkdir()
    for name in ("arm_r_ulna.vtp", "arm_r_radius.vtp"):
        (folder / name).write_text(_box(size=(0.02, 0.25, 0.02), centre=(0, -0.12, 0)))
    env = Arm2DEnv()
    env.reset(seed=0)
    scene = env.render_scene()
    forearm = next(b for b in scene["bodies"] if b["name"] == "r_ulna_radius_hand")
    assert len(scene["segments"]) - 1 in forearm["hides"]["segments"]
    frame = render_scene(scene, camera=Camera(geometry_path=folder))
    assert frame.shape == (480, 640, 3)


def test_bad_camera_and_bodies():
    with pytest.raises(ValueError, match="bones"):
        Camera(bones="skin")
    with pytest.raises(ValueError, match="geometry_path"):
        Camera(geometry_path=3)
    scene = {"bodies": [{"name": "b", "position": (0, 0, 0), "rotation": np.eye(2), "meshes": []}]}
    with pytest.raises(ValueError, match="3 x 3"):
        render_scene(scene)
    with pytest.raises(ValueError, match="list of dicts"):
        render_scene({"bodies": {"name": "b"}})


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_download_checks_every_file(tmp_path, monkeypatch):
    pytest.importorskip("pooch", reason="the download needs the geometry extra (pooch)")
    served = tmp_path / "served"
    served.mkdir()
    (served / "good.vtp").write_text(_box())
    (served / "tampered.vtp").write_text(_box(size=(1, 1, 1)))
    good = hashlib.sha256((served / "good.vtp").read_bytes()).hexdigest()
    monkeypatch.setattr(geometry, "GEOMETRY_FILES", {"good.vtp": good, "tampered.vtp": good})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(_Quiet, directory=str(served)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/"
        dest = geometry.download_geometry(tmp_path / "cache", names=["good.vtp"], base_url=url)
        assert (dest / "good.vtp").read_bytes() == (served / "good.vtp").read_bytes()
        with pytest.raises(ValueError, match="(?i)hash"):
            geometry.download_geometry(tmp_path / "cache", names=["tampered.vtp"], base_url=url)
        assert not (tmp_path / "cache" / "tampered.vtp").exists()
        with pytest.raises(ValueError, match="unknown mesh files"):
            geometry.download_geometry(tmp_path / "cache", names=["skull.obj"], base_url=url)
    finally:
        server.shutdown()
        server.server_close()


def test_cli_geometry_where_lists_the_search(no_cache):
    out = CliRunner().invoke(main, ["geometry", "where"])
    assert out.exit_code == 0, out.output
    assert str(no_cache / "cache" / "geometry") in out.output and "0 of the 28" in out.output


def test_a_foreign_model_brings_its_own_meshes(reference):
    from osim.env import OsimEnv

    env = OsimEnv(model_path=reference / "models-foreign" / "gait2392_subject01.osim")
    env.reset()
    listed = {name: (files, scale) for name, files, scale, _hides in mesh_bodies(env.sim)}
    assert listed["femur_r"][0] == ("femur_r.vtp",)
    assert listed["femur_r"][1] == pytest.approx((1.14724,) * 3)  # the subject's scaling, from the model
    scene = env.render_scene()
    assert scene["geometry_dirs"] == [str(reference / "models-foreign")]
