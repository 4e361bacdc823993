"""The dask-kubernetes-operator, its CRDs, and the RBAC that lets users create Dask clusters."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import ChartRelease, KubernetesComponent, declare, helm_release
from render.names import OPERATOR_RELEASE
from render.platform import OperatorObjects


class DaskOperator(KubernetesComponent):
    """The operator chart (with its CRDs), a user ClusterRole, and per-namespace ServiceAccounts and bindings.

    Helm installs CRDs only once and never upgrades them; the release renders the chart's ``crds/`` as
    ordinary Pulumi resources, so bumping ``operator.chart.version`` updates the CRDs in the same ``pulumi up``
    as the operator that needs them.
    """

    def __init__(
        self,
        name: str,
        objects: OperatorObjects,
        namespaces: Mapping[str, pulumi.Resource],
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """``namespaces`` maps the release's and each user namespace's name to its Namespace resource."""
        super().__init__("dask-platform:operator:DaskOperator", name, provider, opts)
        chart = objects.chart
        release = ChartRelease(chart.chart, namespaces[chart.namespace], chart.namespace, chart.values)
        self.chart = helm_release(
            f"{name}-chart",
            OPERATOR_RELEASE,
            "dask-kubernetes-operator",
            release,
            self.after(release.namespace),
        )
        """The release; its CRDs are what declared clusters wait for."""
        self.user_role = declare(f"{name}-user", objects.user_role, self.child)
        self.service_accounts: dict[str, pulumi.CustomResource] = {
            each: declare(
                f"{name}-user-{each}",
                manifest,
                self.after(namespaces[each]),
            )
            for each, manifest in objects.service_accounts.items()
        }
        """The ``dask-user`` ServiceAccount of each user namespace, by namespace name."""
        self.bindings = self._bindings(name, objects)
        self.register_outputs({"chartVersion": chart.chart.version, "namespace": chart.namespace})

    def _bindings(self, name: str, objects: OperatorObjects) -> list[pulumi.CustomResource]:
        if objects.cluster_binding is not None:
            # One binding names every ServiceAccount, so it needs them all.
            needs: list[pulumi.Resource] = [self.user_role, *self.service_accounts.values()]
            return [
                declare(
                    f"{name}-user",
                    objects.cluster_binding,
                    self.after(*needs),
                )
            ]
        # Each namespace's binding names only that namespace's ServiceAccount.
        return [
            declare(
                f"{name}-user-{each}",
                manifest,
                self.after(self.user_role, self.service_accounts[each]),
            )
            for each, manifest in objects.namespace_bindings.items()
        ]
