"""The ``osim-rl`` command: list envs, run an episode, benchmark."""
from __future__ import annotations

import json
import sys
import time

import click
import numpy as np

from osim.registration import ENVS

CONTROLLERS = ("random", "zero")


def _env_names() -> list[str]:
    return [target.partition(":")[2] for target, _l, _d in ENVS.values()]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="osim-rl")
def main() -> None:
    """osim-rl: musculoskeletal reinforcement learning environments on OpenSim."""


@main.command("list")
def list_envs() -> None:
    """List the environments with their Gymnasium IDs and sizes."""
    from osim.bench import make_classic_env

    click.echo(f"{'env':<14} {'gymnasium id':<20} {'obs':>5} {'act':>5} {'steps':>6}")
    for env_id, (target, limit, _d) in ENVS.items():
        env = make_classic_env(env_id)
        name = target.partition(":")[2]
        click.echo(f"{name:<14} {env_id:<20} {env.get_observation_space_size():>5} "
                   f"{env.get_action_space_size():>5} {limit:>6}")
        env.close()


@main.command("run")
@click.argument("env_name", metavar="ENV")
@click.option("--controller", type=click.Choice(CONTROLLERS), default="random", show_default=True,
              help="random: uniform excitations; zero: all muscles off.")
@click.option("--steps", type=click.IntRange(min=1), default=None,
              help="Stop after this many steps (default: the env's time limit).")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seeds the env and the random controller.")
@click.option("--progress/--no-progress", default=True, show_default=True)
def run(env_name: str, controller: str, steps: int | None, seed: int, progress: bool) -> None:
    """Run one episode of ENV (class name like L2RunEnv, or a Gymnasium ID) and print a summary."""
    from tqdm import tqdm

    from osim.bench import make_classic_env

    try:
        env = make_classic_env(env_name)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="ENV") from None
    rng = np.random.RandomState(seed)
    limit = steps or env.spec.timestep_limit
    env.reset(seed=seed)
    total, n, done = 0.0, 0, False
    t0 = time.perf_counter()
    with tqdm(total=limit, desc=env_name, unit="step", disable=not progress, file=sys.stderr) as bar:
        while not done and n < limit:
            if controller == "random":
                action = rng.uniform(0.0, 1.0, env.get_action_space_size())
            else:
                action = np.zeros(env.get_action_space_size())
            _obs, reward, done, _info = env.step(action)
            total += reward
            n += 1
            bar.update(1)
    elapsed = time.perf_counter() - t0
    pelvis_x = env.sim.body_position("pelvis")[0] if "pelvis" in env.sim.body_names else float("nan")
    why = "fell" if env.is_done() else ("time limit" if n >= env.spec.timestep_limit else "step budget")
    click.echo(f"{env_name}: {n} steps ({why}), return {total:.4f}, pelvis x {pelvis_x:.3f} m, "
               f"{n / elapsed:.1f} steps/s")
    env.close()


@main.command("bench")
@click.argument("env_names", metavar="[ENV]...", nargs=-1)
@click.option("--steps", type=click.IntRange(min=10), default=1000, show_default=True)
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True)
@click.option("--repeats", type=click.IntRange(min=1), default=3, show_default=True)
@click.option("--json", "json_path", type=click.Path(dir_okay=False), default=None,
              help="Also write the results to this JSON file.")
def bench(env_names: tuple[str, ...], steps: int, seed: int, repeats: int, json_path: str | None) -> None:
    """Steps/s of each env next to bare OpenSim integration of the same trajectory."""
    from osim.bench import bench_env

    names = list(env_names) or _env_names()
    results = []
    click.echo(f"{'env':<14} {'env steps/s':>12} {'bare steps/s':>13} {'ratio':>7} {'reset ms':>9} {'same':>5}")
    for name in names:
        try:
            r = bench_env(name, steps=steps, seed=seed, repeats=repeats)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="ENV") from None
        results.append(r)
        click.echo(f"{r.env:<14} {r.env_steps_per_s:>12.1f} {r.bare_steps_per_s:>13.1f} "
                   f"{r.ratio:>7.3f} {r.reset_ms:>9.2f} {str(r.same_trajectory):>5}")
    if json_path:
        with open(json_path, "w") as fh:
            json.dump([json.loads(r.to_json()) for r in results], fh, indent=2)


if __name__ == "__main__":
    main()
