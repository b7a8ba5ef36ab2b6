"""RunEnv's full obstacle course (issue #13): platforms, friction, motor noise, weakness, difficulty 3."""
from __future__ import annotations

import numpy as np
import pytest

from osim.env.run import COURSE_PLATFORMS, HEIGHT_PROFILE, RunEnv
from osim.sim.edits.terrain import box_mesh

FLAT = {"obstacles": [], "psoas": [1.0, 1.0]}


@pytest.fixture(scope="module")
def course():
    env = RunEnv(difficulty=3, height_profile=True)
    yield env
    env.close()


@pytest.fixture(scope="module")
def plain():
    env = RunEnv(difficulty=0)
    yield env
    env.close()


def _platform(x0, length, height, friction=(0.8, 0.8, 0.0)):
    return [x0, length, height, *friction]


# ------------------------------------------------------------------ default unchanged
def test_default_env_has_no_course_components_and_41_values(plain):
    assert not [f for f in plain.sim.force_names if f.startswith("platform")]
    obs = plain.reset(difficulty=2, seed=3)
    assert obs.shape == (41,) and plain.observation_space.shape == (41,)
    assert set(plain.scenario) == {"obstacles", "psoas"}
    assert plain.course_options() == {"platforms": 0, "friction": False, "motor_noise": 0.0, "weak_muscles": ()}


def test_difficulty_3_adds_to_difficulty_2_draws(course):
    course.reset(difficulty=2, seed=42)
    d2 = course.scenario
    course.reset(difficulty=3, seed=42)
    d3 = course.scenario
    assert set(d3) == {"obstacles", "psoas", "terrain", "friction", "strength", "motor_noise"}
    assert d3["psoas"] == d2["psoas"]
    for (x2, y2, r2), (x3, y3, r3) in zip(d2["obstacles"], d3["obstacles"]):
        assert (x2, r2) == (x3, r3)
        assert y3 == pytest.approx(y2 + course.terrain_height(x3))   # obstacles lie on the terrain
    assert len(d3["terrain"]) == COURSE_PLATFORMS
    for x0, length, height, static, dynamic, viscous in d3["terrain"]:
        assert 0.6 <= length <= 1.6 and 0.02 <= height <= 0.12
        assert 0.1 <= static <= 0.9 and 0.6 * static <= dynamic <= static and 0 <= viscous <= 0.2
    ends = [p[0] + p[1] for p in d3["terrain"]]
    assert all(e <= nxt[0] + 1e-12 for e, nxt in zip(ends, d3["terrain"][1:]))
    assert set(d3["strength"]) == set(course.sim.muscle_names)
    assert all(0.5 <= v <= 1.0 for v in d3["strength"].values())
    assert d3["motor_noise"][0] == 0.05
    course.reset(difficulty=3, seed=42)
    assert course.scenario == d3


def test_default_episode_unchanged_after_course_episodes(course, plain):
    """The same instance returns to the challenge's physics when the course is off."""
    actions = np.random.RandomState(5).uniform(size=(25, 18))
    course.reset(difficulty=3, seed=1)
    for a in actions[:5]:
        course.step(a)
    ref = [plain.reset(difficulty=2, seed=8)] + [plain.step(a)[0] for a in actions]
    again = [course.reset(difficulty=2, seed=8)] + [course.step(a)[0] for a in actions]
    np.testing.assert_array_equal(np.array(again)[:, :41], ref)
    assert set(course.scenario) == {"obstacles", "psoas"}
    # nothing of the course acts: platform forces off, ground friction nominal, no noise
    assert all(not course.sim.model.getForceSet().get(f"platform{i}-force").get_appliesForce()
               for i in range(course.max_platforms))
    assert np.array_equal(course.last_action, actions[-1])


# ------------------------------------------------------------------ platforms
def _settle(env, scenario, lift, steps=50):
    env.reset(scenario=scenario)
    env.sim.reset(coordinates={"pelvis_ty": 0.92 + lift})  # start just above the surface
    for _ in range(steps):
        env.step(np.zeros(18))
    return env.sim.coordinate_value("pelvis_ty")


def _foot_bottoms(env):
    out = []
    for name in ("r_heel", "r_toe", "l_heel", "l_toe"):
        g = env.sim.model.getContactGeometrySet().get(name)
        c = g.getFrame().findStationLocationInGround(env.sim.state, g.get_location()).to_numpy()
        out.append(c[1] - 0.05)
    return np.array(out)


def test_feet_stand_on_a_raised_platform_at_its_height(course):
    ground = _settle(course, FLAT, 0.0)
    feet_ground = _foot_bottoms(course)
    for h in (0.05, 0.12):
        on_platform = _settle(course, dict(FLAT, terrain=[_platform(-0.6, 1.2, h)]), h)
        assert on_platform - ground == pytest.approx(h, abs=0.005)     # the body stands h higher
        np.testing.assert_allclose(_foot_bottoms(course), feet_ground + h, atol=0.01)
        fy = course.sim.force_record("platform0-force")[1]
        assert abs(fy) > 300  # the platform carries the body (N)
        assert np.all(np.array(course.sim.force_record("foot_r")) == 0)  # not the ground
    assert course.observation_space.shape == (41 + len(HEIGHT_PROFILE),)


