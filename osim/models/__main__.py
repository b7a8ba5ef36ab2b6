"""Rebuild the committed ``.osim`` files: ``python -m osim.models [names...]``.

Without names, every model of :data:`osim.models.MODEL_NAMES` is rebuilt.
"""
from __future__ import annotations

import argparse
import sys

from . import MODEL_NAMES, write


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m osim.models",
        description="Build the osim-rl models from their parameter tables and "
                    "write them to the package's .osim files.")
    parser.add_argument("names", nargs="*", metavar="NAME",
                        help=f"models to rebuild (default: all of {', '.join(MODEL_NAMES)})")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in MODEL_NAMES]
    if unknown:
        parser.error(f"unknown model(s) {', '.join(unknown)}; "
                     f"choose from {', '.join(MODEL_NAMES)}")
    for name in args.names or MODEL_NAMES:
        print(write(name))
    return 0


if __name__ == "__main__":
    sys.exit(main())
