"""Team namespaces: one namespace per team with its users' ServiceAccount, RBAC, quota and container defaults."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.cluster_manifests import team_limit_range, team_quota
from components.config import PlatformConfig
from components.namespaces import PLATFORM_LABEL, pod_security_labels
from components.rbac import USER_CLUSTER_ROLE, USER_SERVICE_ACCOUNT


class Teams(pulumi.ComponentResource):
    """Per team: a namespace, the ``dask-user`` ServiceAccount bound to the user ClusterRole, a ResourceQuota
    and a LimitRange whose defaults keep pods that set no resources inside that quota."""

    def __init__(
        self,
        name: str,
        config: PlatformConfig,
        provider: k8s.Provider,
        user_role: pulumi.Resource,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:teams:Teams", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        labels = {**PLATFORM_LABEL, **pod_security_labels(config.namespaces.pod_security)}
        self.namespaces: dict[str, k8s.core.v1.Namespace] = {}
        self.quotas: list[k8s.core.v1.ResourceQuota] = []
        for team in config.teams:
            namespace = k8s.core.v1.Namespace(
                f"{name}-{team.name}",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=team.name, labels=labels),
                opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(protect=config.protect_namespaces)),
            )
            self.namespaces[team.name] = namespace
            in_namespace = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[namespace]))
            service_account = k8s.core.v1.ServiceAccount(
                f"{name}-{team.name}-user",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=USER_SERVICE_ACCOUNT, namespace=team.name, labels=PLATFORM_LABEL
                ),
                opts=in_namespace,
            )
            k8s.rbac.v1.RoleBinding(
                f"{name}-{team.name}-user",
                metadata=k8s.meta.v1.ObjectMetaArgs(name=USER_CLUSTER_ROLE, namespace=team.name, labels=PLATFORM_LABEL),
                role_ref=k8s.rbac.v1.RoleRefArgs(
                    api_group="rbac.authorization.k8s.io", kind="ClusterRole", name=USER_CLUSTER_ROLE
                ),
                subjects=[
                    k8s.rbac.v1.SubjectArgs(kind="ServiceAccount", name=USER_SERVICE_ACCOUNT, namespace=team.name)
                ],
                opts=pulumi.ResourceOptions.merge(
                    in_namespace, pulumi.ResourceOptions(depends_on=[namespace, service_account, user_role])
                ),
            )
            quota = team_quota(team)
            self.quotas.append(
                k8s.core.v1.ResourceQuota(
                    f"{name}-{team.name}-quota",
                    metadata=quota["metadata"],
                    spec=quota["spec"],
                    opts=in_namespace,
                )
            )
            limit_range = team_limit_range(team)
            k8s.core.v1.LimitRange(
                f"{name}-{team.name}-defaults",
                metadata=limit_range["metadata"],
                spec=limit_range["spec"],
                opts=in_namespace,
            )
        self.register_outputs({"names": list(self.namespaces)})
