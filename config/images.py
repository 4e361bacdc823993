"""The image matrix in stack config: Python/Dask profiles, targets, processors and where images go.

Pure data; ``render/catalog.py`` turns it into image specs and lock specs.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Protocol

from pydantic import AfterValidator, Field, model_validator

from config.types import DASK_GATEWAY_VERSION, ConfigModel, ExactVersion

Target = Literal["k8s", "local"]
Platform = Literal["linux/amd64", "linux/arm64"]

CATALOG_IMAGES = "catalog"
"""In ``gateway.clusterOptions.allowedImages``: every image the catalog builds for Kubernetes."""
RESERVED_IMAGE_NAMES = ("dask-gateway", "staging", "jupyter", "jupyter-build", "build-cache")
"""Repository names under ``<registry>/dask/`` that the catalog uses itself, so no processor may take them."""

DEBIAN_RELEASE = "bookworm"
"""The Debian release of every image: the official ``python:<version>-slim-<release>`` images build on it."""
PYTHON_BASE_DIGESTS = {
    "python:3.13.12-slim-bookworm": "sha256:a58daefb915e1e03ad48f3ca4df8832065412c5c35cacb9d39f4229184de12b6",
    "python:3.11.7-slim-bookworm": "sha256:d11b9bd5e49ea7401753d78f4d3b56f3aec952b85b49bcae88981f0452818e0b",
}
"""The multi-arch index digests the official Python images are pinned to, unless a profile sets ``baseDigest``.
Refresh with ``docker buildx imagetools inspect python:<tag>`` or ``crane digest python:<tag>`` (docs/images.md)."""

_IMAGE_PATH_COMPONENT = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*")
_SHA256_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
_REGISTRY = re.compile(r"[a-z0-9.-]+(?::\d+)?(?:/[a-z0-9]+(?:[._-][a-z0-9]+)*)*")


def _image_name_part(value: str) -> str:
    if not _IMAGE_PATH_COMPONENT.fullmatch(value):
        raise ValueError("must be lowercase letters and digits, separated by single '.', '_' or '-'")
    return value


def _registry(value: str) -> str:
    if not _REGISTRY.fullmatch(value):
        raise ValueError("must be a registry host and optional lowercase path, such as ghcr.io/acme")
    return value


def _sha256_digest(value: str) -> str:
    if not _SHA256_DIGEST.fullmatch(value):
        raise ValueError("must be an image digest: sha256: followed by 64 lowercase hexadecimal digits")
    return value


RegistryPrefix = Annotated[str, AfterValidator(_registry)]
ImageDigest = Annotated[str, AfterValidator(_sha256_digest)]


def python_base_tag(python: str) -> str:
    return f"python:{python}-slim-{DEBIAN_RELEASE}"


def _known_base_digest(python: str, digest: str | None) -> str | None:
    if digest is None and python_base_tag(python) not in PYTHON_BASE_DIGESTS:
        raise ValueError(
            f"no digest is known for {python_base_tag(python)}: set baseDigest to its index digest "
            f"(`docker buildx imagetools inspect {python_base_tag(python)}` prints it)"
        )
    return digest


ImageName = Annotated[str, AfterValidator(_image_name_part)]


class _PinnedPython(Protocol):
    @property
    def python(self) -> str: ...

    @property
    def base_digest(self) -> str | None: ...


class BuildsOnPinnedPython:
    """Mixed into a model with ``python`` and ``base_digest`` that builds on the official Python image: the base is
    refused unless its digest is known, and named by tag and digest."""

    @model_validator(mode="after")
    def _base_is_pinned(self: _PinnedPython) -> _PinnedPython:
        _known_base_digest(self.python, self.base_digest)
        return self

    def python_base(self: _PinnedPython) -> str:
        """The official Python image this model builds on, by tag and digest."""
        return pinned_python_base(self.python, self.base_digest)


def pinned_python_base(python: str, digest: str | None) -> str:
    """``python:<python>-slim-bookworm@sha256:...``: by ``digest``, else by the digest the platform pins."""
    tag = python_base_tag(python)
    return f"{tag}@{digest or PYTHON_BASE_DIGESTS[tag]}"


class ImageProfile(ConfigModel, BuildsOnPinnedPython):
    """One Python/Dask pair; ``dask`` and ``distributed`` always share the version."""

    python: ExactVersion
    dask: ExactVersion
    base_digest: ImageDigest | None = None
    """The digest of ``python:<python>-slim-bookworm`` the images build on; unset: the one the platform pins."""


class ProcessorConfig(ConfigModel):
    """An image built from a profile's base plus the packages of ``requirements`` (a file in the repo).

    A Python package beside the requirements file (a ``pyproject.toml`` in the same folder) is installed too.
    """

    requirements: str = Field(pattern=r"^[\w./-]+$")
    """The requirements file (in the repository) whose lock the image installs."""
    profile: str = "processor"
    """The profile whose base image this one builds from; its lock pins exactly that profile's Dask."""


