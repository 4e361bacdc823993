"""NetworkPolicies as plain manifests: who may reach Dask pods and the gateway.

NetworkPolicies allow; they cannot say "only pods of the same cluster", since a selector cannot compare two pods'
label values. So within a namespace, gateway cluster pods accept gateway cluster pods and declared cluster pods
accept declared cluster pods; everything else is denied unless a policy here or ``networkPolicies.allowFrom``
lets it in.
"""

from __future__ import annotations

from typing import Any

from config.platform import PlatformConfig
from render.monitoring import (
    DECLARED_COMPONENT_LABEL,
    DECLARED_METRICS_PORTS,
    GATEWAY_COMPONENTS,
    GATEWAY_METRICS_PORT,
)
from render.names import PLATFORM_LABEL

NETWORK_API_VERSION = "networking.k8s.io/v1"
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
"""The label Kubernetes puts on every namespace with its own name."""
GATEWAY_CLUSTER_LABEL = "gateway.dask.org/cluster"
"""dask-gateway's label on every scheduler and worker pod it starts."""
DECLARED_CLUSTER_LABEL = "dask.org/cluster-name"
"""The operator's label on every pod of a DaskCluster (scheduler, workers, job runner)."""
COMPONENT_LABEL = "app.kubernetes.io/component"
TRAEFIK_PORTS = (8000, 8786)
"""Traefik's web and TCP entry points in the gateway chart's pod."""
GATEWAY_API_PORT = 8000


def _has(label: str) -> dict[str, Any]:
    return {"matchExpressions": [{"key": label, "operator": "Exists"}]}


def _namespaces(names: list[str]) -> dict[str, Any]:
    return {"matchExpressions": [{"key": NAMESPACE_NAME_LABEL, "operator": "In", "values": names}]}


def _policy(name: str, namespace: str, pods: dict[str, Any], ingress: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": NETWORK_API_VERSION,
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(PLATFORM_LABEL)},
        "spec": {"podSelector": pods, "policyTypes": ["Ingress"], "ingress": ingress},
    }


def user_namespace_policies(config: PlatformConfig, namespace: str) -> list[dict[str, Any]]:
    """A user or team namespace: nothing gets in, but a cluster's own pods, the gateway and the operator."""
    gateway, operator = config.namespaces.gateway, config.operator_namespace
    policies = [
        _policy("dask-platform-default-deny", namespace, {}, []),
        _policy(
            "dask-platform-gateway-clusters",
            namespace,
            _has(GATEWAY_CLUSTER_LABEL),
            [{"from": [{"podSelector": _has(GATEWAY_CLUSTER_LABEL)}, {"namespaceSelector": _namespaces([gateway])}]}],
        ),
        _policy(
            "dask-platform-declared-clusters",
            namespace,
            _has(DECLARED_CLUSTER_LABEL),
            [{"from": [{"podSelector": _has(DECLARED_CLUSTER_LABEL)}, {"namespaceSelector": _namespaces([operator])}]}],
        ),
    ]
    if config.network_policies.allow_from:
        policies.append(
            _policy("dask-platform-allow-from", namespace, {}, [{"from": list(config.network_policies.allow_from)}])
        )
    return policies


def prometheus_scrape_policies(config: PlatformConfig, namespace: str) -> list[dict[str, Any]]:
    """Prometheus (its pods in ``monitoring.namespace``) may reach each Dask pod's metrics port and no other:
    not the comm port, nor the gateway scheduler's API on 8788."""
    monitoring = config.monitoring
    prometheus = {
        "namespaceSelector": _namespaces([monitoring.namespace]),
        "podSelector": {"matchLabels": dict(monitoring.prometheus_pod_labels)},
    }

    def scrape(name: str, pods: dict[str, Any], port: int) -> dict[str, Any]:
        return _policy(name, namespace, pods, [{"from": [prometheus], "ports": [{"protocol": "TCP", "port": port}]}])

    gateway_pods = {
        "matchExpressions": [
            {"key": GATEWAY_CLUSTER_LABEL, "operator": "Exists"},
            {"key": COMPONENT_LABEL, "operator": "In", "values": list(GATEWAY_COMPONENTS.values())},
        ]
    }
    return [
        scrape("dask-platform-prometheus-gateway-clusters", gateway_pods, GATEWAY_METRICS_PORT),
        *(
            scrape(
                f"dask-platform-prometheus-declared-{role}s",
                {"matchLabels": {DECLARED_COMPONENT_LABEL: role}, **_has(DECLARED_CLUSTER_LABEL)},
                port,
            )
            for role, port in DECLARED_METRICS_PORTS.items()
        ),
    ]


def gateway_namespace_policies(config: PlatformConfig) -> list[dict[str, Any]]:
    """The gateway namespace: clients reach traefik; the API takes traefik and the clusters it launched."""
    namespace = config.namespaces.gateway
    cluster_namespaces = list(dict.fromkeys([config.gateway_cluster_namespace, *(team.name for team in config.teams)]))
    return [
        _policy("dask-platform-default-deny", namespace, {}, []),
        _policy(
            "dask-platform-traefik",
            namespace,
            {"matchLabels": {COMPONENT_LABEL: "traefik"}},
            [{"ports": [{"protocol": "TCP", "port": port} for port in TRAEFIK_PORTS]}],
        ),
        _policy(
            "dask-platform-gateway-api",
            namespace,
            {"matchLabels": {COMPONENT_LABEL: "gateway"}},
            [
                {
                    "from": [
                        {"podSelector": {"matchLabels": {COMPONENT_LABEL: "traefik"}}},
                        {
                            "namespaceSelector": _namespaces(cluster_namespaces),
                            "podSelector": _has(GATEWAY_CLUSTER_LABEL),
                        },
                    ],
                    "ports": [{"protocol": "TCP", "port": GATEWAY_API_PORT}],
                }
            ],
        ),
    ]


def network_policies(config: PlatformConfig) -> list[dict[str, Any]]:
    """Every NetworkPolicy of the stack, or none when ``networkPolicies.enabled`` is off."""
    if not config.network_policies.enabled:
        return []
    policies = gateway_namespace_policies(config)
    if config.operator_namespace not in config.user_namespaces:
        # The operator takes no connections: it watches the API server and calls schedulers itself.
        policies.append(_policy("dask-platform-default-deny", config.operator_namespace, {}, []))
    for namespace in config.user_namespaces:
        policies += user_namespace_policies(config, namespace)
        if config.monitoring.enabled:
            policies += prometheus_scrape_policies(config, namespace)
    return policies
