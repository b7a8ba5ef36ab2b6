"""Tests of the L2M2019 target velocity field (osim/env/target_field.py).

Checked against the 2019 original's field: its draws and values for seed 1
(reference numbers), its update once at reset and once per step, the global
velocity the reward reads, and the kept and fixed quirks (docs/quirks.md,
Q43-Q47, Q58); golden trajectories in
../shared/reference/golden (tests needing them take the ``reference``
fixture of conftest.py, which skips with a reason where that folder is
absent).
"""

import json
import math
import time

import numpy as np
import pytest

from osim.env.target_field import TargetField, n_targets_bound

GOLDEN_FILES = [
    "L2M2019Env_2D_d2_s11.npz",
    "L2M2019Env_2D_d2_s12.npz",
    "L2M2019Env_3D_d0_s11.npz",
    "L2M2019Env_3D_d0_s12.npz",
    "L2M2019Env_3D_d2_s11.npz",
    "L2M2019Env_3D_d2_s12.npz",
    "L2M2019Env_3D_d3_s11.npz",
    "L2M2019Env_3D_d3_s12.npz",
]

TOL = 1e-6  # the reference numbers are rounded to 6 decimals
DT = 0.01


def _field(version, seed=1, **kw):
    f = TargetField(version)
    f.reset(seed=seed, **kw)
    return f


# ---------------------------------- reference numbers of the original, seed 1
SPEC_DRAWS = {  # r, dtheta, phi0, t0, p_sink
    1: (5.834044, 0.0, -3.140874, 2.604665, (5.834044, 0.0)),
    2: (5.834044, 0.692170, -3.140874, 2.604665, (4.491415, 3.723340)),
    3: (5.834044, 1.384340, -3.140874, 2.604665, (1.081505, 5.732924)),
}

SPEC_LOCAL_ORIGIN = {  # entries [:, i, j] at pose (0, 0, 0)
    0: {(5, 5): (1.4, 0), (0, 0): (1.4, 0), (10, 5): (1.4, 0), (5, 10): (1.4, 0), (7, 3): (1.4, 0)},
    1: {
        (5, 5): (1.299641, 0),
        (0, 0): (1.634346, 0.754264),
        (10, 5): (0.716913, 0),
        (5, 10): (1.366732, -1.171342),
        (7, 3): (1.595260, 0.832155),
    },
    2: {
        (5, 5): (1.000545, 0.829443),
        (0, 0): (1.325285, 1.218039),
        (10, 5): (-0.229211, 1.678047),
        (5, 10): (1.707430, -0.485327),
        (7, 3): (0.433834, 0.996614),
    },
    3: {
        (5, 5): (0.240925, 1.277114),
        (0, 0): (0.887369, 1.566070),
        (10, 5): (-1.015719, 1.486040),
        (5, 10): (0.667741, 0.452521),
        (7, 3): (-0.212307, 1.787436),
    },
}

SPEC_LOCAL_POSE = {  # at pose (1, 0.5, 0.3)
    0: {(5, 5): (1.337471, -0.413728)},
    1: {(5, 5): (1.594431, -0.679885), (6, 5): (1.528087, -0.839026)},
    2: {(5, 5): (1.587638, 0.758117)},
    3: {(5, 5): (0.496889, 1.521937)},
}

SPEC_GLOBAL = {  # (2.3, -0.7) and (30, 30) (clamped to the corner (20, 20))
    1: ((1.593234, 0.315618), (-1.040396, -1.468869)),
    2: ((0.751759, 1.517415), (-1.241673, -1.303168)),
    3: ((-0.226160, 1.169021), (-1.437143, -1.083798)),
}


