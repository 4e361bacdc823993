"""The admission policy on user namespaces, evaluated offline with cel-python as the API server would.

Each attack is a manifest a user of ``dask-users`` may create or change under the ``dask-user`` role: first
shown valid against the operator's CRD schema (or Kubernetes' Pod schema), so only the policy stands in its
way; then refused with the policy's message. Declared clusters as the program renders them, and the pods
dask-gateway-server's own controller builds for a gateway cluster (which mount its credentials), stay allowed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from dask_gateway_server.backends.kubernetes.controller import KubeController
from dask_kubernetes.operator.controller.controller import (
    build_scheduler_deployment_spec,
    build_worker_deployment_spec,
)

from config.gateway import GatewayConfig
from render.admission import admission_manifests, exempt_users
from render.clusters import declared_cluster_manifests
from render.gateway_options import gateway_options_data
from render.session import session_deployment
from tests.helpers import cluster_config_for, error_for, kubernetes_backend, resolved, schema_errors
from tools.admission import Decision, Request, admit

USER = "system:serviceaccount:dask-users:dask-user"
USER_GROUPS = ("system:serviceaccounts", "system:serviceaccounts:dask-users", "system:authenticated")
CONTROLLER = "system:serviceaccount:dask-gateway:controller-dask-gateway"
OPERATOR = "system:serviceaccount:dask-operator:dask-kubernetes-operator"
VICTIM_SECRET = "dask-credentials-3f2a9c0e4b7d4f1a"
CREDENTIALS_REFUSED = (
    "refused: a dask-credentials-* Secret holds a gateway cluster's TLS key and API token, and only the gateway's "
    "controller may mount it or read it into a pod"
)
LABELS_REFUSED = (
    "refused: gateway.dask.org/* labels mark the gateway's cluster pods, which its NetworkPolicies let in; only the "
    "gateway's controller sets them"
)
DECLARED_REFUSED = (
    "refused: the stack declares this cluster (label dask-platform/declared); change it in the stack's clusters "
    "and run pulumi up"
)
ATTACHED_REFUSED = (
    "refused: spec.cluster names a cluster the stack declares; a worker group or autoscaler of yours may only join a "
    "cluster of yours"
)
STACK = {
    "environment": "dev",
    "clusters": [
        {"name": "batch", "namespace": "dask-users", "workerGroups": [{"name": "big"}]},
        {"name": "nightly", "namespace": "dask-users", "job": {"command": ["python", "-m", "nightly"]}},
    ],
}
CONFIG = resolved(STACK)
POLICY, BINDING = admission_manifests(CONFIG)
DECLARED = {m["kind"]: m for m in declared_cluster_manifests(CONFIG)}


def as_users_own(manifest: dict[str, Any], name: str = "mine") -> dict[str, Any]:
    """A declared manifest as a user would write it for a cluster of their own: no declared label."""
    own = copy.deepcopy(manifest)
    own["metadata"] = {"name": name, "namespace": "dask-users"}
    if isinstance(own["spec"].get("cluster"), str):
        own["spec"]["cluster"] = "mine"
    return own


def worker_pod_spec(manifest: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = manifest["spec"]["worker"]["spec"]
    return spec


def user_pod() -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "probe", "namespace": "dask-users"},
        "spec": copy.deepcopy(worker_pod_spec(DECLARED["DaskCluster"])),
    }


def create(manifest: dict[str, Any], username: str = USER, groups: tuple[str, ...] = USER_GROUPS) -> Decision:
    return admit(POLICY, BINDING, Request("CREATE", manifest, "dask-users", username, groups))


def update(
    old: dict[str, Any], new: dict[str, Any], username: str = USER, groups: tuple[str, ...] = USER_GROUPS
) -> Decision:
    return admit(POLICY, BINDING, Request("UPDATE", new, "dask-users", username, groups, old_object=old))


def schema_valid(manifest: dict[str, Any]) -> None:
    """The manifest passes the API server's own schema: only the policy can refuse it."""
    if manifest["kind"] == "Pod":
        kubernetes_validate.validate(manifest, "1.30.0", strict=True)
    else:
        assert schema_errors(manifest) == []


