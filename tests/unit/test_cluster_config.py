"""Declared clusters and teams in stack config: valid entries parse, every mistake gets one clear message."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from config.clusters import MAX_CLUSTER_NAME
from config.footprint import minimum_footprint
from render.teams import gateway_team_namespaces
from tests.helpers import error_for, error_naming, parse

GPU_CLUSTER = {
    "name": "rapids",
    "namespace": "team-ml",
    "image": "nvcr.io/nvidia/rapidsai/base:26.02-cuda12-py3.13",
    "worker": {"replicas": 2, "gpu": {"count": 1}},
}


def dev(**sections: Any) -> dict[str, Any]:
    return {"environment": "dev", **sections}


def _bad_team_name(name: str, reason: str, case_id: str) -> Any:
    return pytest.param(dev(teams=[{"name": name}]), [f'dask-platform:teams[0].name = "{name}"', reason], id=case_id)


def team(**changes: Any) -> dict[str, Any]:
    quota = {
        "pods": 10,
        "gpus": 2,
        "requests": {"cpu": "8", "memory": "32Gi"},
        "limits": {"cpu": "16", "memory": "64Gi"},
    }
    return {"name": "team-ml", "quota": quota, **changes}


def gpu_cluster(**changes: Any) -> dict[str, Any]:
    return {**GPU_CLUSTER, **changes}


def test_a_gpu_cluster_in_a_team_namespace_parses_with_gpu_defaults() -> None:
    config = parse(dev(teams=[team()], clusters=[gpu_cluster()]))
    (cluster,) = config.clusters
    assert cluster.worker.gpu is not None
    assert cluster.worker.gpu.count == 1
    assert [t.key for t in cluster.worker.gpu.tolerations] == ["nvidia.com/gpu"]
    assert cluster.enabled
    assert cluster.idle_timeout_seconds == 0


def test_without_clusters_and_teams_nothing_is_declared() -> None:
    config = parse(dev())
    assert config.clusters == []
    assert config.teams == []


def test_the_minimum_footprint_counts_scheduler_workers_gpus_and_the_autoscaler_minimum() -> None:
    config = parse(
        dev(
            teams=[team()],
            clusters=[gpu_cluster(), {"name": "small", "namespace": "team-ml", "worker": {"replicas": 0}}],
        )
    )
    gpu_only = minimum_footprint(config.clusters[:1])
    assert (gpu_only.pods, gpu_only.gpus, gpu_only.clusters) == (3, 2, 1)
    # scheduler 250m + two workers at 1 CPU each
    assert gpu_only.amounts["requests.cpu"] == Decimal("2.25")
    assert gpu_only.amounts["limits.memory"] == (1 + 2 * 2) * 2**30
    with_autoscaler = parse(
        dev(
            clusters=[
                {
                    "name": "small",
                    "namespace": "dask-users",
                    "worker": {"replicas": 3},
                    "autoscaler": {"minimum": 3, "maximum": 5},
                }
            ]
        )
    )
    assert minimum_footprint(with_autoscaler.clusters).pods == 1 + 3


def test_gateway_groups_map_to_their_team_namespaces_in_stack_order() -> None:
    config = parse(
        {
            **dev(teams=[team(gatewayGroups=["ml", "gpu-users"]), {"name": "team-bi", "gatewayGroups": ["analytics"]}]),
            "gateway": {
                "auth": {
                    "type": "jupyterhub",
                    "jupyterhub": {
                        "apiTokenSecretName": "hub-token",
                        "apiUrl": "http://hub.jupyterhub:8081/hub/api",
                        "serviceName": "dask-gateway",
                    },
                }
            },
            "session": {"enabled": False},
        }
    )
    assert gateway_team_namespaces(config.teams) == {"ml": "team-ml", "gpu-users": "team-ml", "analytics": "team-bi"}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param(
            dev(teams=[team()], clusters=[gpu_cluster(worker={"gpu": {"count": 0}})]),
            ["dask-platform:clusters[0].worker.gpu.count = 0", "positive whole number of GPUs"],
            id="zero GPUs",
        ),
        pytest.param(
            dev(teams=[team()], clusters=[gpu_cluster(worker={"gpu": {"count": 1.5}})]),
            ["dask-platform:clusters[0].worker.gpu.count = 1.5", "positive whole number of GPUs"],
            id="fractional GPUs",
        ),
        pytest.param(
            dev(teams=[team()], clusters=[gpu_cluster(worker={"gpu": {"count": "2"}})]),
            ['dask-platform:clusters[0].worker.gpu.count = "2"', "positive whole number of GPUs"],
            id="GPU count as text",
        ),
        pytest.param(
            dev(
                teams=[team()],
                clusters=[gpu_cluster(workerGroups=[{"name": "big", "gpu": {"count": -1}}])],
            ),
            ["dask-platform:clusters[0].workerGroups[0].gpu.count = -1", "positive whole number of GPUs"],
            id="negative GPUs in a worker group",
        ),
        pytest.param(
            dev(clusters=[{"name": "a", "namespace": "dask-users", "autoscaler": {"minimum": 5, "maximum": 2}}]),
            [
                'dask-platform:clusters[0].autoscaler = {"minimum": 5, "maximum": 2}',
                "minimum 5 is above maximum 2",
            ],
            id="autoscaler minimum above maximum",
        ),
        _bad_team_name("Team_ML", "lowercase letters, digits and '-'", case_id="team name not a namespace name"),
        _bad_team_name("kube-ml", "namespace Kubernetes reserves", case_id="team name in Kubernetes' own namespaces"),
        _bad_team_name(
            "dask-users", "already a platform namespace", case_id="team name clashes with a platform namespace"
        ),
        pytest.param(
            dev(clusters=[{"name": "a", "namespace": "dask-users", "profile": "gpu"}]),
            [
                'dask-platform:clusters[0].profile = "gpu"',
                "no such image profile; images.profiles has staging, processor",
            ],
            id="unknown image profile",
        ),
        pytest.param(
            dev(clusters=[{"name": "a", "namespace": "dask-users", "workerGroups": [{"name": "w", "profile": "x"}]}]),
            ['dask-platform:clusters[0].workerGroups[0].profile = "x"', "no such image profile"],
            id="unknown image profile of a worker group",
        ),
        pytest.param(
            dev(clusters=[{"name": "a", "namespace": "elsewhere"}]),
            ['dask-platform:clusters[0].namespace = "elsewhere"', "neither a user nor a team namespace", "dask-users"],
            id="cluster outside user and team namespaces",
        ),
        pytest.param(
            dev(clusters=[{"name": "a", "namespace": "dask-users", "image": "x:1", "profile": "staging"}]),
            ["dask-platform:clusters[0]", "sets both image 'x:1' and profile 'staging'"],
            id="image and profile",
        ),
        pytest.param(
            dev(clusters=[{"name": "a" * (MAX_CLUSTER_NAME + 1), "namespace": "dask-users"}]),
            ["dask-platform:clusters[0].name", f"at most {MAX_CLUSTER_NAME} characters", "-scheduler"],
            id="cluster name too long for the scheduler service",
        ),
        pytest.param(
            dev(clusters=[{"name": "a", "namespace": "dask-users"}, {"name": "a", "namespace": "dask-users"}]),
            ['dask-platform:clusters[1].name = "a"', "already has this name"],
            id="two clusters with one name",
        ),
        pytest.param(
            dev(clusters=[{"name": "a", "namespace": "dask-users", "workerGroups": [{"name": "default"}]}]),
            ['dask-platform:clusters[0].workerGroups[0].name = "default": is the operator\'s own default worker group'],
            id="worker group named like the default group",
        ),
        pytest.param(
            dev(
                clusters=[
                    {
                        "name": "a",
                        "namespace": "dask-users",
                        "job": {"command": ["python", "run.py"]},
                        "autoscaler": {"minimum": 1, "maximum": 2},
                    }
                ]
            ),
            ["dask-platform:clusters[0]", "a cluster with a job is a DaskJob"],
            id="job with an autoscaler",
        ),
        pytest.param(
            dev(
                teams=[
                    team(
                        containerDefaults={
                            "requests": {"cpu": "9", "memory": "1Gi"},
                            "limits": {"cpu": "9", "memory": "1Gi"},
                        }
                    )
                ]
            ),
            ["dask-platform:teams[0]", "containerDefaults.requests.cpu '9' is above quota.requests.cpu '8'"],
            id="container defaults above the quota",
        ),
        pytest.param(
            dev(teams=[team()], clusters=[gpu_cluster(worker={"replicas": 3, "gpu": {"count": 1}})]),
            ["dask-platform:teams[0].quota.gpus = 2: the enabled clusters declared in 'team-ml' need 3 GPUs"],
            id="declared clusters above the team quota",
        ),
        pytest.param(
            dev(teams=[team(gatewayGroups=["ml"]), {"name": "team-bi", "gatewayGroups": ["ml"]}]),
            ['dask-platform:teams[1].gatewayGroups = "ml"', "already sends its clusters to team 'team-ml'"],
            id="one gateway group for two teams",
        ),
        pytest.param(
            dev(teams=[team()], operator={"scope": "namespace"}),
            ["dask-platform:teams", "need operator.scope 'cluster'"],
            id="teams with a single-namespace operator",
        ),
    ],
)
def test_bad_cluster_and_team_input_gets_a_clear_error(values: dict[str, Any], expected: list[str]) -> None:
    assert "Traceback" not in error_naming(values, expected)


def test_a_disabled_cluster_does_not_count_against_its_team_quota() -> None:
    too_big = gpu_cluster(worker={"replicas": 3, "gpu": {"count": 1}})
    error_for(dev(teams=[team()], clusters=[too_big]))
    config = parse(dev(teams=[team()], clusters=[{**too_big, "enabled": False}]))
    assert not config.clusters[0].enabled
