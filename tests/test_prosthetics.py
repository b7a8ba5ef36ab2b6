"""ProstheticsEnv: reference trajectories, reference numbers of the original, observation layout, API."""
from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from helpers import run_with_reference_blas, flatten_desc, load_golden, replay_golden
from osim.env.gym_api import GymnasiumEnv
from osim.env.prosthetics import ProstheticsEnv

GOLDEN = ("ProstheticsEnv_d0_s11", "ProstheticsEnv_d0_s12", "ProstheticsEnv_d1_s11", "ProstheticsEnv_d1_s12")
# files replayed twice in a row (one per difficulty; the physics costs ~3 s per episode)
SECOND_EPISODE = ("ProstheticsEnv_d0_s12", "ProstheticsEnv_d1_s11")
TOL = 1e-8
ENV_CLASS = "osim.env.prosthetics:ProstheticsEnv"

def golden_reset_kwargs(golden: dict) -> dict:
    """Difficulty 1: the file's targets as a scenario (padded to 1001 rows); difficulty 0: the seed."""
    meta = golden["meta"]
    if meta["ctor"]["difficulty"] == 1:
        rows = np.vstack([golden["desc0/target_vel"][None], golden["desc/target_vel"]])
        rows = np.vstack([rows, np.repeat(rows[-1:], 1001 - len(rows), axis=0)])
        return {"scenario": {"target_vel": rows.tolist()}}
    return {"seed": meta["reset"]["seed"]}


def golden_errors(golden_dir: str) -> dict:
    """Every golden file (SECOND_EPISODE ones twice), all in one process, each after the previous ones."""
    env = ProstheticsEnv()
    out = {}
    for name in GOLDEN:
        golden = load_golden(Path(golden_dir) / f"{name}.npz")
        ctor = golden["meta"]["ctor"]
        env.change_model(difficulty=ctor["difficulty"], seed=ctor["seed"])
        kwargs = golden_reset_kwargs(golden)
        out[name] = [replay_golden(env, golden, reset_kwargs=kwargs)
                     for _ in range(2 if name in SECOND_EPISODE else 1)]
    env.close()
    return out


def zero_rollouts() -> dict:
    """The original's reference rollouts: 3D prosthetic model, all excitations 0, seed 0, difficulties 0 and 1."""
    env = ProstheticsEnv()
    out = {}
    for difficulty in (0, 1):
        env.change_model(difficulty=difficulty, seed=0)
        env.reset()
        rewards, done, terms_ok = [], False, True
        while not done:
            _obs, reward, done, info = env.step(np.zeros(19))
            terms_ok = terms_ok and reward == sum(info["reward_terms"].values())
            rewards.append(reward)
        out[str(difficulty)] = {"steps": len(rewards), "return": float(sum(rewards)), "first": rewards[0],
                                "fell": env.is_done(), "terms_ok": terms_ok}
    env.close()
    return out


@pytest.fixture(scope="module")
def golden_results(reference):
    return run_with_reference_blas("test_prosthetics", "golden_errors", str(reference / "golden"))


@pytest.mark.reference
@pytest.mark.parametrize("name", GOLDEN)
def test_golden_episodes(golden_results, name):
    """Every step's obs, reward, done and state-description leaf within 1e-8 (in practice: identical).

    The files run one after another on one env (difficulty switched with
    change_model), and SECOND_EPISODE files twice in a row: the history of
    the process does not matter (the original drifted by ~2e-3).
    """
    episodes = golden_results[name]
    assert len(episodes) == (2 if name in SECOND_EPISODE else 1)
    for err in episodes:
        assert all(v <= TOL for v in err.values()), err


def test_zero_action_rollouts_match_spec():
    """As the original: falls at step 90; returns -57.3475 (difficulty 0) and 730.4023 (difficulty 1)."""
    res = run_with_reference_blas("test_prosthetics", "zero_rollouts")
    d0, d1 = res["0"], res["1"]
    assert d0["steps"] == 90 and d0["fell"] and d0["terms_ok"]
    assert d0["return"] == pytest.approx(-57.3475, abs=5e-5)
    assert d1["steps"] == 90 and d1["fell"] and d1["terms_ok"]
    assert d1["return"] == pytest.approx(730.4023, abs=5e-5)
    assert d1["first"] == pytest.approx(8.70943, abs=5e-6)


