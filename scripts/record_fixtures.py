#!/usr/bin/env python
"""Record the regression fixtures of the envs that have no reference trajectory.

RunEnv and WalkEnv (2017) cannot be checked against the original any more;
these recordings pin their behaviour so that a change shows up in the tests.
Re-record only for a deliberate change of behaviour, and say so in the commit.

    python scripts/record_fixtures.py
"""
from pathlib import Path

import numpy as np

from osim.tools.bench import random_workload
from osim.env import RunEnv, WalkEnv
from osim.tools.record import record_episode, save_record

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures"

CASES = [
    # file name, env factory, reset kwargs, action seed, steps
    ("RunEnv_d2_s7_obst10", lambda: RunEnv(max_obstacles=10), {"difficulty": 2, "seed": 7}, 1, 150),
    ("RunEnv_d0", lambda: RunEnv(), {"difficulty": 0}, 2, 150),
    ("WalkEnv", lambda: WalkEnv(), {}, 3, 150),
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, make, reset_kwargs, action_seed, steps in CASES:
        env = make()
        actions = random_workload(env.get_action_space_size(), steps, seed=action_seed)
        record = record_episode(env, actions, stop_when_done=False, **reset_kwargs)
        save_record(OUT / f"{name}.npz", record, action_seed=action_seed,
                    max_obstacles=getattr(env, "max_obstacles", None))
        print(f"{name}: {len(record['rewards'])} steps, return {np.sum(record['rewards']):.4f}")
        env.close()


if __name__ == "__main__":
    main()
