"""The dask-gateway release and the cluster options users get: ``dask-platform:gateway``.

Memory in cluster options uses the gateway's own convention (``"2 G"``, powers of 1024), read with the gateway's
own parser, so a bound in the stack means exactly what a user typing ``worker_memory="8 G"`` gets.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from config.quantities import gateway_memory_bytes
from config.types import (
    DASK_GATEWAY_VERSION,
    ChartConfig,
    ConfigModel,
    GatewayMemory,
    ImageTag,
    KubernetesName,
    SecretKey,
)


class JupyterHubAuthConfig(ConfigModel):
    api_token_secret_name: KubernetesName = "hub"
    """The existing Secret in the gateway namespace that holds the JupyterHub API token."""
    api_token_secret_key: SecretKey = "hub.services.dask-gateway.apiToken"
    """The key of that Secret holding the token."""
    api_url: str | None = None
    """JupyterHub's API URL; unset lets the chart infer it."""
    service_name: str | None = None
    """The JupyterHub service name of the gateway."""


class GatewayAuthConfig(ConfigModel):
    type: Literal["simple", "jupyterhub"] = "simple"
    """How users authenticate: `simple` (a shared password in prod) or `jupyterhub`."""
    jupyterhub: JupyterHubAuthConfig = JupyterHubAuthConfig()


class GatewayServiceConfig(ConfigModel):
    type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = "ClusterIP"
    """How traefik, the gateway's entry point, is exposed; `NodePort` and `LoadBalancer` need `allowExternal`."""
    port: int = Field(80, ge=1, le=65535)
    """Traefik's service port."""
    allow_external: bool = False
    """Opt in to `NodePort` or `LoadBalancer`, which expose the gateway outside the cluster."""


class ImageConfig(ConfigModel):
    """The default scheduler/worker image.

    Unless a stack sets ``name`` or ``tag``, the program uses the image catalog's base image of
    ``images.defaultProfile`` instead (``catalog.with_catalog_images``, before anything is declared); the
    defaults here are the upstream image, what a gateway config on its own falls back to.
    """

    name: str = "ghcr.io/dask/dask-gateway"
    """The default scheduler and worker image's repository; unset uses the catalog's."""
    tag: ImageTag = DASK_GATEWAY_VERSION
    """The default image's tag; unset uses the catalog's."""
    pull_policy: Literal["Always", "IfNotPresent", "Never"] = "IfNotPresent"
    """The image pull policy of gateway clusters' pods."""

    @property
    def from_catalog(self) -> bool:
        return not {"name", "tag"} & self.model_fields_set

    @property
    def reference(self) -> str:
        return f"{self.name}:{self.tag}"


class CoresOption(ConfigModel):
    default: float = Field(gt=0)
    min: float = Field(gt=0)
    max: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> CoresOption:
        if not self.min <= self.default <= self.max:
            raise ValueError(f"needs min <= default <= max, got {self.min}, {self.default}, {self.max}")
        return self


class MemoryOption(ConfigModel):
    default: GatewayMemory
    min: GatewayMemory
    max: GatewayMemory

    @model_validator(mode="after")
    def _ordered(self) -> MemoryOption:
        low, default, high = (gateway_memory_bytes(v) for v in (self.min, self.default, self.max))
        if not low <= default <= high:
            raise ValueError(f"needs min <= default <= max, got {self.min!r}, {self.default!r}, {self.max!r}")
        return self


class ClusterOptionsConfig(ConfigModel):
    """Bounds of the options users set from notebooks: ``gateway.cluster_options()``."""

    worker_cores: CoresOption = CoresOption(default=1, min=0.5, max=4)
    """`{default, min, max}` worker cores users may ask for."""
    worker_cores_limit: CoresOption = CoresOption(default=1, min=0.5, max=8)
    """`{default, min, max}` worker core limit users may ask for."""
    worker_memory: MemoryOption = MemoryOption(default="2 G", min="512 M", max="16 G")
    """`{default, min, max}` worker memory, in the gateway's sizes such as `"2 G"`."""
    allowed_images: list[str] = Field(default_factory=list)
    """Images users may pick; empty means any image. The entry ``catalog`` stands for every image the catalog
    builds for Kubernetes (bases, processors, staging)."""


class GatewayConfig(ConfigModel):
    chart: ChartConfig = ChartConfig(version=DASK_GATEWAY_VERSION)
    auth: GatewayAuthConfig = GatewayAuthConfig()
    service: GatewayServiceConfig = GatewayServiceConfig()
    image: ImageConfig = ImageConfig()
    image_pull_secrets: list[KubernetesName] = Field(default_factory=list)
    """Existing Secrets in the cluster namespace that gateway clusters pull images with."""
    cluster_options: ClusterOptionsConfig = ClusterOptionsConfig()
    cluster_max_cores: float = Field(16, gt=0)
    """Most cores one gateway cluster may use in all."""
    cluster_max_memory: GatewayMemory = "64 G"
    """Most memory one gateway cluster may use in all, such as `"64 G"`."""
    cluster_max_workers: int = Field(8, gt=0)
    """Most workers one gateway cluster may run."""
    idle_timeout_seconds: int = Field(1800, ge=0)
    """0 disables the idle timeout; prod policy requires it on."""
    cluster_namespace: KubernetesName | None = None
    """Where gateway clusters run; defaults to the first user namespace."""
