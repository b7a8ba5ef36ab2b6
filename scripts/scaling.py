#!/usr/bin/env python
"""Parallel scaling of an osim-rl env: steps/s with 1 and 2 worker processes (Gymnasium AsyncVectorEnv).

    python scripts/scaling.py osim/Arm2D-v0 --steps 400 --repeats 3 --json scaling.json

Measures, on the same seeded workload (uniform random excitations, each held
``--hold`` steps; every worker runs the same episode, so the work is the
same per worker and only parallelism differs):

* ``bare``: one env in this process (``gymnasium.make``), no vector env;
* ``vec1``: AsyncVectorEnv with 1 worker process;
* ``vec2``: AsyncVectorEnv with 2 worker processes (2 env steps per step call;
  ``--spin 0.05``: workers that poll before they block, :mod:`osim.training.vector`);
* ``solo1`` / ``solo2``: 1 or 2 independent processes, each stepping its own
  bare env with no vector env and no communication at all.

``solo2 / (2 * solo1)`` is what the machine itself allows: two processes that
share nothing but the hardware. On a virtual machine whose two CPUs share a
physical core or its caches with each other or with other tenants, this
ceiling is below 1 and no vector env can beat it; the vector env's own cost is
its efficiency relative to that ceiling.

Reported: steps/s of each (env steps, summed over workers), the parallel
efficiency ``vec2 / (2 * vec1)`` (1.0 = perfect) and the vector env's
overhead over the bare env ``time per step(vec1) / time per step(bare) - 1``.
Episodes that end reset in the same step (both sides). Configurations are
interleaved ``--repeats`` times and the best time of each is kept, with the
load average (``os.getloadavg``) before and after and, from ``/proc/stat``,
how many CPUs other processes kept busy during each run: on a busy machine
the numbers move, so read them with the load.
"""
from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import sys
import time


def _workload(n_actions: int, steps: int, seed: int, hold: int):
    from osim.tools.bench import random_workload

    return random_workload(n_actions, steps, seed=seed, hold=hold).astype("float32")


def time_bare(env_id: str, env_kwargs: dict, actions, seed: int) -> float:
    import gymnasium as gym

    env = gym.make(env_id, **env_kwargs)
    try:
        env.reset(seed=seed)
        t0 = time.perf_counter()
        for a in actions:
            _o, _r, term, trunc, _i = env.step(a)
            if term or trunc:
                env.reset()
        return time.perf_counter() - t0
    finally:
        env.close()


class _PinnedFactory:
    """Makes the env in a worker process pinned to one CPU (``--pin``)."""

    def __init__(self, fn, cpu: int):
        self.fn, self.cpu, self.parent = fn, cpu, os.getpid()

    def __call__(self):
        if os.getpid() != self.parent:  # AsyncVectorEnv also makes one env in the parent, for its spaces
            os.sched_setaffinity(0, {self.cpu})
        return self.fn()


def time_vector(env_id: str, env_kwargs: dict, actions, seed: int, n_workers: int, context: str | None,
                pin: bool = False, spin: float = 0.0) -> float:
    import gymnasium as gym
    import numpy as np

    from osim.training.train import make_gym_env

    fn = functools.partial(make_gym_env, env_id, env_kwargs)
    cpus = sorted(os.sched_getaffinity(0))
    fns = [_PinnedFactory(fn, cpus[i % len(cpus)]) if pin else fn for i in range(n_workers)]
    extra = {}
    if spin:
        from osim.training.vector import spinning_worker

        extra["worker"] = functools.partial(spinning_worker, spin=spin)
    venv = gym.vector.AsyncVectorEnv(fns, context=context,
                                     autoreset_mode=gym.vector.AutoresetMode.SAME_STEP, **extra)
    try:
        venv.reset(seed=[seed] * n_workers)  # the same episode in every worker
        batch = [np.stack([a] * n_workers) for a in actions]
        t0 = time.perf_counter()
        for b in batch:
            venv.step(b)
        return time.perf_counter() - t0
    finally:
        venv.close()


def _solo_worker(env_id, env_kwargs, actions, seed, barrier, results, cpu=None):
    import gymnasium as gym

    if cpu is not None:
        os.sched_setaffinity(0, {cpu})
    import osim  # noqa: F401

    env = gym.make(env_id, **env_kwargs)
    try:
        env.reset(seed=seed)
        barrier.wait()
        t0 = time.perf_counter()
        for a in actions:
            _o, _r, term, trunc, _i = env.step(a)
            if term or trunc:
                env.reset()
        results.put(time.perf_counter() - t0)
    finally:
        env.close()


