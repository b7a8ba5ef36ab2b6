"""Helpers shared by the tests (golden-trajectory replay)."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Callable

import numpy as np

def load_golden(path: Path) -> dict:
    """A golden .npz as a dict, with ``meta`` decoded."""
    with np.load(path) as data:
        out = {k: data[k] for k in data.files}
    out["meta"] = json.loads(str(out["meta"]))
    return out


def flatten_desc(desc: dict, prefix: str = "") -> dict[str, np.ndarray]:
    """Leaves of a (nested) state description as ``path -> array``."""
    leaves = {}
    for key, value in desc.items():
        if isinstance(value, dict):
            leaves.update(flatten_desc(value, f"{prefix}{key}/"))
        else:
            leaves[f"{prefix}{key}"] = np.asarray(value, dtype=np.float64)
    return leaves


def replay_golden(env, golden: dict, desc: Callable[[], dict] | None = None, reset_kwargs: dict | None = None,
                  compare_desc0: bool = True) -> dict[str, float]:
    """Feed a golden file's actions to ``env``; return the largest absolute error per quantity.

    Checks every step's observation, reward, done flag and every leaf of the
    state description (``desc()``, default ``env.get_state_desc()``); the
    sets of leaves must be equal. Returns ``{"obs": ..., "reward": ...,
    "done": ..., "desc": ..., "obs0": ..., "desc0": ...}``.
    """
    desc = desc or env.get_state_desc
    obs0 = env.reset(**(reset_kwargs or {}))
    err = {"obs0": float(np.max(np.abs(np.asarray(obs0) - golden["obs0"])))}
    if compare_desc0:
        err["desc0"] = _desc_error(flatten_desc(desc()), golden, "desc0/", None)
    err.update(obs=0.0, reward=0.0, done=0.0, desc=0.0)
    for k, action in enumerate(golden["actions"]):
        obs, reward, done, _info = env.step(action)
        err["obs"] = max(err["obs"], float(np.max(np.abs(np.asarray(obs) - golden["obs"][k]))))
        err["reward"] = max(err["reward"], abs(reward - float(golden["rewards"][k])))
        err["done"] = max(err["done"], float(bool(done) != bool(golden["dones"][k])))
        err["desc"] = max(err["desc"], _desc_error(flatten_desc(desc()), golden, "desc/", k))
    return err


def _desc_error(leaves: dict, golden: dict, prefix: str, k: int | None) -> float:
    expected = {key[len(prefix):] for key in golden if key.startswith(prefix)}
    if set(leaves) != expected:
        missing, extra = sorted(expected - set(leaves)), sorted(set(leaves) - expected)
        raise AssertionError(f"state description leaves differ: missing {missing[:5]}, extra {extra[:5]}")
    worst = 0.0
    for key, value in leaves.items():
        ref = golden[prefix + key] if k is None else golden[prefix + key][k]
        if value.size:
            worst = max(worst, float(np.max(np.abs(value - ref))))
    return worst


# ----------------------------------------------------------------------------
# Bit-for-bit reproduction and OpenSim's BLAS kernels
#
# OpenSim's bundled OpenBLAS (0.3.15) picks kernels per CPU, and the result
# bits of the 14-dof models and the arm depend on them. The reference files
# were recorded with its "SkylakeX" (AVX-512) kernels; osim.sim._opensim pins
# them on AVX-512 CPUs unless OPENBLAS_CORETYPE is set. Where this process's
# OpenSim still runs other kernels, the bit-for-bit checks run in a fresh
# process with OPENBLAS_CORETYPE=SkylakeX; on CPUs without AVX-512 they skip.
# ----------------------------------------------------------------------------
REFERENCE_BLAS_CORE = "SkylakeX"
_AVX512 = {"avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"}


def opensim_blas_core() -> str | None:
    """Kernel set of the OpenBLAS that OpenSim loaded in this process (None if unknown)."""
    import ctypes

    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return None
    for lib in sorted({line.split()[-1] for line in maps.splitlines() if "opensim" in line and "libopenblas" in line}):
        try:
            corename = ctypes.CDLL(lib).openblas_get_corename
        except (OSError, AttributeError):
            continue
        corename.restype = ctypes.c_char_p
        return corename().decode()
    return None


def cpu_has_avx512() -> bool:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return _AVX512 <= set(line.split(":", 1)[1].split())
    except OSError:
        pass
    return False


def run_with_reference_blas(module: str, func: str, *args):
    """``module.func(*args)`` (a test module's function, JSON in and out), with the reference BLAS kernels."""
    import importlib
    import os
    import subprocess
    import sys

    import pytest

    if opensim_blas_core() == REFERENCE_BLAS_CORE:
        return json.loads(json.dumps(getattr(importlib.import_module(module), func)(*args)))
    if not cpu_has_avx512():
        pytest.skip(f"the reference data were recorded with OpenBLAS {REFERENCE_BLAS_CORE} (AVX-512) kernels; "
                    "this CPU has no AVX-512, so they cannot be matched bit for bit here")
    code = (f"import json, sys; sys.path.insert(0, sys.argv[1]); import {module} as t;"
            "print(json.dumps(getattr(t, sys.argv[2])(*json.loads(sys.argv[3]))))")
    env = {**os.environ, "OPENBLAS_CORETYPE": REFERENCE_BLAS_CORE}
    out = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent), func, json.dumps(list(args))],
                         capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def require_recordings(env_id: str) -> None:
    """Skip (fail under OSIM_RL_REQUIRE_REFERENCE=1) an env whose recordings are not on this machine."""
    from osim.data.recordings import RecordingNotFound, find_recording
    from osim.registry import ENVS

    for name in ENVS[env_id].recordings:
        try:
            find_recording(name)
        except RecordingNotFound as exc:
            if os.environ.get("OSIM_RL_REQUIRE_REFERENCE") == "1":
                pytest.fail(f"{env_id}: {exc}; OSIM_RL_REQUIRE_REFERENCE=1 requires it")
            pytest.skip(f"{env_id} needs a recording: {exc}")


def opensim_pose(physics, pose: dict, velocity: bool = False):
    """A fresh OpenSim state of ``physics`` with these coordinate values, realized to position (or velocity)."""
    s = physics.model.initializeState()
    for c, v in pose.items():
        physics._coords[c].setValue(s, v, False)
    (physics.model.realizeVelocity if velocity else physics.model.realizePosition)(s)
    return s


def passive_drop(physics, steps: int = 50) -> np.ndarray:
    """Pelvis heights of ``physics`` dropped from ``pelvis_ty`` 0.94 m, excitations 0.05, one per step."""
    physics.reset(coordinates={"pelvis_ty": 0.94})
    physics.set_excitations(np.full(physics.n_actuators, 0.05))
    heights = []
    for _ in range(steps):
        physics.step()
        heights.append(physics.body_position("pelvis")[1])
    return np.array(heights)
