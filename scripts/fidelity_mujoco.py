#!/usr/bin/env python
"""Fidelity of the MuJoCo twin against OpenSim (docs/mujoco.md prints what this measures).

    python scripts/fidelity_mujoco.py [--model gait14dof22musc] [--golden ../shared/reference/golden]

1. Muscle paths: per muscle and coordinate it spans, the musculotendon
   length and the moment arm over the coordinate's range (its ligament
   limits where it has them; the other coordinates at their defaults),
   RMS and max error of the MuJoCo twin against OpenSim.
2. Passive drop: from L2M2019Env's standing pose (pelvis 0.94 m), every
   excitation 0.05 for 0.5 s: pelvis height at 0.5 s and the peak vertical
   ground force on both engines.
3. Golden replay: the first 0.5 s (50 steps) of the recorded L2M2019Env
   trajectory's actions on both engines: joint-angle RMS against the
   recording, pelvis drift at 0.5 s (skipped when the reference folder is
   absent).
4. Speed: L2M2019Env 3D with random excitations, steps/s on both engines
   (one process, interleaved).
"""
from __future__ import annotations

import argparse
import json
import math
import time
import warnings
from pathlib import Path

import numpy as np

warnings.simplefilter("ignore")

from osim.models import model_path, model_spec  # noqa: E402
from osim.models import spec as S  # noqa: E402
from osim.sim import OpenSimPhysics  # noqa: E402
from osim.sim.mujoco_physics import MuJoCoPhysics  # noqa: E402

SWEEP = 41


def sweep_range(name: str, coordinate: str) -> tuple[float, float]:
    """The coordinate's range, narrowed to its ligament limits where it has them."""
    sp = model_spec(name)
    c = {c.name: c for c in sp.coordinates}[coordinate]
    lo, hi = c.range
    for f in sp.forces:
        if isinstance(f, S.CoordinateLimit) and f.coordinate == coordinate:
            lo, hi = max(lo, math.radians(f.lower_limit)), min(hi, math.radians(f.upper_limit))
    return lo, hi


def muscle_paths(name: str, coordinates=("hip_flexion_r", "hip_adduction_r", "knee_angle_r", "ankle_angle_r")):
    """Rows (muscle, coordinate, len RMS mm, len max mm, len max %, arm RMS mm, arm max mm, OpenSim arm range)."""
    o = OpenSimPhysics(model_path(name))
    mj = MuJoCoPhysics(model_path(name))
    rows = []
    h = 1e-6
    for coordinate in coordinates:
        lo, hi = sweep_range(name, coordinate)
        values = np.linspace(lo, hi, SWEEP)
        len_o, len_m, arm_o, arm_m = [], [], [], []
        for v in values:
            s = o.model.initializeState()
            o._coords[coordinate].setValue(s, float(v), False)
            o.model.realizeVelocity(s)
            len_o.append([mu.getLength(s) for mu in o._muscles])
            arm_o.append([mu.computeMomentArm(s, o._coords[coordinate]) for mu in o._muscles])
            mj.reset(coordinates={coordinate: v})
            len_m.append(mj.muscle_lengths())
            mj.reset(coordinates={coordinate: v + h})
            up = mj.muscle_lengths()
            mj.reset(coordinates={coordinate: v - h})
            arm_m.append(-(up - mj.muscle_lengths()) / (2 * h))
        len_o, len_m, arm_o, arm_m = map(np.array, (len_o, len_m, arm_o, arm_m))
        for k, muscle in enumerate(o.muscle_names):
            if np.max(np.abs(arm_o[:, k])) < 1e-4:
                continue  # the muscle does not span this coordinate
            dl = len_m[:, k] - len_o[:, k]
            da = arm_m[:, k] - arm_o[:, k]
            rows.append((muscle, coordinate, 1e3 * np.sqrt(np.mean(dl ** 2)), 1e3 * np.max(np.abs(dl)),
                         100 * np.max(np.abs(dl) / len_o[:, k]), 1e3 * np.sqrt(np.mean(da ** 2)),
                         1e3 * np.max(np.abs(da)), 1e3 * np.min(arm_o[:, k]), 1e3 * np.max(arm_o[:, k])))
    o.close()
    mj.close()
    return rows


