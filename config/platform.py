"""The whole stack config, and the rules that need more than one section.

Each section's own rules live with its model (``config/gateway.py``, ``config/clusters.py`` ...); the gateway's
rules that need the whole gateway section (option bounds, admin-declared options, JupyterHub against the chart)
live in ``config/gateway_rules.py``. ``PlatformConfig`` runs them all after the sections are valid, and each
problem is reported at the key it is about, so the user sees one line with that key and its value.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails

from config.admission import AdmissionConfig
from config.clusters import DeclaredClusterConfig, ImageChoice, declared_resource_key, worker_group_name
from config.cost import CostLabelsConfig
from config.footprint import maximum_footprint, minimum_footprint, quota_problems
from config.gateway import (
    GatewayConfig,
)
from config.gateway_rules import extra_options, gateway_option_bounds, jupyterhub
from config.images import CATALOG_IMAGES, ImagesConfig
from config.kubernetes import KubernetesConfig
from config.local import GatewayKind, LocalConfig, LocalGateway
from config.monitoring import MonitoringConfig, monitoring_problems
from config.namespaces import NamespacesConfig
from config.network import NetworkPoliciesConfig
from config.operator import OperatorConfig
from config.session import SessionConfig
from config.smoke import SmokeCheckConfig
from config.team_limits import team_gateway_limits
from config.teams import TeamConfig
from config.types import ConfigModel, cross_section_problem
from config.user_quotas import QuotaAmounts, UserNamespace, UserQuota, quota_amounts, user_quota_problems

Problems = Iterator[InitErrorDetails]


class PlatformConfig(ConfigModel):
    environment: Literal["dev", "prod", "local"] = "prod"
    """Unset means prod: the strict choice (protection, mandatory policies) is the safe default. `local` runs the
    gateway and JupyterLab on this machine's Docker, without Kubernetes (section `local`)."""
    kubernetes: KubernetesConfig = KubernetesConfig()
    namespaces: NamespacesConfig = NamespacesConfig()
    operator: OperatorConfig = OperatorConfig()
    gateway: GatewayConfig = GatewayConfig()
    session: SessionConfig = SessionConfig()
    images: ImagesConfig = ImagesConfig()
    network_policies: NetworkPoliciesConfig = NetworkPoliciesConfig()
    admission: AdmissionConfig = AdmissionConfig()
    """The admission policy on user and team namespaces (see Pods the platform runs, docs/admission.md)."""
    monitoring: MonitoringConfig = MonitoringConfig()
    """Metrics and dashboards where the Prometheus Operator runs (see docs/operating.md)."""
    clusters: list[DeclaredClusterConfig] = Field(default_factory=list)
    """Declared Dask clusters (see Declared clusters and team namespaces)."""
    teams: list[TeamConfig] = Field(default_factory=list)
    """Team namespaces with quotas (see Declared clusters and team namespaces)."""
    local: LocalConfig = LocalConfig()
    """Only with `environment: local`: the containers on this machine's Docker (see A laptop without Kubernetes)."""
    smoke_check: SmokeCheckConfig = SmokeCheckConfig()
    """A real computation at the end of every deploy that changes the gateway or the images (docs/operating.md)."""
    cost_labels: CostLabelsConfig = CostLabelsConfig()
    """Labels on every Dask pod that split its cost by user, team, cluster and profile (docs/operating.md)."""

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"

    @property
    def is_local(self) -> bool:
        return self.environment == "local"

    @property
    def local_gateways(self) -> list[LocalGateway]:
        """The gateways of a local stack, in order: each profile's ``local`` base image (so every kernel has a
        gateway of its own versions), then the staging image and each processor the stack declares. A gateway
        takes ``local.ports.firstGateway`` plus its place in this order, unless ``local.ports.gateways`` gives it
        a port of its own."""
        images = self.images
        named: list[tuple[str, GatewayKind, str]] = [(f"base-{name}", "base", name) for name in images.profiles]
        if images.staging is not None:
            named.append(("staging", "staging", images.staging.profile))
        named += [(f"processor-{name}", "processor", image.profile) for name, image in images.processors.items()]
        ports = self.local.ports
        return [
            LocalGateway(name, kind, profile, ports.gateways.get(name, ports.first_gateway + place))
            for place, (name, kind, profile) in enumerate(named)
        ]

    @property
    def protect_namespaces(self) -> bool:
        return self.is_prod if self.namespaces.protect is None else self.namespaces.protect

    @property
    def session_enabled(self) -> bool:
        if self.is_local:
            return False
        return not self.is_prod if self.session.enabled is None else self.session.enabled

    @property
    def smoke_check_enabled(self) -> bool:
        """On by default outside prod where the check can authenticate: with JupyterHub auth, only once the stack
        names a token for it."""
        if self.smoke_check.enabled is not None:
            return self.smoke_check.enabled
        can_authenticate = self.gateway.auth.type == "simple" or self.smoke_check.jupyterhub_token_secret is not None
        return not self.is_prod and can_authenticate

    @property
    def session_namespace(self) -> str:
        return self.session.namespace or self.namespaces.users[0]

    @property
    def gateway_cluster_namespace(self) -> str:
        return self.gateway.cluster_namespace or self.namespaces.users[0]

    @property
    def user_namespaces(self) -> list[str]:
        """Where Dask clusters and users' pods run: the user namespaces and every team's."""
        return list(dict.fromkeys([*self.namespaces.users, *(team.name for team in self.teams)]))

    @property
    def operator_namespace(self) -> str:
        """In namespace scope the chart's Role only covers its release namespace, so it runs next to the clusters."""
        if self.operator.scope == "namespace":
            return self.namespaces.users[0]
        return self.namespaces.operator

    def user_namespace(self, name: str) -> UserNamespace:
        """What runs in the user namespace ``name``, for its quota."""
        platform_pods = [self.session.resources] if self.session_enabled and self.session_namespace == name else []
        if self.operator_namespace == name:
            platform_pods.append(self.operator.resources)
        declared = [cluster for cluster in self.clusters if cluster.enabled and cluster.namespace == name]
        return UserNamespace(name, self.gateway_cluster_namespace == name, declared, platform_pods)

    def user_quota(self, name: str) -> QuotaAmounts:
        """The ResourceQuota amounts of the user namespace ``name``."""
        quota = self.namespaces.user_quotas.get(name, UserQuota())
        return quota_amounts(self.gateway, quota, self.user_namespace(name))

    @property
    def session_image(self) -> str:
        return self.session.image or self.gateway.image.reference

    @model_validator(mode="after")
    def _cross_section_rules(self) -> PlatformConfig:
        problems = [problem for rule in CROSS_SECTION_RULES for problem in rule(self)]
        if problems:
            raise ValidationError.from_exception_data("PlatformConfig", problems)
        return self