def time_solo(env_id: str, env_kwargs: dict, actions, seed: int, n_procs: int, context: str | None,
              pin: bool = False) -> float:
    """Wall time of ``n_procs`` independent processes each running the workload on a bare env, started together."""
    import multiprocessing as mp

    ctx = mp.get_context(context)
    barrier, results = ctx.Barrier(n_procs), ctx.Queue()
    cpus = sorted(os.sched_getaffinity(0))
    procs = [ctx.Process(target=_solo_worker, args=(env_id, env_kwargs, actions, seed, barrier, results,
                                                    cpus[i % len(cpus)] if pin else None))
             for i in range(n_procs)]
    for pr in procs:
        pr.start()
    try:
        times = [results.get(timeout=600) for _ in procs]
    finally:
        for pr in procs:
            pr.join(timeout=30)
            if pr.is_alive():
                pr.terminate()
    return max(times)


def _no_physics_env(observation_space, action_space):
    """An env with these spaces and no physics: what is left of a vector step is the vector env's own cost."""
    import gymnasium as gym
    import numpy as np

    class NoPhysics(gym.Env):
        metadata = {"render_modes": []}

        def __init__(self):
            self.observation_space, self.action_space = observation_space, action_space
            self._obs = np.zeros(observation_space.shape, observation_space.dtype)

        def reset(self, *, seed=None, options=None):
            super().reset(seed=seed)
            return self._obs, {}

        def step(self, action):
            return self._obs, 0.0, False, False, {}

    return NoPhysics()


def vector_cost_per_step(observation_space, action_space, n_workers: int = 2, steps: int = 2000,
                         context: str | None = None) -> float:
    """Seconds per ``AsyncVectorEnv.step`` over envs that do no work: the vector env's own per-step overhead."""
    import gymnasium as gym
    import numpy as np

    fn = functools.partial(_no_physics_env, observation_space, action_space)
    venv = gym.vector.AsyncVectorEnv([fn] * n_workers, context=context,
                                     autoreset_mode=gym.vector.AutoresetMode.SAME_STEP)
    try:
        venv.reset(seed=0)
        batch = np.zeros((n_workers,) + action_space.shape, action_space.dtype)
        for _ in range(50):
            venv.step(batch)
        t0 = time.perf_counter()
        for _ in range(steps):
            venv.step(batch)
        return (time.perf_counter() - t0) / steps
    finally:
        venv.close()


def _cpu_snapshot():
    """(machine busy CPU-seconds, this process's and its reaped children's CPU-seconds, wall time)."""
    import resource

    busy = float("nan")
    try:
        with open("/proc/stat") as fh:
            fields = [int(v) for v in fh.readline().split()[1:]]
        hz = os.sysconf("SC_CLK_TCK")
        idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
        busy = (sum(fields[:8]) - idle) / hz  # user nice system idle iowait irq softirq steal
    except (OSError, ValueError, IndexError):
        pass
    own = 0.0
    for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN):
        r = resource.getrusage(who)
        own += r.ru_utime + r.ru_stime
    return busy, own, time.perf_counter()


def _others_cpus(before, after) -> float:
    """CPUs busy with other processes' work between two snapshots (NaN without /proc/stat)."""
    wall = after[2] - before[2]
    return max(((after[0] - before[0]) - (after[1] - before[1])) / wall, 0.0) if wall > 0 else float("nan")


def measure(env_id: str = "osim/Arm2D-v0", steps: int = 400, repeats: int = 3, seed: int = 0, hold: int = 5,
            env_kwargs: dict | None = None, context: str | None = None, pin: bool = False,
            spin: float = 0.0) -> dict:
    import gymnasium as gym

    import osim  # noqa: F401

    env_kwargs = dict(env_kwargs or {})
    probe = gym.make(env_id, **env_kwargs)
    n_act = probe.action_space.shape[0]
    spaces = (probe.observation_space, probe.action_space)
    probe.close()
    ipc = {n: vector_cost_per_step(*spaces, n_workers=n, context=context) for n in (1, 2)}
    actions = _workload(n_act, steps, seed, hold)
    warm = actions[: min(20, steps)]
    load_before = os.getloadavg()
    time_bare(env_id, env_kwargs, warm, seed)  # warm caches (model files, imports)
    configs = ("bare", "vec1", "vec2", "solo1", "solo2")
    best = {name: float("inf") for name in configs}
    runs = []
    t_start = time.perf_counter()
    for _ in range(repeats):
        for name in configs:
            snap = _cpu_snapshot()
            if name == "bare":
                t = time_bare(env_id, env_kwargs, actions, seed)
            elif name.startswith("vec"):
                t = time_vector(env_id, env_kwargs, actions, seed, int(name[-1]), context, pin, spin)
            else:
                t = time_solo(env_id, env_kwargs, actions, seed, int(name[-1]), context, pin)
            runs.append({"config": name, "seconds": t, "loadavg_1min": os.getloadavg()[0],
                         "other_processes_cpus": _others_cpus(snap, _cpu_snapshot())})
            best[name] = min(best[name], t)
    load_after = os.getloadavg()
    sps = {name: (2 if name.endswith("2") else 1) * steps / best[name] for name in configs}
    ceiling = sps["solo2"] / (2 * sps["solo1"])
    return {
        "env_id": env_id, "env_kwargs": env_kwargs, "steps_per_worker": steps, "repeats": repeats, "seed": seed,
        "hold": hold, "context": context or "default", "pinned": pin, "spin": spin,
        "steps_per_s": sps,
        "parallel_efficiency": sps["vec2"] / (2 * sps["vec1"]),
        "speedup_2_workers": sps["vec2"] / sps["vec1"],
        "machine_ceiling": ceiling,
        "efficiency_vs_ceiling": sps["vec2"] / (2 * sps["vec1"]) / ceiling,
        "vector_overhead": best["vec1"] / best["bare"] - 1.0,
        "vector_cost_per_step_s": ipc,
        "vector_cost_fraction": {str(n): ipc[n] / (best["bare"] / steps) for n in ipc},
        "best_seconds": best, "runs": runs,
        "other_processes_cpus_mean": float(sum(r["other_processes_cpus"] for r in runs) / len(runs)),
        "machine": {"cpu_count": os.cpu_count(), "affinity": len(os.sched_getaffinity(0)),
                    "loadavg_before": list(load_before), "loadavg_after": list(load_after),
                    "platform": platform.platform(), "python": platform.python_version(),
                    "processor": platform.processor()},
        "wall_time_s": time.perf_counter() - t_start,
    }