def passive_drop(name: str, steps: int = 50):
    """From the model's default pose with L2M2019Env's pelvis height (gait14dof) or its own (gait9dof)."""
    out = {}
    for engine, cls in (("opensim", OpenSimPhysics), ("mujoco", MuJoCoPhysics)):
        p = cls(model_path(name))
        p.reset(coordinates={"pelvis_ty": 0.94} if name.startswith("gait14dof") else None)
        p.set_excitations(np.full(p.n_actuators, 0.05))

        feet = [f for f in ("foot_r", "pros_foot_r", "foot_l") if f in p.force_names]

        def vertical():
            return -sum(p.force_record(f)[1] for f in feet)

        heights, peak = [p.body_position("pelvis")[1]], vertical()
        for _ in range(steps):
            p.step()
            heights.append(p.body_position("pelvis")[1])
            peak = max(peak, vertical())
        out[engine] = {"pelvis_height": np.array(heights), "peak_vertical_grf": peak}
        p.close()
    return out


def golden_replay(golden: Path, steps: int = 50):
    from osim.env import L2M2019Env, L2RunEnv, ProstheticsEnv
    from osim.env.arm import Arm2DEnv

    z = np.load(golden)
    meta = json.loads(str(z["meta"]))
    actions = z["actions"][:steps]
    coords = None
    out = {}
    l2m = meta["env"] == "L2M2019Env"
    prefix = "desc/state_desc/" if l2m else "desc/"
    for engine in ("opensim", "mujoco"):
        if l2m:
            env = L2M2019Env(engine=engine, model=meta["model"], difficulty=meta["ctor"]["difficulty"],
                             obs_as_dict=False)
            env.reset(seed=meta["reset"]["seed"])
            locked = env._locked
        elif meta["env"] == "ProstheticsEnv":
            env = ProstheticsEnv(engine=engine, **meta["ctor"])
            env.reset(seed=meta["reset"]["seed"])
            locked = {"lumbar_extension", "hip_rotation_r", "hip_rotation_l"}
        elif meta["env"] == "Arm2DEnv":
            env = Arm2DEnv(engine=engine, obs_as_dict=False)
            env.reset(scenario={"target": [float(v) for v in z["obs"][0, 0:2]]})
            locked = {"rz", "tx", "ty"}
        else:
            env = L2RunEnv(engine=engine)
            env.reset()
            locked = {"lumbar_extension"}
        names = env.sim.coordinate_names
        free = [c for c in names if c not in locked]
        qs, pelvis = [], []
        for a in actions:
            env.step(a)
            q = env.sim.q()
            qs.append([q[names.index(c)] for c in free])
            pelvis.append(env.sim.body_position("pelvis" if "pelvis" in env.sim.body_names
                                                else "r_ulna_radius_hand"))
        out[engine] = (np.array(qs), np.array(pelvis))
        coords = free
        env.close()
    # the recording: joint_pos per joint, in the same coordinate order
    joint_of = {}
    sp = model_spec({"3D": "gait14dof22musc", "2D": "gait14dof22musc_planar"}[meta["model"]] if l2m
                    else {"ProstheticsEnv": "gait14dof22musc_pros", "Arm2DEnv": "arm2dof6musc"}.get(meta["env"],
                                                                                                   "gait9dof18musc"))
    for j in sp.joints:
        for i, c in enumerate(j.coordinates):
            joint_of[c.name] = (j.name, i)
    rec = np.stack([z[f"{prefix}joint_pos/{joint_of[c][0]}"][:steps, joint_of[c][1]] for c in coords], 1)
    root = "pelvis" if f"{prefix}body_pos/pelvis" in z.files else "r_ulna_radius_hand"
    rec_pelvis = z[f"{prefix}body_pos/{root}"][:steps]
    angles = [k for k, c in enumerate(coords) if not c.endswith(("_tx", "_ty", "_tz"))]
    result = {}
    for engine, (qs, pelvis) in out.items():
        err = qs[:, angles] - rec[:, angles]
        result[engine] = {
            "joint_angle_rms_deg": float(np.degrees(np.sqrt(np.mean(err ** 2)))),
            "per_coordinate_rms_deg": {coords[k]: float(np.degrees(np.sqrt(np.mean(err[:, i] ** 2))))
                                       for i, k in enumerate(angles)},
            "pelvis_drift_m": float(np.linalg.norm(pelvis[-1] - rec_pelvis[-1])),
        }
    return result


