"""NetworkPolicies around Dask pods and the gateway: ``dask-platform:networkPolicies``."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any, Literal

import kubernetes_validate
from pydantic import AfterValidator, Field, field_validator

from config.pods import kubernetes_version
from config.types import ConfigModel, matching


def _check_peer(value: dict[str, Any]) -> dict[str, Any]:
    policy = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": "peer-check"},
        "spec": {"podSelector": {}, "ingress": [{"from": [value]}]},
    }
    try:
        kubernetes_validate.validate(policy, kubernetes_version(), strict=True)
    except kubernetes_validate.ValidationError as error:
        where = ".".join(str(part) for part in list(error.path)[5:]) or "the peer"
        raise ValueError(f"Kubernetes refuses {where}: {error.message.splitlines()[0][:160]}") from None
    if not value:
        raise ValueError("an empty peer would let every pod in; name a namespaceSelector, podSelector or ipBlock")
    return value


NetworkPolicyPeer = Annotated[dict[str, Any], AfterValidator(_check_peer)]


def _check_cidr(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError as error:
        raise ValueError(f"must be an IPv4 or IPv6 network such as 10.0.0.0/8 ({error})") from None
    if str(network) != value:
        # Kubernetes compares ipBlocks as written: a CIDR in its canonical form avoids surprises.
        raise ValueError(f"must be written as {network}")
    return value


RESERVED_DESTINATION_NAMES = ("default", "gateway-clusters", "declared-clusters")
"""Names of the platform's own egress policies (``dask-platform-egress-<name>``)."""


def _check_destination_name(value: str) -> str:
    if value in RESERVED_DESTINATION_NAMES:
        raise ValueError(f"is the name of one of the platform's own egress policies; choose another than {value!r}")
    return value


def _check_port(value: int) -> int:
    if not 1 <= value <= 65535:
        raise ValueError("must be a port from 1 to 65535")
    return value


Cidr = Annotated[str, AfterValidator(_check_cidr)]
DestinationName = Annotated[
    str,
    matching(
        r"[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?",
        "a short name: at most 40 lowercase letters, digits and '-', starting and ending with a letter or digit",
    ),
    AfterValidator(_check_destination_name),
]
Port = Annotated[int, Field(strict=True), AfterValidator(_check_port)]


class EgressDestination(ConfigModel):
    """A destination every pod in the user and team namespaces may reach, such as the object store."""

    name: DestinationName
    """Names the NetworkPolicy that opens it (``dask-platform-egress-<name>``)."""
    cidr: Cidr
    """The addresses, such as `10.0.0.0/8` or `0.0.0.0/0`. Cloud metadata (169.254.0.0/16) stays closed inside a
    wider range; name it alone to open it."""
    ports: Annotated[list[Port], Field(min_length=1)]
    """The ports opened on those addresses (1-65535)."""
    protocol: Literal["TCP", "UDP"] = "TCP"


class NetworkPoliciesConfig(ConfigModel):
    """By default nothing reaches Dask pods but their own cluster, the gateway and the operator; the gateway's
    traefik takes clients and its API takes the clusters it launched."""

    enabled: bool = True
    """Declare the NetworkPolicies; the cluster's network plugin must enforce them."""
    allow_from: list[NetworkPolicyPeer] = Field(default_factory=list)
    """More peers (NetworkPolicy `from` entries, such as a monitoring namespace) that may reach every pod in the
    user and team namespaces."""
    egress: list[EgressDestination] = Field(default_factory=list)
    """Destinations Dask pods may reach besides their own namespace's Dask pods, DNS and the gateway (see
    docs/network.md), such as `{name: object-store, cidr: 10.0.0.0/8, ports: [443]}`."""

    @field_validator("egress")
    @classmethod
    def _names_unique(cls, destinations: list[EgressDestination]) -> list[EgressDestination]:
        seen: set[str] = set()
        for destination in destinations:
            if destination.name in seen:
                raise ValueError(f"names the destination {destination.name!r} twice; names must be unique")
            seen.add(destination.name)
        return destinations
