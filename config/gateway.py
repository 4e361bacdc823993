"""The dask-gateway release and the cluster options users get: ``dask-platform:gateway``.

Memory in cluster options uses the gateway's own convention (``"2 G"``, powers of 1024), read with the gateway's
own parser, so a bound in the stack means exactly what a user typing ``worker_memory="8 G"`` gets.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field, model_validator

from config.pods import ChartPod, PodSettings, Toleration
from config.quantities import gateway_memory_bytes
from config.types import (
    DASK_GATEWAY_VERSION,
    ChartConfig,
    ConfigModel,
    EnvName,
    GatewayMemory,
    ImageTag,
    KubernetesName,
    LabelKey,
    LabelValue,
    SecretKey,
    matching,
)

HttpUrl = Annotated[str, matching(r"https?://\S+", "an http:// or https:// URL")]
ServiceName = Annotated[str, matching(r"[A-Za-z0-9][-._A-Za-z0-9]*", "a JupyterHub service name, such as dask-gateway")]
OptionName = Annotated[
    str, matching(r"[a-z][a-z0-9_]{0,62}", "an option name: lowercase letters, digits and '_', starting with a letter")
]
BUILT_IN_OPTIONS = ("image", "worker_cores", "worker_cores_limit", "worker_memory", "profile", "worker_gpus")
"""Options the platform itself offers; an admin-declared option takes another name."""
CLUSTER_CONFIG_TARGETS = ("scheduler_cores", "scheduler_memory", "cluster_max_workers")
FREE_TEXT_PATTERN = r"[-A-Za-z0-9 _.,:;/@+=#%~()\[\]]*"
"""What a free-text option (a string option without choices, the image, the worker memory) may contain: no
control characters, quotes, backslashes or ``$``, so a value is safe in a label, an environment variable
(where Kubernetes expands ``$(NAME)``) and a log line."""
FREE_TEXT_HELP = "letters, digits, spaces and - _ . , : ; / @ + = # % ~ ( ) [ ]"
DEFAULT_MAX_LENGTH = 256
"""The longest value of a free-text option unless the stack sets ``maxLength``."""
RESERVED_LABEL_DOMAINS = ("dask.org", "kubernetes.io", "k8s.io")
"""Label prefixes (and their subdomains) that dask-gateway, the operator and Kubernetes select pods by: a user's
value there would let a pod pass for another cluster's, or for a platform component."""
RESERVED_ENV_NAMES = frozenset(
    {"PATH", "HOME", "SHELL", "USER", "HOSTNAME", "DASK_CONFIG", "DASK_ROOT_CONFIG", "DASK_INTERNAL_INHERIT_CONFIG"}
)
RESERVED_ENV_PREFIXES = ("LD_", "PYTHON", "DASK_GATEWAY_", "DASK_PLATFORM_", "DASK_DISTRIBUTED__COMM__")
"""Names the dynamic loader, Python and Dask read before any user code runs, or that carry the gateway's own
settings (its API token, TLS files and address): a user's value there would change how the platform starts."""


def _free_label_key(value: str) -> str:
    prefix = value.rpartition("/")[0]
    for domain in RESERVED_LABEL_DOMAINS:
        if prefix == domain or prefix.endswith(f".{domain}"):
            raise ValueError(
                f"uses the reserved prefix {prefix!r}: {', '.join(RESERVED_LABEL_DOMAINS)} and their subdomains "
                "select pods for the gateway, the operator and Kubernetes; use your own, such as example.com/team"
            )
    return value


def _free_env_name(value: str) -> str:
    if value in RESERVED_ENV_NAMES or value.startswith(RESERVED_ENV_PREFIXES):
        raise ValueError(
            "is reserved (PATH, HOME, LD_*, PYTHON*, DASK_GATEWAY_*, DASK_PLATFORM_*, DASK_DISTRIBUTED__COMM__*, "
            "DASK_CONFIG...): the loader, Python, Dask or the gateway read it before user code"
        )
    return value


OptionLabelKey = Annotated[LabelKey, AfterValidator(_free_label_key)]
OptionEnvName = Annotated[EnvName, AfterValidator(_free_env_name)]


