#!/usr/bin/env python
"""Evaluate a saved policy: mean/std return, episode length and distance over seeded episodes.

    python scripts/evaluate.py runs/arm2d/final_model.zip --episodes 20
    python scripts/evaluate.py runs/arm2d/checkpoints/ppo_0_steps.zip --episodes 20   # the untrained policy
    python scripts/evaluate.py random --env osim/Arm2D-v0 --episodes 20                # uniform random actions

Episode ``i`` starts from ``reset(seed=SEED + i)``, so two policies evaluated
with the same seed see the same targets / scenarios. The distance is the
pelvis x travelled (m) for the gait envs, the final wrist-target distance (m)
for Arm2D. The env and its make keywords default to those the policy was
trained with. Needs ``pip install "osim-rl[train]"`` for saved policies.
"""
from __future__ import annotations

import argparse
import json
import sys


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("policy", help="a .zip saved by scripts/train.py, or 'random'")
    p.add_argument("--env", dest="env_id", default=None, help="Gymnasium ID (default: the policy's)")
    p.add_argument("--episodes", type=int, default=10, help="default: 10")
    p.add_argument("--seed", type=int, default=0, help="seed of the first episode (default: 0)")
    p.add_argument("--env-kwargs", default=None, metavar="JSON",
                   help="make() keywords as a JSON object (default: the policy's)")
    p.add_argument("--stochastic", action="store_true", help="sample actions instead of the mean action")
    p.add_argument("--json", dest="json_path", default=None, help="also write the results to this JSON file")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    from osim.registry import parse_kwargs
    from osim.training.train import evaluate_policy, evaluate_policy_file

    try:
        if args.policy == "random":
            if not args.env_id:
                raise ValueError("--env is required with the random policy")
            result = evaluate_policy("random", args.env_id, args.episodes, args.seed,
                                     parse_kwargs(args.env_kwargs, "--env-kwargs"))
            result["policy"] = "random"
        else:
            result = evaluate_policy_file(args.policy, args.env_id, args.episodes, args.seed, args.env_kwargs,
                                          deterministic=not args.stochastic)
    except (ImportError, ValueError, TypeError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(format_result(result))
    if args.json_path:
        with open(args.json_path, "w") as fh:
            json.dump(result, fh, indent=2)
    return 0


def format_result(r: dict) -> str:
    steps = f" ({r['num_timesteps']} training steps)" if r.get("num_timesteps") is not None else ""
    lines = [f"{r['policy']}{steps} on {r['env_id']}, {r['episodes']} episodes from seed {r['seed']}:",
             f"  return    {r['return_mean']:10.3f} +- {r['return_std']:.3f}",
             f"  length    {r['length_mean']:10.1f} +- {r['length_std']:.1f}"]
    if r.get("distance_kind"):
        lines.append(f"  distance  {r['distance_mean']:10.4f} +- {r['distance_std']:.4f} m ({r['distance_kind']})")
    lines.append(f"  {r['steps']} steps in {r['wall_time_s']:.1f} s")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
