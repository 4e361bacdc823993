"""The dask-kubernetes-operator, its CRDs, and the RBAC that lets users create Dask clusters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import declare, helm_release
from config.types import ChartConfig
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
        chart: ChartConfig,
        namespace: str,
        values: Mapping[str, Any],
        user_namespaces: Mapping[str, pulumi.Resource],
        cluster_wide_access: bool,
        provider: k8s.Provider,
        depends_on: list[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """``user_namespaces`` maps each user namespace's name to its Namespace resource; ``depends_on`` is what
        the chart needs first (its release namespace)."""
        super().__init__("dask-platform:operator:DaskOperator", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        self.chart = helm_release(
            f"{name}-chart",
            OPERATOR_RELEASE,
            "dask-kubernetes-operator",
            chart,
            namespace,
            values,
            pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=depends_on)),
        )
        self.user_role = declare(f"{name}-user", user_cluster_role(), child)
        self.service_accounts = [
            declare(
                f"{name}-user-{each}",
                user_service_account(each),
                pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[resource])),
            )
            for each, resource in user_namespaces.items()
        ]
        binding_opts = pulumi.ResourceOptions.merge(
            child, pulumi.ResourceOptions(depends_on=[self.user_role, *self.service_accounts])
        )
        if cluster_wide_access:
            self.bindings = [declare(f"{name}-user", user_cluster_role_binding(user_namespaces), binding_opts)]
        else:
            self.bindings = [
                declare(f"{name}-user-{each}", user_role_binding(each), binding_opts) for each in user_namespaces
            ]
        self.register_outputs({"chartVersion": chart.version, "namespace": namespace})