def test_front_wall_stops_a_foot():
    """A platform just ahead of the toes: a foot pushed forward meets its wall (platform force along -x)."""
    env = RunEnv(difficulty=0, max_platforms=1)
    toe_x = env.sim.body_position("toes_r")[0]
    env.reset(scenario=dict(FLAT, terrain=[_platform(float(toe_x) + 0.06, 1.0, 0.12)]))
    fx = []
    for _ in range(40):
        env.step(np.full(18, 0.5))
        fx.append(env.sim.force_record("platform0-force")[0])
    env.close()
    assert max(abs(f) for f in fx) > 10


def test_height_profile_observation(course):
    terrain = [_platform(0.3, 0.5, 0.05), _platform(0.8, 0.4, 0.1)]
    obs = course.reset(scenario=dict(FLAT, terrain=terrain))
    x = obs[1] + np.array(HEIGHT_PROFILE)
    expected = np.where((x >= 0.8) & (x <= 1.2), 0.1, np.where((x >= 0.3) & (x <= 0.8), 0.05, 0.0))
    np.testing.assert_array_equal(obs[41:], expected)
    assert obs[41:].max() == 0.1 and obs[41] == 0.0


def test_bad_course_scenarios_and_options(course):
    with pytest.raises(ValueError, match="platforms overlap"):
        course.reset(scenario=dict(FLAT, terrain=[_platform(1, 1, 0.1), _platform(1.5, 1, 0.1)]))
    with pytest.raises(ValueError, match="0 < height"):
        course.reset(scenario=dict(FLAT, terrain=[_platform(1, 1, -0.1)]))
    with pytest.raises(ValueError, match="dynamic <= static"):
        course.reset(scenario=dict(FLAT, friction=[0.2, 0.5, 0.0]))
    with pytest.raises(ValueError, match="motor_noise"):
        course.reset(scenario=dict(FLAT, motor_noise=[-1, 3]))
    with pytest.raises(ValueError, match="unknown muscles"):
        course.reset(scenario=dict(FLAT, strength={"biceps": 0.5}))
    with pytest.raises(ValueError, match="unknown scenario keys"):
        course.reset(scenario=dict(FLAT, ice=True))
    with pytest.raises(ValueError, match="missing keys"):
        course.reset(scenario={"obstacles": []})
    with pytest.raises(ValueError, match="motor_noise must be"):
        RunEnv(motor_noise=-0.1)
    with pytest.raises(ValueError, match="unknown muscles"):
        RunEnv(weak_muscles=["biceps"])
    with pytest.raises(ValueError, match="platforms must be"):
        course.reset(platforms=99)


def test_mesh_is_closed_and_outward():
    v, f = box_mesh(0.0, 1.0, -0.05, 0.1)
    edges = np.sort(np.concatenate([f[:, [0, 1]], f[:, [1, 2]], f[:, [2, 0]]]), axis=1)
    _, counts = np.unique(edges, axis=0, return_counts=True)
    assert np.all(counts == 2)
    n = np.cross(v[f[:, 1]] - v[f[:, 0]], v[f[:, 2]] - v[f[:, 0]])
    outward = v[f].mean(axis=1) - np.array([0.5, 0.025, 0.0])
    assert np.all(np.sum(n * outward, axis=1) > 0)
    top = np.all(v[f][:, :, 1] == 0.1, axis=1)
    assert top.sum() > 100
    assert np.ptp(v[f[top]][:, :, 0], axis=1).max() <= 0.02 + 1e-12


# ------------------------------------------------------------------ friction
def _slide(env, scenario, steps=30):
    env.reset(scenario=scenario)
    x0 = env.sim.body_position("calcn_r")[0]
    for _ in range(steps):
        env.step(np.full(18, 0.5))
    return env.sim.body_position("calcn_r")[0] - x0


def test_lower_ground_friction_lets_the_foot_slide_further(plain):
    slides = [_slide(plain, dict(FLAT, friction=[mu, mu, 0.0])) for mu in (0.8, 0.3, 0.05)]
    assert slides[0] < slides[1] < slides[2]
    assert slides[2] > 2 * slides[0]
    assert _slide(plain, FLAT) == slides[0]  # the model's own ground is (0.8, 0.8, 0)


def test_platform_friction_is_per_patch(course):
    """The platform's own friction (the ground keeps the model's): a slippery platform lets the feet slide."""
    def slide(mu):
        course.reset(scenario=dict(FLAT, terrain=[_platform(-0.6, 1.2, 0.05, (mu, mu, 0.0))]))
        course.sim.reset(coordinates={"pelvis_ty": 0.97})
        g = course.sim.model.getContactGeometrySet().get("r_toe")
        xs = []
        for _ in range(40):   # the body sags: its weight pushes the feet outward
            course.step(np.zeros(18))
            xs.append(g.getFrame().findStationLocationInGround(course.sim.state, g.get_location()).to_numpy()[0])
        return np.abs(np.diff(xs)).sum()

    high, mid, low = slide(0.8), slide(0.3), slide(0.05)
    assert high < mid < low and low > 2 * high


