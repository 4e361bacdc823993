"""Reference data from ``shared/reference`` beside the checkout: present on developers' machines and in CI.

Outside CI a missing folder skips the test that needs it; in CI (env ``CI`` set) it fails, so a check that
silently stopped running cannot pass CI.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tools.plan import PROJECT_DIR

REFERENCE_DIR = PROJECT_DIR.parent / "shared" / "reference"


def reference_path(*parts: str) -> Path:
    """``shared/reference/<parts>``, or skip (outside CI) / fail (in CI) when it is missing."""
    path = REFERENCE_DIR.joinpath(*parts)
    if path.exists():
        return path
    message = f"reference data {path} is missing: it comes with shared/ checked out beside the repository"
    if "CI" in os.environ:
        pytest.fail(f"{message}; CI must have it, so this check cannot be skipped")
    pytest.skip(message)
