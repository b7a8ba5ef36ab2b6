"""Training (osim.training.train, scripts/train.py, scripts/evaluate.py): tiny runs, resume, evaluation, errors."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

import osim  # noqa: F401
from osim.training import train as T

ROOT = Path(__file__).resolve().parents[1]
ENV_ID = "osim/Arm2D-v0"
# a loose integrator keeps the tiny runs fast whatever the untrained policy does (also tests make keywords)
ENV_KWARGS = {"integrator_accuracy": 0.01}
TINY_PPO = {"n_steps": 64, "batch_size": 64, "n_epochs": 2}

sb3_missing = importlib.util.find_spec("stable_baselines3") is None or importlib.util.find_spec("torch") is None
needs_sb3 = pytest.mark.skipif(sb3_missing, reason='needs stable-baselines3 and torch: pip install "osim-rl[train]"')


def _script(name):
    spec = importlib.util.spec_from_file_location(f"_osim_script_{name}", ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_importing_osim_imports_no_optional_dependency():
    code = ("import sys, osim, osim.env, osim.training.train, osim.training.rllib\n"
            "bad = [m for m in ('torch', 'stable_baselines3', 'ray') if m in sys.modules]\n"
            "assert not bad, bad\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_missing_sb3_names_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "stable_baselines3", None)  # makes `import stable_baselines3` fail
    with pytest.raises(ImportError, match=r'pip install "osim-rl\[train\]"'):
        T.require_sb3()
    with pytest.raises(ImportError, match=r'pip install "osim-rl\[train\]"'):
        T.train(ENV_ID, total_steps=10, out_dir="unused")
    with pytest.raises(ImportError, match=r'pip install "osim-rl\[train\]"'):
        T.load_policy("unused.zip")


def test_missing_torch_names_the_pip_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)
    with pytest.raises(ImportError, match=r'pip install "osim-rl\[train\]"'):
        T.require_sb3()


def test_env_ids_are_looked_up_in_the_registry():
    assert T._check_env_id("Arm2DEnv") == T._check_env_id("Arm2D-v0") == "osim/Arm2D-v0"
    assert T._check_env_id("CartPole-v1") == "CartPole-v1"  # any Gymnasium ID
    with pytest.raises(ValueError, match="unknown env id 'osim/Nope-v0'; registered osim IDs: osim/L2Run-v0"):
        T._check_env_id("osim/Nope-v0")


@needs_sb3
@pytest.mark.parametrize("kwargs, match", [
    ({"env_id": "osim/Nope-v0"}, "unknown env id"),
    ({"algo": "DQN"}, "algorithm must be one of PPO, SAC"),
    ({"n_envs": 0}, "n_envs must be an integer >= 1"),
    ({"total_steps": -5}, "total_steps must be an integer >= 1"),
    ({"seed": 1.5}, "seed must be an integer >= 0"),
    ({"env_kwargs": "[1]"}, "JSON object"),
])
def test_train_rejects_bad_arguments(tmp_path, kwargs, match):
    args = {"env_id": ENV_ID, "total_steps": 10, "out_dir": tmp_path, **kwargs}
    with pytest.raises(ValueError, match=match):
        T.train(**args)
    assert not (tmp_path / "final_model.zip").exists()


@needs_sb3
def test_load_policy_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="no saved policy"):
        T.load_policy(tmp_path / "missing.zip")
    (tmp_path / "junk.zip").write_text("not a zip")
    with pytest.raises(ValueError, match="not a stable-baselines3 .zip"):
        T.load_policy(tmp_path / "junk.zip")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    """scripts/train.py: PPO, 2 worker processes, 256 steps, checkpoints every 128."""
    if sb3_missing:
        pytest.skip('needs stable-baselines3 and torch: pip install "osim-rl[train]"')
    out = tmp_path_factory.mktemp("run")
    argv = [ENV_ID, "--algo", "ppo", "--steps", "256", "--n-envs", "2", "--seed", "3", "--out", str(out),
            "--env-kwargs", json.dumps(ENV_KWARGS), "--algo-kwargs", json.dumps(TINY_PPO),
            "--checkpoint-every", "128", "--no-progress"]
    assert _script("train").main(argv) == 0
    return out


def test_tiny_run_saves_checkpoints_final_model_and_logs(tiny_run):
    ckpts = sorted(p.name for p in (tiny_run / "checkpoints").iterdir())
    assert ckpts == ["ppo_0_steps.zip", "ppo_128_steps.zip", "ppo_256_steps.zip"]
    final = tiny_run / "final_model.zip"
    meta = T.read_meta(final)
    assert meta["env_id"] == ENV_ID and meta["env_kwargs"] == ENV_KWARGS and meta["algo"] == "PPO"
    assert meta["num_timesteps"] == 256 and meta["normalize"] is True
    assert T.read_meta(tiny_run / "checkpoints" / "ppo_128_steps.zip")["num_timesteps"] == 128
    with zipfile.ZipFile(final) as zf:
        assert {"data", "policy.pth", T.META_NAME, T.VECNORM_NAME} <= set(zf.namelist())
    run = json.loads((tiny_run / "run.json").read_text())
    assert run["num_timesteps"] == 256 and run["n_envs"] == 2 and run["start_timesteps"] == 0
    assert (tiny_run / "progress.csv").read_text().count("\n") >= 2
    monitors = sorted((tiny_run / "monitor").glob("*.monitor.csv"))
    assert len(monitors) == 2  # one per worker process


def test_resume_continues_the_step_count(tiny_run, tmp_path):
    ckpt = tiny_run / "checkpoints" / "ppo_128_steps.zip"
    # env id, make keywords and algorithm come from the checkpoint; in-process envs keep this test quick
    result = T.train(None, total_steps=384, n_envs=2, out_dir=tmp_path, resume=ckpt, checkpoint_every=128,
                     progress=False, vec_env="dummy")
    assert result.start_timesteps == 128 and result.num_timesteps == 384
    assert result.env_id == ENV_ID and result.env_kwargs == ENV_KWARGS and result.algo == "PPO"
    assert [Path(p).name for p in result.checkpoints] == ["ppo_256_steps.zip", "ppo_384_steps.zip"]
    assert T.read_meta(result.final_model)["num_timesteps"] == 384
    # the normalisation statistics continued too: they saw more steps than the checkpoint's
    _m, _meta, norm0 = T.load_model(ckpt)
    _m, _meta, norm1 = T.load_model(result.final_model)
    assert norm1.obs_rms.count > norm0.obs_rms.count
    # reaching the total already: nothing to train, the model is saved unchanged
    again = T.train(None, total_steps=300, out_dir=tmp_path / "again", resume=result.final_model,
                    progress=False, vec_env="dummy", checkpoint_every=0)
    assert again.start_timesteps == again.num_timesteps == 384


def test_resume_rejects_another_env(tiny_run, tmp_path):
    with pytest.raises(ValueError, match="trained on 'osim/Arm2D-v0'"):
        T.train("osim/L2Run-v0", total_steps=300, out_dir=tmp_path, resume=tiny_run / "final_model.zip")


def test_evaluate_policy_file_reports_the_metrics(tiny_run):
    r = T.evaluate_policy_file(tiny_run / "final_model.zip", episodes=2, seed=5)
    assert r["env_id"] == ENV_ID and r["episodes"] == 2 and r["num_timesteps"] == 256 and r["algo"] == "PPO"
    assert r["env_kwargs"] == ENV_KWARGS
    assert r["lengths"] == [200, 200] and r["length_mean"] == 200.0 and r["length_std"] == 0.0
    assert r["distance_kind"] == "final_target_distance"
    for key in ("return", "length", "distance"):
        assert isinstance(r[f"{key}_mean"], float) and isinstance(r[f"{key}_std"], float)
    assert r["return_mean"] == pytest.approx(np.mean(r["returns"]))
    assert r["return_std"] == pytest.approx(np.std(r["returns"]))
    assert all(0 <= d < 2 for d in r["distances"])
    assert 0 < r["return_mean"] <= 200  # reward 1 - squared distance per step


def test_evaluate_script_and_policy_callable(tiny_run, tmp_path, capsys):
    out = tmp_path / "eval.json"
    assert _script("evaluate").main([str(tiny_run / "final_model.zip"), "--episodes", "1", "--seed", "5",
                                     "--json", str(out)]) == 0
    text = capsys.readouterr().out
    assert "return" in text and "final_target_distance" in text
    saved = json.loads(out.read_text())
    direct = T.evaluate_policy_file(tiny_run / "final_model.zip", episodes=1, seed=5)
    assert saved["returns"] == direct["returns"]  # seeded and deterministic
    policy = T.load_policy(tiny_run / "final_model.zip")
    action = policy(np.zeros(16))
    assert action.shape == (6,) and action.dtype == np.float32
    predicted, state = policy.predict(np.zeros(16), deterministic=True)  # SB3's signature
    np.testing.assert_array_equal(predicted, action)
    assert state is None
    with pytest.raises(ValueError, match="observation must have shape"):
        policy(np.zeros(3))
    with pytest.raises(TypeError, match="observation vector"):
        policy({"a": 1})


def test_evaluate_rejects_a_mismatched_env(tiny_run):
    with pytest.raises(ValueError, match="expects observations of shape"):
        T.evaluate_policy_file(tiny_run / "final_model.zip", env_id="osim/L2Run-v0", episodes=1)


def test_evaluate_random_policy_and_pelvis_distance():
    r = T.evaluate_policy("random", "osim/L2Run-v0", episodes=1, seed=0, env_kwargs={})
    assert r["distance_kind"] == "pelvis_x_travelled"
    assert 1 <= r["lengths"][0] <= 1000 and np.isfinite(r["distance_mean"])
    with pytest.raises(ValueError, match="callable obs -> action or 'random'"):
        T.evaluate_policy("greedy", ENV_ID, episodes=1)


@needs_sb3
def test_sac_tiny_run(tmp_path):
    result = T.train(ENV_ID, algo="SAC", total_steps=64, n_envs=2, out_dir=tmp_path, env_kwargs=ENV_KWARGS,
                     checkpoint_every=0, progress=False, vec_env="dummy", normalize=False,
                     algo_kwargs={"learning_starts": 32, "batch_size": 32, "buffer_size": 1000})
    assert result.num_timesteps == 64 and result.algo == "SAC"
    meta = T.read_meta(result.final_model)
    assert meta["algo"] == "SAC" and meta["normalize"] is False
    policy = T.load_policy(result.final_model)
    assert policy.vecnorm is None and policy(np.zeros(16)).shape == (6,)


def test_scaling_script_measures_bare_and_vector_envs(tmp_path, capsys):
    out = tmp_path / "scaling.json"
    assert _script("scaling").main([ENV_ID, "--steps", "10", "--repeats", "1", "--env-kwargs",
                                    json.dumps(ENV_KWARGS), "--spin", "0.05", "--json", str(out)]) == 0
    assert "parallel efficiency" in capsys.readouterr().out
    r = json.loads(out.read_text())
    sps = r["steps_per_s"]
    assert set(sps) == {"bare", "vec1", "vec2", "solo1", "solo2"} and all(v > 0 for v in sps.values())
    assert r["parallel_efficiency"] == pytest.approx(sps["vec2"] / (2 * sps["vec1"]))
    assert r["machine_ceiling"] == pytest.approx(sps["solo2"] / (2 * sps["solo1"])) and r["spin"] == 0.05
    assert 0 < r["vector_cost_per_step_s"]["2"] < 0.05  # the vector env's own cost, measured without physics
    assert len(r["machine"]["loadavg_before"]) == 3 and len(r["runs"]) == 5
    assert _script("scaling").main([ENV_ID, "--steps", "3"]) == 2  # too few steps: a clear error
