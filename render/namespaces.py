"""Namespace manifests and what caps a namespace: every namespace the platform declares carries its label and Pod
Security level; a user or team namespace also gets a ResourceQuota and a LimitRange of container defaults."""

from __future__ import annotations

from typing import Any

from config.types import Resources
from render.names import PLATFORM_LABEL, TEAM_LIMIT_RANGE_NAME, pod_security_labels


def namespace(name: str, pod_security: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {**PLATFORM_LABEL, **pod_security_labels(pod_security)}},
    }


def _metadata(name: str, namespace: str) -> dict[str, Any]:
    return {"name": name, "namespace": namespace, "labels": dict(PLATFORM_LABEL)}


def resource_quota(name: str, namespace: str, hard: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": _metadata(name, namespace), "spec": {"hard": hard}}


def container_defaults(namespace: str, defaults: Resources) -> dict[str, Any]:
    """Container defaults, so that a pod without resources is admitted by the quota and counted within it."""
    amounts = defaults.model_dump(mode="json")
    return {
        "apiVersion": "v1",
        "kind": "LimitRange",
        "metadata": _metadata(TEAM_LIMIT_RANGE_NAME, namespace),
        "spec": {
            "limits": [{"type": "Container", "defaultRequest": amounts["requests"], "default": amounts["limits"]}]
        },
    }
