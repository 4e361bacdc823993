"""NetworkPolicies in the gateway namespace and in every user and team namespace."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import KubernetesComponent, declare_in_namespaces


class NetworkPolicies(KubernetesComponent):
    """One NetworkPolicy per manifest, each after the namespace it lives in and nothing else."""

    def __init__(
        self,
        name: str,
        manifests: Sequence[Mapping[str, Any]],
        namespaces: Mapping[str, pulumi.Resource],
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:network:NetworkPolicies", name, provider, opts)
        declare_in_namespaces(name, manifests, namespaces, self.child)
        self.register_outputs({"count": len(manifests)})