# ------------------------------------------------------------------ motor noise, weakness
def _episode(env, steps=25, **reset_kwargs):
    actions = np.random.RandomState(9).uniform(size=(steps, 18))
    return np.array([env.reset(**reset_kwargs)] + [env.step(a)[0] for a in actions])


def test_motor_noise_only_when_enabled_and_reproducible(plain):
    quiet = _episode(plain, difficulty=0, seed=4)
    assert "motor_noise" not in plain.scenario
    noisy = _episode(plain, seed=4, motor_noise=0.1)
    scenario = plain.scenario
    assert scenario["motor_noise"][0] == 0.1
    assert {k: v for k, v in scenario.items() if k != "motor_noise"} == {"obstacles": [], "psoas": [1.0, 1.0]}
    assert not np.allclose(noisy, quiet)
    np.testing.assert_array_equal(noisy[0], quiet[0])
    np.testing.assert_array_equal(_episode(plain, seed=4), noisy)                  # same seed: same noise
    np.testing.assert_array_equal(_episode(plain, seed=77, scenario=scenario), noisy)  # replayed
    assert not np.allclose(_episode(plain, seed=5), noisy)                          # other seed: other noise
    np.testing.assert_array_equal(_episode(plain, seed=4, motor_noise=0.0), quiet)  # off again
    assert np.all((plain.last_action >= 0) & (plain.last_action <= 1))


def test_weakness_of_any_muscle(plain):
    nominal = dict(zip(plain.sim.muscle_names, plain.sim.nominal_max_isometric_force))
    plain.reset(scenario=dict(FLAT, strength={"vasti_l": 0.6, "soleus_r": 0.7}))
    forces = {m: plain.sim.model.getMuscles().get(m).getMaxIsometricForce() for m in nominal}
    assert {m for m in forces if forces[m] != nominal[m]} == {"vasti_l", "soleus_r"}
    assert forces["vasti_l"] == 0.6 * nominal["vasti_l"]
    plain.reset(difficulty=0, seed=2, weak_muscles=["tib_ant_l", "gastroc_r"])
    assert set(plain.scenario["strength"]) == {"tib_ant_l", "gastroc_r"}
    plain.reset(weak_muscles=(), seed=2)
    assert "strength" not in plain.scenario


# ------------------------------------------------------------------ scenario, options, Gymnasium
def test_course_scenario_replays_exactly(course):
    first = _episode(course, difficulty=3, seed=21)
    scenario = course.scenario
    _episode(course, seed=22)
    np.testing.assert_array_equal(_episode(course, scenario=scenario, seed=5), first)


def test_reset_difficulty_3_on_a_plain_env_builds_the_platforms():
    env = RunEnv()
    assert env.max_platforms == 0
    obs = env.reset(difficulty=3, seed=0)
    assert env.max_platforms == COURSE_PLATFORMS and len(env.scenario["terrain"]) == COURSE_PLATFORMS
    assert obs.shape == (41,)
    env.step(np.zeros(18))
    env.close()


@pytest.mark.filterwarnings("ignore:.*Box observation space (minimum|maximum) value is.*infinity:UserWarning")
def test_gymnasium_options_and_checker():
    import gymnasium
    from gymnasium.utils.env_checker import check_env

    from osim.env.gym_api import GymnasiumEnv

    env = GymnasiumEnv("osim.env.run:RunEnv", difficulty=3, height_profile=True)
    check_env(env, skip_render_check=True)
    obs, info = env.reset(seed=3, options={"motor_noise": 0.2, "platforms": 2, "friction": False})
    assert obs.shape == (61,) and env.observation_space.contains(obs)
    assert info["scenario"]["motor_noise"][0] == 0.2 and len(info["scenario"]["terrain"]) == 2
    assert "friction" not in info["scenario"]
    obs2, _ = env.reset(options={"scenario": info["scenario"]})
    np.testing.assert_array_equal(obs, obs2)
    assert isinstance(env, gymnasium.Env)
    env.close()


def test_renderer_draws_the_terrain(course):
    from osim.render import Camera, project_points, render_scene

    course.reset(scenario=dict(FLAT, terrain=[_platform(1.0, 1.0, 0.12, (0.05, 0.05, 0.0))], friction=[0.8, 0.8, 0]))
    scene = course.render_scene()
    assert scene["terrain"] == [{"x0": 1.0, "x1": 2.0, "height": 0.12, "friction": 0.05}]
    cam = Camera(follow=False, center=(1.0, 0.95))
    img = render_scene(scene, cam)
    flat = render_scene(dict(scene, terrain=[]), cam)
    c, r = project_points([(1.5, 0.06, 0.0)], cam)[0]
    assert tuple(img[int(r), int(c)]) != tuple(flat[int(r), int(c)])
    assert img[int(r), int(c)][2] > img[int(r), int(c)][0]   # slippery: ice blue