@pytest.mark.reference
def test_seeded_targets_match_golden_targets(reference):
    """The original's streams: ctor seed and reset seed s draw the file's targets."""
    golden = load_golden(reference / "golden" / "ProstheticsEnv_d1_s12.npz")
    env = ProstheticsEnv(difficulty=1, seed=12)
    env.reset(seed=12)
    rows = np.vstack([golden["desc0/target_vel"][None], golden["desc/target_vel"]])
    np.testing.assert_allclose(np.array(env.scenario["target_vel"])[: len(rows)], rows, atol=1e-12)
    env.close()


# ------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def _shared_env():
    e = ProstheticsEnv()
    yield e
    e.close()


@pytest.fixture
def env(_shared_env):
    """The module's 3D prosthetic env, back at difficulty 0 and seed 0 after each test."""
    yield _shared_env
    _shared_env.change_model()


@pytest.fixture
def fresh_env():
    e = ProstheticsEnv()
    yield e
    e.close()


@pytest.fixture(scope="module")
def env2d():
    e = ProstheticsEnv(model="2D", prosthetic=False)
    yield e
    e.close()


# ------------------------------------------------------------ targets, seeds
# the original's draws: seed -> (change points, target (x, z) from each change on)
SPEC_13_2 = {
    0: ((302, 607, 903), [(1.410810, -0.532487), (1.412859, 0.009193), (1.496265, 0.004228)]),
    7: ((269, 566, 866), [(1.685950, 0.200800), (1.342190, 0.305826), (0.804885, 0.535752)]),
    11: ((282, 580, 876), [(1.614586, -0.061110), (1.927106, 0.123850), (2.282074, -0.503502)]),
}


def _check_targets_13_2(rows: np.ndarray, seed: int) -> None:
    points, values = SPEC_13_2[seed]
    assert rows.shape == (1001, 3)
    np.testing.assert_array_equal(rows[: points[0]], np.tile([1.25, 0.0, 0.0], (points[0], 1)))
    bounds = list(points) + [1001]
    for k, (x, z) in enumerate(values):
        seg = rows[bounds[k]: bounds[k + 1]]
        assert (seg == seg[0]).all(), (seed, k)  # constant between change points
        assert seg[0, 0] == pytest.approx(x, abs=5e-7) and seg[0, 2] == pytest.approx(z, abs=5e-7)
        assert seg[0, 1] == 0.0
        # speed and heading change at the change point
        assert not np.array_equal(rows[bounds[k] - 1], seg[0])


@pytest.mark.parametrize("seed", sorted(SPEC_13_2))
def test_velocity_targets_match_spec_13_2(env, seed):
    env.change_model(difficulty=1, seed=0)
    env.reset(seed=seed)
    _check_targets_13_2(np.array(env.scenario["target_vel"]), seed)
    # the same draws after change_model(seed=...) and a plain reset()
    env.change_model(difficulty=1, seed=seed)
    env.reset()
    _check_targets_13_2(np.array(env.scenario["target_vel"]), seed)


def test_constructor_seed_seeds_both_generators():
    e = ProstheticsEnv(difficulty=1, seed=7)
    e.reset()
    _check_targets_13_2(np.array(e.scenario["target_vel"]), 7)
    e.close()


def test_seed_semantics(env):
    env.change_model(difficulty=1, seed=0)
    env.reset(seed=0)
    first = env.scenario
    env.reset()  # None continues the stream
    assert env.scenario != first
    env.reset(seed=0)  # 0 is a seed (the original ignored it)
    assert env.scenario == first
    env.change_model(difficulty=1, seed=None)  # OS entropy
    env.reset()
    a = env.scenario
    env.change_model(difficulty=1, seed=None)
    env.reset()
    assert env.scenario != a


def test_difficulty0_draws_targets_too(env):
    """Also at difficulty 0 each reset draws (301 rows), consuming the generators' numbers."""
    env.change_model(difficulty=0, seed=7)
    env.reset()
    rows = np.array(env.scenario["target_vel"])
    assert rows.shape == (301, 3)
    # seed 7's first change point (269) is inside 301 rows: same values as at difficulty 1
    assert rows[269, 0] == pytest.approx(1.685950, abs=5e-7) and rows[269, 2] == pytest.approx(0.200800, abs=5e-7)
    expected = np.random.RandomState(7)
    expected.poisson(300, 10)
    assert env.np_random.get_state()[1].tolist() == expected.get_state()[1].tolist()
    assert env.np_random.get_state()[2] == expected.get_state()[2]
    assert "target_vel" not in env.get_state_desc()


