"""Grafana dashboards as ConfigMaps for Grafana's dashboard sidecar (pure, no Pulumi).

Two dashboards, every query over series that exist on a cluster with the platform's monitoring on:

- Dask's own metrics, served on ``/metrics`` by every scheduler and worker (render/monitoring.py);
- kube-state-metrics, only the series in ``KUBE_STATE_METRICS``.

Who a pod belongs to comes from the cost labels on Dask pods (``COST_LABELS``), which kube-state-metrics
exports on ``kube_pod_labels`` as ``label_<key with every other character turned into _>``, once its
``--metric-labels-allowlist`` names them (docs/operating.md). Every Dask series is joined to them on
``namespace`` and ``pod``, the labels Prometheus puts on every scraped target; so one query covers gateway and
declared clusters alike.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from config.platform import PlatformConfig
from render.monitoring import COST_LABELS
from render.names import PLATFORM_LABEL, TEAM_QUOTA_NAME

KUBE_STATE_METRICS = frozenset(
    {
        "kube_pod_labels",
        "kube_pod_container_resource_requests",
        "kube_resourcequota",
        "kube_pod_container_status_restarts_total",
    }
)
"""The kube-state-metrics (v2) series the dashboards read; nothing else from it is assumed."""
WORKER_CONTAINERS = ("dask-worker", "worker")
"""The worker container's name in gateway pods (dask-gateway-server) and in declared clusters' pods."""
GRAFANA_SCHEMA_VERSION = 39
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}


def kube_label(key: str) -> str:
    """The name kube-state-metrics gives a pod label on ``kube_pod_labels``."""
    return "label_" + re.sub(r"[^a-zA-Z0-9_]", "_", key)


USER, TEAM, CLUSTER, _PROFILE = (kube_label(key) for key in COST_LABELS)


def by_owner(series: str, owner: str, extra: str = "") -> str:
    """``series`` summed by ``owner`` (and ``extra``), the owner taken from the pod's labels."""
    keys = f"{owner}, {extra}" if extra else owner
    owners = f'max by (namespace, pod, {owner}) (kube_pod_labels{{{owner}!=""}})'
    return f"sum by ({keys}) ({series} * on (namespace, pod) group_left ({owner}) {owners})"


def clusters_of(owner: str) -> str:
    """Running clusters per ``owner``: distinct cluster labels among the owner's pods."""
    pods = f'kube_pod_labels{{{CLUSTER}!="", {owner}!=""}}'
    return f"count by ({owner}) (max by (namespace, {owner}, {CLUSTER}) ({pods}))"


def requested(resource: str, owner: str) -> str:
    return by_owner(f'kube_pod_container_resource_requests{{resource="{resource}"}}', owner)


def quota(resource: str) -> str:
    """A team namespace's quota: the platform's ResourceQuota, hard limit of ``requests.<resource>``."""
    matchers = f'resourcequota="{TEAM_QUOTA_NAME}", resource="requests.{resource}", type="hard"'
    return f"max by (namespace) (kube_resourcequota{{{matchers}}})"


def team_requested(resource: str) -> str:
    """What Dask pods request in each team namespace, comparable with ``quota``."""
    return f"sum by (namespace) ({requested(resource, TEAM)})"


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str


@dataclass(frozen=True)
class Panel:
    title: str
    queries: tuple[Query, ...]
    unit: str = "short"
    description: str = ""


def _owner_panels(owner: str, who: str) -> list[Panel]:
    legend = "{{" + owner + "}}"
    restarts = f'increase(kube_pod_container_status_restarts_total{{container=~"{"|".join(WORKER_CONTAINERS)}"}}[1h])'
    return [
        Panel(f"Clusters per {who}", (Query(clusters_of(owner), legend),)),
        Panel(f"Workers per {who}", (Query(by_owner("dask_scheduler_workers", owner), legend),)),
        Panel(f"Cores requested per {who}", (Query(requested("cpu", owner), legend),)),
        Panel(f"Memory requested per {who}", (Query(requested("memory", owner), legend),), unit="bytes"),
        Panel(
            f"Worker restarts per {who} (last hour)",
            (Query(by_owner(restarts, owner), legend),),
            description="Container restarts of Dask workers: out-of-memory kills show up here first.",
        ),
    ]


