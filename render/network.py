"""NetworkPolicies as plain manifests: who may reach Dask pods and the gateway.

NetworkPolicies allow; they cannot say "only pods of the same cluster", since a selector cannot compare two pods'
label values. So within a namespace, gateway cluster pods accept gateway cluster pods and declared cluster pods
accept declared cluster pods; everything else is denied unless a policy here or ``networkPolicies.allowFrom``
lets it in.

Egress from the user and team namespaces is closed the same way: every pod there reaches DNS and the gateway's
traefik, Dask pods reach their own kind of Dask pods in the same namespace, gateway cluster pods reach the
gateway's API, and ``networkPolicies.egress`` opens named destinations. Nothing else: not the Kubernetes API,
not cloud metadata, not the internet.
"""

from __future__ import annotations

import ipaddress
from typing import Any, Literal

from config.network import EgressDestination
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
DNS_NAMESPACE = "kube-system"
DNS_POD_LABELS = {"k8s-app": "kube-dns"}
"""The label CoreDNS (and kube-dns before it) keeps on its pods in kubeadm, GKE, EKS and AKS clusters."""
DNS_PORT = 53
OPERATOR_POD_LABEL = ("app.kubernetes.io/name", "dask-kubernetes-operator")
"""The operator chart's label on its pod. Where the operator runs in a user namespace (``operator.scope:
namespace``), the default egress policy leaves it out: it must reach the API server, whose address no policy can
know. A DaskCluster that copies this label onto its pods gains nothing: the operator labels them with
``DECLARED_CLUSTER_LABEL`` too, and the declared clusters' policy still closes their egress."""
METADATA_RANGE = ipaddress.IPv4Network("169.254.0.0/16")
"""Link-local IPv4, where clouds serve instance metadata and credentials (169.254.169.254)."""


def _has(label: str) -> dict[str, Any]:
    return {"matchExpressions": [{"key": label, "operator": "Exists"}]}


def _namespaces(names: list[str]) -> dict[str, Any]:
    return {"matchExpressions": [{"key": NAMESPACE_NAME_LABEL, "operator": "In", "values": names}]}


def _policy(
    name: str,
    namespace: str,
    pods: dict[str, Any],
    rules: list[dict[str, Any]],
    direction: Literal["Ingress", "Egress"] = "Ingress",
) -> dict[str, Any]:
    """A NetworkPolicy for ``pods`` that allows ``rules`` in one direction: what no rule allows there is closed."""
    return {
        "apiVersion": NETWORK_API_VERSION,
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(PLATFORM_LABEL)},
        "spec": {"podSelector": pods, "policyTypes": [direction], direction.lower(): rules},
    }


def _egress_policy(name: str, namespace: str, pods: dict[str, Any], egress: list[dict[str, Any]]) -> dict[str, Any]:
    return _policy(name, namespace, pods, egress, "Egress")


def _tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": port} for port in ports]


def _destination_rule(destination: EgressDestination) -> dict[str, Any]:
    network = ipaddress.ip_network(destination.cidr)
    block: dict[str, Any] = {"cidr": destination.cidr}
    if isinstance(network, ipaddress.IPv4Network) and network != METADATA_RANGE and METADATA_RANGE.subnet_of(network):
        # An object store "anywhere on 443" must not open the metadata endpoint, which hands out node credentials.
        block["except"] = [str(METADATA_RANGE)]
    return {
        "to": [{"ipBlock": block}],
        "ports": [{"protocol": destination.protocol, "port": port} for port in destination.ports],
    }


def user_namespace_egress(config: PlatformConfig, namespace: str) -> list[dict[str, Any]]:
    """Where pods of a user or team namespace may connect: DNS and the gateway, their own kind of Dask pods next to
    them, and the destinations the stack names; everything else is closed."""
    gateway = {"namespaceSelector": _namespaces([config.namespaces.gateway])}
    dns = {
        "to": [{"namespaceSelector": _namespaces([DNS_NAMESPACE]), "podSelector": {"matchLabels": DNS_POD_LABELS}}],
        "ports": [{"protocol": "UDP", "port": DNS_PORT}, {"protocol": "TCP", "port": DNS_PORT}],
    }
    traefik = {
        "to": [{**gateway, "podSelector": {"matchLabels": {COMPONENT_LABEL: "traefik"}}}],
        "ports": _tcp(*TRAEFIK_PORTS),
    }
    everyone: dict[str, Any] = {}
    if namespace == config.operator_namespace:
        key, value = OPERATOR_POD_LABEL
        everyone = {"matchExpressions": [{"key": key, "operator": "NotIn", "values": [value]}]}
    policies = [
        _egress_policy("dask-platform-egress-default", namespace, everyone, [dns, traefik]),
        _egress_policy(
            "dask-platform-egress-gateway-clusters",
            namespace,
            _has(GATEWAY_CLUSTER_LABEL),
            [
                {"to": [{"podSelector": _has(GATEWAY_CLUSTER_LABEL)}]},
                # Schedulers report to the API directly (heartbeats), not through traefik.
                {
                    "to": [{**gateway, "podSelector": {"matchLabels": {COMPONENT_LABEL: "gateway"}}}],
                    "ports": _tcp(GATEWAY_API_PORT),
                },
            ],
        ),
        _egress_policy(
            "dask-platform-egress-declared-clusters",
            namespace,
            _has(DECLARED_CLUSTER_LABEL),
            [{"to": [{"podSelector": _has(DECLARED_CLUSTER_LABEL)}]}],
        ),
    ]
    policies += [
        _egress_policy(f"dask-platform-egress-{destination.name}", namespace, {}, [_destination_rule(destination)])
        for destination in config.network_policies.egress
    ]
    return policies


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
        policies += user_namespace_policies(config, namespace) + user_namespace_egress(config, namespace)
        if config.monitoring.enabled:
            policies += prometheus_scrape_policies(config, namespace)
    return policies
