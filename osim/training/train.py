"""Train and evaluate policies on the osim-rl tasks with stable-baselines3.

Optional: needs ``pip install "osim-rl[train]"`` (stable-baselines3 and a
CPU build of torch). ``import osim`` never imports this module, and this
module imports stable-baselines3 and torch only when a function needs them.

* :func:`train` runs PPO or SAC on any registered Gymnasium ID with
  ``n_envs`` parallel envs (one OpenSim model per worker process: OpenSim is
  not shared across threads), saves checkpoints and a final model, and
  resumes from a checkpoint, continuing its step count.
* :func:`evaluate_policy_file` loads a saved policy and reports mean/std
  return, episode length and distance over seeded episodes;
  :func:`evaluate_policy` does the same for any callable (or ``"random"``).
* :func:`load_policy` gives a saved policy as ``action = policy(obs)``.

A saved model is one stable-baselines3 ``.zip`` that also holds what is needed
to use it again: ``osim.json`` (env ID, make keywords, algorithm, steps) and,
when observations were normalised, ``vecnormalize.pkl`` (the running
statistics).
"""
from __future__ import annotations

import json
import logging
import math
import os
import pickle
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from osim.registry import parse_kwargs

__all__ = [
    "ALGORITHMS",
    "TrainResult",
    "require_sb3",
    "make_gym_env",
    "make_env_fn",
    "make_vec_env",
    "train",
    "load_model",
    "load_policy",
    "evaluate_policy",
    "evaluate_policy_file",
    "episode_distance_kind",
]

_log = logging.getLogger("osim.training.train")

#: algorithms :func:`train` knows (stable-baselines3 class names)
ALGORITHMS = ("PPO", "SAC")
INSTALL_HINT = 'pip install "osim-rl[train]"'
META_NAME = "osim.json"
VECNORM_NAME = "vecnormalize.pkl"
META_FORMAT = "osim-rl sb3 policy 1"

#: defaults chosen for 2-core machines and 10-20 ms env steps (override with ``algo_kwargs``)
DEFAULT_ALGO_KWARGS: dict[str, dict[str, Any]] = {
    "PPO": {"n_steps": 512, "batch_size": 64, "n_epochs": 10, "gamma": 0.99, "gae_lambda": 0.95,
            "learning_rate": 3e-4, "ent_coef": 0.0, "clip_range": 0.2},
    "SAC": {"buffer_size": 300_000, "batch_size": 256, "learning_starts": 1000, "train_freq": 1,
            "gradient_steps": 1, "learning_rate": 3e-4},
}


# --------------------------------------------------------------- dependencies
def require_sb3():
    """Import and return stable-baselines3, or raise ImportError naming the pip command."""
    try:
        import stable_baselines3
        import torch  # noqa: F401
    except ImportError as exc:
        raise ImportError(
            f"training needs stable-baselines3 and torch, which are not installed ({exc}); "
            f"install them with: {INSTALL_HINT}") from exc
    return stable_baselines3


def _algo_class(name: str):
    algo = _check_algo(name)
    sb3 = require_sb3()
    return getattr(sb3, algo)


def _check_algo(name) -> str:
    if not isinstance(name, str) or name.upper() not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {', '.join(ALGORITHMS)} (any case), got {name!r}")
    return name.upper()


# ------------------------------------------------------------------ arguments
def _check_env_id(env_id) -> str:
    """The Gymnasium ID to make: a registry name (:func:`osim.registry.lookup`) or any Gymnasium ID."""
    import gymnasium as gym

    from osim import registry  # (importing osim registers the IDs)

    if not isinstance(env_id, str) or not env_id:
        raise ValueError(f"env id must be a registered Gymnasium ID string, got {env_id!r}")
    if env_id in gym.registry or ":" in env_id:
        return env_id
    try:
        return registry.lookup(env_id)[0]
    except ValueError:
        raise ValueError(f"unknown env id {env_id!r}; registered osim IDs: {', '.join(registry.env_ids())} "
                         "(or their class names; other Gymnasium IDs work too, as 'module:Id' if a module "
                         "registers them)") from None


