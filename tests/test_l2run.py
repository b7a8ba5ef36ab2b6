"""L2RunEnv: reference trajectories, reference numbers of the original, observation layout, API."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from helpers import flatten_desc, load_golden, replay_golden
from osim.env import L2RunEnv

GOLDEN = ("L2RunEnv_random_s12", "L2RunEnv_zero_s11")
TOL = 1e-8


@pytest.fixture(scope="module")
def env():
    e = L2RunEnv()
    yield e
    e.close()


def _check(err: dict) -> None:
    assert all(v <= TOL for v in err.values()), err


@pytest.mark.reference
@pytest.mark.parametrize("name", GOLDEN)
def test_golden_first_and_second_episode(env, reference, name):
    golden = load_golden(reference / "golden" / f"{name}.npz")
    _check(replay_golden(env, golden))
    # The original drifted by ~2e-3 on a second episode; this one must not.
    _check(replay_golden(env, golden))


@pytest.mark.reference
def test_golden_after_other_history(env, reference):
    """An episode reproduces its file whatever ran before in the process."""
    env.reset()
    for _ in range(30):
        env.step(np.full(18, 0.7))
    golden = load_golden(reference / "golden" / "L2RunEnv_random_s12.npz")
    _check(replay_golden(env, golden))


@pytest.mark.reference
def test_golden_in_fresh_process(reference):
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]);"
        "from pathlib import Path; from helpers import load_golden, replay_golden;"
        "from osim.env import L2RunEnv;"
        "print(json.dumps(replay_golden(L2RunEnv(), load_golden(Path(sys.argv[2])))))"
    )
    path = reference / "golden" / "L2RunEnv_zero_s11.npz"
    out = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent), str(path)],
                         capture_output=True, text=True, check=True)
    _check(json.loads(out.stdout.strip().splitlines()[-1]))


def test_reset_observation_matches_spec(env):
    """The reset observation of the original osim-rl run on OpenSim 4.6, rounded to 4 decimals."""
    obs = env.reset()
    assert obs.shape == (43,) and obs.dtype == np.float64
    expected = [-0.05, 0, 0.91, 0, 0, 0] + [0] * 12 + [
        0.0072, 1.5366, 0.0, 0.91, -0.0965, 0.9964, 0.008, -0.0274, 0.008, -0.0274,
        -0.1197, 0.023, -0.1197, 0.023, -0.0697, 0.9708, 0.0] + [0] * 8
    np.testing.assert_allclose(np.round(obs, 4), expected, atol=1e-12)


def test_first_step_reward_and_zero_rollout(env):
    """As the original: zero excitations: step-1 reward 0.00052352; falls at step 145, return 0.52719."""
    env.reset()
    total, n, done = 0.0, 0, False
    while not done:
        _obs, reward, done, info = env.step(np.zeros(18))
        if n == 0:
            assert reward == pytest.approx(0.00052352, abs=5e-9)
        assert reward == pytest.approx(sum(info["reward_terms"].values()), abs=0)
        total += reward
        n += 1
    assert n == 145 and env.is_done()
    assert total == pytest.approx(0.52719, abs=5e-6)
    assert total == pytest.approx(env.sim.coordinate_value("pelvis_tx"), abs=1e-12)


# (index, state-description path) of every observation value; "0" = constant zero
LAYOUT = (
    [(i, f"joint_pos/ground_pelvis/{i}") for i in range(3)]
    + [(3 + i, f"joint_vel/ground_pelvis/{i}") for i in range(3)]
    + [(6 + 2 * k + s, f"joint_{'pos' if s == 0 else 'vel'}/{j}/0")
       for k, j in enumerate(["hip_l", "hip_r", "knee_l", "knee_r", "ankle_l", "ankle_r"]) for s in (0, 1)]
    + [(18 + 2 * k + c, f"body_pos/{b}/{c}")
       for k, b in enumerate(["head", "pelvis", "torso", "toes_l", "toes_r", "talus_l", "talus_r"]) for c in (0, 1)]
    + [(32 + c, f"misc/mass_center_pos/{c}") for c in range(3)]
    + [(35 + c, f"misc/mass_center_vel/{c}") for c in range(3)]
    + [(38 + i, "0") for i in range(5)]
)


def test_observation_layout_matches_state(env):
    """Every index of the documented table reads the state value it names."""
    assert sorted(i for i, _ in LAYOUT) == list(range(43))
    env.reset()
    rng = np.random.RandomState(3)
    for _ in range(15):
        obs, *_ = env.step(rng.uniform(size=18))
    leaves = flatten_desc(env.get_state_desc())
    for i, path in LAYOUT:
        if path == "0":
            assert obs[i] == 0.0
        else:
            key, _, comp = path.rpartition("/")
            assert obs[i] == leaves[key][int(comp)], (i, path)
    # the docstring documents the same size and blocks
    assert "43 float64 values" in L2RunEnv.__doc__ and "38-42" in L2RunEnv.__doc__


def test_project_false_returns_state_desc(env):
    desc = env.reset(project=False)
    assert set(desc) == {"joint_pos", "joint_vel", "joint_acc", "body_pos", "body_vel", "body_acc",
                         "body_pos_rot", "body_vel_rot", "body_acc_rot", "forces", "muscles", "markers", "misc"}
    desc2, *_ = env.step(np.zeros(18), project=False)
    assert desc2["joint_pos"]["ground_pelvis"] != desc["joint_pos"]["ground_pelvis"]
    assert env.get_observation_dict() is env.get_state_desc()


def test_state_desc_is_fresh_after_reset(env):
    """The description follows the state, also across two resets without a step (the original could go stale)."""
    env.reset()
    for _ in range(20):
        env.step(np.ones(18))
    moved = env.get_state_desc()["body_pos"]["pelvis"]
    env.reset()
    assert env.get_state_desc()["body_pos"]["pelvis"] != moved
    assert env.get_state_desc()["body_pos"]["pelvis"] == pytest.approx([0.0, 0.91, 0.0])


def test_timestep_limit_override_ends_episode(env):
    env.reset()
    env.spec.timestep_limit = 3
    try:
        dones = [env.step(np.zeros(18))[2] for _ in range(3)]
        assert dones == [False, False, True] and env.is_truncated() and not env.is_done()
    finally:
        env.spec.timestep_limit = 1000


def test_sizes_spaces_and_scenario(env):
    assert env.get_observation_space_size() == 43 and env.get_action_space_size() == 18
    assert env.observation_space.shape == (43,) and env.action_space.shape == (18,)
    assert env.spec.timestep_limit == 1000 and env.time_limit == 1000
    env.reset(seed=0)
    assert env.scenario == {}
    with pytest.raises(ValueError, match="unknown scenario keys"):
        env.reset(scenario={"obstacles": []})


def test_difficulty_is_ignored_with_warning(env):
    with pytest.warns(UserWarning, match="difficulty=2 is ignored"):
        env.reset(difficulty=2)


@pytest.mark.parametrize("action, error, match", [
    (np.zeros(17), ValueError, r"shape \(18,\).*got shape \(17,\)"),
    (np.zeros(19), ValueError, r"shape \(18,\)"),
    (np.zeros((1, 18)), ValueError, r"got shape \(1, 18\)"),
    ([0.5] * 17 + [float("nan")], ValueError, r"non-finite values.*\[17\]"),
    ([float("inf")] + [0.5] * 17, ValueError, r"non-finite.*\[0\]"),
    (["a"] * 18, TypeError, "real numbers"),
    ("0.5", TypeError, "array of 18"),
    (None, TypeError, "array of 18"),
    (np.zeros(18, dtype=complex), TypeError, "complex"),
])
def test_bad_actions_raise_clear_errors(env, action, error, match):
    env.reset()
    with pytest.raises(error, match=match):
        env.step(action)
    env.step(np.zeros(18))  # the env still works
    assert env.istep == 1


def test_out_of_range_values_are_clipped(env):
    env.reset()
    action = np.linspace(-1.0, 2.0, 18)
    env.step(action)
    np.testing.assert_array_equal(env.sim.get_excitations(), np.clip(action, 0, 1))
    np.testing.assert_array_equal(env.last_action, np.clip(action, 0, 1))
    env.step([1] * 18)  # lists and integers work
    env.step(np.ones(18, dtype=np.float32))
