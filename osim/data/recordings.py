"""The public recordings the imitation IDs use, found by name on this machine.

The files are OpenSim's example data (opensim-org/opensim-models, CC BY 3.0:
credit the OpenSim project; the running trial is Hamner, Seth & Delp 2010,
J. Biomech. 43:2709-2716). They are not shipped inside the package: a
recording is looked up, by its file name, in

1. the folders of the ``OSIM_RL_DATA`` environment variable (``os.pathsep``-separated);
2. ``../shared/reference/experimental`` from the current directory and from
   the project checkout (where the project's reference data lives).

:func:`find_recording` returns the path; an absent file raises
:class:`RecordingNotFound` naming where it looked and where the file comes
from. A file whose SHA-256 differs from the published one is used with a
warning (it is not the recording the documented numbers were measured on).
"""
from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from osim.data.motion import MotionFileError

__all__ = ["Recording", "RECORDINGS", "RecordingNotFound", "find_recording", "search_path"]

_SOURCE = "https://github.com/opensim-org/opensim-models (commit 20a888b)"


@dataclass(frozen=True)
class Recording:
    file: str
    #: its path in opensim-models
    source: str
    sha256: str
    what: str


#: name -> recording (the name is the file's name without its suffix)
RECORDINGS = {r.file.rsplit(".", 1)[0]: r for r in (
    Recording("subject01_walk_planar_ik.mot", "Pipelines/Gait10dof18musc/OutputReference/IK/subject01_walk_IK.mot",
              "10a3877abacf8c35049532d018b2bdfac7623234c8f1ce9f7a68f007f2c7c976",
              "walking, IK on the planar gait10dof18musc model, 0-2.5 s at 60 Hz"),
    Recording("subject01_walk_3d_ik.mot", "Pipelines/Gait2392_Simbody/subject01_walk1_ik.mot",
              "1b58484bbee8307698dda2ac68c8ceaf50761d051dec12119188f4c358e2f42b",
              "the same walking trial, IK on the 3D gait2392 model, 0.5-4.0 s at 60 Hz"),
    Recording("subject01_walk_grf.mot", "Pipelines/Gait10dof18musc/ExperimentalData/subject01_walk_grf.mot",
              "c3b5b46c64e958832f402687c328ca0f6fe132ebd8ccdf613600c5422d4a2a81",
              "ground reaction forces of the walking trial, 600 Hz"),
    Recording("subject01_walk.trc", "Pipelines/Gait10dof18musc/ExperimentalData/subject01_walk.trc",
              "b7ff1d0fee39a6b035f898b38c55d4f58ac3c941be5f83c3b4849e9bc5f9aad4",
              "41 markers of the walking trial, 60 Hz"),
    Recording("subject02_run_ik.mot", "Pipelines/Hamner/outputReference/ResultsIK/subject02_running_ik.mot",
              "fcd9398cd940cf031163cd9568394c26a6ddc5ffc20940e80d6d3e6badc6821f",
              "running, IK on the Hamner 2010 full-body model, 0-10 s at 60 Hz"),
    Recording("subject02_run_grf.mot", "Pipelines/Hamner/subject02_running_grf.mot",
              "ccb32b05cf9078454293418fd5639640243200afa2f437c1cea4cf5ebe2d8580",
              "ground reaction forces of the running trial, 60 Hz"),
    Recording("subject02_run.trc", "Pipelines/Hamner/subject02_running.trc",
              "672ec3f37f2e95a0a66ccf9364e34ab1ff65b0c2b01328bb5d43f131d3f606e1",
              "41 markers of the running trial, 60 Hz"),
)}


class RecordingNotFound(MotionFileError):
    """A named recording is not on this machine."""


def search_path() -> list[Path]:
    """The folders :func:`find_recording` looks in, in order."""
    folders = [Path(p) for p in os.environ.get("OSIM_RL_DATA", "").split(os.pathsep) if p]
    checkout = Path(__file__).resolve().parents[2]
    for base in (Path.cwd(), checkout):
        folders.append(base.parent / "shared" / "reference" / "experimental")
    return list(dict.fromkeys(folders))


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def find_recording(name: str) -> Path:
    """The path of recording ``name`` (a key of :data:`RECORDINGS` or its file name)."""
    stem = name.rsplit(".", 1)[0] if name.endswith((".mot", ".sto", ".trc")) else name
    rec = RECORDINGS.get(stem)
    if rec is None:
        raise ValueError(f"unknown recording {name!r}; known: {', '.join(RECORDINGS)} (or pass a file path)")
    looked = search_path()
    for folder in looked:
        path = folder / rec.file
        if path.is_file():
            if _sha256(path) != rec.sha256:
                warnings.warn(f"{path} differs from the published {rec.file} (SHA-256); the documented "
                              "results were measured on the published file", stacklevel=2)
            return path
    raise RecordingNotFound(
        f"recording {rec.file} ({rec.what}) not found; looked in {', '.join(map(str, looked))}. Get it from "
        f"{_SOURCE}, file {rec.source}, and put it (renamed {rec.file}) in a folder named by OSIM_RL_DATA")
