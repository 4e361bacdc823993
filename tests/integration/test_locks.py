"""Every lock the stacks' images install: current, consistent within its profile, resolvable for its image's
Python, and, where this machine has that Python's minor version, installed into a fresh virtualenv in which the
image's packages import and Dask computes (processor images: their processor package too; the ``local`` base:
its own dask-gateway-server running a cluster).

Installs reuse pip's cache and make one virtualenv per lock; the first run downloads a few hundred megabytes.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from config.stack import PROJECT_DIR
from render.catalog import (
    LOCK_PLATFORM,
    PINNED_TOGETHER,
    LockSpec,
    check_catalog,
    local_gateway_build_args,
    lock_pins,
    version_key,
)
from shipped.gateway_config import DATA_ENV
from tests.helpers import free_ports
from tools.lock import all_lock_specs, stack_configs

pytestmark = pytest.mark.slow

CONFIGS = stack_configs()
LOCKS = all_lock_specs(CONFIGS)
SMOKE = Path(__file__).with_name("lock_smoke.py")
INSTALL_TIMEOUT = 1200
RUN_TIMEOUT = 600
_REQUIREMENT_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


def minor(version: str) -> str:
    return ".".join(version.split(".")[:2])


@functools.cache
def interpreter(minor_version: str) -> str | None:
    """A Python of that minor version on this machine: on PATH, or installed by pyenv but not activated."""
    candidates = [shutil.which(f"python{minor_version}")]
    pyenv = shutil.which("pyenv")
    if pyenv:
        root = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False).stdout.strip()
        candidates += sorted(map(str, Path(root).glob(f"versions/{minor_version}.*/bin/python{minor_version}")))
    for candidate in filter(None, candidates):
        # A pyenv shim exists for every installed version, but runs only the activated ones.
        probe = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == minor_version:
            return candidate
    return None


INSTALLABLE = [lock for lock in LOCKS if interpreter(minor(lock.python))]


def lock_id(lock: LockSpec) -> str:
    return lock.path


def pins_of(path: str) -> dict[str, str]:
    return lock_pins((PROJECT_DIR / path).read_text())


def requirement_names(lock: LockSpec) -> list[str]:
    lines = list(lock.requirements)
    for name in lock.requirement_files:
        lines += [line for line in (PROJECT_DIR / name).read_text().splitlines() if line.strip() and line[0] != "#"]
    return [match.group(0) for line in lines if (match := _REQUIREMENT_NAME.match(line.strip()))]


def own_package(lock: LockSpec) -> Path | None:
    """The Python package in a processor's folder (pyproject.toml beside its requirements), if there is one."""
    for name in lock.requirement_files:
        folder = (PROJECT_DIR / name).parent
        if (folder / "pyproject.toml").is_file():
            return folder
    return None


def run(command: list[str], timeout: int, cwd: Path | None = None, env: dict[str, str] | None = None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=cwd, check=False, env=env)
    assert result.returncode == 0, f"{' '.join(command)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"


def test_every_stacks_locks_are_current_and_pin_the_stacks_versions() -> None:
    for stack, config in CONFIGS.items():
        assert check_catalog(config.images) == [], stack


def test_within_a_profile_every_image_and_the_kernel_pin_identical_dask_versions() -> None:
    checked = 0
    for config in CONFIGS.values():
        gateway = config.gateway.chart.version
        for profile in config.images.profiles.values():
            key = version_key(profile, config.images.dask_gateway_version)
            locks = [lock.path for lock in LOCKS if key in lock.path]
            # The k8s and local bases, staging or the processors, and the profile's Jupyter kernel.
            assert any("/jupyter/" in path for path in locks) and any("/base/" in path for path in locks)
            expected = {"dask": profile.dask, "distributed": profile.dask, "dask-gateway": gateway}
            for path in locks:
                assert {name: pins_of(path).get(name) for name in PINNED_TOGETHER} == expected, path
                checked += 1
    assert checked >= 12


@pytest.mark.parametrize("lock", [lock for lock in LOCKS if lock.constraints], ids=lock_id)
def test_an_image_keeps_every_pin_of_the_image_it_builds_on(lock: LockSpec) -> None:
    pins = pins_of(lock.path)
    for constraint in lock.constraints:
        shared = pins.keys() & pins_of(constraint).keys()
        assert {name: pins[name] for name in shared} == {name: pins_of(constraint)[name] for name in shared}
        assert set(PINNED_TOGETHER) <= shared


def _platforms() -> list[str]:
    """pip matches platform tags literally: every manylinux tag a glibc-2.36 system accepts, newest first."""
    arch, _, tag = LOCK_PLATFORM.partition("-")
    newest = int(tag.rsplit("_", 1)[1])
    aliases = ("manylinux2014", "manylinux2010", "manylinux1")
    return [f"manylinux_2_{glibc}_{arch}" for glibc in range(newest, 4, -1)] + [f"{a}_{arch}" for a in aliases]


