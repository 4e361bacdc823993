"""Each security setting users rely on, one test each, against literal expected values.

These compare the plan with what the documentation promises, never with the program's own constants, so that a
change to a constant (a widened role, a dropped label) fails here instead of refreshing a snapshot.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.helpers import STACKS, gateway_data, one, release_inputs, resources_of_type, stack_plan, variant
from tools.admission import Request, admit

NAMESPACE = "kubernetes:core/v1:Namespace"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"
CLUSTER_ROLE_BINDING = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding"

NON_ROOT_POD = {"runAsNonRoot": True, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}}
DROPPED_PRIVILEGES = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def _containers(pod_spec: dict[str, Any]) -> list[dict[str, Any]]:
    containers: list[dict[str, Any]] = pod_spec["containers"]
    return containers


@pytest.mark.parametrize("stack", STACKS)
def test_every_namespace_warns_and_audits_against_the_restricted_standard(stack: str) -> None:
    for namespace in resources_of_type(stack, NAMESPACE):
        labels = namespace["inputs"]["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/warn"] == "restricted"
        assert labels["pod-security.kubernetes.io/audit"] == "restricted"


@pytest.mark.parametrize(
    ("stack", "expected"),
    [
        ("dev", {"dask-gateway": "restricted", "dask-operator": "restricted", "dask-users": "restricted"}),
        (
            "prod",
            {
                "dask-gateway": "restricted",
                "dask-operator": "restricted",
                "dask-users": "restricted",
                "dask-batch": "restricted",
                "team-analytics": "restricted",
                "team-ml": "restricted",
            },
        ),
    ],
)
def test_every_namespace_enforces_restricted_the_charts_ones_too(stack: str, expected: dict[str, str]) -> None:
    levels = {
        r["inputs"]["metadata"]["name"]: r["inputs"]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
        for r in resources_of_type(stack, NAMESPACE)
    }
    assert levels == expected


@pytest.mark.parametrize(("stack", "protected"), [("dev", False), ("prod", True)])
def test_namespaces_are_protected_from_deletion_in_prod_only(stack: str, protected: bool) -> None:
    assert {r["protect"] for r in resources_of_type(stack, NAMESPACE)} == {protected}


@pytest.mark.parametrize("stack", STACKS)
def test_the_user_role_grants_exactly_the_documented_rules(stack: str) -> None:
    (role,) = resources_of_type(stack, CLUSTER_ROLE)
    assert role["inputs"]["metadata"]["name"] == "dask-platform-user"
    assert role["inputs"]["rules"] == [
        {
            "apiGroups": ["kubernetes.dask.org"],
            "resources": ["daskclusters", "daskworkergroups", "daskworkergroups/scale", "daskjobs", "daskautoscalers"],
            "verbs": ["get", "list", "watch", "patch", "create", "delete"],
        },
        {"apiGroups": [""], "resources": ["pods", "pods/status", "services"], "verbs": ["get", "list", "watch"]},
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_users_get_no_cluster_wide_binding_unless_the_stack_asks(stack: str) -> None:
    assert resources_of_type(stack, CLUSTER_ROLE_BINDING) == []


def test_the_session_pod_runs_as_a_numeric_non_root_user_with_the_runtime_seccomp_profile() -> None:
    (deployment,) = resources_of_type("dev", DEPLOYMENT)
    assert deployment["inputs"]["spec"]["template"]["spec"]["securityContext"] == NON_ROOT_POD


def test_the_session_container_drops_every_capability_and_cannot_escalate() -> None:
    (deployment,) = resources_of_type("dev", DEPLOYMENT)
    (container,) = _containers(deployment["inputs"]["spec"]["template"]["spec"])
    assert container["securityContext"] == DROPPED_PRIVILEGES


def test_the_session_reads_the_gateway_password_from_its_own_secret() -> None:
    resources = variant("dev", secrets={"gatewayPassword": "s3cret"}).resources
    (deployment,) = [r for r in resources if r["type"] == DEPLOYMENT]
    (container,) = _containers(deployment["inputs"]["spec"]["template"]["spec"])
    assert container["env"][-1] == {
        "name": "DASK_GATEWAY__AUTH__KWARGS__PASSWORD",
        "valueFrom": {"secretKeyRef": {"name": "dask-session-gateway-password", "key": "password"}},
    }


def test_the_gateway_reads_its_password_from_a_secret_and_requires_it() -> None:
    resources = variant("dev", secrets={"gatewayPassword": "s3cret"}).resources
    gateway = release_inputs(resources, "dask-gateway")["values"]["gateway"]
    assert gateway["env"][1] == {
        "name": "DASK_GATEWAY_PASSWORD",
        "valueFrom": {"secretKeyRef": {"name": "dask-gateway-password", "key": "password"}},
    }
    data = gateway_data(resources)
    assert (data["passwordEnv"], data["passwordRequired"]) == ("DASK_GATEWAY_PASSWORD", True)
    assert "s3cret" not in json.dumps(resources)


@pytest.mark.parametrize("stack", STACKS)
def test_declared_cluster_pods_run_with_dropped_privileges_and_seccomp(stack: str) -> None:
    clusters = [r for r in stack_plan(stack).resources if r["type"] == "kubernetes:kubernetes.dask.org/v1:DaskCluster"]
    assert clusters
    for cluster in clusters:
        for part in ("scheduler", "worker"):
            pod = cluster["inputs"]["spec"][part]["spec"]
            assert pod["securityContext"] == NON_ROOT_POD
            for container in _containers(pod):
                assert container["securityContext"] == DROPPED_PRIVILEGES


@pytest.mark.parametrize("stack", STACKS)
def test_declared_clusters_start_dask_through_the_dask_command(stack: str) -> None:
    (cluster, *_) = [
        r for r in stack_plan(stack).resources if r["type"] == "kubernetes:kubernetes.dask.org/v1:DaskCluster"
    ]
    spec = cluster["inputs"]["spec"]
    (scheduler,) = _containers(spec["scheduler"]["spec"])
    (worker,) = _containers(spec["worker"]["spec"])
    assert scheduler["args"] == ["dask", "scheduler", "--host", "0.0.0.0"]
    assert worker["args"][:2] == ["dask", "worker"]


@pytest.mark.parametrize("stack", STACKS)
def test_gateway_clusters_start_dask_through_the_dask_command(stack: str) -> None:
    data = gateway_data(stack_plan(stack).resources)
    assert (data["schedulerCommand"], data["workerCommand"]) == (["dask", "scheduler"], ["dask", "worker"])


def test_a_namespace_scoped_operator_gets_a_namespaced_role_and_watches_only_its_namespace() -> None:
    resources = variant(
        "scoped",
        {"environment": "dev", "operator": {"scope": "namespace"}, "namespaces": {"users": ["dask-users"]}},
        from_file=False,
    ).resources
    values = release_inputs(resources, "dask-kubernetes-operator")["values"]
    assert values["rbac"] == {"create": True, "cluster": False}
    assert values["kopfArgs"] == ["--namespace", "dask-users"]
    assert release_inputs(resources, "dask-kubernetes-operator")["namespace"] == "dask-users"


def test_cluster_wide_user_access_is_one_binding_of_the_user_role() -> None:
    resources = variant(
        "wide", {"environment": "dev", "operator": {"userAccess": "cluster"}}, from_file=False
    ).resources
    (binding,) = [r for r in resources if r["type"] == CLUSTER_ROLE_BINDING]
    assert binding["inputs"]["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "dask-platform-user",
    }
    assert binding["inputs"]["subjects"] == [{"kind": "ServiceAccount", "name": "dask-user", "namespace": "dask-users"}]


def test_the_prod_gateway_is_reachable_only_inside_the_cluster() -> None:
    values = one("prod", "kubernetes:helm.sh/v4:Chart", "dask-gateway-chart")["inputs"]["values"]
    assert values["traefik"]["service"]["type"] == "ClusterIP"


POLICY = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicy"
POLICY_BINDING = "kubernetes:admissionregistration.k8s.io/v1:ValidatingAdmissionPolicyBinding"


@pytest.mark.parametrize(
    ("stack", "namespaces"),
    [("dev", ["dask-users"]), ("prod", ["dask-users", "dask-batch", "team-analytics", "team-ml"])],
)
def test_the_admission_policy_is_bound_to_every_user_and_team_namespace(stack: str, namespaces: list[str]) -> None:
    policy = one(stack, POLICY, "dask-admission-policy")["inputs"]
    binding = one(stack, POLICY_BINDING, "dask-admission-binding")
    assert binding["inputs"]["spec"]["policyName"] == policy["metadata"]["name"] == "dask-platform-tenancy"
    assert binding["inputs"]["spec"]["validationActions"] == ["Deny"]
    assert binding["inputs"]["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"] == [
        {"key": "kubernetes.io/metadata.name", "operator": "In", "values": namespaces}
    ]
    assert any(dependency.endswith("::dask-admission-policy") for dependency in binding["dependencies"])


@pytest.mark.parametrize("stack", STACKS)
def test_the_admission_policy_exempts_only_the_controller_the_operator_and_cluster_admins(stack: str) -> None:
    conditions = one(stack, POLICY, "dask-admission-policy")["inputs"]["spec"]["matchConditions"]
    assert conditions == [
        {
            "name": "not-an-exempt-user",
            "expression": "!(request.userInfo.username in ["
            '"system:serviceaccount:dask-gateway:controller-dask-gateway", '
            '"system:serviceaccount:dask-operator:dask-kubernetes-operator"])',
        },
        {"name": "not-in-an-exempt-group", "expression": '!request.userInfo.groups.exists(g, g in ["system:masters"])'},
    ]


@pytest.mark.parametrize("stack", STACKS)
def test_declared_clusters_carry_the_label_the_admission_policy_guards(stack: str) -> None:
    declared = [r for r in stack_plan(stack).resources if r["type"].startswith("kubernetes:kubernetes.dask.org/")]
    assert declared
    assert all(r["inputs"]["metadata"]["labels"]["dask-platform/declared"] == "true" for r in declared)


@pytest.mark.parametrize("stack", STACKS)
def test_the_stacks_declared_clusters_pass_the_admission_policy_and_users_cannot_change_them(stack: str) -> None:
    policy = one(stack, POLICY, "dask-admission-policy")["inputs"]
    binding = one(stack, POLICY_BINDING, "dask-admission-binding")["inputs"]
    user = "system:serviceaccount:dask-users:dask-user"
    declared = [
        r["inputs"] for r in stack_plan(stack).resources if r["type"].startswith("kubernetes:kubernetes.dask.org/")
    ]
    for manifest in declared:
        namespace = manifest["metadata"]["namespace"]
        attached = manifest["kind"] in ("DaskWorkerGroup", "DaskAutoscaler")
        assert admit(policy, binding, Request("CREATE", manifest, namespace, user)).allowed is not attached
        assert admit(policy, binding, Request("CREATE", manifest, namespace, "admin", ("system:masters",))).allowed
        changed = {**manifest, "spec": {**manifest["spec"], "idleTimeout": 1}}
        assert not admit(policy, binding, Request("UPDATE", changed, namespace, user, old_object=manifest)).allowed
