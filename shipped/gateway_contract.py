"""The JSON document ``render/gateway_options.py`` writes and ``shipped/gateway_config.py`` reads, as TypedDicts.

Both ends name these types, so mypy checks every key and value each side writes or reads against the other. Keys
are camelCase because the document is JSON. Nothing here runs inside the gateway: the handler imports this module
only while type checking (it is shipped alone), so the types cost the gateway nothing and need no Python newer
than the Pulumi program's own.
"""

from typing import Any, Literal, NotRequired, TypedDict

Backend = Literal["kubernetes", "local"]
"""Where the gateway starts clusters: Kubernetes pods (the chart's ``KubeBackend``) or local processes."""


class ImageData(TypedDict):
    """The ``image`` option: its default, the images users may choose (empty: any), its length cap."""

    default: str
    allowed: list[str]
    maxLength: int
    refused: NotRequired[list[str]]
    """Images of profiles the user's team may not use; only the handler's per-user view has it."""


class FreeTextData(TypedDict):
    """The characters a free-text option takes, and how a refusal describes them."""

    pattern: str
    help: str


class CoresData(TypedDict):
    default: float
    min: float
    max: float


class MemoryData(TypedDict):
    """The ``worker_memory`` option: sizes as users write them, and in bytes for comparing."""

    maxLength: int
    default: str
    min: str
    max: str
    minBytes: int
    maxBytes: int


class TargetData(TypedDict, total=False):
    """Where an admin-declared option's value goes: one of a cluster setting, an environment variable, a label."""

    clusterConfig: Literal["scheduler_cores", "scheduler_memory", "cluster_max_workers"]
    env: str
    label: str


class ExtraOptionData(TypedDict):
    """An admin-declared option (``gateway.extraOptions``)."""

    name: str
    type: Literal["string", "integer", "float", "bool"]
    label: str
    default: str | int | float | bool
    target: TargetData
    min: NotRequired[float]
    """Integer and float options only, as are ``max``."""
    max: NotRequired[float]
    choices: NotRequired[list[str]]
    maxLength: NotRequired[int]
    bytes: NotRequired[dict[str, int]]
    """Each choice in bytes, for an option that sets the scheduler's memory."""


class ProfileData(TypedDict):
    """The ``profile`` option: each image profile's k8s image."""

    default: str | None
    images: dict[str, str]


class GpuData(TypedDict):
    """The ``worker_gpus`` option: its cap, the images that can use GPUs, and where GPU workers are placed."""

    max: int
    images: list[str]
    podConfig: dict[str, Any]


class OptionsData(TypedDict):
    image: ImageData
    freeText: FreeTextData
    workerCores: CoresData
    workerCoresLimit: CoresData
    workerMemory: MemoryData
    extra: list[ExtraOptionData]
    profile: NotRequired[ProfileData]
    gpu: NotRequired[GpuData]


class ClusterLimitsData(TypedDict):
    """What one cluster and one user may take; a team's own limits have these keys too."""

    clusterMaxCores: float
    clusterMaxMemory: int
    clusterMaxWorkers: int
    clustersPerUser: int | None


class GatewayLimitsData(ClusterLimitsData):
    idleTimeout: float


class TeamLimitsData(TypedDict):
    """A team's own option bounds, cluster limits and profiles, in place of the gateway's for its users."""

    workerCores: CoresData
    workerCoresLimit: CoresData
    workerMemory: MemoryData
    limits: ClusterLimitsData
    profiles: NotRequired[list[str]]


class PodData(TypedDict):
    """What ``KubeClusterConfig`` adds to one kind of pod (scheduler or worker)."""

    extraPodConfig: dict[str, Any]
    extraContainerConfig: dict[str, Any]
    labels: dict[str, str]
    annotations: dict[str, str]


class PodsData(TypedDict):
    scheduler: PodData
    worker: PodData


class CostKeysData(TypedDict):
    """The label key of each cost dimension."""

    user: str
    team: str
    cluster: str
    profile: str
    costCenter: str


class CostTeamData(TypedDict):
    team: str
    costCenter: NotRequired[str]


class CostLabelsData(TypedDict):
    """What the handler labels a cluster's pods with, so their cost splits by user, team, cluster and profile."""

    keys: CostKeysData
    defaultNamespace: str
    teams: dict[str, CostTeamData]
    """By team namespace."""
    profiles: dict[str, str]
    """Each catalog image -> the profile label of the clusters that run it."""
    clusterNameOption: str | None


class GatewayData(TypedDict):
    """The whole document, as it travels in ``DASK_PLATFORM_GATEWAY``."""

    backend: Backend
    options: OptionsData
    teamNamespaces: dict[str, str]
    """Gateway user group -> the namespace its users' clusters run in."""
    teamLimits: dict[str, TeamLimitsData]
    """By team namespace."""
    limits: GatewayLimitsData
    schedulerCommand: list[str]
    workerCommand: list[str]
    passwordEnv: str | None
    passwordRequired: bool
    passwordFile: NotRequired[str]
    pods: NotRequired[PodsData]
    """Kubernetes only."""
    costLabels: NotRequired[CostLabelsData]
    """Kubernetes only."""
    proxyAddress: NotRequired[str]
    """Local only: where the gateway's own scheduler proxy listens."""