class JupyterConfig(ConfigModel, BuildsOnPinnedPython):
    """One JupyterLab image with a kernel per profile, each pinned to exactly that profile's versions."""

    enabled: bool = True
    """Build the JupyterLab image with one kernel per profile."""
    python: ExactVersion = "3.13.12"
    """The Python running JupyterLab itself; every kernel runs its own profile's Python."""
    base_digest: ImageDigest | None = None
    """The digest of ``python:<python>-slim-bookworm`` JupyterLab builds on; unset: the one the platform pins."""


def _default_profiles() -> dict[str, ImageProfile]:
    return {
        "staging": ImageProfile(python="3.13.12", dask="2026.1.2"),
        "processor": ImageProfile(python="3.11.7", dask="2024.5.2"),
    }


def _default_processors() -> dict[str, ProcessorConfig]:
    return {
        name: ProcessorConfig(requirements=f"processors/{name}/requirements.txt") for name in ("l0", "s1ard", "mockup")
    }


def _default_staging() -> ProcessorConfig:
    return ProcessorConfig(requirements="images/staging/requirements.txt", profile="staging")


class ImagesConfig(ConfigModel):
    registry: RegistryPrefix = "localhost/dask-platform"
    """Registry and organisation prefix of every image, e.g. ``ghcr.io/acme``."""
    targets: list[Target] = Field(default_factory=lambda: list[Target](["k8s"]), min_length=1)
    """Which base images each profile gets: `k8s` (clusters) and `local` (with its own dask-gateway-server).
    Kubernetes stacks need `k8s`; a local stack builds `local` only."""
    dask_gateway_version: ExactVersion = DASK_GATEWAY_VERSION
    """One dask-gateway version for every image; must equal the gateway chart version."""
    profiles: dict[ImageName, ImageProfile] = Field(default_factory=_default_profiles, min_length=1)
    """Python/Dask pairs by name, such as `{staging: {python: 3.13.12, dask: 2026.1.2}}`."""
    default_profile: str = "staging"
    """The profile of the gateway's default image and of the session's client image."""
    processors: dict[ImageName, ProcessorConfig] = Field(default_factory=_default_processors)
    """Images built from a profile's base plus a requirements file, by name."""
    staging: ProcessorConfig | None = Field(default_factory=_default_staging)
    """The staging image per target (``<registry>/dask/staging/<target>``); ``null`` builds none."""
    jupyter: JupyterConfig = JupyterConfig()
    platforms: list[Platform] = Field(default_factory=lambda: list[Platform](["linux/amd64"]), min_length=1)
    """Locks are resolved for x86_64, and their hashes cover every wheel of a pinned version, so arm64 builds
    work wherever each locked version publishes arm64 wheels too."""
    push: bool | None = None
    """Push to ``registry``; defaults to on in prod and off in dev, where images are loaded into minikube."""
    cache: bool | None = None
    """Registry build cache (``<registry>/dask/build-cache``); defaults to on when pushing."""
    registry_username: str | None = None
    """With the secret ``registryPassword``: the login for pushing. Unset: the build host's own docker login."""

    def pushes(self, is_prod: bool) -> bool:
        return is_prod if self.push is None else self.push

    @model_validator(mode="after")
    def _references_exist(self) -> ImagesConfig:
        if len(set(self.targets)) != len(self.targets) or len(set(self.platforms)) != len(self.platforms):
            raise ValueError(f"targets {self.targets} and platforms {self.platforms} must not repeat an entry")
        known = ", ".join(self.profiles)
        if self.default_profile not in self.profiles:
            raise ValueError(f"defaultProfile {self.default_profile!r} is not one of the profiles ({known})")
        derived = {**self.processors, **({"staging": self.staging} if self.staging else {})}
        for name, image in derived.items():
            where = "staging" if image is self.staging else f"processors.{name}"
            if image.profile not in self.profiles:
                raise ValueError(f"{where}.profile {image.profile!r} is not one of the profiles ({known})")
        reserved = sorted(set(self.processors) & set(RESERVED_IMAGE_NAMES))
        if reserved:
            raise ValueError(f"processors {reserved} take names the catalog uses itself ({RESERVED_IMAGE_NAMES})")
        return self
