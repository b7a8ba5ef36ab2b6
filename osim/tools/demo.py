"""Demos: a controller drives a challenge env, and the episode is written as a video and pictures.

``osim-rl demo`` (the README's first command) runs :data:`DEMOS` ``["walk2d"]``:
the 2019 reflex controller walking the planar L2M2019 model for 10 s on the
faithful OpenSim physics. Every demo writes, in ``out_dir``:

* ``demo_NAME.mp4`` (or ``.gif``): the episode drawn offscreen, a frame every
  2 steps, played at 50 fps (half speed);
* ``demo_NAME.png``: a strip of frames spread over the episode, each labelled
  with its time;
* ``demo_NAME_plot.png``: joint angles, muscle activations, ground reaction
  forces, the pelvis path and the reward terms (:func:`osim.tools.plot.plot_episode`);

and returns a summary (steps, seconds simulated, distance, mean speed,
return). ``python -m osim.tools.demo`` is the same as ``osim-rl demo``.
"""
from __future__ import annotations

import dataclasses
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

__all__ = ["Demo", "DEMOS", "run_demo", "frame_strip"]


@dataclasses.dataclass(frozen=True)
class Demo:
    """One demo: the env (a registered name and keywords) and the controller that drives it."""

    env: str
    env_kwargs: dict
    controller: str
    summary: str
    seconds: float = 10.0
    #: a fixed camera: pixels per metre and the point (x, y, m) at the picture's centre (None: follow the body)
    scale: float | None = None
    center: tuple[float, float] | None = None
    #: the episode's seed (the arm's: a target within reach)
    seed: int = 0


DEMOS: dict[str, Demo] = {
    "walk2d": Demo("L2M2019Env", {"model": "2D", "difficulty": 0}, "reflex",
                   "the 2019 reflex controller walks the planar L2M2019 model (faithful physics)"),
    "walk3d": Demo("L2M2019Env", {"model": "3D", "difficulty": 0}, "reflex",
                   "the reflex controller's shipped 3D parameters walk the 3D L2M2019 model"),
    "walk2d-mujoco": Demo("L2M2019Env", {"model": "2D", "difficulty": 0, "engine": "mujoco"}, "reflex",
                          "the reflex controller, re-optimised for the MuJoCo twin, walks it (not OpenSim's physics)"),
    "course": Demo("RunCourse-v0", {}, "random",
                   "the full 2017 obstacle course (platforms, friction, obstacles) under random excitations",
                   seconds=5.0),
    "arm": Demo("Arm2D-v0", {"obs_as_dict": False}, "reach",
                "Arm2DEnv: a joint-space reaching controller moves the wrist onto the target",
                seconds=2.0, scale=380.0, center=(0.15, 0.5), seed=7),
}


