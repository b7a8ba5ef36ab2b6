"""Speed benchmark: an env's steps/s next to bare OpenSim integration of the same trajectory.

Two instances of the env (same constructor arguments) run side by side in
one process. The *API* instance runs a workload through the classic API
(``reset``/``step``: validation, observation, reward). The *bare* instance
replays, chunk by chunk, the same episodes (same scenario, same reset
arguments, the excitations the API instance's muscles received) with bare
OpenSim calls only (:func:`osim.sim.bare.bare_steps`: excitations,
integrate, realise accelerations): the same model and the same
trajectory, which is checked. The two alternate every :data:`CHUNK` steps, so both see
the same machine load; the ratio of their step times is the env's overhead.

Workloads:

* ``random``: uniform random excitations, seeded, each held 5 steps (as the
  reference recordings), restarting episodes when they end;
* ``walk``: the reflex controller (:class:`osim.control.ReflexController`,
  shipped parameters) on L2M2019Env from the challenge example's initial
  pose; the controller's own time is not counted.

Reported per env and workload: env and bare steps/s, their ratio (env time
per step / bare time per step; 1.0 = no overhead), the fraction of the env's
step time spent inside OpenSim's ``Manager.integrate``, the median reset
time, and whether the trajectories matched. Compare ratios from one run, not
absolute numbers: those depend on the machine and its load.

:func:`compare_modes` runs modes (faithful, fast, ...), each given as env
constructor keywords (``{"fast": True}``), interleaved on one workload and
reports their speed ratios and pelvis drift;
:func:`memory_growth` measures resident memory over many resets and steps.
"""
from __future__ import annotations

import gc
import json
import os
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from osim.registry import make_classic_env
from osim.sim.bare import bare_steps

__all__ = ["BenchResult", "ModeResult", "MemoryResult", "bench_env", "compare_modes", "memory_growth",
           "random_workload", "rss_mb", "WORKLOADS"]

#: steps each side runs before the other takes its turn
CHUNK = 20
WORKLOADS = ("random", "walk")


@dataclass
class BenchResult:
    env: str
    workload: str
    integration: str
    steps: int
    episodes: int
    env_steps_per_s: float
    bare_steps_per_s: float
    ratio: float  # env time per step / bare time per step (1.0 = no overhead)
    integrate_fraction: float  # of the env's step time, inside Manager.integrate
    reset_ms: float
    same_trajectory: bool

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)


