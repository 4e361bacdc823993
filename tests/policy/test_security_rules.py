"""The pod security, RBAC and exposure rules on small literal resources: each catches a violating input and
allows its near miss, for what we declare and for what a chart renders; findings the pinned charts are known to
have go to the advisory chart-upstream-findings rule instead."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from policy.model import (
    CLUSTER_ROLE,
    CLUSTER_ROLE_BINDING,
    DASK_CLUSTER,
    DOCKER_BUILD_IMAGE,
    GATEWAY_COMPONENT,
    NETWORK_POLICY,
    OPERATOR_COMPONENT,
    ROLE_BINDING,
    SERVICE,
    PolicyContext,
    Resource,
    Violation,
)
from policy.network import NETWORK_POLICY_RULE
from policy.registry import RULES, check_stack
from tests.helpers import chart_child, own_resource

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
POD = "kubernetes:core/v1:Pod"
ROLE = "kubernetes:rbac.authorization.k8s.io/v1:Role"
PROD = PolicyContext(environment="prod")
UPSTREAM = "chart-upstream-findings"
IMAGE = "ghcr.io/dask/dask:2026.1.2"


def _found(resources: list[Resource], rule: str, context: PolicyContext = PROD) -> list[Violation]:
    return [v for v in check_stack(resources, context) if v.rule == rule]


def _safe_pod() -> dict[str, Any]:
    """A pod spec that passes every pod rule: what render/pods.py and the session set."""
    return {
        "securityContext": {"runAsNonRoot": True, "runAsUser": 1000, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "worker", "image": IMAGE, "securityContext": {"allowPrivilegeEscalation": False}}],
        "volumes": [{"name": "scratch", "emptyDir": {}}],
    }


def _deployment(edit: Callable[[dict[str, Any]], Any] = lambda pod: None) -> Resource:
    pod = _safe_pod()
    edit(pod)
    return own_resource(
        DEPLOYMENT, "app", {"metadata": {"namespace": "dask-users"}, "spec": {"template": {"spec": pod}}}
    )


def _container(pod: dict[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = pod["containers"][0]
    return container


def test_the_safe_pod_passes_every_rule() -> None:
    resources = {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
    policy = own_resource(NETWORK_POLICY, "default-deny", {"metadata": {"namespace": "dask-users"}, "spec": {}})
    safe = _deployment(lambda pod: _container(pod).update(resources=resources))
    assert check_stack([safe, policy], PROD) == []


def test_every_new_rule_is_mandatory_in_prod_and_advisory_in_dev() -> None:
    new = [rule for rule in RULES if rule.name.startswith(("pods-", "rbac-no-broad", "rbac-no-cluster-wide"))]
    assert len(new) == 7
    assert {(rule.enforcement("dev"), rule.enforcement("prod")) for rule in new} == {("advisory", "mandatory")}


# Privileged, host paths, host namespaces


def test_privileged_container() -> None:
    [violation] = _found(
        [_deployment(lambda pod: _container(pod)["securityContext"].update(privileged=True))], "pods-not-privileged"
    )
    assert violation.message.startswith("container 'worker' (spec.template.spec) is privileged")


def test_privileged_false_and_privilege_escalation_alone_pass() -> None:
    def near_miss(pod: dict[str, Any]) -> None:
        _container(pod)["securityContext"].update(privileged=False)

    assert _found([_deployment(near_miss)], "pods-not-privileged") == []


def test_privileged_init_container_of_a_dask_cluster() -> None:
    pod = _safe_pod()
    pod["initContainers"] = [{"name": "setup", "image": IMAGE, "securityContext": {"privileged": True}}]
    cluster = own_resource(DASK_CLUSTER, "c", {"spec": {"worker": {"spec": pod}, "scheduler": {"spec": _safe_pod()}}})
    [violation] = _found([cluster], "pods-not-privileged")
    assert "container 'setup' (spec.worker.spec) is privileged" in violation.message


def test_host_path_volume() -> None:
    volume = {"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}}
    [violation] = _found([_deployment(lambda pod: pod["volumes"].append(volume))], "pods-no-host-path")
    assert "volume 'docker' (spec.template.spec.volumes) mounts the node's '/var/run/docker.sock'" in violation.message


def test_other_volumes_pass_the_host_path_rule() -> None:
    volumes = [
        {"name": "config", "configMap": {"name": "x"}},
        {"name": "data", "persistentVolumeClaim": {"claimName": "d"}},
    ]
    assert _found([_deployment(lambda pod: pod["volumes"].extend(volumes))], "pods-no-host-path") == []


@pytest.mark.parametrize("field", ["hostNetwork", "hostPID", "hostIPC"])
def test_host_namespaces(field: str) -> None:
    [violation] = _found([_deployment(lambda pod: pod.update({field: True}))], "pods-no-host-namespaces")
    assert f"sets {field}: it shares the node's" in violation.message


def test_host_namespaces_switched_off_pass() -> None:
    off = {"hostNetwork": False, "hostPID": False, "hostIPC": False}
    assert _found([_deployment(lambda pod: pod.update(off))], "pods-no-host-namespaces") == []


# Running as root


def test_run_as_user_zero_on_the_container_overrides_the_pods_user() -> None:
    [violation] = _found(
        [_deployment(lambda pod: _container(pod)["securityContext"].update(runAsUser=0))], "pods-not-root"
    )
    assert (
        "runs as root (runAsUser 0) and sets runAsNonRoot, so the kubelet will refuse to start it" in violation.message
    )


def test_nothing_proves_a_container_non_root() -> None:
    def unproven(pod: dict[str, Any]) -> None:
        del pod["securityContext"]["runAsNonRoot"], pod["securityContext"]["runAsUser"]

    [violation] = _found([_deployment(unproven)], "pods-not-root")
    assert (
        "may run as root: neither it nor its pod sets runAsNonRoot: true or a non-zero runAsUser" in violation.message
    )


def test_run_as_non_root_false_is_not_proof() -> None:
    def explicit_false(pod: dict[str, Any]) -> None:
        pod["securityContext"] = {"runAsNonRoot": False, "seccompProfile": {"type": "RuntimeDefault"}}

    assert _found([_deployment(explicit_false)], "pods-not-root")


@pytest.mark.parametrize(
    "pod_context, container_context",
    [
        ({"runAsNonRoot": True}, {}),
        ({}, {"runAsNonRoot": True}),
        ({}, {"runAsUser": 1000}),
        ({"runAsUser": 1000.0}, {}),  # the plan's JSON numbers
        ({"runAsNonRoot": False}, {"runAsNonRoot": True}),  # the container's setting wins
    ],
)
def test_non_root_on_the_pod_or_the_container_passes(
    pod_context: dict[str, Any], container_context: dict[str, Any]
) -> None:
    def near_miss(pod: dict[str, Any]) -> None:
        pod["securityContext"] = {**pod_context, "seccompProfile": {"type": "RuntimeDefault"}}
        _container(pod)["securityContext"] = container_context

    assert _found([_deployment(near_miss)], "pods-not-root") == []


def test_an_image_the_stack_builds_runs_as_its_non_root_user() -> None:
    built = "ghcr.io/acme/dask/staging/k8s:py3.13.12-2026.1.2-f8679e34e1da"

    def catalog_image(pod: dict[str, Any]) -> None:
        pod["securityContext"] = {"seccompProfile": {"type": "RuntimeDefault"}}
        _container(pod)["image"] = built + "@sha256:" + "a" * 64

    build = own_resource(DOCKER_BUILD_IMAGE, "staging-k8s", {"tags": [built]})
    assert _found([_deployment(catalog_image), build], "pods-not-root") == []
    assert _found([_deployment(catalog_image)], "pods-not-root")


# Seccomp


def test_no_seccomp_profile() -> None:
    [violation] = _found([_deployment(lambda pod: pod["securityContext"].pop("seccompProfile"))], "pods-seccomp")
    assert (
        "container 'worker' (spec.template.spec) sets no seccomp profile, so it may run unconfined" in violation.message
    )


def test_container_unconfined_overrides_the_pods_profile() -> None:
    def unconfined(pod: dict[str, Any]) -> None:
        _container(pod)["securityContext"]["seccompProfile"] = {"type": "Unconfined"}

    [violation] = _found([_deployment(unconfined)], "pods-seccomp")
    assert "has seccomp profile 'Unconfined'" in violation.message


def test_localhost_profile_on_the_container_passes() -> None:
    def localhost(pod: dict[str, Any]) -> None:
        pod["securityContext"].pop("seccompProfile")
        _container(pod)["securityContext"]["seccompProfile"] = {"type": "Localhost", "localhostProfile": "dask.json"}

    assert _found([_deployment(localhost)], "pods-seccomp") == []


def test_bare_pod_without_seccomp() -> None:
    pod = own_resource(POD, "debug", {"spec": {"containers": [{"name": "shell", "image": IMAGE}]}})
    assert _found([pod], "pods-seccomp")


# Broad bindings


def _binding(resource_type: str, role: str, *subjects: dict[str, str]) -> Resource:
    inputs = {
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": list(subjects),
    }
    return own_resource(resource_type, "binding", inputs)


SERVICE_ACCOUNT = {"kind": "ServiceAccount", "name": "dask-user", "namespace": "dask-users"}


@pytest.mark.parametrize(
    "subject",
    [
        {"kind": "Group", "name": "system:authenticated"},
        {"kind": "Group", "name": "system:unauthenticated"},
        {"kind": "Group", "name": "system:serviceaccounts"},
        {"kind": "Group", "name": "system:serviceaccounts:dask-users"},
        {"kind": "User", "name": "system:anonymous"},
    ],
)
@pytest.mark.parametrize("binding_type", [ROLE_BINDING, CLUSTER_ROLE_BINDING])
def test_binding_to_everyone(binding_type: str, subject: dict[str, str]) -> None:
    [violation] = _found(
        [_binding(binding_type, "dask-platform-user", SERVICE_ACCOUNT, subject)], "rbac-no-broad-bindings"
    )
    assert f"grants 'dask-platform-user' to the {subject['kind']} {subject['name']!r}" in violation.message


def test_binding_to_cluster_admin() -> None:
    [violation] = _found([_binding(ROLE_BINDING, "cluster-admin", SERVICE_ACCOUNT)], "rbac-no-broad-bindings")
    assert violation.message.startswith("RoleBinding binds cluster-admin, which may do anything")


@pytest.mark.parametrize(
    "subject",
    [
        SERVICE_ACCOUNT,
        {"kind": "Group", "name": "dask-admins"},
        {"kind": "Group", "name": "system:serviceaccounts-readers"},  # not the system:serviceaccounts group
        {"kind": "User", "name": "system:authenticated"},  # a user of that name, not the group
    ],
)
def test_bindings_to_named_subjects_pass(subject: dict[str, str]) -> None:
    assert _found([_binding(ROLE_BINDING, "admin-like-but-not-cluster-admin", subject)], "rbac-no-broad-bindings") == []


# Cluster-wide Secrets and exec


def _role(resource_type: str, *rules: dict[str, Any], name: str = "reader") -> Resource:
    return own_resource(resource_type, name, {"rules": list(rules)})


def _cluster_binding(role: str) -> Resource:
    return _binding(CLUSTER_ROLE_BINDING, role, SERVICE_ACCOUNT)


@pytest.mark.parametrize(
    "rule, grant",
    [
        ({"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}, "reads every Secret"),
        ({"apiGroups": [""], "resources": ["secrets"], "verbs": ["list", "watch"]}, "reads every Secret"),
        ({"apiGroups": ["*"], "resources": ["*"], "verbs": ["watch"]}, "reads every Secret"),
        ({"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}, "may exec into every pod"),
        ({"apiGroups": [""], "resources": ["pods/*"], "verbs": ["*"]}, "may exec into every pod"),
        ({"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["get"]}, "may exec into every pod"),
    ],
)
def test_cluster_role_bound_cluster_wide_reads_secrets_or_execs(rule: dict[str, Any], grant: str) -> None:
    resources = [_role(CLUSTER_ROLE, rule), _cluster_binding("reader")]
    violations = _found(resources, "rbac-no-cluster-wide-secrets-or-exec")
    assert violations
    assert f"ClusterRole 'reader', bound cluster-wide by 'binding', {grant} in the cluster" in violations[0].message
    assert violations[0].name == "reader"


@pytest.mark.parametrize(
    "rule",
    [
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["create", "delete"]},  # writes, never reads
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]},  # `pods` does not cover pods/exec
        {"apiGroups": [""], "resources": ["pods/log"], "verbs": ["get"]},
        {"apiGroups": ["apps"], "resources": ["*"], "verbs": ["get"]},  # Secrets are in the core group
        {"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["hub"], "verbs": ["get"]},  # one named Secret
    ],
)
def test_grants_that_neither_read_secrets_nor_exec_pass(rule: dict[str, Any]) -> None:
    resources = [_role(CLUSTER_ROLE, rule), _cluster_binding("reader")]
    assert _found(resources, "rbac-no-cluster-wide-secrets-or-exec") == []


def test_secrets_grant_bound_per_namespace_passes() -> None:
    secrets = {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}
    per_namespace = [_role(CLUSTER_ROLE, secrets), _binding(ROLE_BINDING, "reader", SERVICE_ACCOUNT)]
    assert _found(per_namespace, "rbac-no-cluster-wide-secrets-or-exec") == []
    assert _found([_role(ROLE, secrets)], "rbac-no-cluster-wide-secrets-or-exec") == []


@pytest.mark.parametrize("role", ["admin", "edit", "cluster-admin"])
def test_cluster_role_binding_to_a_built_in_role_that_reads_secrets(role: str) -> None:
    messages = [v.message for v in _found([_cluster_binding(role)], "rbac-no-cluster-wide-secrets-or-exec")]
    assert len(messages) == 2
    assert messages[0].startswith(
        f"ClusterRoleBinding binds the built-in ClusterRole {role!r}, which reads every Secret"
    )


def test_cluster_role_binding_to_view_passes() -> None:
    assert _found([_cluster_binding("view")], "rbac-no-cluster-wide-secrets-or-exec") == []


# Exposure


def _dask_cluster(service_type: str) -> Resource:
    spec = {"scheduler": {"service": {"type": service_type}, "spec": _safe_pod()}, "worker": {"spec": _safe_pod()}}
    return own_resource(DASK_CLUSTER, "batch", {"metadata": {"namespace": "dask-batch"}, "spec": spec})


@pytest.mark.parametrize("service_type", ["LoadBalancer", "NodePort"])
def test_scheduler_service_without_the_clusters_opt_in(service_type: str) -> None:
    [violation] = _found([_dask_cluster(service_type)], "load-balancer-only-when-asked")
    assert violation.message.startswith(f"the scheduler Service of cluster 'batch' in 'dask-batch' is {service_type}")
    assert "set clusters[].scheduler.allowExternal: true for that cluster" in violation.message


def test_scheduler_service_with_the_clusters_opt_in_or_cluster_ip_passes() -> None:
    allowed = dataclasses.replace(PROD, external_schedulers=frozenset({("dask-batch", "batch")}))
    assert _found([_dask_cluster("LoadBalancer")], "load-balancer-only-when-asked", allowed) == []
    other = dataclasses.replace(PROD, external_schedulers=frozenset({("dask-users", "batch")}))
    assert _found([_dask_cluster("LoadBalancer")], "load-balancer-only-when-asked", other)
    assert _found([_dask_cluster("ClusterIP")], "load-balancer-only-when-asked") == []


def test_a_node_port_service_of_our_own_has_no_opt_in() -> None:
    service = own_resource(SERVICE, "debug", {"spec": {"type": "NodePort"}})
    [violation] = _found(
        [service], "load-balancer-only-when-asked", dataclasses.replace(PROD, gateway_external_allowed=True)
    )
    assert "Service 'debug' is NodePort" in violation.message


# Chart objects: the same rules, and the known upstream findings


def _operator_role(resource_type: str = CLUSTER_ROLE, name: str = "dask-kubernetes-operator-role-cluster") -> Resource:
    rule = {"apiGroups": [""], "resources": ["pods", "pods/status"], "verbs": ["*"]}
    return chart_child(OPERATOR_COMPONENT, "dask-operator-chart", resource_type, name, {"rules": [rule]})


def test_the_operators_wildcard_on_pods_is_a_known_upstream_grant_naming_the_namespace_scope() -> None:
    found = _found([_operator_role()], UPSTREAM)
    assert [v.message.split(":")[0] for v in found] == [
        "ClusterRole 'dask-kubernetes-operator-role-cluster' grants every verb ('*') on 'pods'",
        "ClusterRole 'dask-kubernetes-operator-role-cluster' grants every verb ('*') on 'pods/status'",
    ]
    assert "known upstream grant" in found[0].message
    assert "operator.scope: namespace narrows it to a Role" in found[0].message
    # Ours would be refused, mandatory in prod; the chart's is left to the report.
    assert _found([_operator_role()], "rbac-no-wildcards") == []
    ours = own_resource(CLUSTER_ROLE, "ours", {"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]}]})
    assert _found([ours], "rbac-no-wildcards")


def test_an_unreviewed_wildcard_in_a_chart_role_is_reported_as_such() -> None:
    rule = {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["*"]}
    role = chart_child(
        OPERATOR_COMPONENT,
        "dask-operator-chart",
        CLUSTER_ROLE,
        "dask-kubernetes-operator-role-cluster",
        {"rules": [rule]},
    )
    [violation] = _found([role], UPSTREAM)
    assert "not a reviewed upstream grant" in violation.message


def test_a_known_secrets_grant_is_advisory_but_the_same_grant_elsewhere_is_mandatory() -> None:
    secrets = {"rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]}]}
    binding_inputs = {"roleRef": {"kind": "ClusterRole", "name": "traefik-dask-gateway"}, "subjects": [SERVICE_ACCOUNT]}
    known = [
        chart_child(GATEWAY_COMPONENT, "dask-gateway-chart", CLUSTER_ROLE, "traefik-dask-gateway", secrets),
        chart_child(
            GATEWAY_COMPONENT, "dask-gateway-chart", CLUSTER_ROLE_BINDING, "traefik-dask-gateway", binding_inputs
        ),
    ]
    assert _found(known, "rbac-no-cluster-wide-secrets-or-exec") == []
    [report] = _found(known, UPSTREAM)
    assert "traefik's Kubernetes CRD provider watches Secrets" in report.message

    # The controller is not known to read Secrets: after a chart bump that made it, the grant is refused.
    controller = copy.deepcopy(known)
    controller[0] = chart_child(
        GATEWAY_COMPONENT, "dask-gateway-chart", CLUSTER_ROLE, "controller-dask-gateway", secrets
    )
    controller[1] = chart_child(
        GATEWAY_COMPONENT,
        "dask-gateway-chart",
        CLUSTER_ROLE_BINDING,
        "controller-dask-gateway",
        {**binding_inputs, "roleRef": {"kind": "ClusterRole", "name": "controller-dask-gateway"}},
    )
    assert _found(controller, "rbac-no-cluster-wide-secrets-or-exec")
    # The operator chart's objects are not the gateway's, even with the same names.
    operator = [chart_child(OPERATOR_COMPONENT, "dask-operator-chart", r.type, r.object_name, r.inputs) for r in known]
    assert _found(operator, "rbac-no-cluster-wide-secrets-or-exec")


def test_a_chart_pod_that_becomes_privileged_is_refused() -> None:
    pod = _safe_pod()
    _container(pod)["securityContext"]["privileged"] = True
    deployment = chart_child(
        GATEWAY_COMPONENT, "dask-gateway-chart", DEPLOYMENT, "api-dask-gateway", {"spec": {"template": {"spec": pod}}}
    )
    assert _found([deployment], "pods-not-privileged")
    assert _found([deployment], UPSTREAM) == []


def test_a_gateway_chart_pod_without_security_context_is_refused_not_a_known_upstream_finding() -> None:
    # The Chart's transform hardens the chart's pods, so one that runs unhardened is no longer expected.
    pod = {"containers": [{"name": "gateway", "image": "ghcr.io/dask/dask-gateway-server:2026.3.0"}]}
    deployment = chart_child(
        GATEWAY_COMPONENT, "dask-gateway-chart", DEPLOYMENT, "api-dask-gateway", {"spec": {"template": {"spec": pod}}}
    )
    assert _found([deployment], "pods-not-root") and _found([deployment], "pods-seccomp")
    assert _found([deployment], UPSTREAM) == []


def test_upstream_findings_are_advisory_in_every_environment() -> None:
    rule = next(rule for rule in RULES if rule.name == UPSTREAM)
    assert (rule.enforcement("dev"), rule.enforcement("prod")) == ("advisory", "advisory")


# Network policies (written, registered once the stacks declare NetworkPolicies)


def test_workload_in_a_namespace_without_a_network_policy() -> None:
    [violation] = NETWORK_POLICY_RULE.check_stack([_deployment()], PROD)
    assert violation.message.startswith("Deployment 'app' runs in namespace 'dask-users', which has no NetworkPolicy")


def test_workload_next_to_a_network_policy_passes() -> None:
    policy = own_resource(NETWORK_POLICY, "default-deny", {"metadata": {"namespace": "dask-users"}, "spec": {}})
    elsewhere = own_resource(NETWORK_POLICY, "default-deny", {"metadata": {"namespace": "dask-gateway"}, "spec": {}})
    assert NETWORK_POLICY_RULE.check_stack([_deployment(), policy], PROD) == []
    assert NETWORK_POLICY_RULE.check_stack([_deployment(), elsewhere], PROD)
    assert NETWORK_POLICY_RULE in RULES
