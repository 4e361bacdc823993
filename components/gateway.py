"""dask-gateway as a Helm release, with its configuration and option data rendered from the stack."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import ChartRelease, KubernetesComponent, declare, helm_release, secret_from_config
from render.names import GATEWAY_RELEASE
from render.platform import GatewayObjects


class DaskGateway(KubernetesComponent):
    """The dask-gateway chart, pinned, plus the Secrets that carry a simple-auth password or the JupyterHub API
    token from the stack's secret config."""

    def __init__(
        self,
        name: str,
        objects: GatewayObjects,
        namespace: pulumi.Resource,
        password: pulumi.Output[str] | None,
        provider: k8s.Provider,
        hub_token: pulumi.Output[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """``password`` and ``hub_token`` fill the Secrets ``objects`` has for them, which the values read.

        The release waits for its namespace and that Secret only. Not for the namespaces clusters start in: the
        chart declares nothing in them (its controller's access to them is a ClusterRole), and the gateway only
        creates pods there when a user asks for a cluster, after the update that creates them. Waiting for them
        would make every new team delay the gateway and grow its dependencies with the number of teams.
        """
        super().__init__("dask-platform:gateway:DaskGateway", name, provider, opts)
        chart = objects.chart
        needs: list[pulumi.Resource] = [namespace]
        in_namespace = self.after(namespace)
        if objects.password_secret is not None:
            needs.append(secret_from_config(f"{name}-password", objects.password_secret, password, in_namespace))
        if objects.hub_token_secret is not None:
            needs.append(
                secret_from_config(f"{name}-jupyterhub-token", objects.hub_token_secret, hub_token, in_namespace)
            )
        self.chart = helm_release(
            f"{name}-chart",
            GATEWAY_RELEASE,
            "dask-gateway",
            ChartRelease(chart.chart, namespace, chart.namespace, chart.values),
            self.after(*needs),
        )
        # After the chart, which installs traefik's CRDs: dashboards go through the API's authentication.
        self.dashboards_route = declare(
            f"{name}-dashboards-route",
            objects.dashboards_route,
            self.after(self.chart),
        )
        self.register_outputs({"chartVersion": chart.chart.version})
