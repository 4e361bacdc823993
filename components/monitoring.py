"""The monitors for gateway clusters and the Grafana dashboards (render/monitoring.py, render/grafana.py)."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import KubernetesComponent, declare_in_namespaces
from render.platform import MonitoringObjects


class Monitoring(KubernetesComponent):
    """PodMonitors in the user and team namespaces, each after its namespace, and dashboard ConfigMaps in the
    monitoring namespace, which the cluster's Prometheus stack owns (so they wait for nothing)."""

    def __init__(
        self,
        name: str,
        objects: MonitoringObjects,
        namespaces: Mapping[str, pulumi.Resource],
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:monitoring:Monitoring", name, provider, opts)
        declare_in_namespaces(name, objects.pod_monitors, namespaces, self.child)
        declare_in_namespaces(name, objects.dashboards, None, self.child)
        self.register_outputs({"monitors": len(objects.pod_monitors), "dashboards": len(objects.dashboards)})
