"""Team namespaces in stack config (``dask-platform:teams``): a namespace with a quota, container defaults that
keep unsized pods inside that quota, and optionally the gateway user groups whose clusters land there."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from config.gateway import CoresOption, MemoryOption
from config.quantities import kubernetes_quantity
from config.types import (
    ConfigModel,
    GatewayMemory,
    KubernetesName,
    LabelValue,
    ResourceAmounts,
    Resources,
    resources_of,
)

RESERVED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def _team_name(value: str) -> str:
    if value in RESERVED_NAMESPACES or value.startswith("kube-"):
        raise ValueError("names a namespace Kubernetes reserves for itself; pick another team name")
    return value


TeamName = Annotated[KubernetesName, AfterValidator(_team_name)]


def _default_quota() -> TeamQuota:
    return TeamQuota(
        pods=20,
        requests=ResourceAmounts(cpu="8", memory="32Gi"),
        limits=ResourceAmounts(cpu="16", memory="64Gi"),
    )


class TeamQuota(Resources):
    """The team namespace's ResourceQuota: totals over all its pods, GPUs and operator clusters."""

    pods: int = Field(gt=0)
    """Most pods in the namespace."""
    gpus: int = Field(0, ge=0)
    """``requests.nvidia.com/gpu``; 0 keeps GPUs out of the namespace."""
    dask_clusters: int = Field(3, ge=0)
    """How many DaskClusters (``count/daskclusters.kubernetes.dask.org``) may exist at once."""


class TeamGatewayLimits(ConfigModel):
    """What the gateway lets this team's users ask for, within the gateway's own bounds; unset keys keep the
    gateway's."""

    worker_cores: CoresOption | None = None
    """`{default, min, max}` worker cores, within gateway.clusterOptions.workerCores."""
    worker_cores_limit: CoresOption | None = None
    """`{default, min, max}` worker core limit, within gateway.clusterOptions.workerCoresLimit."""
    worker_memory: MemoryOption | None = None
    """`{default, min, max}` worker memory, within gateway.clusterOptions.workerMemory."""
    cluster_max_cores: float | None = Field(None, gt=0)
    """Most cores one of the team's gateway clusters may use, at most gateway.clusterMaxCores."""
    cluster_max_memory: GatewayMemory | None = None
    """Most memory one of the team's gateway clusters may use, at most gateway.clusterMaxMemory."""
    cluster_max_workers: int | None = Field(None, gt=0)
    """Most workers one of the team's gateway clusters may run, at most gateway.clusterMaxWorkers."""
    clusters_per_user: int | None = Field(None, gt=0)
    """Most gateway clusters one of the team's users may run at once, at most gateway.clustersPerUser."""
    profiles: list[str] | None = Field(None, min_length=1)
    """The image profiles the team may pick (needs gateway.profileOption); unset allows every profile."""


class TeamConfig(ConfigModel):
    name: TeamName
    """The team's namespace."""
    quota: TeamQuota = Field(default_factory=_default_quota)
    container_defaults: Resources = resources_of("250m", "512Mi", "1", "1Gi")
    """The LimitRange defaults for containers that set no resources of their own."""
    gateway_groups: list[str] = Field(default_factory=list)
    """Gateway users in any of these groups (JupyterHub groups) get their clusters in this namespace. Groups
    match exactly: `Analytics` or `ml ` is not `analytics` or `ml`."""
    cost_center: LabelValue | None = None
    """The organisation's cost centre, such as `cc-1234`: a label (key `costLabels.costCenterKey`) on every Dask
    pod in the team's namespace."""
    gateway: TeamGatewayLimits | None = None
    """The team's own gateway limits: option bounds, cluster limits and profiles (see docs/gateway-options.md)."""

    @model_validator(mode="after")
    def _defaults_fit_the_quota(self) -> TeamConfig:
        for kind in ("requests", "limits"):
            for name in ("cpu", "memory"):
                default = getattr(getattr(self.container_defaults, kind), name)
                total = getattr(getattr(self.quota, kind), name)
                if kubernetes_quantity(default) > kubernetes_quantity(total):
                    raise ValueError(
                        f"containerDefaults.{kind}.{name} {default!r} is above quota.{kind}.{name} {total!r}: "
                        "a pod that sets no resources could never start"
                    )
        return self