def _namespace_choices(config: PlatformConfig) -> Problems:
    users = list(config.namespaces.users)
    listed = f"one of namespaces.users ({', '.join(users)})"
    if config.session.namespace is not None and config.session.namespace not in users:
        yield cross_section_problem(("session", "namespace"), config.session.namespace, f"must be {listed}")
    if config.gateway.cluster_namespace is not None and config.gateway.cluster_namespace not in users:
        yield cross_section_problem(
            ("gateway", "clusterNamespace"), config.gateway.cluster_namespace, f"must be {listed}"
        )


def _namespace_roles(config: PlatformConfig) -> Problems:
    """Each platform namespace has one role: the gateway's default-deny policy and Pod Security level would
    otherwise be declared twice (a duplicate resource), and the chart's pods would get the users' level."""
    namespaces = config.namespaces
    for index, user in enumerate(namespaces.users):
        if user == namespaces.gateway:
            yield cross_section_problem(
                ("namespaces", "users", index),
                user,
                "is namespaces.gateway: clusters need a namespace apart from the gateway's; list another name",
            )
    if config.operator.scope == "cluster" and namespaces.operator == namespaces.gateway:
        yield cross_section_problem(
            ("namespaces", "operator"),
            namespaces.operator,
            "is namespaces.gateway: the operator needs a namespace apart from the gateway's; pick another name",
        )


