"""Team namespaces: one namespace per team with its users' ServiceAccount, RBAC, quota and container defaults."""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import KubernetesComponent, declare
from render.platform import TeamObjects


class Teams(KubernetesComponent):
    """Per team: a namespace, the ``dask-user`` ServiceAccount bound to the user ClusterRole, a ResourceQuota
    and a LimitRange whose defaults keep pods that set no resources inside that quota."""

    def __init__(
        self,
        name: str,
        teams: Sequence[TeamObjects],
        protect: bool,
        user_role: pulumi.Resource,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:teams:Teams", name, provider, opts)
        self.namespaces: dict[str, pulumi.CustomResource] = {}
        self.quotas: dict[str, list[pulumi.CustomResource]] = {}
        """A team's ResourceQuota and LimitRange: what must hold before pods start in its namespace."""
        for team in teams:
            prefix = f"{name}-{team.name}"
            team_namespace = declare(
                prefix,
                team.namespace,
                pulumi.ResourceOptions.merge(self.child, pulumi.ResourceOptions(protect=protect)),
            )
            self.namespaces[team.name] = team_namespace
            in_namespace = self.after(team_namespace)
            service_account = declare(f"{prefix}-user", team.service_account, in_namespace)
            declare(
                f"{prefix}-user",
                team.role_binding,
                self.after(team_namespace, service_account, user_role),
            )
            self.quotas[team.name] = [
                declare(f"{prefix}-quota", team.quota, in_namespace),
                declare(f"{prefix}-defaults", team.limit_range, in_namespace),
            ]
        self.register_outputs({"names": list(self.namespaces)})