@pytest.mark.parametrize("version", [1, 2, 3])
def test_spec_draws_seed1(version):
    r, dth, phi0, t0, p = SPEC_DRAWS[version]
    f = _field(version)
    tgt = f.scenario["targets"][0]
    assert tgt["v_phase0"] == pytest.approx(phi0, abs=TOL)
    assert tgt["t0_target"] == pytest.approx(t0, abs=TOL)
    np.testing.assert_allclose(tgt["p_sink"], p, atol=TOL)
    np.testing.assert_allclose(f.p_sink, p, atol=TOL)
    # the raw draws, in the original's order r, dtheta, phi0, t0
    rs = np.random.RandomState(1)
    lo, hi = TargetField.DTHETA_RNG[version]
    draws = [rs.uniform(5, 7), rs.uniform(lo, hi), rs.uniform(-np.pi, np.pi), rs.uniform(2, 4)]
    np.testing.assert_allclose(draws, (r, dth, phi0, t0), atol=TOL)
    assert math.hypot(*tgt["p_sink"]) == pytest.approx(draws[0], abs=1e-12)
    assert math.atan2(tgt["p_sink"][1], tgt["p_sink"][0]) == pytest.approx(draws[1], abs=1e-12)
    assert f.d_sink == pytest.approx(draws[0], abs=1e-12)  # |p_sink - (0, 0)|
    assert tgt["v_phase0"] == draws[2] and tgt["t0_target"] == draws[3]


def test_spec_version0_draws_nothing():
    f = TargetField(0, seed=1)
    state = f._rng.get_state()[1].copy()
    f.reset()
    assert f.scenario == {"targets": []}
    assert f.p_sink is None and f.created_targets == []
    np.testing.assert_array_equal(f._rng.get_state()[1], state)


@pytest.mark.parametrize("version", [0, 1, 2, 3])
def test_spec_local_field_at_origin(version):
    f = _field(version)
    field, flag = f.update((0.0, 0.0, 0.0))
    assert field.shape == (2, 11, 11) and field.dtype == np.float64
    assert flag == 0
    for (i, j), val in SPEC_LOCAL_ORIGIN[version].items():
        np.testing.assert_allclose(field[:, i, j], val, atol=TOL, err_msg=str((i, j)))


@pytest.mark.parametrize("version", [0, 1, 2, 3])
def test_spec_local_field_at_pose(version):
    f = _field(version)
    field, _ = f.update((1.0, 0.5, 0.3))
    for (i, j), val in SPEC_LOCAL_POSE[version].items():
        np.testing.assert_allclose(field[:, i, j], val, atol=TOL, err_msg=str((i, j)))


@pytest.mark.parametrize("version", [1, 2, 3])
def test_spec_global_field(version):
    f = _field(version)
    inside, corner = SPEC_GLOBAL[version]
    np.testing.assert_allclose(f.global_velocity(2.3, -0.7), inside, atol=TOL)
    np.testing.assert_allclose(f.global_velocity(30.0, 30.0), corner, atol=TOL)
    corner_node = f.global_velocity(20.0, 20.0)
    np.testing.assert_allclose(corner_node, f.global_velocity(30.0, 30.0), rtol=0, atol=1e-15)
    vx, vy = f.global_velocities([2.3, 30.0], [-0.7, 30.0])
    np.testing.assert_allclose(np.stack([vx, vy], axis=1), [inside, corner], atol=TOL)


def test_spec_amplitude_at_agent_version1():
    f = _field(1)
    phi0 = f.scenario["targets"][0]["v_phase0"]
    field, _ = f.update((0, 0, 0))
    assert field[0, 5, 5] == pytest.approx(1.3 + 0.5 * math.sin(phi0 + 2 * math.pi), abs=1e-12)


def test_version0_constant_everywhere():
    f = _field(0)
    for pose in [(0, 0, 0), (3.0, -2.0, 1.0), (100.0, 50.0, -2.5)]:
        field, flag = f.update(pose)
        c, s = math.cos(pose[2]), math.sin(pose[2])
        np.testing.assert_allclose(field[0], 1.4 * c, atol=1e-12)
        np.testing.assert_allclose(field[1], -1.4 * s, atol=1e-12)
        assert flag == 0
    assert f.i_target == 1 and f.t_target == 0.0


# ------------------------------------------------------------ golden files
def _golden(reference, name):
    d = np.load(reference / "golden" / name)
    return d, json.loads(str(d["meta"]))


