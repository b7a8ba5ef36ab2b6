#!/usr/bin/env python
"""Train a policy with stable-baselines3 (PPO or SAC) on an osim-rl env with parallel worker processes.

    python scripts/train.py osim/Arm2D-v0 --algo PPO --steps 150000 --n-envs 2 --out runs/arm2d
    python scripts/train.py osim/Arm2D-v0 --steps 300000 --out runs/arm2d --resume runs/arm2d/final_model.zip
    python scripts/train.py osim/L2M2019-v0 --env-kwargs '{"difficulty": 0}' --n-envs 2

Writes ``OUT/checkpoints/<algo>_<steps>_steps.zip``, ``OUT/final_model.zip``,
``OUT/progress.csv`` (training log), ``OUT/monitor/`` (every episode) and
``OUT/run.json``. ``--resume`` continues a checkpoint's model, optimiser and
step count (``--steps`` is the total to reach). Needs ``pip install "osim-rl[train]"``.
One env per worker process: use at most as many envs as cores.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("env_id", nargs="?", default=None,
                   help="Gymnasium ID, e.g. osim/Arm2D-v0 (default with --resume: the checkpoint's; else osim/Arm2D-v0)")
    p.add_argument("--algo", default="PPO", type=str.upper, choices=["PPO", "SAC"], help="default: PPO")
    p.add_argument("--steps", type=int, default=100_000, help="total env steps to reach (default: 100000)")
    p.add_argument("--n-envs", type=int, default=2, help="parallel envs, one process each (default: 2)")
    p.add_argument("--seed", type=int, default=0, help="default: 0")
    p.add_argument("--out", default="runs/train", help="output directory (default: runs/train)")
    p.add_argument("--resume", default=None, metavar="ZIP", help="checkpoint or final model to continue")
    p.add_argument("--env-kwargs", default=None, metavar="JSON",
                   help='make() keywords as a JSON object, e.g. \'{"difficulty": 0}\'')
    p.add_argument("--algo-kwargs", default=None, metavar="JSON",
                   help='algorithm keywords overriding the defaults, e.g. \'{"n_steps": 1024}\'')
    p.add_argument("--net", default=None, metavar="SIZES", help="hidden layer sizes, e.g. 64,64 (SB3 default)")
    p.add_argument("--checkpoint-every", type=int, default=10_000, help="steps between checkpoints; 0: none")
    p.add_argument("--no-normalize", action="store_true", help="do not normalise observations and rewards")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--vec-env", choices=["subproc", "dummy"], default="subproc",
                   help="subproc: one process per env (default); dummy: all in this process")
    p.add_argument("--eval-episodes", type=int, default=0,
                   help="after training, evaluate the final model over this many seeded episodes")
    p.add_argument("--verbose", action="store_true", help="log checkpoints and SB3's training table")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        from osim.registry import parse_kwargs
        from osim.training.train import evaluate_policy_file, train

        env_kwargs = parse_kwargs(args.env_kwargs, "--env-kwargs")
        algo_kwargs = parse_kwargs(args.algo_kwargs, "--algo-kwargs")
        policy_kwargs = None
        if args.net:
            try:
                sizes = [int(v) for v in args.net.split(",")]
            except ValueError:
                raise ValueError(f"--net must be comma-separated layer sizes like 64,64, got {args.net!r}") from None
            policy_kwargs = {"net_arch": sizes}
        env_id = args.env_id or (None if args.resume else "osim/Arm2D-v0")
        result = train(env_id, algo=args.algo, total_steps=args.steps, n_envs=args.n_envs, seed=args.seed,
                       out_dir=args.out, resume=args.resume, env_kwargs=env_kwargs,
                       checkpoint_every=args.checkpoint_every, progress=not args.no_progress,
                       normalize=not args.no_normalize, algo_kwargs=algo_kwargs, policy_kwargs=policy_kwargs,
                       vec_env=args.vec_env, log_formats=("csv", "stdout") if args.verbose else ("csv",))
    except (ImportError, ValueError, TypeError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{result.algo} on {result.env_id}: {result.start_timesteps} -> {result.num_timesteps} steps in "
          f"{result.wall_time_s:.1f} s ({result.steps_per_s:.1f} steps/s, {result.n_envs} envs)")
    print(f"final model: {result.final_model}; {len(result.checkpoints)} checkpoints in {args.out}/checkpoints")
    if args.eval_episodes > 0:
        ev = evaluate_policy_file(result.final_model, episodes=args.eval_episodes, seed=10_000)
        print(json.dumps({k: v for k, v in ev.items() if not isinstance(v, list)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
