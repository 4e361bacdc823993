"""Exposure: nothing opens a port outside the cluster unless the stack asks for it."""

from __future__ import annotations

from collections.abc import Iterator

from config.types import EXTERNAL_SERVICE_TYPES
from policy.inputs import get
from policy.model import DASK_CLUSTER, GATEWAY_COMPONENT, SERVICE, PolicyContext, Resource, Rule

_GATEWAY_HINT = "set gateway.service.allowExternal: true in the stack file if that is intended, otherwise use ClusterIP"


def _gateway_chart_exposure(resource: Resource, context: PolicyContext) -> Iterator[str]:
    kind = get(resource.chart_values, "traefik.service.type")
    if kind in EXTERNAL_SERVICE_TYPES and not context.gateway_external_allowed:
        yield (
            f"chart values traefik.service.type is {kind}, which exposes the gateway outside the cluster, "
            f"but the stack does not ask for it: {_GATEWAY_HINT}"
        )


def _service_exposure(resource: Resource, context: PolicyContext) -> Iterator[str]:
    kind = get(resource.inputs, "spec.type")
    if kind not in EXTERNAL_SERVICE_TYPES:
        return
    if resource.chart_component == GATEWAY_COMPONENT:
        if not context.gateway_external_allowed:
            yield (
                f"Service {resource.object_name!r} of the gateway chart is {kind}, which exposes the gateway "
                f"outside the cluster, but the stack does not ask for it: {_GATEWAY_HINT}"
            )
    else:
        yield (
            f"Service {resource.object_name!r} is {kind}, which exposes it outside the cluster, and no stack key "
            "asks for that: use ClusterIP (gateway.service and clusters[].scheduler have allowExternal for theirs)"
        )


def _scheduler_exposure(resource: Resource, context: PolicyContext) -> Iterator[str]:
    kind = get(resource.inputs, "spec.scheduler.service.type")
    where = (resource.namespace or "", resource.object_name)
    if kind in EXTERNAL_SERVICE_TYPES and where not in context.external_schedulers:
        yield (
            f"the scheduler Service of cluster {where[1]!r} in {where[0]!r} is {kind}, which exposes the "
            "scheduler (and its dashboard) outside the cluster, but the stack does not ask for it: set "
            "clusters[].scheduler.allowExternal: true for that cluster if that is intended, otherwise use ClusterIP"
        )


def check_external_services(resource: Resource, context: PolicyContext) -> Iterator[str]:
    """NodePort and LoadBalancer Services (each opens a port outside the cluster) only with the stack's opt-in."""
    if resource.is_gateway_chart:
        yield from _gateway_chart_exposure(resource, context)
    elif resource.type == SERVICE:
        yield from _service_exposure(resource, context)
    elif resource.type == DASK_CLUSTER:
        yield from _scheduler_exposure(resource, context)


RULES: tuple[Rule, ...] = (
    Rule(
        "load-balancer-only-when-asked",
        "NodePort and LoadBalancer Services only with the stack's opt-in: the gateway's with "
        "gateway.service.allowExternal, a declared cluster's scheduler with clusters[].scheduler.allowExternal; "
        "no other Service may be exposed.",
        "advisory",
        check_external_services,
    ),
)
