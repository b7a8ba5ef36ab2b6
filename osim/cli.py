"""The ``osim-rl`` command: list envs, run an episode, benchmark."""
from __future__ import annotations

import json
import sys
import time
from typing import Any

import click
import numpy as np

from osim import registry


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="osim-rl")
def main() -> None:
    """osim-rl: musculoskeletal reinforcement learning environments on OpenSim."""


@main.command("list")
def list_envs() -> None:
    """List the environments with their Gymnasium IDs, models and sizes."""
    from osim.data.recordings import RecordingNotFound

    click.echo(f"{'env':<14} {'gymnasium id':<29} {'model':<22} {'obs':>5} {'act':>5} {'steps':>6}  summary")
    for env_id, entry in registry.ENVS.items():
        try:
            env = registry.make_classic_env(env_id)
        except RecordingNotFound:
            click.echo(f"{entry.class_name:<14} {env_id:<29} {entry.model:<22} {'-':>5} {'-':>5} "
                       f"{entry.time_limit:>6}  {entry.summary} (needs the recording {', '.join(entry.recordings)}: "
                       "see osim.data.recordings)")
            continue
        click.echo(f"{entry.class_name:<14} {env_id:<29} {entry.model:<22} {env.get_observation_space_size():>5} "
                   f"{env.get_action_space_size():>5} {env.spec.timestep_limit:>6}  {entry.summary}")
        env.close()


def _is_model_file(name: str) -> bool:
    return name.lower().endswith(".osim")


def _make_env(env_name: str, **kwargs):
    """A registered env by name, or the generic env of a model file (``MODEL.osim``)."""
    try:
        if _is_model_file(env_name):
            from osim.env import OsimEnv

            return OsimEnv(model_path=env_name, **kwargs)
        return registry.make_classic_env(env_name, **kwargs)
    except (ValueError, TypeError) as exc:
        raise click.BadParameter(str(exc), param_hint="ENV/--env-kwargs") from None


def _bounds(lo: float, hi: float) -> str:
    return f"[{lo:g}, {hi:g}]"


@main.command("info")
@click.argument("model_path", metavar="MODEL.osim")
def info(model_path: str) -> None:
    """Print what MODEL.osim is made of: coordinates, actuators (the action), bodies, contacts, markers.

    The actuators table is the action of ``OsimEnv(model_path=MODEL.osim)``:
    one control per ScalarActuator, bounded by its min/max control (an
    infinite bound shown as the finite default the action space uses).
    """
    from osim.sim.errors import ModelLoadError
    from osim.sim.model_parts import describe_model

    try:
        d = describe_model(model_path)
    except ModelLoadError as exc:
        raise click.BadParameter(str(exc), param_hint="MODEL.osim") from None
    st = d["state"][0]
    click.echo(f"{model_path}: {len(d['coordinates'])} coordinates (nq {st['nq']}, nu {st['nu']}), "
               f"{len(d['actuators'])} actuators, {len(d['bodies'])} bodies ({st['mass']:.3f} kg), "
               f"{len(d['contacts'])} contact geometries, {len(d['markers'])} markers")
    click.echo("\ncoordinates (observed: value, then speed)")
    click.echo(f"  {'name':<24} {'joint':<22} {'type':<14} {'range':<22} {'units':<5} {'default':>9}  flags")
    for c in d["coordinates"]:
        flags = ",".join(f for f in ("locked", "clamped", "prescribed") if c[f]) or "-"
        click.echo(f"  {c['name']:<24} {c['joint']:<22} {c['joint_type']:<14} {_bounds(c['min'], c['max']):<22} "
                   f"{c['units']:<5} {c['default']:>9.4g}  {flags}")
    click.echo("\nactuators (the action, in this order; min/max control -> action bounds)")
    if not d["actuators"]:
        click.echo("  none: the model runs passively with an empty action")
    for a in d["actuators"]:
        if a["scalar"]:
            click.echo(f"  {a['name']:<24} {a['type']:<32} control {_bounds(a['min_control'], a['max_control']):<14}"
                       f" action {_bounds(a['low'], a['high'])}")
        else:
            click.echo(f"  {a['name']:<24} {a['type']:<32} not a ScalarActuator: not driven")
    for key, title, cols in (("bodies", "bodies", ("mass",)), ("contacts", "contact geometry", ("type", "frame")),
                             ("markers", "markers", ("frame",)), ("constraints", "constraints", ("type",)),
                             ("controllers", "controllers of the model (their controls add to the action's)",
                              ("type",))):
        if not d[key]:
            continue
        click.echo(f"\n{title}")
        for row in d[key]:
            values = "  ".join(f"{row[c]:.4g}" if isinstance(row[c], float) else str(row[c]) for c in cols)
            click.echo(f"  {row['name']:<24} {values}")


