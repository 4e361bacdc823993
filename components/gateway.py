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
        depends_on: list[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """``password``, when given, becomes the Secret ``values`` reads the password from; ``depends_on`` is
        what the release needs besides its namespace and that Secret (the namespaces clusters start in)."""
        super().__init__("dask-platform:gateway:DaskGateway", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        needs: list[pulumi.Resource] = [namespace, *depends_on]
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
