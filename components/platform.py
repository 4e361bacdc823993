"""DaskPlatform: wires the parts of the platform together in dependency order."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.catalog import image_specs, with_catalog_images
from components.clusters import DaskClusters
from components.config import LoadedConfig
from components.gateway import DaskGateway
from components.images import ImageCatalog
from components.namespaces import Namespaces
from components.operator import DaskOperator
from components.session import DaskSession
from components.teams import Teams


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
        specs = image_specs(loaded.platform.images, loaded.platform.gateway)
        # From here on, the gateway's default image and the images users may pick are the catalog's.
        config = with_catalog_images(loaded.platform, specs)
        self.provider = k8s.Provider(
            f"{name}-k8s",
            context=config.kubernetes.context,
            kubeconfig=config.kubernetes.kubeconfig,
            opts=pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self)
        self.images = ImageCatalog(f"{name}-images", config, specs, loaded.secrets, opts=child)
        self.namespaces = Namespaces(f"{name}-namespaces", config, self.provider, opts=child)
        self.operator = DaskOperator(f"{name}-operator", config, self.provider, self.namespaces, opts=child)
        self.teams: Teams | None = None
        if config.teams:
            self.teams = Teams(f"{name}-teams", config, self.provider, user_role=self.operator.user_role, opts=child)
        self.clusters: DaskClusters | None = None
        if any(cluster.enabled for cluster in config.clusters):
            # The operator's chart installs the CRDs; the namespaces and quotas must exist before clusters land.
            cluster_dependencies: list[pulumi.Resource] = [self.operator, self.namespaces, self.images]
            if self.teams is not None:
                cluster_dependencies.append(self.teams)
            self.clusters = DaskClusters(
                f"{name}-clusters", config, self.provider, depends_on=cluster_dependencies, opts=child
            )
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
                depends_on=[self.gateway, self.operator, self.images],
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
                "teams": [team.name for team in config.teams],
            },
            "chartVersions": {
                "daskGateway": config.gateway.chart.version,
                "daskKubernetesOperator": config.operator.chart.version,
            },
            "defaultWorkerImage": config.gateway.image.reference,
            "images": self.images.references,
        }
        self.register_outputs(self.exports)
