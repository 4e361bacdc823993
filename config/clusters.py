"""Declared Dask clusters in stack config (``dask-platform:clusters``).

A declared cluster becomes operator custom resources: a ``DaskCluster`` (scheduler and default worker group), one
``DaskWorkerGroup`` per extra group and an optional ``DaskAutoscaler``; with a ``job`` it becomes a ``DaskJob``
instead, whose cluster lives as long as the job runs. Rules that need other sections (namespaces, image profiles,
team quotas) live in ``config/platform.py``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from config.types import ConfigModel, KubernetesName, Resources, resources_of

GPU_RESOURCE = "nvidia.com/gpu"
SCHEDULER_SUFFIX = "-scheduler"
MAX_CLUSTER_NAME = 63 - len(SCHEDULER_SUFFIX)
"""The operator names the scheduler Service ``<cluster>-scheduler``, which must stay a valid 63-character name."""


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


GpuCount = Annotated[int, BeforeValidator(_positive_gpu_count)]
ClusterName = Annotated[KubernetesName, AfterValidator(_cluster_name)]


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
