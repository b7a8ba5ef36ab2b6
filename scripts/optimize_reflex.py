#!/usr/bin/env python
"""Optimise the reflex controller's parameters with CMA-ES on L2M2019Env.

    pip install "osim-rl[optimize]"
    python scripts/optimize_reflex.py --mode 3D --workers 2 --max-hours 2 --out runs/reflex3d
    python scripts/optimize_reflex.py --out runs/reflex3d --resume --max-hours 4   # continue
    osim-rl run L2M2019Env --controller reflex:runs/reflex3d/best_params.txt \\
        --env-kwargs '{"model": "3D"}'

Each candidate is scored by the challenge reward: the return of an episode
from the 2019 example's initial pose (forward speed 1.7 m/s), mean over
--seeds and over the starts of --init-speeds. To search on the fast physics
and keep what survives the faithful one, score several starts there:

    python scripts/optimize_reflex.py --env-kwargs '{"physics": "fast"}' \\
        --init-speeds 1.7,0.5 1.5,0.3 1.9,0.7 --workers 2 --max-hours 1 --out runs/r3f

Episodes of a generation run in --workers processes (or Ray actors
with --backend ray, e.g. on a cluster: --ray-address auto). After every
generation OUT/checkpoint.pkl, OUT/history.jsonl and OUT/best_params.txt are
written; --resume continues from the checkpoint with a new budget. See
osim.control.optimize for the details.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys


def _speed_pair(text: str) -> tuple[float, float]:
    try:
        fwd, right = (float(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"--init-speeds: {text!r} is not FORWARD,RIGHTWARD (two numbers in m/s, e.g. 1.7,0.5)")
    return fwd, right


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog=__doc__.split("\n\n", 1)[1])
    p.add_argument("--mode", default="3D", choices=["2D", "3D"], help="controller/model (default: 3D)")
    p.add_argument("--out", default="reflex_cma", help="output directory (default: reflex_cma)")
    p.add_argument("--resume", action="store_true", help="continue the search saved in --out")
    p.add_argument("--x0", default=None, help="starting parameter file (default: the shipped ones of the mode)")
    p.add_argument("--sigma0", type=float, default=0.1, help="initial step size (default: 0.1)")
    p.add_argument("--popsize", type=int, default=None, help="candidates per generation (default: 4 + 3 ln n)")
    legs = p.add_mutually_exclusive_group()
    legs.add_argument("--per-leg", dest="symmetric", action="store_false", default=None,
                      help="separate parameters for each leg (an --x0 of one leg's values is doubled)")
    legs.add_argument("--shared", dest="symmetric", action="store_true",
                      help="one parameter set for both legs (default: as --x0 is; the shipped 3D "
                           "parameters are per leg, the 2D ones shared)")
    p.add_argument("--difficulty", type=int, default=0, help="L2M2019Env difficulty (default: 0)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], help="episode seeds per candidate (default: 0)")
    p.add_argument("--init-speeds", nargs="+", default=[], metavar="FWD,RIGHT",
                   help="score each candidate from several starts: the example's pose with these pelvis speeds "
                        "in m/s (e.g. 1.7,0.5 1.5,0.3 1.9,0.7; default: 1.7,0.5 only), mean return")
    p.add_argument("--free", nargs="+", default=None, metavar="PARAM",
                   help="search only these parameters (names, indices, or the groups sagittal / frontal); "
                        "the others stay at --x0 (default: all)")
    p.add_argument("--alpha-f", default=None, choices=["abduction_rate", "abduction_angle"],
                   help="the 3D controller's frontal leg angle: the 2019 original's (from the hip-abduction rate, "
                        "its bug Q55) or the corrected one (from the angle); default: the one --x0's file names "
                        "(the shipped parameters': abduction_angle in 3D), else abduction_rate")
    p.add_argument("--yaw-weight", type=float, default=0.0,
                   help="maximise the return minus this times the time integral of |pelvis yaw| (rad s): "
                        "favours gaits that keep their heading (default: 0, the return alone)")
    p.add_argument("--max-steps", type=int, default=None,
                   help="episode length (default: the env's time limit); more lifts that limit, e.g. 1500 "
                        "favours 3D gaits that outlast the 10 s episode")
    p.add_argument("--env-kwargs", default=None, metavar="JSON", help="further L2M2019Env keywords, a JSON object")
    p.add_argument("--workers", type=int, default=1, help="parallel episodes (default: 1)")
    p.add_argument("--backend", default="process", choices=["process", "ray"], help="default: process")
    p.add_argument("--ray-address", default=None, help="Ray cluster address (default: start a local Ray)")
    p.add_argument("--max-generations", type=int, default=None)
    p.add_argument("--max-evaluations", type=int, default=None)
    p.add_argument("--max-hours", type=float, default=None, help="wall-clock budget of this run, in hours")
    p.add_argument("--target-return", type=float, default=None, help="stop when the best return reaches this")
    p.add_argument("--seed", type=int, default=1, help="CMA-ES random seed (default: 1)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    from osim.control.optimize import OptimizeConfig, optimize
    from osim.registry import parse_kwargs

    try:
        env_kwargs = parse_kwargs(args.env_kwargs, "--env-kwargs")
        if args.max_generations is None and args.max_evaluations is None and args.max_hours is None \
                and args.target_return is None:
            raise ValueError("give a budget: --max-generations, --max-evaluations, --max-hours or --target-return")
        cfg = OptimizeConfig(
            mode=args.mode, out_dir=args.out, x0=args.x0, sigma0=args.sigma0, popsize=args.popsize,
            symmetric=args.symmetric, difficulty=args.difficulty, seeds=tuple(args.seeds),
            init_speeds=tuple(_speed_pair(v) for v in args.init_speeds), free=args.free, alpha_f=args.alpha_f, yaw_weight=args.yaw_weight,
            max_steps=args.max_steps, env_kwargs=env_kwargs, workers=args.workers, backend=args.backend,
            ray_address=args.ray_address, max_generations=args.max_generations,
            max_evaluations=args.max_evaluations, max_hours=args.max_hours, target_return=args.target_return,
            seed=args.seed)
        if not args.resume:
            cfg.validate()
        summary = optimize(cfg, resume=args.resume, progress=not args.no_progress)
    except (ValueError, FileNotFoundError, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"interrupted; the last finished generation is saved: continue with --out {args.out} --resume",
              file=sys.stderr)
        return 130
    best = summary["best"] or {}
    print(json.dumps({k: v for k, v in summary.items() if k != "best"}, indent=2))
    if best:
        print(f"best: return {best['return']:.2f}, pelvis x {best['distance']:.2f} m, {best['steps']:.0f} steps "
              f"(generation {best['generation']}); parameters in {args.out}/best_params.txt")
    return 0


if __name__ == "__main__":
    sys.exit(main())
