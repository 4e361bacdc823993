"""The typed stack configuration: one pydantic model per part of the platform.

Everything a stack can set lives under the Pulumi project namespace ``dask-platform:``, one top-level key per
section (``dask-platform:gateway``, ``dask-platform:namespaces`` ...), written in camelCase like Pulumi's own
keys. ``parse_platform_config`` is pure (plain dicts in, model out) so that every rule here is testable
without Pulumi; ``load_config`` reads the Pulumi config and turns any mistake into one clear ``ConfigError``
before a single resource is declared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_core import ErrorDetails, InitErrorDetails

from components.clusters_config import DeclaredClusterConfig, TeamConfig, check_clusters_and_teams
from components.config_base import (
    ChartConfig,
    ConfigModel,
    GatewayMemory,
    ImageTag,
    KubernetesName,
    Resources,
    cross_section_problem,
    resources_of,
)
from components.images_config import CATALOG_IMAGES, ImagesConfig
from components.quantities import gateway_memory_bytes

if TYPE_CHECKING:
    import pulumi

PROJECT = "dask-platform"
DASK_GATEWAY_VERSION = "2026.3.0"
DASK_OPERATOR_VERSION = "2026.3.0"

# Secrets are read as Pulumi secret Outputs and never enter the model, so they cannot leak into plain data.
SECRET_KEYS = ("gatewayPassword", "registryPassword", "pipExtraIndexUrl")


class ConfigError(Exception):
    """A user's mistake in a stack file, worded for the user; never shown with a traceback."""


class KubernetesConfig(ConfigModel):
    """How the explicit Kubernetes provider reaches the cluster."""

    context: str | None = None
    kubeconfig: str | None = None


class NamespacesConfig(ConfigModel):
    gateway: KubernetesName = "dask-gateway"
    operator: KubernetesName = "dask-operator"
    users: list[KubernetesName] = Field(default_factory=lambda: ["dask-users"], min_length=1)
    pod_security: Literal["privileged", "baseline", "restricted"] = "baseline"
    protect: bool | None = None
    """Protect namespaces from deletion; defaults to on in prod."""

    @model_validator(mode="after")
    def _users_unique(self) -> NamespacesConfig:
        if len(set(self.users)) != len(self.users):
            raise ValueError(f"users lists a namespace twice: {self.users}")
        return self


class OperatorConfig(ConfigModel):
    chart: ChartConfig = ChartConfig(version=DASK_OPERATOR_VERSION)
    scope: Literal["cluster", "namespace"] = "cluster"
    """``namespace``: the operator runs in and watches the single user namespace, with a namespaced Role."""
    user_access: Literal["namespace", "cluster"] = "namespace"
    """Bind the user ClusterRole per user namespace (RoleBindings) or cluster-wide (ClusterRoleBinding)."""
    resources: Resources = resources_of("100m", "128Mi", "500m", "256Mi")


class JupyterHubAuthConfig(ConfigModel):
    api_token_secret_name: KubernetesName = "hub"
    api_token_secret_key: str = "hub.services.dask-gateway.apiToken"
    api_url: str | None = None
    service_name: str | None = None


class GatewayAuthConfig(ConfigModel):
    type: Literal["simple", "jupyterhub"] = "simple"
    jupyterhub: JupyterHubAuthConfig = JupyterHubAuthConfig()


class GatewayServiceConfig(ConfigModel):
    type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = "ClusterIP"
    port: int = Field(80, ge=1, le=65535)


class ImageConfig(ConfigModel):
    """The default scheduler/worker image.

    Unless a stack sets ``name`` or ``tag``, the program uses the image catalog's base image of
    ``images.defaultProfile`` instead (``catalog.with_catalog_images``, before anything is declared); the
    defaults here are the upstream image, what a gateway config on its own falls back to.
    """

    name: str = "ghcr.io/dask/dask-gateway"
    tag: ImageTag = DASK_GATEWAY_VERSION
    pull_policy: Literal["Always", "IfNotPresent", "Never"] = "IfNotPresent"

    @property
    def from_catalog(self) -> bool:
        return not {"name", "tag"} & self.model_fields_set

    @property
    def reference(self) -> str:
        return f"{self.name}:{self.tag}"