def _controller(name: str, env, seed: int):
    from osim.control import make_controller

    try:
        return make_controller(name, env, seed)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--controller") from None


def _reset_kwargs(env, controller: str) -> dict:
    """The reflex controller walks from the challenge example's initial pose."""
    if controller == "reflex" or controller.startswith("reflex:"):
        from osim.env.l2m2019 import EXAMPLE_INIT_POSE

        return {"init_pose": EXAMPLE_INIT_POSE}
    return {}


def _env_kwargs_callback(_ctx, _param, value):
    try:
        return registry.parse_kwargs(value, "--env-kwargs")
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


_env_kwargs_option = click.option(
    "--env-kwargs", default=None, callback=_env_kwargs_callback, metavar="JSON",
    help='Constructor keywords of the env, e.g. \'{"model": "2D", "difficulty": 2}\'.')

_controller_option = click.option(
    "--controller", default="random", show_default=True, metavar="random|zero|reflex[:PARAMS]|reach|PATH",
    help="random: uniform excitations; zero: all muscles off; reach: Arm2DEnv's reaching controller; "
         "reflex: the 2019 reflex controller (L2M2019Env; its shipped parameters for the env's model and "
         "engine, or reflex:PARAMS for a "
         "parameter file such as scripts/optimize_reflex.py's best_params.txt); PATH: a policy saved "
         "by scripts/train.py.")


def _demo_help() -> str:
    from osim.tools.demo import DEMOS

    return "\n".join(f"  {name:<8} {demo.summary} ({demo.seconds:g} s)" for name, demo in DEMOS.items())


@main.command("demo", epilog="\b\nDemos:\n" + _demo_help())
@click.argument("name", default="walk2d", metavar="[NAME]")
@click.option("--seconds", type=click.FloatRange(min=0.01), default=None,
              help="Length of the episode in simulated seconds (default: the demo's own, 10 s for the walks).")
@click.option("--out-dir", type=click.Path(file_okay=False), default=".", show_default=True,
              help="Where the video and the pictures are written.")
@click.option("--video", "video_format", type=click.Choice(["mp4", "gif", "none"]), default="mp4",
              show_default=True, help="Video format, or none.")
@click.option("--progress/--no-progress", default=True, show_default=True)
def demo(name: str, seconds: float | None, out_dir: str, video_format: str, progress: bool) -> None:
    """Run a demo: a controller drives an env; writes a video and pictures, prints a summary.

    The default, walk2d, is the 2019 reflex controller walking the planar
    L2M2019 model for 10 s on the faithful OpenSim physics. Files written in
    --out-dir: demo_NAME.mp4 (or .gif), demo_NAME.png (a strip of frames),
    demo_NAME_plot.png (joint angles, activations, ground forces, reward).
    """
    from osim.tools.demo import DEMOS, run_demo

    if name not in DEMOS:
        raise click.BadParameter(f"unknown demo {name!r}; the demos are: {', '.join(DEMOS)}", param_hint="NAME")
    try:
        run_demo(name, out_dir, seconds=seconds, video=None if video_format == "none" else video_format,
                 progress=progress, echo=click.echo)
    except ImportError as exc:
        raise click.ClickException(f"{exc}: mp4 videos need imageio (pip install \"osim-rl[video]\"), "
                                   "or use --video gif") from None


