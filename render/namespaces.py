"""Namespace manifests: every namespace the platform declares carries its label and Pod Security level."""

from __future__ import annotations

from typing import Any

from render.names import PLATFORM_LABEL, pod_security_labels


def namespace(name: str, pod_security: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": {**PLATFORM_LABEL, **pod_security_labels(pod_security)}},
    }
