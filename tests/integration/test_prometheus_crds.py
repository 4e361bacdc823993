"""The monitors validate against the Prometheus Operator's own CRDs (v0.93.0, from the reference data): the ones
the program declares for gateway clusters, and the operator chart's, rendered by Helm from the plan's values.

Every object schema is closed, so a misspelt field fails here instead of being pruned by the API server.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest

from tests.helpers import crd_validators, reference_path, resources_of_type, stack_with_chart_objects

PROMETHEUS_OPERATOR_VERSION = "v0.93.0"
MONITORING_GROUP = "monitoring.coreos.com"
POD_MONITOR = f"kubernetes:{MONITORING_GROUP}/v1:PodMonitor"


@functools.cache
def prometheus_validators() -> dict[tuple[str, str], Any]:
    folder = reference_path("prometheus-operator-crds", PROMETHEUS_OPERATOR_VERSION)
    return crd_validators(sorted(folder.glob("*.yaml")))


def schema_errors(manifest: dict[str, Any]) -> list[str]:
    validator = prometheus_validators()[(manifest["apiVersion"], manifest["kind"])]
    return [
        f"{'.'.join(str(part) for part in error.absolute_path) or '<root>'}: {error.message}"
        for error in validator.iter_errors(manifest)
    ]


def planned_monitors() -> list[dict[str, Any]]:
    return [resource["inputs"] for resource in resources_of_type("prod", POD_MONITOR)]


def test_the_reference_crds_define_the_monitor_kinds() -> None:
    kinds = {kind for _, kind in prometheus_validators()}
    assert {"PodMonitor", "ServiceMonitor"} <= kinds


def test_every_pod_monitor_the_prod_plan_declares_matches_the_crd() -> None:
    monitors = planned_monitors()
    assert len(monitors) == 8
    assert {f"{m['metadata']['namespace']}/{m['metadata']['name']}": schema_errors(m) for m in monitors} == {
        f"{m['metadata']['namespace']}/{m['metadata']['name']}": [] for m in monitors
    }


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        (lambda spec: spec.update(podMetricEndpoints=spec.pop("podMetricsEndpoints")), "spec: Additional properties"),
        (lambda spec: spec["podMetricsEndpoints"][0].update(interval="30 seconds"), "does not match"),
    ],
    ids=["misspelt-field", "bad-interval"],
)
def test_the_schema_check_refuses_a_broken_monitor(break_it: Any, expected: str) -> None:
    monitor = planned_monitors()[0]
    broken = {
        **monitor,
        "spec": {**monitor["spec"], "podMetricsEndpoints": [dict(monitor["spec"]["podMetricsEndpoints"][0])]},
    }
    break_it(broken["spec"])
    assert any(expected in error for error in schema_errors(broken)), schema_errors(broken)


@pytest.mark.slow
def test_the_operator_charts_rendered_monitors_match_the_crds_and_watch_the_user_namespaces() -> None:
    rendered = [
        resource.inputs
        for resource in stack_with_chart_objects("prod")
        if resource.type.startswith(f"kubernetes:{MONITORING_GROUP}/")
    ]
    by_kind = {
        manifest["kind"]: manifest for manifest in rendered if "dask.org/component" in manifest["metadata"]["labels"]
    }
    assert set(by_kind) == {"ServiceMonitor", "PodMonitor"}
    for manifest in by_kind.values():
        assert schema_errors(manifest) == [], manifest["kind"]
        assert manifest["metadata"]["labels"]["release"] == "kube-prometheus-stack"
        assert manifest["spec"]["namespaceSelector"] == {
            "matchNames": ["dask-users", "dask-batch", "team-analytics", "team-ml"]
        }
    assert by_kind["ServiceMonitor"]["spec"]["endpoints"] == [{"interval": "30s", "port": "http-dashboard"}]
    assert by_kind["ServiceMonitor"]["spec"]["selector"] == {"matchLabels": {"dask.org/component": "scheduler"}}
    assert by_kind["PodMonitor"]["spec"]["podMetricsEndpoints"] == [{"interval": "30s", "port": "http-dashboard"}]
    assert by_kind["PodMonitor"]["spec"]["podTargetLabels"] == [
        "dask.org/cluster-name",
        "dask.org/workergroup-name",
        "dask-platform.io/user",
        "dask-platform.io/team",
        "dask-platform.io/cluster",
        "dask-platform.io/profile",
    ]
