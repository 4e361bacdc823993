"""dask-gateway as a Helm release, with its configuration and option data rendered from the stack."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import ChartRelease, declare, helm_release, secret_from_config
from render.dashboards import dashboards_ingress_route
from render.names import (
    GATEWAY_RELEASE,
    JUPYTERHUB_TOKEN_KEY,
    JUPYTERHUB_TOKEN_SECRET,
    PASSWORD_SECRET_KEY,
    PASSWORD_SECRET_NAME,
)


class DaskGateway(pulumi.ComponentResource):
    """The dask-gateway chart, pinned, plus the Secrets that carry a simple-auth password or the JupyterHub API
    token from the stack's secret config."""

    def __init__(
        self,
        name: str,
        release: ChartRelease,
        password: pulumi.Output[str] | None,
        provider: k8s.Provider,
        hub_token: pulumi.Output[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """``password`` and ``hub_token``, when given, become the Secrets ``values`` reads them from.

        The release waits for its namespace and that Secret only. Not for the namespaces clusters start in: the
        chart declares nothing in them (its controller's access to them is a ClusterRole), and the gateway only
        creates pods there when a user asks for a cluster, after the update that creates them. Waiting for them
        would make every new team delay the gateway and grow its dependencies with the number of teams.
        """
        super().__init__("dask-platform:gateway:DaskGateway", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        namespace_name = release.namespace_name
        needs: list[pulumi.Resource] = [release.namespace]
        in_namespace = pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[release.namespace]))
        if password is not None:
            needs.append(
                secret_from_config(
                    f"{name}-password",
                    PASSWORD_SECRET_NAME,
                    namespace_name,
                    password,
                    in_namespace,
                    PASSWORD_SECRET_KEY,
                )
            )
        if hub_token is not None:
            needs.append(
                secret_from_config(
                    f"{name}-jupyterhub-token",
                    JUPYTERHUB_TOKEN_SECRET,
                    namespace_name,
                    hub_token,
                    in_namespace,
                    JUPYTERHUB_TOKEN_KEY,
                )
            )
        self.chart = helm_release(
            f"{name}-chart",
            GATEWAY_RELEASE,
            "dask-gateway",
            release,
            pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=needs)),
        )
        # After the chart, which installs traefik's CRDs: dashboards go through the API's authentication.
        self.dashboards_route = declare(
            f"{name}-dashboards-route",
            dashboards_ingress_route(namespace_name),
            pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[self.chart])),
        )
        self.register_outputs({"chartVersion": release.chart.version})
