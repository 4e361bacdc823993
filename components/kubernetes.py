"""Turning the render layer's plain manifests into typed pulumi-kubernetes resources."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

_RESOURCE_CLASSES: dict[tuple[str, str], type[pulumi.CustomResource]] = {
    ("v1", "Namespace"): k8s.core.v1.Namespace,
    ("v1", "ServiceAccount"): k8s.core.v1.ServiceAccount,
    ("v1", "Secret"): k8s.core.v1.Secret,
    ("v1", "ResourceQuota"): k8s.core.v1.ResourceQuota,
    ("v1", "LimitRange"): k8s.core.v1.LimitRange,
    ("apps/v1", "Deployment"): k8s.apps.v1.Deployment,
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): k8s.rbac.v1.ClusterRole,
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): k8s.rbac.v1.RoleBinding,
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): k8s.rbac.v1.ClusterRoleBinding,
}
# Top-level manifest fields whose Python argument name differs from the manifest's.
_ARGUMENT_NAMES = {"roleRef": "role_ref", "stringData": "string_data", "aggregationRule": "aggregation_rule"}


def declare(
    name: str,
    manifest: Mapping[str, Any],
    opts: pulumi.ResourceOptions,
    **extra: Any,
) -> pulumi.CustomResource:
    """Declare one manifest; ``extra`` adds arguments that are Pulumi Outputs (a secret's ``string_data``).

    Kinds with a typed class get it, so previews show typed diffs; any other kind (the operator's custom
    resources) becomes a ``CustomResource``.
    """
    api_version, kind = manifest["apiVersion"], manifest["kind"]
    fields = {
        _ARGUMENT_NAMES.get(key, key): value for key, value in manifest.items() if key not in ("apiVersion", "kind")
    }
    resource_class = _RESOURCE_CLASSES.get((api_version, kind))
    if resource_class is None:
        return k8s.apiextensions.CustomResource(name, api_version=api_version, kind=kind, **fields, **extra, opts=opts)
    return resource_class(name, **fields, **extra, opts=opts)
