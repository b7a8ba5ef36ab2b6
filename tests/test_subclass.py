"""Changing the reward by subclassing takes a few lines (the example of docs/getting-started.md)."""
from __future__ import annotations

import numpy as np

from osim.env import L2RunEnv


class UprightRun(L2RunEnv):
    def reward_terms(self):
        terms = super().reward_terms()
        terms["upright"] = -0.1 * abs(self.sim.coordinate_value("pelvis_tilt"))
        return terms


def test_subclass_adds_a_reward_term():
    env, base = UprightRun(), L2RunEnv()
    env.reset(), base.reset()
    for _ in range(5):
        _o, r, _d, info = env.step(np.full(18, 0.2))
        _o, r0, _d, _i = base.step(np.full(18, 0.2))
    tilt = env.sim.coordinate_value("pelvis_tilt")
    assert set(info["reward_terms"]) == {"forward", "upright"}
    assert info["reward_terms"]["upright"] == -0.1 * abs(tilt) < 0
    assert r == sum(info["reward_terms"].values())
    assert r == r0 + info["reward_terms"]["upright"]  # same physics, one more term
    env.close(), base.close()


def test_subclass_can_keep_the_previous_state_description():
    class Keeps(L2RunEnv):
        keep_prev_state_desc = True

        def reward_terms(self):
            prev = self.get_prev_state_desc()["body_pos"]["pelvis"][0]
            return {"pelvis_body_dx": self.get_state_desc()["body_pos"]["pelvis"][0] - prev}

    env = Keeps()
    env.reset()
    _o, r, _d, _i = env.step(np.zeros(18))
    assert r > 0  # the pelvis moves forward on the first zero step
    env.close()


def test_report_writes_every_step_to_csv(tmp_path):
    import csv

    path = tmp_path / "run.csv"
    env = L2RunEnv(report=path)
    env.reset()
    obs = [env.step(np.full(18, 0.1 * k))[0] for k in range(3)]
    env.reset()
    env.step(np.zeros(18))
    env.close()
    with path.open() as fh:
        rows = list(csv.reader(fh))
    assert rows[0][:5] == ["episode", "step", "reward", "done", "action_0"] and len(rows[0]) == 4 + 18 + 43
    assert [r[:2] for r in rows[1:]] == [["0", "1"], ["0", "2"], ["0", "3"], ["1", "1"]]
    assert [float(v) for v in rows[3][4 + 18:]] == obs[2].tolist()
