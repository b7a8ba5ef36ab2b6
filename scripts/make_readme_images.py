#!/usr/bin/env python
"""Make the pictures of the README (docs/): a rendered frame and an episode plot.

    python scripts/make_readme_images.py

The planar L2M2019Env walks under the reflex controller from the challenge
example's initial pose; the frame is drawn offscreen at t = 1.5 s.
"""
from pathlib import Path

from PIL import Image

from osim.control import ReflexController
from osim.env import L2M2019Env
from osim.env.l2m2019 import EXAMPLE_INIT_POSE
from osim.tools.plot import plot_episode
from osim.tools.record import run_episode
from osim.render import render_scene

DOCS = Path(__file__).resolve().parents[1] / "docs"


def main() -> None:
    DOCS.mkdir(exist_ok=True)
    env = L2M2019Env(model="2D", difficulty=2)
    controller = ReflexController(mode="2D")
    frame = {}

    def act(obs, k):
        if k == 150:
            frame["image"] = render_scene(env.render_scene())
        return controller.update(obs)

    record = run_episode(env, act, 300, seed=3, init_pose=EXAMPLE_INIT_POSE)
    Image.fromarray(frame["image"]).save(DOCS / "l2m2019_frame.png", optimize=True)
    plot_episode(record, DOCS / "l2m2019_episode.png")
    print(f"wrote {DOCS / 'l2m2019_frame.png'} and {DOCS / 'l2m2019_episode.png'}")


if __name__ == "__main__":
    main()