def _admission_exemptions(config: PlatformConfig) -> Problems:
    """Exempting the identities users' pods and clusters run as would switch the admission policy off for them."""
    admission = config.admission
    for index, group in enumerate(admission.exempt_groups):
        namespace = group.removeprefix("system:serviceaccounts:")
        if group != namespace and namespace in config.user_namespaces:
            yield cross_section_problem(
                ("admission", "exemptGroups", index),
                group,
                f"holds every ServiceAccount of the user namespace {namespace!r}, users' own included; name the "
                "deployer's ServiceAccount in admission.exemptUsers instead",
            )
    for index, user in enumerate(admission.exempt_users):
        parts = user.split(":")
        if len(parts) == 4 and parts[:2] == ["system", "serviceaccount"] and parts[2] in config.user_namespaces:
            yield cross_section_problem(
                ("admission", "exemptUsers", index),
                user,
                f"is a ServiceAccount of the user namespace {parts[2]!r}, where users' clusters run; exempt an "
                "identity of a namespace users cannot use",
            )


def _operator_scope(config: PlatformConfig) -> Problems:
    if config.operator.scope != "namespace":
        return
    users = list(config.namespaces.users)
    if len(users) != 1:
        yield cross_section_problem(
            ("namespaces", "users"),
            users,
            "operator.scope 'namespace' watches exactly one namespace: list one, or set operator.scope 'cluster'",
        )
    if config.operator.user_access == "cluster":
        yield cross_section_problem(
            ("operator", "userAccess"), "cluster", "cluster-wide user access needs operator.scope 'cluster'"
        )
    if config.teams:
        yield cross_section_problem(
            ("teams",),
            [team.name for team in config.teams],
            "team namespaces need operator.scope 'cluster': a namespace-scoped operator watches only "
            f"{config.operator_namespace!r}",
        )


def _catalog_and_gateway(config: PlatformConfig) -> Problems:
    images, gateway = config.images, config.gateway
    # A local stack runs no chart: its gateway is the local image's own dask-gateway-server.
    if images.dask_gateway_version != gateway.chart.version and not config.is_local:
        yield cross_section_problem(
            ("images", "daskGatewayVersion"),
            images.dask_gateway_version,
            f"differs from gateway.chart.version {gateway.chart.version!r}: every image's dask-gateway must match "
            "the gateway it talks to; set both to the same version",
        )
    if not images.pushes(config.is_prod) and len(images.platforms) > 1:
        yield cross_section_problem(
            ("images", "platforms"),
            images.platforms,
            "images that are not pushed are loaded into the local Docker daemon, which holds one platform per tag; "
            "build one platform, or set images.push",
        )
    allowed = gateway.cluster_options.allowed_images
    if allowed and gateway.image.from_catalog and CATALOG_IMAGES not in allowed:
        yield cross_section_problem(
            ("gateway", "clusterOptions", "allowedImages"),
            allowed,
            f"the default image comes from the image catalog (images.defaultProfile), so the list must include "
            f"{CATALOG_IMAGES!r}; or set gateway.image.name and tag to an image of the list",
        )
    elif allowed and images.jupyter.enabled and not config.is_local and CATALOG_IMAGES not in allowed:
        # Each kernel's clusters default to its own profile's k8s image, which only 'catalog' can name.
        yield cross_section_problem(
            ("gateway", "clusterOptions", "allowedImages"),
            allowed,
            f"the Jupyter image's kernels each run clusters of their own profile's k8s image, so the list must "
            f"include {CATALOG_IMAGES!r}; or set images.jupyter.enabled: false",
        )
    # The session's clusters default to its own image: one the list leaves out, the gateway would refuse.
    # ('catalog' stands for images whose tags only the catalog knows; see render.catalog.with_catalog_images.)
    session_image = config.session.image
    listed = not allowed or CATALOG_IMAGES in allowed or session_image in allowed
    if config.session_enabled and session_image and not listed:
        yield cross_section_problem(
            ("session", "image"),
            session_image,
            "is the image the session's clusters run by default, so gateway.clusterOptions.allowedImages must "
            "include it",
        )