def _mount(spec: dict[str, Any]) -> None:
    spec["volumes"] = [{"name": "stolen", "secret": {"secretName": VICTIM_SECRET}}]
    spec["containers"][0]["volumeMounts"] = [{"name": "stolen", "mountPath": "/stolen"}]


def _env_value_from(spec: dict[str, Any]) -> None:
    reference = {"secretKeyRef": {"name": VICTIM_SECRET, "key": "api-token"}}
    spec["containers"][0]["env"] = [{"name": "TOKEN", "valueFrom": reference}]


def _env_from(spec: dict[str, Any]) -> None:
    spec["containers"][0]["envFrom"] = [{"secretRef": {"name": VICTIM_SECRET}}]


def _projected(spec: dict[str, Any]) -> None:
    sources = [{"configMap": {"name": "settings"}}, {"secret": {"name": VICTIM_SECRET}}]
    spec["volumes"] = [{"name": "bundle", "projected": {"sources": sources}}]
    spec["containers"][0]["volumeMounts"] = [{"name": "bundle", "mountPath": "/bundle"}]


def _init_container(spec: dict[str, Any]) -> None:
    spec["initContainers"] = [
        {
            "name": "copy",
            "image": spec["containers"][0]["image"],
            "command": ["sh", "-c", "env > /dev/termination-log"],
            "envFrom": [{"secretRef": {"name": VICTIM_SECRET}}],
        }
    ]


ATTACKS: dict[str, Callable[[dict[str, Any]], None]] = {
    "volume mount": _mount,
    "env valueFrom": _env_value_from,
    "envFrom": _env_from,
    "projected volume": _projected,
    "init container": _init_container,
}


@pytest.mark.parametrize("attack", ATTACKS)
def test_a_user_daskcluster_reading_another_clusters_credentials_is_refused(attack: str) -> None:
    hostile = as_users_own(DECLARED["DaskCluster"])
    ATTACKS[attack](worker_pod_spec(hostile))
    schema_valid(hostile)
    assert create(hostile).refusals == (CREDENTIALS_REFUSED,)


ELSEWHERE_IN_A_USERS_RESOURCE = [
    pytest.param("DaskCluster", ("spec", "scheduler", "spec"), _mount, id="daskcluster-scheduler-mount"),
    pytest.param("DaskWorkerGroup", ("spec", "worker", "spec"), _env_from, id="daskworkergroup-worker-envfrom"),
    pytest.param("DaskJob", ("spec", "job", "spec"), _mount, id="daskjob-runner-mount"),
    pytest.param(
        "DaskJob", ("spec", "cluster", "spec", "worker", "spec"), _projected, id="daskjob-cluster-worker-projected"
    ),
]


@pytest.mark.parametrize(("kind", "pod_spec_path", "attack"), ELSEWHERE_IN_A_USERS_RESOURCE)
def test_the_credentials_in_any_pod_of_a_users_dask_resource_are_refused(
    kind: str, pod_spec_path: tuple[str, ...], attack: Callable[[dict[str, Any]], None]
) -> None:
    hostile = as_users_own(DECLARED[kind])
    pod_spec = hostile
    for key in pod_spec_path:
        pod_spec = pod_spec[key]
    attack(pod_spec)
    schema_valid(hostile)
    assert create(hostile).refusals == (CREDENTIALS_REFUSED,)


def test_a_pod_mounting_the_credentials_is_refused() -> None:
    hostile = user_pod()
    _mount(hostile["spec"])
    schema_valid(hostile)
    assert create(hostile).refusals == (CREDENTIALS_REFUSED,)


def test_an_ephemeral_container_added_with_the_credentials_is_refused() -> None:
    old = user_pod()
    new = copy.deepcopy(old)
    new["spec"]["ephemeralContainers"] = [
        {"name": "debug", "image": "busybox:1.37", "envFrom": [{"secretRef": {"name": VICTIM_SECRET}}]}
    ]
    schema_valid(new)
    request = Request(
        "UPDATE", new, "dask-users", USER, USER_GROUPS, old_object=old, sub_resource="ephemeralcontainers"
    )
    assert admit(POLICY, BINDING, request).refusals == (CREDENTIALS_REFUSED,)


