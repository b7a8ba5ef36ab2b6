#!/usr/bin/env python
"""Render the picture of each environment for the documentation site (docs/img/).

    python scripts/docs_images.py            # all of them
    python scripts/docs_images.py Arm2DEnv   # only the named envs (class names)

Every frame is drawn offscreen by :mod:`osim.render` (no display, no GPU)
through the Gymnasium face (``render_mode="rgb_array"``), at 480 x 320
pixels, after a short seeded episode prefix chosen so that the picture
shows what the env is about (obstacles, the velocity field, the arm's
target, a pose of the recording). The PNGs are small and committed; rerun
this script after a change to the renderer or to a scene, and commit the
result. The documentation pages embed them as ``img/<ClassName>.png``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
from PIL import Image

import osim  # noqa: F401  (registers the osim/... IDs)
from osim.render import Camera

IMG = Path(__file__).resolve().parents[1] / "docs" / "img"
WIDTH, HEIGHT = 480, 320


def _zero(env, info, k):
    return np.zeros(env.action_space.shape, dtype=np.float32)


def _half(env, info, k):
    return np.full(env.action_space.shape, 0.5, dtype=np.float32)


def _reflex(mode):
    from osim.control import ReflexController

    controller = ReflexController(mode=mode)

    def act(env, info, k):
        return controller.update(info["obs_dict"])

    return act


#: class name -> (Gymnasium ID, make keywords, reset keywords, steps, policy, camera keywords)
SHOTS = {
    "WalkEnv": ("osim/Walk-v0", {}, {"seed": 0}, 20, _zero, {}),
    "RunEnv": ("osim/RunCourse-v0", {"height_profile": True}, {"seed": 1}, 10, _zero,
               {"center": (1.2, 0.95), "scale": 90.0}),
    "L2RunEnv": ("osim/L2Run-v0", {}, {"seed": 0}, 25, _zero, {}),
    "ProstheticsEnv": ("osim/Prosthetics-v0", {}, {"seed": 0}, 20, _zero, {}),
    "L2M2019Env": ("osim/L2M2019-v0", {"model": "2D", "difficulty": 2}, {"seed": 3}, 150, _reflex("2D"), {}),
    "Arm2DEnv": ("osim/Arm2D-v0", {}, {"seed": 0}, 40, _half, {"scale": 260.0, "center": (0.0, 0.55)}),
    "ImitateEnv": ("osim/Imitate-v0", {}, {"seed": 0, "options": {"phase": 0.25}}, 0, _zero, {}),
}


def render(name: str) -> Path:
    env_id, make_kwargs, reset_kwargs, steps, policy, camera = SHOTS[name]
    if name == "L2M2019Env":
        from osim.env.l2m2019 import EXAMPLE_INIT_POSE

        reset_kwargs = dict(reset_kwargs, options={"init_pose": EXAMPLE_INIT_POSE})
    env = gym.make(env_id, render_mode="rgb_array", width=WIDTH, height=HEIGHT,
                   camera=Camera(**camera) if camera else None, **make_kwargs)
    try:
        _obs, info = env.reset(**reset_kwargs)
        for k in range(steps):
            _obs, _r, terminated, truncated, info = env.step(policy(env, info, k))
            if terminated or truncated:
                break
        frame = env.render()
    finally:
        env.close()
    IMG.mkdir(parents=True, exist_ok=True)
    path = IMG / f"{name}.png"
    Image.fromarray(frame).quantize(colors=128).save(path, optimize=True)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("envs", nargs="*", help=f"class names (default: all of {', '.join(SHOTS)})")
    args = parser.parse_args(argv)
    names = args.envs or list(SHOTS)
    unknown = [n for n in names if n not in SHOTS]
    if unknown:
        parser.error(f"unknown env(s) {unknown}; choose from {list(SHOTS)}")
    for name in names:
        path = render(name)
        print(f"wrote {path} ({path.stat().st_size // 1024} KiB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
