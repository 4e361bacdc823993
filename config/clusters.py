"""Declared Dask clusters in stack config (``dask-platform:clusters``).

A declared cluster becomes operator custom resources: a ``DaskCluster`` (scheduler and default worker group), one
``DaskWorkerGroup`` per extra group and an optional ``DaskAutoscaler``; with a ``job`` it becomes a ``DaskJob``
instead, whose cluster lives as long as the job runs. Rules that need other sections (namespaces, image profiles,
team quotas) live in ``config/workload_rules.py``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field, model_validator

from config.pods import PodSettings, Toleration
from config.types import (
    Annotations,
    ConfigModel,
    EnvValues,
    KubernetesName,
    Labels,
    Resources,
    resources_of,
)

GPU_RESOURCE = "nvidia.com/gpu"
SCHEDULER_SUFFIX = "-scheduler"
MAX_CLUSTER_NAME = 63 - len(SCHEDULER_SUFFIX)
"""The operator names the scheduler Service ``<cluster>-scheduler``, which must stay a valid 63-character name."""


def worker_group_name(cluster: str, group: str) -> str:
    """The DaskWorkerGroup of an extra group: named after its cluster, so two clusters' groups can collide."""
    return f"{cluster}-{group}"


def declared_resource_key(namespace: str, object_name: str) -> str:
    """What the Pulumi names of a declared cluster's resources are made of: ``<namespace>-<object>``, so
    ``(a-b, c)`` and ``(a, b-c)`` would meet; config/workload_rules.py refuses such pairs."""
    return f"{namespace}-{object_name}"


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


def _gpu_node_toleration() -> list[Toleration]:
    # GPU node pools are commonly tainted with nvidia.com/gpu (GKE does it automatically) to keep other pods off.
    return [Toleration(key=GPU_RESOURCE, operator="Exists", effect="NoSchedule")]


class GpuConfig(ConfigModel):
    """GPUs per worker: ``nvidia.com/gpu`` limits, where such nodes are, and ``dask-cuda-worker`` as the command."""

    count: GpuCount
    """GPUs per worker (`nvidia.com/gpu`)."""
    node_selector: Labels = Field(default_factory=dict)
    """Node labels that GPU nodes carry."""
    tolerations: list[Toleration] = Field(default_factory=_gpu_node_toleration)
    """Taints of GPU nodes the workers tolerate."""


class ImageChoice(ConfigModel):
    """An explicit image or a profile of the image catalog (``images.profiles``); unset means the parent's."""

    image: str | None = Field(None, min_length=1)
    """An explicit image; unset uses the parent's, or the gateway's default image."""
    profile: str | None = None
    """An image profile of `images.profiles`, whose k8s base image runs."""

    @model_validator(mode="after")
    def _one_image_source(self) -> ImageChoice:
        if self.image is not None and self.profile is not None:
            raise ValueError(f"sets both image {self.image!r} and profile {self.profile!r}; set one of them")
        return self


class WorkersConfig(ImageChoice, PodSettings):
    replicas: int = Field(1, ge=0)
    """Workers to start with."""
    resources: Resources = resources_of("1", "2Gi", "1", "2Gi")
    """Each worker pod's requests and limits."""
    gpu: GpuConfig | None = None


class WorkerGroupConfig(WorkersConfig):
    """An extra ``DaskWorkerGroup``, named ``<cluster>-<name>``."""

    name: KubernetesName
    """The group's name."""


class SchedulerConfig(PodSettings):
    resources: Resources = resources_of("250m", "1Gi", "1", "1Gi")
    """The scheduler pod's requests and limits."""
    service_type: Literal["ClusterIP", "NodePort", "LoadBalancer"] = "ClusterIP"
    """The scheduler Service's type; `NodePort` and `LoadBalancer` need `allowExternal`."""
    allow_external: bool = False
    """Opt in to a scheduler Service reachable from outside the cluster."""


class AutoscalerConfig(ConfigModel):
    """The operator scales the default worker group between these bounds."""

    minimum: int = Field(ge=0)
    """Fewest workers the operator scales to."""
    maximum: int = Field(ge=1)
    """Most workers the operator scales to."""

    @model_validator(mode="after")
    def _ordered(self) -> AutoscalerConfig:
        if self.minimum > self.maximum:
            raise ValueError(f"minimum {self.minimum} is above maximum {self.maximum}")
        return self


class JobConfig(ImageChoice, PodSettings):
    """The job runner pod of a ``DaskJob``; the operator points it at the job's scheduler."""

    command: list[str] = Field(min_length=1)
    """The job runner's command."""
    resources: Resources = resources_of("250m", "512Mi", "1", "1Gi")
    """The job runner pod's requests and limits."""


class DeclaredClusterConfig(ImageChoice):
    """One entry of ``dask-platform:clusters``. Without image and profile it runs the gateway's default worker
    image; a worker group or job without its own choice runs the cluster's."""

    name: ClusterName
    """The DaskCluster's name, unique in its namespace."""
    namespace: KubernetesName
    """A user or team namespace."""
    enabled: bool = True
    """Declare it; `false` keeps the entry without deploying it."""
    image_pull_policy: Literal["Always", "IfNotPresent", "Never"] = "IfNotPresent"
    """The pull policy of the cluster's pods."""
    idle_timeout_seconds: int = Field(0, ge=0)
    """The operator deletes the cluster after this long without work; 0 keeps a declared cluster up."""
    labels: Labels = Field(default_factory=dict)
    """Labels on the custom resources and the cluster's pods."""
    annotations: Annotations = Field(default_factory=dict)
    """Annotations on the custom resources and the cluster's pods."""
    env: EnvValues = Field(default_factory=dict)
    """Environment variables for the pods (never secret values)."""
    scheduler: SchedulerConfig = SchedulerConfig()
    worker: WorkersConfig = WorkersConfig()
    worker_groups: list[WorkerGroupConfig] = Field(default_factory=list)
    """Extra DaskWorkerGroups, named `<cluster>-<name>`."""
    autoscaler: AutoscalerConfig | None = None
    job: JobConfig | None = None
