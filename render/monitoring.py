"""What Prometheus scrapes, as plain data: the operator chart's ``metrics`` values and the PodMonitors for
gateway clusters (pure, no Pulumi).

Every Dask image carries prometheus-client, so each scheduler and worker serves ``/metrics`` on its dashboard
port. Where the ports are:

- gateway clusters (dask-gateway-server's KubeBackend): scheduler and workers both name port 8787 ``dashboard``;
  pods carry ``app.kubernetes.io/component: dask-scheduler|dask-worker`` and ``gateway.dask.org/cluster``;
- declared clusters (the operator): the scheduler's Service and pod name 8787 ``http-dashboard``, workers name
  8788 ``http-dashboard``; pods carry ``dask.org/component: scheduler|worker`` and ``dask.org/cluster-name``.

Targets keep the pod's cluster and cost labels, so the dashboards split by user, team and cluster. Every target
also has ``namespace`` and ``pod``, which join Dask's series with kube-state-metrics' ``kube_pod_labels``.
"""

from __future__ import annotations

from typing import Any

from config.platform import PlatformConfig
from render.dask import DASHBOARD_PORT, WORKER_DASHBOARD_PORT
from render.names import PLATFORM_LABEL

MONITORING_API_VERSION = "monitoring.coreos.com/v1"
GATEWAY_COMPONENT_LABEL = "app.kubernetes.io/component"
GATEWAY_CLUSTER_LABEL = "gateway.dask.org/cluster"
GATEWAY_COMPONENTS = {"scheduler": "dask-scheduler", "worker": "dask-worker"}
"""dask-gateway-server's ``app.kubernetes.io/component`` values on a cluster's pods."""
GATEWAY_METRICS_PORT_NAME = "dashboard"
GATEWAY_METRICS_PORT = DASHBOARD_PORT
"""Gateway schedulers and workers both serve their dashboard, and so ``/metrics``, on 8787."""
DECLARED_COMPONENT_LABEL = "dask.org/component"
DECLARED_CLUSTER_LABEL = "dask.org/cluster-name"
DECLARED_WORKER_GROUP_LABEL = "dask.org/workergroup-name"
DECLARED_METRICS_PORTS = {"scheduler": DASHBOARD_PORT, "worker": WORKER_DASHBOARD_PORT}
COST_LABELS = (
    "dask-platform.io/user",
    "dask-platform.io/team",
    "dask-platform.io/cluster",
    "dask-platform.io/profile",
)
"""The labels that say whose a Dask pod is (added on every Dask pod for cost attribution); targets keep them."""
METRICS_PATH = "/metrics"


def operator_metrics_values(config: PlatformConfig) -> dict[str, Any]:
    """The operator chart's ``metrics`` values: its scheduler ServiceMonitor and worker PodMonitor, in the
    operator's namespace, watching every user and team namespace; nothing when monitoring is off."""
    monitoring = config.monitoring
    if not monitoring.enabled:
        return {}
    watched = {"matchNames": config.user_namespaces}
    worker_labels = [DECLARED_CLUSTER_LABEL, DECLARED_WORKER_GROUP_LABEL, *COST_LABELS]
    return {
        "metrics": {
            "scheduler": {
                "enabled": True,
                "serviceMonitor": {
                    "enabled": True,
                    "namespaceSelector": watched,
                    "additionalLabels": dict(monitoring.monitor_labels),
                    "interval": monitoring.interval,
                    "targetLabels": [DECLARED_CLUSTER_LABEL],
                },
            },
            "worker": {
                "enabled": True,
                "podMonitor": {
                    "enabled": True,
                    "namespaceSelector": watched,
                    "additionalLabels": dict(monitoring.monitor_labels),
                    "interval": monitoring.interval,
                    # The chart's template reads ``targetLabels`` (not its documented ``podTargetLabels``) into
                    # the PodMonitor's podTargetLabels.
                    "targetLabels": worker_labels,
                },
            },
        }
    }


def gateway_pod_monitor(config: PlatformConfig, namespace: str, role: str) -> dict[str, Any]:
    """The PodMonitor of one namespace's gateway schedulers or workers (``role``)."""
    monitoring = config.monitoring
    return {
        "apiVersion": MONITORING_API_VERSION,
        "kind": "PodMonitor",
        "metadata": {
            "name": f"dask-gateway-{role}s",
            "namespace": namespace,
            "labels": {**PLATFORM_LABEL, **monitoring.monitor_labels},
        },
        "spec": {
            "selector": {
                "matchLabels": {GATEWAY_COMPONENT_LABEL: GATEWAY_COMPONENTS[role]},
                "matchExpressions": [{"key": GATEWAY_CLUSTER_LABEL, "operator": "Exists"}],
            },
            "podMetricsEndpoints": [
                {"port": GATEWAY_METRICS_PORT_NAME, "path": METRICS_PATH, "interval": monitoring.interval}
            ],
            "podTargetLabels": [GATEWAY_CLUSTER_LABEL, *COST_LABELS],
        },
    }


def gateway_pod_monitors(config: PlatformConfig) -> list[dict[str, Any]]:
    """Scheduler and worker PodMonitors in every user and team namespace, where gateway clusters run."""
    if not config.monitoring.enabled:
        return []
    return [
        gateway_pod_monitor(config, namespace, role)
        for namespace in config.user_namespaces
        for role in GATEWAY_COMPONENTS
    ]
