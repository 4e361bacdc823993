"""DaskPlatform: renders the stack's objects and wires the components that declare them."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s
import pulumi_random as random

from components.admission import AdmissionPolicy
from components.clusters import DaskClusters
from components.gateway import DaskGateway
from components.images import ImageCatalog
from components.kubernetes import ChartRelease
from components.local import LocalRuntime
from components.local_smoke import local_smoke_checks as run_local_smoke_checks
from components.monitoring import Monitoring
from components.namespaces import NamespaceQuotas, Namespaces
from components.network import NetworkPolicies
from components.operator import DaskOperator
from components.session import DaskSession
from components.smoke import SmokeCheck
from components.stack import LoadedStack
from components.teams import Teams
from config.platform import PlatformConfig
from render.admission import admission_manifests
from render.catalog import image_specs, with_catalog_images
from render.chart_values import gateway_values, operator_values
from render.clusters import declared_cluster_manifests
from render.grafana import dashboard_config_maps
from render.labextension import jupyter_gateway_environment
from render.local import (
    LOCAL_CATALOG_TARGETS,
    gateway_urls,
    in_network_gateway_addresses,
    jupyter_token_command,
    jupyter_url,
    kernel_gateway_addresses,
    local_images,
    local_runtime,
)
from render.local_smoke import local_smoke_checks
from render.monitoring import gateway_pod_monitors
from render.names import PASSWORD_SECRET_NAME, gateway_address, traefik_service_name
from render.network import network_policies
from render.secrets import required_secrets
from render.session import session_deployment
from render.smoke import smoke_check_objects
from render.user_quotas import user_quota_manifests


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
        # Each kernel's dask configuration names the gateway of its profile's base image, with basic auth.
        every = image_specs(
            images, config.gateway, kernel_gateway_addresses=kernel_gateway_addresses(config), kernel_auth_type="basic"
        )
        specs = local_images(config, every)
        child = pulumi.ResourceOptions(parent=self)
        self.images = ImageCatalog(f"{name}-images", images, False, specs, loaded.secrets, opts=child)
        password = loaded.secrets.gateway_password
        if password is None:
            # Never open by default: without the secret config, a password made on the first `pulumi up` and
            # kept, encrypted, in the stack's state.
            generated = random.RandomPassword(f"{name}-gateway-password", length=32, special=False, opts=child)
            password = pulumi.Output.secret(generated.result)
        runtime = local_runtime(config, specs)
        local = LocalRuntime(f"{name}-local", runtime, self.images.images, password, opts=child)
        self.exports = {
            "gatewayUrls": gateway_urls(config),
            "gatewayAddressesInNetwork": in_network_gateway_addresses(config),
            "gatewayPassword": password,
            "jupyterUrl": jupyter_url(config),
            "jupyterTokenCommand": jupyter_token_command(),
            "containers": [container.name for container in runtime.containers],
            "images": self.images.references,
        }
        checks = local_smoke_checks(config, list(runtime.gateways.values()))
        if checks:
            self.exports["smokeCheck"] = run_local_smoke_checks(
                f"{name}-smoke", checks, self.images.images, local.containers, local.network, password, child
            )

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
        # The charts' pods are hardened by a transform (components/kubernetes.py), so the gateway's and the
        # operator's namespaces can enforce `restricted` like users' namespaces; each level is the stack's.
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
        # Most users' clusters run in the user namespaces: each is capped like a team's.
        self.user_quotas = NamespaceQuotas(
            f"{name}-user-quotas", user_quota_manifests(config), by_name, self.provider, opts=child
        )
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
        # What a pod in each namespace waits for: the namespace, its quota and its container defaults.
        pod_namespaces: dict[str, list[pulumi.Resource]] = {
            each: [by_name[each], *self.user_quotas.by_namespace[each]] for each in namespaces.users
        }
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
        admission = admission_manifests(config)
        if admission:
            AdmissionPolicy(f"{name}-admission", admission, self.provider, opts=child)
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
        self.smoke_check: SmokeCheck | None = None
        if config.smoke_check_enabled:
            token_from_config = hub_token is not None
            self.smoke_check = self._smoke_check(name, config, password, token_from_config, by_name, built)
            self.exports["smokeCheck"] = {
                "job": self.smoke_check.job_name,
                "firstWorkerSeconds": self.smoke_check.first_worker_seconds,
            }

    def _smoke_check(
        self,
        name: str,
        config: PlatformConfig,
        password: pulumi.Output[str] | None,
        token_from_config: bool,
        namespaces: Mapping[str, pulumi.Resource],
        built: Mapping[str, pulumi.Resource],
    ) -> SmokeCheck:
        """The Job that computes through the gateway once the gateway, the operator and the images it runs exist;
        its name carries a digest of both charts' values, so it runs again exactly when they change."""
        values = gateway_values(
            config,
            password_secret_name=PASSWORD_SECRET_NAME if password is not None else None,
            token_from_secret_config=token_from_config,
        )
        objects = smoke_check_objects(config, password is not None, values, operator_values(config))
        images = sorted({config.session_image, config.gateway.image.reference} & set(built))
        return SmokeCheck(
            f"{name}-smoke",
            objects,
            password,
            namespaces[config.session_namespace],
            [self.gateway.chart, self.operator.chart, *(built[image] for image in images)],
            self.provider,
            opts=pulumi.ResourceOptions(parent=self),
        )
