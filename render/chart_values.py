"""Helm values for the two charts, as plain data computed from the typed config.

Nothing secret is ever placed here: the simple-auth password reaches the gateway pod from a Kubernetes
Secret through ``gateway.env``; the JupyterHub token is read by the chart from an existing Secret. The gateway's
configuration is ``shipped/gateway_config.py`` verbatim, with its data as JSON in ``gateway.env``.
"""

from __future__ import annotations

from typing import Any

from config.platform import PlatformConfig
from config.pods import ChartPod
from render.catalog import profile_image
from render.cost import gateway_cost_data
from render.gateway_options import gateway_config_sources, gateway_data_env, gateway_options_data
from render.monitoring import operator_metrics_values
from render.names import (
    GATEWAY_RELEASE,
    JUPYTERHUB_TOKEN_KEY,
    JUPYTERHUB_TOKEN_SECRET,
    PASSWORD_ENV,
    PASSWORD_SECRET_KEY,
)
from render.pods import placement_spec, resource_requirements
from render.teams import gateway_team_namespaces

GATEWAY_SERVER_IMAGE = "ghcr.io/dask/dask-gateway-server"
OPERATOR_IMAGE = "ghcr.io/dask/dask-kubernetes-operator"


def _chart_pod(pod: ChartPod) -> dict[str, Any]:
    """A gateway chart pod's resources and placement, as the chart's values for that part name them."""
    return {"resources": resource_requirements(pod.resources), **placement_spec(pod.placement)}


def operator_values(config: PlatformConfig) -> dict[str, Any]:
    values: dict[str, Any] = {
        "image": {"name": OPERATOR_IMAGE, "tag": config.operator.chart.version},
        "resources": resource_requirements(config.operator.resources),
        "rbac": {"create": True, "cluster": config.operator.scope == "cluster"},
        # The chart's container already drops privileges and runs as uid 1000; the pod adds the seccomp
        # profile that the restricted Pod Security Standard asks for.
        "podSecurityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
        **placement_spec(config.operator.placement),
    }
    if config.operator.scope == "namespace":
        values["kopfArgs"] = ["--namespace", config.operator_namespace]
    return values | operator_metrics_values(config)


def jupyterhub_token_secret(config: PlatformConfig, token_from_secret_config: bool) -> tuple[str, str]:
    """(Secret, key) in the gateway namespace holding the gateway's JupyterHub API token: the one the program
    creates from ``dask-platform:jupyterhubApiToken``, or the existing one the stack names."""
    hub = config.gateway.auth.jupyterhub
    if token_from_secret_config or hub.api_token_secret_name is None:
        return JUPYTERHUB_TOKEN_SECRET, JUPYTERHUB_TOKEN_KEY
    return hub.api_token_secret_name, hub.api_token_secret_key


def _gateway_auth(
    config: PlatformConfig, password_secret_name: str | None, token_from_secret_config: bool
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The chart's ``gateway.auth``, and the environment variable that carries a simple-auth password, if any."""
    gateway = config.gateway
    auth: dict[str, Any] = {"type": gateway.auth.type}
    if gateway.auth.type == "jupyterhub":
        hub = gateway.auth.jupyterhub
        secret, key = jupyterhub_token_secret(config, token_from_secret_config)
        auth["jupyterhub"] = {
            "apiTokenFromSecretName": secret,
            "apiTokenFromSecretKey": key,
            "apiUrl": hub.api_url,
            "jupyterhubServiceName": hub.service_name,
        }
        return auth, []
    if password_secret_name is None:
        return auth, []
    reference = {"secretKeyRef": {"name": password_secret_name, "key": PASSWORD_SECRET_KEY}}
    return auth, [{"name": PASSWORD_ENV, "valueFrom": reference}]


def gateway_values(
    config: PlatformConfig,
    password_secret_name: str | None,
    default_image: str | None = None,
    token_from_secret_config: bool = False,
) -> dict[str, Any]:
    """Values for the dask-gateway chart.

    ``password_secret_name`` names the Kubernetes Secret holding the simple-auth password, when there is one;
    ``token_from_secret_config`` says the JupyterHub token comes from the stack's secret config.
    """
    gateway = config.gateway
    image_name, _, image_tag = (default_image or gateway.image.reference).rpartition(":")
    simple_password = gateway.auth.type == "simple" and password_secret_name is not None
    data = gateway_options_data(
        gateway,
        default_image=f"{image_name}:{image_tag}",
        team_namespaces=gateway_team_namespaces(config.teams),
        password_env=PASSWORD_ENV if simple_password else None,
        password_required=simple_password,
        profile_images={name: profile_image(config.images, name) for name in config.images.profiles},
        default_profile=config.images.default_profile,
        cost_labels=gateway_cost_data(config),
        teams=config.teams,
    )
    auth, password_env = _gateway_auth(config, password_secret_name, token_from_secret_config)
    env: list[dict[str, Any]] = [gateway_data_env(data), *password_env]
    pull_secrets = [{"name": name} for name in gateway.image_pull_secrets]
    server_image = {"name": GATEWAY_SERVER_IMAGE, "tag": gateway.chart.version}
    return {
        "fullnameOverride": GATEWAY_RELEASE,
        "gateway": {
            "image": server_image,
            **_chart_pod(gateway.api),
            "env": env,
            "auth": auth,
            "extraConfig": gateway_config_sources(),
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
        "controller": {"image": server_image, **_chart_pod(gateway.controller)},
        "traefik": {
            **_chart_pod(gateway.traefik),
            # One port for the API and the schedulers' TLS traffic.
            "service": {
                "type": gateway.service.type,
                "ports": {"web": {"port": gateway.service.port}, "tcp": {"port": "web"}},
            },
        },
        "rbac": {"enabled": True},
    }
