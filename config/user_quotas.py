"""Quotas of the user namespaces (``namespaces.users``): room for a number of gateway clusters at their largest,
plus every declared cluster at its largest and the platform's own pods there, unless the stack sets an amount.

Gateway clusters are bounded by the gateway's own limits (``clusterMaxCores``, ``clusterMaxMemory``,
``clusterMaxWorkers``, counting the scheduler), so those limits give what one of them may request at most.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from pydantic import Field

from config.clusters import DeclaredClusterConfig
from config.footprint import Footprint, maximum_footprint, minimum_footprint
from config.gateway import GatewayConfig
from config.quantities import gateway_memory_bytes, kubernetes_quantity
from config.types import ConfigModel, Problems, ResourceAmounts, Resources, cross_section_problem

OWN_DASK_CLUSTERS = 2
"""DaskClusters users may create themselves in a user namespace, beside the declared ones, unless set."""


class UserQuota(ConfigModel):
    """A user namespace's ResourceQuota; each amount left unset is derived from the stack."""

    gateway_clusters: int = Field(4, ge=0)
    """In the namespace gateway clusters start in: how many gateway clusters at their largest the derived amounts
    make room for."""
    pods: int | None = Field(None, gt=0)
    """Most pods in the namespace; unset derives it."""
    requests: ResourceAmounts | None = None
    """Total `requests.cpu` and `requests.memory`; unset derives them."""
    gpus: int | None = Field(None, ge=0)
    """`requests.nvidia.com/gpu`; unset derives it (0 without gateway.gpuOption or declared GPU workers)."""
    dask_clusters: int | None = Field(None, ge=0)
    """Operator DaskClusters at once; unset allows the declared ones plus 2."""


@dataclass(frozen=True)
class QuotaAmounts:
    """A user namespace's ResourceQuota as numbers: CPU in cores, memory in bytes."""

    pods: int
    cpu: Decimal
    memory: Decimal
    gpus: int
    dask_clusters: int


@dataclass(frozen=True)
class UserNamespace:
    """What runs in one user namespace, for its quota."""

    name: str
    takes_gateway_clusters: bool
    declared: list[DeclaredClusterConfig]
    platform_pods: list[Resources]
    """The platform's own pods there: the session, a namespace-scoped operator."""


def _needs(namespace: UserNamespace, at_most: bool) -> Footprint:
    needed = (maximum_footprint if at_most else minimum_footprint)(namespace.declared)
    for resources in namespace.platform_pods:
        needed.add_pods(1, resources)
    return needed


def quota_amounts(gateway: GatewayConfig, quota: UserQuota, namespace: UserNamespace) -> QuotaAmounts:
    """The stack's amounts where it sets them, else room for the gateway clusters and everything declared."""
    clusters = quota.gateway_clusters if namespace.takes_gateway_clusters else 0
    gpu = gateway.gpu_option
    per_cluster_gpus = gpu.max_per_worker * gateway.cluster_max_workers if gpu is not None else 0
    needed = _needs(namespace, at_most=True)
    requests = quota.requests
    cpu = clusters * Decimal(str(gateway.cluster_max_cores)) + needed.amounts.get("requests.cpu", Decimal(0))
    memory = clusters * gateway_memory_bytes(gateway.cluster_max_memory) + needed.amounts.get(
        "requests.memory", Decimal(0)
    )
    return QuotaAmounts(
        pods=quota.pods or clusters * (gateway.cluster_max_workers + 1) + needed.pods,
        cpu=kubernetes_quantity(requests.cpu) if requests is not None else cpu,
        memory=kubernetes_quantity(requests.memory) if requests is not None else memory,
        gpus=quota.gpus if quota.gpus is not None else clusters * per_cluster_gpus + needed.gpus,
        dask_clusters=quota.dask_clusters if quota.dask_clusters is not None else needed.clusters + OWN_DASK_CLUSTERS,
    )


def _overruns(amounts: QuotaAmounts, needed: Footprint) -> list[tuple[str, str]]:
    """(quota key, what is needed) for each amount ``needed`` goes above."""
    cpu = needed.amounts.get("requests.cpu", Decimal(0))
    memory = needed.amounts.get("requests.memory", Decimal(0))
    checks = [
        ("pods", needed.pods > amounts.pods, f"{needed.pods} pods"),
        ("requests.cpu", cpu > amounts.cpu, f"requests.cpu {cpu.normalize():f}"),
        ("requests.memory", memory > amounts.memory, f"requests.memory {memory / 2**30:.4g}Gi"),
        ("gpus", needed.gpus > amounts.gpus, f"{needed.gpus} GPUs"),
        ("daskClusters", needed.clusters > amounts.dask_clusters, f"{needed.clusters} DaskClusters"),
    ]
    return [(key, need) for key, over, need in checks if over]


def user_quota_problems(
    gateway: GatewayConfig,
    quotas: dict[str, UserQuota],
    namespaces: list[UserNamespace],
    clusters: list[DeclaredClusterConfig],
    container_defaults: Resources,
) -> Problems:
    """Where what the stack declares in a user namespace cannot fit the amounts the stack set for it."""
    for namespace in namespaces:
        quota = quotas.get(namespace.name, UserQuota())
        amounts = quota_amounts(gateway, quota, namespace)
        at = ("namespaces", "userQuotas", namespace.name)
        for key, need in _overruns(amounts, _needs(namespace, at_most=False)):
            yield cross_section_problem(
                (*at, *key.split(".")),
                _set_amount(quota, key),
                f"what runs in {namespace.name!r} needs {need} at its smallest; raise it or shrink those clusters",
            )
        for position, cluster in enumerate(clusters):
            if cluster not in namespace.declared or cluster.autoscaler is None:
                continue
            scaled_up = _needs(
                UserNamespace(namespace.name, False, [c for c in namespace.declared if c is not cluster], []), False
            )
            scaled_up.add(_needs(UserNamespace(namespace.name, False, [cluster], namespace.platform_pods), True))
            overrun = _overruns(amounts, scaled_up)
            if overrun:
                yield cross_section_problem(
                    ("clusters", position, "autoscaler", "maximum"),
                    cluster.autoscaler.maximum,
                    f"can never be reached: with everything else in {namespace.name!r}, that needs {overrun[0][1]}, "
                    f"above namespaces.userQuotas.{namespace.name}",
                )
        for name in ("cpu", "memory") if quota.requests is not None else ():
            default = kubernetes_quantity(getattr(container_defaults.requests, name))
            if default > (amounts.cpu if name == "cpu" else amounts.memory):
                yield cross_section_problem(
                    ("namespaces", "userContainerDefaults", "requests", name),
                    getattr(container_defaults.requests, name),
                    f"is above the quota of {namespace.name!r}: a pod that sets no resources could never start",
                )


def _set_amount(quota: UserQuota, key: str) -> object:
    if key.startswith("requests.") and quota.requests is not None:
        return getattr(quota.requests, key.removeprefix("requests."))
    return getattr(quota, {"daskClusters": "dask_clusters"}.get(key, key), None)
