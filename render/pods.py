"""Pieces every pod we declare shares: resource requirements and the security settings."""

from __future__ import annotations

from typing import Any

from config.types import Resources

CONTAINER_SECURITY: dict[str, Any] = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
"""Dropping privileges costs Dask nothing and keeps the pods inside the namespaces' Pod Security level."""
POD_SECURITY: dict[str, Any] = {"seccompProfile": {"type": "RuntimeDefault"}}


def resource_requirements(resources: Resources, extended_limits: dict[str, str] | None = None) -> dict[str, Any]:
    """``{"requests": {...}, "limits": {...}}``; extended resources (GPUs) go in limits only, where Kubernetes
    sets the request to the same count."""
    amounts: dict[str, Any] = resources.model_dump(mode="json")
    amounts["limits"].update(extended_limits or {})
    return amounts