def test_a_user_daskcluster_with_forged_gateway_labels_is_refused() -> None:
    hostile = as_users_own(DECLARED["DaskCluster"])
    hostile["metadata"]["labels"] = {"gateway.dask.org/cluster": "dask-gateway.3f2a9c0e4b7d4f1a"}
    schema_valid(hostile)
    assert create(hostile).refusals == (LABELS_REFUSED,)


def test_forged_gateway_labels_on_a_pod_template_are_refused() -> None:
    hostile = as_users_own(DECLARED["DaskWorkerGroup"])
    hostile["spec"]["worker"]["metadata"] = {"labels": {"gateway.dask.org/instance": "dask-gateway"}}
    schema_valid(hostile)
    assert create(hostile).refusals == (LABELS_REFUSED,)


def test_a_user_patching_forged_labels_onto_their_own_cluster_is_refused() -> None:
    old = as_users_own(DECLARED["DaskCluster"])
    new = copy.deepcopy(old)
    new["metadata"]["labels"] = {"gateway.dask.org/cluster": "dask-gateway.3f2a9c0e4b7d4f1a"}
    assert update(old, new).refusals == (LABELS_REFUSED,)


def test_a_users_update_of_the_declared_batch_cluster_is_refused() -> None:
    old = DECLARED["DaskCluster"]
    new = copy.deepcopy(old)
    worker_pod_spec(new)["containers"][0]["image"] = "registry.example.org/evil:1"
    schema_valid(new)
    assert update(old, new).refusals == (DECLARED_REFUSED,)


def test_a_user_cannot_unmark_a_declared_cluster_to_change_it() -> None:
    old = DECLARED["DaskWorkerGroup"]
    new = copy.deepcopy(old)
    new["metadata"]["labels"] = {}
    new["spec"]["worker"]["replicas"] = 40
    assert update(old, new).refusals == (DECLARED_REFUSED, ATTACHED_REFUSED)


def test_a_declared_cluster_is_admitted_for_the_deployer_and_its_pod_specs_for_anyone() -> None:
    for manifest in declared_cluster_manifests(CONFIG):
        assert create(manifest, "kubernetes-admin", ("system:masters", "system:authenticated")).allowed
        # Only the deployer may attach worker groups to a declared cluster; nothing else in them is refused.
        expected = (ATTACHED_REFUSED,) if manifest["kind"] == "DaskWorkerGroup" else ()
        assert create(manifest).refusals == expected


def test_the_deployer_and_the_operator_may_change_a_declared_cluster() -> None:
    old = DECLARED["DaskCluster"]
    new = copy.deepcopy(old)
    new["spec"]["worker"]["replicas"] = 3
    assert update(old, new, "kubernetes-admin", ("system:masters", "system:authenticated")) == Decision(False)
    assert update(old, new, OPERATOR, ("system:serviceaccounts",)) == Decision(False)


def test_finalizers_on_a_declared_cluster_may_change_for_the_garbage_collector() -> None:
    old = DECLARED["DaskCluster"]
    new = copy.deepcopy(old)
    new["metadata"]["finalizers"] = ["foregroundDeletion"]
    assert update(old, new, "system:serviceaccount:kube-system:generic-garbage-collector").allowed


def test_a_user_may_create_and_scale_their_own_cluster() -> None:
    own = as_users_own(DECLARED["DaskCluster"])
    assert create(own).allowed
    scaled = copy.deepcopy(own)
    scaled["spec"]["worker"]["replicas"] = 4
    assert update(own, scaled).allowed


def test_a_stack_exempt_user_is_not_checked() -> None:
    config = resolved({**STACK, "admission": {"exemptUsers": ["system:serviceaccount:ci:deployer"]}})
    policy, binding = admission_manifests(config)
    old = DECLARED["DaskCluster"]
    new = copy.deepcopy(old)
    new["spec"]["worker"]["replicas"] = 3
    request = Request("UPDATE", new, "dask-users", "system:serviceaccount:ci:deployer", old_object=old)
    assert admit(policy, binding, request) == Decision(False)
    assert exempt_users(config) == [CONTROLLER, OPERATOR, "system:serviceaccount:ci:deployer"]


