"""Declared Dask clusters as the operator's custom resources.

The operator builds a cluster's pods once: when a DaskCluster is created (scheduler and default worker group)
and when a DaskWorkerGroup scales up. Afterwards it follows only replica changes, so a spec patched in place
would leave running pods on the old spec and give workers scaled up later the new one. Pulumi therefore
replaces these resources whenever what their pods run changes, deleting first because their names are fixed;
replica and autoscaler bound changes stay in-place updates the operator scales by.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import declare

CLUSTER_SPEC_ANNOTATION = "dask-platform.io/cluster-spec"
"""On a DaskWorkerGroup and a DaskAutoscaler: a digest of what their DaskCluster's pods run. Deleting a
DaskCluster deletes the groups and autoscaler it adopted, so they must be replaced with it: the digest changes
exactly when the cluster is replaced, and a change of it replaces them."""

# Foreground deletion: Pulumi's delete returns only once the operator's Deployments, Service and default worker
# group are gone, so the replacement's operator run does not find the old ones and skip creating its own.
_FOREGROUND_DELETE = {"pulumi.com/deletionPropagationPolicy": "foreground"}

REPLACE_ON_CHANGES: dict[str, list[str]] = {
    # The operator copies the cluster's labels and annotations onto its pods; `idleTimeout` it reads live.
    "DaskCluster": [
        "metadata.labels",
        "metadata.annotations",
        "spec.scheduler",
        "spec.worker.metadata",
        "spec.worker.spec",
    ],
    "DaskWorkerGroup": [
        "metadata.labels",
        "metadata.annotations",
        "spec.cluster",
        "spec.worker.metadata",
        "spec.worker.spec",
    ],
    # `minimum` and `maximum` the operator reads on every adapt cycle.
    "DaskAutoscaler": ["metadata.annotations", "spec.cluster"],
}
"""Property paths whose change replaces a resource. A DaskJob is not among them: it runs once, so replacing it
on an upgrade would run the job again with all its side effects; it is patched in place instead."""


def container_images(value: Any) -> Iterator[str]:
    """Every container image a manifest names, wherever its pod templates sit (scheduler, workers, job)."""
    if isinstance(value, Mapping):
        for container in value.get("containers", ()):
            if isinstance(container, Mapping) and isinstance(container.get("image"), str):
                yield container["image"]
        for key, item in value.items():
            if key != "containers":
                yield from container_images(item)
    elif isinstance(value, list):
        for item in value:
            yield from container_images(item)


def cluster_spec_digest(cluster: Mapping[str, Any]) -> str:
    """A digest of the parts of a DaskCluster manifest whose change replaces it (``REPLACE_ON_CHANGES``)."""
    metadata, spec = cluster["metadata"], cluster["spec"]
    worker = {key: value for key, value in spec["worker"].items() if key != "replicas"}
    replaced_by = {
        "labels": metadata.get("labels", {}),
        "annotations": metadata.get("annotations", {}),
        "scheduler": spec["scheduler"],
        "worker": worker,
    }
    return hashlib.sha256(json.dumps(replaced_by, sort_keys=True).encode()).hexdigest()[:16]


def _with_annotations(manifest: Mapping[str, Any], annotations: Mapping[str, str]) -> dict[str, Any]:
    metadata = manifest["metadata"]
    return {**manifest, "metadata": {**metadata, "annotations": {**metadata.get("annotations", {}), **annotations}}}


def _replacement_options(kind: str) -> pulumi.ResourceOptions:
    paths = REPLACE_ON_CHANGES.get(kind)
    if paths is None:
        return pulumi.ResourceOptions()
    return pulumi.ResourceOptions(replace_on_changes=list(paths), delete_before_replace=True)


def _as_declared(manifest: Mapping[str, Any], digests: Mapping[tuple[str, str], str]) -> dict[str, Any]:
    """The manifest with what Pulumi needs to replace it correctly: the deletion policy and the cluster's digest."""
    kind = manifest["kind"]
    annotations: dict[str, str] = {}
    if kind in ("DaskCluster", "DaskWorkerGroup"):
        annotations.update(_FOREGROUND_DELETE)
    if kind in ("DaskWorkerGroup", "DaskAutoscaler"):
        digest = digests.get((manifest["metadata"]["namespace"], manifest["spec"]["cluster"]))
        if digest is not None:
            annotations[CLUSTER_SPEC_ANNOTATION] = digest
    return _with_annotations(manifest, annotations) if annotations else dict(manifest)


class DaskClusters(pulumi.ComponentResource):
    """The DaskClusters, DaskWorkerGroups, DaskAutoscalers and DaskJobs of ``dask-platform:clusters``.

    Each resource waits for exactly what it needs, so clusters of different teams are created in parallel and
    the number of dependencies grows with the number of clusters, not with the size of the stack:

    - ``namespaces[namespace]``: the Namespace it lands in, plus for a team that team's ResourceQuota and
      LimitRange, so its pods are admitted within the quota from the start;
    - ``crds``: the operator's release, whose CRDs define the kinds;
    - ``images[reference]``: the Image building each catalog image its pods run (other images are not built
      here);
    - for a DaskWorkerGroup or DaskAutoscaler, the DaskCluster it refers to by name.

    DaskClusters, DaskWorkerGroups and DaskAutoscalers are replaced (deleted first) on a change of
    ``REPLACE_ON_CHANGES``; a replaced DaskCluster replaces its groups and autoscaler through
    ``CLUSTER_SPEC_ANNOTATION``.
    """

    def __init__(
        self,
        name: str,
        manifests: Sequence[Mapping[str, Any]],
        namespaces: Mapping[str, Sequence[pulumi.Resource]],
        crds: pulumi.Resource,
        images: Mapping[str, pulumi.Resource],
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:clusters:DaskClusters", name, None, opts)
        self.resources: list[pulumi.CustomResource] = []
        digests = {
            (m["metadata"]["namespace"], m["metadata"]["name"]): cluster_spec_digest(m)
            for m in manifests
            if m["kind"] == "DaskCluster"
        }
        clusters: dict[tuple[str, str], pulumi.CustomResource] = {}
        for manifest in manifests:
            metadata, kind = manifest["metadata"], manifest["kind"]
            namespace = metadata["namespace"]
            needs: list[pulumi.Resource] = [*namespaces[namespace], crds]
            needs += [images[image] for image in dict.fromkeys(container_images(manifest)) if image in images]
            if kind in ("DaskWorkerGroup", "DaskAutoscaler") and (namespace, manifest["spec"]["cluster"]) in clusters:
                needs.append(clusters[(namespace, manifest["spec"]["cluster"])])
            resource = declare(
                f"{name}-{namespace}-{metadata['name']}-{kind.lower()}",
                _as_declared(manifest, digests),
                pulumi.ResourceOptions(parent=self, provider=provider, depends_on=needs).merge(
                    _replacement_options(kind)
                ),
            )
            if kind == "DaskCluster":
                clusters[(namespace, metadata["name"])] = resource
            self.resources.append(resource)
        names = [
            f"{m['metadata']['namespace']}/{m['metadata']['name']}" for m in manifests if m["kind"] != "DaskWorkerGroup"
        ]
        self.register_outputs({"clusters": list(dict.fromkeys(names))})
