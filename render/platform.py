"""Everything a Kubernetes stack declares, rendered from its config into one plain value (pure, no Pulumi).

``render_platform`` is the one place a Kubernetes stack's config is turned into manifests, chart values and image
specs; ``components/platform.py`` only wires components to the slices of ``RenderedPlatform``. What needs a
Pulumi Output (a password, a resource to wait for) stays in the components: the render layer only learns which
secret config values the stack holds (``SecretConfig``), since that decides what is declared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from config.platform import PlatformConfig
from config.teams import TeamConfig
from config.types import ChartConfig
from render.admission import admission_manifests
from render.catalog import image_specs, with_catalog_images
from render.chart_values import gateway_values, operator_values
from render.cluster_upgrades import ClusterResource, cluster_resources
from render.clusters import declared_cluster_manifests
from render.dashboards import dashboards_ingress_route
from render.grafana import dashboard_config_maps
from render.image_spec import ImageBuild, image_build
from render.labextension import jupyter_gateway_environment
from render.monitoring import gateway_pod_monitors
from render.names import (
    JUPYTERHUB_TOKEN_KEY,
    JUPYTERHUB_TOKEN_SECRET,
    PASSWORD_SECRET_NAME,
    gateway_address,
    traefik_service_name,
)
from render.namespaces import namespace
from render.network import network_policies
from render.rbac import user_cluster_role, user_cluster_role_binding, user_role_binding, user_service_account
from render.secrets import ConfigSecret, config_secret, required_secrets
from render.session import SESSION_PASSWORD_SECRET, session_deployment
from render.smoke import SmokeCheckObjects, smoke_check_objects
from render.teams import team_limit_range, team_quota
from render.user_quotas import user_quota_manifests

Manifest = dict[str, Any]


@dataclass(frozen=True)
class SecretConfig:
    """Which of the stack's secret config values are set; their values never reach the render layer."""

    gateway_password: bool = False
    jupyterhub_api_token: bool = False


@dataclass(frozen=True)
class ChartInstall:
    """One pinned chart, the namespace it is installed in, and its values."""

    chart: ChartConfig
    namespace: str
    values: Manifest


@dataclass(frozen=True)
class OperatorObjects:
    """The operator's chart, and the RBAC that lets the ``dask-user`` ServiceAccounts create clusters."""

    chart: ChartInstall
    user_role: Manifest
    service_accounts: dict[str, Manifest]
    """By user namespace."""
    cluster_binding: Manifest | None
    """With ``operator.userAccess: cluster``: one ClusterRoleBinding naming every ServiceAccount."""
    namespace_bindings: dict[str, Manifest]
    """Otherwise: a RoleBinding per user namespace, naming that namespace's ServiceAccount."""


@dataclass(frozen=True)
class TeamObjects:
    name: str
    namespace: Manifest
    service_account: Manifest
    role_binding: Manifest
    quota: Manifest
    limit_range: Manifest


@dataclass(frozen=True)
class GatewayObjects:
    chart: ChartInstall
    password_secret: ConfigSecret | None
    """Filled with the secret ``gatewayPassword``, with simple auth."""
    hub_token_secret: ConfigSecret | None
    """Filled with the secret ``jupyterhubApiToken``, with JupyterHub auth."""
    dashboards_route: Manifest


@dataclass(frozen=True)
class SessionObjects:
    deployment: Manifest
    namespace: str
    image: str
    password_secret: ConfigSecret | None
    """The session's own copy of the gateway password, when the gateway has one."""


@dataclass(frozen=True)
class SmokeCheckSpec:
    objects: SmokeCheckObjects
    password_secret: ConfigSecret | None
    images: tuple[str, ...]
    """The images its pods run: the Job waits for their builds, when the catalog builds them."""


@dataclass(frozen=True)
class MonitoringObjects:
    pod_monitors: list[Manifest]
    """In the user and team namespaces, where gateway clusters run."""
    dashboards: list[Manifest]
    """In the monitoring namespace, which the cluster's Prometheus stack owns."""


@dataclass(frozen=True)
class RenderedPlatform:
    """Everything a Kubernetes stack declares, as plain data, in the order the components are wired."""

    context: str | None
    kubeconfig: str | None
    images: ImageBuild
    namespaces: dict[str, Manifest]
    """The gateway's, the operator's and the user namespaces, by name."""
    protect_namespaces: bool
    user_quotas: dict[str, list[Manifest]]
    operator: OperatorObjects
    teams: tuple[TeamObjects, ...]
    clusters: list[ClusterResource]
    gateway: GatewayObjects
    network_policies: list[Manifest]
    admission: list[Manifest]
    monitoring: MonitoringObjects | None
    session: SessionObjects | None
    smoke_check: SmokeCheckSpec | None
    exports: dict[str, Any]
    """The stack's exports that are plain data; the components add those that are Outputs."""


def namespace_manifests(config: PlatformConfig) -> dict[str, Manifest]:
    """The charts' pods are hardened by a transform (components/kubernetes.py), so the gateway's and the operator's
    namespaces can enforce `restricted` like users' namespaces; each level is the stack's."""
    namespaces = config.namespaces
    levels = {namespaces.gateway: namespaces.pod_security, config.operator_namespace: namespaces.pod_security}
    levels |= dict.fromkeys(namespaces.users, namespaces.user_pod_security)
    return {name: namespace(name, level) for name, level in levels.items()}