def _teams(config: PlatformConfig) -> Problems:
    platform = list(dict.fromkeys([config.namespaces.gateway, config.operator_namespace, *config.namespaces.users]))
    seen: set[str] = set()
    group_owner: dict[str, str] = {}
    for index, team in enumerate(config.teams):
        if team.name in platform:
            yield cross_section_problem(
                ("teams", index, "name"),
                team.name,
                f"is already a platform namespace ({', '.join(platform)}); teams need their own",
            )
        if team.name in seen:
            yield cross_section_problem(("teams", index, "name"), team.name, "names a team that is already listed")
        seen.add(team.name)
        for group in team.gateway_groups:
            if group in group_owner:
                yield cross_section_problem(
                    ("teams", index, "gatewayGroups"),
                    group,
                    f"group {group!r} already sends its clusters to team {group_owner[group]!r}",
                )
            group_owner.setdefault(group, team.name)


def _team_gateway_limits(config: PlatformConfig) -> Problems:
    yield from team_gateway_limits(config.gateway, config.teams, list(config.images.profiles))


def _image_profiles(index: int, cluster: DeclaredClusterConfig, profiles: list[str]) -> Problems:
    choices: list[tuple[tuple[str | int, ...], ImageChoice]] = [((), cluster), (("worker",), cluster.worker)]
    choices += [(("workerGroups", position), group) for position, group in enumerate(cluster.worker_groups)]
    if cluster.job is not None:
        choices.append((("job",), cluster.job))
    for path, choice in choices:
        if choice.profile is not None and choice.profile not in profiles:
            yield cross_section_problem(
                ("clusters", index, *path, "profile"),
                choice.profile,
                f"no such image profile; images.profiles has {', '.join(profiles) or 'none'}",
            )


def _clusters(config: PlatformConfig) -> Problems:
    allowed_namespaces = [*config.namespaces.users, *(team.name for team in config.teams)]
    profiles = list(config.images.profiles)
    declared: set[tuple[str, str]] = set()
    for index, cluster in enumerate(config.clusters):
        if cluster.namespace not in allowed_namespaces:
            yield cross_section_problem(
                ("clusters", index, "namespace"),
                cluster.namespace,
                f"is neither a user nor a team namespace; use one of {', '.join(allowed_namespaces)}",
            )
        if (cluster.namespace, cluster.name) in declared:
            yield cross_section_problem(
                ("clusters", index, "name"),
                cluster.name,
                f"another cluster in namespace {cluster.namespace!r} already has this name",
            )
        declared.add((cluster.namespace, cluster.name))
        yield from _image_profiles(index, cluster, profiles)


