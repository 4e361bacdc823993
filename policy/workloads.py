"""Workloads: what the pods we declare, and one user's clusters, may take from the cluster."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Literal

from config.quantities import kubernetes_quantity
from policy.inputs import containers, describe_container, gateway_data, get, walk
from policy.model import HELM_TYPES, PolicyContext, Resource, Rule
from shipped.gateway_contract import GatewayData

# Every container a chart runs gets requests and limits from the values we pass (render/chart_values.py).
CHART_RESOURCE_PATHS: dict[str, tuple[str, ...]] = {
    "dask-gateway": ("gateway.resources", "controller.resources", "traefik.resources"),
    "dask-kubernetes-operator": ("resources",),
}

GatewayLimit = Literal["clusterMaxCores", "clusterMaxMemory", "clusterMaxWorkers", "idleTimeout"]
"""The keys of the contract's ``GatewayLimitsData`` this rule requires; mypy refuses a key the contract lacks."""

# Gateway settings that bound what one user's clusters may take, by their name in the gateway's option data: the
# stack key that sets each, and what is lost without it.
GATEWAY_LIMITS: dict[GatewayLimit, tuple[str, str]] = {
    "clusterMaxCores": ("gateway.clusterMaxCores", "one cluster may take every core"),
    "clusterMaxMemory": ("gateway.clusterMaxMemory", "one cluster may take all memory"),
    "clusterMaxWorkers": ("gateway.clusterMaxWorkers", "one cluster may start any number of workers"),
    "idleTimeout": ("gateway.idleTimeoutSeconds", "idle clusters keep their resources forever"),
}


def _resource_problems(resources: Any, subject: str) -> Iterator[str]:
    for kind in ("requests", "limits"):
        for amount in ("cpu", "memory"):
            if not get(resources, f"{kind}.{amount}"):
                yield f"{subject} sets no {kind}.{amount}: give every container CPU and memory requests and limits"
    for amount in ("cpu", "memory"):
        request, limit = get(resources, f"requests.{amount}"), get(resources, f"limits.{amount}")
        if not request or not limit:
            continue
        try:
            below = kubernetes_quantity(limit) < kubernetes_quantity(request)
        except ValueError as error:
            yield f"{subject}: {amount}: {error}"
            continue
        if below:
            yield (
                f"{subject} has limits.{amount} {limit!r} below requests.{amount} {request!r}: "
                f"raise the limit to at least the request"
            )


def check_container_resources(resource: Resource, context: PolicyContext) -> Iterator[str]:
    if resource.rendered_by_chart:
        return
    if resource.type in HELM_TYPES:
        values = resource.chart_values
        required = CHART_RESOURCE_PATHS.get(resource.chart_name or "", ())
        found = [path for path, value in walk(values) if path.rsplit(".", 1)[-1] == "resources"]
        for path in dict.fromkeys([*required, *found]):
            yield from _resource_problems(get(values, path) or {}, f"chart values {path}")
        return
    for path, container in containers(resource.inputs):
        yield from _resource_problems(container.get("resources") or {}, describe_container(path, container))


def _limit(data: GatewayData, setting: GatewayLimit) -> object:
    # Subscripts, not .get: mypy checks a subscript's key against the contract. A hand-edited document may lack one.
    try:
        return data["limits"][setting]
    except (KeyError, TypeError):
        return None


def check_gateway_limits(resource: Resource, context: PolicyContext) -> Iterator[str]:
    if not resource.is_gateway_chart:
        return
    data = gateway_data(resource.chart_values)
    if data is None:
        yield "the gateway chart's values carry no dask-platform option data (gateway.env DASK_PLATFORM_GATEWAY)"
        return
    for setting, (stack_key, risk) in GATEWAY_LIMITS.items():
        value = _limit(data, setting)
        if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
            yield f"the gateway's {setting} is {value!r}, so {risk}: set {stack_key} to a positive number"


RULES: tuple[Rule, ...] = (
    Rule(
        "container-resources",
        "Every container we declare has CPU and memory requests and limits, and no limit below its request.",
        "mandatory",
        check_container_resources,
    ),
    Rule(
        "gateway-cluster-limits",
        "The gateway sets cluster_max_cores, cluster_max_memory, cluster_max_workers and an idle timeout.",
        "advisory",
        check_gateway_limits,
    ),
)