def _check_positive_int(value, name: str, minimum: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


# ----------------------------------------------------------------------- envs
def make_gym_env(env_id: str, env_kwargs: Mapping | None = None):
    """``gymnasium.make(env_id, **env_kwargs)`` after ``import osim`` (works in fresh worker processes)."""
    import gymnasium as gym

    import osim  # noqa: F401  (registers the IDs in this process: workers start fresh)

    return gym.make(env_id, **dict(env_kwargs or {}))


class _EnvFactory:
    """Picklable env constructor for worker processes (no closures over SB3 objects)."""

    def __init__(self, env_id: str, env_kwargs: Mapping | None, monitor_file: str | None = None,
                 monitor_append: bool = False):
        self.env_id = env_id
        self.env_kwargs = dict(env_kwargs or {})
        self.monitor_file = monitor_file
        self.monitor_append = monitor_append

    def __call__(self):
        env = make_gym_env(self.env_id, self.env_kwargs)
        from stable_baselines3.common.monitor import Monitor

        return Monitor(env, filename=self.monitor_file, override_existing=not self.monitor_append)


def make_env_fn(env_id: str, env_kwargs: Mapping | None = None, monitor_file: str | None = None,
                monitor_append: bool = False) -> Callable:
    """A picklable ``() -> env``: ``gymnasium.make(env_id, **env_kwargs)`` in SB3's ``Monitor``."""
    return _EnvFactory(_check_env_id(env_id), env_kwargs, monitor_file, monitor_append)


def make_vec_env(env_id: str, n_envs: int = 2, seed: int = 0, env_kwargs: Mapping | None = None,
                 vec_env: str = "subproc", monitor_dir: str | Path | None = None, monitor_append: bool = False):
    """An SB3 VecEnv of ``n_envs`` copies of ``env_id``, env ``i`` seeded ``seed + i`` at its first reset.

    ``vec_env="subproc"`` (default) runs one env per worker process
    (``SubprocVecEnv``, forkserver start method); ``"dummy"`` runs them in this
    process, one after the other (for debugging).
    """
    require_sb3()
    from stable_baselines3.common.vec_env import DummyVecEnv, SubprocVecEnv

    n_envs = _check_positive_int(n_envs, "n_envs")
    if vec_env not in ("subproc", "dummy"):
        raise ValueError(f"vec_env must be 'subproc' or 'dummy', got {vec_env!r}")
    files = [None] * n_envs
    if monitor_dir is not None:
        Path(monitor_dir).mkdir(parents=True, exist_ok=True)
        files = [str(Path(monitor_dir) / f"env{i}") for i in range(n_envs)]
    fns = [make_env_fn(env_id, env_kwargs, files[i], monitor_append) for i in range(n_envs)]
    venv = SubprocVecEnv(fns) if vec_env == "subproc" else DummyVecEnv(fns)
    venv.seed(int(seed))
    return venv


# -------------------------------------------------------------- save and load
def _save_model(model, path: Path, meta: dict, vecnorm=None) -> Path:
    """model.save, then add the osim metadata (and normalisation statistics) to the zip."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.zip")
    model.save(tmp)
    with zipfile.ZipFile(tmp, "a") as zf:
        zf.writestr(META_NAME, json.dumps({**meta, "num_timesteps": int(model.num_timesteps)}, indent=2))
        if vecnorm is not None:
            zf.writestr(VECNORM_NAME, pickle.dumps(vecnorm))
    os.replace(tmp, path)  # a checkpoint is never seen half-written
    return path


def read_meta(path: str | Path) -> dict:
    """The ``osim.json`` of a saved model ({} for a plain SB3 zip)."""
    path = _existing_zip(path)
    with zipfile.ZipFile(path) as zf:
        if META_NAME not in zf.namelist():
            return {}
        return json.loads(zf.read(META_NAME))


def _read_vecnorm(path: Path):
    with zipfile.ZipFile(path) as zf:
        if VECNORM_NAME not in zf.namelist():
            return None
        return pickle.loads(zf.read(VECNORM_NAME))


def _existing_zip(path) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"policy path must be a path to a .zip saved by osim.training.train, got {type(path).__name__}")
    p = Path(path)
    if not p.exists() and p.suffix != ".zip" and p.with_suffix(p.suffix + ".zip").exists():
        p = p.with_suffix(p.suffix + ".zip")
    if not p.is_file():
        raise FileNotFoundError(f"no saved policy at {str(path)!r}")
    if not zipfile.is_zipfile(p):
        raise ValueError(f"{str(path)!r} is not a stable-baselines3 .zip policy")
    return p


def load_model(path: str | Path, env=None, algo: str | None = None, device: str = "cpu"):
    """Load a saved model: returns ``(model, meta, vecnormalize or None)``.

    The algorithm comes from the file's metadata, or ``algo`` for a plain SB3
    zip. ``env`` (a VecEnv) attaches the model to envs for further training.
    """
    require_sb3()
    p = _existing_zip(path)
    meta = read_meta(p)
    name = algo or meta.get("algo")
    if name is None:
        raise ValueError(f"{str(path)!r} has no osim metadata: pass algo= one of {', '.join(ALGORITHMS)}")
    cls = _algo_class(name)
    model = cls.load(p, env=env, device=device)
    return model, meta, _read_vecnorm(p)


class Policy:
    """A saved policy as a plain callable: ``action = policy(obs)`` (float32 array).

    Normalises observations with the statistics saved with the model, as in
    training. ``deterministic=True`` uses the mean action.
    """

    def __init__(self, model, meta: dict, vecnorm=None, deterministic: bool = True):
        self.model, self.meta, self.vecnorm = model, meta, vecnorm
        self.deterministic = bool(deterministic)
        self.observation_space = model.observation_space
        self.action_space = model.action_space

    def normalize(self, obs) -> np.ndarray:
        obs = np.asarray(obs, dtype=np.float64)
        if self.vecnorm is not None and getattr(self.vecnorm, "norm_obs", False):
            obs = self.vecnorm.normalize_obs(obs)
        return obs

    def predict(self, obs, state=None, episode_start=None, deterministic: bool | None = None):
        """SB3's ``predict`` signature: ``(action, None)``, observations normalised as in training."""
        saved = self.deterministic
        if deterministic is not None:
            self.deterministic = bool(deterministic)
        try:
            return self(obs), None
        finally:
            self.deterministic = saved

    def __call__(self, obs, *_ignored) -> np.ndarray:
        if isinstance(obs, Mapping):
            raise TypeError("the policy takes the observation vector; make the env with vector observations "
                            "(the Gymnasium IDs give vectors)")
        obs = np.asarray(obs, dtype=np.float64)
        if obs.shape != self.observation_space.shape:
            raise ValueError(f"observation must have shape {self.observation_space.shape} (the policy was trained "
                             f"on {self.meta.get('env_id', 'another env')}), got {obs.shape}")
        action, _ = self.model.predict(self.normalize(obs), deterministic=self.deterministic)
        return np.asarray(action, dtype=np.float32)


def load_policy(path: str | Path, deterministic: bool = True, algo: str | None = None) -> Policy:
    """A saved model as ``action = policy(obs)``; ``policy.meta`` holds its env ID and make keywords."""
    model, meta, vecnorm = load_model(path, algo=algo)
    return Policy(model, meta, vecnorm, deterministic)


# --------------------------------------------------------------------- train
@dataclass
class TrainResult:
    out_dir: str
    final_model: str
    checkpoints: list[str]
    env_id: str
    algo: str
    n_envs: int
    seed: int
    start_timesteps: int
    num_timesteps: int
    wall_time_s: float
    steps_per_s: float
    resumed_from: str | None = None
    env_kwargs: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def _callbacks(out_dir: Path, meta: dict, checkpoint_every: int, total: int, progress: bool, saved: list):
    from stable_baselines3.common.callbacks import BaseCallback

    class Checkpoints(BaseCallback):
        """Saves ``checkpoints/<algo>_<steps>_steps.zip`` every ``checkpoint_every`` env steps."""

        def _init_callback(self) -> None:
            self._next = (self.model.num_timesteps // checkpoint_every + 1) * checkpoint_every

        def _on_step(self) -> bool:
            if self.num_timesteps >= self._next:
                path = out_dir / "checkpoints" / f"{meta['algo'].lower()}_{self.num_timesteps}_steps.zip"
                _save_model(self.model, path, meta, _vecnorm_of(self.model))
                saved.append(str(path))
                _log.info("checkpoint %s", path)
                self._next = (self.num_timesteps // checkpoint_every + 1) * checkpoint_every
            return True

    class Progress(BaseCallback):
        """A tqdm bar over the run's total steps (starting at the resumed count)."""

        def _on_training_start(self) -> None:
            import sys

            from tqdm import tqdm

            self.bar = tqdm(total=total, initial=self.model.num_timesteps, unit="step", file=sys.stderr,
                            desc=f"{meta['algo']} {meta['env_id']}", dynamic_ncols=True, smoothing=0.05,
                            mininterval=0.1 if sys.stderr.isatty() else 5.0)
            self._last = self.model.num_timesteps

        def _on_step(self) -> bool:
            self.bar.update(self.num_timesteps - self._last)
            self._last = self.num_timesteps
            ep = self.model.ep_info_buffer
            if ep and self.n_calls % 50 == 0:
                self.bar.set_postfix(ep_return=f"{np.mean([e['r'] for e in ep]):.2f}", refresh=False)
            return True

        def _on_training_end(self) -> None:
            self.bar.close()

    cbs = []
    if checkpoint_every:
        cbs.append(Checkpoints())
    if progress:
        cbs.append(Progress())
    return cbs


def _vecnorm_of(model):
    from stable_baselines3.common.vec_env import VecNormalize

    env = model.get_env()
    while env is not None:
        if isinstance(env, VecNormalize):
            return env
        env = getattr(env, "venv", None)
    return None


def train(
    env_id: str,
    algo: str = "PPO",
    total_steps: int = 100_000,
    n_envs: int = 2,
    seed: int = 0,
    out_dir: str | Path = "runs/train",
    resume: str | Path | None = None,
    env_kwargs: Mapping | None = None,
    checkpoint_every: int = 10_000,
    progress: bool = True,
    normalize: bool = True,
    algo_kwargs: Mapping | None = None,
    policy_kwargs: Mapping | None = None,
    vec_env: str = "subproc",
    torch_threads: int = 1,
    log_formats: Sequence[str] = ("csv",),
) -> TrainResult:
    """Train ``algo`` on ``env_id`` until the model has seen ``total_steps`` env steps.

    Writes to ``out_dir``: ``checkpoints/<algo>_<steps>_steps.zip`` every
    ``checkpoint_every`` steps (0: none), ``final_model.zip``, ``progress.csv``
    (SB3's training log), ``monitor/env<i>.monitor.csv`` (every episode's
    return, length and time) and ``run.json`` (this result).

    ``resume`` (a checkpoint or final model) continues that model, its
    optimiser state and its step count: ``total_steps`` is the total to reach,
    not the steps to add. Env ID, make keywords, algorithm and normalisation
    default to the checkpoint's.
    ``normalize`` wraps the envs in ``VecNormalize`` (observations and
    rewards; the statistics are saved in each model file). ``algo_kwargs``
    override :data:`DEFAULT_ALGO_KWARGS` (e.g. ``{"n_steps": 64}``).

    PPO collects whole rollouts (``n_steps * n_envs`` steps), so it may end a
    little past ``total_steps``. SAC checkpoints hold the weights, optimisers
    and step count but not the replay buffer: a resumed SAC run refills it.
    """
    require_sb3()
    import torch
    from stable_baselines3.common.logger import configure
    from stable_baselines3.common.vec_env import VecNormalize

    total_steps = _check_positive_int(total_steps, "total_steps")
    n_envs = _check_positive_int(n_envs, "n_envs")
    seed = _check_positive_int(seed, "seed", minimum=0)
    checkpoint_every = _check_positive_int(checkpoint_every, "checkpoint_every", minimum=0)
    torch_threads = _check_positive_int(torch_threads, "torch_threads")
    env_kwargs = parse_kwargs(env_kwargs, "env_kwargs")
    resume_meta: dict = {}
    resume_path = None
    if resume is not None:
        resume_path = _existing_zip(resume)
        resume_meta = read_meta(resume_path)
        if resume_meta:
            if env_id is None:
                env_id = resume_meta["env_id"]
            elif _check_env_id(env_id) != resume_meta["env_id"]:
                raise ValueError(f"resume: the checkpoint was trained on {resume_meta['env_id']!r}, not {env_id!r}")
            if not env_kwargs:
                env_kwargs = dict(resume_meta.get("env_kwargs", {}))
            algo = resume_meta.get("algo", algo)
            normalize = bool(resume_meta.get("normalize", normalize))
    algo = _check_algo(algo)
    env_id = _check_env_id(env_id)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(torch_threads)

    venv = make_vec_env(env_id, n_envs, seed, env_kwargs, vec_env=vec_env, monitor_dir=out / "monitor",
                        monitor_append=resume is not None)
    try:
        meta = {"format": META_FORMAT, "env_id": env_id, "env_kwargs": env_kwargs, "algo": algo,
                "normalize": bool(normalize), "seed": seed}
        try:
            from importlib.metadata import version

            meta["osim_rl_version"] = version("osim-rl")
        except Exception:  # pragma: no cover - not installed as a distribution
            pass
        if resume_path is not None:
            saved_norm = _read_vecnorm(resume_path)
            if saved_norm is not None:
                saved_norm.set_venv(venv)
                saved_norm.training = True
                venv = saved_norm
            elif normalize:
                venv = VecNormalize(venv, norm_obs=True, norm_reward=True)
            model = _algo_class(algo).load(resume_path, env=venv, device="cpu")
            start = int(model.num_timesteps)
            # fresh episodes, not a replay of the first run's: envs reseeded from the step count
            venv.seed(seed + start)
        else:
            if normalize:
                venv = VecNormalize(venv, norm_obs=True, norm_reward=True)
            kwargs = {**DEFAULT_ALGO_KWARGS[algo], **dict(algo_kwargs or {})}
            model = _algo_class(algo)("MlpPolicy", venv, seed=seed, device="cpu", verbose=0,
                                      policy_kwargs=dict(policy_kwargs) if policy_kwargs else None, **kwargs)
            start = 0
        model.set_logger(configure(str(out), list(log_formats)))
        saved: list[str] = []
        if start == 0 and checkpoint_every:  # the untrained policy, for before/after comparisons
            path = out / "checkpoints" / f"{algo.lower()}_0_steps.zip"
            saved.append(str(_save_model(model, path, meta, _vecnorm_of(model))))
        remaining = total_steps - start
        t0 = time.perf_counter()
        if remaining > 0:
            model.learn(total_timesteps=remaining, reset_num_timesteps=False,
                        callback=_callbacks(out, meta, checkpoint_every, total_steps, progress, saved))
        else:
            _log.warning("the model already has %d steps >= total_steps=%d: nothing to train", start, total_steps)
        wall = time.perf_counter() - t0
        final = _save_model(model, out / "final_model.zip", meta, _vecnorm_of(model))
        done = int(model.num_timesteps)
        model.logger.close()
    finally:
        venv.close()
    result = TrainResult(
        out_dir=str(out), final_model=str(final), checkpoints=saved, env_id=env_id, algo=algo, n_envs=n_envs,
        seed=seed, start_timesteps=start, num_timesteps=done, wall_time_s=wall,
        steps_per_s=(done - start) / wall if wall > 0 else float("nan"),
        resumed_from=str(resume_path) if resume_path else None, env_kwargs=env_kwargs)
    (out / "run.json").write_text(json.dumps(result.to_dict(), indent=2))
    return result


# ------------------------------------------------------------------ evaluate
def episode_distance_kind(classic_env) -> str | None:
    """What "distance" means for an env: the wrist-target distance at the end (reaching tasks) or pelvis x travelled."""
    if hasattr(classic_env, "squared_distance") and hasattr(classic_env, "target"):
        return "final_target_distance"
    if "pelvis" in classic_env.sim.body_names:
        return "pelvis_x_travelled"
    return None


def _classic(env):
    inner = env.unwrapped
    return getattr(inner, "env", inner)


def evaluate_policy(policy: Callable | str, env_id: str, episodes: int = 10, seed: int = 0,
                    env_kwargs: Mapping | None = None, env=None) -> dict:
    """Run ``episodes`` episodes (episode ``i`` reset with ``seed + i``) and summarise them.

    ``policy`` is ``action = policy(obs)`` or ``"random"`` (uniform actions
    from the action space, seeded with ``seed``). Returns plain floats:
    ``return_mean/std``, ``length_mean/std``, ``distance_mean/std`` (see
    ``distance_kind``: metres of pelvis x travelled, or the final
    wrist-target distance for Arm2D; NaN when the env has neither), and the
    per-episode lists ``returns``, ``lengths``, ``distances``.
    """
    episodes = _check_positive_int(episodes, "episodes")
    seed = _check_positive_int(seed, "seed", minimum=0)
    own = env is None
    if own:
        env = make_gym_env(_check_env_id(env_id), parse_kwargs(env_kwargs, "env_kwargs"))
    if isinstance(policy, str):
        if policy != "random":
            raise ValueError(f"policy must be a callable obs -> action or 'random', got {policy!r}")
        space = env.action_space
        space.seed(seed)
        policy = lambda _obs: space.sample()  # noqa: E731
    elif not callable(policy):
        raise TypeError(f"policy must be a callable obs -> action or 'random', got {type(policy).__name__}")
    returns, lengths, distances = [], [], []
    t0 = time.perf_counter()
    try:
        classic = _classic(env)
        kind = episode_distance_kind(classic)
        for i in range(episodes):
            obs, _info = env.reset(seed=seed + i)
            x0 = float(classic.sim.body_position("pelvis")[0]) if kind == "pelvis_x_travelled" else 0.0
            total, n, done = 0.0, 0, False
            while not done:
                obs, reward, term, trunc, _info = env.step(policy(obs))
                total += float(reward)
                n += 1
                done = term or trunc
            if kind == "final_target_distance":
                distances.append(math.sqrt(classic.squared_distance()))
            elif kind == "pelvis_x_travelled":
                distances.append(float(classic.sim.body_position("pelvis")[0]) - x0)
            else:
                distances.append(float("nan"))
            returns.append(total)
            lengths.append(n)
    finally:
        if own:
            env.close()
    wall = time.perf_counter() - t0
    r, ln, d = np.array(returns), np.array(lengths, dtype=float), np.array(distances)
    return {
        "env_id": env_id, "episodes": episodes, "seed": seed,
        "return_mean": float(r.mean()), "return_std": float(r.std()),
        "length_mean": float(ln.mean()), "length_std": float(ln.std()),
        "distance_kind": kind, "distance_mean": float(d.mean()), "distance_std": float(d.std()),
        "returns": [float(v) for v in r], "lengths": [int(v) for v in lengths], "distances": [float(v) for v in d],
        "steps": int(ln.sum()), "wall_time_s": wall,
    }


def evaluate_policy_file(path: str | Path, env_id: str | None = None, episodes: int = 10, seed: int = 0,
                         env_kwargs: Mapping | str | None = None, deterministic: bool = True) -> dict:
    """Load a policy saved by :func:`train` and evaluate it (see :func:`evaluate_policy`).

    ``env_id`` and ``env_kwargs`` default to those the policy was trained
    with (stored in the file). The result adds ``policy`` (the path),
    ``algo`` and ``num_timesteps`` (training steps of the policy).
    """
    policy = load_policy(path, deterministic=deterministic)
    meta = policy.meta
    env_id = env_id or meta.get("env_id")
    if env_id is None:
        raise ValueError(f"{str(path)!r} does not say which env it was trained on: pass env_id")
    env_id = _check_env_id(env_id)
    kwargs = parse_kwargs(env_kwargs, "env_kwargs") if env_kwargs not in (None, "") else dict(
        meta.get("env_kwargs", {}) if env_id == meta.get("env_id") else {})
    env = make_gym_env(env_id, kwargs)
    try:
        if env.observation_space.shape != policy.observation_space.shape:
            raise ValueError(f"the policy expects observations of shape {policy.observation_space.shape} "
                             f"({meta.get('env_id', 'its training env')}); {env_id} gives "
                             f"{env.observation_space.shape}")
        if env.action_space.shape != policy.action_space.shape:
            raise ValueError(f"the policy gives actions of shape {policy.action_space.shape}; {env_id} takes "
                             f"{env.action_space.shape}")
        result = evaluate_policy(policy, env_id, episodes, seed, env=env)
    finally:
        env.close()
    result.update(env_kwargs=kwargs, policy=str(path), algo=meta.get("algo"),
                  num_timesteps=meta.get("num_timesteps"), deterministic=bool(deterministic))
    return result
