"""Walking a resource's inputs: plain mappings and lists as the plan or the policy engine hands them over.

Nothing here knows a rule; the rule families use these to find containers, pod specs and nested values in any
manifest, ours or a chart's, whatever kind holds them (a Deployment, a Job, a DaskCluster's scheduler spec).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from render.gateway_options import gateway_data_of_env
from shipped.gateway_contract import GatewayData

CONTAINER_LISTS = ("containers", "initContainers", "ephemeralContainers")


def is_sequence(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def items(value: Any) -> Sequence[Any]:
    """A list input as a sequence; anything else (missing, a scalar) as no items."""
    return value if is_sequence(value) else ()


def get(value: Any, path: str) -> Any:
    """The value at a dotted path of mappings, or None where any step is missing."""
    for key in path.split("."):
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every (dotted path, value) pair below ``value``, lists indexed as ``[i]``."""
    yield path, value
    if isinstance(value, Mapping):
        for key in value:
            yield from walk(value[key], f"{path}.{key}" if path else str(key))
    elif is_sequence(value):
        for index, item in enumerate(value):
            yield from walk(item, f"{path}[{index}]")


def containers(inputs: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Containers of any pod template: Deployments, Jobs, Pods, and custom resources such as DaskCluster."""
    for path, value in walk(inputs):
        if path.rsplit(".", 1)[-1] in ("containers", "initContainers") and is_sequence(value):
            for index, container in enumerate(value):
                if isinstance(container, Mapping):
                    yield f"{path}[{index}]", container


def pod_specs(inputs: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every pod spec in a manifest: a Pod's spec, any template's, a DaskCluster's scheduler and worker specs."""
    for path, value in walk(inputs):
        if isinstance(value, Mapping) and is_sequence(value.get("containers")):
            yield path, value


def pod_containers(pod: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """A pod spec's containers of every list: regular, init and ephemeral."""
    for field in CONTAINER_LISTS:
        for container in items(pod.get(field)):
            if isinstance(container, Mapping):
                yield container


def describe_container(path: str, container: Mapping[str, Any]) -> str:
    """How a message names a container: its name and where it stands (a bare pod spec's path is empty)."""
    return f"container {container.get('name', '?')!r} ({path or 'spec'})"


def gateway_data(chart_values: Mapping[str, Any]) -> GatewayData | None:
    """The gateway's option data (``render/gateway_options.py``) from the gateway chart's ``gateway.env``."""
    return gateway_data_of_env(get(chart_values, "gateway.env"))
