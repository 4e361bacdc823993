"""The dependency graph under Pulumi's mocks: each resource waits for what it needs and for nothing else, so the
graph grows with the number of teams and clusters, not with its square."""

from __future__ import annotations

from tests.helpers import (
    CHART,
    Resources,
    dependency_edges,
    find,
    plan_with_teams,
    stack_plan,
    variant,
)

NAMESPACE = "kubernetes:core/v1:Namespace"
SERVICE_ACCOUNT = "kubernetes:core/v1:ServiceAccount"
SECRET = "kubernetes:core/v1:Secret"
ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"
CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"
IMAGE = "docker-build:index:Image"
DASK_CLUSTER = "kubernetes:kubernetes.dask.org/v1:DaskCluster"
DEFAULT_IMAGE = "dask-images-base-staging-k8s"
"""The image of both stacks' ``images.defaultProfile``: what a cluster without an image of its own runs."""

EDGES_PER_TEAM = 23
"""A team with one cluster: ServiceAccount 1 (namespace), RoleBinding 3 (namespace, ServiceAccount, ClusterRole),
ResourceQuota 1 and LimitRange 1 (namespace), DaskCluster 5 (namespace, quota, LimitRange, operator chart, image),
ten NetworkPolicies 1 each (namespace): three for ingress, three for egress, prod's object store and three
Prometheus scrape policies (prod has monitoring on); two PodMonitors 1 each (namespace)."""


def urn(resources: Resources, resource_type: str, name: str) -> str:
    urn_: str = find(resources, resource_type, name)["urn"]
    return urn_


def dependencies(resources: Resources, resource_type: str, name: str) -> set[str]:
    return set(find(resources, resource_type, name)["dependencies"])


def test_a_declared_cluster_waits_for_its_namespace_quota_crds_and_image_only() -> None:
    resources = plan_with_teams(3).resources
    expected = {
        urn(resources, NAMESPACE, "dask-teams-team-002"),
        urn(resources, "kubernetes:core/v1:ResourceQuota", "dask-teams-team-002-quota"),
        urn(resources, "kubernetes:core/v1:LimitRange", "dask-teams-team-002-defaults"),
        urn(resources, CHART, "dask-operator-chart"),
        urn(resources, IMAGE, DEFAULT_IMAGE),
    }
    assert dependencies(resources, DASK_CLUSTER, "dask-clusters-team-002-team-002-small-daskcluster") == expected


def test_a_declared_cluster_depends_on_nothing_of_another_team() -> None:
    resources = plan_with_teams(3).resources
    cluster = dependencies(resources, DASK_CLUSTER, "dask-clusters-team-002-team-002-small-daskcluster")
    others = {r["urn"] for r in resources if "team-001" in r["name"] or "team-003" in r["name"]}
    assert others, "the other teams' resources are in the plan"
    assert not cluster & others


def test_dependency_edges_grow_by_a_fixed_number_per_team() -> None:
    # Linear: 30 more teams add 30 times one team's edges. Before, every cluster depended on every child of
    # every team, and 10 -> 40 teams added about 27 times as many edges as this.
    assert dependency_edges(plan_with_teams(40).resources) - dependency_edges(plan_with_teams(10).resources) == (
        30 * EDGES_PER_TEAM
    )


def test_team_and_operator_role_bindings_wait_for_their_own_service_account_only() -> None:
    resources = plan_with_teams(2).resources
    role = urn(resources, CLUSTER_ROLE, "dask-operator-user")
    team = dependencies(resources, ROLE_BINDING, "dask-teams-team-001-user")
    assert team == {
        urn(resources, NAMESPACE, "dask-teams-team-001"),
        urn(resources, SERVICE_ACCOUNT, "dask-teams-team-001-user"),
        role,
    }
    for namespace in ("dask-users", "dask-batch"):
        binding = dependencies(resources, ROLE_BINDING, f"dask-operator-user-{namespace}")
        assert binding == {urn(resources, SERVICE_ACCOUNT, f"dask-operator-user-{namespace}"), role}


def test_the_gateway_waits_for_its_namespace_and_password_secret_only() -> None:
    resources = variant("dev", secrets={"gatewayPassword": "correct horse"}).resources
    chart = dependencies(resources, CHART, "dask-gateway-chart")
    assert chart == {urn(resources, NAMESPACE, "dask-gateway"), urn(resources, SECRET, "dask-gateway-password")}
    assert dependencies(stack_plan("prod").resources, CHART, "dask-gateway-chart") == {
        urn(stack_plan("prod").resources, NAMESPACE, "dask-gateway")
    }


def test_the_session_waits_for_the_gateway_its_namespace_account_secret_and_image() -> None:
    resources = variant("dev", secrets={"gatewayPassword": "correct horse"}).resources
    namespace = urn(resources, NAMESPACE, "dask-users")
    assert dependencies(resources, "kubernetes:apps/v1:Deployment", "dask-session") == {
        urn(resources, CHART, "dask-gateway-chart"),
        namespace,
        urn(resources, SERVICE_ACCOUNT, "dask-operator-user-dask-users"),
        urn(resources, SECRET, "dask-session-gateway-password"),
        urn(resources, IMAGE, DEFAULT_IMAGE),
    }
    assert dependencies(resources, SECRET, "dask-session-gateway-password") == {namespace}


def test_a_worker_group_and_an_autoscaler_wait_for_their_cluster() -> None:
    resources = stack_plan("prod").resources
    cluster = urn(resources, DASK_CLUSTER, "dask-clusters-dask-batch-batch-daskcluster")
    group = "kubernetes:kubernetes.dask.org/v1:DaskWorkerGroup"
    assert cluster in dependencies(resources, group, "dask-clusters-dask-batch-batch-highmem-daskworkergroup")
    autoscaler = "kubernetes:kubernetes.dask.org/v1:DaskAutoscaler"
    assert cluster in dependencies(resources, autoscaler, "dask-clusters-dask-batch-batch-daskautoscaler")
