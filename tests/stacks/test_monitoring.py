"""Metrics where the Prometheus Operator runs: the monitors a stack with ``monitoring`` declares, the pods they
select (built by dask-gateway-server's controller and the operator's builders), and who may scrape what."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dask_gateway_server.backends.kubernetes.controller import KubeController
from dask_kubernetes.operator.controller import (
    build_scheduler_deployment_spec,
    build_scheduler_service_spec,
    build_worker_deployment_spec,
)

from config.gateway import GatewayConfig
from render.clusters import declared_cluster_manifests
from render.gateway_options import gateway_options_data
from render.monitoring import gateway_pod_monitors, operator_metrics_values
from render.network import network_policies
from tests.helpers import (
    admits,
    cluster_config_for,
    error_for,
    kubernetes_backend,
    release_inputs,
    resolved,
    resources_of_type,
    selects,
    stack_plan,
)

POD_MONITOR = "kubernetes:monitoring.coreos.com/v1:PodMonitor"
NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy"
PROD_NAMESPACES = ["dask-users", "dask-batch", "team-analytics", "team-ml"]
PROMETHEUS = ("monitoring", {"app.kubernetes.io/name": "prometheus", "prometheus": "kube-prometheus-stack"})
COST_LABELS = ["dask-platform.io/user", "dask-platform.io/team", "dask-platform.io/cluster", "dask-platform.io/profile"]
MONITORED = {"environment": "dev", "monitoring": {"enabled": True}}


def prod_policies() -> list[dict[str, Any]]:
    return [resource["inputs"] for resource in resources_of_type("prod", NETWORK_POLICY)]


def gateway_pods(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, dict[str, Any]]:
    """A gateway cluster's scheduler and worker pods as dask-gateway-server's own controller builds them."""
    data = gateway_options_data(GatewayConfig(), default_image="registry.example.org/dask:1")
    backend = kubernetes_backend(data, tmp_path, monkeypatch)
    controller = KubeController(config=backend.config, gateway_instance="gw", api_url="http://gateway:8000/api")
    config = cluster_config_for(backend, {})
    return {
        "scheduler": controller.make_pod("dask-users", "c1", config),
        "worker": controller.make_pod("dask-users", "c1", config, is_worker=True),
    }


def declared_pods() -> dict[str, dict[str, Any]]:
    """A declared cluster's scheduler Service and pods as the operator's own builders make them."""
    config = resolved({"environment": "dev", "clusters": [{"name": "etl", "namespace": "dask-users"}]})
    (cluster,) = [m for m in declared_cluster_manifests(config) if m["kind"] == "DaskCluster"]
    scheduler, worker = cluster["spec"]["scheduler"], cluster["spec"]["worker"]
    return {
        "service": build_scheduler_service_spec("etl", scheduler["service"], {}, {}),
        "scheduler": build_scheduler_deployment_spec("etl", scheduler["spec"], {}, {})["spec"]["template"],
        "worker": build_worker_deployment_spec("default", "dask-users", "etl", "abc", worker["spec"], {}, {})["spec"][
            "template"
        ],
    }


def container_ports(pod: dict[str, Any]) -> dict[str, int]:
    (container,) = pod["spec"]["containers"]
    return {port["name"]: port["containerPort"] for port in container.get("ports", [])}


def test_monitoring_is_off_unless_the_stack_turns_it_on() -> None:
    assert resources_of_type("dev", POD_MONITOR) == []
    config_maps = resources_of_type("dev", "kubernetes:core/v1:ConfigMap")
    assert [r for r in config_maps if "grafana_dashboard" in r["inputs"]["metadata"].get("labels", {})] == []
    assert "metrics" not in release_inputs(stack_plan("dev").resources, "dask-kubernetes-operator")["values"]
    names = {policy["inputs"]["metadata"]["name"] for policy in resources_of_type("dev", NETWORK_POLICY)}
    assert not {name for name in names if "prometheus" in name}


def test_prod_monitors_gateway_schedulers_and_workers_in_every_user_and_team_namespace() -> None:
    monitors = {
        (r["inputs"]["metadata"]["namespace"], r["inputs"]["metadata"]["name"])
        for r in resources_of_type("prod", POD_MONITOR)
    }
    assert monitors == {
        (namespace, name)
        for namespace in PROD_NAMESPACES
        for name in ("dask-gateway-schedulers", "dask-gateway-workers")
    }


def test_a_gateway_pod_monitor_carries_the_prometheus_selector_labels_and_scrapes_the_dashboard_port() -> None:
    (monitor,) = [
        r["inputs"]
        for r in resources_of_type("prod", POD_MONITOR)
        if r["inputs"]["metadata"]
        == {**r["inputs"]["metadata"], "namespace": "team-ml", "name": "dask-gateway-workers"}
    ]
    assert monitor["metadata"]["labels"] == {
        "app.kubernetes.io/part-of": "dask-platform",
        "release": "kube-prometheus-stack",
    }
    assert monitor["spec"] == {
        "selector": {
            "matchLabels": {"app.kubernetes.io/component": "dask-worker"},
            "matchExpressions": [{"key": "gateway.dask.org/cluster", "operator": "Exists"}],
        },
        "podMetricsEndpoints": [{"port": "dashboard", "path": "/metrics", "interval": "30s"}],
        "podTargetLabels": ["gateway.dask.org/cluster", *COST_LABELS],
    }


def test_the_operator_charts_scheduler_service_monitor_and_worker_pod_monitor_watch_every_user_namespace() -> None:
    values = release_inputs(stack_plan("prod").resources, "dask-kubernetes-operator")["values"]
    watched = {"matchNames": PROD_NAMESPACES}
    assert values["metrics"] == {
        "scheduler": {
            "enabled": True,
            "serviceMonitor": {
                "enabled": True,
                "namespaceSelector": watched,
                "additionalLabels": {"release": "kube-prometheus-stack"},
                "interval": "30s",
                "targetLabels": ["dask.org/cluster-name"],
            },
        },
        "worker": {
            "enabled": True,
            "podMonitor": {
                "enabled": True,
                "namespaceSelector": watched,
                "additionalLabels": {"release": "kube-prometheus-stack"},
                "interval": "30s",
                "targetLabels": ["dask.org/cluster-name", "dask.org/workergroup-name", *COST_LABELS],
            },
        },
    }


def test_the_monitor_labels_and_interval_are_stack_settings() -> None:
    config = resolved(
        {
            "environment": "dev",
            "monitoring": {"enabled": True, "monitorLabels": {"prometheus": "ops"}, "interval": "1m"},
        }
    )
    (first, *_) = gateway_pod_monitors(config)
    assert first["metadata"]["labels"] == {"app.kubernetes.io/part-of": "dask-platform", "prometheus": "ops"}
    assert first["spec"]["podMetricsEndpoints"][0]["interval"] == "1m"
    pod_monitor = operator_metrics_values(config)["metrics"]["worker"]["podMonitor"]
    assert (pod_monitor["additionalLabels"], pod_monitor["interval"]) == ({"prometheus": "ops"}, "1m")


def test_gateway_monitors_select_the_pods_dask_gateway_server_builds_on_their_metrics_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pods = gateway_pods(tmp_path, monkeypatch)
    monitors = {r["inputs"]["metadata"]["name"]: r["inputs"] for r in resources_of_type("prod", POD_MONITOR)}
    for role, name in (("scheduler", "dask-gateway-schedulers"), ("worker", "dask-gateway-workers")):
        selector = monitors[name]["spec"]["selector"]
        other = "worker" if role == "scheduler" else "scheduler"
        assert selects(selector, pods[role]["metadata"]["labels"]), role
        assert not selects(selector, pods[other]["metadata"]["labels"]), role
        assert container_ports(pods[role])["dashboard"] == 8787
        (container,) = pods[role]["spec"]["containers"]
        assert container["args"][container["args"].index("--dashboard-address") + 1] == ":8787"


def test_declared_clusters_serve_metrics_on_the_ports_the_operator_charts_monitors_scrape() -> None:
    pods = declared_pods()
    # The chart's ServiceMonitor selects Services labelled dask.org/component=scheduler, port http-dashboard; its
    # PodMonitor selects pods labelled dask.org/component=worker, port http-dashboard.
    assert pods["service"]["metadata"]["labels"]["dask.org/component"] == "scheduler"
    assert {p["name"]: p["port"] for p in pods["service"]["spec"]["ports"]}["http-dashboard"] == 8787
    assert container_ports(pods["scheduler"])["http-dashboard"] == 8787
    assert pods["worker"]["metadata"]["labels"]["dask.org/component"] == "worker"
    assert container_ports(pods["worker"])["http-dashboard"] == 8788


def test_prometheus_scrapes_every_dask_pods_metrics_port_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policies = prod_policies()
    gateway, declared = gateway_pods(tmp_path, monkeypatch), declared_pods()
    for namespace in ("dask-users", "team-ml"):
        for pod, port in (
            (gateway["scheduler"], 8787),
            (gateway["worker"], 8787),
            (declared["scheduler"], 8787),
            (declared["worker"], 8788),
        ):
            assert admits(policies, PROMETHEUS, (namespace, pod["metadata"]["labels"]), port), (namespace, port)
    refused = [
        (gateway["scheduler"], 8786),  # the comm port
        (gateway["scheduler"], 8788),  # the gateway scheduler's API
        (gateway["worker"], 8788),
        (declared["scheduler"], 8786),
        (declared["worker"], 8787),
    ]
    for pod, port in refused:
        assert not admits(policies, PROMETHEUS, ("dask-users", pod["metadata"]["labels"]), port), port
    session = ("dask-users", {"app.kubernetes.io/name": "dask-session"})
    assert not admits(policies, PROMETHEUS, session, 8787)


def test_only_prometheus_pods_of_the_monitoring_namespace_may_scrape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    policies = prod_policies()
    scheduler = ("dask-users", gateway_pods(tmp_path, monkeypatch)["scheduler"]["metadata"]["labels"])
    assert not admits(policies, ("monitoring", {"app.kubernetes.io/name": "grafana"}), scheduler, 8787)
    assert not admits(policies, ("elsewhere", {"app.kubernetes.io/name": "prometheus"}), scheduler, 8787)
    dev = network_policies(resolved({"environment": "dev"}))
    assert not admits(dev, PROMETHEUS, scheduler, 8787)
    assert admits(network_policies(resolved(MONITORED)), PROMETHEUS, scheduler, 8787)


def test_an_empty_prometheus_pod_selector_lets_every_pod_of_the_monitoring_namespace_scrape(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = resolved({"environment": "dev", "monitoring": {"enabled": True, "prometheusPodLabels": {}}})
    scheduler = ("dask-users", gateway_pods(tmp_path, monkeypatch)["scheduler"]["metadata"]["labels"])
    assert admits(network_policies(config), ("monitoring", {"app": "vmagent"}), scheduler, 8787)
    assert not admits(network_policies(config), ("monitoring", {"app": "vmagent"}), scheduler, 8786)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"environment": "dev", "monitoring": {"interval": "5 min"}},
            'dask-platform:monitoring.interval = "5 min": must be a Prometheus duration such as 30s or 1m30s',
        ),
        (
            {"environment": "dev", "monitoring": {"enabled": True, "namespace": "dask-users"}},
            'dask-platform:monitoring.namespace = "dask-users": is a user or team namespace; Prometheus must run in '
            "a namespace of its own (such as monitoring)",
        ),
        (
            {"environment": "dev", "monitoring": {"monitorLabels": {"release": "not ok!"}}},
            'dask-platform:monitoring.monitorLabels.release = "not ok!": must be a Kubernetes label value',
        ),
        (
            {"environment": "local", "monitoring": {"enabled": True}},
            'dask-platform:monitoring = {"enabled": true}: is a Kubernetes setting; a local stack runs on Docker '
            "without Kubernetes, so remove it",
        ),
    ],
)
def test_monitoring_mistakes_are_one_line_errors(values: dict[str, Any], expected: str) -> None:
    message = error_for(values)
    assert len(message.splitlines()) == 1
    assert expected in message
