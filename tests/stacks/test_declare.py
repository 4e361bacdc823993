"""``declare()`` turns any manifest into the SDK's arguments: every top-level field, with no list of names."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import declare, sdk_class
from tests.helpers import registered_inputs


def _declared(manifest: dict[str, Any]) -> dict[str, Any]:
    return registered_inputs(lambda: declare("declared", manifest, pulumi.ResourceOptions()))["declared"]


def test_a_top_level_field_outside_any_list_reaches_the_typed_resource() -> None:
    manifest = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "dask", "namespace": "dask-users"},
        "automountServiceAccountToken": False,
        "imagePullSecrets": [{"name": "registry"}],
    }
    inputs = _declared(manifest)
    assert inputs["automountServiceAccountToken"] is False
    assert inputs["imagePullSecrets"] == [{"name": "registry"}]
    assert inputs["kind"] == "ServiceAccount"


def test_nested_fields_keep_the_api_names() -> None:
    manifest = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "RoleBinding",
        "metadata": {"name": "dask-user", "namespace": "dask-users"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "dask-user"},
        "subjects": [{"kind": "ServiceAccount", "name": "dask-user", "namespace": "dask-users"}],
    }
    inputs = _declared(manifest)
    assert inputs["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "dask-user"}


def test_a_custom_resource_keeps_every_field() -> None:
    manifest = {
        "apiVersion": "kubernetes.dask.org/v1",
        "kind": "DaskAutoscaler",
        "metadata": {"name": "batch", "namespace": "dask-batch"},
        "spec": {"cluster": "batch", "minimum": 1, "maximum": 8},
    }
    inputs = _declared(manifest)
    assert inputs["spec"] == {"cluster": "batch", "minimum": 1, "maximum": 8}
    assert inputs["apiVersion"] == "kubernetes.dask.org/v1"


def test_a_built_in_kind_gets_the_sdk_class_of_its_group_and_version() -> None:
    assert sdk_class("v1", "Secret") is k8s.core.v1.Secret
    assert sdk_class("apps/v1", "Deployment") is k8s.apps.v1.Deployment
    assert sdk_class("rbac.authorization.k8s.io/v1", "ClusterRoleBinding") is k8s.rbac.v1.ClusterRoleBinding
    assert (
        sdk_class("admissionregistration.k8s.io/v1", "ValidatingAdmissionPolicy")
        is k8s.admissionregistration.v1.ValidatingAdmissionPolicy
    )
    assert sdk_class("policy/v1", "PodDisruptionBudget") is k8s.policy.v1.PodDisruptionBudget


def test_a_kind_of_a_crd_or_unknown_to_the_sdk_gets_no_typed_class() -> None:
    assert sdk_class("kubernetes.dask.org/v1", "DaskCluster") is None
    assert sdk_class("monitoring.coreos.com/v1", "PodMonitor") is None
    assert sdk_class("traefik.io/v1alpha1", "IngressRoute") is None
    assert sdk_class("v1", "NoSuchKind") is None
    assert sdk_class("apps/v9", "Deployment") is None