def speed(steps: int = 2000, rounds: int = 2):
    from osim.env import L2M2019Env

    rng = np.random.default_rng(0)
    actions = rng.uniform(0, 1, (steps, 22))
    envs = {e: L2M2019Env(engine=e, difficulty=2, seed=0, obs_as_dict=False) for e in ("opensim", "mujoco")}
    best = {e: 0.0 for e in envs}
    for _ in range(rounds):  # interleaved
        for e, env in envs.items():
            n = steps if e == "mujoco" else steps // 10
            env.reset(seed=0)
            t0 = time.perf_counter()
            for a in actions[:n]:
                _, _, done, _ = env.step(a)
                if done:
                    env.reset()
            best[e] = max(best[e], n / (time.perf_counter() - t0))
    for env in envs.values():
        env.close()
    return best


#: the envs of the speed table: (label, class path, constructor keywords)
SPEED_ENVS = (
    ("L2M2019Env 3D", "osim.env:L2M2019Env", {"difficulty": 2, "obs_as_dict": False}),
    ("L2RunEnv", "osim.env:L2RunEnv", {}),
    ("RunEnv d2", "osim.env:RunEnv", {"difficulty": 2}),
    ("WalkEnv", "osim.env:WalkEnv", {}),
    ("ProstheticsEnv 3D", "osim.env:ProstheticsEnv", {"difficulty": 0}),
    ("Arm2DEnv", "osim.env.arm:Arm2DEnv", {"obs_as_dict": False}),
)


