"""Declared clusters' pods as the operator builds them: our DaskCluster and DaskWorkerGroup manifests through the
operator's own Deployment builders (shipped in the dask-kubernetes wheel), validated as Kubernetes objects, with
the stack's placement, environment and security settings."""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest
from dask_kubernetes.operator.controller import build_scheduler_deployment_spec, build_worker_deployment_spec

from render.clusters import declared_cluster_manifests
from tests.helpers import resolved

POOL = {
    "nodeSelector": {"pool": "dask"},
    "tolerations": [{"key": "pool", "operator": "Exists", "effect": "NoSchedule"}],
}
CLUSTER = {
    "name": "etl",
    "namespace": "dask-users",
    "labels": {"acme.io/team": "data"},
    "env": {"STAGE": "prod"},
    "scheduler": {"placement": POOL, "envFrom": [{"configMapName": "telemetry"}]},
    "worker": {
        "replicas": 2,
        "placement": {
            **POOL,
            "affinity": {
                "nodeAffinity": {
                    "requiredDuringSchedulingIgnoredDuringExecution": {
                        "nodeSelectorTerms": [
                            {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}
                        ]
                    }
                }
            },
        },
        "envValueFrom": {"AWS_SECRET_ACCESS_KEY": {"secretName": "s3", "key": "secret"}},
        "labels": {"acme.io/role": "worker"},
        "extraResources": {"requests": {"ephemeral-storage": "5Gi"}, "limits": {"ephemeral-storage": "10Gi"}},
    },
    "workerGroups": [{"name": "gpu", "gpu": {"count": 1, "nodeSelector": {"nvidia.com/gpu.present": "true"}}}],
}


def manifests() -> dict[str, dict[str, Any]]:
    config = resolved({"environment": "dev", "clusters": [CLUSTER]})
    return {manifest["kind"]: manifest for manifest in declared_cluster_manifests(config)}


def scheduler_deployment() -> dict[str, Any]:
    scheduler = manifests()["DaskCluster"]["spec"]["scheduler"]
    metadata = scheduler.get("metadata", {})
    return build_scheduler_deployment_spec(
        "etl", scheduler["spec"], metadata.get("annotations", {}), metadata.get("labels", {})
    )


def worker_deployment(kind: str = "DaskCluster") -> dict[str, Any]:
    manifest = manifests()[kind]
    worker = manifest["spec"]["worker"]
    metadata = worker.get("metadata", {})
    group = "default" if kind == "DaskCluster" else manifest["metadata"]["name"]
    return build_worker_deployment_spec(
        group,
        "dask-users",
        "etl",
        "abc123",
        worker["spec"],
        metadata.get("annotations", {}),
        metadata.get("labels", {}),
    )


@pytest.mark.parametrize("build", [scheduler_deployment, worker_deployment], ids=["scheduler", "worker"])
def test_the_operators_deployments_are_valid_kubernetes(build: Any) -> None:
    deployment = {**build(), "metadata": {**build()["metadata"], "namespace": "dask-users"}}
    kubernetes_validate.validate(deployment, kubernetes_validate.latest_version(), strict=True)


def test_scheduler_deployment_carries_its_placement_and_env_from_a_config_map() -> None:
    pod = scheduler_deployment()["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"pool": "dask"}
    assert pod["tolerations"] == [{"key": "pool", "operator": "Exists", "effect": "NoSchedule"}]
    (container,) = pod["containers"]
    assert container["envFrom"] == [{"configMapRef": {"name": "telemetry"}}]
    assert {"name": "STAGE", "value": "prod"} in container["env"]


def test_worker_deployment_carries_placement_affinity_and_a_secret_reference() -> None:
    pod = worker_deployment()["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"pool": "dask"}
    assert pod["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"] == [
        {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]}
    ]
    (container,) = pod["containers"]
    assert {
        "name": "AWS_SECRET_ACCESS_KEY",
        "valueFrom": {"secretKeyRef": {"name": "s3", "key": "secret"}},
    } in container["env"]
    assert container["resources"]["limits"]["ephemeral-storage"] == "10Gi"


def test_worker_deployment_carries_cluster_and_part_labels() -> None:
    labels = worker_deployment()["spec"]["template"]["metadata"]["labels"]
    assert (labels["acme.io/team"], labels["acme.io/role"], labels["dask.org/component"]) == (
        "data",
        "worker",
        "worker",
    )


def test_a_gpu_worker_group_adds_the_gpu_pool_to_its_placement() -> None:
    pod = worker_deployment("DaskWorkerGroup")["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]


def test_a_gpu_worker_groups_own_placement_adds_to_the_gpu_pools() -> None:
    spot = {"key": "spot", "operator": "Exists", "effect": "NoSchedule"}
    group = {
        "name": "gpu",
        "gpu": {"count": 1, "nodeSelector": {"nvidia.com/gpu.present": "true"}},
        "placement": {"nodeSelector": {"zone": "a"}, "tolerations": [spot]},
    }
    config = resolved({"environment": "dev", "clusters": [{**CLUSTER, "workerGroups": [group]}]})
    (manifest,) = [m for m in declared_cluster_manifests(config) if m["kind"] == "DaskWorkerGroup"]
    pod = manifest["spec"]["worker"]["spec"]
    assert pod["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}, spot]
    assert pod["nodeSelector"] == {"nvidia.com/gpu.present": "true", "zone": "a"}


@pytest.mark.parametrize("build", [scheduler_deployment, worker_deployment], ids=["scheduler", "worker"])
def test_declared_pods_run_locked_down(build: Any) -> None:
    pod = build()["spec"]["template"]["spec"]
    assert pod["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 1000,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    for container in pod["containers"]:
        assert container["securityContext"] == {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
