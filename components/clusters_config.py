"""Declared Dask clusters and team namespaces in stack config (``dask-platform:clusters``, ``dask-platform:teams``).

A declared cluster becomes operator custom resources: a ``DaskCluster`` (scheduler and default worker group), one
``DaskWorkerGroup`` per extra group and an optional ``DaskAutoscaler``; with a ``job`` it becomes a ``DaskJob``
instead, whose cluster lives as long as the job runs. A team is a namespace with a quota, container defaults
that keep unsized pods inside that quota, and optionally the gateway user groups whose clusters land there.

Rules that need more than one section (namespaces, image profiles, quotas against the clusters in a team's
namespace) are checked by ``check_clusters_and_teams``, which reports each problem at its own key path.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails

from components.config_base import (
    ConfigModel,
    KubernetesName,
    ResourceAmounts,
    Resources,
    cross_section_problem,
    resources_of,
)
from components.quantities import kubernetes_quantity

if TYPE_CHECKING:
    from components.config import PlatformConfig

GPU_RESOURCE = "nvidia.com/gpu"
SCHEDULER_SUFFIX = "-scheduler"
MAX_CLUSTER_NAME = 63 - len(SCHEDULER_SUFFIX)
"""The operator names the scheduler Service ``<cluster>-scheduler``, which must stay a valid 63-character name."""
RESERVED_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


def _positive_gpu_count(value: Any) -> int:
    # bool is an int in Python and "1"/1.0 would be coerced by pydantic: a GPU count is only a whole number.
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError("must be a positive whole number of GPUs per worker, such as 1 or 2")
    return value


def _cluster_name(value: str) -> str:
    if len(value) > MAX_CLUSTER_NAME:
        raise ValueError(
            f"must be at most {MAX_CLUSTER_NAME} characters: the operator names the scheduler "
            f"'<name>{SCHEDULER_SUFFIX}', which Kubernetes limits to 63"
        )
    return value


def _team_name(value: str) -> str:
    if value in RESERVED_NAMESPACES or value.startswith("kube-"):
        raise ValueError("names a namespace Kubernetes reserves for itself; pick another team name")
    return value


GpuCount = Annotated[int, BeforeValidator(_positive_gpu_count)]
ClusterName = Annotated[KubernetesName, AfterValidator(_cluster_name)]
TeamName = Annotated[KubernetesName, AfterValidator(_team_name)]


class Toleration(ConfigModel):
    key: str | None = None
    operator: Literal["Exists", "Equal"] = "Exists"
    value: str | None = None
    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None


def _gpu_node_toleration() -> list[Toleration]:
    # GPU node pools are commonly tainted with nvidia.com/gpu (GKE does it automatically) to keep other pods off.
    return [Toleration(key=GPU_RESOURCE, operator="Exists", effect="NoSchedule")]


class GpuConfig(ConfigModel):
    """GPUs per worker: ``nvidia.com/gpu`` limits, where such nodes are, and ``dask-cuda-worker`` as the command."""

    count: GpuCount
    node_selector: dict[str, str] = Field(default_factory=dict)
    tolerations: list[Toleration] = Field(default_factory=_gpu_node_toleration)


class ImageChoice(ConfigModel):
    """An explicit image or a profile of the image catalog (``images.profiles``); unset means the parent's."""

    image: str | None = Field(None, min_length=1)
    profile: str | None = None

    @model_validator(mode="after")
    def _one_image_source(self) -> ImageChoice:
        if self.image is not None and self.profile is not None:
            raise ValueError(f"sets both image {self.image!r} and profile {self.profile!r}; set one of them")
        return self


class WorkersConfig(ImageChoice):
    replicas: int = Field(1, ge=0)
    resources: Resources = resources_of("1", "2Gi", "1", "2Gi")
    gpu: GpuConfig | None = None
    env: dict[str, str] = Field(default_factory=dict)


class WorkerGroupConfig(WorkersConfig):
    """An extra ``DaskWorkerGroup``, named ``<cluster>-<name>``."""

    name: KubernetesName


class SchedulerConfig(ConfigModel):
    resources: Resources = resources_of("250m", "1Gi", "1", "1Gi")
    service_type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = "ClusterIP"


class AutoscalerConfig(ConfigModel):
    """The operator scales the default worker group between these bounds."""

    minimum: int = Field(ge=0)
    maximum: int = Field(ge=1)

    @model_validator(mode="after")
    def _ordered(self) -> AutoscalerConfig:
        if self.minimum > self.maximum:
            raise ValueError(f"minimum {self.minimum} is above maximum {self.maximum}")
        return self


