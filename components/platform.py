"""DaskPlatform: wires the parts of the platform together in dependency order."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.config import LoadedConfig
from components.gateway import DaskGateway
from components.namespaces import Namespaces
from components.operator import DaskOperator
from components.session import DaskSession


def port_forward_command(namespace: str, service: str, port: int) -> str:
    return f"kubectl port-forward -n {namespace} svc/{service} 8001:{port}"


class DaskPlatform(pulumi.ComponentResource):
    """Everything one stack declares: provider, namespaces, operator, gateway and the optional session."""

    def __init__(
        self,
        name: str,
        loaded: LoadedConfig,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:index:DaskPlatform", name, None, opts)
        config = loaded.platform
        self.provider = k8s.Provider(
            f"{name}-k8s",
            context=config.kubernetes.context,
            kubeconfig=config.kubernetes.kubeconfig,
            opts=pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self)
        self.namespaces = Namespaces(f"{name}-namespaces", config, self.provider, opts=child)
        self.operator = DaskOperator(f"{name}-operator", config, self.provider, self.namespaces, opts=child)
        self.gateway = DaskGateway(
            f"{name}-gateway",
            config,
            self.provider,
            self.namespaces,
            password=loaded.secrets.gateway_password,
            opts=child,
        )
        self.session: DaskSession | None = None
        if config.session_enabled:
            self.session = DaskSession(
                f"{name}-session",
                config,
                self.provider,
                gateway_address=self.gateway.address,
                image=config.session_image,
                depends_on=[self.gateway, self.operator],
                password=(loaded.secrets.gateway_password if config.gateway.auth.type == "simple" else None),
                opts=child,
            )
        self.exports: dict[str, object] = {
            "gatewayAddress": self.gateway.address,
            "portForwardCommand": port_forward_command(
                config.namespaces.gateway,
                self.gateway.service_name,
                config.gateway.service.port,
            ),
            "namespaces": {
                "gateway": config.namespaces.gateway,
                "operator": config.operator_namespace,
                "users": list(config.namespaces.users),
            },
            "chartVersions": {
                "daskGateway": config.gateway.chart.version,
                "daskKubernetesOperator": config.operator.chart.version,
            },
            "defaultWorkerImage": config.gateway.image.reference,
        }
        self.register_outputs(self.exports)
