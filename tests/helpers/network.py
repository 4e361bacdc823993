"""NetworkPolicies, evaluated as Kubernetes does for the selectors the platform writes."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


def selects(selector: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    """A label selector (matchLabels, matchExpressions with In, NotIn, Exists, DoesNotExist) against labels."""
    if any(labels.get(key) != value for key, value in selector.get("matchLabels", {}).items()):
        return False
    tests = {
        "In": lambda key, values: labels.get(key) in values,
        "NotIn": lambda key, values: labels.get(key) not in values,
        "Exists": lambda key, _values: key in labels,
        "DoesNotExist": lambda key, _values: key not in labels,
    }
    return all(tests[e["operator"]](e["key"], e.get("values", [])) for e in selector.get("matchExpressions", []))


def namespace_labels(name: str) -> dict[str, str]:
    return {"kubernetes.io/metadata.name": name}


Labels = Mapping[str, str]


@dataclass(frozen=True)
class Pod:
    namespace: str
    labels: Labels = field(default_factory=dict)


@dataclass(frozen=True)
class Address:
    ip: str


def _peer_matches(peer: Mapping[str, Any], policy_namespace: str, other: Pod | Address) -> bool:
    if "ipBlock" in peer:
        if not isinstance(other, Address):
            return False
        ip = ipaddress.ip_address(other.ip)
        block = peer["ipBlock"]
        inside = ip in ipaddress.ip_network(block["cidr"])
        return inside and not any(ip in ipaddress.ip_network(excluded) for excluded in block.get("except", []))
    if not isinstance(other, Pod):
        return False
    if "namespaceSelector" in peer:
        in_namespace = selects(peer["namespaceSelector"], namespace_labels(other.namespace))
    else:
        in_namespace = other.namespace == policy_namespace
    return in_namespace and selects(peer.get("podSelector", {}), other.labels)


def _port_matches(rule: Mapping[str, Any], port: int, protocol: str) -> bool:
    ports = rule.get("ports")
    return not ports or any(p.get("protocol", "TCP") == protocol and p["port"] == port for p in ports)


def _direction_allows(
    policies: list[dict[str, Any]], pod: Pod, direction: str, other: Pod | Address, port: int, protocol: str
) -> bool:
    """``pod``'s side of a connection with ``other``: ``Egress`` (pod connects) or ``Ingress`` (other connects)."""
    selecting = [
        policy
        for policy in policies
        if policy["metadata"]["namespace"] == pod.namespace
        and direction in policy["spec"].get("policyTypes", ["Ingress"])
        and selects(policy["spec"]["podSelector"], pod.labels)
    ]
    if not selecting:
        return True
    peers_key, rules_key = ("to", "egress") if direction == "Egress" else ("from", "ingress")
    for policy in selecting:
        for rule in policy["spec"].get(rules_key, []):
            peers = rule.get(peers_key)
            peer_ok = not peers or any(_peer_matches(p, pod.namespace, other) for p in peers)
            # Ingress ports are the destination's (this pod's) ports, egress ports the other side's: both `port`.
            if peer_ok and _port_matches(rule, port, protocol):
                return True
    return False


def reaches(
    policies: list[dict[str, Any]], source: Pod, destination: Pod | Address, port: int, protocol: str = "TCP"
) -> bool:
    if not _direction_allows(policies, source, "Egress", destination, port, protocol):
        return False
    if isinstance(destination, Pod):
        return _direction_allows(policies, destination, "Ingress", source, port, protocol)
    return True


def admits(
    policies: Iterable[Mapping[str, Any]],
    source: tuple[str, Mapping[str, str]],
    destination: tuple[str, Mapping[str, str]],
    port: int,
) -> bool:
    """Whether the ingress rules let a pod (namespace, labels) open a TCP connection to another pod's ``port``,
    whatever the egress rules say."""
    ingress = [p for p in policies if "Ingress" in p["spec"].get("policyTypes", ["Ingress"])]
    return _direction_allows(ingress, Pod(*destination), "Ingress", Pod(*source), port, "TCP")
