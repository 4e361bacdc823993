"""Declared clusters and team namespaces in each stack under Pulumi's mocks, and the prod RAPIDS example."""

from __future__ import annotations

from typing import Any

from render.names import TEAM_LIMIT_RANGE_NAME, TEAM_QUOTA_NAME, USER_CLUSTER_ROLE, USER_SERVICE_ACCOUNT
from tests.helpers import (
    gateway_data,
    one,
    prod_with_rapids_enabled,
    resources_of_type,
    stack_file_value,
    stack_plan,
)

DASK = "kubernetes:kubernetes.dask.org/v1"
TEAMS = "dask-platform:teams:Teams"
PROD_TEAMS = {"team-analytics", "team-ml"}


def custom_resources(resources: list[dict[str, Any]], kind: str | None = None) -> list[dict[str, Any]]:
    prefix = f"{DASK}:{kind}" if kind else f"{DASK}:"
    return [r for r in resources if r["type"].startswith(prefix)]


def named(resources: list[dict[str, Any]], name: str) -> dict[str, Any]:
    (match,) = [r for r in resources if r["inputs"]["metadata"]["name"] == name]
    return match


def test_dev_declares_one_small_autoscaled_cluster_after_the_operator() -> None:
    resources = stack_plan("dev").resources
    (cluster,) = custom_resources(resources, "DaskCluster")
    assert cluster["inputs"]["metadata"]["namespace"] == "dask-users"
    assert cluster["inputs"]["spec"]["worker"]["replicas"] == 0
    (autoscaler,) = custom_resources(resources, "DaskAutoscaler")
    assert autoscaler["inputs"]["spec"]["cluster"] == cluster["inputs"]["metadata"]["name"]
    assert autoscaler["inputs"]["spec"]["maximum"] <= 2
    operator_chart = one("dev", "kubernetes:helm.sh/v4:Chart", "dask-operator-chart")
    for resource in custom_resources(resources):
        assert operator_chart["urn"] in resource["dependencies"], resource["name"]


def test_prod_teams_get_protected_namespaces_with_pod_security_labels() -> None:
    namespaces = [
        r
        for r in resources_of_type("prod", "kubernetes:core/v1:Namespace")
        if r["parent"].endswith(TEAMS + "::dask-teams")
    ]
    assert {n["inputs"]["metadata"]["name"] for n in namespaces} == PROD_TEAMS
    for namespace in namespaces:
        assert namespace["protect"] is True
        assert namespace["inputs"]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"


def test_prod_team_users_are_bound_to_the_user_cluster_role_in_their_namespace() -> None:
    team_resources = [r for r in stack_plan("prod").resources if r["parent"] and TEAMS in r["parent"]]
    bindings = [r for r in team_resources if r["type"] == "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"]
    accounts = [r for r in team_resources if r["type"] == "kubernetes:core/v1:ServiceAccount"]
    assert {a["inputs"]["metadata"]["namespace"] for a in accounts} == PROD_TEAMS
    assert {a["inputs"]["metadata"]["name"] for a in accounts} == {USER_SERVICE_ACCOUNT}
    assert {b["inputs"]["metadata"]["namespace"] for b in bindings} == PROD_TEAMS
    user_role = one("prod", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "dask-operator-user")
    for binding in bindings:
        namespace = binding["inputs"]["metadata"]["namespace"]
        assert binding["inputs"]["roleRef"] == {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": USER_CLUSTER_ROLE,
        }
        assert binding["inputs"]["subjects"] == [
            {"kind": "ServiceAccount", "name": USER_SERVICE_ACCOUNT, "namespace": namespace}
        ]
        assert user_role["urn"] in binding["dependencies"]


def test_prod_team_ml_has_a_gpu_quota_and_container_defaults() -> None:
    quota = one("prod", "kubernetes:core/v1:ResourceQuota", "dask-teams-team-ml-quota")["inputs"]
    assert quota["metadata"] == {
        "name": TEAM_QUOTA_NAME,
        "namespace": "team-ml",
        "labels": {"app.kubernetes.io/part-of": "dask-platform"},
    }
    hard = quota["spec"]["hard"]
    assert hard["requests.nvidia.com/gpu"] == "4"
    assert hard["count/daskclusters.kubernetes.dask.org"] == "3"
    assert {"pods", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"} <= set(hard)
    limit_range = one("prod", "kubernetes:core/v1:LimitRange", "dask-teams-team-ml-defaults")["inputs"]
    assert limit_range["metadata"]["name"] == TEAM_LIMIT_RANGE_NAME
    (defaults,) = limit_range["spec"]["limits"]
    assert defaults["type"] == "Container"
    assert defaults["defaultRequest"] == {"cpu": "500m", "memory": "1Gi"}


def test_a_cluster_in_a_team_namespace_waits_for_the_team_quota() -> None:
    resources = prod_with_rapids_enabled()
    (quota,) = [r for r in resources if r["name"] == "dask-teams-team-ml-quota"]
    rapids = named(custom_resources(resources, "DaskCluster"), "rapids")
    assert quota["urn"] in rapids["dependencies"]


def test_prod_batch_cluster_autoscales_its_default_group_and_keeps_a_highmem_group() -> None:
    resources = stack_plan("prod").resources
    batch = named(custom_resources(resources, "DaskCluster"), "batch")
    assert batch["inputs"]["metadata"]["namespace"] == "dask-batch"
    assert (
        named(custom_resources(resources, "DaskWorkerGroup"), "batch-highmem")["inputs"]["spec"]["cluster"] == "batch"
    )
    assert named(custom_resources(resources, "DaskAutoscaler"), "batch")["inputs"]["spec"] == {
        "cluster": "batch",
        "minimum": 1,
        "maximum": 8,
    }


def test_the_rapids_example_is_in_prod_but_switched_off() -> None:
    (rapids,) = [c for c in stack_file_value("prod", "clusters") if c["name"] == "rapids"]
    assert rapids["enabled"] is False
    names = {r["inputs"]["metadata"]["name"] for r in custom_resources(stack_plan("prod").resources)}
    assert "rapids" not in names


def test_the_rapids_example_switched_on_is_the_documented_gpu_cluster() -> None:
    rapids = named(custom_resources(prod_with_rapids_enabled(), "DaskCluster"), "rapids")["inputs"]
    assert rapids["metadata"]["namespace"] == "team-ml"
    worker = rapids["spec"]["worker"]
    assert worker["replicas"] == 2
    (worker_container,) = worker["spec"]["containers"]
    assert worker_container["args"][:3] == ["dask", "cuda", "worker"]
    assert worker_container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert worker["spec"]["tolerations"] == [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
    assert worker["spec"]["nodeSelector"] == {"nvidia.com/gpu.present": "true"}
    (scheduler,) = rapids["spec"]["scheduler"]["spec"]["containers"]
    dashboard = {p["name"]: p["containerPort"] for p in scheduler["ports"]}["http-dashboard"]
    assert dashboard == 8787
    assert scheduler["readinessProbe"]["httpGet"]["port"] == "http-dashboard"
    assert scheduler["livenessProbe"]["httpGet"]["port"] == "http-dashboard"
    service = rapids["spec"]["scheduler"]["service"]
    assert service["type"] == "ClusterIP"
    assert sorted(p["port"] for p in service["ports"]) == [8786, 8787]


def test_prod_gateway_sends_team_groups_to_their_namespaces() -> None:
    assert gateway_data(stack_plan("prod").resources)["teamNamespaces"] == {
        "analytics": "team-analytics",
        "ml": "team-ml",
    }
    assert gateway_data(stack_plan("dev").resources)["teamNamespaces"] == {}