class JupyterHubAuthConfig(ConfigModel):
    """The gateway as a JupyterHub service. The API token comes either from the secret
    `dask-platform:jupyterhubApiToken` (the program creates the Secret in the gateway namespace) or from an
    existing Secret in the gateway namespace named here; a hub in another namespace is reached by `apiUrl`."""

    api_token_secret_name: KubernetesName | None = None
    """An existing Secret in the gateway namespace holding the gateway service's API token."""
    api_token_secret_key: SecretKey = "api-token"
    """The key of that Secret holding the token."""
    api_url: HttpUrl | None = None
    """JupyterHub's API URL, such as `http://hub.jupyterhub.svc.cluster.local:8081/hub/api`."""
    service_name: ServiceName | None = None
    """The name of the gateway's service in JupyterHub; only that service's token is accepted."""


class GatewayAuthConfig(ConfigModel):
    type: Literal["simple", "jupyterhub"] = "simple"
    """How users authenticate: `simple` (a shared password in prod) or `jupyterhub`."""
    jupyterhub: JupyterHubAuthConfig = JupyterHubAuthConfig()


class GatewayServiceConfig(ConfigModel):
    type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = "ClusterIP"
    """How traefik, the gateway's entry point, is exposed; `NodePort` and `LoadBalancer` need `allowExternal`."""
    port: int = Field(80, ge=1, le=65535)
    """Traefik's service port."""
    allow_external: bool = False
    """Opt in to `NodePort` or `LoadBalancer`, which expose the gateway outside the cluster."""


class ImageConfig(ConfigModel):
    """The default scheduler/worker image.

    Unless a stack sets ``name`` or ``tag``, the program uses the image catalog's base image of
    ``images.defaultProfile`` instead (``catalog.with_catalog_images``, before anything is declared); the
    defaults here are the upstream image, what a gateway config on its own falls back to.
    """

    name: str = "ghcr.io/dask/dask-gateway"
    """The default scheduler and worker image's repository; unset uses the catalog's."""
    tag: ImageTag = DASK_GATEWAY_VERSION
    """The default image's tag; unset uses the catalog's."""
    pull_policy: Literal["Always", "IfNotPresent", "Never"] = "IfNotPresent"
    """The image pull policy of gateway clusters' pods."""

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
    """`{default, min, max}` worker cores users may ask for."""
    worker_cores_limit: CoresOption = CoresOption(default=1, min=0.5, max=8)
    """`{default, min, max}` worker core limit users may ask for."""
    worker_memory: MemoryOption = MemoryOption(default="2 G", min="512 M", max="16 G")
    """`{default, min, max}` worker memory, in the gateway's sizes such as `"2 G"`."""
    allowed_images: list[str] = Field(default_factory=list)
    """Images users may pick; empty means any image. The entry ``catalog`` stands for every image the catalog
    builds for Kubernetes (bases, processors, staging)."""


class OptionTarget(ConfigModel):
    """Where an admin-declared option's value goes: one key, or none (the value is only kept with the cluster,
    where `gateway.list_clusters()` shows it, so users find their clusters by it)."""

    cluster_config: Literal["scheduler_cores", "scheduler_memory", "cluster_max_workers"] | None = None
    """A field of the cluster's configuration: scheduler cores, scheduler memory or its worker cap."""
    env: OptionEnvName | None = None
    """An environment variable on the cluster's scheduler and workers; not one the loader, Python or Dask read
    at start (such as `PATH`, `LD_PRELOAD`, `PYTHONPATH`) nor the gateway's own `DASK_GATEWAY_*`."""
    label: OptionLabelKey | None = None
    """A label on the cluster's scheduler and worker pods."""

    @model_validator(mode="after")
    def _at_most_one(self) -> OptionTarget:
        if sum(value is not None for value in (self.cluster_config, self.env, self.label)) > 1:
            raise ValueError("set at most one of clusterConfig, env and label")
        return self


