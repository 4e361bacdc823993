"""The long-running Dask client next to the clusters, as a plain Deployment manifest."""

from __future__ import annotations

from typing import Any

from config.platform import PlatformConfig
from render.names import (
    PASSWORD_SECRET_KEY,
    PLATFORM_LABEL,
    SESSION_NAME,
    USER_SERVICE_ACCOUNT,
    gateway_address,
)
from render.pods import CONTAINER_SECURITY, POD_SECURITY, placement_spec, resource_requirements

SESSION_PASSWORD_SECRET = f"{SESSION_NAME}-gateway-password"
"""Secrets are namespaced: the session gets its own copy of the gateway password, under this name."""
CLIENT_PASSWORD_ENV = "DASK_GATEWAY__AUTH__KWARGS__PASSWORD"
"""Where dask_gateway's client config reads a BasicAuth password from the environment."""


def session_environment(address: str, worker_image: str, auth_type: str) -> dict[str, str]:
    """``DASK_GATEWAY__ADDRESS`` lets ``Gateway()`` work without arguments; the worker image is the client's."""
    environment = {
        "DASK_GATEWAY_URL": address,
        "DASK_GATEWAY__ADDRESS": address,
        "DASK_WORKER_IMAGE": worker_image,
    }
    if auth_type == "jupyterhub":
        # The client then authenticates with the JUPYTERHUB_API_TOKEN of whoever runs it.
        environment["DASK_GATEWAY__AUTH__TYPE"] = "jupyterhub"
    return environment


def session_deployment(config: PlatformConfig, with_password: bool) -> dict[str, Any]:
    """The client Deployment; ``with_password`` reads the gateway password from ``SESSION_PASSWORD_SECRET``."""
    image = config.session_image
    address = gateway_address(config.namespaces.gateway, config.gateway.service.port)
    env: list[dict[str, Any]] = [
        {"name": name, "value": value}
        for name, value in session_environment(address, image, config.gateway.auth.type).items()
    ]
    if with_password:
        env.append(
            {
                "name": CLIENT_PASSWORD_ENV,
                "valueFrom": {"secretKeyRef": {"name": SESSION_PASSWORD_SECRET, "key": PASSWORD_SECRET_KEY}},
            }
        )
    labels = {**PLATFORM_LABEL, "app.kubernetes.io/name": SESSION_NAME}
    container = {
        "name": "client",
        "image": image,
        "command": list(config.session.command),
        "env": env,
        "resources": resource_requirements(config.session.resources),
        "securityContext": CONTAINER_SECURITY,
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": SESSION_NAME, "namespace": config.session_namespace, "labels": labels},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": labels},
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "serviceAccountName": USER_SERVICE_ACCOUNT,
                    "securityContext": POD_SECURITY,
                    "containers": [container],
                    **placement_spec(config.session.placement),
                },
            },
        },
    }
