"""The image matrix in stack config: Python/Dask profiles, targets, processors and where images go."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from components.config_base import ConfigModel, ExactVersion

Target = Literal["k8s", "local"]

DEFAULT_DASK_GATEWAY_VERSION = "2026.3.0"


class ImageProfile(ConfigModel):
    """One Python/Dask pair; ``dask`` and ``distributed`` always share the version."""

    python: ExactVersion
    dask: ExactVersion


class ProcessorConfig(ConfigModel):
    """A processor image: the ``processor`` base plus the packages of ``requirements`` (a file in the repo)."""

    requirements: str


def _default_profiles() -> dict[str, ImageProfile]:
    return {
        "staging": ImageProfile(python="3.13.12", dask="2026.1.2"),
        "processor": ImageProfile(python="3.11.7", dask="2024.5.2"),
    }


def _default_processors() -> dict[str, ProcessorConfig]:
    return {
        name: ProcessorConfig(requirements=f"processors/{name}/requirements.txt")
        for name in ("l0", "s1ard", "mockup")
    }


class ImagesConfig(ConfigModel):
    registry: str = "localhost/dask-platform"
    """Registry and organisation prefix of every image, e.g. ``ghcr.io/acme``."""
    targets: list[Target] = Field(default_factory=lambda: ["k8s"], min_length=1)
    dask_gateway_version: ExactVersion = DEFAULT_DASK_GATEWAY_VERSION
    """One dask-gateway version for every image; must equal the gateway chart version."""
    profiles: dict[str, ImageProfile] = Field(default_factory=_default_profiles)
    processors: dict[str, ProcessorConfig] = Field(default_factory=_default_processors)
    push: bool | None = None
    """Push to ``registry``; defaults to on in prod and off in dev, where images are loaded into minikube."""
