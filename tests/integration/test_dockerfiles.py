"""Every Dockerfile of the catalog: hadolint-clean, and installing only from locks, with private indexes as secrets."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from config.gateway import GatewayConfig
from config.images import ImagesConfig
from config.stack import PROJECT_DIR
from render.catalog import PIP_INDEX_SECRET, image_specs

DOCKERFILES = sorted([*PROJECT_DIR.glob("images/*/Dockerfile"), *PROJECT_DIR.glob("images/*/*.Dockerfile")])
HADOLINT = Path(sys.executable).parent / "hadolint"


def instructions(dockerfile: Path) -> list[str]:
    """One string per instruction: continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", dockerfile.read_text())
    return [line.strip() for line in joined.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_the_catalog_builds_from_exactly_these_dockerfiles() -> None:
    everything = ImagesConfig(targets=["k8s", "local"])
    used = {spec.dockerfile for spec in image_specs(everything, GatewayConfig())}
    assert used == {path.relative_to(PROJECT_DIR).as_posix() for path in DOCKERFILES}


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_hadolint_finds_nothing(dockerfile: Path) -> None:
    result = subprocess.run(
        [str(HADOLINT), "--no-color", str(dockerfile)], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_pip_installs_only_hashed_locks_and_reads_a_private_index_from_a_build_secret(dockerfile: Path) -> None:
    runs = [line for line in instructions(dockerfile) if line.startswith("RUN") and "pip install" in line]
    assert runs
    for run in runs:
        assert f"--mount=type=secret,id={PIP_INDEX_SECRET},required=false" in run
        for install in re.findall(r"pip install [^;&]*", run):
            # The one exception is a processor's own package, built offline from its folder.
            assert "--require-hashes --no-deps -r" in install or "--no-index --no-build-isolation" in install
    arguments = [line for line in instructions(dockerfile) if line.startswith("ARG")]
    assert not [arg for arg in arguments if re.search(r"INDEX|PASSWORD|TOKEN|SECRET", arg)]


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_images_run_as_a_numeric_non_root_user_under_tini(dockerfile: Path) -> None:
    lines = instructions(dockerfile)
    users = [line.split()[1] for line in lines if line.startswith("USER")]
    assert users and users[-1] == "1000:1000"
    # Images built FROM another of ours (derived, Jupyter kernel layers) inherit its entrypoint.
    if dockerfile.parent.name != "derived" and dockerfile.name == "Dockerfile":
        assert 'ENTRYPOINT ["tini", "--"]' in lines
        # The official Python image, by the digest render/catalog.py passes.
        assert any(line.startswith("FROM ${PYTHON_BASE}") for line in lines)
