"""Helm values for the two charts, as plain data computed from the typed config.

Nothing secret is ever placed here: the simple-auth password reaches the gateway pod from a Kubernetes
Secret through ``gateway.env``; the JupyterHub token is read by the chart from an existing Secret.
"""

from __future__ import annotations

from typing import Any

from components.clusters_config import gateway_team_namespaces
from components.config import PlatformConfig, Resources
from components.gateway_options import (
    PASSWORD_ENV,
    cluster_options_config,
    password_from_environment_config,
)

GATEWAY_RELEASE = "dask-gateway"
OPERATOR_RELEASE = "dask-kubernetes-operator"
GATEWAY_SERVER_IMAGE = "ghcr.io/dask/dask-gateway-server"
OPERATOR_IMAGE = "ghcr.io/dask/dask-kubernetes-operator"
PASSWORD_SECRET_KEY = "password"

# Requests and limits for the chart's own pods, so that every container on the platform has both.
_SMALL_POD = {
    "requests": {"cpu": "100m", "memory": "128Mi"},
    "limits": {"cpu": "500m", "memory": "512Mi"},
}


def _resources(resources: Resources) -> dict[str, Any]:
    return resources.model_dump(mode="json")


def operator_values(config: PlatformConfig) -> dict[str, Any]:
    values: dict[str, Any] = {
        "image": {"name": OPERATOR_IMAGE, "tag": config.operator.chart.version},
        "resources": _resources(config.operator.resources),
        "rbac": {"create": True, "cluster": config.operator.scope == "cluster"},
    }
    if config.operator.scope == "namespace":
        values["kopfArgs"] = ["--namespace", config.operator_namespace]
    return values


def traefik_service_name() -> str:
    return f"traefik-{GATEWAY_RELEASE}"


def gateway_address(config: PlatformConfig) -> str:
    """The gateway's in-cluster address: traefik fronts both the API and the scheduler proxy."""
    port = config.gateway.service.port
    return f"http://{traefik_service_name()}.{config.namespaces.gateway}.svc.cluster.local:{port}"


def gateway_values(
    config: PlatformConfig,
    password_secret_name: str | None,
    default_image: str | None = None,
) -> dict[str, Any]:
    """Values for the dask-gateway chart.

    ``password_secret_name`` names the Kubernetes Secret holding the simple-auth password, when there is one.
    """
    gateway = config.gateway
    image_name, _, image_tag = (default_image or gateway.image.reference).rpartition(":")
    extra_config = {
        "dask-platform-10-cluster-options": cluster_options_config(
            gateway,
            default_image=f"{image_name}:{image_tag}",
            team_namespaces=gateway_team_namespaces(config.teams),
        )
    }
    env: list[dict[str, Any]] = []
    auth: dict[str, Any] = {"type": gateway.auth.type}
    if gateway.auth.type == "jupyterhub":
        hub = gateway.auth.jupyterhub
        auth["jupyterhub"] = {
            "apiTokenFromSecretName": hub.api_token_secret_name,
            "apiTokenFromSecretKey": hub.api_token_secret_key,
            "apiUrl": hub.api_url,
            "jupyterhubServiceName": hub.service_name,
        }
    elif password_secret_name is not None:
        env.append(
            {
                "name": PASSWORD_ENV,
                "valueFrom": {
                    "secretKeyRef": {
                        "name": password_secret_name,
                        "key": PASSWORD_SECRET_KEY,
                    }
                },
            }
        )
        extra_config["dask-platform-20-password"] = password_from_environment_config()
    pull_secrets = [{"name": name} for name in gateway.image_pull_secrets]
    server_image = {"name": GATEWAY_SERVER_IMAGE, "tag": gateway.chart.version}
    return {
        "fullnameOverride": GATEWAY_RELEASE,
        "gateway": {
            "image": server_image,
            "resources": _SMALL_POD,
            "env": env,
            "auth": auth,
            "extraConfig": extra_config,
            "backend": {
                "image": {
                    "name": image_name,
                    "tag": image_tag,
                    "pullPolicy": gateway.image.pull_policy,
                },
                "imagePullSecrets": pull_secrets,
                "namespace": config.gateway_cluster_namespace,
            },
        },
        "controller": {"image": server_image, "resources": _SMALL_POD},
        "traefik": {
            "resources": _SMALL_POD,
            "service": {
                "type": gateway.service.type,
                "ports": {
                    "web": {"port": gateway.service.port},
                    "tcp": {"port": "web"},
                },
            },
        },
        "rbac": {"enabled": True},
    }
