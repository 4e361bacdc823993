"""Plain Kubernetes manifests for declared Dask clusters and team namespaces, computed from the typed config.

The operator's custom resources (``kubernetes.dask.org/v1``) follow the layout the dask-kubernetes and RAPIDS
documentation use: a scheduler pod with the comm port 8786 and the dashboard port 8787 (health probes on the
dashboard's ``/health``), a Service selecting it, and worker pods that the operator tells where the scheduler is
through ``DASK_SCHEDULER_ADDRESS``. GPU workers run ``dask cuda worker`` with ``nvidia.com/gpu`` limits.

Everything here is plain data: the components hand it to Pulumi unchanged, and the tests validate it against
the CRD schemas shipped in the dask-kubernetes wheel.
"""

from __future__ import annotations

from typing import Any

from config.clusters import (
    GPU_RESOURCE,
    DeclaredClusterConfig,
    GpuConfig,
    ImageChoice,
    WorkersConfig,
    worker_group_name,
)
from config.platform import PlatformConfig
from config.pods import Placement, PodSettings
from render.catalog import profile_image
from render.cost import declared_cost_labels
from render.dask import (
    COMM_PORT,
    CUDA_WORKER_COMMAND,
    DASHBOARD_PORT,
    SCHEDULER_COMMAND,
    WORKER_COMMAND,
    WORKER_DASHBOARD_PORT,
)
from render.names import DECLARED_LABEL, PLATFORM_LABEL
from render.pods import CONTAINER_SECURITY, POD_SECURITY, container_settings, placement_spec, resource_requirements

DASK_API_VERSION = "kubernetes.dask.org/v1"


def _image(config: PlatformConfig, *choices: ImageChoice) -> str:
    """The most specific choice wins; with none, the gateway's default worker image (from the catalog unless
    the stack names one), so declared clusters and gateway clusters run the same libraries."""
    for choice in choices:
        if choice.image is not None:
            return choice.image
        if choice.profile is not None:
            return profile_image(config.images, choice.profile, target="k8s")
    return config.gateway.image.reference


def _container(
    name: str,
    image: str,
    cluster: DeclaredClusterConfig,
    args: list[str],
    resources: dict[str, Any],
    part: PodSettings,
) -> dict[str, Any]:
    return {
        "name": name,
        "image": image,
        "imagePullPolicy": cluster.image_pull_policy,
        "args": args,
        "resources": resources,
        "securityContext": CONTAINER_SECURITY,
        **container_settings(part, env=cluster.env),
    }


def _pod_spec(
    config: PlatformConfig, container: dict[str, Any], part: PodSettings, gpu: GpuConfig | None = None
) -> dict[str, Any]:
    spec: dict[str, Any] = {"containers": [container], "securityContext": POD_SECURITY}
    if config.gateway.image_pull_secrets:
        spec["imagePullSecrets"] = [{"name": name} for name in config.gateway.image_pull_secrets]
    gpu_pool = Placement(node_selector=gpu.node_selector, tolerations=gpu.tolerations) if gpu else Placement()
    spec.update(placement_spec(gpu_pool, part.placement))
    return spec


def _with_pod_metadata(
    cluster: DeclaredClusterConfig, part: PodSettings, section: dict[str, Any], cost: dict[str, str]
) -> dict[str, Any]:
    metadata = {
        # The cost labels last: a stack label cannot make a pod look like someone else's.
        "labels": {**cluster.labels, **part.labels, **cost},
        "annotations": {**cluster.annotations, **part.annotations},
    }
    metadata = {key: value for key, value in metadata.items() if value}
    return {"metadata": metadata, **section} if metadata else section


def worker_args(group: WorkersConfig) -> list[str]:
    if group.gpu is not None:
        # One CUDA worker process per GPU: a fixed dashboard port would clash between them.
        return [*CUDA_WORKER_COMMAND, "--name", "$(DASK_WORKER_NAME)"]
    return [
        *WORKER_COMMAND,
        "--name",
        "$(DASK_WORKER_NAME)",
        "--dashboard",
        "--dashboard-address",
        str(WORKER_DASHBOARD_PORT),
    ]


def worker_spec(config: PlatformConfig, cluster: DeclaredClusterConfig, group: WorkersConfig) -> dict[str, Any]:
    """The ``worker`` section of a DaskCluster or DaskWorkerGroup."""
    image = _image(config, group, cluster)
    container = _container(
        "worker",
        image,
        cluster,
        worker_args(group),
        resource_requirements(
            group.resources, group.extra_resources, {GPU_RESOURCE: str(group.gpu.count)} if group.gpu else None
        ),
        group,
    )
    if group.gpu is None:
        container["ports"] = [{"name": "http-dashboard", "containerPort": WORKER_DASHBOARD_PORT, "protocol": "TCP"}]
    return _with_pod_metadata(
        cluster,
        group,
        {"replicas": group.replicas, "spec": _pod_spec(config, container, group, group.gpu)},
        declared_cost_labels(config, cluster, image, group, cluster),
    )