def speed_table(steps: int = 1000, rounds: int = 2, hold: int = 5):
    """Steps/s of each env on both engines: random actions, each held ``hold`` steps, episodes restarted
    when they end; the engines interleaved per round, the best round kept (OpenSim runs a tenth of
    the steps)."""
    import importlib

    rows = []
    for label, path, kwargs in SPEED_ENVS:
        module, name = path.split(":")
        cls = getattr(importlib.import_module(module), name)
        envs = {e: cls(engine=e, **kwargs) for e in ("opensim", "mujoco")}
        n_act = envs["mujoco"].action_space.shape[0]
        actions = np.repeat(np.random.default_rng(0).uniform(0, 1, (steps // hold + 1, n_act)), hold, axis=0)
        best = {e: 0.0 for e in envs}
        for _ in range(rounds):
            for e, env in envs.items():
                n = steps if e == "mujoco" else max(steps // 10, 20)
                env.reset(seed=0)
                t0 = time.perf_counter()
                for a in actions[:n]:
                    done = env.step(a)[2]
                    if done:
                        env.reset()
                best[e] = max(best[e], n / (time.perf_counter() - t0))
        for env in envs.values():
            env.close()
        rows.append((label, best["opensim"], best["mujoco"]))
    return rows


def thread_table(num_envs: int = 4, steps: int = 300, rounds: int = 3, env_id: str = "osim/L2M2019-v0"):
    """Env steps/s of ``num_envs`` MuJoCo envs in one process: gymnasium's SyncVectorEnv against
    :class:`~osim.training.vector.ThreadedVectorEnv` with 1, 2 and 4 threads (interleaved rounds, best)."""
    import gymnasium as gym

    import osim  # noqa: F401
    from osim.training.vector import ThreadedVectorEnv

    def make():
        return gym.make(env_id, engine="mujoco")

    variants = {"SyncVectorEnv": lambda: gym.vector.SyncVectorEnv([make] * num_envs)}
    for t in (1, 2, 4):
        variants[f"ThreadedVectorEnv, {t} thread{'s' if t > 1 else ''}"] = (
            lambda t=t: ThreadedVectorEnv([make] * num_envs, threads=t))
    envs = {k: f() for k, f in variants.items()}
    n_act = envs["SyncVectorEnv"].single_action_space.shape[0]
    actions = np.random.default_rng(0).uniform(0, 1, (steps, num_envs, n_act)).astype(np.float32)
    best = {k: 0.0 for k in envs}
    for _ in range(rounds):
        for k, venv in envs.items():
            venv.reset(seed=list(range(num_envs)))
            t0 = time.perf_counter()
            for a in actions:
                venv.step(a)
            best[k] = max(best[k], steps * num_envs / (time.perf_counter() - t0))
    for venv in envs.values():
        venv.close()
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="gait14dof22musc")
    parser.add_argument("--golden", default=str(Path(__file__).resolve().parents[1] / ".." / "shared" / "reference"
                                                / "golden"))
    parser.add_argument("--no-speed", action="store_true")
    parser.add_argument("--speed-envs", action="store_true", help="only the speed table of every env with a twin")
    parser.add_argument("--threads", action="store_true", help="only the vector-env throughput against threads")
    args = parser.parse_args()
    if args.threads:
        print("| vector env (4 x L2M2019Env 3D, engine='mujoco') | env steps/s |")
        print("|---|---|")
        for k, v in thread_table().items():
            print(f"| {k} | {v:.0f} |")
        return
    if args.speed_envs:
        print("| env | OpenSim faithful (steps/s) | MuJoCo (steps/s) | ratio |")
        print("|---|---|---|---|")
        for label, o, m in speed_table():
            print(f"| {label} | {o:.0f} | {m:.0f} | {m / o:.0f}x |")
        return

    print(f"## Muscle paths ({args.model}; right leg; other coordinates at their defaults)\n")
    print("| muscle | coordinate | length RMS (mm) | length max (mm) | length max (%) | moment arm RMS (mm) "
          "| moment arm max (mm) | OpenSim moment arm range (mm) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in muscle_paths(args.model):
        print(f"| {r[0]} | {r[1]} | {r[2]:.2f} | {r[3]:.2f} | {r[4]:.2f} | {r[5]:.2f} | {r[6]:.2f} "
              f"| {r[7]:.1f} .. {r[8]:.1f} |")

    print("\n## Passive drop from the standing pose (excitations 0.05, 0.5 s)\n")
    print("| model | engine | pelvis height at 0 s (m) | at 0.25 s | at 0.5 s | peak vertical GRF (N) "
          "| pelvis RMS difference (mm) |")
    print("|---|---|---|---|---|---|---|")
    for name in (args.model, "gait9dof18musc", "gait14dof22musc_pros", "gait14dof22musc_planar_pros"):
        drop = passive_drop(name)
        err = drop["mujoco"]["pelvis_height"] - drop["opensim"]["pelvis_height"]
        for engine, d in drop.items():
            y = d["pelvis_height"]
            rms = f"{1e3 * np.sqrt(np.mean(err ** 2)):.1f}" if engine == "mujoco" else "-"
            print(f"| {name} | {engine} | {y[0]:.4f} | {y[25]:.4f} | {y[50]:.4f} | {d['peak_vertical_grf']:.0f} "
                  f"| {rms} |")

    golden_dir = Path(args.golden)
    print("\n## Golden actions replayed (first 0.5 s)\n")
    if not golden_dir.is_dir():
        print(f"skipped: {golden_dir} is absent")
    else:
        print("| file | engine | joint-angle RMS vs recording (deg) | pelvis drift at 0.5 s (m) | worst coordinate |")
        print("|---|---|---|---|---|")
        for f in ("L2M2019Env_3D_d2_s11.npz", "L2M2019Env_3D_d2_s12.npz", "L2M2019Env_2D_d2_s11.npz",
                  "L2RunEnv_random_s12.npz", "ProstheticsEnv_d0_s11.npz", "ProstheticsEnv_d1_s12.npz",
                  "Arm2DEnv_s11.npz", "Arm2DEnv_s12.npz"):
            if not (golden_dir / f).is_file():
                continue
            res = golden_replay(golden_dir / f)
            for engine, r in res.items():
                worst = max(r["per_coordinate_rms_deg"].items(), key=lambda kv: kv[1])
                print(f"| {f} | {engine} | {r['joint_angle_rms_deg']:.3f} | {r['pelvis_drift_m']:.4f} "
                      f"| {worst[0]} {worst[1]:.2f} |")

    if not args.no_speed:
        sp = speed()
        print("\n## Speed (L2M2019Env 3D, random excitations, one process, interleaved)\n")
        print("| engine | steps/s |")
        print("|---|---|")
        for engine, v in sp.items():
            print(f"| {engine} | {v:.0f} |")
        print(f"\nMuJoCo / OpenSim faithful: {sp['mujoco'] / sp['opensim']:.1f}x; "
              f"against the original's 35 steps/s: {sp['mujoco'] / 35:.1f}x")


if __name__ == "__main__":
    main()
