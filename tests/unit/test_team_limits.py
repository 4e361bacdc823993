"""A team's own gateway limits, applied to its users by the gateway's option handling.

The data is what the Helm release gets for a gateway with two teams; each request goes through
dask-gateway-server's Kubernetes backend (the per-user ``Options``, the handler, ``KubeClusterConfig``) for users
of different groups.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from dask_gateway_server.backends.base import PublicException
from dask_gateway_server.backends.kubernetes import KubeBackend
from dask_gateway_server.models import User

from config.gateway import GatewayConfig
from config.teams import TeamConfig
from render.gateway_options import gateway_data_of_env, gateway_options_data
from render.teams import gateway_team_namespaces
from tests.helpers import cluster_config_for, kubernetes_backend, one

GIB = 2**30
NEW, OLD = "registry.example.org/acme/dask:py3.13", "registry.example.org/acme/dask:py3.11"
GATEWAY = GatewayConfig.model_validate(
    {
        "clusterOptions": {
            "workerCores": {"default": 1, "min": 0.5, "max": 8},
            "workerCoresLimit": {"default": 2, "min": 0.5, "max": 16},
            "workerMemory": {"default": "4 G", "min": "1 G", "max": "32 G"},
            "allowedImages": [NEW, OLD],
        },
        "clusterMaxCores": 128,
        "clusterMaxMemory": "512 G",
        "clusterMaxWorkers": 32,
        "extraOptions": [
            {"name": "max_workers", "type": "integer", "default": 8, "min": 1, "max": 32,
             "goesTo": {"clusterConfig": "cluster_max_workers"}},
        ],
        "profileOption": {"enabled": True},
    }
)  # fmt: skip
TEAMS = [
    TeamConfig.model_validate(
        {
            "name": "team-analytics",
            "gatewayGroups": ["analytics"],
            "gateway": {
                "workerCores": {"default": 1, "min": 1, "max": 2},
                "workerMemory": {"default": "2 G", "min": "1 G", "max": "4 G"},
                "clusterMaxCores": 16,
                "clusterMaxMemory": "32 G",
                "clusterMaxWorkers": 4,
                "profiles": ["new"],
            },
        }
    ),
    TeamConfig.model_validate({"name": "team-ml", "gatewayGroups": ["ml"]}),
]
ANALYST = User("ana", groups={"analytics"})
ML = User("max", groups={"ml"})
NOBODY = User("nia")


@pytest.fixture
def backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KubeBackend:
    data = gateway_options_data(
        GATEWAY,
        default_image=NEW,
        team_namespaces=gateway_team_namespaces(TEAMS),
        profile_images={"new": NEW, "old": OLD},
        default_profile="old",
        teams=TEAMS,
    )
    return kubernetes_backend(data, tmp_path, monkeypatch)


def refusal(backend: KubeBackend, user: User, request: dict[str, Any]) -> str:
    with pytest.raises(PublicException) as refused:
        cluster_config_for(backend, request, user)
    return str(refused.value)


def shown_options(backend: KubeBackend, user: User) -> dict[str, dict[str, Any]]:
    """What ``gateway.cluster_options()`` shows this user: the backend's options for the user, as the API sends
    them."""
    options = asyncio.run(backend.get_cluster_options(user))
    return {field["field"]: field for field in options.get_specification()}


def test_a_teams_user_sees_the_teams_bounds_and_others_the_gateways(backend: KubeBackend) -> None:
    analyst, nobody = shown_options(backend, ANALYST), shown_options(backend, NOBODY)
    assert (analyst["worker_cores"]["spec"]["min"], analyst["worker_cores"]["spec"]["max"]) == (1, 2)
    assert analyst["worker_memory"]["default"] == "2 G"
    assert (nobody["worker_cores"]["spec"]["min"], nobody["worker_cores"]["spec"]["max"]) == (0.5, 8)
    assert nobody["worker_memory"]["default"] == "4 G"


def test_a_teams_user_is_refused_cores_above_the_teams_bound(backend: KubeBackend) -> None:
    assert refusal(backend, ANALYST, {"worker_cores": 3}) == "worker_cores must be <= 2.000000, got 3.0"
    assert cluster_config_for(backend, {"worker_cores": 3}, NOBODY).worker_cores == 3


def test_a_teams_user_is_refused_memory_above_the_teams_bound(backend: KubeBackend) -> None:
    assert refusal(backend, ANALYST, {"worker_memory": "8 G"}) == (
        "worker_memory must be between '1 G' and '4 G', got '8 G'"
    )
    assert cluster_config_for(backend, {"worker_memory": "8 G"}, ML).worker_memory == 8 * GIB


def test_a_team_without_limits_of_its_own_gets_the_gateways(backend: KubeBackend) -> None:
    cluster = cluster_config_for(backend, {"worker_cores": 8}, ML)
    assert (cluster.namespace, cluster.worker_cores, cluster.cluster_max_cores) == ("team-ml", 8, 128)


def test_a_teams_clusters_get_the_teams_cluster_limits(backend: KubeBackend) -> None:
    cluster = cluster_config_for(backend, {}, ANALYST)
    assert cluster.namespace == "team-analytics"
    assert (cluster.cluster_max_cores, cluster.cluster_max_memory, cluster.cluster_max_workers) == (16, 32 * GIB, 4)
    others = cluster_config_for(backend, {}, NOBODY)
    assert (others.cluster_max_cores, others.cluster_max_memory, others.cluster_max_workers) == (128, 512 * GIB, 8)


def test_a_worker_cap_option_stays_within_the_teams_cluster_max_workers(backend: KubeBackend) -> None:
    assert shown_options(backend, ANALYST)["max_workers"]["default"] == 4
    assert refusal(backend, ANALYST, {"max_workers": 5}) == "max_workers must be <= 4.000000, got 5"
    assert cluster_config_for(backend, {"max_workers": 20}, NOBODY).cluster_max_workers == 20


def test_a_teams_user_may_pick_only_the_teams_profiles(backend: KubeBackend) -> None:
    assert shown_options(backend, ANALYST)["profile"]["spec"]["options"] == ["new"]
    assert shown_options(backend, NOBODY)["profile"]["spec"]["options"] == ["new", "old"]
    assert refusal(backend, ANALYST, {"profile": "old"}) == "profile must be one of new, got 'old'"
    assert cluster_config_for(backend, {}, ANALYST).image == NEW
    assert cluster_config_for(backend, {}, NOBODY).image == OLD


def test_a_teams_user_cannot_name_the_image_of_a_profile_the_team_may_not_use(backend: KubeBackend) -> None:
    assert refusal(backend, ANALYST, {"image": OLD}) == f"image {OLD!r} belongs to a profile your team may not use"
    assert cluster_config_for(backend, {"image": OLD}, NOBODY).image == OLD


@pytest.mark.parametrize("group", ["Analytics", "analytics ", "analytic"])
def test_team_groups_match_exactly(backend: KubeBackend, group: str) -> None:
    cluster = cluster_config_for(backend, {"worker_cores": 3}, User("ana", groups={group}))
    assert cluster.namespace != "team-analytics"
    assert (cluster.worker_cores, cluster.cluster_max_cores) == (3, 128)


def test_prod_analytics_users_get_the_teams_limits_from_the_release(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    values = one("prod", "kubernetes:helm.sh/v4:Chart", "dask-gateway-chart")["inputs"]["values"]
    data = gateway_data_of_env(values["gateway"]["env"])
    assert data is not None
    prod = kubernetes_backend(data, tmp_path, monkeypatch)
    assert refusal(prod, ANALYST, {"worker_cores": 5}) == "worker_cores must be <= 4.000000, got 5.0"
    cluster = cluster_config_for(prod, {}, ANALYST)
    assert (cluster.cluster_max_cores, cluster.cluster_max_memory, cluster.cluster_max_workers) == (16, 64 * GIB, 8)
    assert cluster_config_for(prod, {}, ML).cluster_max_cores == 128
