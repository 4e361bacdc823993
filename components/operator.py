"""The dask-kubernetes-operator, its CRDs, and the RBAC that lets users create Dask clusters."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import ChartRelease, declare, helm_release
from render.names import OPERATOR_RELEASE
from render.rbac import user_cluster_role, user_cluster_role_binding, user_role_binding, user_service_account


class DaskOperator(pulumi.ComponentResource):
    """The operator chart (with its CRDs), a user ClusterRole, and per-namespace ServiceAccounts and bindings.

    Helm installs CRDs only once and never upgrades them; the release renders the chart's ``crds/`` as
    ordinary Pulumi resources, so bumping ``operator.chart.version`` updates the CRDs in the same ``pulumi up``
    as the operator that needs them.
    """

    def __init__(
        self,
        name: str,
        release: ChartRelease,
        user_namespaces: Mapping[str, pulumi.Resource],
        cluster_wide_access: bool,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """``user_namespaces`` maps each user namespace's name to its Namespace resource."""
        super().__init__("dask-platform:operator:DaskOperator", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        self.chart = helm_release(
            f"{name}-chart",
            OPERATOR_RELEASE,
            "dask-kubernetes-operator",
            release,
            pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[release.namespace])),
        )
        """The release; its CRDs are what declared clusters wait for."""
        self.user_role = declare(f"{name}-user", user_cluster_role(), child)
        self.service_accounts: dict[str, pulumi.CustomResource] = {
            each: declare(
                f"{name}-user-{each}",
                user_service_account(each),
                pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[resource])),
            )
            for each, resource in user_namespaces.items()
        }
        """The ``dask-user`` ServiceAccount of each user namespace, by namespace name."""
        if cluster_wide_access:
            # One binding names every ServiceAccount, so it needs them all.
            needs: list[pulumi.Resource] = [self.user_role, *self.service_accounts.values()]
            self.bindings = [
                declare(
                    f"{name}-user",
                    user_cluster_role_binding(user_namespaces),
                    pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=needs)),
                )
            ]
        else:
            # Each namespace's binding names only that namespace's ServiceAccount.
            self.bindings = [
                declare(
                    f"{name}-user-{each}",
                    user_role_binding(each),
                    pulumi.ResourceOptions.merge(
                        child, pulumi.ResourceOptions(depends_on=[self.user_role, service_account])
                    ),
                )
                for each, service_account in self.service_accounts.items()
            ]
        self.register_outputs({"chartVersion": release.chart.version, "namespace": release.namespace_name})
