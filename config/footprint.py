"""What declared clusters count against a team's ResourceQuota, with Kubernetes' own quantity parser."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from config.clusters import DeclaredClusterConfig, WorkersConfig
from config.quantities import kubernetes_quantity
from config.teams import TeamQuota
from config.types import Resources


@dataclass
class Footprint:
    """What a set of pods counts against a ResourceQuota."""

    pods: int = 0
    clusters: int = 0
    gpus: int = 0
    amounts: dict[str, Decimal] = field(default_factory=dict)
    """``requests.cpu``, ``limits.memory`` ... as numbers."""

    def add(self, other: Footprint) -> None:
        self.pods += other.pods
        self.clusters += other.clusters
        self.gpus += other.gpus
        for key, amount in other.amounts.items():
            self.amounts[key] = self.amounts.get(key, Decimal(0)) + amount

    def add_pods(self, count: int, resources: Resources, gpus: int = 0) -> None:
        self.pods += count
        self.gpus += count * gpus
        for kind in ("requests", "limits"):
            for name in ("cpu", "memory"):
                key = f"{kind}.{name}"
                amount = kubernetes_quantity(getattr(getattr(resources, kind), name))
                self.amounts[key] = self.amounts.get(key, Decimal(0)) + count * amount


def _worker_groups(cluster: DeclaredClusterConfig) -> Iterator[WorkersConfig]:
    yield cluster.worker
    yield from cluster.worker_groups


def _footprint(clusters: list[DeclaredClusterConfig], scaled_up: bool) -> Footprint:
    footprint = Footprint()
    for cluster in clusters:
        footprint.clusters += 1
        footprint.add_pods(1, cluster.scheduler.resources)
        if cluster.job is not None:
            footprint.add_pods(1, cluster.job.resources)
        for group in _worker_groups(cluster):
            replicas = group.replicas
            if group is cluster.worker and cluster.autoscaler is not None:
                bound = cluster.autoscaler.maximum if scaled_up else cluster.autoscaler.minimum
                replicas = max(replicas, bound)
            footprint.add_pods(replicas, group.resources, group.gpu.count if group.gpu else 0)
    return footprint


def minimum_footprint(clusters: list[DeclaredClusterConfig]) -> Footprint:
    """The pods these clusters keep running at their smallest (the autoscaler never goes below its minimum)."""
    return _footprint(clusters, scaled_up=False)


def maximum_footprint(clusters: list[DeclaredClusterConfig]) -> Footprint:
    """The pods these clusters run when every autoscaler is at its maximum."""
    return _footprint(clusters, scaled_up=True)


def quota_problems(quota: TeamQuota, needed: Footprint) -> list[tuple[tuple[str, ...], object, str]]:
    """Where ``needed`` does not fit ``quota``: (the quota's key path, its value, what is needed) per exceeded item."""
    problems: list[tuple[tuple[str, ...], object, str]] = [
        ((key,), allowed, f"{need} {label}")
        for key, label, need, allowed in (
            ("pods", "pods", needed.pods, quota.pods),
            ("gpus", "GPUs", needed.gpus, quota.gpus),
            ("daskClusters", "DaskClusters", needed.clusters, quota.dask_clusters),
        )
        if need > allowed
    ]
    for key, need in needed.amounts.items():
        kind, name = key.split(".")
        allowed_text = getattr(getattr(quota, kind), name)
        if need > kubernetes_quantity(allowed_text):
            shown = f"{need / 2**30:.4g}Gi" if name == "memory" else f"{need.normalize():f}"
            problems.append(((kind, name), allowed_text, f"{kind}.{name} {shown}"))
    return problems
