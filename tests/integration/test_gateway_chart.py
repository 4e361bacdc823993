"""The real dask-gateway chart (2026.3.0 source from the reference data) rendered by Helm with the values the
program passes for a production-like stack: every object is valid Kubernetes, and the pods carry the stack's
placement and resources."""

from __future__ import annotations

import functools
import json
import re
from typing import Any

import kubernetes_validate
import pytest

from policy.model import Resource
from render.gateway_options import gateway_config_sources
from tests.helpers import reference_path, release_inputs, variant
from tools.chart_objects import render_chart

pytestmark = pytest.mark.slow

POOL = {
    "nodeSelector": {"node.acme.io/pool": "platform"},
    "tolerations": [{"key": "node.acme.io/pool", "operator": "Equal", "value": "platform", "effect": "NoSchedule"}],
    "affinity": {
        "podAntiAffinity": {
            "preferredDuringSchedulingIgnoredDuringExecution": [
                {
                    "weight": 10,
                    "podAffinityTerm": {
                        "topologyKey": "kubernetes.io/hostname",
                        "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "dask-gateway"}},
                    },
                }
            ]
        }
    },
}
LARGER = {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
SECTIONS = {
    "gateway": {
        "api": {"placement": POOL, "resources": LARGER},
        "controller": {"placement": POOL},
        "traefik": {"placement": POOL},
    }
}


@functools.cache
def rendered() -> list[dict[str, Any]]:
    reference_path("dask-gateway-chart", "2026.3.0", "chart")
    inputs = release_inputs(variant("prod", SECTIONS).resources, "dask-gateway")
    chart = Resource(
        urn="urn:pulumi:prod::dask-platform::x",
        type="kubernetes:helm.sh/v4:Chart",
        name="dask-gateway-chart",
        inputs=inputs,
    )
    return render_chart(chart)


def deployment(component: str) -> dict[str, Any]:
    (found,) = [
        item
        for item in rendered()
        if item["kind"] == "Deployment"
        and item["spec"]["template"]["metadata"]["labels"].get("app.kubernetes.io/component") == component
    ]
    return found


def test_every_rendered_object_is_valid_kubernetes() -> None:
    for item in rendered():
        if item["kind"] in ("IngressRoute", "IngressRouteTCP", "Middleware"):
            continue  # traefik's custom resources: their CRDs, not Kubernetes' schemas, describe them
        kubernetes_validate.validate(
            {**item, "metadata": {**item["metadata"], "namespace": "dask-gateway"}},
            kubernetes_validate.latest_version(),
            strict=True,
        )


@pytest.mark.parametrize("component", ["gateway", "controller", "traefik"])
def test_each_gateway_pod_carries_the_stacks_placement(component: str) -> None:
    pod = deployment(component)["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == POOL["nodeSelector"]
    assert pod["tolerations"] == POOL["tolerations"]
    assert pod["affinity"] == POOL["affinity"]


def test_the_gateway_api_pod_gets_the_stacks_resources_and_the_others_keep_the_defaults() -> None:
    (api,) = deployment("gateway")["spec"]["template"]["spec"]["containers"]
    assert api["resources"] == LARGER
    (controller,) = deployment("controller")["spec"]["template"]["spec"]["containers"]
    assert controller["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "500m", "memory": "512Mi"},
    }


def test_the_gateway_reads_the_jupyterhub_token_from_the_secret_in_its_own_namespace() -> None:
    (api,) = deployment("gateway")["spec"]["template"]["spec"]["containers"]
    token = [env for env in api["env"] if env["name"] == "JUPYTERHUB_API_TOKEN"]
    assert token == [
        {
            "name": "JUPYTERHUB_API_TOKEN",
            "valueFrom": {"secretKeyRef": {"name": "jupyterhub-api-token", "key": "api-token"}},
        }
    ]


def test_the_gateway_config_accepts_only_the_gateway_services_token() -> None:
    (config_map,) = [
        item
        for item in rendered()
        if item["kind"] == "ConfigMap"
        and "dask_gateway_config.py" in item["data"]
        and item["metadata"]["name"].startswith("api-")
    ]
    config = config_map["data"]["dask_gateway_config.py"]
    # The chart hands its values to the config file as a JSON string literal.
    literal = re.search(r"_PROPERTIES = json\.loads\((\".*\")\)\n", config)
    assert literal is not None
    hub = json.loads(json.loads(literal.group(1)))["gateway"]["auth"]["jupyterhub"]
    assert (hub["jupyterhubServiceName"], hub["apiUrl"]) == (
        "dask-gateway",
        "http://hub.jupyterhub.svc.cluster.local:8081/hub/api",
    )
    for key, source in gateway_config_sources().items():
        assert source.strip() in config, f"the shipped module {key} is inlined verbatim"