@main.command("run")
@click.argument("env_name", metavar="ENV|MODEL.osim")
@_controller_option
@click.option("--steps", type=click.IntRange(min=1), default=None,
              help="Stop after this many steps (default: the env's time limit).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seeds the env and the random controller.")
@click.option("--record", "record_path", type=click.Path(dir_okay=False), default=None,
              help="Save the episode (.npz) for `osim-rl plot` and `osim-rl video`.")
@click.option("--progress/--no-progress", default=True, show_default=True)
@click.option("--video", "video_path", type=click.Path(dir_okay=False), default=None,
              help="Also draw the episode offscreen into this video (.gif, or .mp4 with imageio), a frame "
                   "every 2 steps.")
@_env_kwargs_option
def run(env_name: str, controller: str, steps: int | None, seed: int, record_path: str | None,
        progress: bool, video_path: str | None, env_kwargs: dict) -> None:
    """Run one episode of ENV (class name like L2RunEnv, or a Gymnasium ID) or of any MODEL.osim; print a summary.

    A model file runs in the generic env (``OsimEnv(model_path=...)``):
    ``--controller random`` draws each control uniformly within its
    actuator's bounds, ``zero`` holds 0 (clipped into the bounds).
    """
    from tqdm import tqdm

    from osim.tools.record import run_episode, save_record

    env = _make_env(env_name, **env_kwargs)
    policy = _controller(controller, env, seed)
    limit = steps or env.spec.timestep_limit
    frames: list = []

    def on_step(k: int) -> None:
        bar.update(1)
        if video_path is not None and k % 2 == 0:
            from osim.render import render_scene

            frames.append(render_scene(env.render_scene(), width=480, height=360))

    t0 = time.perf_counter()
    with tqdm(total=limit, desc=env_name, unit="step", disable=not progress, file=sys.stderr) as bar:
        record = run_episode(env, policy, limit, details=record_path is not None, progress=on_step,
                             seed=seed, **_reset_kwargs(env, controller))
    elapsed = time.perf_counter() - t0
    n, total = len(record["rewards"]), float(np.sum(record["rewards"]))
    why = "fell" if env.is_done() else ("time limit" if n >= env.spec.timestep_limit else "step budget")
    if "pelvis" in env.sim.body_names:
        where = f"pelvis x {env.sim.body_position('pelvis')[0]:.3f} m"
    else:
        com = env.sim.mass_center_position()
        where = f"mass centre ({com[0]:.3f}, {com[1]:.3f}, {com[2]:.3f}) m"
    click.echo(f"{env_name}: {n} steps ({why}), return {total:.4f}, {where}, {n / elapsed:.1f} steps/s")
    if video_path:
        from osim.render import write_video

        try:
            write_video(frames, video_path, fps=50)
        except ImportError:
            raise click.ClickException('mp4 videos need imageio: pip install "osim-rl[video]" (or write a .gif)') \
                from None
        click.echo(f"wrote {video_path} ({len(frames)} frames)")
    if record_path:
        save_record(record_path, record, controller=controller, seed=seed, env_kwargs=env_kwargs, env_name=env_name)
        click.echo(f"episode saved to {record_path}")
    env.close()


@main.command("video")
@click.argument("env_name", metavar="ENV|MODEL.osim|RECORD.npz")
@_controller_option
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default="run.mp4", show_default=True,
              help="Output file: .mp4 (or .webm, .mkv, .avi, .mov) or .gif.")
