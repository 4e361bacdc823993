"""dask-gateway as a Helm release, with its configuration and option data rendered from the stack."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes.helm import v4 as helm

from components.kubernetes import declare
from config.types import ChartConfig
from render.names import GATEWAY_RELEASE, PASSWORD_SECRET_KEY, PASSWORD_SECRET_NAME
from render.secrets import opaque_secret


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
            self.password_secret = declare(
                f"{name}-password",
                opaque_secret(PASSWORD_SECRET_NAME, namespace_name),
                pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[namespace])),
                string_data={PASSWORD_SECRET_KEY: password},
            )
            needs.append(self.password_secret)
        self.chart = helm.Chart(
            f"{name}-chart",
            helm.ChartArgs(
                name=GATEWAY_RELEASE,
                chart="dask-gateway",
                version=chart.version,
                repository_opts=helm.RepositoryOptsArgs(repo=chart.repository),
                namespace=namespace_name,
                values=dict(values),
                skip_crds=False,
            ),
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=needs)),
        )
        self.register_outputs({"chartVersion": chart.version})
