"""One image of the catalog as plain data, how its content tag is computed, and how the catalog is built
(pure, no Pulumi).

Shared by the catalog (``render/catalog.py``) and the Jupyter image's layers (``render/jupyter_images.py``).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from config.images import ImageProfile, ImagesConfig, Target

TINI_VERSION = "0.19.0-1+b3"
"""tini as packaged in Debian ``config.images.DEBIAN_RELEASE``; pinned like every other input of an image."""
DIGEST_LENGTH = 12

ImageKind = Literal["base", "processor", "staging", "jupyter"]


@dataclass(frozen=True)
class ImageSpec:
    """Everything needed to build one image; paths are relative to the repository root."""

    key: str
    kind: ImageKind
    repository: str
    tag: str
    context: str
    dockerfile: str
    stage: str | None
    build_args: dict[str, str] = field(hash=False)
    locks: tuple[str, ...]
    base: str | None
    """The key of the image this one builds FROM; its reference arrives as the ``BASE_IMAGE`` build argument."""
    kernel_base: str | None = field(default=None, kw_only=True)
    """For a Jupyter kernel layer: the key of the k8s base image whose interpreter and environment it copies;
    its reference arrives as the ``KERNEL_IMAGE`` build argument."""
    target: Target | None
    profile: str | None
    digest: str

    @property
    def reference(self) -> str:
        return f"{self.repository}:{self.tag}"


@dataclass(frozen=True)
class Recipe:
    """Where an image is built from: its build context and Dockerfile, relative to the repository root."""

    context: str
    dockerfile: str


def version_key(profile: ImageProfile, dask_gateway_version: str) -> str:
    return f"py{profile.python}-dask{profile.dask}-gateway{dask_gateway_version}"


def file_digest(path: Path) -> str:
    # A missing file is content too ("missing"), so tags stay computable; check_catalog reports it.
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"


def json_digest(payload: object) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _content_digest(
    root: Path, dockerfile: str, files: Iterable[str], build_args: dict[str, str], stage: str | None, base: str | None
) -> str:
    return json_digest(
        {
            "dockerfile": file_digest(root / dockerfile),
            "files": {name: file_digest(root / name) for name in sorted(files)},
            "build_args": build_args,
            "stage": stage,
            "base": base,
        }
    )


def tagged_spec(
    root: Path,
    recipe: Recipe,
    *,
    key: str,
    kind: ImageKind,
    repository: str,
    tag_prefix: str,
    build_args: dict[str, str],
    locks: tuple[str, ...],
    files: Iterable[str] = (),
    stage: str | None = None,
    base: ImageSpec | None = None,
    kernel_base: ImageSpec | None = None,
    target: Target | None = None,
    profile: str | None = None,
) -> ImageSpec:
    """One image, tagged ``<tag_prefix>-<content digest>``: the digest covers the Dockerfile, the locks and other
    ``files`` the image takes in, its build arguments and stage, and the digests of the images it builds on."""
    upstream = ":".join(spec.digest for spec in (base, kernel_base) if spec is not None) or None
    digest = _content_digest(root, recipe.dockerfile, [*locks, *files], build_args, stage, upstream)
    return ImageSpec(
        key=key,
        kind=kind,
        repository=repository,
        tag=f"{tag_prefix}-{digest[:DIGEST_LENGTH]}",
        context=recipe.context,
        dockerfile=recipe.dockerfile,
        stage=stage,
        build_args=build_args,
        locks=locks,
        base=base.key if base is not None else None,
        kernel_base=kernel_base.key if kernel_base is not None else None,
        target=target,
        profile=profile,
        digest=digest,
    )


@dataclass(frozen=True)
class ImageBuild:
    """How a stack builds its catalog (``components/images.py``): the specs, in build order, and where to."""

    specs: tuple[ImageSpec, ...]
    push: bool
    """Push to the registry (prod); otherwise load into the Docker daemon the build talks to."""
    cache: bool
    """Use a registry build cache per image under ``cache_repository``."""
    cache_repository: str
    registry_host: str
    """What a registry login is for: the host part of ``images.registry``."""
    registry_username: str | None
    platforms: tuple[str, ...]

    @property
    def references(self) -> dict[str, str]:
        """Each spec's key and the reference it is tagged with."""
        return {spec.key: spec.reference for spec in self.specs}


def image_build(images: ImagesConfig, push: bool, specs: Iterable[ImageSpec]) -> ImageBuild:
    return ImageBuild(
        specs=tuple(specs),
        push=push,
        cache=push if images.cache is None else images.cache,
        cache_repository=f"{images.registry}/dask/build-cache",
        registry_host=images.registry.split("/", 1)[0],
        registry_username=images.registry_username,
        platforms=tuple(images.platforms),
    )
