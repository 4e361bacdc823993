"""ImageCatalog: every image of the catalog as a ``pulumi-docker-build`` Image, built in dependency order.

A derived image (processor, staging) receives its base's ``ref`` output as the ``BASE_IMAGE`` build argument,
so Pulumi builds the base first and the derived image builds FROM exactly what was just built.

- dev (``push`` off): images are loaded into the Docker daemon the build talks to. Run ``pulumi up`` after
  ``eval $(minikube docker-env)`` and the images land in minikube's own daemon, where pods find them without
  any registry (pull policy ``IfNotPresent``; content tags make a changed image a new tag).
- prod (``push`` on): images are pushed to ``images.registry``, logging in with ``images.registryUsername`` and
  the secret ``registryPassword``, with a registry build cache per image under ``<registry>/dask/build-cache``.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_docker_build as docker_build

from components.stack import Secrets
from render.catalog import PIP_INDEX_SECRET
from render.image_spec import ImageBuild


def _registry_login(build: ImageBuild, secrets: Secrets) -> list[docker_build.RegistryArgs] | None:
    if build.registry_username is None or secrets.registry_password is None:
        return None
    return [
        docker_build.RegistryArgs(
            address=build.registry_host, username=build.registry_username, password=secrets.registry_password
        )
    ]


def _cache(build: ImageBuild, key: str) -> dict[str, Any]:
    """A registry build cache per image, or none."""
    if not build.cache:
        return {"cache_from": None, "cache_to": None}
    ref = f"{build.cache_repository}:{key}"
    return {
        "cache_from": [docker_build.CacheFromArgs(registry=docker_build.CacheFromRegistryArgs(ref=ref))],
        "cache_to": [
            docker_build.CacheToArgs(
                registry=docker_build.CacheToRegistryArgs(ref=ref, mode=docker_build.CacheMode.MAX, image_manifest=True)
            )
        ],
    }


class ImageCatalog(pulumi.ComponentResource):
    """One Image per catalog spec; ``references`` maps each spec's key to its tag reference."""

    def __init__(
        self,
        name: str,
        build: ImageBuild,
        secrets: Secrets,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:images:ImageCatalog", name, None, opts)
        registries = _registry_login(build, secrets)
        build_secrets = (
            {PIP_INDEX_SECRET: secrets.pip_extra_index_url} if secrets.pip_extra_index_url is not None else None
        )
        self.images: dict[str, docker_build.Image] = {}
        for spec in build.specs:
            build_args: dict[str, pulumi.Input[str]] = dict(spec.build_args)
            if spec.base is not None:
                build_args["BASE_IMAGE"] = self.images[spec.base].ref
            if spec.kernel_base is not None:
                build_args["KERNEL_IMAGE"] = self.images[spec.kernel_base].ref
            self.images[spec.key] = docker_build.Image(
                f"{name}-{spec.key}",
                tags=[spec.reference],
                context=docker_build.BuildContextArgs(location=spec.context),
                dockerfile=docker_build.DockerfileArgs(location=spec.dockerfile),
                target=spec.stage,
                build_args=build_args,
                platforms=[docker_build.Platform(platform) for platform in build.platforms],
                push=build.push,
                load=not build.push,
                registries=registries,
                secrets=build_secrets,
                **_cache(build, spec.key),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.references = build.references
        self.register_outputs({"references": self.references})