class CoresOption(ConfigModel):
    default: float = Field(gt=0)
    min: float = Field(gt=0)
    max: float = Field(gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> CoresOption:
        if not self.min <= self.default <= self.max:
            raise ValueError(f"needs min <= default <= max, got {self.min}, {self.default}, {self.max}")
        return self


class MemoryOption(ConfigModel):
    default: GatewayMemory
    min: GatewayMemory
    max: GatewayMemory

    @model_validator(mode="after")
    def _ordered(self) -> MemoryOption:
        low, default, high = (gateway_memory_bytes(v) for v in (self.min, self.default, self.max))
        if not low <= default <= high:
            raise ValueError(f"needs min <= default <= max, got {self.min!r}, {self.default!r}, {self.max!r}")
        return self


class ClusterOptionsConfig(ConfigModel):
    """Bounds of the options users set from notebooks: ``gateway.cluster_options()``."""

    worker_cores: CoresOption = CoresOption(default=1, min=0.5, max=4)
    worker_cores_limit: CoresOption = CoresOption(default=1, min=0.5, max=8)
    worker_memory: MemoryOption = MemoryOption(default="2 G", min="512 M", max="16 G")
    allowed_images: list[str] = Field(default_factory=list)
    """Images users may pick; empty means any image. The entry ``catalog`` stands for every image the catalog
    builds for Kubernetes (bases, processors, staging)."""


class GatewayConfig(ConfigModel):
    chart: ChartConfig = ChartConfig(version=DASK_GATEWAY_VERSION)
    auth: GatewayAuthConfig = GatewayAuthConfig()
    service: GatewayServiceConfig = GatewayServiceConfig()
    image: ImageConfig = ImageConfig()
    image_pull_secrets: list[KubernetesName] = Field(default_factory=list)
    cluster_options: ClusterOptionsConfig = ClusterOptionsConfig()
    cluster_max_cores: float = Field(16, gt=0)
    cluster_max_memory: GatewayMemory = "64 G"
    cluster_max_workers: int = Field(8, gt=0)
    idle_timeout_seconds: int = Field(1800, ge=0)
    """0 disables the idle timeout; prod policy requires it on."""
    cluster_namespace: KubernetesName | None = None
    """Where gateway clusters run; defaults to the first user namespace."""

    @model_validator(mode="after")
    def _defaults_within_cluster_limits(self) -> GatewayConfig:
        options = self.cluster_options
        if options.worker_cores.max > options.worker_cores_limit.max:
            raise ValueError(
                f"clusterOptions.workerCores.max {options.worker_cores.max} is above "
                f"clusterOptions.workerCoresLimit.max {options.worker_cores_limit.max}: "
                "a limit raised to its request would leave the allowed range"
            )
        if options.worker_cores.max > self.cluster_max_cores:
            raise ValueError(
                f"clusterOptions.workerCores.max {options.worker_cores.max} is above "
                f"clusterMaxCores {self.cluster_max_cores}"
            )
        if gateway_memory_bytes(options.worker_memory.max) > gateway_memory_bytes(self.cluster_max_memory):
            raise ValueError(
                f"clusterOptions.workerMemory.max {options.worker_memory.max!r} is above "
                f"clusterMaxMemory {self.cluster_max_memory!r}"
            )
        explicit = not self.image.from_catalog
        if options.allowed_images and explicit and self.image.reference not in options.allowed_images:
            raise ValueError(f"the default image {self.image.reference!r} is not in clusterOptions.allowedImages")
        return self


class SessionConfig(ConfigModel):
    """A long-running client Deployment next to the clusters; on by default in dev."""

    enabled: bool | None = None
    namespace: KubernetesName | None = None
    image: str | None = None
    """Defaults to the gateway's default image, so client and workers run the same libraries."""
    command: list[str] = Field(default_factory=lambda: ["sleep", "infinity"], min_length=1)
    """Keeps the pod up for ``kubectl exec``; set it to run a notebook server or a batch client instead."""
    resources: Resources = resources_of("250m", "512Mi", "1", "1Gi")


class PlatformConfig(ConfigModel):
    environment: Literal["dev", "prod"] = "prod"
    """Unset means prod: the strict choice (protection, mandatory policies) is the safe default."""
    kubernetes: KubernetesConfig = KubernetesConfig()
    namespaces: NamespacesConfig = NamespacesConfig()
    operator: OperatorConfig = OperatorConfig()
    gateway: GatewayConfig = GatewayConfig()
    session: SessionConfig = SessionConfig()
    images: ImagesConfig = ImagesConfig()
    clusters: list[DeclaredClusterConfig] = Field(default_factory=list)
    teams: list[TeamConfig] = Field(default_factory=list)

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"

    @property
    def protect_namespaces(self) -> bool:
        return self.is_prod if self.namespaces.protect is None else self.namespaces.protect

    @property
    def session_enabled(self) -> bool:
        return not self.is_prod if self.session.enabled is None else self.session.enabled

    @property
    def session_namespace(self) -> str:
        return self.session.namespace or self.namespaces.users[0]

    @property
    def gateway_cluster_namespace(self) -> str:
        return self.gateway.cluster_namespace or self.namespaces.users[0]

    @property
    def operator_namespace(self) -> str:
        """In namespace scope the chart's Role only covers its release namespace, so it runs next to the clusters."""
        if self.operator.scope == "namespace":
            return self.namespaces.users[0]
        return self.namespaces.operator

    @property
    def session_image(self) -> str:
        return self.session.image or self.gateway.image.reference

    @model_validator(mode="after")
    def _cross_section_rules(self) -> PlatformConfig:
        check_clusters_and_teams(self)
        users = self.namespaces.users
        if self.session.namespace is not None and self.session.namespace not in users:
            raise ValueError(f"session.namespace {self.session.namespace!r} is not one of namespaces.users {users}")
        if self.gateway.cluster_namespace is not None and self.gateway.cluster_namespace not in users:
            raise ValueError(
                f"gateway.clusterNamespace {self.gateway.cluster_namespace!r} is not one of namespaces.users {users}"
            )
        if self.operator.scope == "namespace" and len(users) != 1:
            raise ValueError(f"operator.scope 'namespace' watches one namespace, but namespaces.users lists {users}")
        if self.operator.scope == "namespace" and self.operator.user_access == "cluster":
            raise ValueError("operator.userAccess 'cluster' needs operator.scope 'cluster'")
        self._check_catalog_images()
        return self

    def _check_catalog_images(self) -> None:
        """Rules between the image catalog and the gateway, each reported at its own key path."""
        problems: list[InitErrorDetails] = []
        if self.images.dask_gateway_version != self.gateway.chart.version:
            problems.append(
                cross_section_problem(
                    ("images", "daskGatewayVersion"),
                    self.images.dask_gateway_version,
                    f"differs from gateway.chart.version {self.gateway.chart.version!r}: every image's dask-gateway "
                    "must match the gateway it talks to; set images.daskGatewayVersion and gateway.chart.version "
                    "to the same version",
                )
            )
        if not self.images.pushes(self.is_prod) and len(self.images.platforms) > 1:
            problems.append(
                cross_section_problem(
                    ("images", "platforms"),
                    self.images.platforms,
                    "images that are not pushed are loaded into the local Docker daemon, which holds one platform "
                    "per tag; build one platform, or set images.push",
                )
            )
        allowed = self.gateway.cluster_options.allowed_images
        if allowed and self.gateway.image.from_catalog and CATALOG_IMAGES not in allowed:
            problems.append(
                cross_section_problem(
                    ("gateway", "clusterOptions", "allowedImages"),
                    allowed,
                    f"the default image comes from the image catalog (images.defaultProfile), so the list must "
                    f"include {CATALOG_IMAGES!r}; or set gateway.image.name and tag to an image of the list",
                )
            )
        if problems:
            raise ValidationError.from_exception_data("PlatformConfig", problems)


@dataclass(frozen=True)
class ConfigSource:
    """Raw stack config as Pulumi hands it over: ``{"gateway": {...}, ...}`` without the project prefix."""

    stack_file: str
    values: dict[str, Any]
    secret_keys: frozenset[str]


def _key_path(location: tuple[int | str, ...]) -> str:
    path = f"{PROJECT}:{location[0]}" if location else PROJECT
    for part in location[1:]:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _describe(error: ErrorDetails) -> str:
    location = tuple(part for part in error["loc"] if not str(part).startswith("function-"))
    message = str(error["msg"]).removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f"{_key_path(location)}: unknown key; check the spelling against the README's config reference"
    if error["type"] == "missing":
        return f"{_key_path(location)}: required, but not set"
    return f"{_key_path(location)} = {json.dumps(error['input'], default=str)}: {message}"


def parse_platform_config(source: ConfigSource) -> PlatformConfig:
    """Validate raw stack config; raises ConfigError naming the stack file, key path, value and what is allowed."""
    known = {field.alias or name for name, field in PlatformConfig.model_fields.items()}
    problems = [
        f"{PROJECT}:{key}: unknown key; known keys are {', '.join(sorted(known | set(SECRET_KEYS)))}"
        for key in source.values
        if key not in known and key not in SECRET_KEYS
    ]
    problems += [
        f"{PROJECT}:{key} is set in plain text; set it with "
        f"`pulumi config set --secret {PROJECT}:{key}` so it is stored encrypted"
        for key in SECRET_KEYS
        if key in source.values and key not in source.secret_keys
    ]
    sections = {key: value for key, value in source.values.items() if key in known}
    model: PlatformConfig | None = None
    try:
        model = PlatformConfig.model_validate(sections)
    except ValidationError as error:
        problems += [_describe(detail) for detail in error.errors()]
    if (
        model is not None
        and model.is_prod
        and model.gateway.auth.type == "simple"
        and "gatewayPassword" not in source.values
    ):
        problems.append(
            f'{PROJECT}:gateway.auth.type = "simple": prod needs a password; set it with '
            f"`pulumi config set --secret {PROJECT}:gatewayPassword`, or use type 'jupyterhub'"
        )
    if model is not None and (model.images.registry_username is None) == ("registryPassword" in source.values):
        problems.append(
            f"{PROJECT}:images.registryUsername and the secret {PROJECT}:registryPassword go together: set both "
            f"to log in to {model.images.registry}, or neither to use the build host's own docker login"
        )
    if problems:
        raise ConfigError(f"{source.stack_file}: invalid configuration\n" + "\n".join(f"  - {p}" for p in problems))
    assert model is not None
    return model


def _decode(value: Any) -> Any:
    """Pulumi passes structured values as JSON text; scalars stay as they are when they are not JSON."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def read_pulumi_config_source() -> ConfigSource:
    """Collect this project's keys from the Pulumi runtime (the real engine or the mocks)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    prefix = f"{PROJECT}:"
    raw: dict[str, Any] = {
        **runtime_config.get_config_env(),
        **runtime_config.CONFIG.get(),
    }
    values = {key.removeprefix(prefix): _decode(value) for key, value in raw.items() if key.startswith(prefix)}
    secret_in_env = set(runtime_config.get_config_secret_keys_env())
    secret_keys = frozenset(
        key.removeprefix(prefix)
        for key in raw
        if key.startswith(prefix) and (key in secret_in_env or runtime_config.is_config_secret(key))
    )
    return ConfigSource(
        stack_file=f"Pulumi.{pulumi.get_stack()}.yaml",
        values=values,
        secret_keys=secret_keys,
    )


@dataclass(frozen=True)
class Secrets:
    """Secret config as Pulumi Outputs: they flow into Kubernetes Secrets and stay encrypted in state."""

    gateway_password: pulumi.Output[str] | None = None
    registry_password: pulumi.Output[str] | None = None
    pip_extra_index_url: pulumi.Output[str] | None = None
    """A private package index for image builds; reaches them as a build secret, never as a build argument."""


@dataclass(frozen=True)
class LoadedConfig:
    platform: PlatformConfig
    secrets: Secrets
    stack_file: str


def load_config() -> LoadedConfig:
    """Read and validate the stack config; raises ConfigError before anything is declared."""
    import pulumi

    from components.catalog import check_catalog

    source = read_pulumi_config_source()
    platform = parse_platform_config(source)
    stale_locks = check_catalog(platform.images)
    if stale_locks:
        message = f"{source.stack_file}: the images section needs lock files that do not match it\n" + "\n".join(
            f"  - {problem}" for problem in stale_locks
        )
        # A preview may look at versions nobody locked yet; an update must not build from the wrong locks.
        if not pulumi.runtime.is_dry_run():
            raise ConfigError(message)
        pulumi.log.warn(message)
    config = pulumi.Config(PROJECT)
    return LoadedConfig(
        platform=platform,
        secrets=Secrets(
            gateway_password=config.get_secret("gatewayPassword"),
            registry_password=config.get_secret("registryPassword"),
            pip_extra_index_url=config.get_secret("pipExtraIndexUrl"),
        ),
        stack_file=source.stack_file,
    )
