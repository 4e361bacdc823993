"""Every shipped stack plans in a virtualenv made from requirements.txt alone, as `pulumi up` makes `.venv`.

Slow: it creates a virtualenv and installs the program's requirements (from the pip cache where it is warm).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from config.stack import PROJECT_DIR
from tools.plan import plan
from tools.snapshot import stacks

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def program_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("program-venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", "requirements.txt"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    return python


@pytest.mark.parametrize("stack", stacks())
def test_the_stack_plans_with_only_the_program_requirements(stack: str, program_python: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(program_python), "-m", "tools.plan", stack, "--out", str(tmp_path)],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    planned = json.loads((tmp_path / "resources.json").read_text())
    assert sorted(r["urn"] for r in planned) == sorted(r["urn"] for r in plan(stack))
