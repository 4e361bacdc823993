"""Kubernetes Secrets the platform creates from Pulumi secret config: the manifest without its value, which
stays a Pulumi secret Output until it reaches the cluster."""

from __future__ import annotations

from typing import Any

from render.names import PLATFORM_LABEL


def opaque_secret(name: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace, "labels": PLATFORM_LABEL},
        "type": "Opaque",
    }
