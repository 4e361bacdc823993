"""On Kubernetes, traefik sends every dashboard request to the gateway's API, where the credentials are checked.

The stack's IngressRoute is checked against the traefik CRD the gateway chart installs, and against what the
rendered chart deploys: the API Service it targets, the label traefik selects routes by, and the routes the
gateway's controller makes for each cluster (which it must outrank on every path they match).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from dask_gateway_server.backends.kubernetes import KubeBackend
from dask_gateway_server.backends.kubernetes.controller import KubeController
from traitlets.config import PyFileConfigLoader

from render.dashboards import DASHBOARDS_ROUTE_PRIORITY, dashboards_ingress_route
from shipped.dashboards import DashboardsThroughTheApi
from shipped.gateway_config import DATA_ENV
from tests.helpers import closed_schema, one, reference_path, stack_with_chart_objects

pytestmark = pytest.mark.slow

STACKS = ("dev", "prod")
INGRESS_ROUTE = "kubernetes:traefik.io/v1alpha1:IngressRoute"
LONGEST_NAMESPACE = "n" * 63
LONGEST_CLUSTER_NAME = "f" * 32
"""dask-gateway names clusters by a 32-digit hex uuid; a namespace name has at most 63 characters."""


def _ingress_route_validator() -> jsonschema.protocols.Validator:
    path = reference_path("dask-gateway-chart", "2026.3.0", "chart", "crds", "traefik.yaml")
    [crd] = [
        doc for doc in yaml.safe_load_all(path.read_text()) if doc and doc["spec"]["names"]["kind"] == "IngressRoute"
    ]
    [version] = [version for version in crd["spec"]["versions"] if version["served"]]
    schema = copy.deepcopy(version["schema"]["openAPIV3Schema"])
    schema["properties"].update(apiVersion={"type": "string"}, kind={"type": "string"}, metadata={"type": "object"})
    assert f"{crd['spec']['group']}/{version['name']}" == "traefik.io/v1alpha1"
    return jsonschema.Draft7Validator(closed_schema(schema))


def _chart_object(stack: str, kind: str, name: str) -> dict[str, Any]:
    [found] = [
        dict(resource.inputs)
        for resource in stack_with_chart_objects(stack)
        if resource.inputs.get("kind") == kind and resource.inputs.get("metadata", {}).get("name") == name
    ]
    return found


def test_the_route_validates_against_the_charts_traefik_crd() -> None:
    errors = [
        error.message for error in _ingress_route_validator().iter_errors(dashboards_ingress_route("dask-gateway"))
    ]
    assert errors == []


@pytest.mark.parametrize("stack", STACKS)
def test_each_stack_declares_the_route_after_the_chart_that_installs_its_crd(stack: str) -> None:
    route = one(stack, INGRESS_ROUTE, "dask-gateway-dashboards-route")
    assert route["inputs"]["spec"]["routes"][0]["match"] == "PathPrefix(`/clusters/`)"
    assert route["inputs"]["metadata"]["namespace"] == "dask-gateway"
    assert [urn.rsplit("::", 1)[1] for urn in route["dependencies"]] == ["dask-gateway-chart"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_route_targets_the_charts_api_service_and_carries_the_label_traefik_reads(stack: str) -> None:
    route = dashboards_ingress_route("dask-gateway")
    [service] = route["spec"]["routes"][0]["services"]
    api = _chart_object(stack, "Service", service["name"])
    assert [port["port"] for port in api["spec"]["ports"]] == [service["port"]]
    assert api["spec"]["selector"]["app.kubernetes.io/component"] == "gateway"
    traefik = _chart_object(stack, "Deployment", "traefik-dask-gateway")
    [args] = [container["args"] for container in traefik["spec"]["template"]["spec"]["containers"]]
    selector = next(arg for arg in args if arg.startswith("--providers.kubernetescrd.labelselector="))
    key, value = selector.split("=", 1)[1].split("=")
    assert route["metadata"]["labels"][key] == value
    assert route["spec"]["entryPoints"] == ["web"]
    assert "--entrypoints.web.address=:8000" in args


@pytest.mark.parametrize("stack", STACKS)
def test_the_route_outranks_every_route_the_controller_makes_for_a_cluster(stack: str) -> None:
    controller = _chart_object(stack, "ConfigMap", "controller-dask-gateway")
    assert 'c.KubeController.proxy_prefix = "/"' in controller["data"]["dask_gateway_config.py"]
    made = KubeController(proxy_prefix="/", gateway_instance="dask-gateway").make_ingressroute(
        LONGEST_CLUSTER_NAME, LONGEST_NAMESPACE
    )
    [their_route] = made["spec"]["routes"]
    assert "priority" not in their_route
    # Traefik ranks a route without a priority by the length of its rule; ours matches every path theirs does.
    assert len(their_route["match"]) < DASHBOARDS_ROUTE_PRIORITY
    assert their_route["match"].startswith("PathPrefix(`/clusters/")
    assert made["spec"]["entryPoints"] == ["web"]


@pytest.mark.parametrize("stack", STACKS)
def test_the_charts_gateway_config_serves_dashboards_through_its_kubernetes_backend(
    stack: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The config file the chart renders for the API pod, loaded as dask-gateway-server loads it."""
    config_map = _chart_object(stack, "ConfigMap", "api-dask-gateway")
    (tmp_path / "dask_gateway_config.py").write_text(config_map["data"]["dask_gateway_config.py"])
    api = _chart_object(stack, "Deployment", "api-dask-gateway")
    [container] = api["spec"]["template"]["spec"]["containers"]
    monkeypatch.setenv(DATA_ENV, next(item["value"] for item in container["env"] if item["name"] == DATA_ENV))
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "not-a-token")
    config = PyFileConfigLoader("dask_gateway_config.py", path=str(tmp_path)).load_config()
    backend_class = config.DaskGateway.backend_class
    assert issubclass(backend_class, KubeBackend)
    # The config file defines its own copy of the mixin, as the gateway pod runs it.
    assert DashboardsThroughTheApi.__name__ in [base.__name__ for base in backend_class.__mro__]