def usage_panels() -> list[Panel]:
    quota_panels = [
        Panel(
            f"{title} requested against the team quota",
            (
                Query(team_requested(resource), "{{namespace}} requested"),
                Query(quota(resource), "{{namespace}} quota"),
            ),
            unit=unit,
        )
        for title, resource, unit in (("Cores", "cpu", "short"), ("Memory", "memory", "bytes"))
    ]
    return [*_owner_panels(USER, "user"), *_owner_panels(TEAM, "team"), *quota_panels]


def activity_panels() -> list[Panel]:
    tasks = 'rate(dask_scheduler_prefix_state_totals_total{state="memory"}[5m])'
    in_use = 'dask_worker_memory_bytes{type=~"managed|unmanaged"}'
    cluster = "{{namespace}}/{{" + CLUSTER + "}}"
    return [
        Panel("Tasks processed per second, per cluster", (Query(by_owner(tasks, CLUSTER, "namespace"), cluster),)),
        Panel("Tasks processed per second, per user", (Query(by_owner(tasks, USER), "{{" + USER + "}}"),)),
        Panel("Tasks by state", (Query("sum by (state) (dask_scheduler_tasks)", "{{state}}"),)),
        Panel(
            "Worker memory in use, per cluster",
            (Query(by_owner(in_use, CLUSTER, "namespace"), cluster),),
            unit="bytes",
            description="Managed (Dask's data) and unmanaged memory of the workers; spilled data is not in it.",
        ),
        Panel("Worker memory in use, per user", (Query(by_owner(in_use, USER), "{{" + USER + "}}"),), unit="bytes"),
        Panel(
            "Spilled to disk, per cluster",
            (Query(by_owner('dask_worker_memory_bytes{type="spilled"}', CLUSTER, "namespace"), cluster),),
            unit="bytes",
        ),
        Panel("Worker threads, per cluster", (Query(by_owner("dask_worker_threads", CLUSTER, "namespace"), cluster),)),
    ]


DASHBOARDS: dict[str, tuple[str, Any]] = {
    "dask-platform-usage": ("Dask platform: users, teams and quotas", usage_panels),
    "dask-platform-activity": ("Dask platform: cluster activity", activity_panels),
}
"""Dashboard uid -> (title, its panels)."""


def _panel_model(panel: Panel, position: int) -> dict[str, Any]:
    width, height = 12, 8
    return {
        "id": position + 1,
        "type": "timeseries",
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {"x": (position % 2) * width, "y": (position // 2) * height, "w": width, "h": height},
        "fieldConfig": {"defaults": {"unit": panel.unit}, "overrides": []},
        "targets": [
            {"refId": chr(ord("A") + index), "datasource": DATASOURCE, "expr": query.expr, "legendFormat": query.legend}
            for index, query in enumerate(panel.queries)
        ],
    }


def dashboard_model(uid: str) -> dict[str, Any]:
    """One dashboard as Grafana's JSON model, reading from a Prometheus data source the user picks."""
    title, panels = DASHBOARDS[uid]
    return {
        "uid": uid,
        "title": title,
        "tags": ["dask", "dask-platform"],
        "schemaVersion": GRAFANA_SCHEMA_VERSION,
        "editable": False,
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "1m",
        "templating": {
            "list": [{"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus"}]
        },
        "panels": [_panel_model(panel, position) for position, panel in enumerate(panels())],
    }


def dashboard_config_maps(config: PlatformConfig) -> list[dict[str, Any]]:
    """One ConfigMap per dashboard in the dashboards' namespace, labelled for Grafana's sidecar."""
    monitoring = config.monitoring
    if not (monitoring.enabled and monitoring.dashboards.enabled):
        return []
    return [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {
                "name": uid,
                "namespace": monitoring.dashboard_namespace,
                "labels": {**PLATFORM_LABEL, **monitoring.dashboards.labels},
            },
            "data": {f"{uid}.json": json.dumps(dashboard_model(uid), indent=1, sort_keys=True)},
        }
        for uid in DASHBOARDS
    ]


def dashboard_queries() -> list[str]:
    """Every PromQL expression of every dashboard."""
    return [query.expr for _title, panels in DASHBOARDS.values() for panel in panels() for query in panel.queries]
