"""Namespaces for the gateway, the operator and users' Dask clusters."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.config import PlatformConfig

PLATFORM_LABEL = {"app.kubernetes.io/part-of": "dask-platform"}


def pod_security_labels(level: str) -> dict[str, str]:
    """Enforce the stack's Pod Security Standard level; warn and audit against the strictest one."""
    return {
        "pod-security.kubernetes.io/enforce": level,
        "pod-security.kubernetes.io/warn": "restricted",
        "pod-security.kubernetes.io/audit": "restricted",
    }


class Namespaces(pulumi.ComponentResource):
    """One namespace each for the gateway and the operator, and one or more for users' clusters."""

    def __init__(
        self,
        name: str,
        config: PlatformConfig,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:namespaces:Namespaces", name, None, opts)
        names = [
            config.namespaces.gateway,
            config.operator_namespace,
            *config.namespaces.users,
        ]
        child = pulumi.ResourceOptions(parent=self, provider=provider, protect=config.protect_namespaces)
        labels = {
            **PLATFORM_LABEL,
            **pod_security_labels(config.namespaces.pod_security),
        }
        self.by_name: dict[str, k8s.core.v1.Namespace] = {}
        for namespace in dict.fromkeys(names):
            self.by_name[namespace] = k8s.core.v1.Namespace(
                namespace,
                metadata=k8s.meta.v1.ObjectMetaArgs(name=namespace, labels=labels),
                opts=child,
            )
        self.gateway = self.by_name[config.namespaces.gateway]
        self.operator = self.by_name[config.operator_namespace]
        self.users = [self.by_name[namespace] for namespace in config.namespaces.users]
        self.register_outputs({"names": list(self.by_name)})
