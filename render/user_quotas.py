"""User namespaces' ResourceQuota and LimitRange as plain manifests, from the amounts ``config/user_quotas.py``
derives: most users' clusters run there, so the pool is capped there as in team namespaces."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any

from config.clusters import GPU_RESOURCE
from config.platform import PlatformConfig
from config.user_quotas import QuotaAmounts
from render.names import USER_QUOTA_NAME
from render.namespaces import container_defaults, resource_quota

GIB, MIB = 2**30, 2**20


def cpu_quantity(cores: Decimal) -> str:
    """Whole cores as such, anything else in millicores (rounded up, so the quota never falls short)."""
    if cores == cores.to_integral_value():
        return str(int(cores))
    return f"{int((cores * 1000).to_integral_value(rounding=ROUND_CEILING))}m"


def memory_quantity(size: Decimal) -> str:
    """Bytes in the largest binary unit that holds them exactly."""
    for unit, suffix in ((GIB, "Gi"), (MIB, "Mi")):
        if size and size % unit == 0:
            return f"{int(size // unit)}{suffix}"
    return str(int(size.to_integral_value(rounding=ROUND_CEILING)))


def user_quota(namespace: str, amounts: QuotaAmounts) -> dict[str, Any]:
    """Pods, requested CPU, memory and GPUs, and operator DaskClusters: what the scheduler places on the pool.
    Limits are left out: gateway workers' limits follow their users' options, and nodes enforce them."""
    hard = {
        "pods": str(amounts.pods),
        "requests.cpu": cpu_quantity(amounts.cpu),
        "requests.memory": memory_quantity(amounts.memory),
        f"requests.{GPU_RESOURCE}": str(amounts.gpus),
        "count/daskclusters.kubernetes.dask.org": str(amounts.dask_clusters),
    }
    return resource_quota(USER_QUOTA_NAME, namespace, hard)


def user_quota_manifests(config: PlatformConfig) -> dict[str, list[dict[str, Any]]]:
    """Per user namespace: its ResourceQuota and LimitRange."""
    return {
        name: [
            user_quota(name, config.user_quota(name)),
            container_defaults(name, config.namespaces.user_container_defaults),
        ]
        for name in config.namespaces.users
    }
