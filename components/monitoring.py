"""The monitors for gateway clusters and the Grafana dashboards (render/monitoring.py, render/grafana.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import declare_in_namespaces


class Monitoring(pulumi.ComponentResource):
    """PodMonitors in the user and team namespaces, each after its namespace, and dashboard ConfigMaps in the
    monitoring namespace, which the cluster's Prometheus stack owns (so they wait for nothing)."""

    def __init__(
        self,
        name: str,
        monitors: Sequence[Mapping[str, Any]],
        dashboards: Sequence[Mapping[str, Any]],
        namespaces: Mapping[str, pulumi.Resource],
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:monitoring:Monitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        declare_in_namespaces(name, monitors, namespaces, child)
        declare_in_namespaces(name, dashboards, None, child)
        self.register_outputs({"monitors": len(monitors), "dashboards": len(dashboards)})