def _golden_pose(d, prefix, k=None):
    pos = d[prefix + "/state_desc/body_pos/pelvis"]
    q = d[prefix + "/state_desc/joint_pos/ground_pelvis"]
    if k is not None:
        pos, q = pos[k], q[k]
    return (pos[0], -pos[2], q[2])  # (pelvis x, -pelvis z, pelvis_rotation)


@pytest.mark.reference
@pytest.mark.parametrize("name", GOLDEN_FILES)
def test_golden_replay(reference, name):
    d, meta = _golden(reference, name)
    version = meta["ctor"]["difficulty"]
    f = TargetField(version)
    f.reset(scenario={"targets": meta["targets"]})
    # reset: one update at the initial pose (as L2M2019Env.reset does)
    field, flag = f.update(_golden_pose(d, "desc0"))
    np.testing.assert_allclose(field, d["desc0/state_desc/v_tgt_field"], rtol=0, atol=1e-10)
    assert flag == 0
    # each step: one update after the physics (as L2M2019Env.step does)
    n_steps = d["desc/state_desc/v_tgt_field"].shape[0]
    assert n_steps == meta["steps"]
    for k in range(n_steps):
        field, flag = f.update(_golden_pose(d, "desc", k))
        np.testing.assert_allclose(
            field, d["desc/state_desc/v_tgt_field"][k], rtol=0, atol=1e-10, err_msg="step %d" % k
        )
    assert f.i == n_steps + 1
    # the sinks created equal meta's, including d_sink computed at creation time
    assert len(f.created_targets) == len(meta["targets"])
    for mine, ref in zip(f.created_targets, meta["targets"]):
        assert mine["d_sink"] == pytest.approx(ref["d_sink"], abs=1e-12)
        np.testing.assert_allclose(mine["p_sink"], ref["p_sink"], atol=0)
        assert mine["v_amp_rng"] == pytest.approx(ref["v_amp_rng"])
        assert mine["map_rng_xy"] == ref["map_rng_xy"]
        assert mine["v_phase0"] == ref["v_phase0"] and mine["t0_target"] == ref["t0_target"]


@pytest.mark.reference
@pytest.mark.parametrize("name", GOLDEN_FILES)
def test_golden_seeded_draws(reference, name):
    """Seeding like the original (constructor and reset seed) draws meta's targets."""
    d, meta = _golden(reference, name)
    version = meta["ctor"]["difficulty"]
    f = TargetField(version, seed=meta["ctor"]["seed"])
    f.reset(seed=meta["reset"]["seed"])
    g = TargetField(version, seed=meta["ctor"]["seed"])
    g.reset()  # constructor seed alone gives the same first episode
    assert f.scenario == g.scenario
    drawn = f.scenario["targets"][: len(meta["targets"])]
    assert len(drawn) == len(meta["targets"])
    for mine, ref in zip(drawn, meta["targets"]):
        assert mine["p_sink"] == ref["p_sink"]  # bit-identical
        assert mine["v_phase0"] == ref["v_phase0"]
        assert mine["t0_target"] == ref["t0_target"]
    if meta["targets"]:
        assert f.d_sink == meta["targets"][0]["d_sink"]


# ------------------------------------------------------- seeds and scenarios
@pytest.mark.parametrize("version", [1, 2, 3])
def test_same_seed_same_draws(version):
    a = _field(version, seed=123).scenario
    b = _field(version, seed=123).scenario
    c = _field(version, seed=124).scenario
    assert a == b
    assert a != c


def test_seed_zero_is_a_seed():
    f = TargetField(2, seed=99)
    f.reset(seed=0)
    a = f.scenario
    f.reset(seed=0)
    assert f.scenario == a
    rs = np.random.RandomState(0)
    r, dth = rs.uniform(5, 7), rs.uniform(-np.pi / 2, np.pi / 2)
    phi0, t0 = rs.uniform(-np.pi, np.pi), rs.uniform(2, 4)
    expected = {"p_sink": [r * math.cos(dth), r * math.sin(dth)], "v_phase0": phi0, "t0_target": t0}
    assert a["targets"][0] == expected
    g = TargetField(2, seed=0)  # constructor seed 0 is a seed too
    g.reset()
    assert g.scenario == a