@click.option("--steps", type=click.IntRange(min=1), default=None, help="Default: the env's time limit.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--fps", type=click.IntRange(min=1), default=50, show_default=True,
              help="Frames per second of the video (the simulation runs at 100 steps/s).")
@click.option("--every", type=click.IntRange(min=1), default=2, show_default=True,
              help="Draw a frame every N steps (with --fps 50, real time).")
@click.option("--size", default="640x480", show_default=True, help="WIDTHxHEIGHT in pixels.")
@click.option("--view", type=click.Choice(["side", "front", "top"]), default="side", show_default=True)
@click.option("--bones", type=click.Choice(["auto", "sticks", "meshes"]), default="auto", show_default=True,
              help="auto: bone meshes where their files are found (see `osim-rl geometry`), else sticks.")
@click.option("--geometry-path", type=click.Path(file_okay=False), default=None,
              help="A folder of mesh files (.vtp), searched first.")
@_env_kwargs_option
def video(env_name, controller, out_path, steps, seed, fps, every, size, view, bones, geometry_path,
          env_kwargs) -> None:
    """Record a video of one episode of ENV, or replay RECORD.npz (from `osim-rl run --record`).

    Drawn offscreen (no display needed).
    """
    from tqdm import tqdm

    from osim.render import Camera, render_scene, write_video

    replaying = env_name.endswith(".npz")
    if replaying:
        from osim.tools.record import load_record

        try:
            record = load_record(env_name)
        except OSError as exc:
            raise click.BadParameter(f"cannot read {env_name}: {exc}", param_hint="RECORD.npz") from None
        env_kwargs = {**record.get("env_kwargs", {}), **env_kwargs}
        actions = record["actions"]
        reset_kwargs = {**record.get("reset_kwargs", {}), "scenario": record["scenario"]}
        reset_kwargs.pop("seed", None)
        env_name = record.get("env_name", record["env"])  # the registered ID it ran as, with its defaults
    try:
        width, height = (int(v) for v in size.lower().split("x"))
    except ValueError:
        raise click.BadParameter("expected WIDTHxHEIGHT, e.g. 640x480", param_hint="--size") from None
    env = _make_env(env_name, **env_kwargs)
    if replaying:
        policy = lambda _obs, k: actions[k]  # noqa: E731
        limit = min(steps or len(actions), len(actions))
    else:
        policy = _controller(controller, env, seed)
        limit = steps or env.spec.timestep_limit
        reset_kwargs = {"seed": seed, **_reset_kwargs(env, controller)}
    camera = Camera(view=view, bones=bones, geometry_path=geometry_path)
    done_steps = 0

    def frames():
        nonlocal done_steps
        obs = env.reset(**reset_kwargs)
        yield render_scene(env.render_scene(), camera=camera, width=width, height=height)
        with tqdm(total=limit, desc=f"video {env_name}", unit="step", file=sys.stderr) as bar:
            for k in range(limit):
                obs, _reward, done, _info = env.step(policy(obs, k))
                done_steps = k + 1
                bar.update(1)
                if (k + 1) % every == 0 or done:
                    yield render_scene(env.render_scene(), camera=camera, width=width, height=height)
                if done:
                    break

    try:
        write_video(frames(), out_path, fps=fps)
    except ImportError:
        raise click.ClickException('mp4 videos need imageio: pip install "osim-rl[video]" (or write a .gif)') from None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--out/--size") from None
    except FileNotFoundError as exc:  # --bones meshes without the files
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {out_path} ({done_steps} steps)")
    env.close()


@main.group("geometry")
def geometry_group() -> None:
    """Bone meshes for the renderer (OpenSim's standard geometry, CC BY 3.0): where they are, download."""


