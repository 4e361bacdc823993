"""Everything the local stack declares, rendered from its config into one plain value (pure, no Pulumi).

No Kubernetes: the local images, loaded into this machine's Docker daemon, and the containers that run them
(``render/local.py``), plus the smoke check containers (``render/local_smoke.py``). ``components/local_platform.py``
wires them; the gateway password, a Pulumi Output, stays there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from config.platform import PlatformConfig
from render.catalog import image_specs
from render.image_spec import ImageBuild, image_build
from render.local import (
    LOCAL_CATALOG_TARGETS,
    LocalRuntimeSpec,
    gateway_urls,
    in_network_gateway_addresses,
    jupyter_token_command,
    jupyter_url,
    kernel_gateway_addresses,
    local_images,
    local_runtime,
)
from render.local_smoke import LocalSmokeCheck, local_smoke_checks


@dataclass(frozen=True)
class RenderedLocalPlatform:
    images: ImageBuild
    runtime: LocalRuntimeSpec
    smoke_checks: list[LocalSmokeCheck]
    exports: dict[str, Any]
    """The stack's exports that are plain data; the component adds the password and the checks' results."""


def render_local_platform(config: PlatformConfig) -> RenderedLocalPlatform:
    """The local stack's images, containers and smoke checks. Each kernel's dask configuration names the gateway
    of its profile's base image, with basic auth."""
    images = config.images.model_copy(update={"targets": LOCAL_CATALOG_TARGETS})
    every = image_specs(
        images, config.gateway, kernel_gateway_addresses=kernel_gateway_addresses(config), kernel_auth_type="basic"
    )
    build = image_build(images, False, local_images(config, every))
    runtime = local_runtime(config, list(build.specs))
    return RenderedLocalPlatform(
        images=build,
        runtime=runtime,
        smoke_checks=local_smoke_checks(config, list(runtime.gateways.values())),
        exports={
            "gatewayUrls": gateway_urls(config),
            "gatewayAddressesInNetwork": in_network_gateway_addresses(config),
            "jupyterUrl": jupyter_url(config),
            "jupyterTokenCommand": jupyter_token_command(),
            "containers": [container.name for container in runtime.containers],
            "images": build.references,
        },
    )