@pytest.mark.parametrize("lock", LOCKS, ids=lock_id)
def test_every_lock_resolves_to_itself_for_its_images_python(lock: LockSpec, tmp_path: Path) -> None:
    # pip resolves the lock with dependencies for the image's exact Python and platform, wheels only; in hash
    # mode any dependency missing from the lock fails, and what it would install must be exactly the lock.
    # pip evaluates environment markers with the Python it runs on, so it runs on the lock's minor version
    # when this machine has it (markers such as `python_version < "3.13"` decide whole dependencies).
    runner = sys.executable if minor(lock.python) == minor(sys.version.split()[0]) else interpreter(minor(lock.python))
    report = tmp_path / "report.json"
    command = [runner or sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet"]
    command += ["--python-version", lock.python, "--implementation", "cp", "--only-binary=:all:"]
    command += [f"--platform={platform}" for platform in _platforms()]
    command += ["--require-hashes", "-r", str(PROJECT_DIR / lock.path), "--report", str(report)]
    run(command, INSTALL_TIMEOUT)
    resolved = {
        item["metadata"]["name"]: item["metadata"]["version"] for item in json.loads(report.read_text())["install"]
    }
    assert {re.sub(r"[-_.]+", "-", name).lower(): version for name, version in resolved.items()} == pins_of(lock.path)


@pytest.fixture(scope="session")
def environment(tmp_path_factory: pytest.TempPathFactory) -> Callable[[LockSpec], Path]:
    """A virtualenv per lock, installed the way the Dockerfiles install it; made once per test session."""

    @functools.cache
    def install(lock: LockSpec) -> Path:
        python = interpreter(minor(lock.python))
        assert python is not None
        venv = tmp_path_factory.mktemp(Path(lock.path).stem)
        run([python, "-m", "venv", str(venv)], RUN_TIMEOUT)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check"]
        run(
            [
                *pip,
                "install",
                "--quiet",
                "--no-compile",
                "--require-hashes",
                "--no-deps",
                "-r",
                str(PROJECT_DIR / lock.path),
            ],
            INSTALL_TIMEOUT,
        )
        package = own_package(lock)
        if package is not None:
            # As in the image: offline, with the build backend the lock provides, from a copy of the folder.
            source = venv / "source"
            shutil.copytree(package, source, ignore=shutil.ignore_patterns("locks", "__pycache__"))
            run(
                [*pip, "install", "--quiet", "--no-deps", "--no-index", "--no-build-isolation", str(source)],
                RUN_TIMEOUT,
            )
        run([*pip, "check"], RUN_TIMEOUT)
        return venv

    return install


@pytest.mark.parametrize("lock", INSTALLABLE, ids=lock_id)
def test_a_lock_installs_its_packages_import_and_dask_computes(
    lock: LockSpec, environment: Callable[[LockSpec], Path]
) -> None:
    venv = environment(lock)
    names = requirement_names(lock)
    command = [str(venv / "bin" / "python"), str(SMOKE), "environment", "--distributions", *names]
    package = own_package(lock)
    if package is not None:
        project = tomllib.loads((package / "pyproject.toml").read_text())["project"]["name"]
        command += [project, *(["--mockup"] if project == "mockup-processor" else [])]
    pinned = pins_of(lock.path)
    # Dask images compute arrays and dataframes; JupyterLab's server carries only the client for its Dask panes
    # (its pins are checked by check_catalog).
    if "distributed" in pinned and any(requirement.startswith("dask[") for requirement in lock.requirements):
        command += ["--dask", pinned["distributed"], "--gateway", pinned["dask-gateway"]]
    run(command, RUN_TIMEOUT)


def test_this_machine_checks_both_default_profiles() -> None:
    # The installs above cover only Pythons this machine has; make sure that is not silently none.
    assert {minor(lock.python) for lock in INSTALLABLE} >= {"3.11", "3.13"}


LOCAL_BASES = [
    lock for lock in INSTALLABLE if lock.path.startswith("images/base/") and lock.path.endswith("-local.txt")
]


@pytest.mark.parametrize("lock", LOCAL_BASES, ids=lock_id)
def test_the_local_images_gateway_runs_a_cluster_with_its_generated_config(
    lock: LockSpec, environment: Callable[[LockSpec], Path], tmp_path: Path
) -> None:
    venv = environment(lock)
    api, http, tcp = free_ports(3)
    clusters = tmp_path / "clusters"
    clusters.mkdir()
    # The image's config and data, moved from 0.0.0.0:8000 to free loopback ports for the test.
    build_args = local_gateway_build_args(CONFIGS["dev"].gateway)
    data = {**json.loads(build_args["GATEWAY_OPTIONS"]), "proxyAddress": f"127.0.0.1:{http}"}
    config = tmp_path / "dask_gateway_config.py"
    config.write_text(
        f"""
c.DaskGateway.address = "127.0.0.1:{api}"
c.Proxy.tcp_address = "127.0.0.1:{tcp}"
c.Proxy.log_level = "info"
c.LocalBackend.clusters_directory = {str(clusters)!r}
"""
        + build_args["GATEWAY_CONFIG"]
    )
    command = [str(venv / "bin" / "python"), str(SMOKE), "gateway", "--config", str(config), "--workdir", str(tmp_path)]
    env = {**os.environ, DATA_ENV: json.dumps(data)}
    run([*command, "--ports", str(api), str(http), str(tcp)], RUN_TIMEOUT, env=env)