@geometry_group.command("where")
def geometry_where() -> None:
    """List the folders searched for mesh files and how many of the built models' meshes each has."""
    from osim import geometry

    names = list(geometry.GEOMETRY_FILES)
    for folder in geometry.search_dirs():
        found = sum((folder / n).is_file() for n in names)
        click.echo(f"{folder}  ({found} of the {len(names)} built models' meshes)")
    click.echo(f"more folders: Camera(geometry_path=...) or ${geometry.ENV_VAR} "
               f"(separated by {__import__('os').pathsep!r}); a foreign model's own folder is searched too")


@geometry_group.command("download")
@click.option("--dir", "dest", type=click.Path(file_okay=False), default=None,
              help="Where to put the files (default: the cache the renderer searches by itself).")
def geometry_download(dest: str | None) -> None:
    """Fetch the built models' bone meshes once from OpenSim's model repository (checksummed)."""
    from osim import geometry

    try:
        folder = geometry.download_geometry(dest, progress=False)
    except ImportError as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:  # network errors, a checksum mismatch (pooch's ValueError)
        raise click.ClickException(f"download failed ({type(exc).__name__}: {exc}); the files are at "
                                   f"{geometry.SOURCE}") from None
    click.echo(f"{len(geometry.GEOMETRY_FILES)} mesh files in {folder} (OpenSim's geometry, CC BY 3.0)")


@main.command("export")
@click.argument("record_path", metavar="RECORD.npz", type=click.Path(exists=True, dir_okay=False))
@click.argument("out_paths", metavar="OUT...", nargs=-1, required=True, type=click.Path(dir_okay=False))
def export(record_path: str, out_paths: tuple[str, ...]) -> None:
    """Export an episode (RECORD.npz from `osim-rl run --record`) to OpenSim's formats.

    The episode is replayed (its actions on its scenario: the same states
    bit for bit) and written to each OUT; the name picks the content:
    NAME.mot coordinates (degrees, for the OpenSim GUI), NAME.sto states
    (values, speeds, activations, fibre lengths), NAME_grf.mot ground
    reactions (force, centre of pressure, free moment).
    """
    from osim.data import MotionRecorder, export_kind
    from osim.tools.record import load_record

    for out in out_paths:
        try:
            export_kind(out)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="OUT") from None
    try:
        record = load_record(record_path)
    except (OSError, ValueError, KeyError) as exc:
        raise click.BadParameter(f"cannot read {record_path}: {exc}", param_hint="RECORD.npz") from None
    env = _make_env(record.get("env_name", record["env"]), **record.get("env_kwargs", {}))
    recorder = MotionRecorder(env)
    reset_kwargs = {**record.get("reset_kwargs", {}), "scenario": record["scenario"]}
    reset_kwargs.pop("seed", None)
    recorder.reset(**reset_kwargs)
    obs = record.get("obs")
    for k, action in enumerate(record["actions"]):
        recorder.step(action)
        if obs is not None and not np.array_equal(np.asarray(env.get_observation()), obs[k]):
            raise click.ClickException(f"the replay of {record_path} left the recorded episode at step {k + 1}: "
                                       "was it recorded with another osim-rl or OpenSim version?")
    for out in out_paths:
        try:
            written = recorder.export(out)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"wrote {written} ({export_kind(out)}, {len(record['actions'])} steps)")
    env.close()


@main.command("plot")
@click.argument("record_path", metavar="RECORD.npz", type=click.Path(exists=True, dir_okay=False))
@click.option("--out", "out_path", type=click.Path(dir_okay=False), default=None,
              help="Image file (.png, .pdf, .svg); default: next to the record, .png.")
