#!/usr/bin/env python
"""Does imitation help? PPO for the same budget on the imitation env and on the plain env, measured alike.

    python scripts/bench_imitation.py --steps 200000 --n-envs 2 --out runs/imitation

Trains stable-baselines3 PPO (the library's defaults, :mod:`osim.training`)
on ``osim/Imitate-v0`` (the planar 18-muscle body tracking recorded walking)
and on ``osim/L2Run-v0`` (the same body rewarded for forward distance), then
runs each final policy deterministically for ``--episodes`` episodes of up
to 10 s and reports, for both alike:

* distance: pelvis_tx travelled (m) and the episode length (s);
* tracking: the pose error against the recorded gait cycle, RMS over the
  tracked joint angles (deg), at the *nearest* phase of the cycle at each
  step (so a policy that walks with another timing is not penalised for
  the timing, only for the shape of its gait).

Writes ``OUT/<env>/`` (the training runs) and ``OUT/result.json``. A
benchmark, not a test: it takes hours at the default budget on 2 cores.
Needs ``pip install "osim-rl[train]"`` and the recording
``subject01_walk_planar_ik`` (:mod:`osim.data.recordings`).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ENVS = {"imitation": "osim/Imitate-v0", "plain": "osim/L2Run-v0"}


def nearest_pose_error(reference, names, q) -> float:
    """RMS (rad) over the reference's rotational pose coordinates at the nearest phase of the cycle."""
    grid = np.linspace(0.0, 1.0, 200, endpoint=False) * reference.period
    cols = [reference.coordinates.index(c) for c in reference.pose_coordinates if c in reference.rotational]
    ref = np.array([reference.at(t)["q"][cols] for t in grid])
    idx = [names.index(reference.coordinates[c]) for c in cols]
    err = ref - q[idx]
    return float(np.sqrt(np.min(np.mean(err * err, axis=1))))


def evaluate(policy_path: Path, env_id: str, reference, episodes: int, seed: int) -> dict:
    import gymnasium as gym

    import osim  # noqa: F401
    from osim.training.train import load_policy

    policy = load_policy(policy_path)
    env = gym.make(env_id)
    sim_of = lambda: env.unwrapped.env.sim  # noqa: E731
    distances, lengths, errors = [], [], []
    for k in range(episodes):
        options = {"phase": 0.0} if "Imitate" in env_id else None
        obs, _ = env.reset(seed=seed + k, options=options)
        x0 = sim_of().coordinate_value("pelvis_tx")
        names = list(sim_of().coordinate_names)
        per_step = []
        for n in range(1, 1001):
            obs, _r, term, trunc, _i = env.step(policy(obs))
            per_step.append(nearest_pose_error(reference, names, sim_of().q()))
            if term or trunc:
                break
        distances.append(sim_of().coordinate_value("pelvis_tx") - x0)
        lengths.append(n * 0.01)
        errors.append(float(np.mean(per_step)))
    env.close()
    return {"distance_m": float(np.mean(distances)), "episode_s": float(np.mean(lengths)),
            "pose_error_deg": float(np.rad2deg(np.mean(errors))), "episodes": episodes}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--steps", type=int, default=200_000, help="env steps per training run (default: 200000)")
    p.add_argument("--n-envs", type=int, default=2, help="parallel envs per run (default: 2)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--episodes", type=int, default=5, help="evaluation episodes per policy (default: 5)")
    p.add_argument("--out", default="runs/imitation", help="output directory (default: runs/imitation)")
    p.add_argument("--only", choices=sorted(ENVS), default=None, help="train and evaluate one of the two")
    p.add_argument("--eval-only", action="store_true", help="evaluate the final models already in OUT")
    args = p.parse_args(argv)

    from osim.data.recordings import find_recording
    from osim.data.reference import build_reference
    from osim.models import model_path
    from osim.training.train import train

    reference = build_reference(find_recording("subject01_walk_planar_ik"), model_path("gait9dof18musc"))
    out = Path(args.out)
    result = json.loads((out / "result.json").read_text()) if (out / "result.json").exists() else {}
    for name, env_id in ENVS.items():
        if args.only and name != args.only:
            continue
        run_dir = out / name
        if not args.eval_only:
            train(env_id, total_steps=args.steps, n_envs=args.n_envs, seed=args.seed, out_dir=run_dir,
                  checkpoint_every=0, progress=False)
        result[name] = {"env_id": env_id, "steps": args.steps,
                        **evaluate(run_dir / "final_model.zip", env_id, reference, args.episodes, args.seed)}
        print(f"{name:<10} {env_id:<16} distance {result[name]['distance_m']:6.2f} m in "
              f"{result[name]['episode_s']:5.2f} s, pose error {result[name]['pose_error_deg']:5.1f} deg",
              flush=True)
    out.mkdir(parents=True, exist_ok=True)
    (out / "result.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
