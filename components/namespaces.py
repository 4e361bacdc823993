"""Namespaces for the gateway, the operator and users' Dask clusters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import KubernetesComponent, declare


class Namespaces(KubernetesComponent):
    """One Namespace per name (``render.platform.namespace_manifests``): the platform label and its Pod Security
    level."""

    def __init__(
        self,
        name: str,
        manifests: Mapping[str, Mapping[str, Any]],
        protect: bool,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:namespaces:Namespaces", name, provider, opts)
        self.by_name: dict[str, pulumi.CustomResource] = {
            each: declare(
                each, manifest, pulumi.ResourceOptions.merge(self.child, pulumi.ResourceOptions(protect=protect))
            )
            for each, manifest in manifests.items()
        }
        self.register_outputs({"names": list(self.by_name)})


QUOTA_SUFFIXES = {"ResourceQuota": "quota", "LimitRange": "defaults"}


class NamespaceQuotas(KubernetesComponent):
    """Per namespace, its ResourceQuota and LimitRange, declared once the namespace exists."""

    def __init__(
        self,
        name: str,
        manifests: Mapping[str, Sequence[Mapping[str, Any]]],
        namespaces: Mapping[str, pulumi.Resource],
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:namespaces:NamespaceQuotas", name, provider, opts)
        self.by_namespace: dict[str, list[pulumi.CustomResource]] = {}
        """What must hold before pods start in each namespace."""
        for each, objects in manifests.items():
            in_namespace = self.after(namespaces[each])
            self.by_namespace[each] = [
                declare(f"{name}-{each}-{QUOTA_SUFFIXES[manifest['kind']]}", dict(manifest), in_namespace)
                for manifest in objects
            ]
        self.register_outputs({"namespaces": list(self.by_namespace)})