def frame_strip(frames: list[np.ndarray], labels: list[str] | None = None, gap: int = 4) -> np.ndarray:
    """Frames side by side (``(H, W, 3)`` uint8 each, all one size), with a caption under each if ``labels``."""
    from osim.render import _put_text

    if not frames:
        raise ValueError("frame_strip needs at least one frame")
    if labels is not None and len(labels) != len(frames):
        raise ValueError(f"{len(labels)} labels for {len(frames)} frames")
    h, w, _ = frames[0].shape
    caption = max(16, h // 12) if labels else 0
    out = np.full((h + caption, len(frames) * (w + gap) - gap, 3), 255, dtype=np.uint8)
    for k, frame in enumerate(frames):
        if frame.shape != (h, w, 3):
            raise ValueError(f"frame {k} has shape {frame.shape}, the first {(h, w, 3)}")
        x = k * (w + gap)
        out[:h, x:x + w] = frame
        if labels:
            _put_text(out, x + 6, h + 2, labels[k], size=caption - 4)
    return out


def run_demo(name: str = "walk2d", out_dir: str | Path = ".", *, seconds: float | None = None,
             video: str | None = "mp4", size: tuple[int, int] = (480, 360), strip_frames: int = 6,
             seed: int | None = None, progress: bool = True, echo: Callable[[str], Any] = print) -> dict:
    """Run the demo ``name`` (a key of :data:`DEMOS`) and write its video and pictures into ``out_dir``.

    ``seconds`` shortens or lengthens the episode (default: the demo's own,
    10 s for the walks); ``video`` is ``"mp4"``, ``"gif"`` or ``None`` (no
    video); ``seed`` replaces the demo's episode seed. Returns the summary
    with the paths written under ``"files"``.
    """
    from tqdm import tqdm

    from osim import registry
    from osim.control import make_controller
    from osim.render import Camera, render_scene, write_video
    from osim.tools.plot import plot_episode
    from osim.tools.record import run_episode

    if name not in DEMOS:
        raise ValueError(f"unknown demo {name!r}; the demos are {', '.join(DEMOS)}")
    if video not in ("mp4", "gif", None):
        raise ValueError(f"video must be 'mp4', 'gif' or None, got {video!r}")
    if seconds is not None and not (isinstance(seconds, (int, float)) and np.isfinite(seconds) and seconds > 0):
        raise ValueError(f"seconds must be a positive number, got {seconds!r}")
    demo = DEMOS[name]
    seed = demo.seed if seed is None else int(seed)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    env = registry.make_classic_env(demo.env, **demo.env_kwargs)
    policy = make_controller(demo.controller, env, seed)
    steps = max(1, int(round((demo.seconds if seconds is None else seconds) / env.sim.step_size)))
    reset_kwargs: dict = {"seed": seed}
    if demo.controller == "reflex":
        from osim.env.l2m2019 import EXAMPLE_INIT_POSE

        reset_kwargs["init_pose"] = EXAMPLE_INIT_POSE
    camera = Camera(scale=demo.scale, center=demo.center, follow=demo.center is None)
    frames: list[np.ndarray] = []
    width, height = size

    def draw() -> None:
        frames.append(render_scene(env.render_scene(), camera=camera, width=width, height=height))

    def on_step(k: int) -> None:
        bar.update(1)
        if k % 2 == 0:
            draw()

    t0 = time.perf_counter()
    with tqdm(total=steps, desc=f"demo {name}", unit="step", disable=not progress) as bar:
        start: list[float] = []

        def policy_with_first_frame(obs, k):
            if k == 0:  # right after the reset: the first frame and where the pelvis starts
                draw()
                if "pelvis" in env.sim.body_names:
                    start.append(float(env.sim.body_position("pelvis")[0]))
            return policy(obs, k)

        record = run_episode(env, policy_with_first_frame, steps, progress=on_step, **reset_kwargs)
    wall = time.perf_counter() - t0
    n = len(record["rewards"])
    fell = bool(record["dones"][-1]) and n < env.spec.timestep_limit
    summary: dict[str, Any] = {
        "demo": name, "env": demo.env, "controller": demo.controller, "steps": n,
        "simulated_seconds": n * env.sim.step_size, "return": float(np.sum(record["rewards"])),
        "ended": "fell" if fell else ("time limit" if n >= env.spec.timestep_limit else "demo length"),
        "steps_per_second": n / wall, "files": {},
    }
    if start:
        distance = float(record["pelvis"][-1][0]) - start[0]
        summary["distance"] = distance
        summary["speed"] = distance / summary["simulated_seconds"]
    if demo.env.startswith("Arm2D"):
        wrist = env.sim.marker_position("r_radius_styloid")[:2]
        summary["target_distance"] = float(np.hypot(*(wrist - np.asarray(env.scenario["target"]))))
    stem = out_dir / f"demo_{name}"
    if video is not None:
        summary["files"]["video"] = write_video(frames, stem.with_suffix(f".{video}"), fps=50)
    picks = np.linspace(0, len(frames) - 1, min(strip_frames, len(frames))).round().astype(int)
    strip = frame_strip([frames[i] for i in picks], [f"{min(i * 2, n) * env.sim.step_size:.1f} s" for i in picks])
    from PIL import Image

    strip_path = stem.with_suffix(".png")
    Image.fromarray(strip).save(strip_path)
    summary["files"]["strip"] = strip_path
    summary["files"]["plot"] = stem.parent / f"{stem.name}_plot.png"
    plot_episode(record, summary["files"]["plot"], title=f"osim-rl demo {name}: {demo.summary}")
    env.close()
    echo(format_summary(summary))
    return summary


def format_summary(summary: dict) -> str:
    """The demo's summary as lines of text."""
    lines = [f"{summary['demo']}: {summary['env']} driven by {summary['controller']}: {summary['steps']} steps "
             f"({summary['simulated_seconds']:.2f} s simulated, ended by {summary['ended']}), "
             f"{summary['steps_per_second']:.0f} steps/s with the drawing"]
    if "distance" in summary:
        lines.append(f"  distance {summary['distance']:.2f} m, mean speed {summary['speed']:.2f} m/s, "
                     f"score (return) {summary['return']:.1f}")
    elif "target_distance" in summary:
        lines.append(f"  wrist {100 * summary['target_distance']:.1f} cm from the target at the end, "
                     f"score (return) {summary['return']:.2f}")
    else:
        lines.append(f"  score (return) {summary['return']:.2f}")
    for kind, path in summary["files"].items():
        lines.append(f"  wrote {path} ({kind})")
    return "\n".join(lines)


if __name__ == "__main__":  # pragma: no cover
    run_demo()
