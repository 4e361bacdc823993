"""NetworkPolicies around Dask pods and the gateway: ``dask-platform:networkPolicies``."""

from __future__ import annotations

from typing import Annotated, Any

import kubernetes_validate
from pydantic import AfterValidator, Field

from config.pods import kubernetes_version
from config.types import ConfigModel


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


class NetworkPoliciesConfig(ConfigModel):
    """By default nothing reaches Dask pods but their own cluster, the gateway and the operator; the gateway's
    traefik takes clients and its API takes the clusters it launched."""

    enabled: bool = True
    """Declare the NetworkPolicies; the cluster's network plugin must enforce them."""
    allow_from: list[NetworkPolicyPeer] = Field(default_factory=list)
    """More peers (NetworkPolicy `from` entries, such as a monitoring namespace) that may reach every pod in the
    user and team namespaces."""