def format_table(r: dict) -> str:
    s = r["steps_per_s"]
    m = r["machine"]
    lines = [
        f"{r['env_id']}: {r['steps_per_worker']} steps per worker, best of {r['repeats']}",
        f"{'config':<34} {'steps/s':>9}",
        f"{'bare env (this process)':<34} {s['bare']:>9.1f}",
        f"{'AsyncVectorEnv, 1 worker':<34} {s['vec1']:>9.1f}",
        f"{'AsyncVectorEnv, 2 workers':<34} {s['vec2']:>9.1f}",
        f"{'1 independent bare process':<34} {s['solo1']:>9.1f}",
        f"{'2 independent bare processes':<34} {s['solo2']:>9.1f}",
        f"parallel efficiency (vec2 / 2 vec1): {r['parallel_efficiency']:.3f}  (speed-up {r['speedup_2_workers']:.2f}x)",
        f"machine ceiling (solo2 / 2 solo1):   {r['machine_ceiling']:.3f}; vector env efficiency relative to it: "
        f"{r['efficiency_vs_ceiling']:.3f}",
        f"vector env overhead (vec1 vs bare):  {100 * r['vector_overhead']:+.1f}% time per step",
        f"vector env's own cost per step (envs without physics): 1 worker "
        f"{1e6 * r['vector_cost_per_step_s'][1]:.0f} us, 2 workers {1e6 * r['vector_cost_per_step_s'][2]:.0f} us "
        f"= {100 * r['vector_cost_fraction']['2']:.2f}% of a bare env step",
        f"machine: {m['cpu_count']} CPUs, load average {m['loadavg_before'][0]:.2f} before, "
        f"{m['loadavg_after'][0]:.2f} after (1 min); other processes kept "
        f"{r['other_processes_cpus_mean']:.2f} CPUs busy on average during the runs",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("env_id", nargs="?", default="osim/Arm2D-v0", help="Gymnasium ID (default: osim/Arm2D-v0)")
    p.add_argument("--steps", type=int, default=400, help="steps per worker per measurement (default: 400)")
    p.add_argument("--repeats", type=int, default=3, help="default: 3")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--hold", type=int, default=5, help="steps each random action is held (default: 5)")
    p.add_argument("--env-kwargs", default=None, metavar="JSON", help="make() keywords as a JSON object")
    p.add_argument("--context", default=None, choices=["fork", "forkserver", "spawn"],
                   help="multiprocessing start method (default: the platform's)")
    p.add_argument("--pin", action="store_true", help="pin each worker process to its own CPU")
    p.add_argument("--spin", type=float, default=0.0, metavar="SECONDS",
                   help="vector env workers poll this long before blocking (osim.training.vector; "
                        "default 0: Gymnasium's)")
    p.add_argument("--json", dest="json_path", default=None, help="write the results to this JSON file")
    args = p.parse_args(argv)
    from osim.registry import parse_kwargs

    try:
        env_kwargs = parse_kwargs(args.env_kwargs, "--env-kwargs")
        if args.steps < 10 or args.repeats < 1 or args.hold < 1:
            raise ValueError("--steps must be >= 10, --repeats and --hold >= 1")
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    result = measure(args.env_id, args.steps, args.repeats, args.seed, args.hold, env_kwargs, args.context,
                     args.pin, args.spin)
    print(format_table(result))
    if args.json_path:
        with open(args.json_path, "w") as fh:
            json.dump(result, fh, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
