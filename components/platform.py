"""DaskPlatform: renders the stack's objects and wires the components that declare them."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.clusters import DaskClusters
from components.gateway import DaskGateway
from components.images import ImageCatalog
from components.kubernetes import ChartRelease
from components.local import LocalRuntime
from components.monitoring import Monitoring
from components.namespaces import Namespaces
from components.network import NetworkPolicies
from components.operator import DaskOperator
from components.session import DaskSession
from components.stack import LoadedStack
from components.teams import Teams
from render.catalog import image_specs, with_catalog_images
from render.chart_values import gateway_values, operator_values
from render.clusters import declared_cluster_manifests
from render.dashboards import dashboard_config_maps
from render.labextension import jupyter_gateway_environment
from render.local import (
    LOCAL_CATALOG_TARGETS,
    gateway_url,
    in_network_gateway_address,
    jupyter_token_command,
    jupyter_url,
    local_images,
    local_runtime,
)
from render.monitoring import gateway_pod_monitors
from render.names import PASSWORD_SECRET_NAME, gateway_address, traefik_service_name
from render.network import network_policies
from render.secrets import required_secrets
from render.session import session_deployment


def port_forward_command(namespace: str, service: str, port: int) -> str:
    return f"kubectl port-forward -n {namespace} svc/{service} 8001:{port}"


class DaskPlatform(pulumi.ComponentResource):
    """Everything one stack declares: provider, namespaces, operator, gateway and the optional session; in a
    local stack, the local images and the containers that run them on Docker instead (``_local``)."""

    def __init__(
        self,
        name: str,
        loaded: LoadedStack,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:index:DaskPlatform", name, None, opts)
        self.exports: dict[str, object] = {}
        if loaded.platform.is_local:
            self._local(name, loaded)
        else:
            self._kubernetes(name, loaded)
        self.register_outputs(self.exports)

    def _local(self, name: str, loaded: LoadedStack) -> None:
        """No Kubernetes: the local images, loaded into this machine's Docker daemon, and the containers."""
        config = loaded.platform
        images = config.images.model_copy(update={"targets": LOCAL_CATALOG_TARGETS})
        specs = local_images(config, image_specs(images, config.gateway))
        child = pulumi.ResourceOptions(parent=self)
        self.images = ImageCatalog(f"{name}-images", images, False, specs, loaded.secrets, opts=child)
        password = loaded.secrets.gateway_password
        runtime = local_runtime(config, specs)
        LocalRuntime(f"{name}-local", runtime, self.images.images, password, opts=child)
        self.exports = {
            "gatewayUrl": gateway_url(config),
            "jupyterUrl": jupyter_url(config),
            "jupyterTokenCommand": jupyter_token_command(),
            "gatewayAddressInNetwork": in_network_gateway_address(),
            "containers": [container.name for container in runtime.containers],
            "images": self.images.references,
        }

    def _kubernetes(self, name: str, loaded: LoadedStack) -> None:
        specs = image_specs(loaded.platform.images, loaded.platform.gateway)
        # From here on, the gateway's default image and the images users may pick are the catalog's.
        config = with_catalog_images(loaded.platform, specs)
        secrets = loaded.secrets
        self.provider = k8s.Provider(
            f"{name}-k8s",
            context=config.kubernetes.context,
            kubeconfig=config.kubernetes.kubeconfig,
            opts=pulumi.ResourceOptions(parent=self),
        )
        child = pulumi.ResourceOptions(parent=self)
        self.images = ImageCatalog(
            f"{name}-images", config.images, config.images.pushes(config.is_prod), specs, secrets, opts=child
        )
        namespaces = config.namespaces
        # The gateway chart's pods set no security context, so its namespace (and the operator's) enforce the
        # stack's level; users' namespaces hold only pods the platform locks down, and enforce theirs.
        levels = {namespaces.gateway: namespaces.pod_security, config.operator_namespace: namespaces.pod_security}
        levels |= dict.fromkeys(namespaces.users, namespaces.user_pod_security)
        self.namespaces = Namespaces(
            f"{name}-namespaces",
            levels,
            config.protect_namespaces,
            self.provider,
            opts=child,
        )
        by_name = self.namespaces.by_name
        self.operator = DaskOperator(
            f"{name}-operator",
            ChartRelease(
                config.operator.chart,
                by_name[config.operator_namespace],
                config.operator_namespace,
                operator_values(config),
            ),
            {each: by_name[each] for each in namespaces.users},
            cluster_wide_access=config.operator.user_access == "cluster",
            provider=self.provider,
            opts=child,
        )
        self.teams: Teams | None = None
        if config.teams:
            self.teams = Teams(
                f"{name}-teams",
                config.teams,
                namespaces.user_pod_security,
                config.protect_namespaces,
                self.operator.user_role,
                self.provider,
                opts=child,
            )
        # What a pod in each namespace waits for: the namespace and, in a team's, its quota and container defaults.
        pod_namespaces: dict[str, list[pulumi.Resource]] = {each: [by_name[each]] for each in namespaces.users}
        if self.teams is not None:
            for team, team_namespace in self.teams.namespaces.items():
                pod_namespaces[team] = [team_namespace, *self.teams.quotas[team]]
        # The Image that builds each catalog reference: what a pod running that reference waits for.
        built = {reference: self.images.images[key] for key, reference in self.images.references.items()}
        self.clusters: DaskClusters | None = None
        manifests = declared_cluster_manifests(config)
        if manifests:
            self.clusters = DaskClusters(
                f"{name}-clusters", manifests, pod_namespaces, self.operator.chart, built, self.provider, opts=child
            )
        password = secrets.gateway_password if config.gateway.auth.type == "simple" else None
        hub_token = secrets.jupyterhub_api_token if config.gateway.auth.type == "jupyterhub" else None
        self.gateway = DaskGateway(
            f"{name}-gateway",
            ChartRelease(
                config.gateway.chart,
                by_name[namespaces.gateway],
                namespaces.gateway,
                gateway_values(
                    config,
                    password_secret_name=PASSWORD_SECRET_NAME if password is not None else None,
                    token_from_secret_config=hub_token is not None,
                ),
            ),
            password,
            self.provider,
            hub_token=hub_token,
            opts=child,
        )
        every_namespace = {**by_name, **(self.teams.namespaces if self.teams is not None else {})}
        policies = network_policies(config)
        if policies:
            NetworkPolicies(f"{name}-network", policies, every_namespace, self.provider, opts=child)
        if config.monitoring.enabled:
            monitors, dashboards = gateway_pod_monitors(config), dashboard_config_maps(config)
            Monitoring(f"{name}-monitoring", monitors, dashboards, every_namespace, self.provider, opts=child)
        address = gateway_address(namespaces.gateway, config.gateway.service.port)
        self.session: DaskSession | None = None
        if config.session_enabled:
            self.session = DaskSession(
                f"{name}-session",
                session_deployment(config, with_password=password is not None),
                password,
                by_name[config.session_namespace],
                self.operator.service_accounts[config.session_namespace],
                self.gateway.chart,
                built.get(config.session_image),
                self.provider,
                opts=child,
            )
        self.exports = {
            "gatewayAddress": address,
            "portForwardCommand": port_forward_command(
                namespaces.gateway, traefik_service_name(), config.gateway.service.port
            ),
            "namespaces": {
                "gateway": namespaces.gateway,
                "operator": config.operator_namespace,
                "users": list(namespaces.users),
                "teams": [team.name for team in config.teams],
            },
            "chartVersions": {
                "daskGateway": config.gateway.chart.version,
                "daskKubernetesOperator": config.operator.chart.version,
            },
            "defaultWorkerImage": config.gateway.image.reference,
            "jupyterEnvironment": jupyter_gateway_environment(config, address),
            "requiredSecrets": required_secrets(config, token_from_secret_config=hub_token is not None),
            "images": self.images.references,
        }
