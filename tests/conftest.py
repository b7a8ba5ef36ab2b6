"""Shared fixtures.

Tests that need the challenge reference data (``../shared/reference``) take
the ``reference`` fixture: it skips with a reason where the folder is absent
(a fresh clone), and fails instead when ``OSIM_RL_REQUIRE_REFERENCE=1`` (set
by ``.ci/run``), so CI cannot pass with those tests silently skipped.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "reference"


def _require_reference() -> Path:
    if REFERENCE.is_dir():
        return REFERENCE
    msg = f"reference data not found at {REFERENCE} (the challenge models and golden trajectories)"
    if os.environ.get("OSIM_RL_REQUIRE_REFERENCE") == "1":
        pytest.fail(msg + "; OSIM_RL_REQUIRE_REFERENCE=1 requires it")
    pytest.skip(msg)


@pytest.fixture(scope="session")
def reference() -> Path:
    return _require_reference()

