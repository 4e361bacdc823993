"""Cost labels in the plans: the prod gateway's handler gets each team's cost centre, and a declared cluster in a
team's namespace carries it."""

from __future__ import annotations

from tests.helpers import gateway_data, prod_with_rapids_enabled, stack_plan

DASK_CLUSTER = "kubernetes:kubernetes.dask.org/v1:DaskCluster"


def test_the_prod_gateway_labels_pods_with_each_teams_cost_centre() -> None:
    cost = gateway_data(stack_plan("prod").resources)["costLabels"]
    assert cost["teams"] == {
        "team-analytics": {"team": "team-analytics", "costCenter": "cc-4100"},
        "team-ml": {"team": "team-ml", "costCenter": "cc-4200"},
    }
    assert cost["keys"]["costCenter"] == "dask-platform.io/cost-center"
    assert cost["defaultNamespace"] == "dask-users"
    assert cost["clusterNameOption"] == "cluster_name"


def test_a_declared_cluster_in_a_team_namespace_carries_its_cost_centre() -> None:
    (rapids,) = [
        r
        for r in prod_with_rapids_enabled()
        if r["type"] == DASK_CLUSTER and r["inputs"]["metadata"]["name"] == "rapids"
    ]
    labels = rapids["inputs"]["spec"]["worker"]["metadata"]["labels"]
    assert {key: value for key, value in labels.items() if key.startswith("dask-platform.io/")} == {
        "dask-platform.io/user": "declared",
        "dask-platform.io/team": "team-ml",
        "dask-platform.io/cluster": "rapids",
        "dask-platform.io/profile": "custom",
        "dask-platform.io/cost-center": "cc-4200",
    }
