"""Kubernetes Secrets the platform creates from Pulumi secret config: the manifest without its value, which
stays a Pulumi secret Output until it reaches the cluster."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from config.clusters import DeclaredClusterConfig
from config.platform import PlatformConfig
from config.pods import PodSettings
from render.names import PASSWORD_SECRET_KEY, PLATFORM_LABEL


def opaque_secret(name: str, namespace: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": namespace, "labels": PLATFORM_LABEL},
        "type": "Opaque",
    }


@dataclass(frozen=True)
class ConfigSecret:
    """A Secret the program fills from the stack's secret config: its manifest, and the key the value goes under.
    The value itself never enters the render layer."""

    manifest: dict[str, Any]
    key: str


def config_secret(name: str, namespace: str, key: str = PASSWORD_SECRET_KEY) -> ConfigSecret:
    return ConfigSecret(opaque_secret(name, namespace), key)


def _cluster_parts(cluster: DeclaredClusterConfig) -> list[PodSettings]:
    parts: list[PodSettings] = [cluster.scheduler, cluster.worker, *cluster.worker_groups]
    return [*parts, cluster.job] if cluster.job is not None else parts


def required_secrets(config: PlatformConfig, token_from_secret_config: bool = False) -> list[str]:
    """``namespace/name`` of every Secret the stack reads but does not create: these must exist before
    ``pulumi up``, or the pods that read them do not start."""
    required: list[str] = []
    hub = config.gateway.auth.jupyterhub
    if config.gateway.auth.type == "jupyterhub" and not token_from_secret_config and hub.api_token_secret_name:
        required.append(f"{config.namespaces.gateway}/{hub.api_token_secret_name}")
    # Gateway clusters start in the cluster namespace or, for a team's users, in the team's namespace.
    gateway_namespaces = [config.gateway_cluster_namespace, *(t.name for t in config.teams if t.gateway_groups)]
    gateway_secrets = [*config.gateway.scheduler.secrets(), *config.gateway.worker.secrets()]
    gateway_secrets += config.gateway.image_pull_secrets
    required += [f"{namespace}/{name}" for namespace in gateway_namespaces for name in gateway_secrets]
    for cluster in config.clusters:
        if cluster.enabled:
            names = [name for part in _cluster_parts(cluster) for name in part.secrets()]
            required += [f"{cluster.namespace}/{name}" for name in [*names, *config.gateway.image_pull_secrets]]
    required += _smoke_check_secrets(config)
    return list(dict.fromkeys(required))


def _smoke_check_secrets(config: PlatformConfig) -> list[str]:
    token = config.smoke_check.jupyterhub_token_secret
    if not config.smoke_check_enabled or token is None or config.gateway.auth.type != "jupyterhub":
        return []
    return [f"{config.session_namespace}/{token.secret_name}"]