def _cluster_shapes(config: PlatformConfig) -> Problems:
    for index, cluster in enumerate(config.clusters):
        seen: set[str] = set()
        for position, group in enumerate(cluster.worker_groups):
            at = ("clusters", index, "workerGroups", position, "name")
            if group.name == "default":
                yield cross_section_problem(at, group.name, "is the operator's own default worker group; pick another")
            elif group.name in seen:
                yield cross_section_problem(at, group.name, "names a worker group of this cluster already listed")
            elif len(worker_group_name(cluster.name, group.name)) > 63:
                yield cross_section_problem(
                    at,
                    group.name,
                    f"makes the DaskWorkerGroup {worker_group_name(cluster.name, group.name)!r} longer than 63 "
                    "characters",
                )
            seen.add(group.name)
        if cluster.job is not None and (cluster.worker_groups or cluster.autoscaler is not None):
            yield cross_section_problem(
                ("clusters", index, "job"),
                cluster.job.command,
                "a cluster with a job is a DaskJob, whose cluster lives only while the job runs; declare "
                "workerGroups and autoscaler on a cluster without a job",
            )
        autoscaler = cluster.autoscaler
        if autoscaler is not None and not autoscaler.minimum <= cluster.worker.replicas <= autoscaler.maximum:
            yield cross_section_problem(
                ("clusters", index, "worker", "replicas"),
                cluster.worker.replicas,
                f"must be within the autoscaler's bounds, {autoscaler.minimum} to {autoscaler.maximum}",
            )


def _unique_names(config: PlatformConfig) -> Problems:
    """Objects that would share a Kubernetes name, or a Pulumi name, which joins names with '-'."""
    groups: dict[tuple[str, str], str] = {}
    resources: dict[str, str] = {}
    for index, cluster in enumerate(config.clusters):
        where = f"clusters[{index}]"
        owned: list[tuple[str, tuple[str | int, ...], str]] = [
            (cluster.name, ("clusters", index, "name"), cluster.name)
        ]
        for position, group in enumerate(cluster.worker_groups):
            object_name = worker_group_name(cluster.name, group.name)
            at: tuple[str | int, ...] = ("clusters", index, "workerGroups", position, "name")
            if (cluster.namespace, object_name) in groups:
                yield cross_section_problem(
                    at,
                    group.name,
                    f"makes the DaskWorkerGroup {object_name!r}, which {groups[(cluster.namespace, object_name)]} "
                    f"already makes in namespace {cluster.namespace!r}",
                )
            groups.setdefault((cluster.namespace, object_name), f"{where}.workerGroups[{position}]")
            owned.append((object_name, at, group.name))
        for object_name, location, value in owned:
            key = declared_resource_key(cluster.namespace, object_name)
            if key in resources and resources[key] != where:
                yield cross_section_problem(
                    location,
                    value,
                    f"with namespace {cluster.namespace!r} gives the same resource name as {resources[key]}; "
                    "rename one of them",
                )
            resources.setdefault(key, where)


def _quotas(config: PlatformConfig) -> Problems:
    for index, team in enumerate(config.teams):
        in_team = [cluster for cluster in config.clusters if cluster.enabled and cluster.namespace == team.name]
        for key, allowed, need in quota_problems(team.quota, minimum_footprint(in_team)):
            yield cross_section_problem(
                ("teams", index, "quota", *key),
                allowed,
                f"the enabled clusters declared in {team.name!r} need {need} at their smallest; raise the quota "
                "or shrink those clusters",
            )
        for position, cluster in enumerate(config.clusters):
            if not (cluster.enabled and cluster.namespace == team.name and cluster.autoscaler is not None):
                continue
            others = [other for other in in_team if other is not cluster]
            scaled_up = maximum_footprint([cluster])
            scaled_up.add(minimum_footprint(others))
            overrun = quota_problems(team.quota, scaled_up)
            if overrun:
                _, _, need = overrun[0]
                yield cross_section_problem(
                    ("clusters", position, "autoscaler", "maximum"),
                    cluster.autoscaler.maximum,
                    f"can never be reached: with the other clusters in {team.name!r}, that needs {need}, above "
                    f"teams[{index}].quota",
                )


def _user_quotas(config: PlatformConfig) -> Problems:
    if config.is_local:
        return
    yield from user_quota_problems(
        config.gateway,
        config.namespaces.user_quotas,
        [config.user_namespace(name) for name in config.namespaces.users],
        config.clusters,
        config.namespaces.user_container_defaults,
    )


