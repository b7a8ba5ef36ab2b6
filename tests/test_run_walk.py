"""The 2017 environments: RunEnv (obstacles, psoas, ligaments) and WalkEnv."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from helpers import flatten_desc
from osim.env import RunEnv, WalkEnv
from osim.tools.record import load_record, replay

FIXTURES = Path(__file__).parent / "fixtures"

# the original's draws: (seed, difficulty, max_obstacles) -> obstacles (x, y, r), strengths (idx 3, idx 11)
SPEC_DRAWS = [
    ((0, 2, 3), [(3.195254, 0.001768, 0.078776), (3.411054, 0.015738, 0.215746), (3.860757, -0.006153, 0.161176)],
     (0.873388, 1.050588)),
    ((42, 2, 3), [(2.498160, 0.002614, 0.052992), (3.927976, -0.016504, 0.095954), (4.802857, -0.025895, 0.150562)],
     (1.058088, 1.052517)),
    ((42, 1, 3), [(2.498160, 0.002614, 0.052992), (3.927976, -0.016504, 0.095954), (4.802857, -0.025895, 0.150562)],
     (1.0, 1.0)),
    ((7, 2, 10), [(1.305233, 0.009472, 0.084770), (2.753637, 0.001263, 0.065629), (4.119675, 0.012843, 0.053739),
                  (7.999765, 0.001258, 0.089758), (11.358225, 0.014551, 0.169915), (14.965703, 0.013107, 0.057146),
                  (17.727585, -0.003702, 0.087055), (19.859458, 0.015541, 0.119397), (22.435749, 0.024746, 0.105284),
                  (26.254936, 0.001557, 0.081532)], (1.004539, 1.145068)),
]


@pytest.fixture(scope="module")
def run():
    env = RunEnv()
    yield env
    env.close()


@pytest.fixture(scope="module")
def run10():
    env = RunEnv(max_obstacles=10)
    yield env
    env.close()


def test_snippet_runs_as_written_without_display(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    import osim.sim.opensim_physics

    monkeypatch.setattr(osim.sim.opensim_physics, "_visualizer_warned", False)
    with pytest.warns(RuntimeWarning, match="no display"):
        env = RunEnv(visualize=True)
    observation = env.reset(difficulty=0)
    for i in range(200):
        observation, reward, done, info = env.step(env.action_space.sample())
    assert len(observation) == 41
    env.close()


@pytest.mark.parametrize("args, obstacles, strengths", SPEC_DRAWS)
def test_seeded_draws_match_the_original(run, run10, args, obstacles, strengths):
    seed, difficulty, max_obstacles = args
    env = run10 if max_obstacles == 10 else run
    obs = env.reset(difficulty=difficulty, seed=seed)
    np.testing.assert_allclose(env.scenario["obstacles"], obstacles, atol=5e-7)
    left, right = env.scenario["psoas"]
    assert (right, left) == pytest.approx(strengths, abs=5e-7)
    assert obs[37] == right and obs[36] == left
    x, y, r = env.scenario["obstacles"][0]
    assert tuple(obs[38:41]) == (x - obs[1], y, r)


def test_same_seed_same_episode_whatever_ran_before(run):
    rng = np.random.RandomState(0)
    actions = rng.uniform(size=(30, 18))

    def episode(seed):
        obs = [run.reset(difficulty=2, seed=seed)]
        return np.array(obs + [run.step(a)[0] for a in actions]), run.scenario

    a, sa = episode(3)
    episode(4)  # other history in between
    b, sb = episode(3)
    c, sc = episode(5)
    np.testing.assert_array_equal(a, b)
    assert sa == sb and sa["obstacles"] != sc["obstacles"]


def test_scenario_replays_exactly(run):
    run.reset(difficulty=2, seed=11)
    scenario = run.scenario
    actions = np.random.RandomState(1).uniform(size=(20, 18))
    first = [run.step(a)[0] for a in actions]
    run.reset(difficulty=2, seed=99)  # something else in between
    run.reset(scenario=scenario, seed=12345)  # the scenario wins over the seed
    assert run.scenario == scenario
    np.testing.assert_array_equal(first, [run.step(a)[0] for a in actions])


def test_bad_difficulty_and_scenarios(run):
    with pytest.raises(ValueError, match="unknown difficulty 4; allowed: 0, 1, 2, 3"):
        run.reset(difficulty=4)
    with pytest.raises(ValueError, match="at most max_obstacles=3"):
        run.reset(scenario={"obstacles": [[1, 0, 0.1]] * 4, "psoas": [1, 1]})
    with pytest.raises(ValueError, match="r > 0"):
        run.reset(scenario={"obstacles": [[1, 0, -0.1]], "psoas": [1, 1]})
    with pytest.raises(ValueError, match="psoas"):
        run.reset(scenario={"obstacles": [], "psoas": [1]})
    with pytest.raises(ValueError, match="max_obstacles"):
        RunEnv(max_obstacles=21)


def _roll(env, scenario, steps=40):
    env.reset(scenario=scenario)
    ys, fy = [], []
    for _ in range(steps):
        obs, *_ = env.step(np.full(18, 0.05))
        ys.append(obs[2])
        fy.append(env.get_state_desc()["forces"]["0-force"][1])
    return np.array(ys), np.array(fy)


def test_obstacle_pushes_the_foot(run):
    """A sphere in the ground under the right toes meets the foot and lifts the body."""
    run.reset(difficulty=0)
    toe_x = run.sim.body_position("toes_r")[0]
    flat = {"obstacles": [], "psoas": [1.0, 1.0]}
    bump = {"obstacles": [[float(toe_x + 0.03), -0.02, 0.08]], "psoas": [1.0, 1.0]}
    y_flat, f_flat = _roll(run, flat)
    y_bump, f_bump = _roll(run, bump)
    assert np.all(f_flat == 0) and np.max(np.abs(f_bump)) > 100  # newtons on the obstacle
    assert y_bump[9] > y_flat[9] + 0.003  # the pelvis is lifted
    y_again, _ = _roll(run, flat)
    np.testing.assert_array_equal(y_flat, y_again)  # removing it restores the flat episode


def test_unused_obstacles_have_no_effect():
    a, b = RunEnv(max_obstacles=0), RunEnv(max_obstacles=10)
    actions = np.random.RandomState(2).uniform(size=(40, 18))
    obs_a = [a.reset(difficulty=0)] + [a.step(x)[0] for x in actions]
    obs_b = [b.reset(difficulty=0)] + [b.step(x)[0] for x in actions]
    np.testing.assert_array_equal(obs_a, obs_b)
    a.close(), b.close()


def _max_forces(env):
    return {m: env.sim.model.getMuscles().get(m).getMaxIsometricForce() for m in env.sim.muscle_names}


def test_psoas_default_hits_glut_max_l_as_the_original(run):
    nominal = dict(zip(run.sim.muscle_names, run.sim.nominal_max_isometric_force))
    run.reset(scenario={"obstacles": [], "psoas": [0.6, 0.8]})
    forces = _max_forces(run)
    changed = {m for m in forces if forces[m] != nominal[m]}
    assert changed == {"glut_max_l", "iliopsoas_r"}  # the original's off-by-one, kept
    assert forces["glut_max_l"] == 0.6 * nominal["glut_max_l"]
    assert forces["iliopsoas_r"] == 0.8 * nominal["iliopsoas_r"]


def test_fix_psoas_index_scales_exactly_the_two_psoas():
    env = RunEnv(fix_psoas_index=True)
    nominal = dict(zip(env.sim.muscle_names, env.sim.nominal_max_isometric_force))
    obs = env.reset(scenario={"obstacles": [], "psoas": [0.6, 0.8]})
    forces = _max_forces(env)
    assert {m for m in forces if forces[m] != nominal[m]} == {"iliopsoas_l", "iliopsoas_r"}
    assert forces["iliopsoas_l"] == 0.6 * nominal["iliopsoas_l"]
    assert forces["iliopsoas_r"] == 0.8 * nominal["iliopsoas_r"]
    assert (obs[36], obs[37]) == (0.6, 0.8)
    # and the weakness acts: the same actions move the body differently
    actions = np.full((30, 18), 0.5)
    weak = [env.step(a)[0] for a in actions]
    env.reset(scenario={"obstacles": [], "psoas": [1.0, 1.0]})
    strong = [env.step(a)[0] for a in actions]
    assert not np.allclose(weak, strong)
    env.close()


def test_ligament_penalty_zero_in_default_pose_and_grows_past_limits(run):
    run.reset(difficulty=0)
    assert np.all(run.ligament_forces() == 0)
    _o, _r, _d, info = run.step(np.zeros(18))
    assert info["reward_terms"]["ligaments"] == 0.0
    # push the right knee past its 10 deg extension limit
    state = run.sim.get_state()
    penalties = []
    for knee_deg in (12.0, 16.0, 24.0):
        run.sim.set_state(state)
        run.sim.model.getCoordinateSet().get("knee_angle_r").setValue(run.sim.state, np.radians(knee_deg))
        run.sim.model.realizeAcceleration(run.sim.state)
        run.sim._desc_cache = None
        forces = run.ligament_forces()
        assert forces[2] < 0 and np.all(forces[[0, 1, 3, 4, 5]] == 0)  # KneeLimit_r pushes back
        penalties.append(1e-7 * np.sqrt(np.sum(forces ** 2)))
    assert 0 < penalties[0] < penalties[1] < penalties[2]


RUN_LAYOUT = (
    [(0, "joint_pos/ground_pelvis/0"), (1, "joint_pos/ground_pelvis/1"), (2, "joint_pos/ground_pelvis/2"),
     (3, "joint_vel/ground_pelvis/0"), (4, "joint_vel/ground_pelvis/1"), (5, "joint_vel/ground_pelvis/2")]
    + [(6 + k, f"joint_pos/{j}/0") for k, j in enumerate(["hip_r", "knee_r", "ankle_r", "hip_l", "knee_l", "ankle_l"])]
    + [(12 + k, f"joint_vel/{j}/0") for k, j in enumerate(["hip_r", "knee_r", "ankle_r", "hip_l", "knee_l", "ankle_l"])]
    + [(18, "misc/mass_center_pos/0"), (19, "misc/mass_center_pos/1"),
       (20, "misc/mass_center_vel/0"), (21, "misc/mass_center_vel/1")]
    + [(22 + 2 * k + c, f"body_pos/{b}/{c}")
       for k, b in enumerate(["head", "pelvis", "torso", "toes_l", "toes_r", "talus_l", "talus_r"]) for c in (0, 1)]
)


@pytest.mark.parametrize("difficulty", [0, 1, 2])
def test_run_observation_indices_match_the_state(run, difficulty):
    run.reset(difficulty=difficulty, seed=difficulty)
    for _ in range(10):
        obs, *_ = run.step(np.random.RandomState(difficulty).uniform(size=18))
    leaves = flatten_desc(run.get_state_desc())
    for i, path in RUN_LAYOUT:
        key, _, comp = path.rpartition("/")
        assert obs[i] == leaves[key][int(comp)], (i, path)
    left, right = run.scenario["psoas"]
    assert (obs[36], obs[37]) == (left, right)
    expected = run.next_obstacle(obs[1]) if difficulty else (100.0, 0.0, 0.0)
    assert tuple(obs[38:41]) == expected
    assert run.get_observation_space_size() == 41 == len(obs)


def test_next_obstacle_skips_passed_ones(run):
    run.reset(scenario={"obstacles": [[1.0, 0.0, 0.1], [2.0, 0.01, 0.2]], "psoas": [1, 1]})
    assert run.next_obstacle(0.5) == pytest.approx((0.5, 0.0, 0.1))
    assert run.next_obstacle(1.1) == pytest.approx((-0.1, 0.0, 0.1))  # x + r >= pelvis x: not passed yet
    assert run.next_obstacle(1.2) == pytest.approx((0.8, 0.01, 0.2))
    assert run.next_obstacle(2.3) == (100.0, 0.0, 0.0)


@pytest.mark.parametrize("name, make", [
    ("RunEnv_d2_s7_obst10", lambda: RunEnv(max_obstacles=10)),
    ("RunEnv_d0", lambda: RunEnv()),
    ("WalkEnv", lambda: WalkEnv()),
])
def test_regression_fixtures(name, make):
    """Pinned episodes (no reference exists for the 2017 envs): scripts/record_fixtures.py."""
    record = load_record(FIXTURES / f"{name}.npz")
    env = make()
    again = replay(env, record)
    for key in ("obs0", "obs", "rewards", "dones"):
        np.testing.assert_allclose(again[key], record[key], atol=1e-8, rtol=0, err_msg=key)
    env.close()


# ------------------------------------------------------------------ WalkEnv
@pytest.fixture(scope="module")
def walk():
    env = WalkEnv()
    yield env
    env.close()


WALK_LAYOUT = (
    [(1 + i, f"joint_pos/ground_pelvis/{i}") for i in range(3)]
    + [(4 + i, f"joint_vel/ground_pelvis/{i}") for i in range(3)]
    + [(7 + k, f"joint_pos/{j}/0") for k, j in enumerate(["hip_r", "knee_r", "ankle_r", "hip_l", "knee_l", "ankle_l"])]
    + [(13 + k, f"joint_vel/{j}/0") for k, j in enumerate(["hip_r", "knee_r", "ankle_r", "hip_l", "knee_l", "ankle_l"])]
    + [(19, "misc/mass_center_pos/0"), (20, "misc/mass_center_pos/1"),
       (21, "misc/mass_center_vel/0"), (22, "misc/mass_center_vel/1")]
    + [(23 + 2 * k + c, f"body_pos/{b}/{c}") for k, b in enumerate(["head", "pelvis", "toes_r", "toes_l"]) for c in (0, 1)]
)


def test_walk_observation_indices_match_the_state(walk):
    obs0 = walk.reset()
    assert obs0.shape == (31,) and obs0[3] == pytest.approx(0.91)  # the real observation, not zeros
    for _ in range(10):
        obs, *_ = walk.step(np.full(18, 0.4))
    leaves = flatten_desc(walk.get_state_desc())
    assert obs[0] == 0.0
    for i, path in WALK_LAYOUT:
        key, _, comp = path.rpartition("/")
        assert obs[i] == leaves[key][int(comp)], (i, path)


def test_walk_actions_are_activations(walk):
    walk.reset()
    for value in (0.8, 0.3, 0.9):  # the first write after reset and later ones
        walk.step(np.full(18, value))
        act = walk.sim.muscle_activations()
        # written as `value`, then decayed toward the minimum for 10 ms (excitation 0)
        assert np.all((act < value) & (act > 0.6 * value)), (value, act)
    np.testing.assert_array_equal(walk.sim.get_excitations(), np.zeros(18))


def test_walk_reward_variants_and_time_limit():
    env = WalkEnv()
    legacy = WalkEnv(legacy_reward=True, zero_reset_obs=True)
    assert np.all(legacy.reset() == 0)
    env.reset()
    total = 0.0
    for k in range(500):
        _o, r, done, info = env.step(np.full(18, 0.05))
        _o, r_legacy, _d, _i = legacy.step(np.full(18, 0.05))
        total += r
        assert r_legacy == env.sim.coordinate_value("pelvis_tx")
        if done:
            break
    assert total == pytest.approx(env.sim.coordinate_value("pelvis_tx"), abs=1e-12)
    assert env.is_done() or env.istep == 500
    env.close(), legacy.close()
