"""The platform's own namespaces and their Pod Security level: ``dask-platform:namespaces``."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from config.types import ConfigModel, KubernetesName, Resources, resources_of
from config.user_quotas import UserQuota

PodSecurityLevel = Literal["privileged", "baseline", "restricted"]


class NamespacesConfig(ConfigModel):
    gateway: KubernetesName = "dask-gateway"
    """The dask-gateway release's namespace."""
    operator: KubernetesName = "dask-operator"
    """The dask-kubernetes-operator's namespace (with `operator.scope: namespace`, the user namespace)."""
    users: list[KubernetesName] = Field(default_factory=lambda: ["dask-users"], min_length=1)
    """Namespaces where users' Dask clusters run, each with the `dask-user` ServiceAccount and its RBAC."""
    pod_security: PodSecurityLevel = "restricted"
    """The Pod Security Standard the gateway's and the operator's namespaces enforce: the charts' pods meet
    `restricted` through the program's transform; every namespace warns and audits against `restricted`."""
    user_pod_security: PodSecurityLevel = "restricted"
    """The Pod Security Standard user and team namespaces enforce: everything the platform runs there meets
    `restricted`."""
    user_quotas: dict[KubernetesName, UserQuota] = Field(default_factory=dict)
    """Per user namespace, amounts of its ResourceQuota; every user namespace gets one, derived from the gateway's
    cluster limits and what is declared there where unset (see docs/gateway-options.md)."""
    user_container_defaults: Resources = resources_of("250m", "512Mi", "1", "1Gi")
    """The LimitRange defaults in user namespaces, for containers that set no resources of their own."""
    protect: bool | None = None
    """Protect namespaces from deletion; defaults to on in prod."""

    @model_validator(mode="after")
    def _users_unique(self) -> NamespacesConfig:
        if len(set(self.users)) != len(self.users):
            raise ValueError(f"users lists a namespace twice: {self.users}")
        unknown = sorted(set(self.user_quotas) - set(self.users))
        if unknown:
            raise ValueError(f"userQuotas names {', '.join(unknown)}, not in users ({', '.join(self.users)})")
        return self