class ExtraOption(ConfigModel):
    """An option admins add to `cluster_options()`, with its bounds and where its value goes."""

    name: OptionName
    """The option's name in `cluster_options()`."""
    type: Literal["string", "integer", "float", "bool"]
    """The option's type."""
    label: str | None = None
    """What the options widget shows; defaults to the name."""
    default: str | int | float | bool
    """The value a cluster gets when the user does not choose."""
    min: float | None = None
    """With `integer` and `float`: the smallest value allowed."""
    max: float | None = None
    """With `integer` and `float`: the largest value allowed."""
    choices: list[str] = Field(default_factory=list)
    """With `string`: the values allowed; empty allows free text (letters, digits, spaces and `-_.,:;/@+=#%~()[]`)."""
    max_length: int | None = Field(None, ge=1, le=4096)
    """With `string` without choices: the longest value allowed; unset allows 256 characters."""
    goes_to: OptionTarget = OptionTarget()
    """Where the value goes; unset keeps it with the cluster only."""


class ProfileOption(ConfigModel):
    """A `profile` option whose choices are the image catalog's profiles; each maps to its k8s base image."""

    enabled: bool = False
    """Offer the option."""


class GpuOption(ConfigModel):
    """A `worker_gpus` option: workers with GPUs land on the GPU pool and may run only GPU-capable images."""

    max_per_worker: int = Field(ge=1)
    """Most GPUs (`nvidia.com/gpu`) one worker may ask for."""
    images: list[str] = Field(min_length=1)
    """The GPU-capable images such workers may run, such as RAPIDS."""
    node_selector: dict[LabelKey, LabelValue] = Field(default_factory=dict)
    """Node labels of the GPU pool."""
    tolerations: list[Toleration] = Field(
        default_factory=lambda: [Toleration(key="nvidia.com/gpu", operator="Exists", effect="NoSchedule")]
    )
    """Taints of the GPU pool that GPU workers tolerate."""


class GatewayConfig(ConfigModel):
    chart: ChartConfig = ChartConfig(version=DASK_GATEWAY_VERSION)
    auth: GatewayAuthConfig = GatewayAuthConfig()
    service: GatewayServiceConfig = GatewayServiceConfig()
    image: ImageConfig = ImageConfig()
    image_pull_secrets: list[KubernetesName] = Field(default_factory=list)
    """Existing Secrets in the cluster namespace that gateway clusters pull images with."""
    cluster_options: ClusterOptionsConfig = ClusterOptionsConfig()
    cluster_max_cores: float = Field(16, gt=0)
    """Most cores one gateway cluster may use in all."""
    cluster_max_memory: GatewayMemory = "64 G"
    """Most memory one gateway cluster may use in all, such as `"64 G"`."""
    cluster_max_workers: int = Field(8, gt=0)
    """Most workers one gateway cluster may run."""
    clusters_per_user: int | None = Field(None, gt=0)
    """Most gateway clusters one user may run at once (pending or running); unset sets no cap."""
    idle_timeout_seconds: int = Field(1800, ge=0)
    """0 disables the idle timeout; prod policy requires it on."""
    cluster_namespace: KubernetesName | None = None
    """Where gateway clusters run; defaults to the first user namespace."""
    api: ChartPod = ChartPod()
    """The gateway API server's pod: placement and resources."""
    controller: ChartPod = ChartPod()
    """The gateway controller's pod: placement and resources."""
    traefik: ChartPod = ChartPod()
    """Traefik's pod, the gateway's entry point: placement and resources."""
    scheduler: PodSettings = PodSettings()
    """What gateway clusters' scheduler pods get: placement, environment, labels, extra resources."""
    worker: PodSettings = PodSettings()
    """What gateway clusters' worker pods get: placement, environment, labels, extra resources."""
    extra_options: list[ExtraOption] = Field(default_factory=list)
    """Options admins add to `cluster_options()` beyond the built-in ones."""
    profile_option: ProfileOption = ProfileOption()
    """A `profile` option that picks the image by the catalog's profile name."""
    gpu_option: GpuOption | None = None
    """A `worker_gpus` option for GPU workers; unset offers none."""
