"""How declared clusters' custom resources are declared so that an upgrade reaches their pods (pure, no Pulumi).

The operator builds a cluster's pods once: when a DaskCluster is created (scheduler and default worker group)
and when a DaskWorkerGroup scales up. Afterwards it follows only replica changes, so a spec patched in place
would leave running pods on the old spec and give workers scaled up later the new one. These resources are
therefore replaced whenever what their pods run changes, deleting first because their names are fixed;
replica and autoscaler bound changes stay in-place updates the operator scales by.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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

ATTACHED_KINDS = ("DaskWorkerGroup", "DaskAutoscaler")
"""Kinds that name the DaskCluster they join in ``spec.cluster``."""


@dataclass(frozen=True)
class ClusterResource:
    """One custom resource of a declared cluster, as it is declared."""

    manifest: dict[str, Any]
    """With the deletion policy and, on an attached kind, its cluster's digest."""
    replace_on_changes: tuple[str, ...]
    """Paths whose change replaces the resource, deleting it first; none: always updated in place."""
    images: tuple[str, ...]
    """Every container image its pods run: it waits for the builds of those the catalog builds."""
    cluster: str | None
    """For an attached kind, the DaskCluster it joins, in its namespace: it waits for that cluster."""


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


def _as_declared(manifest: Mapping[str, Any], digests: Mapping[tuple[str, str], str]) -> dict[str, Any]:
    """The manifest with what Pulumi needs to replace it correctly: the deletion policy and the cluster's digest."""
    kind = manifest["kind"]
    annotations: dict[str, str] = {}
    if kind in ("DaskCluster", "DaskWorkerGroup"):
        annotations.update(_FOREGROUND_DELETE)
    if kind in ATTACHED_KINDS:
        digest = digests.get((manifest["metadata"]["namespace"], manifest["spec"]["cluster"]))
        if digest is not None:
            annotations[CLUSTER_SPEC_ANNOTATION] = digest
    return _with_annotations(manifest, annotations) if annotations else dict(manifest)


def cluster_resources(manifests: Sequence[Mapping[str, Any]]) -> list[ClusterResource]:
    """Each custom resource of the declared clusters (``render.clusters``) as it is declared, in their order."""
    digests = {
        (m["metadata"]["namespace"], m["metadata"]["name"]): cluster_spec_digest(m)
        for m in manifests
        if m["kind"] == "DaskCluster"
    }
    return [
        ClusterResource(
            manifest=_as_declared(manifest, digests),
            replace_on_changes=tuple(REPLACE_ON_CHANGES.get(manifest["kind"], ())),
            images=tuple(dict.fromkeys(container_images(manifest))),
            cluster=manifest["spec"]["cluster"] if manifest["kind"] in ATTACHED_KINDS else None,
        )
        for manifest in manifests
    ]
