"""Declared Dask clusters as the operator's custom resources."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import declare


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
                manifest,
                pulumi.ResourceOptions(parent=self, provider=provider, depends_on=needs),
            )
            if kind == "DaskCluster":
                clusters[(namespace, metadata["name"])] = resource
            self.resources.append(resource)
        names = [
            f"{m['metadata']['namespace']}/{m['metadata']['name']}" for m in manifests if m["kind"] != "DaskWorkerGroup"
        ]
        self.register_outputs({"clusters": list(dict.fromkeys(names))})
