"""Turning the render layer's plain manifests into typed pulumi-kubernetes resources."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes.helm import v4 as helm
from pydantic.alias_generators import to_snake

from config.types import ChartConfig
from render.chart_pods import hardened_workload
from render.secrets import ConfigSecret


class KubernetesComponent(pulumi.ComponentResource):
    """A component whose children are Kubernetes objects in the stack's cluster: each child is declared with
    ``self.child``, or with ``self.after(...)`` when it must wait for other resources."""

    def __init__(self, type_token: str, name: str, provider: k8s.Provider, opts: pulumi.ResourceOptions | None) -> None:
        super().__init__(type_token, name, None, opts)
        self.child = pulumi.ResourceOptions(parent=self, provider=provider)
        """A child's options: this component as its parent, the stack's cluster as its provider."""

    def after(self, *needs: pulumi.Resource) -> pulumi.ResourceOptions:
        """A child's options when it waits for ``needs``."""
        return pulumi.ResourceOptions.merge(self.child, pulumi.ResourceOptions(depends_on=list(needs)))


def sdk_class(api_version: str, kind: str) -> type[pulumi.CustomResource] | None:
    """The SDK's typed class of a built-in kind, found by its API group and version (``rbac.authorization.k8s.io/v1``
    ``ClusterRole`` is ``k8s.rbac.v1.ClusterRole``); None for a custom resource's kind.

    Built-in groups are the core group (no name), unqualified names (``apps``, ``batch``) and ``*.k8s.io``; any
    other group (``kubernetes.dask.org``, ``monitoring.coreos.com``) belongs to a CRD.
    """
    group, _, version = api_version.rpartition("/")
    if "." in group and not group.endswith(".k8s.io"):
        return None
    module = getattr(getattr(k8s, group.split(".")[0] or "core", None), version, None)
    resource_class = getattr(module, kind, None)
    if isinstance(resource_class, type) and issubclass(resource_class, pulumi.CustomResource):
        return resource_class
    return None


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
    resource_class = sdk_class(api_version, kind)
    if resource_class is None:
        # A custom resource takes its top-level fields (spec, and any other) as they are written.
        fields = {key: value for key, value in manifest.items() if key not in ("apiVersion", "kind")}
        return k8s.apiextensions.CustomResource(name, api_version=api_version, kind=kind, **fields, **extra, opts=opts)
    # The typed classes take each top-level field as its snake_case argument; nested values keep the API's names.
    arguments = {to_snake(key): value for key, value in manifest.items() if key not in ("apiVersion", "kind")}
    return resource_class(name, **arguments, **extra, opts=opts)


def declare_in_namespaces(
    prefix: str,
    manifests: Sequence[Mapping[str, Any]],
    namespaces: Mapping[str, pulumi.Resource] | None,
    opts: pulumi.ResourceOptions,
) -> list[pulumi.CustomResource]:
    """Each namespaced manifest as ``<prefix>-<namespace>-<name>``, after the resource of its namespace in
    ``namespaces`` and nothing else; ``None`` for namespaces the program does not declare (they wait for nothing).
    """
    declared: list[pulumi.CustomResource] = []
    for manifest in manifests:
        metadata = manifest["metadata"]
        needs = [namespaces[metadata["namespace"]]] if namespaces is not None else None
        each = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=needs))
        declared.append(declare(f"{prefix}-{metadata['namespace']}-{metadata['name']}", manifest, each))
    return declared


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