def random_workload(n_actions: int, steps: int, seed: int = 0, hold: int = 5) -> np.ndarray:
    """Uniform actions in [0, 1], each held ``hold`` steps."""
    rng = np.random.RandomState(seed)
    draws = rng.uniform(0.0, 1.0, size=((steps + hold - 1) // hold, n_actions))
    return np.repeat(draws, hold, axis=0)[:steps]


def _integration_label(env) -> str:
    """The physics preset's name, or the explicit settings when they are custom."""
    settings = env.physics_settings
    if settings.preset != "custom":
        return settings.preset
    parts = [f"{k}={v}" for k, v in settings.integration.as_dict().items() if v is not None and v is not False]
    return ",".join(parts + list(settings.model_variants))


class _Driver:
    """Produces the API instance's actions: a fixed array or the reflex controller."""

    def __init__(self, env, workload: str, steps: int, seed: int):
        self.workload = workload
        if workload == "random":
            self.actions = random_workload(env.get_action_space_size(), steps, seed)
        elif workload == "walk":
            if type(env).__name__ != "L2M2019Env":
                raise ValueError("the walk workload runs the reflex controller: it needs L2M2019Env")
            from osim.control import ReflexController

            self.controller = ReflexController(mode=env.model_kind)
        else:
            raise ValueError(f"unknown workload {workload!r}; allowed: {', '.join(WORKLOADS)}")

    def reset_kwargs(self) -> dict:
        if self.workload == "walk":
            from osim.env.l2m2019 import EXAMPLE_INIT_POSE

            return {"init_pose": EXAMPLE_INIT_POSE}
        return {}

    def start(self, obs) -> None:
        if self.workload == "walk":
            self.controller.reset()

    def action(self, k: int, obs):
        if self.workload == "walk":
            return self.controller.update(obs)
        return self.actions[k]


def _env_kwargs_for(name: str, workload: str, env_kwargs: dict) -> dict:
    if workload == "walk":
        # the controller reads the observation dict; the planar model walks with the shipped parameters
        return {"model": "2D", "obs_as_dict": True, **env_kwargs}
    return dict(env_kwargs)


def _received(env) -> np.ndarray:
    """What the last step wrote into the muscles (model order): excitations, or activations."""
    if env.actions_are_activations:
        return np.array(env.last_action, dtype=np.float64)
    return env.sim.get_excitations()


def _run_pair(api, bare, driver: _Driver, steps: int, seed: int):
    """The workload on the API instance, replayed bare chunk by chunk. Returns timings and trajectories."""
    t_env = t_bare = t_int = 0.0
    q_env, q_bare = [], []
    episodes, k = 0, 0
    reset_kwargs = driver.reset_kwargs()
    obs = api.reset(seed=seed, **reset_kwargs)
    while k < steps:
        driver.start(obs)
        bare.reset(scenario=api.scenario, **reset_kwargs)
        episodes += 1
        done = False
        while not done and k < steps:
            received = []
            n = min(CHUNK, steps - k)
            integ0 = api.sim.integrate_seconds
            for _ in range(n):
                action = driver.action(k, obs)
                t0 = time.perf_counter()
                obs, _r, done, info = api.step(action)
                t_env += time.perf_counter() - t0
                if "failure" in info:
                    raise RuntimeError(f"{type(api).__name__}: the simulation failed in the benchmark: {info['failure']}")
                received.append(_received(api))
                q_env.append(api.sim.state.getQ().to_numpy().copy())
                k += 1
                if done:
                    break
            t_int += api.sim.integrate_seconds - integ0
            q, t = bare_steps(bare.sim, np.array(received), activations=bare.actions_are_activations)
            t_bare += t
            q_bare.append(q)
        if k < steps:
            obs = api.reset(**reset_kwargs)
    return t_env, t_bare, t_int, episodes, np.array(q_env), np.concatenate(q_bare)


def _reset_ms(env, seed: int, n: int, reset_kwargs: dict) -> float:
    times = []
    for i in range(n):
        t0 = time.perf_counter()
        env.reset(seed=seed + i, **reset_kwargs)
        times.append(time.perf_counter() - t0)
    return float(np.median(times) * 1e3)


def bench_env(name: str, steps: int = 1000, seed: int = 0, repeats: int = 3, workload: str = "random",
              n_resets: int = 20, **env_kwargs) -> BenchResult:
    """Benchmark one env on one workload (see the module docstring); ``env_kwargs`` go to both instances.

    The whole workload runs ``repeats`` times; the best total of each side is kept.
    """
    kwargs = _env_kwargs_for(name, workload, env_kwargs)
    api = make_classic_env(name, **kwargs)
    bare = make_classic_env(name, **kwargs)
    try:
        driver = _Driver(api, workload, steps, seed)
        best_env = best_bare = float("inf")
        fraction, same, episodes = 0.0, True, 0
        for _ in range(repeats):
            t_env, t_bare, t_int, episodes, q_env, q_bare = _run_pair(api, bare, driver, steps, seed)
            if t_env < best_env:
                best_env, fraction = t_env, t_int / t_env
            best_bare = min(best_bare, t_bare)
            same = same and q_env.shape == q_bare.shape and bool(np.array_equal(q_env, q_bare))
        reset_ms = _reset_ms(api, seed, n_resets, driver.reset_kwargs())
        label = _integration_label(api)
    finally:
        api.close()
        bare.close()
    return BenchResult(
        env=name, workload=workload, integration=label, steps=steps, episodes=episodes,
        env_steps_per_s=steps / best_env, bare_steps_per_s=steps / best_bare, ratio=best_env / best_bare,
        integrate_fraction=fraction, reset_ms=reset_ms, same_trajectory=same,
    )


# ------------------------------------------------------------------ modes
@dataclass
class ModeResult:
    mode: str
    steps_per_s: float
    speedup: float  # vs the first mode, median of the interleaved chunks' time ratios
    steps: int  # steps run in all (episodes are reset as they end)
    completed: bool  # the first episode ran all steps (walk: did not fall)
    first_episode_steps: int = 0  # length of the first episode (the drift is measured there)
    episodes: int = 1
    pelvis_drift_mm: dict = field(default_factory=dict)  # {"1s": mm, "5s": mm} vs the first mode


def compare_modes(name: str = "L2M2019Env", modes: dict[str, dict] | None = None, workload: str = "random",
                  steps: int = 500, seed: int = 0, drift_at: tuple[float, ...] = (1.0, 5.0),
                  **env_kwargs) -> list[ModeResult]:
    """Run a workload under several integrations, interleaved in chunks of 20 steps.

    ``modes``: label -> extra constructor arguments (default: ``{"faithful":
    {}, "fast": {"fast": True}}``); the first is the reference for speedups
    and drift. Every mode runs ``steps`` steps; an episode that ends is reset
    (seeds ``seed + 1``, ``seed + 2``, ...) and the workload goes on, so the
    speeds cover all of them. Per mode: env steps/s (classic API), the
    speedup over the first mode (median of per-chunk time ratios), whether
    the first episode ran all ``steps``, and the pelvis position's distance
    from the reference's after each time in ``drift_at`` (seconds; NaN where
    either first episode had ended by then).
    """
    modes = modes or {"faithful": {}, "fast": {"fast": True}}
    runs = {}
    for label, extra in modes.items():
        env = make_classic_env(name, **_env_kwargs_for(name, workload, {**env_kwargs, **extra}))
        driver = _Driver(env, workload, steps, seed)
        obs = env.reset(seed=seed, **driver.reset_kwargs())
        driver.start(obs)
        runs[label] = {"env": env, "driver": driver, "obs": obs, "k": 0, "t": 0.0, "chunks": [], "episodes": 1,
                       "first": None, "pelvis": []}
    try:
        for start in range(0, steps, CHUNK):
            order = list(runs) if (start // CHUNK) % 2 == 0 else list(runs)[::-1]
            for label in order:
                r = runs[label]
                env, driver = r["env"], r["driver"]
                t_chunk, n = 0.0, 0
                while r["k"] < min(start + CHUNK, steps):
                    action = driver.action(r["k"], r["obs"])
                    t0 = time.perf_counter()
                    r["obs"], _rew, done, _info = env.step(action)
                    t_chunk += time.perf_counter() - t0
                    r["k"] += 1
                    n += 1
                    if r["first"] is None:
                        r["pelvis"].append(env.sim.body_position("pelvis"))
                    if done and r["k"] < steps:
                        if r["first"] is None:
                            r["first"] = r["k"]
                        r["obs"] = env.reset(seed=seed + r["episodes"], **driver.reset_kwargs())
                        driver.start(r["obs"])
                        r["episodes"] += 1
                r["t"] += t_chunk
                r["chunks"].append(t_chunk / n if n else np.nan)
        ref = next(iter(runs.values()))
        dt = ref["env"].sim.step_size
        out = []
        for label, r in runs.items():
            ratios = np.array(ref["chunks"]) / np.array(r["chunks"])
            ratios = ratios[np.isfinite(ratios)]
            drift = {}
            for seconds in drift_at:
                k = int(round(seconds / dt))
                ok = 0 < k <= len(r["pelvis"]) and k <= len(ref["pelvis"])
                drift[f"{seconds:g}s"] = float(np.linalg.norm(r["pelvis"][k - 1] - ref["pelvis"][k - 1]) * 1e3) \
                    if ok else float("nan")
            first = r["first"] if r["first"] is not None else r["k"]
            out.append(ModeResult(mode=label, steps_per_s=r["k"] / r["t"] if r["t"] else float("nan"),
                                  speedup=float(np.median(ratios)) if ratios.size else float("nan"),
                                  steps=r["k"], completed=r["first"] is None, first_episode_steps=first,
                                  episodes=r["episodes"], pelvis_drift_mm=drift))
        return out
    finally:
        for r in runs.values():
            r["env"].close()


# ----------------------------------------------------------------- memory
@dataclass
class MemoryResult:
    env: str
    integration: str
    resets: int
    steps: int
    rss_start_mb: float
    rss_end_mb: float
    growth_mb: float
    seconds: float


def rss_mb() -> float:
    """Resident set size of this process in MB (Linux /proc; elsewhere the peak from getrusage)."""
    try:
        with open(f"/proc/{os.getpid()}/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:
        import resource
        import sys

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 2**20 if sys.platform == "darwin" else peak / 1024


def memory_growth(name: str = "L2M2019Env", resets: int = 1000, steps: int = 100_000, seed: int = 0,
                  warmup_episodes: int = 3, **env_kwargs) -> MemoryResult:
    """RSS growth over at least ``resets`` resets and exactly ``steps`` random-excitation steps.

    Warm-up episodes run first (caches, allocator pools); the growth is the
    RSS after the run minus the RSS after the warm-up. Each of the ``resets``
    episodes takes ``steps // resets`` steps; one that ends early is followed
    by an extra reset that takes its remaining steps.
    """
    env = make_classic_env(name, **env_kwargs)
    try:
        per_episode = max(1, steps // resets)
        actions = random_workload(env.get_action_space_size(), per_episode, seed)
        for i in range(warmup_episodes):
            env.reset(seed=seed + i)
            for a in actions:
                if env.step(a)[2]:
                    break
        gc.collect()
        start = rss_mb()
        t0 = time.perf_counter()
        done_steps = n_resets = 0
        for i in range(resets):
            env.reset(seed=seed + i)
            n_resets += 1
            for a in actions:
                done_steps += 1
                if env.step(a)[2]:  # ended early: a new episode takes the remaining steps
                    env.reset()
                    n_resets += 1
        gc.collect()
        end = rss_mb()
        label = _integration_label(env)
    finally:
        env.close()
    return MemoryResult(env=name, integration=label, resets=n_resets, steps=done_steps, rss_start_mb=start,
                        rss_end_mb=end, growth_mb=end - start, seconds=time.perf_counter() - t0)
