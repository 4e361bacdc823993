"""Team namespaces as plain manifests: the quota, the container defaults, and where the gateway sends a team's
users' clusters."""

from __future__ import annotations

from typing import Any

from config.clusters import GPU_RESOURCE
from config.teams import TeamConfig
from render.names import TEAM_QUOTA_NAME
from render.namespaces import container_defaults, resource_quota


def team_quota(team: TeamConfig) -> dict[str, Any]:
    """The ResourceQuota of a team namespace: pods, CPU and memory, GPUs and operator clusters."""
    quota = team.quota
    hard = {
        "pods": str(quota.pods),
        "requests.cpu": quota.requests.cpu,
        "requests.memory": quota.requests.memory,
        "limits.cpu": quota.limits.cpu,
        "limits.memory": quota.limits.memory,
        f"requests.{GPU_RESOURCE}": str(quota.gpus),
        "count/daskclusters.kubernetes.dask.org": str(quota.dask_clusters),
    }
    return resource_quota(TEAM_QUOTA_NAME, team.name, hard)


def team_limit_range(team: TeamConfig) -> dict[str, Any]:
    return container_defaults(team.name, team.container_defaults)


def gateway_team_namespaces(teams: list[TeamConfig]) -> dict[str, str]:
    """Gateway user group -> the namespace of the team that lists it, in stack order."""
    namespaces: dict[str, str] = {}
    for team in teams:
        for group in team.gateway_groups:
            namespaces.setdefault(group, team.name)
    return namespaces