def test_scenario_replay_and_validation(env):
    env.change_model(difficulty=1, seed=3)
    env.reset()
    scenario = env.scenario
    obs_a = [env.step(np.full(19, 0.3))[0] for _ in range(3)]
    env.reset(seed=99)
    assert env.scenario != scenario
    env.reset(scenario=scenario)
    assert env.scenario == scenario
    obs_b = [env.step(np.full(19, 0.3))[0] for _ in range(3)]
    np.testing.assert_array_equal(obs_a, obs_b)
    env.reset(scenario={"target_vel": np.array(scenario["target_vel"])})  # arrays are accepted
    assert env.scenario == scenario
    rows = scenario["target_vel"]
    bad = [
        ({"target_vel": rows[:-1]}, ValueError, r"1001 rows \[vx, vy, vz\].*got 1000 rows"),
        ({"target_vel": rows[:300] + [[1.0, 0.0]] + rows[301:]}, ValueError, "row 300 must be"),
        ({"target_vel": rows[:5] + [[float("nan"), 0.0, 0.0]] + rows[6:]}, ValueError, "row 5 must be .*3 finite"),
        ({"target_vel": rows[:5] + [["a", 0.0, 0.0]] + rows[6:]}, ValueError, "row 5"),
        ({"target_vel": 1.25}, ValueError, "got float"),
        ({"target_vel": rows, "seed": 1}, ValueError, "unknown scenario keys"),
        ({}, ValueError, "missing keys"),
        ([rows], TypeError, "must be a dict"),
    ]
    for value, error, match in bad:
        with pytest.raises(error, match=match):
            env.reset(scenario=value)
    env.set_difficulty(0)  # a difficulty-1 scenario does not fit a difficulty-0 episode
    with pytest.raises(ValueError, match=r"301 rows.*difficulty 0"):
        env.reset(scenario=scenario)


def test_generate_new_targets(env):
    env.change_model(difficulty=1, seed=0)
    env.reset()
    targets = env.generate_new_targets()
    assert targets.shape == (1001, 3) and env.scenario["target_vel"] == targets.tolist()
    np.testing.assert_array_equal(env.targets, targets)
    np.testing.assert_array_equal(env.target_velocity(), targets[0])
    with pytest.raises(ValueError, match="poisson_lambda"):
        env.generate_new_targets(-1)


# --------------------------------------------------------- state description
def test_state_description_and_target_vel(env):
    env.change_model(difficulty=1, seed=0)
    rows = [[1.0 + 0.01 * i, 0.0, -0.002 * i] for i in range(1001)]
    desc0 = env.reset(project=False, scenario={"target_vel": rows})
    assert desc0["target_vel"] == rows[0] and desc0 is env.get_state_desc() is env.get_observation_dict()
    rng = np.random.RandomState(0)
    for k in range(1, 4):
        desc, reward, _done, info = env.step(rng.uniform(size=19), project=False)
        assert desc["target_vel"] == rows[k] and desc is env.get_state_desc()
        vel = desc["body_vel"]["pelvis"]
        act = sum(m["activation"] ** 2 for m in desc["muscles"].values())
        terms = info["reward_terms"]
        assert terms["alive"] == 10.0
        assert terms["velocity_x"] == pytest.approx(-(vel[0] - rows[k][0]) ** 2, abs=1e-12)
        assert terms["velocity_z"] == pytest.approx(-(vel[2] - rows[k][2]) ** 2, abs=1e-12)
        assert terms["activation"] == pytest.approx(-0.001 * act, abs=1e-12)
        assert reward == sum(terms.values())
    # fresh dicts (the original mutated them): the reset description still holds its own target
    assert desc0["target_vel"] == rows[0]
    assert "target_vel" not in env.sim.state_desc()
    np.testing.assert_array_equal(env.target_velocity(), rows[3])
    # the vector never holds the target (as in the original)
    assert env.get_observation().shape == (160,)


