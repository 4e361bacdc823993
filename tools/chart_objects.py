"""The objects the plan's Helm charts deploy, rendered offline as a real ``pulumi preview`` registers them.

Under the mocks a ``kubernetes:helm.sh/v4:Chart`` is one resource holding the chart's name, version, release name,
namespace and values. ``pulumi preview`` renders the chart and registers every object (CRDs included, unless
``skipCrds``) as a resource of its own, a child of the Chart: its URN's type chain ends in
``...$kubernetes:helm.sh/v4:Chart$kubernetes:<group>/<version>:<Kind>`` and its name is the Chart's resource name,
``:``, then ``<namespace>/<name>`` (or ``<name>`` for a cluster-scoped object). ``chart_objects`` does the same with
helm-python-sdk from each Chart's own inputs, and hardens workloads as the Chart's transform does
(``render/chart_pods.py``), so the policy rules see what the charts deploy.

Chart sources, by chart name and the version the plan pins:

- ``dask-kubernetes-operator``: the chart shipped in the installed ``dask-kubernetes`` wheel, whose version must
  be the pinned chart version;
- any other chart: ``<reference>/<chart>-chart/<version>/chart/``, where ``<reference>`` is
  ``DASK_PLATFORM_REFERENCE`` or ``shared/reference`` beside the checkout (``scripts/fetch-reference`` fetches it).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import importlib.resources
import os
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

from config.stack import PROJECT_DIR
from policy.model import HELM_CHART, Resource
from render.chart_pods import hardened_workload

OPERATOR_CHART = "dask-kubernetes-operator"
OPERATOR_WHEEL = "dask-kubernetes"
REFERENCE_ENV = "DASK_PLATFORM_REFERENCE"

CLUSTER_SCOPED_KINDS = frozenset(
    {
        "APIService",
        "ClusterRole",
        "ClusterRoleBinding",
        "CSIDriver",
        "CustomResourceDefinition",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PriorityClass",
        "RuntimeClass",
        "StorageClass",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
    }
)
"""Kinds Kubernetes keeps outside namespaces (plus the cluster-scoped kinds of the charts' own CRDs)."""


class ChartSourceError(Exception):
    """A chart of the plan cannot be rendered offline: its source is missing or of another version."""


def reference_dir() -> Path:
    return Path(os.environ.get(REFERENCE_ENV) or PROJECT_DIR.parent / "shared" / "reference")


@contextlib.contextmanager
def chart_source(chart: str, version: str, reference: Path | None = None) -> Iterator[Path]:
    """The directory of ``chart`` at ``version``; raises ChartSourceError with what to do when there is none."""
    if chart == OPERATOR_CHART:
        try:
            installed = importlib.metadata.version(OPERATOR_WHEEL)
        except importlib.metadata.PackageNotFoundError:
            raise ChartSourceError(
                f"chart {chart} {version}: the {OPERATOR_WHEEL} wheel that ships it is not installed "
                f"(pip install {OPERATOR_WHEEL}=={version}, or bash scripts/setup)"
            ) from None
        if installed != version:
            raise ChartSourceError(
                f"chart {chart} {version}: the installed {OPERATOR_WHEEL} wheel is {installed} and ships that "
                f"version's chart; install {OPERATOR_WHEEL}=={version} to render the pinned one"
            )
        source = importlib.resources.files("dask_kubernetes") / "operator" / "deployment" / "helm" / chart
        with importlib.resources.as_file(source) as path:
            yield path
        return
    path = (reference or reference_dir()) / f"{chart}-chart" / version / "chart"
    if not (path / "Chart.yaml").is_file():
        raise ChartSourceError(
            f"chart {chart} {version}: no chart source at {path}; set {REFERENCE_ENV} to reference data holding "
            f"{chart}-chart/{version}/chart (bash scripts/fetch-reference DIR), or skip the charts with --no-charts"
        )
    yield path


def _documents(texts: Iterable[str]) -> list[dict[str, Any]]:
    # libyaml's safe loader: the operator's CRDs embed whole pod specs, close to 1 MB of YAML.
    return [
        document
        for text in texts
        for document in yaml.load_all(text, Loader=yaml.CSafeLoader)
        if isinstance(document, dict) and document.get("kind")
    ]


def render_chart(chart: Resource, reference: Path | None = None) -> list[dict[str, Any]]:
    """The manifests ``chart`` (a Helm Chart resource of the plan) deploys: its CRDs unless ``skipCrds``, then
    its templates rendered with its values, release name and namespace."""
    inputs = chart.inputs
    name, version = chart.chart_name or "", str(inputs.get("version") or "")
    with chart_source(name, version, reference) as path, helm.Chart.load(path) as loaded:
        crds = [] if inputs.get("skipCrds") is True else _documents(crd["data"] for crd in loaded.crds)
        manifests = loaded.render(
            dict(chart.chart_values), name=str(inputs.get("name") or chart.name), namespace=inputs.get("namespace")
        )
    templates = _documents(text for template, text in sorted(manifests.items()) if template.endswith((".yaml", ".yml")))
    return crds + templates


def _resource_type(manifest: Mapping[str, Any]) -> str:
    api_version = str(manifest.get("apiVersion") or "v1")
    if "/" not in api_version:
        api_version = f"core/{api_version}"
    return f"kubernetes:{api_version}:{manifest['kind']}"


def _cluster_scoped(manifests: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """The built-in cluster-scoped kinds plus those the rendered CRDs declare cluster-scoped."""
    kinds = {
        str(m.get("spec", {}).get("names", {}).get("kind"))
        for m in manifests
        if m.get("kind") == "CustomResourceDefinition" and m.get("spec", {}).get("scope") == "Cluster"
    }
    return CLUSTER_SCOPED_KINDS | kinds


def as_resources(chart: Resource, manifests: Iterable[Mapping[str, Any]]) -> list[Resource]:
    """The manifests as the resources a preview registers under ``chart``: namespaced objects without a namespace
    get the release's, as the v4 Chart does."""
    manifests = list(manifests)
    cluster_scoped = _cluster_scoped(manifests)
    head, _, chart_name = chart.urn.rpartition("::")
    namespace = chart.inputs.get("namespace")
    resources = []
    for manifest in manifests:
        # What the Chart's transform (components/kubernetes.py harden_chart_pods) makes of it.
        manifest = hardened_workload(str(manifest["kind"]), manifest) or dict(manifest)
        metadata = dict(manifest.get("metadata") or {})
        if manifest["kind"] not in cluster_scoped and not metadata.get("namespace") and namespace:
            metadata["namespace"] = namespace
        manifest["metadata"] = metadata
        object_namespace = metadata.get("namespace") if manifest["kind"] not in cluster_scoped else None
        object_name = f"{object_namespace}/{metadata['name']}" if object_namespace else str(metadata["name"])
        resource_type = _resource_type(manifest)
        resources.append(
            Resource(
                urn=f"{head}${resource_type}::{chart_name}:{object_name}",
                type=resource_type,
                name=f"{chart_name}:{object_name}",
                inputs=manifest,
            )
        )
    return resources


def chart_objects(resources: Iterable[Resource | Mapping[str, Any]], reference: Path | None = None) -> list[Resource]:
    """Every object the plan's Helm Charts deploy, as resources whose URNs hold their Chart in the type chain."""
    plan = [item if isinstance(item, Resource) else Resource.from_plan(item) for item in resources]
    return [
        rendered
        for chart in plan
        if chart.type == HELM_CHART
        for rendered in as_resources(chart, render_chart(chart, reference))
    ]