def test_namespaces_outside_the_user_and_team_namespaces_are_not_bound() -> None:
    hostile = user_pod()
    _mount(hostile["spec"])
    assert admit(POLICY, BINDING, Request("CREATE", hostile, "dask-gateway", USER)) == Decision(False)
    prod_like = resolved(
        {"environment": "dev", "namespaces": {"users": ["dask-users", "dask-batch"]}, "teams": [{"name": "team-ml"}]}
    )
    _, binding = admission_manifests(prod_like)
    (expression,) = binding["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"]
    assert expression == {
        "key": "kubernetes.io/metadata.name",
        "operator": "In",
        "values": ["dask-users", "dask-batch", "team-ml"],
    }


# ---------------------------------------------------------------------------------------------------------------
# The gateway's own pods, from dask-gateway-server's controller


def gateway_pods(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    gateway = GatewayConfig()
    data = gateway_options_data(
        gateway, default_image=CONFIG.gateway.image.reference, profile_images={}, default_profile=None
    )
    backend = kubernetes_backend(data, tmp_path, monkeypatch)
    controller = KubeController(config=backend.config, gateway_instance="dask-gateway", api_url="http://api:8000/api")
    cluster = cluster_config_for(backend, {})
    name = VICTIM_SECRET.removeprefix("dask-credentials-")
    pods = [controller.make_pod("dask-users", name, cluster), controller.make_pod("dask-users", name, cluster, True)]
    for pod in pods:
        pod.setdefault("apiVersion", "v1")
        pod.setdefault("kind", "Pod")
    return pods


def test_the_gateway_controllers_own_pods_mount_the_credentials_and_are_admitted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for pod in gateway_pods(tmp_path, monkeypatch):
        volumes = {volume["name"]: volume for volume in pod["spec"]["volumes"]}
        assert volumes["dask-credentials"]["secret"]["secretName"] == VICTIM_SECRET
        assert "gateway.dask.org/cluster" in pod["metadata"]["labels"]
        assert create(pod, CONTROLLER, ("system:serviceaccounts", "system:authenticated")) == Decision(False)
        assert create(pod).refusals == (CREDENTIALS_REFUSED, LABELS_REFUSED)


# ---------------------------------------------------------------------------------------------------------------
# The objects themselves


@pytest.mark.parametrize("version", ["1.30.0", kubernetes_validate.latest_version()])
def test_the_policy_and_binding_are_valid_kubernetes_objects(version: str) -> None:
    for manifest in (POLICY, BINDING):
        kubernetes_validate.validate(manifest, version, strict=True)


def test_the_policy_refuses_failing_expressions_and_matches_what_users_may_create() -> None:
    assert POLICY["spec"]["failurePolicy"] == "Fail"
    assert BINDING["spec"]["validationActions"] == ["Deny"]
    rules = {tuple(rule["apiGroups"]): rule for rule in POLICY["spec"]["matchConstraints"]["resourceRules"]}
    assert rules[("",)]["resources"] == ["pods", "pods/ephemeralcontainers"]
    assert rules[("kubernetes.dask.org",)]["resources"] == [
        "daskclusters",
        "daskworkergroups",
        "daskjobs",
        "daskautoscalers",
        "daskclusters/scale",
        "daskworkergroups/scale",
    ]


def test_admission_can_be_switched_off_for_clusters_before_kubernetes_1_30() -> None:
    assert admission_manifests(resolved({**STACK, "admission": {"enabled": False}})) == []


def test_exempting_every_authenticated_user_is_refused() -> None:
    message = error_for({"environment": "dev", "admission": {"exemptGroups": ["system:authenticated"]}})
    assert message == (
        'Pulumi.test.yaml: dask-platform:admission.exemptGroups = ["system:authenticated"]: '
        "'system:authenticated' holds every user or ServiceAccount, which would switch the policy off"
    )


def test_a_user_patching_a_credentials_mount_into_their_own_cluster_is_refused() -> None:
    old = as_users_own(DECLARED["DaskCluster"])
    new = copy.deepcopy(old)
    _env_value_from(worker_pod_spec(new))
    schema_valid(new)
    assert update(old, new).refusals == (CREDENTIALS_REFUSED,)


REPLICASET_CONTROLLER = "system:serviceaccount:kube-system:replicaset-controller"


def pod_of(deployment: dict[str, Any]) -> dict[str, Any]:
    """The Pod the ReplicaSet controller creates from a Deployment's template."""
    template = deployment["spec"]["template"]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": template["metadata"], "spec": template["spec"]}


def test_the_pods_the_operator_builds_for_a_declared_cluster_are_admitted() -> None:
    # The operator makes Deployments; their pods are created by the ReplicaSet controller, which is checked.
    cluster = DECLARED["DaskCluster"]
    labels = cluster["metadata"]["labels"]
    scheduler = build_scheduler_deployment_spec("batch", cluster["spec"]["scheduler"]["spec"], {}, labels)
    worker = build_worker_deployment_spec(
        "batch-default", "dask-users", "batch", "1a2b", worker_pod_spec(cluster), {}, labels
    )
    for deployment in (scheduler, worker):
        pod = pod_of(deployment)
        assert pod["metadata"]["labels"]["dask-platform/declared"] == "true"
        assert create(pod, REPLICASET_CONTROLLER, ("system:serviceaccounts",)).allowed


def test_the_session_pod_is_admitted() -> None:
    pod = pod_of(session_deployment(CONFIG, with_password=True))
    assert create(pod, REPLICASET_CONTROLLER, ("system:serviceaccounts",)).allowed


def test_a_user_worker_group_joining_the_declared_batch_cluster_is_refused() -> None:
    hostile = as_users_own(DECLARED["DaskWorkerGroup"], name="batch-extra")
    hostile["spec"]["cluster"] = "batch"
    schema_valid(hostile)
    assert create(hostile).refusals == (ATTACHED_REFUSED,)
    hostile["spec"]["cluster"] = "mine"
    assert create(hostile).allowed


def test_a_user_autoscaler_for_the_declared_batch_cluster_is_refused() -> None:
    autoscaler = {
        "apiVersion": "kubernetes.dask.org/v1",
        "kind": "DaskAutoscaler",
        "metadata": {"name": "batch", "namespace": "dask-users"},
        "spec": {"cluster": "batch", "minimum": 1, "maximum": 500},
    }
    schema_valid(autoscaler)
    assert create(autoscaler).refusals == (ATTACHED_REFUSED,)


@pytest.mark.parametrize(("resource", "name"), [("daskworkergroups", "batch-default"), ("daskclusters", "batch")])
def test_a_user_scaling_a_declared_cluster_through_the_scale_subresource_is_refused(resource: str, name: str) -> None:
    def rescale(of: str, replicas: int) -> Request:
        def scale(count: int) -> dict[str, Any]:
            metadata = {"name": of, "namespace": "dask-users"}
            return {"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": metadata, "spec": {"replicas": count}}

        return Request(
            "UPDATE",
            scale(replicas),
            "dask-users",
            USER,
            USER_GROUPS,
            old_object=scale(1),
            resource=resource,
            resource_api_version="kubernetes.dask.org/v1",
            sub_resource="scale",
        )

    assert admit(POLICY, BINDING, rescale(name, 200)).refusals == (DECLARED_REFUSED,)
    assert admit(POLICY, BINDING, rescale("mine-default", 2)).allowed


@pytest.mark.parametrize(
    ("admission", "expected"),
    [
        (
            {"exemptUsers": ["system:serviceaccount:dask-users:dask-user"]},
            'dask-platform:admission.exemptUsers[0] = "system:serviceaccount:dask-users:dask-user": is a '
            "ServiceAccount of the user namespace 'dask-users', where users' clusters run",
        ),
        (
            {"exemptGroups": ["system:masters", "system:serviceaccounts:dask-users"]},
            'dask-platform:admission.exemptGroups[1] = "system:serviceaccounts:dask-users": holds every '
            "ServiceAccount of the user namespace 'dask-users', users' own included",
        ),
    ],
)
def test_exempting_the_users_own_identities_is_refused(admission: dict[str, Any], expected: str) -> None:
    message = error_for({"environment": "dev", "admission": admission})
    assert message.startswith(f"Pulumi.test.yaml: {expected}"), message
    assert len(message.splitlines()) == 1
