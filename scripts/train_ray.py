#!/usr/bin/env python
"""Train PPO with Ray RLlib on an osim-rl env, with N Ray env runners (worker processes).

    python scripts/train_ray.py osim/Arm2D-v0 --steps 100000 --num-env-runners 2 --out runs/arm2d_ray
    python scripts/train_ray.py osim/Arm2D-v0 --address auto          # join a running cluster (`ray start --head`)
    python scripts/train_ray.py osim/Arm2D-v0 --address ray://head:10001 --num-env-runners 32

Without ``--address`` it starts a local Ray instance with all local cores.
The env runners build their envs themselves (``gymnasium.make`` after
``import osim``), so every node of a cluster needs osim-rl installed. One
CPU per env runner; the learner runs in this process. Needs
``pip install "osim-rl[ray]"``.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("env_id", nargs="?", default="osim/Arm2D-v0", help="Gymnasium ID (default: osim/Arm2D-v0)")
    p.add_argument("--address", default=None,
                   help="Ray cluster to join ('auto', 'HOST:PORT' or 'ray://HOST:10001'); default: start a local one")
    p.add_argument("--num-env-runners", type=int, default=2, help="Ray env runner workers (default: 2)")
    p.add_argument("--num-cpus", type=int, default=None, help="CPUs of the local instance (default: all)")
    p.add_argument("--steps", type=int, default=100_000, help="env steps to sample in total (default: 100000)")
    p.add_argument("--train-batch-size", type=int, default=4000, help="env steps per iteration (default: 4000)")
    p.add_argument("--minibatch-size", type=int, default=128, help="default: 128")
    p.add_argument("--num-epochs", type=int, default=10, help="default: 10")
    p.add_argument("--lr", type=float, default=3e-4, help="default: 3e-4")
    p.add_argument("--seed", type=int, default=0, help="default: 0")
    p.add_argument("--env-kwargs", default=None, metavar="JSON",
                   help='make() keywords as a JSON object, e.g. \'{"difficulty": 0}\'')
    p.add_argument("--out", default=None, help="directory for the RLlib checkpoint and result.json")
    p.add_argument("--checkpoint-every", type=int, default=10, help="iterations between checkpoints (default: 10)")
    p.add_argument("--resume", default=None, metavar="DIR", help="RLlib checkpoint directory to continue")
    p.add_argument("--no-progress", action="store_true")
    p.add_argument("--verbose", action="store_true")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        from osim.training.rllib import require_ray, train_ppo
        from osim.registry import parse_kwargs

        ray = require_ray()
        env_kwargs = parse_kwargs(args.env_kwargs, "--env-kwargs")
    except (ImportError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.address:
        ray.init(address=args.address, log_to_driver=args.verbose)
    else:
        ray.init(num_cpus=args.num_cpus, include_dashboard=False, log_to_driver=args.verbose)
    try:
        result = train_ppo(args.env_id, total_steps=args.steps, num_env_runners=args.num_env_runners,
                           env_kwargs=env_kwargs, seed=args.seed, out_dir=args.out, resume=args.resume,
                           checkpoint_every=args.checkpoint_every, progress=not args.no_progress,
                           train_batch_size=args.train_batch_size, minibatch_size=args.minibatch_size,
                           num_epochs=args.num_epochs, lr=args.lr)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        ray.shutdown()
    ret = result["episode_return_mean"]
    print(f"RLlib PPO on {result['env_id']}: {result['num_env_steps']} steps, {result['iterations']} iterations, "
          f"{result['wall_time_s']:.1f} s (+{result['setup_time_s']:.1f} s setup), {result['num_env_runners']} "
          f"env runners; episode return (last iteration) {'n/a' if ret is None else f'{ret:.3f}'}")
    if result["checkpoint"]:
        print(f"checkpoint: {result['checkpoint']}")
    if args.out:
        from pathlib import Path

        Path(args.out).mkdir(parents=True, exist_ok=True)
        (Path(args.out) / "result.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
