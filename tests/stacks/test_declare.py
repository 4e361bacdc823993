"""``declare()`` turns any manifest into the SDK's arguments: every top-level field, with no list of names."""

from __future__ import annotations

import asyncio
import contextvars
from typing import Any

import pulumi

from components.kubernetes import declare


class _Recorder(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.inputs: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.inputs[args.name] = dict(args.inputs)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return {}, []


def _in_own_context(manifest: dict[str, Any]) -> dict[str, Any]:
    asyncio.set_event_loop(asyncio.new_event_loop())
    recorder = _Recorder()
    pulumi.runtime.set_mocks(recorder, project="dask-platform", stack="test", preview=True)

    @pulumi.runtime.test  # type: ignore[misc]
    def run() -> pulumi.Output[str]:
        return declare("declared", manifest, pulumi.ResourceOptions()).urn

    run()
    return recorder.inputs["declared"]


def _declared(manifest: dict[str, Any]) -> dict[str, Any]:
    """The inputs ``declare`` registers, under mocks set in a context of their own, so no plan sees them."""
    return contextvars.copy_context().run(_in_own_context, manifest)


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
