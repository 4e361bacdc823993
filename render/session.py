"""The long-running Dask client next to the clusters, as a plain Deployment manifest."""

from __future__ import annotations

from typing import Any

from config.gateway import GatewayConfig
from config.platform import PlatformConfig
from render.catalog import profile_image
from render.kernels import dask_config_env, kernel_dask_config, profile_cluster_options
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


def session_environment(
    address: str, worker_image: str, gateway: GatewayConfig, profile_images: dict[str, str]
) -> dict[str, str]:
    """dask's configuration as environment variables: ``DASK_GATEWAY__ADDRESS`` lets ``Gateway()`` work without
    arguments, and the default cluster options run clusters on the session's own image (by its profile, where the
    gateway offers the profile option), whatever the gateway's default is. ``profile_images`` maps each profile
    to its k8s image."""
    # The client authenticates with the JUPYTERHUB_API_TOKEN of whoever runs it, or with the password variable.
    auth_type = "jupyterhub" if gateway.auth.type == "jupyterhub" else None
    options = profile_cluster_options(gateway, worker_image, profile_images)
    environment = {"DASK_GATEWAY_URL": address, "DASK_WORKER_IMAGE": worker_image}
    return {**environment, **dask_config_env(kernel_dask_config(options, address=address, auth_type=auth_type))}


def session_client_environment(config: PlatformConfig) -> dict[str, str]:
    """The session's client settings in this stack: what the session and the smoke check run with."""
    address = gateway_address(config.namespaces.gateway, config.gateway.service.port)
    profile_images = {name: profile_image(config.images, name) for name in config.images.profiles}
    return session_environment(address, config.session_image, config.gateway, profile_images)


def session_deployment(config: PlatformConfig, with_password: bool) -> dict[str, Any]:
    """The client Deployment; ``with_password`` reads the gateway password from ``SESSION_PASSWORD_SECRET``."""
    image = config.session_image
    env: list[dict[str, Any]] = [
        {"name": name, "value": value} for name, value in session_client_environment(config).items()
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