def test_seed_none_continues_stream():
    n = 3
    f = TargetField(1)
    f.reset(seed=5, n_draw=n)
    first = f.scenario
    f.reset(n_draw=n)
    second = f.scenario
    assert first != second
    rs = np.random.RandomState(5)
    vals = [rs.uniform(*rng) for _ in range(2 * n) for rng in ((5, 7), (0, 0), (-np.pi, np.pi), (2, 4))]
    phis = [t["v_phase0"] for t in first["targets"] + second["targets"]]
    assert phis == vals[2::4]
    # sinks straight ahead (version 1), each 5..7 m beyond the previous one
    xs = [t["p_sink"][0] for t in second["targets"]]
    assert xs[0] == vals[4 * n] and all(5 <= b - a <= 7 for a, b in zip(xs, xs[1:]))


def test_constructor_seed_and_unseeded_instances():
    a = TargetField(2, seed=7)
    a.reset()
    b = TargetField(2)
    b.reset(seed=7)
    assert a.scenario == b.scenario
    c, e = TargetField(2), TargetField(2)
    c.reset()
    e.reset()
    assert c.scenario != e.scenario  # fresh entropy


def test_global_numpy_generator_untouched():
    np.random.seed(2024)
    before = np.random.get_state()[1].copy()
    for v in range(4):
        f = TargetField(v, seed=3)
        f.reset(seed=4)
        f.update((0, 0, 0))
    np.testing.assert_array_equal(np.random.get_state()[1], before)


def test_scenario_is_json_serialisable_and_plain():
    f = _field(2)
    f.update((0.1, 0.0, 0.0))
    s = json.loads(json.dumps(f.scenario))
    assert s == f.scenario
    json.dumps(f.created_targets)
    for t in f.scenario["targets"]:
        assert set(t) == {"p_sink", "v_phase0", "t0_target"}
        assert type(t["p_sink"]) is list and all(type(v) is float for v in t["p_sink"])
        assert type(t["v_phase0"]) is float and type(t["t0_target"]) is float


def test_n_draw_and_bounds():
    assert n_targets_bound(0, 1000) == 0
    assert n_targets_bound(1, 1000) == 6
    assert n_targets_bound(2, 1000) == 6
    assert n_targets_bound(3, 2500) == 2
    assert n_targets_bound(2, 2500) == 13
    assert len(_field(2).scenario["targets"]) == 6  # default: 1000-step limit
    assert len(_field(1, n_draw=9).scenario["targets"]) == 9
    assert len(_field(3, n_draw=10).scenario["targets"]) == 2  # version 3: only 2 ever
    assert len(_field(3).scenario["targets"]) == 2


def test_version3_draw_order_with_n_draw():
    """Pre-drawn targets follow the original's order r, dtheta, phi0, t0 per sink."""
    f = _field(3, seed=21)
    rs = np.random.RandomState(21)
    px = py = th = 0.0
    for k, tgt in enumerate(f.scenario["targets"]):
        r, dth = rs.uniform(5, 7), rs.uniform(-np.pi, np.pi)
        phi0, t0 = rs.uniform(-np.pi, np.pi), rs.uniform(2, 4)
        th = dth if k == 0 else th + dth
        px, py = px + r * math.cos(th), py + r * math.sin(th)  # relative to the previous sink
        assert tgt == {"p_sink": [px, py], "v_phase0": phi0, "t0_target": t0}


def test_bad_arguments():
    with pytest.raises(ValueError):
        TargetField(4)
    with pytest.raises(ValueError):
        TargetField(2).reset(scenario={"targets": []})
    with pytest.raises(ValueError):
        TargetField(2).reset(n_draw=0)
    with pytest.raises(ValueError):
        TargetField(2).reset(scenario={"targets": [{"p_sink": [1.0], "v_phase0": 0, "t0_target": 2}]})
    with pytest.raises(RuntimeError):
        TargetField(2).update((0, 0, 0))
    f = _field(2)
    with pytest.raises(ValueError):
        f.update((float("nan"), 0.0, 0.0))


