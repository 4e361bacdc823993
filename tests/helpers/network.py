"""NetworkPolicies, evaluated as Kubernetes does for the selectors the platform writes."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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


def _peer_admits(peer: Mapping[str, Any], source_namespace: str, source: Mapping[str, str], namespace: str) -> bool:
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], namespace_labels(source_namespace)):
            return False
    elif source_namespace != namespace:
        return False
    return selects(peer.get("podSelector", {}), source)


def admits(
    policies: Iterable[Mapping[str, Any]],
    source: tuple[str, Mapping[str, str]],
    destination: tuple[str, Mapping[str, str]],
    port: int,
) -> bool:
    """Whether a pod (namespace, labels) may open a TCP connection to another pod's ``port`` under
    ``policies``: a pod no Ingress policy selects takes everything; otherwise one rule of a policy that selects
    it must admit both the peer and the port."""
    namespace, labels = destination
    selecting = [
        p
        for p in policies
        if p["metadata"]["namespace"] == namespace
        and "Ingress" in p["spec"].get("policyTypes", ["Ingress"])
        and selects(p["spec"]["podSelector"], labels)
    ]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get("ingress", []):
            peers, ports = rule.get("from"), rule.get("ports")
            peer_ok = peers is None or any(_peer_admits(peer, *source, namespace) for peer in peers)
            port_ok = ports is None or any(entry.get("port") == port for entry in ports)
            if peer_ok and port_ok:
                return True
    return False