def test_difficulty0_reward_and_description(env):
    desc = env.reset(project=False, seed=0)
    assert "target_vel" not in desc
    _obs, reward, _done, info = env.step(np.full(19, 0.5))
    vx = env.get_state_desc()["body_vel"]["pelvis"][0]
    assert info["reward_terms"] == {"alive": 9.0, "velocity": pytest.approx(-(vx - 3) ** 2, abs=1e-12)}
    assert reward == sum(info["reward_terms"].values()) == pytest.approx(9 - (vx - 3) ** 2, abs=1e-12)


def test_prosthetic_contact_force_alias(env, env2d):
    """OpenSim 4.6 keeps 'pros_foot_r'; the 2018 documentation's name 'pros_foot_r_0' reads the same record."""
    forces = env.reset(project=False)["forces"]
    assert "pros_foot_r" in list(forces) and "pros_foot_r_0" not in list(forces)
    assert "pros_foot_r_0" in forces and forces.get("pros_foot_r_0") is forces["pros_foot_r"]
    assert forces["pros_foot_r_0"] is forces["pros_foot_r"] and len(forces["pros_foot_r"]) == 18
    assert forces.get("nothing", 1) == 1
    with pytest.raises(KeyError):
        forces["nothing"]
    assert json.loads(json.dumps(forces)) == dict(forces)
    intact = env2d.reset(project=False)["forces"]
    assert "foot_r" in intact and "pros_foot_r_0" not in intact


# ------------------------------------------------------ observation vector
_BODY_ORDER = ("head", "torso", "toes_l", "toes_r", "talus_l", "talus_r")
_JOINT_ORDER = (("ankle_l", 1), ("ankle_r", 1), ("back", 1), ("hip_l", 3), ("hip_r", 3), ("knee_l", 1), ("knee_r", 1))
_MUSCLES_22 = ("abd_l abd_r add_l add_r bifemsh_l bifemsh_r gastroc_l gastroc_r glut_max_l glut_max_r hamstrings_l "
               "hamstrings_r iliopsoas_l iliopsoas_r rect_fem_l rect_fem_r soleus_l soleus_r tib_ant_l tib_ant_r "
               "vasti_l vasti_r").split()


def layout(prosthetic: bool) -> list[tuple[int, str, str]]:
    """The observation layout as (index, how, state path); how: abs, relx/rely/relrz (minus the pelvis's), zero."""
    out = [(0, "abs", "body_pos/pelvis/1"), (1, "abs", "body_vel/pelvis/0"), (2, "abs", "body_vel/pelvis/1"),
           (3, "abs", "body_acc/pelvis/0"), (4, "abs", "body_acc/pelvis/1"), (5, "abs", "body_pos_rot/pelvis/2"),
           (6, "abs", "body_vel_rot/pelvis/2"), (7, "abs", "body_acc_rot/pelvis/2")]
    for k, body in enumerate(_BODY_ORDER):
        i = 8 + 9 * k
        block = [("relx", f"body_pos/{body}/0"), ("rely", f"body_pos/{body}/1"),
                 ("abs", f"body_vel/{body}/0"), ("abs", f"body_vel/{body}/1"),
                 ("abs", f"body_acc/{body}/0"), ("abs", f"body_acc/{body}/1"),
                 ("relrz", f"body_pos_rot/{body}/2"), ("abs", f"body_vel_rot/{body}/2"),
                 ("abs", f"body_acc_rot/{body}/2")]
        if prosthetic and body in ("toes_r", "talus_r"):
            block = [("zero", "")] * 9
        out += [(i + j, how, path) for j, (how, path) in enumerate(block)]
    i = 62
    for joint, n in _JOINT_ORDER:
        for key in ("joint_pos", "joint_vel", "joint_acc"):
            out += [(i + c, "abs", f"{key}/{joint}/{c}") for c in range(n)]
            i += n
    assert i == 95
    muscles = [m for m in _MUSCLES_22 if not (prosthetic and m in ("gastroc_r", "soleus_r", "tib_ant_r"))]
    for m in muscles:
        out += [(i + j, "abs", f"muscles/{m}/{f}") for j, f in enumerate(("activation", "fiber_length", "fiber_velocity"))]
        i += 3
    out += [(i, "relx", "misc/mass_center_pos/0"), (i + 1, "rely", "misc/mass_center_pos/1")]
    out += [(i + 2 + c, "abs", f"misc/mass_center_vel/{c}") for c in range(3)]
    out += [(i + 5 + c, "abs", f"misc/mass_center_acc/{c}") for c in range(3)]
    return out