def test_reset_can_change_version():
    f = TargetField(0, seed=1)
    f.reset(version=2, seed=1)
    assert f.version == 2
    np.testing.assert_allclose(f.p_sink, SPEC_DRAWS[2][4], atol=TOL)


# ---------------------------------------------------------- target switching
def _steps_to_reach(t0):
    """Updates spent inside r_target until t_target > t0 (t_target += dt)."""
    tt, n = 0.0, 0
    while not tt > t0:
        tt += DT
        n += 1
    return n


def _at(p, yaw=0.0):
    return (float(p[0]), float(p[1]), yaw)


def test_switch_exact_timing_and_new_sink():
    f = _field(2, seed=3)
    targets = f.scenario["targets"]
    f.update((0.0, 0.0, 0.0))  # the env's reset update
    # approach: stand 0.29 m from the sink (inside r_target = 0.3 m)
    p1 = np.array(targets[0]["p_sink"])
    agent = p1 + [0.29, 0.0]
    n = _steps_to_reach(targets[0]["t0_target"])
    assert n == math.floor(targets[0]["t0_target"] / DT) + 1
    for k in range(n - 1):
        _, flag = f.update(_at(agent))
        assert flag == 0
    assert f.t_target == pytest.approx((n - 1) * DT)
    _, flag = f.update(_at(agent))
    assert flag == 1
    assert f.i_target == 2 and f.t_target == 0.0
    # the second sink: pre-drawn position, d_sink from the agent, map centred on the agent
    p2 = targets[1]["p_sink"]
    np.testing.assert_array_equal(f.p_sink, p2)
    assert f.d_sink == pytest.approx(math.hypot(p2[0] - agent[0], p2[1] - agent[1]), abs=1e-12)
    assert f.map_rng_xy == [[agent[0] - 20, agent[0] + 20], [agent[1] - 20, agent[1] + 20]]
    assert len(f.created_targets) == 2 and f.created_targets[1]["d_sink"] == f.d_sink
    xs, ys, vmap = f.global_map()
    np.testing.assert_allclose(xs, agent[0] - 20 + 0.5 * np.arange(81), atol=1e-12)
    np.testing.assert_allclose(ys, agent[1] - 20 + 0.5 * np.arange(81), atol=1e-12)
    np.testing.assert_allclose(vmap, _reference_map(xs, ys, p2, f.d_sink, targets[1]["v_phase0"]), atol=1e-12)
    # clamping is relative to the new map
    np.testing.assert_allclose(f.global_velocity(agent[0] + 100, agent[1] - 100), vmap[:, -1, 0], atol=1e-12)


def test_leaving_resets_dwell_time():
    f = _field(1, seed=8)
    t0 = f.t0_target
    p = f.p_sink
    n = _steps_to_reach(t0)
    for _ in range(n - 1):
        assert f.update(_at(p))[1] == 0
    assert f.update(_at(p + [0.31, 0.0]))[1] == 0  # outside: reset
    assert f.t_target == 0.0
    for _ in range(n - 1):
        assert f.update(_at(p))[1] == 0
    assert f.update(_at(p))[1] == 1


def _walk_to_targets(f, n_updates, yaw=0.4):
    """Agent standing on the current sink all the time; returns fields, flags."""
    fields, flags = [], []
    for _ in range(n_updates):
        field, flag = f.update(_at(f.p_sink, yaw))
        fields.append(field)
        flags.append(flag)
    return np.array(fields), np.array(flags)