def operator_objects(config: PlatformConfig) -> OperatorObjects:
    users = config.namespaces.users
    cluster_wide = config.operator.user_access == "cluster"
    return OperatorObjects(
        chart=ChartInstall(config.operator.chart, config.operator_namespace, operator_values(config)),
        user_role=user_cluster_role(),
        service_accounts={each: user_service_account(each) for each in users},
        cluster_binding=user_cluster_role_binding(users) if cluster_wide else None,
        namespace_bindings={} if cluster_wide else {each: user_role_binding(each) for each in users},
    )


def team_objects(team: TeamConfig, pod_security: str) -> TeamObjects:
    return TeamObjects(
        name=team.name,
        namespace=namespace(team.name, pod_security),
        service_account=user_service_account(team.name),
        role_binding=user_role_binding(team.name),
        quota=team_quota(team),
        limit_range=team_limit_range(team),
    )


def uses_gateway_password(config: PlatformConfig, secrets: SecretConfig) -> bool:
    """Simple auth with the secret ``gatewayPassword`` set: the gateway, the session and the check read it."""
    return secrets.gateway_password and config.gateway.auth.type == "simple"


def uses_hub_token(config: PlatformConfig, secrets: SecretConfig) -> bool:
    """JupyterHub auth with the secret ``jupyterhubApiToken`` set: the program creates the token's Secret."""
    return secrets.jupyterhub_api_token and config.gateway.auth.type == "jupyterhub"


def gateway_chart_values(config: PlatformConfig, secrets: SecretConfig) -> Manifest:
    return gateway_values(
        config,
        password_secret_name=PASSWORD_SECRET_NAME if uses_gateway_password(config, secrets) else None,
        token_from_secret_config=uses_hub_token(config, secrets),
    )


def gateway_objects(config: PlatformConfig, secrets: SecretConfig) -> GatewayObjects:
    namespace_name = config.namespaces.gateway
    hub_token_secret = config_secret(JUPYTERHUB_TOKEN_SECRET, namespace_name, JUPYTERHUB_TOKEN_KEY)
    return GatewayObjects(
        chart=ChartInstall(config.gateway.chart, namespace_name, gateway_chart_values(config, secrets)),
        password_secret=(
            config_secret(PASSWORD_SECRET_NAME, namespace_name) if uses_gateway_password(config, secrets) else None
        ),
        hub_token_secret=hub_token_secret if uses_hub_token(config, secrets) else None,
        dashboards_route=dashboards_ingress_route(namespace_name),
    )


def session_objects(config: PlatformConfig, with_password: bool) -> SessionObjects:
    namespace_name = config.session_namespace
    return SessionObjects(
        deployment=session_deployment(config, with_password=with_password),
        namespace=namespace_name,
        image=config.session_image,
        password_secret=config_secret(SESSION_PASSWORD_SECRET, namespace_name) if with_password else None,
    )


def smoke_check_spec(config: PlatformConfig, secrets: SecretConfig, built: set[str]) -> SmokeCheckSpec:
    """The Job that computes through the gateway; its name carries a digest of both charts' values, so it runs
    again exactly when they change. ``built``: the references the catalog builds."""
    values = gateway_chart_values(config, secrets)
    objects = smoke_check_objects(config, uses_gateway_password(config, secrets), values, operator_values(config))
    secret = objects.password_secret
    return SmokeCheckSpec(
        objects=objects,
        password_secret=config_secret(secret, objects.namespace) if secret is not None else None,
        images=tuple(sorted({config.session_image, config.gateway.image.reference} & built)),
    )


def monitoring_objects(config: PlatformConfig) -> MonitoringObjects:
    return MonitoringObjects(pod_monitors=gateway_pod_monitors(config), dashboards=dashboard_config_maps(config))


def kubernetes_exports(config: PlatformConfig, secrets: SecretConfig, images: ImageBuild) -> dict[str, Any]:
    namespaces = config.namespaces
    address = gateway_address(namespaces.gateway, config.gateway.service.port)
    return {
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
        "requiredSecrets": required_secrets(config, token_from_secret_config=uses_hub_token(config, secrets)),
        "images": images.references,
    }


def port_forward_command(namespace: str, service: str, port: int) -> str:
    return f"kubectl port-forward -n {namespace} svc/{service} 8001:{port}"


def render_platform(stack: PlatformConfig, secrets: SecretConfig) -> RenderedPlatform:
    """Everything a Kubernetes stack declares. From the catalog on, the gateway's default image and the images
    users may pick are the catalog's (``with_catalog_images``)."""
    specs = image_specs(stack.images, stack.gateway)
    config = with_catalog_images(stack, specs)
    images = image_build(config.images, config.images.pushes(config.is_prod), specs)
    gateway = gateway_objects(config, secrets)
    return RenderedPlatform(
        context=config.kubernetes.context,
        kubeconfig=config.kubernetes.kubeconfig,
        images=images,
        namespaces=namespace_manifests(config),
        protect_namespaces=config.protect_namespaces,
        user_quotas=user_quota_manifests(config),
        operator=operator_objects(config),
        teams=tuple(team_objects(team, config.namespaces.user_pod_security) for team in config.teams),
        clusters=cluster_resources(declared_cluster_manifests(config)),
        gateway=gateway,
        network_policies=network_policies(config),
        admission=admission_manifests(config),
        monitoring=monitoring_objects(config) if config.monitoring.enabled else None,
        session=session_objects(config, gateway.password_secret is not None) if config.session_enabled else None,
        smoke_check=(
            smoke_check_spec(config, secrets, set(images.references.values())) if config.smoke_check_enabled else None
        ),
        exports=kubernetes_exports(config, secrets, images),
    )
