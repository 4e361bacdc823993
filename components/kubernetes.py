"""Turning the render layer's plain manifests into typed pulumi-kubernetes resources."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes.helm import v4 as helm
from pydantic.alias_generators import to_snake

from config.types import ChartConfig
from render.chart_pods import hardened_workload
from render.secrets import ConfigSecret

_RESOURCE_CLASSES: dict[tuple[str, str], type[pulumi.CustomResource]] = {
    ("v1", "Namespace"): k8s.core.v1.Namespace,
    ("v1", "ServiceAccount"): k8s.core.v1.ServiceAccount,
    ("v1", "Secret"): k8s.core.v1.Secret,
    ("v1", "ConfigMap"): k8s.core.v1.ConfigMap,
    ("v1", "ResourceQuota"): k8s.core.v1.ResourceQuota,
    ("v1", "LimitRange"): k8s.core.v1.LimitRange,
    ("apps/v1", "Deployment"): k8s.apps.v1.Deployment,
    ("batch/v1", "Job"): k8s.batch.v1.Job,
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): k8s.rbac.v1.ClusterRole,
    ("rbac.authorization.k8s.io/v1", "Role"): k8s.rbac.v1.Role,
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): k8s.rbac.v1.RoleBinding,
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): k8s.rbac.v1.ClusterRoleBinding,
    ("networking.k8s.io/v1", "NetworkPolicy"): k8s.networking.v1.NetworkPolicy,
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingAdmissionPolicy",
    ): k8s.admissionregistration.v1.ValidatingAdmissionPolicy,
    (
        "admissionregistration.k8s.io/v1",
        "ValidatingAdmissionPolicyBinding",
    ): k8s.admissionregistration.v1.ValidatingAdmissionPolicyBinding,
}


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
    resource_class = _RESOURCE_CLASSES.get((api_version, kind))
    if resource_class is None:
        # A custom resource takes its top-level fields (spec, and any other) as they are written.
        fields = {key: value for key, value in manifest.items() if key not in ("apiVersion", "kind")}
        return k8s.apiextensions.CustomResource(name, api_version=api_version, kind=kind, **fields, **extra, opts=opts)
    # The typed classes take each top-level field as its snake_case argument; nested values keep the API's names.
    arguments = {to_snake(key): value for key, value in manifest.items() if key not in ("apiVersion", "kind")}
    return resource_class(name, **arguments, **extra, opts=opts)


def secret_from_config(
    name: str, secret: ConfigSecret, value: pulumi.Output[str] | None, opts: pulumi.ResourceOptions
) -> pulumi.CustomResource:
    """A Secret holding one value of the stack's secret config under its key; the value stays a Pulumi secret
    all the way into the cluster."""
    if value is None:
        raise ValueError(
            f"the Secret {secret.manifest['metadata']['name']} needs a secret config value the stack lacks"
        )
    return declare(name, secret.manifest, opts, string_data={secret.key: value})


@dataclass(frozen=True)
class ChartRelease:
    """What a component needs to install one chart: the pinned chart, its namespace (name and resource) and the
    rendered values."""

    chart: ChartConfig
    namespace: pulumi.Resource
    namespace_name: str
    values: Mapping[str, Any]


def harden_chart_pods(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult | None:
    """A transform for a chart's objects: every workload's pods run as non-root with seccomp RuntimeDefault, no
    privilege escalation and no capabilities (``render/chart_pods.py``); anything else passes unchanged.

    Pulumi hands a chart's children over with their manifest fields as the provider names them (``apiVersion``,
    ``spec``), so the render layer's function applies to them as it does to a manifest.
    """
    kind = args.type_.rpartition(":")[2]
    hardened = hardened_workload(kind, args.props)
    if hardened is None:
        return None
    return pulumi.ResourceTransformResult(props=hardened, opts=args.opts)


def helm_release(
    name: str, release_name: str, chart_name: str, release: ChartRelease, opts: pulumi.ResourceOptions
) -> helm.Chart:
    """A pinned chart from its repository, rendered by Pulumi with its CRDs: ``skip_crds=False`` makes a chart
    version bump update the CRDs too, which Helm itself never does. Its pods are hardened by
    ``harden_chart_pods``, since neither chart offers values for all of that."""
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
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(transforms=[harden_chart_pods])),
    )