@pytest.mark.parametrize("which", ["3D_pros", "2D_intact"])
def test_observation_layout_matches_state(env, env2d, which):
    """Every index of the class docstring's table reads the state value it names."""
    e, prosthetic, n = (env, True, 160) if which == "3D_pros" else (env2d, False, 169)
    spec = layout(prosthetic)
    assert sorted(i for i, _, _ in spec) == list(range(n))
    e.reset(seed=0)
    rng = np.random.RandomState(3)
    for _ in range(15):
        obs, *_ = e.step(rng.uniform(size=e.action_space.shape[0]))
    assert obs.shape == (n,) and obs.dtype == np.float64
    leaves = flatten_desc(e.get_state_desc())

    def leaf(path):
        key, _, comp = path.rpartition("/")
        return float(leaves[path]) if path in leaves else float(leaves[key][int(comp)])

    pelvis = {"relx": leaf("body_pos/pelvis/0"), "rely": leaf("body_pos/pelvis/1"), "relrz": leaf("body_pos_rot/pelvis/2")}
    for i, how, path in spec:
        expected = 0.0 if how == "zero" else leaf(path) - pelvis.get(how, 0.0)
        assert obs[i] == expected, (i, how, path)
    doc = ProstheticsEnv.__doc__
    assert "160 float64 values with the prosthesis, 169" in doc and "152-153" in doc and "(166-168)" in doc


def test_sizes_spaces_and_limits(env, env2d):
    assert env.get_observation_space_size() == 160 and env.get_action_space_size() == 19
    assert env.observation_space.shape == (160,) and env.action_space.shape == (19,)
    assert np.isinf(env.observation_space.low).all() and np.isinf(env.observation_space.high).all()
    assert env.observation_space.dtype == np.float64
    assert env.time_limit == env.spec.timestep_limit == 300
    assert env2d.get_observation_space_size() == 169 and env2d.action_space.shape == (22,)
    assert env2d.sim.muscle_names[8:11] == ("gastroc_r", "soleus_r", "tib_ant_r")
    assert env2d.model_path.name == "gait14dof22musc_planar.osim"
    obs = env2d.reset(seed=0)
    assert obs.shape == (169,) and env2d.observation_space.contains(obs)


# ---------------------------------------------------------------- the API
def test_change_model_reloads_only_when_needed(fresh_env):
    e = fresh_env
    sim = e.sim
    e.change_model(model="3D", prosthetic=True, difficulty=1, seed=5)
    assert e.sim is sim and e.difficulty == 1 and e.time_limit == e.spec.timestep_limit == 1000
    with pytest.raises(RuntimeError, match=r"call reset\(\) before step\(\)"):
        e.step(np.zeros(19))
    e.reset()
    e.step(np.zeros(19))
    assert e.get_model_key() == "3D_pros"
    for model, prosthetic, n_obs, n_act, name in [("2D", True, 160, 19, "gait14dof22musc_planar_pros"),
                                                  ("3D", False, 169, 22, "gait14dof22musc"),
                                                  ("2D", False, 169, 22, "gait14dof22musc_planar")]:
        e.change_model(model, prosthetic)
        assert e.sim is not sim and e.model_path.stem == name
        assert e.get_model_key() == model + ("_pros" if prosthetic else "")
        assert e.observation_space.shape == (n_obs,) and e.action_space.shape == (n_act,)
        assert e.difficulty == 0 and e.spec.timestep_limit == 300
        with pytest.raises(RuntimeError, match="reset"):
            e.step(np.zeros(n_act))
        assert e.reset().shape == (n_obs,)
        e.step(np.zeros(n_act))
        sim = e.sim
    # set_difficulty: limits follow; a change needs a reset
    e.set_difficulty(1)
    assert e.spec.timestep_limit == 1000
    with pytest.raises(RuntimeError, match="reset"):
        e.step(np.zeros(22))
    e.reset()
    assert len(e.scenario["target_vel"]) == 1001
    e.set_difficulty(1)  # unchanged: the episode goes on
    e.step(np.zeros(22))


