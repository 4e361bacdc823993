"""Stand-ins for the public ``python:<version>-slim-<release>`` base images, for build hosts that cannot pull them.

A stand-in is what the official image is, assembled from what the host already has: a Debian rootfs from
``mmdebstrap --variant=minbase`` (from Debian's archive, which such hosts reach) with a CPython the host has
(pyenv's, same version if there is one, else the newest of the same minor version) at ``/usr/local`` with
the ``python3``/``python``/``pip`` commands. It gets the official name, so the Dockerfiles build unchanged,
and it says what it is: the label ``io.dask-platform.stand-in-python=<interpreter version>``.

The Dockerfiles build on the official image by digest (``python:<version>-slim-<release>@sha256:...``). Given
such a reference, buildah ignores the tag and pulls by digest, which a local stand-in can never match; so the
stand-in keeps the tag alone, and the build harness (``tools.build_images``) passes it in the build argument
that named the pinned reference, reporting the build as built on a stand-in.

Two more differences, both for hosts behind a TLS-intercepting proxy: the host's CA bundle is added to the
rootfs's trusted certificates, and ``/etc/pip.conf`` makes pip use the system bundle instead of its own.

    python -m tools.standin_bases python:3.11.7-slim-bookworm[@sha256:...] [...]   # pull, or assemble
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tools.cli import exit_code

STANDIN_LABEL = "io.dask-platform.stand-in-python"
PULL_TIMEOUT_SECONDS = 120
DEBIAN_MIRROR = "http://deb.debian.org/debian"
DEBIAN_SECURITY_MIRROR = "http://deb.debian.org/debian-security"
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
# What the interpreter and its extension modules load at run time (checked with ldd on pyenv's builds),
# plus what the official slim image also carries. No Tk: the official slim image has no tkinter either.
RUNTIME_PACKAGES = (
    "ca-certificates",
    "netbase",
    "tzdata",
    "libssl3",
    "libffi8",
    "libsqlite3-0",
    "zlib1g",
    "libbz2-1.0",
    "liblzma5",
    "libreadline8",
    "libncursesw6",
    "libgdbm6",
    "libgdbm-compat4",
    "libexpat1",
    "libuuid1",
    "libnsl2",
    "libtirpc3",
    "libcrypt1",
)
# The modules a Python image is expected to have; a stand-in that cannot import them is refused.
SMOKE_IMPORTS = "ssl, sqlite3, ctypes, lzma, bz2, zlib, readline, uuid, decimal, hashlib, venv, ensurepip"
_PYTHON_SLIM = re.compile(r"^(?:(?:docker\.io/)?(?:library/)?)python:(\d+)\.(\d+)\.(\d+)-slim-([a-z]+)$")


class StandinError(RuntimeError):
    pass


@dataclass(frozen=True)
class BaseImage:
    """An external base image as the builds see it: the reference and, for a stand-in, what it really runs."""

    reference: str
    standin_python: str | None
    """The interpreter version inside a stand-in; ``None`` when the image is the real one."""
    requested: str = ""
    """The reference the build asked for (with its digest), when the stand-in ``reference`` replaces it."""

    def describe(self) -> str:
        if self.standin_python is None:
            return f"{self.reference}: pulled from its registry"
        instead = f" (instead of {self.requested})" if self.requested else ""
        return f"{self.reference}: STAND-IN{instead}, interpreter actually used: CPython {self.standin_python}"


def canonical(reference: str) -> str:
    """The fully qualified name buildah and podman resolve a short Docker Hub name to."""
    name = reference
    first = name.split("/", 1)[0]
    if "/" not in name:
        name = f"docker.io/library/{name}"
    elif "." not in first and ":" not in first and first != "localhost":
        name = f"docker.io/{name}"
    if ":" not in name.rsplit("/", 1)[-1] and "@" not in name:
        name = f"{name}:latest"
    return name


def without_digest(reference: str) -> str:
    """``name:tag`` of ``name:tag@sha256:...``; a reference without a digest unchanged."""
    return reference.split("@", 1)[0]


def parse_python_slim(reference: str) -> tuple[str, str] | None:
    """``(python version, Debian release)`` of an official slim Python image reference, else ``None``."""
    reference = without_digest(reference)
    match = _PYTHON_SLIM.match(reference.removeprefix("docker.io/library/"))
    if match is None:
        match = _PYTHON_SLIM.match(reference)
    if match is None:
        return None
    major, minor, patch, release = match.groups()
    return f"{major}.{minor}.{patch}", release


def _podman(*args: str, timeout: float | None = None, check: bool = False) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout, check=check)


def image_exists(reference: str) -> bool:
    return _podman("image", "exists", canonical(reference)).returncode == 0


def image_label(reference: str, label: str) -> str | None:
    result = _podman("image", "inspect", "--format", f'{{{{index .Labels "{label}"}}}}', canonical(reference))
    value = result.stdout.strip()
    if result.returncode != 0 or value in ("", "<no value>"):
        return None
    return value


def try_pull(reference: str, timeout: float = PULL_TIMEOUT_SECONDS) -> bool:
    try:
        return _podman("pull", "--quiet", canonical(reference), timeout=timeout).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def _version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def interpreter_roots() -> list[Path]:
    """Where finished CPython installations (prefix/bin/pythonX.Y, prefix/lib/pythonX.Y) are looked for."""
    roots: list[Path] = []
    for variable in ("DASK_PLATFORM_PYTHONS", "PYENV_ROOT"):
        value = os.environ.get(variable)
        if value:
            roots.append(Path(value) / "versions" if variable == "PYENV_ROOT" else Path(value))
    roots.append(Path.home() / ".pyenv" / "versions")
    return roots


def find_interpreter(version: str) -> tuple[Path, str]:
    """The host CPython to put in a stand-in for ``version``: the same version, else the newest patch release
    of the same minor version. Returns its prefix and its real version."""
    wanted = _version_key(version)
    candidates: dict[str, Path] = {}
    for root in interpreter_roots():
        if not root.is_dir():
            continue
        for prefix in root.iterdir():
            if not re.fullmatch(r"\d+\.\d+\.\d+", prefix.name):
                continue
            minor = ".".join(prefix.name.split(".")[:2])
            if (prefix / "bin" / f"python{minor}").is_file() and (prefix / "lib" / f"python{minor}").is_dir():
                candidates.setdefault(prefix.name, prefix)
    if version in candidates:
        return candidates[version], version
    same_minor = sorted((v for v in candidates if _version_key(v)[:2] == wanted[:2]), key=_version_key)
    if not same_minor:
        raise StandinError(
            f"no CPython {wanted[0]}.{wanted[1]} on this host for a stand-in python:{version} image "
            f"(looked in {', '.join(str(r) for r in interpreter_roots())}; found {sorted(candidates) or 'none'})"
        )
    return candidates[same_minor[-1]], same_minor[-1]


def _ignore_for(minor: str, prefix: Path) -> Callable[[str, list[str]], set[str]]:
    stdlib = prefix / "lib" / f"python{minor}"

    def ignore(directory: str, names: list[str]) -> set[str]:
        path = Path(directory)
        skipped = {n for n in names if n == "__pycache__" or n.endswith(".a")}
        if path == stdlib:
            skipped |= {n for n in names if n in ("test", "idlelib", "tkinter", "turtledemo", "site-packages")}
        if path == stdlib / "lib-dynload":
            skipped |= {n for n in names if n.startswith("_tkinter")}
        return skipped

    return ignore


def _run(command: list[str], what: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise StandinError(
            f"{what} failed ({' '.join(command[:3])} ...):\n{result.stdout[-3000:]}{result.stderr[-3000:]}"
        )


def install_interpreter(rootfs: Path, prefix: Path, real_version: str) -> None:
    """Put the CPython at ``prefix`` into ``rootfs`` under /usr/local, laid out like the official image."""
    minor = ".".join(real_version.split(".")[:2])
    local = rootfs / "usr" / "local"
    (local / "bin").mkdir(parents=True, exist_ok=True)
    (local / "lib").mkdir(parents=True, exist_ok=True)
    shutil.copy2(prefix / "bin" / f"python{minor}", local / "bin" / f"python{minor}")
    for library in (prefix / "lib").glob(f"libpython{minor}*.so*"):
        shutil.copy2(library, local / "lib" / library.name, follow_symlinks=False)
    shutil.copytree(
        prefix / "lib" / f"python{minor}",
        local / "lib" / f"python{minor}",
        ignore=_ignore_for(minor, prefix),
        symlinks=True,
    )
    (local / "lib" / f"python{minor}" / "site-packages").mkdir(exist_ok=True)
    if (prefix / "include" / f"python{minor}").is_dir():
        shutil.copytree(prefix / "include" / f"python{minor}", local / "include" / f"python{minor}", symlinks=True)
    for link, target in (("python3", f"python{minor}"), ("python", "python3")):
        (local / "bin" / link).unlink(missing_ok=True)
        (local / "bin" / link).symlink_to(target)


def trust_host_certificates(rootfs: Path) -> None:
    """Add the host's CA bundle to the rootfs's trusted certificates, where a later ``update-ca-certificates``
    keeps it, and make pip use the system bundle (older pips use only their own)."""
    if HOST_CA_BUNDLE.is_file():
        extra = rootfs / "usr" / "local" / "share" / "ca-certificates"
        extra.mkdir(parents=True, exist_ok=True)
        shutil.copy2(HOST_CA_BUNDLE, extra / "build-host-bundle.crt")
        _run(["chroot", str(rootfs), "update-ca-certificates"], "update-ca-certificates in the stand-in rootfs")
    (rootfs / "etc" / "pip.conf").write_text(
        "# Stand-in base only: trust the system bundle, which holds the build host's CAs.\n"
        "[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n"
    )


def assemble_standin(reference: str) -> BaseImage:
    parsed = parse_python_slim(reference)
    if parsed is None:
        raise StandinError(f"{reference}: no stand-in is known for this image; it must be pulled")
    version, release = parsed
    prefix, real_version = find_interpreter(version)
    with tempfile.TemporaryDirectory(prefix="standin-") as work:
        rootfs = Path(work) / "rootfs"
        _run(
            [
                "mmdebstrap",
                "--variant=minbase",
                f"--include={','.join(RUNTIME_PACKAGES)}",
                release,
                str(rootfs),
                f"deb {DEBIAN_MIRROR} {release} main",
                f"deb {DEBIAN_MIRROR} {release}-updates main",
                f"deb {DEBIAN_SECURITY_MIRROR} {release}-security main",
            ],
            f"mmdebstrap of Debian {release}",
        )
        install_interpreter(rootfs, prefix, real_version)
        _run(["chroot", str(rootfs), "ldconfig"], "ldconfig in the stand-in rootfs")
        _run(["chroot", str(rootfs), "/usr/local/bin/python3", "-m", "ensurepip", "--default-pip"], "ensurepip")
        (rootfs / "usr" / "local" / "bin" / "pip").unlink(missing_ok=True)
        (rootfs / "usr" / "local" / "bin" / "pip").symlink_to("pip3")
        trust_host_certificates(rootfs)
        _run(["chroot", str(rootfs), "/usr/local/bin/python", "-c", f"import {SMOKE_IMPORTS}"], "stand-in smoke test")
        changes = [
            "ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin",
            "ENV LANG=C.UTF-8",
            f"ENV PYTHON_VERSION={real_version}",
            f"LABEL {STANDIN_LABEL}={real_version}",
            f"LABEL io.dask-platform.stand-in-for={canonical(reference)}",
            'CMD ["python3"]',
        ]
        command = ["podman", "import"]
        for change in changes:
            command += ["--change", change]
        tar = subprocess.Popen(["tar", "-C", str(rootfs), "--numeric-owner", "-cf", "-", "."], stdout=subprocess.PIPE)
        name = canonical(without_digest(reference))
        result = subprocess.run([*command, "-", name], stdin=tar.stdout, capture_output=True, text=True)
        tar.wait()
        if result.returncode != 0 or tar.returncode != 0:
            raise StandinError(f"podman import of the stand-in {reference} failed: {result.stderr[-2000:]}")
    return _standin(reference, real_version)


def _standin(reference: str, standin_python: str) -> BaseImage:
    tag = without_digest(reference)
    return BaseImage(canonical(tag), standin_python, requested=reference if tag != reference else "")


def ensure_base(reference: str, pull_timeout: float = PULL_TIMEOUT_SECONDS) -> BaseImage:
    """Make ``reference`` available to buildah: already there, a stand-in already assembled for its tag,
    pulled, or (a python slim image only) assembled as a labelled stand-in under its tag."""
    if image_exists(reference):
        return BaseImage(canonical(reference), image_label(reference, STANDIN_LABEL))
    tag = without_digest(reference)
    standin_python = image_label(tag, STANDIN_LABEL) if tag != reference and image_exists(tag) else None
    if standin_python is not None:
        return _standin(reference, standin_python)
    if try_pull(reference, pull_timeout):
        return BaseImage(canonical(reference), image_label(reference, STANDIN_LABEL))
    return assemble_standin(reference)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("references", nargs="+", help="base images, e.g. python:3.11.7-slim-bookworm")
    args = parser.parse_args(argv)

    def describe_each() -> None:
        for reference in args.references:
            print(ensure_base(reference).describe())

    return exit_code(describe_each, StandinError)


if __name__ == "__main__":
    sys.exit(main())