def _auth_and_session(config: PlatformConfig) -> Problems:
    auth = config.gateway.auth.type
    if auth == "simple":
        for index, team in enumerate(config.teams):
            if team.gateway_groups:
                yield cross_section_problem(
                    ("teams", index, "gatewayGroups"),
                    team.gateway_groups,
                    "needs an authenticator that reports groups: the simple authenticator reports none; use "
                    "gateway.auth.type 'jupyterhub'",
                )
    if config.session_enabled and auth == "jupyterhub":
        yield cross_section_problem(
            ("session", "enabled"),
            config.session.enabled,
            "the session has no JupyterHub token to reach a JupyterHub-authenticated gateway with; set "
            "session.enabled: false, or use gateway.auth.type 'simple'",
        )


def _exposure(config: PlatformConfig) -> Problems:
    external = ("NodePort", "LoadBalancer")
    service = config.gateway.service
    if service.type in external and not service.allow_external:
        yield cross_section_problem(
            ("gateway", "service", "type"),
            service.type,
            "exposes the gateway outside the cluster; set gateway.service.allowExternal: true if that is intended",
        )
    for index, cluster in enumerate(config.clusters):
        scheduler = cluster.scheduler
        if scheduler.service_type in external and not scheduler.allow_external:
            yield cross_section_problem(
                ("clusters", index, "scheduler", "serviceType"),
                scheduler.service_type,
                "exposes the scheduler outside the cluster; set scheduler.allowExternal: true if that is intended",
            )


def _target_cluster(config: PlatformConfig) -> Problems:
    if config.is_prod and config.kubernetes.context is None:
        yield cross_section_problem(
            ("kubernetes", "context"),
            None,
            "prod needs an explicit kubeconfig context, so that kubectl's current context never decides where "
            "prod is deployed",
        )


def _pull_policies(config: PlatformConfig) -> Problems:
    if not config.images.pushes(config.is_prod):
        return
    never = "a node never pulls with 'Never', and pushed images are only on the registry; use 'IfNotPresent'"
    if config.gateway.image.pull_policy == "Never":
        yield cross_section_problem(("gateway", "image", "pullPolicy"), "Never", never)
    for index, cluster in enumerate(config.clusters):
        if cluster.image_pull_policy == "Never":
            yield cross_section_problem(("clusters", index, "imagePullPolicy"), "Never", never)


def _images_targets(config: PlatformConfig) -> Problems:
    targets = config.images.targets
    if config.is_local:
        if "targets" in config.images.model_fields_set:
            yield cross_section_problem(
                ("images", "targets"),
                targets,
                "a local stack builds what its containers run (each gateway's local image, Jupyter and what they "
                "are built from); remove it",
            )
    elif "k8s" not in targets:
        yield cross_section_problem(
            ("images", "targets"), targets, "must include 'k8s': the platform's clusters run k8s images"
        )


KUBERNETES_SECTIONS = (
    "kubernetes",
    "namespaces",
    "operator",
    "session",
    "network_policies",
    "admission",
    "clusters",
    "teams",
    "monitoring",
)
"""Sections that only mean something on Kubernetes: a local stack refuses them."""


LOCAL_GATEWAY_KEYS = frozenset(
    {"auth", "cluster_options", "cluster_max_cores", "cluster_max_memory", "cluster_max_workers", "clusters_per_user"}
    | {"idle_timeout_seconds", "extra_options"}
)
"""What a local stack's gateway takes from ``dask-platform:gateway``; the rest configures the chart and its pods."""


def _set_value(value: object) -> object:
    """A section's value as the user wrote it, for the message."""
    if isinstance(value, ConfigModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, list):
        return [_set_value(item) for item in value]
    return value


def _alias(model: type[ConfigModel], name: str) -> str:
    return model.model_fields[name].alias or name