def test_step_needs_reset_after_construction(fresh_env):
    with pytest.raises(RuntimeError, match=r"reset\(\)"):
        fresh_env.step(np.zeros(19))


@pytest.mark.parametrize("kwargs, match", [
    ({"difficulty": 2}, "unknown difficulty 2; allowed: 0"),
    ({"difficulty": -1}, "unknown difficulty"),
    ({"difficulty": True}, "unknown difficulty"),
    ({"difficulty": "1"}, "unknown difficulty"),
    ({"model": "3d"}, "unknown model '3d'; allowed: '3D' or '2D'"),
    ({"model": "4D"}, "unknown model"),
    ({"prosthetic": "yes"}, "prosthetic must be True or False"),
    ({"seed": -3}, "seed must be a non-negative integer"),
    ({"seed": 1.5}, "seed must be"),
])
def test_bad_arguments_raise(env, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ProstheticsEnv(**kwargs)
    with pytest.raises(ValueError, match=match):
        env.change_model(**kwargs)
    assert (env.model, env.prosthetic, env.difficulty) == ("3D", True, 0)  # unchanged


def test_set_difficulty_rejects_others(env):
    for bad in (2, 3, -1, None, 0.5):
        with pytest.raises(ValueError, match="unknown difficulty"):
            env.set_difficulty(bad)
    assert env.difficulty == 0 and env.spec.timestep_limit == 300


def test_bad_actions(env):
    env.reset()
    with pytest.raises(ValueError, match=r"shape \(19,\)"):
        env.step(np.zeros(22))
    with pytest.raises(ValueError, match="non-finite"):
        env.step([float("nan")] * 19)
    env.step(np.linspace(-1, 2, 19))
    np.testing.assert_array_equal(env.last_action, np.clip(np.linspace(-1, 2, 19), 0, 1))


@pytest.mark.filterwarnings("ignore:visualize=True but no display:RuntimeWarning")
def test_challenge_snippet_runs_headless(monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    # the challenge's example, as written
    env = ProstheticsEnv(visualize=True)
    observation = env.reset()
    for i in range(200):
        observation, reward, done, info = env.step(env.action_space.sample())
    assert observation.shape == (160,) and np.isfinite(observation).all() and math.isfinite(reward)
    env.close()


# -------------------------------------------------------- Gymnasium face
CONFIGS = [(d, m, p) for m in ("3D", "2D") for p in (True, False) for d in (0, 1)]


@pytest.mark.filterwarnings("ignore:.*Box observation space (minimum|maximum) value is.*infinity:UserWarning")
@pytest.mark.parametrize("difficulty, model, prosthetic", CONFIGS)
def test_gymnasium_env_checker(difficulty, model, prosthetic):
    from gymnasium.utils.env_checker import check_env

    g = GymnasiumEnv(ENV_CLASS, dict_in_info=True, difficulty=difficulty, model=model, prosthetic=prosthetic)
    try:
        check_env(g, skip_render_check=True)
        n = 160 if prosthetic else 169
        obs, info = g.reset(seed=1)
        assert obs.shape == (n,) and obs.dtype == np.float64 and g.observation_space.contains(obs)
        assert ("target_vel" in info["obs_dict"]) == (difficulty == 1)
        assert len(info["scenario"]["target_vel"]) == (301 if difficulty == 0 else 1001)
        obs, reward, terminated, truncated, info = g.step(g.action_space.sample())
        assert isinstance(reward, float) and not terminated and not truncated
        assert reward == pytest.approx(sum(info["reward_terms"].values()))
        assert g.env.spec.timestep_limit == (300 if difficulty == 0 else 1000)
    finally:
        g.close()


def test_gymnasium_seed_keyword_and_scenario_option():
    g = GymnasiumEnv(ENV_CLASS, dict_in_info=True, difficulty=1, seed=7)
    _obs, info = g.reset()
    rows = np.array(info["scenario"]["target_vel"])
    _check_targets_13_2(rows, 7)
    _obs, info = g.reset(options={"scenario": {"target_vel": rows[::-1].tolist()}})
    assert info["obs_dict"]["target_vel"] == rows[-1].tolist()
    with pytest.raises(ValueError, match="unknown scenario keys"):
        g.reset(options={"scenario": {"targets": []}})
    g.close()