class JobConfig(ImageChoice):
    """The job runner pod of a ``DaskJob``; the operator points it at the job's scheduler."""

    command: list[str] = Field(min_length=1)
    resources: Resources = resources_of("250m", "512Mi", "1", "1Gi")
    env: dict[str, str] = Field(default_factory=dict)


class DeclaredClusterConfig(ImageChoice):
    """One entry of ``dask-platform:clusters``. Without image and profile it runs the gateway's default worker
    image; a worker group or job without its own choice runs the cluster's."""

    name: ClusterName
    namespace: KubernetesName
    enabled: bool = True
    image_pull_policy: Literal["Always", "IfNotPresent", "Never"] = "IfNotPresent"
    idle_timeout_seconds: int = Field(0, ge=0)
    """The operator deletes the cluster after this long without work; 0 keeps a declared cluster up."""
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)
    env: dict[str, str] = Field(default_factory=dict)
    scheduler: SchedulerConfig = SchedulerConfig()
    worker: WorkersConfig = WorkersConfig()
    worker_groups: list[WorkerGroupConfig] = Field(default_factory=list)
    autoscaler: AutoscalerConfig | None = None
    job: JobConfig | None = None

    @model_validator(mode="after")
    def _consistent(self) -> DeclaredClusterConfig:
        names = [group.name for group in self.worker_groups]
        if "default" in names:
            raise ValueError("workerGroups may not be named 'default': the operator's default worker group is")
        if len(set(names)) != len(names):
            raise ValueError(f"workerGroups lists a name twice: {names}")
        for name in names:
            if len(f"{self.name}-{name}") > 63:
                raise ValueError(f"worker group {name!r}: '{self.name}-{name}' is longer than 63 characters")
        if self.job is not None and (self.worker_groups or self.autoscaler is not None):
            raise ValueError(
                "a cluster with a job is a DaskJob, whose cluster only lives while the job runs; "
                "declare workerGroups and autoscaler on a cluster without a job"
            )
        return self


def _default_quota() -> TeamQuota:
    return TeamQuota(
        pods=20,
        requests=ResourceAmounts(cpu="8", memory="32Gi"),
        limits=ResourceAmounts(cpu="16", memory="64Gi"),
    )


class TeamQuota(Resources):
    """The team namespace's ResourceQuota: totals over all its pods, GPUs and operator clusters."""

    pods: int = Field(gt=0)
    gpus: int = Field(0, ge=0)
    """``requests.nvidia.com/gpu``; 0 keeps GPUs out of the namespace."""
    dask_clusters: int = Field(3, ge=0)
    """How many DaskClusters (``count/daskclusters.kubernetes.dask.org``) may exist at once."""


class TeamConfig(ConfigModel):
    name: TeamName
    """The team's namespace."""
    quota: TeamQuota = Field(default_factory=_default_quota)
    container_defaults: Resources = resources_of("250m", "512Mi", "1", "1Gi")
    """The LimitRange defaults for containers that set no resources of their own."""
    gateway_groups: list[str] = Field(default_factory=list)
    """Gateway users in any of these groups (JupyterHub groups) get their clusters in this namespace."""

    @model_validator(mode="after")
    def _defaults_fit_the_quota(self) -> TeamConfig:
        for kind in ("requests", "limits"):
            for name in ("cpu", "memory"):
                default = getattr(getattr(self.container_defaults, kind), name)
                total = getattr(getattr(self.quota, kind), name)
                if kubernetes_quantity(default) > kubernetes_quantity(total):
                    raise ValueError(
                        f"containerDefaults.{kind}.{name} {default!r} is above quota.{kind}.{name} {total!r}: "
                        "a pod that sets no resources could never start"
                    )
        return self


@dataclass
class Footprint:
    """What a set of pods counts against a ResourceQuota."""

    pods: int = 0
    clusters: int = 0
    gpus: int = 0
    amounts: dict[str, Decimal] = field(default_factory=dict)
    """``requests.cpu``, ``limits.memory`` ... as numbers."""

    def add_pods(self, count: int, resources: Resources, gpus: int = 0) -> None:
        self.pods += count
        self.gpus += count * gpus
        for kind in ("requests", "limits"):
            for name in ("cpu", "memory"):
                key = f"{kind}.{name}"
                amount = kubernetes_quantity(getattr(getattr(resources, kind), name))
                self.amounts[key] = self.amounts.get(key, Decimal(0)) + count * amount


def _worker_groups(cluster: DeclaredClusterConfig) -> Iterator[WorkersConfig]:
    yield cluster.worker
    yield from cluster.worker_groups