def _probe(initial_delay: int, period: int) -> dict[str, Any]:
    return {
        "httpGet": {"port": "http-dashboard", "path": "/health"},
        "initialDelaySeconds": initial_delay,
        "periodSeconds": period,
    }


def scheduler_spec(config: PlatformConfig, cluster: DeclaredClusterConfig) -> dict[str, Any]:
    """The ``scheduler`` section: pod with probes on the dashboard, and the Service in front of it."""
    image = _image(config, cluster)
    container = _container(
        "scheduler",
        image,
        cluster,
        [*SCHEDULER_COMMAND, "--host", "0.0.0.0"],
        resource_requirements(cluster.scheduler.resources, cluster.scheduler.extra_resources),
        cluster.scheduler,
    )
    container["ports"] = [
        {"name": "tcp-comm", "containerPort": COMM_PORT, "protocol": "TCP"},
        {"name": "http-dashboard", "containerPort": DASHBOARD_PORT, "protocol": "TCP"},
    ]
    container["readinessProbe"] = _probe(initial_delay=5, period=10)
    container["livenessProbe"] = _probe(initial_delay=15, period=20)
    service = {
        "type": cluster.scheduler.service_type,
        "selector": {"dask.org/cluster-name": cluster.name, "dask.org/component": "scheduler"},
        "ports": [
            {"name": "tcp-comm", "protocol": "TCP", "port": COMM_PORT, "targetPort": "tcp-comm"},
            {"name": "http-dashboard", "protocol": "TCP", "port": DASHBOARD_PORT, "targetPort": "http-dashboard"},
        ],
    }
    return _with_pod_metadata(
        cluster,
        cluster.scheduler,
        {"spec": _pod_spec(config, container, cluster.scheduler), "service": service},
        declared_cost_labels(config, cluster, image, cluster),
    )


def cluster_spec(config: PlatformConfig, cluster: DeclaredClusterConfig) -> dict[str, Any]:
    return {
        "idleTimeout": cluster.idle_timeout_seconds,
        "scheduler": scheduler_spec(config, cluster),
        "worker": worker_spec(config, cluster, cluster.worker),
    }


def _metadata(name: str, cluster: DeclaredClusterConfig) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": cluster.namespace, "labels": dict(PLATFORM_LABEL)}
    metadata["labels"].update(cluster.labels)
    # Last, so that no label of the stack's can unmark it.
    metadata["labels"].update(DECLARED_LABEL)
    if cluster.annotations:
        metadata["annotations"] = dict(cluster.annotations)
    return metadata


def _job_spec(config: PlatformConfig, cluster: DeclaredClusterConfig) -> dict[str, Any]:
    assert cluster.job is not None
    job = cluster.job
    image = _image(config, job, cluster)
    container = _container(
        "job",
        image,
        cluster,
        list(job.command),
        resource_requirements(job.resources, job.extra_resources),
        job,
    )
    # The operator ends the job when the runner pod succeeds or fails; a restarting pod would never finish.
    return _with_pod_metadata(
        cluster,
        job,
        {"spec": {**_pod_spec(config, container, job), "restartPolicy": "Never"}},
        declared_cost_labels(config, cluster, image, job, cluster),
    )


def cluster_manifests(config: PlatformConfig, cluster: DeclaredClusterConfig) -> list[dict[str, Any]]:
    """The custom resources of one declared cluster: a DaskJob, or a DaskCluster with its groups and autoscaler."""
    if cluster.job is not None:
        return [
            {
                "apiVersion": DASK_API_VERSION,
                "kind": "DaskJob",
                "metadata": _metadata(cluster.name, cluster),
                "spec": {"cluster": {"spec": cluster_spec(config, cluster)}, "job": _job_spec(config, cluster)},
            }
        ]
    manifests: list[dict[str, Any]] = [
        {
            "apiVersion": DASK_API_VERSION,
            "kind": "DaskCluster",
            "metadata": _metadata(cluster.name, cluster),
            "spec": cluster_spec(config, cluster),
        }
    ]
    for group in cluster.worker_groups:
        manifests.append(
            {
                "apiVersion": DASK_API_VERSION,
                "kind": "DaskWorkerGroup",
                "metadata": _metadata(worker_group_name(cluster.name, group.name), cluster),
                "spec": {"cluster": cluster.name, "worker": worker_spec(config, cluster, group)},
            }
        )
    if cluster.autoscaler is not None:
        manifests.append(
            {
                "apiVersion": DASK_API_VERSION,
                "kind": "DaskAutoscaler",
                "metadata": _metadata(cluster.name, cluster),
                "spec": {
                    "cluster": cluster.name,
                    "minimum": cluster.autoscaler.minimum,
                    "maximum": cluster.autoscaler.maximum,
                },
            }
        )
    return manifests


def declared_cluster_manifests(config: PlatformConfig) -> list[dict[str, Any]]:
    """Every custom resource of every enabled declared cluster, in stack order."""
    return [
        manifest for cluster in config.clusters if cluster.enabled for manifest in cluster_manifests(config, cluster)
    ]