@pytest.mark.parametrize("version", [1, 2])
def test_versions_1_2_targets_continue(version):
    f = _field(version, seed=4, n_draw=6)
    targets = f.scenario["targets"]
    fields, flags = _walk_to_targets(f, 1600)
    n_reached = int(flags.sum())
    assert n_reached >= 4
    assert f.i_target == n_reached + 1
    assert [t["p_sink"] for t in f.created_targets] == [t["p_sink"] for t in targets[: n_reached + 1]]
    # flags come exactly t0 apart (agent always on the sink)
    where = np.flatnonzero(flags)
    gaps = np.diff(np.concatenate([[-1], where]))
    assert list(gaps) == [_steps_to_reach(t["t0_target"]) for t in targets[:n_reached]]
    # each new sink's d_sink is the distance from the previous sink (where the agent stood)
    for prev, new in zip(f.created_targets, f.created_targets[1:]):
        assert new["d_sink"] == pytest.approx(math.dist(prev["p_sink"], new["p_sink"]), abs=1e-12)
        assert 5 <= new["d_sink"] <= 7


def test_version3_two_flags_then_second_sink_stays():
    f = _field(3, seed=6)
    targets = f.scenario["targets"]
    fields, flags = _walk_to_targets(f, 1200)
    assert int(flags.sum()) == 2
    assert f.i_target == 3
    np.testing.assert_array_equal(f.p_sink, targets[1]["p_sink"])
    assert len(f.created_targets) == 2
    # the second flag is raised without a new sink: the field is unchanged after it
    second = np.flatnonzero(flags)[1]
    np.testing.assert_array_equal(fields[second], fields[second - 1])
    np.testing.assert_array_equal(fields[-1], fields[second])


def test_scenario_replay_equals_drawn_episode():
    f = _field(2, seed=10)
    scenario = json.loads(json.dumps(f.scenario))
    fields_a, flags_a = _walk_to_targets(f, 900, yaw=-0.7)
    created_a = f.created_targets
    g = TargetField(2)  # different instance, unseeded
    g.reset(scenario=scenario)
    assert g.scenario == scenario
    fields_b, flags_b = _walk_to_targets(g, 900, yaw=-0.7)
    assert flags_a.sum() >= 2
    np.testing.assert_array_equal(flags_a, flags_b)
    np.testing.assert_array_equal(fields_a, fields_b)
    assert g.created_targets == created_a


def test_replay_running_out_keeps_last_target():
    f = _field(2, seed=10)
    one = {"targets": f.scenario["targets"][:1]}
    g = TargetField(2)
    g.reset(scenario=one)
    fields, flags = _walk_to_targets(g, 1200)
    assert int(flags.sum()) == 1  # reaching the last target is flagged once
    assert g.i_target == 2 and len(g.created_targets) == 1
    np.testing.assert_array_equal(g.p_sink, one["targets"][0]["p_sink"])
    np.testing.assert_array_equal(fields[-1], fields[0])


def test_scenario_extra_keys_ignored():
    f = _field(2, seed=10)
    extra = {"d_sink": 123.0, "map_rng_xy": [[-20, 20], [-20, 20]]}
    meta_like = {"targets": [dict(t, **extra) for t in f.scenario["targets"]]}
    g = TargetField(2)
    g.reset(scenario=meta_like)
    assert g.scenario == f.scenario
    assert g.d_sink == f.d_sink  # computed, not taken from the scenario


# ------------------------------------------------- sink field & interpolation
def _reference_map(xs, ys, p, ds, phi0):
    """Per-node sink field straight from the formulas of the module docstring (plain Python)."""
    out = np.zeros((2, len(xs), len(ys)))
    for a, x in enumerate(xs):
        for b, y in enumerate(ys):
            dx, dy = p[0] - x, p[1] - y
            d = math.hypot(dx, dy)
            if d > ds + 1:
                amp = 1.8
            elif d > 1:
                amp = 1.3 + 0.5 * math.sin(phi0 + 2 * math.pi * d / ds)
            else:
                amp = d * (1.3 + 0.5 * math.sin(phi0 + 2 * math.pi / ds))
            if d > 0:
                out[:, a, b] = amp * dx / d, amp * dy / d
    return out


