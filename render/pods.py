"""Pieces every pod we declare or configure shares: resources, security settings, placement and environment."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from config.pods import EnvSource, ExtraResources, KeyReference, Placement, PodSettings, Toleration
from config.types import Resources

POD_USER = 1000
"""The numeric non-root user our images run as, so Kubernetes can verify runAsNonRoot."""
CONTAINER_SECURITY: dict[str, Any] = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
"""Dropping privileges costs Dask nothing and keeps the pods within the `restricted` Pod Security Standard."""
POD_SECURITY: dict[str, Any] = {
    "runAsNonRoot": True,
    "runAsUser": POD_USER,
    "seccompProfile": {"type": "RuntimeDefault"},
}


def resource_requirements(
    resources: Resources,
    extra: ExtraResources | None = None,
    extended_limits: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """``{"requests": {...}, "limits": {...}}`` with any extra resources (ephemeral storage); extended resources
    (GPUs) go in limits only, where Kubernetes sets the request to the same count."""
    amounts: dict[str, Any] = resources.model_dump(mode="json")
    if extra is not None:
        amounts["requests"].update(extra.requests)
        amounts["limits"].update(extra.limits)
    amounts["limits"].update(extended_limits or {})
    return amounts


def extra_resource_requirements(extra: ExtraResources) -> dict[str, Any]:
    """Only the extra resources, for a pod whose CPU and memory someone else sets (the gateway's)."""
    return {
        kind: dict(amounts) for kind, amounts in (("requests", extra.requests), ("limits", extra.limits)) if amounts
    }


def _reference(reference: KeyReference) -> dict[str, Any]:
    if reference.secret_name is not None:
        return {"secretKeyRef": {"name": reference.secret_name, "key": reference.key}}
    return {"configMapKeyRef": {"name": reference.config_map_name, "key": reference.key}}


def env_list(values: Mapping[str, str], value_from: Mapping[str, KeyReference] | None = None) -> list[dict[str, Any]]:
    """A container's ``env``: plain values, then variables read from existing Secrets and ConfigMaps."""
    env: list[dict[str, Any]] = [{"name": name, "value": value} for name, value in values.items()]
    env += [{"name": name, "valueFrom": _reference(reference)} for name, reference in (value_from or {}).items()]
    return env


def env_from_list(sources: Iterable[EnvSource]) -> list[dict[str, Any]]:
    """A container's ``envFrom``: every key of existing Secrets and ConfigMaps."""
    entries: list[dict[str, Any]] = []
    for source in sources:
        entry: dict[str, Any] = (
            {"secretRef": {"name": source.secret_name}}
            if source.secret_name
            else {"configMapRef": {"name": source.config_map_name}}
        )
        if source.prefix:
            entry["prefix"] = source.prefix
        entries.append(entry)
    return entries


def tolerations(items: Iterable[Toleration]) -> list[dict[str, Any]]:
    return [item.model_dump(mode="json", by_alias=True, exclude_none=True) for item in items]


def placement_spec(placement: Placement, *more: Placement) -> dict[str, Any]:
    """``nodeSelector``, ``affinity`` and ``tolerations`` of a pod spec, from one or more placements (a GPU
    pool's and the part's own): node selectors and tolerations add up, the last affinity set wins."""
    node_selector: dict[str, str] = {}
    affinity: dict[str, Any] = {}
    toleration_list: list[Toleration] = []
    for each in (placement, *more):
        node_selector.update(each.node_selector)
        affinity = dict(each.affinity) or affinity
        toleration_list += [item for item in each.tolerations if item not in toleration_list]
    spec: dict[str, Any] = {}
    if node_selector:
        spec["nodeSelector"] = node_selector
    if affinity:
        spec["affinity"] = affinity
    if toleration_list:
        spec["tolerations"] = tolerations(toleration_list)
    return spec


def container_settings(settings: PodSettings, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The ``env`` and ``envFrom`` of a container from its part's settings, ``env`` values first."""
    container: dict[str, Any] = {}
    variables = env_list({**(env or {}), **settings.env}, settings.env_value_from)
    if variables:
        container["env"] = variables
    if settings.env_from:
        container["envFrom"] = env_from_list(settings.env_from)
    return container
