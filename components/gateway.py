"""dask-gateway as a Helm release, with its configuration and option data rendered from the stack."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import helm_release, password_secret
from config.types import ChartConfig
from render.names import GATEWAY_RELEASE, PASSWORD_SECRET_NAME


class DaskGateway(pulumi.ComponentResource):
    """The dask-gateway chart, pinned, plus the Secret that carries a simple-auth password."""

    def __init__(
        self,
        name: str,
        chart: ChartConfig,
        namespace: pulumi.Resource,
        namespace_name: str,
        values: Mapping[str, Any],
        password: pulumi.Output[str] | None,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """``password``, when given, becomes the Secret ``values`` reads the password from.

        The release waits for its namespace and that Secret only. Not for the namespaces clusters start in: the
        chart declares nothing in them (its controller's access to them is a ClusterRole), and the gateway only
        creates pods there when a user asks for a cluster, after the update that creates them. Waiting for them
        would make every new team delay the gateway and grow its dependencies with the number of teams.
        """
        super().__init__("dask-platform:gateway:DaskGateway", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        needs: list[pulumi.Resource] = [namespace]
        self.password_secret: pulumi.CustomResource | None = None
        if password is not None:
            self.password_secret = password_secret(
                f"{name}-password",
                PASSWORD_SECRET_NAME,
                namespace_name,
                password,
                pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[namespace])),
            )
            needs.append(self.password_secret)
        self.chart = helm_release(
            f"{name}-chart",
            GATEWAY_RELEASE,
            "dask-gateway",
            chart,
            namespace_name,
            values,
            pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=needs)),
        )
        self.register_outputs({"chartVersion": chart.version})