def _reference_bilinear(xs, ys, vmap, x, y):
    """Per-point bilinear interpolation with edge clamping (plain Python)."""
    x = min(max(x, xs[0]), xs[-1])
    y = min(max(y, ys[0]), ys[-1])
    a = min(int(np.searchsorted(xs, x, side="right")) - 1, len(xs) - 2)
    b = min(int(np.searchsorted(ys, y, side="right")) - 1, len(ys) - 2)
    tx = (x - xs[a]) / (xs[a + 1] - xs[a])
    ty = (y - ys[b]) / (ys[b + 1] - ys[b])
    v = vmap[:, a : a + 2, b : b + 2]
    return (
        v[:, 0, 0] * (1 - tx) * (1 - ty)
        + v[:, 0, 1] * (1 - tx) * ty
        + v[:, 1, 0] * tx * (1 - ty)
        + v[:, 1, 1] * tx * ty
    )


def _reference_local(f, pose):
    xs, ys, vmap = f.global_map()
    x, y, yaw = pose
    c, s = math.cos(yaw), math.sin(yaw)
    out = np.zeros((2, 11, 11))
    for i in range(11):
        for j in range(11):
            u, w = i - 5.0, j - 5.0
            gx, gy = _reference_bilinear(xs, ys, vmap, x + c * u - s * w, y + s * u + c * w)
            out[0, i, j] = c * gx + s * gy
            out[1, i, j] = -s * gx + c * gy
    return out


@pytest.mark.parametrize("version", [1, 2, 3])
def test_map_matches_formula(version):
    f = _field(version, seed=31)
    xs, ys, vmap = f.global_map()
    np.testing.assert_array_equal(xs, np.linspace(-20, 20, 81))
    np.testing.assert_array_equal(ys, np.linspace(-20, 20, 81))
    t = f.scenario["targets"][0]
    np.testing.assert_allclose(vmap, _reference_map(xs, ys, t["p_sink"], f.d_sink, t["v_phase0"]), atol=1e-12)


def test_node_at_sink_is_zero_not_nan():
    g = TargetField(2)
    g.reset(scenario={"targets": [{"p_sink": [5.0, -2.5], "v_phase0": 0.3, "t0_target": 3.0}]})
    xs, ys, vmap = g.global_map()
    assert np.isfinite(vmap).all()
    np.testing.assert_array_equal(vmap[:, 50, 35], [0.0, 0.0])  # node (5, -2.5)
    assert g.global_velocity(5.0, -2.5) == (0.0, 0.0)
    field, _ = g.update((5.0, -2.5, 0.2))
    assert np.isfinite(field).all()
    np.testing.assert_array_equal(field[:, 5, 5], [0.0, 0.0])


@pytest.mark.parametrize("version", [0, 1, 2, 3])
def test_local_field_equals_per_point_reference(version):
    f = _field(version, seed=17)
    rng = np.random.RandomState(0)
    poses = [(0.0, 0.0, 0.0), (1.0, 0.5, 0.3), (18.7, -19.2, 2.9), (-30.0, 25.0, -1.2), (0.25, 0.5, math.pi)]
    poses += [tuple(rng.uniform([-25, -25, -np.pi], [25, 25, np.pi])) for _ in range(10)]
    for pose in poses:
        np.testing.assert_allclose(
            f.local_field(pose), _reference_local(f, pose), rtol=0, atol=1e-12, err_msg=str(pose)
        )


def test_interpolation_matches_scipy_regular_grid():
    interpolate = pytest.importorskip("scipy.interpolate")
    f = _field(3, seed=2)
    xs, ys, vmap = f.global_map()
    rng = np.random.RandomState(1)
    px = np.concatenate([rng.uniform(-30, 30, 500), xs, [xs[0], xs[-1], 20.0 - 1e-12]])
    py = np.concatenate([rng.uniform(-30, 30, 500), ys[::-1], [ys[-1], ys[0], -20.0]])
    vx, vy = f.global_velocities(px, py)
    pts = np.stack([np.clip(px, xs[0], xs[-1]), np.clip(py, ys[0], ys[-1])], axis=1)
    for c, got in enumerate((vx, vy)):
        ref = interpolate.RegularGridInterpolator((xs, ys), vmap[c], method="linear")(pts)
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12)
    for k in range(0, len(px), 37):  # scalar path = vector path
        np.testing.assert_allclose(f.global_velocity(px[k], py[k]), (vx[k], vy[k]), rtol=0, atol=1e-14)


