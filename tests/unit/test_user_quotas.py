"""Quotas where most users' clusters run: every user namespace gets a ResourceQuota and a LimitRange, with room
for a number of gateway clusters at the gateway's cluster limits plus what is declared there."""

from __future__ import annotations

from typing import Any

from render.names import TEAM_LIMIT_RANGE_NAME, USER_QUOTA_NAME
from render.user_quotas import user_quota_manifests
from tests.helpers import one, parse, stack_plan

QUOTA = "kubernetes:core/v1:ResourceQuota"
LIMIT_RANGE = "kubernetes:core/v1:LimitRange"
SMALL_WORKERS = {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
GATEWAY = {"clusterMaxCores": 8, "clusterMaxMemory": "16 G", "clusterMaxWorkers": 3}


def hard(stack: str, namespace: str) -> dict[str, str]:
    quota = one(stack, QUOTA, f"dask-user-quotas-{namespace}-quota")["inputs"]
    assert quota["metadata"] == {
        "name": USER_QUOTA_NAME,
        "namespace": namespace,
        "labels": {"app.kubernetes.io/part-of": "dask-platform"},
    }
    result: dict[str, str] = quota["spec"]["hard"]
    return result


def quota_of(values: dict[str, Any], namespace: str = "dask-users") -> dict[str, str]:
    """A dev stack's quota of ``namespace``, without the session unless ``values`` enable it."""
    manifests = user_quota_manifests(parse({"environment": "dev", "session": {"enabled": False}, **values}))
    result: dict[str, str] = manifests[namespace][0]["spec"]["hard"]
    return result


def test_prod_dask_users_has_room_for_four_gateway_clusters_at_the_gateways_limits() -> None:
    # Prod's gateway: clusters of at most 128 cores, 512 G and 32 workers (plus a scheduler each).
    assert hard("prod", "dask-users") == {
        "pods": "132",
        "requests.cpu": "512",
        "requests.memory": "2048Gi",
        "requests.nvidia.com/gpu": "0",
        "count/daskclusters.kubernetes.dask.org": "2",
    }


def test_prod_dask_batch_has_room_for_its_declared_cluster_at_its_largest_and_no_gateway_cluster() -> None:
    # batch: a scheduler of the default 250m and 1Gi, 8 autoscaled workers of 2 cores and 8Gi, one highmem worker
    # of 2 cores and 32Gi.
    quota = hard("prod", "dask-batch")
    assert (quota["pods"], quota["requests.cpu"], quota["requests.memory"]) == ("10", "18250m", "97Gi")
    assert quota["count/daskclusters.kubernetes.dask.org"] == "3"


def test_every_user_namespace_gets_container_defaults() -> None:
    for namespace in ("dask-users", "dask-batch"):
        limit_range = one("prod", LIMIT_RANGE, f"dask-user-quotas-{namespace}-defaults")["inputs"]
        assert limit_range["metadata"]["name"] == TEAM_LIMIT_RANGE_NAME
        assert limit_range["spec"]["limits"] == [
            {
                "type": "Container",
                "defaultRequest": {"cpu": "250m", "memory": "512Mi"},
                "default": {"cpu": "1", "memory": "1Gi"},
            }
        ]


def test_a_declared_cluster_in_a_user_namespace_waits_for_its_quota() -> None:
    resources = stack_plan("prod").resources
    (quota,) = [r for r in resources if r["name"] == "dask-user-quotas-dask-batch-quota"]
    (batch,) = [
        r for r in resources if r["type"].endswith(":DaskCluster") and r["inputs"]["metadata"]["name"] == "batch"
    ]
    assert quota["urn"] in batch["dependencies"]


def test_the_gateway_cluster_count_and_the_cluster_limits_set_the_room() -> None:
    quota = quota_of({"gateway": GATEWAY, "namespaces": {"userQuotas": {"dask-users": {"gatewayClusters": 2}}}})
    assert (quota["pods"], quota["requests.cpu"], quota["requests.memory"]) == ("8", "16", "32Gi")


def test_a_gpu_option_gives_the_gateway_namespace_gpus_for_its_gateway_clusters() -> None:
    gateway = {**GATEWAY, "gpuOption": {"maxPerWorker": 2, "images": ["nvcr.io/nvidia/rapidsai/base:26.02"]}}
    quota = quota_of({"gateway": gateway, "namespaces": {"userQuotas": {"dask-users": {"gatewayClusters": 2}}}})
    # 2 clusters x 3 workers x 2 GPUs.
    assert quota["requests.nvidia.com/gpu"] == "12"


def test_only_the_namespace_gateway_clusters_start_in_gets_room_for_them() -> None:
    values = {"gateway": GATEWAY, "namespaces": {"users": ["dask-users", "dask-other"]}}
    assert quota_of(values, "dask-other") == {
        "pods": "0",
        "requests.cpu": "0",
        "requests.memory": "0",
        "requests.nvidia.com/gpu": "0",
        "count/daskclusters.kubernetes.dask.org": "2",
    }
    assert quota_of(values, "dask-users")["requests.cpu"] == "32"


def test_the_stack_sets_a_namespaces_amounts() -> None:
    user_quota = {"pods": 12, "requests": {"cpu": "6", "memory": "24Gi"}, "gpus": 1, "daskClusters": 1}
    quota = quota_of({"namespaces": {"userQuotas": {"dask-users": user_quota}}})
    assert quota == {
        "pods": "12",
        "requests.cpu": "6",
        "requests.memory": "24Gi",
        "requests.nvidia.com/gpu": "1",
        "count/daskclusters.kubernetes.dask.org": "1",
    }


def test_declared_workers_with_gpus_count_in_the_derived_quota() -> None:
    cluster = {
        "name": "gpu",
        "namespace": "dask-users",
        "worker": {"replicas": 2, "resources": SMALL_WORKERS, "gpu": {"count": 1}},
    }
    quota = quota_of({"namespaces": {"userQuotas": {"dask-users": {"gatewayClusters": 0}}}, "clusters": [cluster]})
    assert (quota["pods"], quota["requests.nvidia.com/gpu"]) == ("3", "2")


def test_the_session_pod_counts_in_its_namespaces_quota() -> None:
    values = {"gateway": GATEWAY, "namespaces": {"userQuotas": {"dask-users": {"gatewayClusters": 0}}}}
    session = {"enabled": True, "resources": SMALL_WORKERS}
    assert quota_of({**values, "session": session})["requests.cpu"] == "500m"