def plot(record_path: str, out_path: str | None) -> None:
    """Plot a recorded episode (from `osim-rl run --record`): joints, activations, forces, path, rewards.

    An imitation episode also gets NAME_tracking.png: reference vs simulated
    angles over the gait cycle and the tracking error over time.
    """
    try:
        from osim.tools.plot import plot_episode
    except ImportError:
        raise click.ClickException('plot needs matplotlib: pip install "osim-rl[video]"') from None
    from osim.tools.record import load_record

    out_path = out_path or str(record_path).rsplit(".", 1)[0] + ".png"
    record = load_record(record_path)
    plot_episode(record, path=out_path)
    click.echo(f"wrote {out_path}")
    if "tracking" in record:  # an imitation episode: its angles over the gait cycle against the reference
        from osim.tools.plot import plot_imitation

        env = _make_env(record.get("env_name", record["env"]), **record.get("env_kwargs", {}))
        stem, suffix = out_path.rsplit(".", 1)
        tracking_path = f"{stem}_tracking.{suffix}"
        plot_imitation(record, env.reference, path=tracking_path)
        env.close()
        click.echo(f"wrote {tracking_path}")


def _is_class(name: str, class_name: str) -> bool:
    """Whether ``name`` is registered for the classic class ``class_name`` (False for unknown names)."""
    try:
        return registry.lookup(name)[1].class_name == class_name
    except ValueError:
        return False


@main.command("bench")
@click.argument("env_names", metavar="[ENV]...", nargs=-1)
@click.option("--steps", type=click.IntRange(min=10), default=1000, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--repeats", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--workload", type=click.Choice(["random", "walk", "all"]), default="all", show_default=True,
              help="random excitations (every env) and/or the reflex controller walking (L2M2019Env, planar).")
@click.option("--fast", is_flag=True, help="Benchmark the envs in fast mode (fast=True) instead of faithful.")
@click.option("--compare", "compare_steps", type=click.IntRange(min=0), default=0, show_default=True,
              help="Also compare faithful and fast mode on L2M2019Env (3D random, planar walk) over this many steps: "
                   "speedup and pelvis drift after 1 s and 5 s.")
@click.option("--mujoco", "with_mujoco", is_flag=True,
              help="With --compare: also run L2M2019Env on the MuJoCo engine (engine='mujoco', docs/mujoco.md), "
                   "interleaved with the OpenSim modes.")
@click.option("--memory", "memory_resets", type=click.IntRange(min=0), default=0, show_default=True,
              help="Also measure RSS growth over this many resets and 100 times as many steps "
                   "(L2RunEnv; faithful, or fast mode with --fast).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None,
              help="Also write the results to this JSON file.")