def _local_stack(config: PlatformConfig) -> Problems:
    """A local stack has no Kubernetes: every Kubernetes key is refused where it is set, and vice versa."""
    if not config.is_local:
        if "local" in config.model_fields_set:
            yield cross_section_problem(
                ("local",),
                _set_value(config.local),
                f"is for environment 'local' only; a {config.environment} stack runs on Kubernetes",
            )
        return
    for name in KUBERNETES_SECTIONS:
        if name in config.model_fields_set:
            yield cross_section_problem(
                (_alias(PlatformConfig, name),),
                _set_value(getattr(config, name)),
                "is a Kubernetes setting; a local stack runs on Docker without Kubernetes, so remove it",
            )
    gateway = config.gateway
    for name in sorted(gateway.model_fields_set - LOCAL_GATEWAY_KEYS):
        yield cross_section_problem(
            ("gateway", _alias(GatewayConfig, name)),
            _set_value(getattr(gateway, name)),
            "configures the gateway's Helm chart or pods; a local stack runs the local image's own gateway, "
            "so remove it",
        )
    if gateway.auth.type != "simple":
        yield cross_section_problem(
            ("gateway", "auth", "type"),
            gateway.auth.type,
            "a local gateway has no JupyterHub; use 'simple' (password: the secret dask-platform:gatewayPassword)",
        )
    if not config.images.jupyter.enabled:
        yield cross_section_problem(
            ("images", "jupyter", "enabled"),
            False,
            "a local stack runs JupyterLab from the catalog's Jupyter image; set it to true",
        )
    yield from _local_ports(config)


LOCAL_GATEWAY_ALIAS = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
"""A gateway's network name, ``dask-gateway-<name>``, is a DNS label: what Docker's name resolution answers."""


def _local_ports(config: PlatformConfig) -> Problems:
    """Every published port on 127.0.0.1 is its own: JupyterLab's and each gateway's, set or counted.

    A port a gateway counts from ``firstGateway`` is reported at that key, with the gateway and its port."""
    local, ports = config.local, config.local.ports
    gateways = config.local_gateways
    names = [gateway.name for gateway in gateways]
    for name in ports.gateways:
        if name not in names:
            yield cross_section_problem(
                ("local", "ports", "gateways", name),
                ports.gateways[name],
                f"no such gateway; this stack's gateways are {', '.join(names)}",
            )
    # (who holds the port, the key to report, its value there, the port, how the message starts)
    published: list[tuple[str, tuple[str, ...], int, int, str]] = [
        ("local.ports.jupyter", ("local", "ports", "jupyter"), ports.jupyter, ports.jupyter, "")
    ]
    # Set ports before counted ones, so a clash with a counted port is reported at the key that counts it.
    published += [
        (f"local.ports.gateways.{g.name}", ("local", "ports", "gateways", g.name), g.port, g.port, "")
        for g in gateways
        if g.name in ports.gateways
    ]
    published += [
        (
            f"gateway {g.name}'s (counted from local.ports.firstGateway)",
            ("local", "ports", "firstGateway"),
            ports.first_gateway,
            g.port,
            f"gives gateway {g.name} the port {g.port}, which ",
        )
        for g in gateways
        if g.name not in ports.gateways
    ]
    claimed: dict[int, str] = {}
    for owner, key, value, port, prefix in published:
        if port < 1024 and not local.allow_privileged_ports:
            yield cross_section_problem(
                key,
                value,
                f"{prefix}is below 1024, which needs root or a specially configured Docker daemon; pick a port "
                "from 1024 or set local.allowPrivilegedPorts: true",
            )
        elif port > 65535:
            yield cross_section_problem(key, value, f"{prefix}is above 65535; pick a lower first port")
        elif port in claimed:
            yield cross_section_problem(
                key, value, f"{prefix}is already {claimed[port]}; each container needs a port of its own on 127.0.0.1"
            )
        claimed.setdefault(port, owner)
    yield from _gateway_aliases(gateways)


