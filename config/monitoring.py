"""Metrics and dashboards for a cluster that runs the Prometheus Operator: ``dask-platform:monitoring``."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from pydantic import Field
from pydantic_core import InitErrorDetails

from config.types import ConfigModel, KubernetesName, Labels, cross_section_problem, matching

ScrapeInterval = Annotated[
    str,
    matching(
        r"(0|([0-9]+y)?([0-9]+w)?([0-9]+d)?([0-9]+h)?([0-9]+m)?([0-9]+s)?([0-9]+ms)?)",
        "a Prometheus duration such as 30s or 1m30s",
    ),
]


def _default_monitor_labels() -> dict[str, str]:
    return {"release": "kube-prometheus-stack"}


class DashboardsConfig(ConfigModel):
    """Grafana dashboards as ConfigMaps in the monitoring namespace, picked up by Grafana's dashboard sidecar."""

    enabled: bool = True
    """Declare the dashboards (with `monitoring.enabled`)."""
    labels: Labels = Field(default_factory=lambda: {"grafana_dashboard": "1"}, min_length=1)
    """The labels Grafana's sidecar looks for on dashboard ConfigMaps (kube-prometheus-stack:
    `grafana_dashboard: "1"`)."""
    namespace: KubernetesName | None = None
    """Where the dashboard ConfigMaps go; unset means `monitoring.namespace`."""


class MonitoringConfig(ConfigModel):
    """Off by default: the monitors are Prometheus Operator kinds, so `pulumi up` fails where its CRDs are not
    installed. On: the operator chart's scheduler ServiceMonitor and worker PodMonitor, PodMonitors for gateway
    clusters in every user and team namespace, NetworkPolicies that let Prometheus scrape them, and dashboards."""

    enabled: bool = False
    """Declare the monitors, their NetworkPolicies and the dashboards; needs the Prometheus Operator's CRDs."""
    namespace: KubernetesName = "monitoring"
    """The namespace the cluster's Prometheus runs in: only its Prometheus pods may scrape Dask pods."""
    prometheus_pod_labels: Labels = Field(default_factory=lambda: {"app.kubernetes.io/name": "prometheus"})
    """Labels of the Prometheus pods in `namespace`; NetworkPolicies let only these scrape. Empty: every pod of
    the namespace."""
    monitor_labels: Labels = Field(default_factory=_default_monitor_labels)
    """Labels on every ServiceMonitor and PodMonitor, matching the Prometheus resource's
    `serviceMonitorSelector` and `podMonitorSelector`."""
    interval: ScrapeInterval = "30s"
    """How often Prometheus scrapes schedulers and workers."""
    dashboards: DashboardsConfig = DashboardsConfig()

    @property
    def dashboard_namespace(self) -> str:
        return self.dashboards.namespace or self.namespace


def monitoring_problems(monitoring: MonitoringConfig, user_namespaces: list[str]) -> Iterator[InitErrorDetails]:
    """Prometheus beside Dask pods would make the scrape policies let every pod of a user namespace in."""
    if monitoring.enabled and monitoring.namespace in user_namespaces:
        yield cross_section_problem(
            ("monitoring", "namespace"),
            monitoring.namespace,
            "is a user or team namespace; Prometheus must run in a namespace of its own (such as monitoring)",
        )
