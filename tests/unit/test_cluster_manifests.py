"""The pure manifest builders: declared clusters as operator resources, team quotas and container defaults."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import kubernetes_validate
import pytest

from config.platform import PlatformConfig
from config.quantities import kubernetes_quantity
from render.catalog import profile_image
from render.clusters import declared_cluster_manifests
from render.teams import team_limit_range, team_quota
from tests.helpers import resolved

KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
RAPIDS_IMAGE = "nvcr.io/nvidia/rapidsai/base:26.02-cuda12-py3.13"


def config_with(clusters: list[dict[str, Any]], teams: list[dict[str, Any]] | None = None) -> PlatformConfig:
    return resolved({"environment": "dev", "clusters": clusters, "teams": teams or []})


def by_kind(manifests: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [manifest for manifest in manifests if manifest["kind"] == kind]


def only_container(pod_spec: dict[str, Any]) -> dict[str, Any]:
    (container,) = pod_spec["containers"]
    return container


def test_a_plain_cluster_runs_the_gateway_default_image_with_a_probed_scheduler_and_its_service() -> None:
    config = config_with([{"name": "small", "namespace": "dask-users", "idleTimeoutSeconds": 600}])
    (cluster,) = declared_cluster_manifests(config)
    assert cluster["apiVersion"] == "kubernetes.dask.org/v1"
    assert cluster["kind"] == "DaskCluster"
    assert cluster["metadata"]["name"] == "small"
    assert cluster["metadata"]["namespace"] == "dask-users"
    spec = cluster["spec"]
    assert spec["idleTimeout"] == 600
    scheduler = only_container(spec["scheduler"]["spec"])
    worker = only_container(spec["worker"]["spec"])
    assert scheduler["image"] == worker["image"] == config.gateway.image.reference
    ports = {port["name"]: port["containerPort"] for port in scheduler["ports"]}
    assert ports == {"tcp-comm": 8786, "http-dashboard": 8787}
    for probe in (scheduler["readinessProbe"], scheduler["livenessProbe"]):
        assert probe["httpGet"] == {"port": "http-dashboard", "path": "/health"}
    service = spec["scheduler"]["service"]
    assert service["type"] == "ClusterIP"
    assert service["selector"] == {"dask.org/cluster-name": "small", "dask.org/component": "scheduler"}
    assert [(p["port"], p["targetPort"]) for p in service["ports"]] == [(8786, "tcp-comm"), (8787, "http-dashboard")]
    assert worker["args"][:4] == ["dask", "worker", "--name", "$(DASK_WORKER_NAME)"]
    assert set(worker["resources"]) == set(scheduler["resources"]) == {"requests", "limits"}


def test_gpu_workers_get_gpu_limits_node_placement_and_dask_cuda_worker() -> None:
    config = config_with(
        [
            {
                "name": "rapids",
                "namespace": "dask-users",
                "image": RAPIDS_IMAGE,
                "worker": {
                    "replicas": 2,
                    "gpu": {"count": 2, "nodeSelector": {"cloud.google.com/gke-accelerator": "nvidia-l4"}},
                },
            }
        ]
    )
    (cluster,) = declared_cluster_manifests(config)
    worker_section = cluster["spec"]["worker"]
    assert worker_section["replicas"] == 2
    pod = worker_section["spec"]
    worker = only_container(pod)
    assert worker["args"] == ["dask", "cuda", "worker", "--name", "$(DASK_WORKER_NAME)"]
    # The CRD schema types resource amounts as strings, as the RAPIDS docs write "1".
    assert worker["resources"]["limits"]["nvidia.com/gpu"] == "2"
    assert "nvidia.com/gpu" not in worker["resources"]["requests"]
    assert pod["nodeSelector"] == {"cloud.google.com/gke-accelerator": "nvidia-l4"}
    assert pod["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    scheduler_pod = cluster["spec"]["scheduler"]["spec"]
    assert "nvidia.com/gpu" not in only_container(scheduler_pod)["resources"]["limits"]
    assert "tolerations" not in scheduler_pod


def test_images_come_from_the_most_specific_choice_and_profiles_from_the_catalog() -> None:
    config = config_with(
        [
            {
                "name": "mixed",
                "namespace": "dask-users",
                "profile": "staging",
                "worker": {"image": "registry.example.org/dask:1"},
                "workerGroups": [{"name": "proc", "profile": "processor"}, {"name": "same"}],
            }
        ]
    )
    cluster, processor_group, same_group = declared_cluster_manifests(config)
    staging = profile_image(config.images, "staging", target="k8s")
    assert only_container(cluster["spec"]["scheduler"]["spec"])["image"] == staging
    assert only_container(cluster["spec"]["worker"]["spec"])["image"] == "registry.example.org/dask:1"
    assert only_container(processor_group["spec"]["worker"]["spec"])["image"] == profile_image(
        config.images, "processor", target="k8s"
    )
    assert only_container(same_group["spec"]["worker"]["spec"])["image"] == staging


def test_worker_groups_and_the_autoscaler_refer_to_their_cluster_by_name() -> None:
    config = config_with(
        [
            {
                "name": "batch",
                "namespace": "dask-users",
                "labels": {"team": "bi"},
                "annotations": {"owner": "bi@example.org"},
                "workerGroups": [{"name": "highmem", "replicas": 3}],
                "autoscaler": {"minimum": 1, "maximum": 6},
            }
        ]
    )
    manifests = declared_cluster_manifests(config)
    assert [m["kind"] for m in manifests] == ["DaskCluster", "DaskWorkerGroup", "DaskAutoscaler"]
    (group,) = by_kind(manifests, "DaskWorkerGroup")
    assert group["metadata"]["name"] == "batch-highmem"
    assert group["spec"]["cluster"] == "batch"
    assert group["spec"]["worker"]["replicas"] == 3
    (autoscaler,) = by_kind(manifests, "DaskAutoscaler")
    assert autoscaler["spec"] == {"cluster": "batch", "minimum": 1, "maximum": 6}
    for manifest in manifests:
        assert manifest["metadata"]["labels"]["team"] == "bi"
        assert manifest["metadata"]["labels"]["app.kubernetes.io/part-of"] == "dask-platform"
    (cluster,) = by_kind(manifests, "DaskCluster")
    assert cluster["spec"]["worker"]["metadata"] == {
        "labels": {
            "team": "bi",
            # Cost attribution (tests/unit/test_cost_labels.py).
            "dask-platform.io/user": "declared",
            "dask-platform.io/team": "dask-users",
            "dask-platform.io/cluster": "batch",
            "dask-platform.io/profile": "staging",
        },
        "annotations": {"owner": "bi@example.org"},
    }


def test_a_cluster_with_a_job_becomes_a_dask_job_whose_runner_pod_does_not_restart() -> None:
    config = config_with(
        [
            {
                "name": "nightly",
                "namespace": "dask-users",
                "env": {"STAGE": "prod"},
                "job": {"command": ["python", "-m", "nightly"], "env": {"DAY": "mon"}},
            }
        ]
    )
    (job,) = declared_cluster_manifests(config)
    assert job["kind"] == "DaskJob"
    runner_pod = job["spec"]["job"]["spec"]
    assert runner_pod["restartPolicy"] == "Never"
    runner = only_container(runner_pod)
    assert runner["args"] == ["python", "-m", "nightly"]
    assert runner["env"] == [{"name": "STAGE", "value": "prod"}, {"name": "DAY", "value": "mon"}]
    # The job's cluster is named after the job, so the scheduler Service selects that name.
    service = job["spec"]["cluster"]["spec"]["scheduler"]["service"]
    assert service["selector"]["dask.org/cluster-name"] == "nightly"


def test_disabled_clusters_declare_nothing() -> None:
    config = config_with([{"name": "off", "namespace": "dask-users", "enabled": False}])
    assert declared_cluster_manifests(config) == []


TEAMS = [
    {"name": "team-bi"},
    {
        "name": "team-ml",
        "quota": {
            "pods": 12,
            "gpus": 4,
            "daskClusters": 2,
            "requests": {"cpu": "6", "memory": "24Gi"},
            "limits": {"cpu": "12", "memory": "48Gi"},
        },
        "containerDefaults": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}},
    },
]


def test_the_team_quota_holds_pods_cpu_memory_gpus_and_operator_clusters() -> None:
    ml = config_with([], TEAMS).teams[1]
    quota = team_quota(ml)
    assert quota["metadata"]["namespace"] == "team-ml"
    assert quota["spec"]["hard"] == {
        "pods": "12",
        "requests.cpu": "6",
        "requests.memory": "24Gi",
        "limits.cpu": "12",
        "limits.memory": "48Gi",
        "requests.nvidia.com/gpu": "4",
        "count/daskclusters.kubernetes.dask.org": "2",
    }
    bi = config_with([], TEAMS).teams[0]
    assert team_quota(bi)["spec"]["hard"]["requests.nvidia.com/gpu"] == "0"


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_quotas_and_limit_ranges_are_valid_kubernetes_objects(version: str) -> None:
    for team in config_with([], TEAMS).teams:
        for manifest in (team_quota(team), team_limit_range(team)):
            kubernetes_validate.validate(manifest, version, strict=True)


def test_kubernetes_validate_catches_a_misspelled_limit_range_field() -> None:
    team = config_with([], TEAMS).teams[0]
    broken = team_limit_range(team)
    broken["spec"]["limits"][0]["defaultRequests"] = broken["spec"]["limits"][0].pop("defaultRequest")
    with pytest.raises(kubernetes_validate.ValidationError, match="defaultRequests"):
        kubernetes_validate.validate(broken, KUBERNETES_VERSIONS[0], strict=True)


def admitted_container_resources(limit_range: dict[str, Any]) -> dict[str, dict[str, str]]:
    """What the LimitRanger admission plugin gives a container that sets no resources: the defaults."""
    (container_limits,) = [item for item in limit_range["spec"]["limits"] if item["type"] == "Container"]
    return {"requests": container_limits["defaultRequest"], "limits": container_limits["default"]}


def usage_of_pods(count: int, resources: dict[str, dict[str, str]]) -> dict[str, Decimal]:
    """The quota usage of ``count`` one-container pods with these resources, keyed like ``spec.hard``."""
    usage = {"pods": Decimal(count), "requests.nvidia.com/gpu": Decimal(0)}
    for kind, amounts in resources.items():
        for name, amount in amounts.items():
            usage[f"{kind}.{name}"] = count * kubernetes_quantity(amount)
    return usage


def fits(usage: dict[str, Decimal], hard: dict[str, str]) -> bool:
    return all(amount <= kubernetes_quantity(hard[key]) for key, amount in usage.items())


@pytest.mark.parametrize("index", range(len(TEAMS)))
def test_a_pod_without_resources_gets_the_defaults_and_lands_inside_the_quota(index: int) -> None:
    team = config_with([], TEAMS).teams[index]
    hard = team_quota(team)["spec"]["hard"]
    defaults = admitted_container_resources(team_limit_range(team))
    # A quota on limits.cpu makes Kubernetes reject pods without a CPU limit; the defaults always provide one.
    compute = {"requests.cpu", "requests.memory", "limits.cpu", "limits.memory"}
    assert compute <= set(hard)
    assert compute <= set(usage_of_pods(1, defaults))
    assert fits(usage_of_pods(1, defaults), hard)
    # The arithmetic is the quota's: as many default pods as the tightest item allows fit, one more does not.
    capacity = min(
        int(kubernetes_quantity(hard[key]) / amount) for key, amount in usage_of_pods(1, defaults).items() if amount > 0
    )
    assert capacity >= 1
    assert fits(usage_of_pods(capacity, defaults), hard)
    assert not fits(usage_of_pods(capacity + 1, defaults), hard)