def minimum_footprint(clusters: list[DeclaredClusterConfig]) -> Footprint:
    """The pods these clusters keep running at their smallest (the autoscaler never goes below its minimum)."""
    footprint = Footprint()
    for cluster in clusters:
        footprint.clusters += 1
        footprint.add_pods(1, cluster.scheduler.resources)
        if cluster.job is not None:
            footprint.add_pods(1, cluster.job.resources)
        for group in _worker_groups(cluster):
            replicas = group.replicas
            if group is cluster.worker and cluster.autoscaler is not None:
                replicas = max(replicas, cluster.autoscaler.minimum)
            footprint.add_pods(replicas, group.resources, group.gpu.count if group.gpu else 0)
    return footprint


def quota_problems(quota: TeamQuota, needed: Footprint) -> list[str]:
    """Where ``needed`` does not fit ``quota``: one phrase per exceeded item."""
    problems = [
        f"{label} {need} above the quota's {allowed}"
        for label, need, allowed in (
            ("pods", needed.pods, quota.pods),
            ("GPUs", needed.gpus, quota.gpus),
            ("DaskClusters", needed.clusters, quota.dask_clusters),
        )
        if need > allowed
    ]
    for key, need in needed.amounts.items():
        kind, name = key.split(".")
        allowed_text = getattr(getattr(quota, kind), name)
        if need > kubernetes_quantity(allowed_text):
            shown = f"{need / 2**30:.4g}Gi" if name == "memory" else f"{need.normalize():f}"
            problems.append(f"{key} {shown} above the quota's {allowed_text}")
    return problems


def _image_profile_problems(
    index: int, cluster: DeclaredClusterConfig, profiles: list[str]
) -> Iterator[InitErrorDetails]:
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


def check_clusters_and_teams(config: PlatformConfig) -> None:
    """Raise a ValidationError naming the key path of every cross-section problem of clusters and teams."""
    problems: list[InitErrorDetails] = []
    users = list(config.namespaces.users)
    platform = [config.namespaces.gateway, config.operator_namespace, *users]
    seen_teams: set[str] = set()
    group_owner: dict[str, str] = {}
    for index, team in enumerate(config.teams):
        if team.name in platform:
            problems.append(
                cross_section_problem(
                    ("teams", index, "name"),
                    team.name,
                    f"is already a platform namespace ({', '.join(dict.fromkeys(platform))}); teams need their own",
                )
            )
        if team.name in seen_teams:
            problems.append(
                cross_section_problem(("teams", index, "name"), team.name, "names a team that is already listed")
            )
        seen_teams.add(team.name)
        for group in team.gateway_groups:
            if group in group_owner:
                problems.append(
                    cross_section_problem(
                        ("teams", index, "gatewayGroups"),
                        group,
                        f"group {group!r} already sends its clusters to team {group_owner[group]!r}",
                    )
                )
            group_owner.setdefault(group, team.name)
    if config.teams and config.operator.scope == "namespace":
        problems.append(
            cross_section_problem(
                ("teams",),
                [team.name for team in config.teams],
                "team namespaces need operator.scope 'cluster': a namespace-scoped operator watches only "
                f"{config.operator_namespace!r}",
            )
        )
    allowed_namespaces = [*users, *(team.name for team in config.teams)]
    profiles = list(config.images.profiles)
    declared: set[tuple[str, str]] = set()
    for index, cluster in enumerate(config.clusters):
        if cluster.namespace not in allowed_namespaces:
            problems.append(
                cross_section_problem(
                    ("clusters", index, "namespace"),
                    cluster.namespace,
                    f"is neither a user nor a team namespace; use one of {', '.join(allowed_namespaces)}",
                )
            )
        if (cluster.namespace, cluster.name) in declared:
            problems.append(
                cross_section_problem(
                    ("clusters", index, "name"),
                    cluster.name,
                    f"another cluster in namespace {cluster.namespace!r} already has this name",
                )
            )
        declared.add((cluster.namespace, cluster.name))
        problems.extend(_image_profile_problems(index, cluster, profiles))
    for index, team in enumerate(config.teams):
        in_team = [cluster for cluster in config.clusters if cluster.enabled and cluster.namespace == team.name]
        overrun = quota_problems(team.quota, minimum_footprint(in_team))
        if overrun:
            problems.append(
                cross_section_problem(
                    ("teams", index, "quota"),
                    team.quota.model_dump(mode="json", by_alias=True),
                    f"the enabled clusters declared in {team.name!r} need " + "; ".join(overrun),
                )
            )
    if problems:
        raise ValidationError.from_exception_data("PlatformConfig", problems)


def gateway_team_namespaces(teams: list[TeamConfig]) -> dict[str, str]:
    """Gateway user group -> the namespace of the team that lists it, in stack order."""
    namespaces: dict[str, str] = {}
    for team in teams:
        for group in team.gateway_groups:
            namespaces.setdefault(group, team.name)
    return namespaces
