"""``declare()`` turns any manifest into the SDK's arguments: every top-level field, with no list of names."""

from __future__ import annotations

from typing import Any

import pulumi

from components.kubernetes import declare
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
