"""Declared Dask clusters as the operator's custom resources, replaced on an upgrade as ``render/cluster_upgrades.py``
says."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import KubernetesComponent, declare
from render.cluster_upgrades import ClusterResource


def _replacement_options(resource: ClusterResource) -> pulumi.ResourceOptions:
    if not resource.replace_on_changes:
        return pulumi.ResourceOptions()
    return pulumi.ResourceOptions(replace_on_changes=list(resource.replace_on_changes), delete_before_replace=True)


class DaskClusters(KubernetesComponent):
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
    ``render.cluster_upgrades.REPLACE_ON_CHANGES``; a replaced DaskCluster replaces its groups and autoscaler
    through ``CLUSTER_SPEC_ANNOTATION``.
    """

    def __init__(
        self,
        name: str,
        resources: Sequence[ClusterResource],
        namespaces: Mapping[str, Sequence[pulumi.Resource]],
        crds: pulumi.Resource,
        images: Mapping[str, pulumi.Resource],
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:clusters:DaskClusters", name, provider, opts)
        self.resources: list[pulumi.CustomResource] = []
        clusters: dict[tuple[str, str], pulumi.CustomResource] = {}
        for each in resources:
            metadata, kind = each.manifest["metadata"], each.manifest["kind"]
            namespace = metadata["namespace"]
            needs: list[pulumi.Resource] = [*namespaces[namespace], crds]
            needs += [images[image] for image in each.images if image in images]
            if each.cluster is not None and (namespace, each.cluster) in clusters:
                needs.append(clusters[(namespace, each.cluster)])
            resource = declare(
                f"{name}-{namespace}-{metadata['name']}-{kind.lower()}",
                each.manifest,
                self.after(*needs).merge(_replacement_options(each)),
            )
            if kind == "DaskCluster":
                clusters[(namespace, metadata["name"])] = resource
            self.resources.append(resource)
        manifests = [each.manifest for each in resources]
        names = [
            f"{m['metadata']['namespace']}/{m['metadata']['name']}" for m in manifests if m["kind"] != "DaskWorkerGroup"
        ]
        self.register_outputs({"clusters": list(dict.fromkeys(names))})
