"""The musculoskeletal models of osim-rl, built from parameter tables.

Each model is described by readable tables of plain records (``gait9dof.py``,
``gait14dof.py``, ``arm.py``; the record types are in ``spec.py``) and built
through the OpenSim API by ``builder.py``. The built models are committed as
``.osim`` files next to this module (package data); the environments load
those files.

* :func:`build` -- a new ``opensim.Model`` from the tables (no file I/O);
* :func:`write` -- print a built model to its ``.osim`` file;
* :func:`model_path` -- where the committed ``.osim`` file of a model is.

``python -m osim.models [names...]`` rebuilds the committed files.

The models reproduce the original challenge models number for number, so that
simulations match the reference trajectories bit for bit; the original models
derive from the OpenSim gait2392/gait10dof18musc models (Delp et al. 1990;
Anderson and Pandy 1999, 2001; Yamaguchi and Zajac 1989; adjusted by A. Seth,
C. Ong and S. Song) and the OpenSim arm26 model (Holzbaur et al. 2005), all
licensed CC BY 3.0: see each model's ``credits``.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable, Dict

if TYPE_CHECKING:  # pragma: no cover
    from .spec import ModelSpec

__all__ = ["MODEL_NAMES", "ORIGINAL_FILES", "build", "write", "model_path", "model_spec", "resolve_model_file"]

#: Names of the models this package builds.
MODEL_NAMES = (
    "gait9dof18musc",
    "gait14dof22musc",
    "gait14dof22musc_planar",
    "gait14dof22musc_pros",
    "gait14dof22musc_planar_pros",
    "arm2dof6musc",
)

_HERE = Path(__file__).resolve().parent

#: The challenge model files of the original osim-rl, by file name -> the built model that reproduces each.
ORIGINAL_FILES = {
    "gait9dof18musc.osim": "gait9dof18musc",
    "gait14dof22musc_20170320.osim": "gait14dof22musc",
    "gait14dof22musc_planar_20170320.osim": "gait14dof22musc_planar",
    "gait14dof22musc_pros_20180507.osim": "gait14dof22musc_pros",
    "gait14dof22musc_planar_pros_20180507.osim": "gait14dof22musc_planar_pros",
    "arm2dof6musc.osim": "arm2dof6musc",
}


def _spec_factories() -> Dict[str, Callable[[], "ModelSpec"]]:
    from functools import partial

    from . import arm, gait9dof, gait14dof

    factories = {"gait9dof18musc": gait9dof.spec}
    for variant in gait14dof.VARIANTS:
        factories[variant] = partial(gait14dof.spec, variant)
    factories["arm2dof6musc"] = arm.spec
    return factories


def _check_name(name: str) -> str:
    if name not in MODEL_NAMES:
        raise ValueError(
            f"unknown model {name!r}; the models are: {', '.join(MODEL_NAMES)}")
    return name


def model_spec(name: str) -> "ModelSpec":
    """The parameter tables of model ``name`` as a :class:`~osim.models.spec.ModelSpec`."""
    return _spec_factories()[_check_name(name)]()


def model_path(name: str) -> Path:
    """Path of the committed, built ``.osim`` file of model ``name``."""
    return _HERE / f"{_check_name(name)}.osim"


def build(name: str):
    """Build model ``name`` from its tables: a new, uninitialised ``opensim.Model``.

    Deterministic and free of file I/O.
    """
    from .builder import build_model

    return build_model(model_spec(name))


def write(name: str, path: str | Path | None = None) -> Path:
    """Build model ``name`` and print it to ``path`` (default: :func:`model_path`)."""
    target = model_path(name) if path is None else Path(path)
    model = build(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    if not model.printToXML(str(target)):
        raise OSError(f"OpenSim could not write {target}")
    return target


def resolve_model_file(path: str | Path) -> Path:
    """The file to load for ``path``: itself when it exists, else the built model a challenge file name names.

    Code written for the original osim-rl loads its challenge models by
    repository-relative paths (``"../osim/models/gait14dof22musc_20170320.osim"``).
    When such a path does not exist here and its file name is one of
    :data:`ORIGINAL_FILES` (or a built model's own file name), the built model
    is used, with a warning saying so. Any other path is returned unchanged
    (loading it reports a missing file).
    """
    path = Path(path)
    if path.is_file():
        return path
    name = ORIGINAL_FILES.get(path.name) or (path.stem if path.stem in MODEL_NAMES and path.suffix == ".osim"
                                            else None)
    if name is None:
        return path
    import warnings

    built = model_path(name)
    warnings.warn(f"model file {path} not found; using osim-rl's built model {name!r} ({built}), which "
                  f"reproduces the original challenge file {path.name}", UserWarning, stacklevel=3)
    return built