def test_nodes_reproduced_exactly():
    f = _field(2, seed=2)
    xs, ys, vmap = f.global_map()
    gx, gy = np.meshgrid(xs, ys, indexing="ij")
    vx, vy = f.global_velocities(gx, gy)
    np.testing.assert_allclose(vx, vmap[0], rtol=0, atol=1e-15)
    np.testing.assert_allclose(vy, vmap[1], rtol=0, atol=1e-15)


def test_agent_node_is_rotated_global_velocity():
    """Reward uses the global field at the pelvis (7.9 item 4); node (5,5) is the same, body frame."""
    f = _field(2, seed=9)
    for pose in [(0.3, -0.2, 0.7), (4.0, 3.0, -2.0), (-22.0, 1.0, 1.0)]:
        field = f.local_field(pose)
        vx, vy = f.global_velocity(pose[0], pose[1])
        c, s = math.cos(pose[2]), math.sin(pose[2])
        np.testing.assert_allclose(field[:, 5, 5], (c * vx + s * vy, -s * vx + c * vy), atol=1e-12)


def test_local_field_frames():
    """Node (i, j) lies u = i-5 ahead and w = j-5 to the left; components fwd/left."""
    g = TargetField(2)
    g.reset(scenario={"targets": [{"p_sink": [0.0, 30.0], "v_phase0": math.pi / 2, "t0_target": 3.0}]})
    # global field points to +y (left of an agent facing +x); amplitude at the
    # origin (d = d_sink = 30): 1.3 + 0.5 sin(pi/2 + 2 pi) = 1.8
    field, _ = g.update((0.0, 0.0, 0.0))
    assert field[1, 5, 5] == pytest.approx(1.8) and abs(field[0, 5, 5]) < 1e-12
    # facing +y (yaw = pi/2) the same field is straight ahead
    field = g.local_field((0.0, 0.0, math.pi / 2))
    assert field[0, 5, 5] == pytest.approx(1.8) and abs(field[1, 5, 5]) < 1e-12
    # node (10, 5) facing +y is 5 m along +y: closer to the sink, direction still +y
    gx, gy = g.global_velocity(0.0, 5.0)
    assert field[0, 10, 5] == pytest.approx(gy) and field[1, 10, 5] == pytest.approx(-gx, abs=1e-12)
    # node (5, 10) facing +x is 5 m to the left (+y)
    field = g.local_field((0.0, 0.0, 0.0))
    assert field[1, 5, 10] == pytest.approx(gy)


def test_update_makes_one_vectorised_interpolation_call(monkeypatch):
    f = _field(2, seed=1)
    calls = []
    orig = f._interp

    def spy(q):
        calls.append(np.shape(q))
        return orig(q)

    monkeypatch.setattr(f, "_interp", spy)
    f.update((1.0, 0.5, 0.3))
    assert calls == [(2, 121)]


def test_update_returns_fresh_arrays_and_clock():
    f = _field(2, seed=1)
    a, _ = f.update((0.0, 0.0, 0.0))
    keep = a.copy()
    b, _ = f.update((0.0, 0.0, 0.0))
    assert a is not b
    b[:] = 0.0
    np.testing.assert_array_equal(a, keep)
    c, _ = f.update((0.0, 0.0, 0.0))
    np.testing.assert_array_equal(c, keep)
    assert f.i == 3 and f.t == pytest.approx(0.03)


def test_speed():
    """Generous bounds (measured: update ~20 us, reset ~0.3 ms)."""
    f = _field(2, seed=1)
    pose = (1.0, 0.5, 0.3)
    best = min(_time(lambda: f.update(pose), 500) for _ in range(3))
    assert best < 1e-3
    best = min(_time(lambda: f.reset(seed=1), 20) for _ in range(3))
    assert best < 10e-3


def _time(fn, n):
    t = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t) / n