def bench(env_names: tuple[str, ...], steps: int, seed: int, repeats: int, workload: str, fast: bool,
          compare_steps: int, memory_resets: int, json_path: str | None, with_mujoco: bool = False) -> None:
    """Steps/s of each env next to bare OpenSim integration of the same trajectory."""
    from dataclasses import asdict

    from osim.tools.bench import bench_env, compare_modes, memory_growth

    # the mode as env constructor keywords, as compare_modes takes them
    mode = {"fast": True} if fast else {}
    # one name per class (osim/RunCourse-v0 is RunEnv at difficulty 3: name its ID to bench it)
    names = list(env_names) or list(registry.class_names())
    results, extra = [], {}
    click.echo(f"{'env':<14} {'workload':<8} {'mode':<9} {'env steps/s':>11} {'bare steps/s':>12} {'ratio':>6} "
               f"{'integrate':>9} {'reset ms':>8} {'same':>5}")
    for name in names:
        workloads = ["random", "walk"] if workload == "all" else [workload]
        for w in workloads:
            if w == "walk" and not _is_class(name, "L2M2019Env"):
                if workload == "walk":
                    raise click.BadParameter(f"the walk workload needs L2M2019Env, not {name}", param_hint="ENV")
                continue
            try:
                r = bench_env(name, steps=steps, seed=seed, repeats=repeats, workload=w, **mode)
            except ValueError as exc:
                raise click.BadParameter(str(exc), param_hint="ENV") from None
            results.append(r)
            click.echo(f"{r.env:<14} {r.workload:<8} {r.integration[:9]:<9} {r.env_steps_per_s:>11.1f} "
                       f"{r.bare_steps_per_s:>12.1f} {r.ratio:>6.3f} {r.integrate_fraction:>9.3f} "
                       f"{r.reset_ms:>8.2f} {str(r.same_trajectory):>5}")
    if compare_steps:
        extra["compare"] = {}
        # random excitations make the model fall within ~1 s: drift before that
        for label, w, kwargs, at in (("L2M2019Env 3D random", "random", {"model": "3D"}, (0.5, 0.9)),
                                     ("L2M2019Env 2D walk", "walk", {}, (1.0, 5.0))):
            modes = {"faithful": {}, "fast": {"fast": True}}
            if with_mujoco:
                modes["mujoco"] = {"engine": "mujoco"}
            rows = compare_modes("L2M2019Env", modes=modes, workload=w, steps=compare_steps, seed=seed,
                                 drift_at=at, **kwargs)
            extra["compare"][label] = [asdict(m) for m in rows]
            click.echo(f"\n{label}: {'mode':<9} {'steps/s':>8} {'speedup':>8} {'1st ep':>6} {'eps':>4} "
                       + " ".join(f"{'drift ' + k:>12}" for k in rows[0].pelvis_drift_mm))
            for m in rows:
                click.echo(f"{'':<{len(label) + 1}} {m.mode:<9} {m.steps_per_s:>8.1f} {m.speedup:>8.2f} "
                           f"{m.first_episode_steps:>6} {m.episodes:>4} "
                           + " ".join(f"{v:>9.2f} mm" for v in m.pelvis_drift_mm.values()))
    if memory_resets:
        m = memory_growth("L2RunEnv", resets=memory_resets, steps=100 * memory_resets, seed=seed, **mode)
        extra["memory"] = asdict(m)
        click.echo(f"\nmemory: {m.env} ({m.integration}) {m.resets} resets, {m.steps} steps: "
                   f"RSS {m.rss_start_mb:.1f} -> {m.rss_end_mb:.1f} MB ({m.growth_mb:+.2f} MB) in {m.seconds:.0f} s")
    if json_path:
        payload: Any = [asdict(r) for r in results]
        if extra:
            payload = {"envs": payload, **extra}
        with open(json_path, "w") as fh:
            json.dump(payload, fh, indent=2)


@main.command("evaluate")
@click.argument("policy_path", metavar="POLICY.zip", type=click.Path(exists=True, dir_okay=False))
@click.option("--env", "env_id", default=None, help="Gymnasium ID (default: the one the policy was trained on).")
@click.option("--episodes", type=click.IntRange(min=1), default=10, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Episode i is reset with seed + i.")
@_env_kwargs_option
def evaluate_cmd(policy_path: str, env_id: str | None, episodes: int, seed: int, env_kwargs: dict) -> None:
    """Mean return, episode length and distance of a policy saved by scripts/train.py."""
    try:
        from osim.training.train import evaluate_policy_file
    except ImportError:
        raise click.ClickException('evaluating policies needs stable-baselines3: pip install "osim-rl[train]"') from None
    try:
        r = evaluate_policy_file(policy_path, env_id, episodes=episodes, seed=seed, env_kwargs=env_kwargs or None)
    except (ValueError, ImportError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(r, indent=2, default=str))


@main.command("serve")
@click.option("--config", "config_path", required=True, type=click.Path(exists=True, dir_okay=False),
              help="The evaluation config (TOML); start from osim/http/eval.example.toml.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, type=click.IntRange(1, 65535), show_default=True)
def serve_cmd(config_path: str, host: str, port: int) -> None:
    """Run the remote evaluation server (the challenges' grader protocol)."""
    try:
        from osim.http import serve
        from osim.http.config import load_config
    except ImportError:
        raise click.ClickException('the server needs FastAPI and uvicorn: pip install "osim-rl[server]"') from None
    try:
        load_config(config_path)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--config") from None
    serve(config_path, host=host, port=port)


if __name__ == "__main__":
    main()
