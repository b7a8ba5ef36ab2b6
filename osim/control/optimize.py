"""Optimise the reflex controller's parameters with CMA-ES on L2M2019Env.

The objective is the challenge's own reward: the return of an episode of
:class:`~osim.env.L2M2019Env` driven by :class:`~osim.control.ReflexController`
from the 2019 example's initial pose (:data:`~osim.env.l2m2019.EXAMPLE_INIT_POSE`,
forward speed 1.7 m/s). CMA-ES (the ``cma`` package: ``pip install
"osim-rl[optimize]"``) searches the raw parameters ``p`` within their bounds
(:data:`~osim.control.PARAM_BOUNDS`), one vector for both legs or one per leg
(``symmetric=False``; by default as the start is: the shipped 3D parameters are
per leg).

Episodes of a generation run in parallel, one env per worker process (a
process pool here, or Ray actors on a cluster), and after every generation the
search writes a checkpoint it can resume from::

    from osim.control.optimize import OptimizeConfig, optimize
    result = optimize(OptimizeConfig(mode="3D", out_dir="runs/reflex3d", workers=2, max_hours=2))
    result["best"]["params"]          # the best raw parameters found
    # runs/reflex3d/best_params.txt   (osim.control.load_params reads it)

``scripts/optimize_reflex.py`` is the command line of this module.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import pickle
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from osim.control.reflex import (ALPHA_F, N_PARAMS, PARAM_BOUNDS, PARAM_NAMES, ReflexController, _check_mode,
                                 default_options, default_params, params_options)

log = logging.getLogger(__name__)

CHECKPOINT = "checkpoint.pkl"
BEST = "best_params.txt"
HISTORY = "history.jsonl"


@dataclasses.dataclass
class OptimizeConfig:
    """Settings of a search (all have defaults; ``out_dir`` is where everything is written).

    mode: "2D" (37 parameters, planar model) or "3D" (46, the 3D model).
    x0: starting raw parameters (a vector, or a parameter file); default the shipped ones of the mode
        (``default_params(mode)``; ``default_params("3D", initial=True)`` is where the shipped 3D search began).
    sigma0: initial CMA-ES step size in raw-parameter units (the bounds span about 3).
    popsize: candidates per generation (default: CMA-ES's 4 + 3 ln(n)).
    symmetric: one parameter vector for both legs (n values, True) or right then left (2n, False).
        None (default): as ``x0`` is, per leg if it holds 2n values (the shipped 3D parameters do), else
        shared. True with a per-leg ``x0`` is an error (averaging the legs would change the gait).
    difficulty: L2M2019Env difficulty of the evaluation episodes (0: constant 1.4 m/s field).
    seeds: env seeds of the episodes each candidate is scored on (mean return).
    init_speeds: (forward, rightward) pelvis speeds in m/s of the initial poses each candidate is scored
        on, each the example's pose with those two speeds (``init_pose_with_speeds``); empty: the example's
        own (1.7, 0.5). Several make the objective reward gaits that recover from different starts, which
        are the ones that survive a change of physics (e.g. a search on ``physics="fast"``, checked on the
        faithful physics). Every candidate runs ``len(seeds) * max(1, len(init_speeds))`` episodes.
    free: the parameters searched, by name or index (or the groups ``"sagittal"``: 0-36, ``"frontal"``:
        37-45); the others stay at ``x0`` (CMA-ES runs in the free ones' subspace). Default: all. E.g. the 3D
        model's nine frontal-plane parameters around a planar gait that walks.
    alpha_f: the controller's frontal leg angle law (``ReflexController(alpha_f=...)``): the original's
        ``"abduction_rate"`` or the corrected ``"abduction_angle"``; the best file's header names it.
        None (default): the law ``x0``'s file names (for ``x0=None`` the shipped parameters'), else the
        original's.
    yaw_weight: the search maximises the return minus ``yaw_weight`` times the episode's time integral of
        the pelvis heading's magnitude (rad s; ``"yaw_seconds"``). The 3D model has no hip rotation: a
        gait that turns pivots on its feet and falls, and this favours gaits that keep their heading.
        0 (default): the return alone.
    max_steps: episode length (default: the difficulty's time limit, 1000 or 2500). Shorter caps the
        episodes; longer lifts the env's time limit for them, e.g. 1500 at difficulty 0 favours gaits that
        outlast the 10 s episode instead of falling just after it.
    env_kwargs: further L2M2019Env constructor keywords (e.g. integrator_accuracy).
    workers: parallel episodes (processes, or Ray actors with backend="ray").
    backend: "process" (local process pool) or "ray" (ray.init(address=ray_address)).
    max_generations / max_evaluations / max_hours: budget; the first reached stops the search.
    target_return: stop when the best mean return reaches it.
    seed: CMA-ES's own random seed.
    """

    mode: str = "3D"
    out_dir: str | os.PathLike = "reflex_cma"
    x0: Any = None
    sigma0: float = 0.1
    popsize: int | None = None
    symmetric: bool | None = None
    difficulty: int = 0
    seeds: Sequence[int] = (0,)
    init_speeds: Sequence[Sequence[float]] = ()
    free: Sequence[int | str] | None = None
    alpha_f: str | None = None
    yaw_weight: float = 0.0
    max_steps: int | None = None
    env_kwargs: dict = dataclasses.field(default_factory=dict)
    workers: int = 1
    backend: str = "process"
    ray_address: str | None = None
    max_generations: int | None = None
    max_evaluations: int | None = None
    max_hours: float | None = None
    target_return: float | None = None
    seed: int = 1

    def validate(self) -> None:
        self.mode = _check_mode(self.mode)
        if self.backend not in ("process", "ray"):
            raise ValueError(f"backend must be 'process' or 'ray', got {self.backend!r}")
        if self.difficulty not in (0, 1, 2, 3):
            raise ValueError(f"difficulty must be 0, 1, 2 or 3, got {self.difficulty!r}")
        if not self.seeds:
            raise ValueError("seeds: at least one episode seed is needed")
        for v in self.init_speeds:
            if len(v) != 2 or not np.all(np.isfinite(np.asarray(v, dtype=float))):
                raise ValueError(f"init_speeds: each entry is a finite (forward, rightward) pair in m/s, got {v!r}")
        if int(self.workers) < 1:
            raise ValueError(f"workers must be >= 1, got {self.workers}")
        if not (np.isfinite(self.sigma0) and self.sigma0 > 0):
            raise ValueError(f"sigma0 must be a positive number, got {self.sigma0}")
        if self.free is not None:
            free_indices(self.free, self.mode)
        if not (np.isfinite(self.yaw_weight) and self.yaw_weight >= 0):
            raise ValueError(f"yaw_weight must be a number >= 0, got {self.yaw_weight!r}")
        if self.alpha_f is not None and self.alpha_f not in ALPHA_F:
            raise ValueError(f"alpha_f must be one of {ALPHA_F}, got {self.alpha_f!r}")
        if self.popsize is not None and int(self.popsize) < 2:
            raise ValueError(f"popsize must be >= 2, got {self.popsize}")
        if self.max_steps is not None and int(self.max_steps) < 1:
            raise ValueError(f"max_steps must be >= 1, got {self.max_steps}")

    @property
    def n_params(self) -> int:
        """Length of the searched vector (the start's, when ``symmetric`` is None)."""
        if self.symmetric is None:
            return _as_vector(self.x0, self.mode, None).size
        return N_PARAMS[_check_mode(self.mode)] * (1 if self.symmetric else 2)


# ------------------------------------------------------------------ episodes
def init_pose_with_speeds(forward: float, rightward: float) -> np.ndarray:
    """The 2019 example's initial pose (:data:`~osim.env.l2m2019.EXAMPLE_INIT_POSE`) with other pelvis speeds."""
    from osim.env.l2m2019 import EXAMPLE_INIT_POSE

    pose = np.array(EXAMPLE_INIT_POSE, dtype=np.float64)
    pose[0], pose[1] = float(forward), float(rightward)
    return pose


def _init_poses(cfg: OptimizeConfig) -> list | None:
    speeds = getattr(cfg, "init_speeds", ())  # checkpoints written before the option have none
    return [init_pose_with_speeds(*v) for v in speeds] or None


def run_episode(env, params, mode: str, seed: int | None = None, max_steps: int | None = None,
                init_pose=None, alpha_f: str | None = None) -> dict:
    """One episode of ``env`` (an L2M2019Env of model ``mode``) under the reflex controller.

    ``max_steps`` (default: the env's time limit) caps the episode; more than
    the env's limit lifts that limit for this episode and restores it after.

    Returns ``{"return", "steps", "distance" (pelvis x at the end, m), "footsteps",
    "fell" (ended before the step cap), "yaw_seconds" (the time integral of the pelvis
    heading's magnitude, rad s), "seconds" (CPU time)}``.
    """
    from osim.env.l2m2019 import EXAMPLE_INIT_POSE

    t0 = time.process_time()
    ctrl = ReflexController(mode, params=params, alpha_f=alpha_f)
    episode_limit = env.time_limit
    limit = episode_limit if max_steps is None else int(max_steps)
    if limit > episode_limit:  # a longer episode than the difficulty's: lifted for this one (before the
        env.set_time_limit(limit)  # reset, which draws the target field for the episode's length)
    try:
        obs = env.reset(seed=seed, init_pose=EXAMPLE_INIT_POSE if init_pose is None else init_pose,
                        obs_as_dict=True)
        total, yaw, steps, done = 0.0, 0.0, 0, False
        while steps < limit and not done:
            obs, reward, done, info = env.step(ctrl.update(obs), obs_as_dict=True)
            total += float(reward)
            yaw += abs(env.sim.coordinate_value("pelvis_rotation"))
            steps += 1
    finally:
        if limit > episode_limit:
            env.set_time_limit(episode_limit)
    return {
        "return": total,
        "steps": steps,
        "distance": float(env.sim.body_position("pelvis")[0]),
        "footsteps": int(env.n_footsteps),
        "fell": bool(done and steps < limit),
        "yaw_seconds": yaw * env.sim.step_size,
        "failure": info.get("failure") if steps else None,
        "seconds": time.process_time() - t0,
    }


class EpisodeRunner:
    """Holds one L2M2019Env and scores parameter vectors on it (a worker's state)."""

    def __init__(self, mode: str, difficulty: int, env_kwargs: dict | None = None, alpha_f: str | None = None):
        from osim.env import L2M2019Env

        self.mode = _check_mode(mode)
        self.alpha_f = alpha_f
        self.env = L2M2019Env(model=self.mode, difficulty=difficulty, **dict(env_kwargs or {}))

    def score(self, params, seeds: Sequence[int], max_steps: int | None, init_poses=None) -> dict:
        """Mean over ``seeds`` times ``init_poses`` (None: the example's) of the episode results
        (``"episodes"`` keeps each one)."""
        poses = [None] if init_poses is None else list(init_poses)
        episodes = [run_episode(self.env, params, self.mode, seed=s, max_steps=max_steps, init_pose=pose,
                                alpha_f=self.alpha_f)
                    for s in seeds for pose in poses]
        out = {k: float(np.mean([e[k] for e in episodes])) for k in ("return", "steps", "distance", "footsteps",
                                                                     "yaw_seconds")}
        out["seconds"] = float(sum(e["seconds"] for e in episodes))
        out["env_steps"] = int(sum(e["steps"] for e in episodes))
        out["episodes"] = episodes
        return out

    def close(self) -> None:
        self.env.close()


_RUNNER: EpisodeRunner | None = None


def _die_with_parent() -> None:
    """Linux: end this worker when the search process dies (killed searches leave no episodes running)."""
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            import signal

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
        except OSError:  # pragma: no cover - no libc by that name
            pass


def _init_worker(mode: str, difficulty: int, env_kwargs: dict, alpha_f: str | None) -> None:
    global _RUNNER
    _die_with_parent()
    _RUNNER = EpisodeRunner(mode, difficulty, env_kwargs, alpha_f)


def _score_in_worker(params, seeds, max_steps, init_poses) -> dict:
    assert _RUNNER is not None, "worker not initialised"
    return _RUNNER.score(params, seeds, max_steps, init_poses)


class _ProcessPool:
    """Evaluates parameter vectors in ``workers`` processes, each with its own env."""

    def __init__(self, cfg: OptimizeConfig):
        import multiprocessing as mp

        self.executor = ProcessPoolExecutor(
            max_workers=int(cfg.workers), mp_context=mp.get_context("spawn"),
            initializer=_init_worker, initargs=(cfg.mode, cfg.difficulty, dict(cfg.env_kwargs), _alpha_f(cfg)))

    def map(self, candidates, seeds, max_steps, init_poses=None) -> list[dict]:
        futures = [self.executor.submit(_score_in_worker, c, list(seeds), max_steps, init_poses)
                   for c in candidates]
        return [f.result() for f in futures]

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


class _RayPool:
    """Evaluates parameter vectors on Ray actors (one env each): the same search on a cluster."""

    def __init__(self, cfg: OptimizeConfig):
        try:
            import ray
        except ImportError as exc:  # pragma: no cover - depends on the extra
            raise ImportError('backend="ray" needs Ray: pip install "osim-rl[ray]"') from exc
        self.ray = ray
        self._started = not ray.is_initialized()
        if self._started:
            ray.init(address=cfg.ray_address, include_dashboard=False, log_to_driver=False)
        actor = ray.remote(num_cpus=1)(EpisodeRunner)
        self.actors = [actor.remote(cfg.mode, cfg.difficulty, dict(cfg.env_kwargs), _alpha_f(cfg))
                       for _ in range(int(cfg.workers))]
        self.pool = ray.util.ActorPool(self.actors)

    def map(self, candidates, seeds, max_steps, init_poses=None) -> list[dict]:
        return list(self.pool.map(lambda a, c: a.score.remote(c, list(seeds), max_steps, init_poses),
                                  list(candidates)))

    def close(self) -> None:
        for a in self.actors:
            self.ray.kill(a)
        if self._started:
            self.ray.shutdown()


# ------------------------------------------------------------------ search
def _as_vector(x0, mode: str, symmetric: bool | None) -> np.ndarray:
    """The start of a search: ``x0`` (None: the shipped parameters) as n shared or 2n per-leg values.

    ``symmetric=None`` keeps ``x0`` as it is (n or 2n values); False doubles an n-value start.
    """
    n = N_PARAMS[mode]
    if x0 is None:
        x = default_params(mode)
    elif isinstance(x0, (str, os.PathLike)):
        from osim.control.reflex import load_params

        x = load_params(x0)
    else:
        x = np.asarray(x0, dtype=np.float64).reshape(-1)
    if x.size == n and symmetric is False:
        x = np.concatenate([x, x])
    allowed = {None: (n, 2 * n), True: (n,), False: (2 * n,)}[symmetric]
    if x.size not in allowed:
        kind = {None: "", True: "shared (both legs) ", False: "per-leg "}[symmetric]
        hint = (f"; it holds per-leg values (right then left): search them per leg (symmetric=False, --per-leg)"
                if symmetric and x.size == 2 * n else "")
        raise ValueError(f"x0 has {x.size} values; a {mode} {kind}search needs "
                         f"{' or '.join(map(str, allowed))}{hint}")
    return x


def _yaw_weight(cfg: OptimizeConfig) -> float:
    return float(getattr(cfg, "yaw_weight", 0.0))


def _alpha_f(cfg: OptimizeConfig) -> str:
    """The search's frontal law: the config's, else the one x0's parameter file was tuned with."""
    if not hasattr(cfg, "alpha_f"):  # checkpoints written before the option searched with the original's
        return ALPHA_F[0]
    alpha_f = cfg.alpha_f
    if alpha_f is None:
        if cfg.x0 is None:
            alpha_f = default_options(cfg.mode).get("alpha_f")
        elif isinstance(cfg.x0, (str, os.PathLike)):
            alpha_f = params_options(cfg.x0).get("alpha_f")
    return alpha_f or ALPHA_F[0]


#: named groups of ``OptimizeConfig.free``
PARAM_GROUPS = {"sagittal": tuple(range(37)), "frontal": tuple(range(37, 46))}


def free_indices(free: Sequence[int | str], mode: str) -> list[int]:
    """Per-leg indices of the parameters named by ``free`` (names, indices or ``PARAM_GROUPS`` keys)."""
    n = N_PARAMS[_check_mode(mode)]
    out: set[int] = set()
    for item in free:
        if isinstance(item, str) and item in PARAM_GROUPS:
            group = [k for k in PARAM_GROUPS[item] if k < n]
            if not group:
                raise ValueError(f"free: the {item!r} parameters exist in 3D mode only")
            out.update(group)
        elif isinstance(item, str) and not item.lstrip("-").isdigit():
            try:
                k = PARAM_NAMES.index(item)
            except ValueError:
                raise ValueError(f"free: unknown parameter {item!r}; give names of osim.control.PARAM_NAMES, "
                                 f"indices 0-{n - 1}, or a group of {sorted(PARAM_GROUPS)}") from None
            if k >= n:
                raise ValueError(f"free: {item!r} (index {k}) is a 3D parameter, not one of the {mode} mode's {n}")
            out.add(k)
        else:
            k = int(item)
            if not 0 <= k < n:
                raise ValueError(f"free: index {k} is out of range; the {mode} mode has parameters 0-{n - 1}")
            out.add(k)
    if not out:
        raise ValueError("free: name at least one parameter to search")
    return sorted(out)


def _free_mask(cfg: OptimizeConfig, size: int) -> np.ndarray:
    """Which entries of the full parameter vector (``size`` values) the search moves."""
    if cfg.free is None:
        return np.ones(size, dtype=bool)
    n = N_PARAMS[cfg.mode]
    free = set(free_indices(cfg.free, cfg.mode))
    return np.array([i % n in free for i in range(size)])


def _full_vector(state: dict, candidate) -> np.ndarray:
    """The parameter vector of a CMA-ES candidate: the free entries from it, the others from x0."""
    x = np.asarray(candidate, dtype=np.float64)
    if state.get("free_mask") is None:  # searches of all parameters (and checkpoints older than --free)
        return x
    full = np.array(state["x0"], dtype=np.float64)
    full[state["free_mask"]] = x
    return full


def _bounds(mode: str, symmetric: bool) -> tuple[np.ndarray, np.ndarray]:
    b = PARAM_BOUNDS[: N_PARAMS[mode]]
    lo, hi = b[:, 0], b[:, 1]
    if not symmetric:
        lo, hi = np.concatenate([lo, lo]), np.concatenate([hi, hi])
    return lo.copy(), hi.copy()


def write_params(path: str | os.PathLike, params: Sequence[float], mode: str, header: Iterable[str] = ()) -> None:
    """Write raw parameters one per line with ``#`` comments naming them (``load_params`` reads it back)."""
    p = np.asarray(params, dtype=np.float64).reshape(-1)
    n = N_PARAMS[_check_mode(mode)]
    lines = [f"# {h}" for h in header]
    for k, v in enumerate(p):
        leg = "" if p.size == n else (" (right leg)" if k < n else " (left leg)")
        lines.append(f"{float(v)!r:<24} # {k % n:2d} {PARAM_NAMES[k % n]}{leg}")
    tmp = Path(str(path) + ".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    os.replace(tmp, path)


def _save_checkpoint(out: Path, state: dict) -> None:
    tmp = out / (CHECKPOINT + ".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(state, fh)
    os.replace(tmp, out / CHECKPOINT)


def load_checkpoint(out_dir: str | os.PathLike) -> dict:
    """The state saved after the last finished generation in ``out_dir`` (``FileNotFoundError`` if none)."""
    with open(Path(out_dir) / CHECKPOINT, "rb") as fh:
        return pickle.load(fh)


def optimize(cfg: OptimizeConfig, resume: bool = False, progress: bool = True,
             callback: Callable[[dict], None] | None = None) -> dict:
    """Run (or, with ``resume=True``, continue) a CMA-ES search; returns the summary it also saves.

    Writes to ``cfg.out_dir``: ``checkpoint.pkl`` (after every generation:
    the CMA-ES state, the best candidate and the budget used so far),
    ``history.jsonl`` (one line per generation) and ``best_params.txt``.
    ``callback(generation_record)`` is called after each generation.
    """
    try:
        import cma
    except ImportError as exc:
        raise ImportError('the reflex optimiser needs the cma package: pip install "osim-rl[optimize]"') from exc

    out = Path(cfg.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if resume:
        state = load_checkpoint(out)
        saved_cfg = state["config"]
        # the search itself (mode, parameterisation, objective) comes from the checkpoint;
        # the budget and the workers from the caller
        for key in ("workers", "backend", "ray_address", "max_generations", "max_evaluations", "max_hours",
                    "target_return"):
            setattr(saved_cfg, key, getattr(cfg, key))
        saved_cfg.out_dir = cfg.out_dir
        cfg = saved_cfg
        cfg.validate()
        es = state["es"]
        log.info("resuming %s after generation %d", out, state["generation"])
    else:
        cfg.validate()
        x0 = _as_vector(cfg.x0, cfg.mode, cfg.symmetric)
        cfg.symmetric = x0.size == N_PARAMS[cfg.mode]  # fixed at the start, like alpha_f
        lo, hi = _bounds(cfg.mode, cfg.symmetric)
        # a start outside the bounds widens them to include it: clipping it would change the gait searched
        # around (the planar 2019 parameters lie outside five bounds, and clipped they fall after 2.2 s)
        outside = np.flatnonzero((x0 < lo) | (x0 > hi))
        if outside.size:
            log.info("x0 lies outside the bounds of %s: the bounds are widened to include it",
                     ", ".join(PARAM_NAMES[k % N_PARAMS[cfg.mode]] for k in outside))
        lo, hi = np.minimum(lo, x0), np.maximum(hi, x0)
        cfg.alpha_f = _alpha_f(cfg)  # fixed at the start (x0's file may change later)
        mask = _free_mask(cfg, x0.size)
        # a generation whose candidates all fall at the same step scores flat: go on searching
        opts = {"bounds": [lo[mask].tolist(), hi[mask].tolist()], "seed": int(cfg.seed), "verbose": -9,
                "tolflatfitness": 10**6}
        if cfg.popsize:
            opts["popsize"] = int(cfg.popsize)
        es = cma.CMAEvolutionStrategy(x0[mask].tolist(), float(cfg.sigma0), opts)
        state = {"config": cfg, "es": es, "x0": x0.tolist(), "free_mask": None if mask.all() else mask,
                 "generation": 0, "evaluations": 0, "env_steps": 0,
                 "cpu_seconds": 0.0, "wall_seconds": 0.0, "best": None}
        (out / HISTORY).write_text("")

    pool = _RayPool(cfg) if cfg.backend == "ray" else _ProcessPool(cfg)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=cfg.max_generations, initial=state["generation"], unit="gen", desc=f"CMA-ES {cfg.mode}")
    t_start, wall_before = time.perf_counter(), state["wall_seconds"]
    stop_reason = None
    try:
        while True:
            stop_reason = _budget_exhausted(cfg, state, es)
            if stop_reason:
                break
            asked = es.ask()
            candidates = [_full_vector(state, c) for c in asked]
            results = pool.map([np.asarray(c) for c in candidates], cfg.seeds, cfg.max_steps, _init_poses(cfg))
            for r in results:
                r["objective"] = r["return"] - _yaw_weight(cfg) * r["yaw_seconds"]
            es.tell(asked, [-r["objective"] for r in results])
            gen_best = int(np.argmax([r["objective"] for r in results]))
            state["generation"] += 1
            state["evaluations"] += len(candidates)
            state["env_steps"] += sum(r["env_steps"] for r in results)
            state["cpu_seconds"] += sum(r["seconds"] for r in results)
            state["wall_seconds"] = wall_before + time.perf_counter() - t_start
            if state["best"] is None or results[gen_best]["objective"] > state["best"].get("objective",
                                                                                         state["best"]["return"]):
                r = results[gen_best]
                state["best"] = {"params": np.asarray(candidates[gen_best]).tolist(), "return": r["return"],
                                 "objective": r["objective"], "yaw_seconds": r["yaw_seconds"],
                                 "distance": r["distance"], "steps": r["steps"], "footsteps": r["footsteps"],
                                 "generation": state["generation"]}
                _write_best(out, cfg, state)
            record = {
                "generation": state["generation"], "evaluations": state["evaluations"],
                "wall_seconds": round(state["wall_seconds"], 1), "cpu_seconds": round(state["cpu_seconds"], 1),
                "env_steps": state["env_steps"], "sigma": float(es.sigma),
                "returns": {"best": max(r["return"] for r in results), "median": float(np.median(
                    [r["return"] for r in results])), "worst": min(r["return"] for r in results)},
                "generation_best": {k: results[gen_best][k] for k in ("return", "distance", "steps", "footsteps")},
                "best_so_far": {k: state["best"][k] for k in ("return", "distance", "steps", "generation")},
            }
            with open(out / HISTORY, "a") as fh:
                fh.write(json.dumps(record) + "\n")
            _save_checkpoint(out, state)
            if bar is not None:
                bar.update(1)
                bar.set_postfix(best=f"{state['best']['return']:.1f}", dist=f"{state['best']['distance']:.2f}m",
                                steps=state["best"]["steps"])
            if callback is not None:
                callback(record)
    finally:
        pool.close()
        if bar is not None:
            bar.close()
    summary = {
        "mode": cfg.mode, "symmetric": cfg.symmetric, "difficulty": cfg.difficulty, "seeds": list(cfg.seeds),
        "init_speeds": [list(map(float, v)) for v in getattr(cfg, "init_speeds", ())],
        "free": None if getattr(cfg, "free", None) is None else free_indices(cfg.free, cfg.mode),
        "alpha_f": _alpha_f(cfg), "yaw_weight": _yaw_weight(cfg),
        "env_kwargs": dict(cfg.env_kwargs), "generations": state["generation"], "evaluations": state["evaluations"],
        "env_steps": state["env_steps"], "cpu_hours": state["cpu_seconds"] / 3600,
        "wall_hours": state["wall_seconds"] / 3600, "workers": cfg.workers, "stopped": stop_reason,
        "best": state["best"],
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    return summary


def _budget_exhausted(cfg: OptimizeConfig, state: dict, es) -> str | None:
    if cfg.max_generations is not None and state["generation"] >= cfg.max_generations:
        return f"max_generations={cfg.max_generations}"
    if cfg.max_evaluations is not None and state["evaluations"] >= cfg.max_evaluations:
        return f"max_evaluations={cfg.max_evaluations}"
    if cfg.max_hours is not None and state["wall_seconds"] >= 3600 * cfg.max_hours:
        return f"max_hours={cfg.max_hours}"
    best = state["best"]
    if cfg.target_return is not None and best is not None and best["return"] >= cfg.target_return:
        return f"target_return={cfg.target_return}"
    stop = es.stop()
    if stop:
        return "cma: " + ", ".join(f"{k}={v}" for k, v in stop.items())
    return None


def _write_best(out: Path, cfg: OptimizeConfig, state: dict) -> None:
    b = state["best"]
    header = [
        f"reflex controller, mode {cfg.mode}, {'both legs' if cfg.symmetric else 'right leg then left leg'}",
        f"CMA-ES generation {b['generation']}: return {b['return']:.3f}, pelvis x {b['distance']:.3f} m, "
        f"{b['steps']:.0f} steps, {b['footsteps']:.0f} footsteps" + (
            f", |yaw| integral {b['yaw_seconds']:.2f} rad s (objective: return - {_yaw_weight(cfg):g} x that = "
            f"{b['objective']:.3f})" if _yaw_weight(cfg) else ""),
        f"L2M2019Env difficulty {cfg.difficulty}, seeds {list(cfg.seeds)}, env kwargs {json.dumps(cfg.env_kwargs)}, "
        "from osim.env.l2m2019.EXAMPLE_INIT_POSE" + (
            f" with (forward, rightward) speeds {[list(map(float, v)) for v in cfg.init_speeds]} m/s (mean return)"
            if getattr(cfg, "init_speeds", ()) else ""),
    ]
    if _alpha_f(cfg) != ALPHA_F[0]:  # ReflexController(params=path) reads it back
        header.append(f"controller: alpha_f={_alpha_f(cfg)}")
    write_params(out / BEST, b["params"], cfg.mode, header)