def _gateway_aliases(gateways: list[LocalGateway]) -> Problems:
    for gateway in gateways:
        if not LOCAL_GATEWAY_ALIAS.fullmatch(f"dask-gateway-{gateway.name}"):
            key = ("images", "processors", gateway.name.removeprefix("processor-"))
            if gateway.kind == "base":
                key = ("images", "profiles", gateway.profile)
            yield cross_section_problem(
                key,
                gateway.name,
                f"names the gateway dask-gateway-{gateway.name} on the local network, which must be a DNS label "
                "(at most 63 lowercase letters, digits and '-'); pick a shorter name without '.' or '_'",
            )


def _smoke_check(config: PlatformConfig) -> Problems:
    """The check authenticates as a user would: with JupyterHub auth it needs a token the stack names."""
    token = config.smoke_check.jupyterhub_token_secret
    jupyterhub = config.gateway.auth.type == "jupyterhub"
    if config.smoke_check_enabled and jupyterhub and token is None:
        yield cross_section_problem(
            ("smokeCheck", "enabled"),
            config.smoke_check.enabled,
            "the smoke check has no JupyterHub token to reach a JupyterHub-authenticated gateway with; set "
            "smokeCheck.jupyterhubTokenSecret to an existing Secret holding one, or smokeCheck.enabled: false",
        )
    if token is not None and not jupyterhub:
        yield cross_section_problem(
            ("smokeCheck", "jupyterhubTokenSecret"),
            token.model_dump(by_alias=True),
            f"is for gateway.auth.type 'jupyterhub'; this gateway uses {config.gateway.auth.type!r}, remove it",
        )


CROSS_SECTION_RULES: tuple[Callable[[PlatformConfig], Problems], ...] = (
    lambda config: gateway_option_bounds(config.gateway),
    lambda config: extra_options(config.gateway),
    lambda config: jupyterhub(config.gateway),
    _namespace_choices,
    _namespace_roles,
    _admission_exemptions,
    _operator_scope,
    _catalog_and_gateway,
    _teams,
    _team_gateway_limits,
    _clusters,
    _cluster_shapes,
    _unique_names,
    _quotas,
    _user_quotas,
    _auth_and_session,
    _exposure,
    _target_cluster,
    _pull_policies,
    _images_targets,
    _local_stack,
    _smoke_check,
    lambda config: monitoring_problems(config.monitoring, config.user_namespaces),
)


def secret_problems(config: PlatformConfig, secrets_set: frozenset[str]) -> list[tuple[str, object, str]]:
    """Rules between the config and the secret keys a stack sets: (key path, its value, what is wrong and what to
    do)."""
    problems: list[tuple[str, object, str]] = []
    if config.is_prod and config.gateway.auth.type == "simple" and "gatewayPassword" not in secrets_set:
        problems.append(
            (
                "gateway.auth.type",
                "simple",
                "prod needs a password; set it with `pulumi config set --secret dask-platform:gatewayPassword`, "
                "or use type 'jupyterhub'",
            )
        )
    if config.gateway.auth.type == "jupyterhub":
        hub = config.gateway.auth.jupyterhub
        from_secret_config = "jupyterhubApiToken" in secrets_set
        if from_secret_config == (hub.api_token_secret_name is not None):
            problems.append(
                (
                    "gateway.auth.jupyterhub.apiTokenSecretName",
                    hub.api_token_secret_name,
                    "name the token's source once: an existing Secret in the gateway namespace here, or the secret "
                    "dask-platform:jupyterhubApiToken",
                )
            )
    if (config.images.registry_username is None) == ("registryPassword" in secrets_set):
        problems.append(
            (
                "images.registryUsername",
                config.images.registry_username,
                "goes together with the secret dask-platform:registryPassword: set both to log in to "
                f"{config.images.registry}, or neither to use the build host's own docker login",
            )
        )
    return problems
