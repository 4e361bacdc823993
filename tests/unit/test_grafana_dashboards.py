"""The Grafana dashboards: ConfigMaps Grafana's sidecar loads, panels an operator relies on, and queries that
parse as PromQL and read only series that exist (Dask's own, checked against real processes in
tests/integration/test_dask_metrics.py, and a fixed list of kube-state-metrics series)."""

from __future__ import annotations

import json
from typing import Any

import promql_parser
import pytest

from render.grafana import KUBE_STATE_METRICS, dashboard_config_maps, dashboard_queries, kube_label
from tests.helpers import promql_metrics, resolved, resources_of_type

CONFIG_MAP = "kubernetes:core/v1:ConfigMap"
MONITORED = {"environment": "dev", "monitoring": {"enabled": True}}
DOCUMENTED_KUBE_STATE_METRICS = {
    # kube-state-metrics v2: pods' labels (with --metric-labels-allowlist), containers' requests, quotas, restarts.
    "kube_pod_labels",
    "kube_pod_container_resource_requests",
    "kube_resourcequota",
    "kube_pod_container_status_restarts_total",
}


def prod_dashboards() -> dict[str, dict[str, Any]]:
    return {r["inputs"]["metadata"]["name"]: r["inputs"] for r in resources_of_type("prod", CONFIG_MAP)}


def model(config_map: dict[str, Any]) -> dict[str, Any]:
    (text,) = config_map["data"].values()
    loaded: dict[str, Any] = json.loads(text)
    return loaded


def panel_titles(config_map: dict[str, Any]) -> list[str]:
    return [panel["title"] for panel in model(config_map)["panels"]]


def test_prod_puts_two_dashboards_in_the_monitoring_namespace_labelled_for_grafanas_sidecar() -> None:
    dashboards = prod_dashboards()
    assert set(dashboards) == {"dask-platform-usage", "dask-platform-activity"}
    for name, config_map in dashboards.items():
        assert config_map["metadata"]["namespace"] == "monitoring"
        assert config_map["metadata"]["labels"] == {
            "app.kubernetes.io/part-of": "dask-platform",
            "grafana_dashboard": "1",
        }
        assert list(config_map["data"]) == [f"{name}.json"]
        assert model(config_map)["uid"] == name


def test_the_sidecar_label_and_the_namespace_are_stack_settings() -> None:
    config = resolved(
        {
            "environment": "dev",
            "monitoring": {
                "enabled": True,
                "dashboards": {"labels": {"grafana/dashboard": "dask"}, "namespace": "grafana"},
            },
        }
    )
    for config_map in dashboard_config_maps(config):
        assert config_map["metadata"]["namespace"] == "grafana"
        assert config_map["metadata"]["labels"]["grafana/dashboard"] == "dask"
        assert "grafana_dashboard" not in config_map["metadata"]["labels"]


def test_no_dashboards_when_monitoring_or_the_dashboards_are_off() -> None:
    assert dashboard_config_maps(resolved({"environment": "dev"})) == []
    off = {"environment": "dev", "monitoring": {"enabled": True, "dashboards": {"enabled": False}}}
    assert dashboard_config_maps(resolved(off)) == []


def test_the_usage_dashboard_shows_clusters_workers_requests_against_quota_and_restarts_by_user_and_team() -> None:
    titles = panel_titles(prod_dashboards()["dask-platform-usage"])
    assert titles == [
        "Clusters per user",
        "Workers per user",
        "Cores requested per user",
        "Memory requested per user",
        "Worker restarts per user (last hour)",
        "Clusters per team",
        "Workers per team",
        "Cores requested per team",
        "Memory requested per team",
        "Worker restarts per team (last hour)",
        "Cores requested against the team quota",
        "Memory requested against the team quota",
    ]


def test_the_activity_dashboard_shows_tasks_and_memory_in_use() -> None:
    titles = panel_titles(prod_dashboards()["dask-platform-activity"])
    assert titles == [
        "Tasks processed per second, per cluster",
        "Tasks processed per second, per user",
        "Tasks by state",
        "Worker memory in use, per cluster",
        "Worker memory in use, per user",
        "Spilled to disk, per cluster",
        "Worker threads, per cluster",
    ]


def test_every_panel_reads_the_chosen_prometheus_and_has_a_unique_id_and_place() -> None:
    for config_map in prod_dashboards().values():
        panels = model(config_map)["panels"]
        assert len({panel["id"] for panel in panels}) == len(panels)
        places = [(panel["gridPos"]["x"], panel["gridPos"]["y"]) for panel in panels]
        assert len(set(places)) == len(places)
        for panel in panels:
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}
            assert panel["targets"], panel["title"]


@pytest.mark.parametrize("expr", dashboard_queries())
def test_every_query_parses_as_promql(expr: str) -> None:
    promql_parser.parse(expr)


def test_queries_read_only_dask_metrics_and_the_documented_kube_state_metrics() -> None:
    assert KUBE_STATE_METRICS == DOCUMENTED_KUBE_STATE_METRICS
    read = {name for expr in dashboard_queries() for name in promql_metrics(expr)}
    assert read - DOCUMENTED_KUBE_STATE_METRICS == {
        "dask_scheduler_prefix_state_totals_total",
        "dask_scheduler_tasks",
        "dask_scheduler_workers",
        "dask_worker_memory_bytes",
        "dask_worker_threads",
    }
    assert read >= DOCUMENTED_KUBE_STATE_METRICS


def test_owners_come_from_the_cost_labels_as_kube_state_metrics_names_them() -> None:
    assert kube_label("dask-platform.io/user") == "label_dask_platform_io_user"
    text = "\n".join(dashboard_queries())
    for key in ("user", "team", "cluster"):
        assert f"label_dask_platform_io_{key}" in text
    assert 'kube_resourcequota{resourcequota="dask-platform-team-quota", resource="requests.cpu", type="hard"}' in text
