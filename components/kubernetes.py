"""Turning the render layer's plain manifests into typed pulumi-kubernetes resources."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes.helm import v4 as helm

from config.types import ChartConfig
from render.names import PASSWORD_SECRET_KEY
from render.secrets import opaque_secret

_RESOURCE_CLASSES: dict[tuple[str, str], type[pulumi.CustomResource]] = {
    ("v1", "Namespace"): k8s.core.v1.Namespace,
    ("v1", "ServiceAccount"): k8s.core.v1.ServiceAccount,
    ("v1", "Secret"): k8s.core.v1.Secret,
    ("v1", "ConfigMap"): k8s.core.v1.ConfigMap,
    ("v1", "ResourceQuota"): k8s.core.v1.ResourceQuota,
    ("v1", "LimitRange"): k8s.core.v1.LimitRange,
    ("apps/v1", "Deployment"): k8s.apps.v1.Deployment,
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): k8s.rbac.v1.ClusterRole,
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): k8s.rbac.v1.RoleBinding,
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): k8s.rbac.v1.ClusterRoleBinding,
    ("networking.k8s.io/v1", "NetworkPolicy"): k8s.networking.v1.NetworkPolicy,
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


def secret_from_config(
    name: str,
    secret_name: str,
    namespace: str,
    value: pulumi.Output[str],
    opts: pulumi.ResourceOptions,
    key: str = PASSWORD_SECRET_KEY,
) -> pulumi.CustomResource:
    """A Secret holding one value of the stack's secret config under ``key``; the value stays a Pulumi secret
    all the way into the cluster."""
    return declare(name, opaque_secret(secret_name, namespace), opts, string_data={key: value})


@dataclass(frozen=True)
class ChartRelease:
    """What a component needs to install one chart: the pinned chart, its namespace (name and resource) and the
    rendered values."""

    chart: ChartConfig
    namespace: pulumi.Resource
    namespace_name: str
    values: Mapping[str, Any]


def helm_release(
    name: str, release_name: str, chart_name: str, release: ChartRelease, opts: pulumi.ResourceOptions
) -> helm.Chart:
    """A pinned chart from its repository, rendered by Pulumi with its CRDs: ``skip_crds=False`` makes a chart
    version bump update the CRDs too, which Helm itself never does."""
    return helm.Chart(
        name,
        helm.ChartArgs(
            name=release_name,
            chart=chart_name,
            version=release.chart.version,
            repository_opts=helm.RepositoryOptsArgs(repo=release.chart.repository),
            namespace=release.namespace_name,
            values=dict(release.values),
            skip_crds=False,
        ),
        opts=opts,
    )
