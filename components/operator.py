"""The dask-kubernetes-operator, its CRDs, and the RBAC that lets users create Dask clusters."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes.helm import v4 as helm

from components.chart_values import OPERATOR_RELEASE, operator_values
from components.config import PlatformConfig
from components.namespaces import PLATFORM_LABEL, Namespaces
from components.rbac import (
    USER_CLUSTER_ROLE,
    USER_CLUSTER_ROLE_RULES,
    USER_SERVICE_ACCOUNT,
)


class DaskOperator(pulumi.ComponentResource):
    """The operator chart (with its CRDs), a user ClusterRole, and per-namespace ServiceAccounts and bindings.

    Helm installs CRDs only once and never upgrades them. ``helm.v4.Chart`` renders the chart's ``crds/``
    as ordinary Pulumi resources (``skip_crds=False``), so bumping ``operator.chart.version`` updates the
    CRDs in the same ``pulumi up`` as the operator that needs them.
    """

    def __init__(
        self,
        name: str,
        config: PlatformConfig,
        provider: k8s.Provider,
        namespaces: Namespaces,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:operator:DaskOperator", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        chart = config.operator.chart
        self.chart = helm.Chart(
            f"{name}-chart",
            helm.ChartArgs(
                name=OPERATOR_RELEASE,
                chart="dask-kubernetes-operator",
                version=chart.version,
                repository_opts=helm.RepositoryOptsArgs(repo=chart.repository),
                namespace=config.operator_namespace,
                values=operator_values(config),
                skip_crds=False,
            ),
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[namespaces.operator])),
        )
        self.user_role = k8s.rbac.v1.ClusterRole(
            f"{name}-user",
            metadata=k8s.meta.v1.ObjectMetaArgs(name=USER_CLUSTER_ROLE, labels=PLATFORM_LABEL),
            rules=[
                k8s.rbac.v1.PolicyRuleArgs(
                    api_groups=rule["apiGroups"], resources=rule["resources"], verbs=rule["verbs"]
                )
                for rule in USER_CLUSTER_ROLE_RULES
            ],
            opts=child,
        )
        self.service_accounts: list[k8s.core.v1.ServiceAccount] = []
        self.bindings: list[pulumi.CustomResource] = []
        for namespace in config.namespaces.users:
            self.service_accounts.append(
                k8s.core.v1.ServiceAccount(
                    f"{name}-user-{namespace}",
                    metadata=k8s.meta.v1.ObjectMetaArgs(
                        name=USER_SERVICE_ACCOUNT,
                        namespace=namespace,
                        labels=PLATFORM_LABEL,
                    ),
                    opts=pulumi.ResourceOptions.merge(
                        child,
                        pulumi.ResourceOptions(depends_on=[namespaces.by_name[namespace]]),
                    ),
                )
            )
        subjects = [
            k8s.rbac.v1.SubjectArgs(kind="ServiceAccount", name=USER_SERVICE_ACCOUNT, namespace=namespace)
            for namespace in config.namespaces.users
        ]
        role_ref = k8s.rbac.v1.RoleRefArgs(
            api_group="rbac.authorization.k8s.io",
            kind="ClusterRole",
            name=USER_CLUSTER_ROLE,
        )
        binding_opts = pulumi.ResourceOptions.merge(
            child,
            pulumi.ResourceOptions(depends_on=[self.user_role, *self.service_accounts]),
        )
        if config.operator.user_access == "cluster":
            self.bindings.append(
                k8s.rbac.v1.ClusterRoleBinding(
                    f"{name}-user",
                    metadata=k8s.meta.v1.ObjectMetaArgs(name=USER_CLUSTER_ROLE, labels=PLATFORM_LABEL),
                    role_ref=role_ref,
                    subjects=subjects,
                    opts=binding_opts,
                )
            )
        else:
            for namespace, subject in zip(config.namespaces.users, subjects, strict=True):
                self.bindings.append(
                    k8s.rbac.v1.RoleBinding(
                        f"{name}-user-{namespace}",
                        metadata=k8s.meta.v1.ObjectMetaArgs(
                            name=USER_CLUSTER_ROLE,
                            namespace=namespace,
                            labels=PLATFORM_LABEL,
                        ),
                        role_ref=role_ref,
                        subjects=[subject],
                        opts=binding_opts,
                    )
                )
        self.register_outputs({"chartVersion": chart.version, "namespace": config.operator_namespace})
