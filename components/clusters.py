"""Declared Dask clusters as the operator's custom resources."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.cluster_manifests import declared_cluster_manifests
from components.config import PlatformConfig


class DaskClusters(pulumi.ComponentResource):
    """The DaskClusters, DaskWorkerGroups, DaskAutoscalers and DaskJobs of ``dask-platform:clusters``.

    ``depends_on`` must hold the operator (its chart installs the CRDs) and the namespaces and quotas the
    clusters land in, so that a cluster is only created where its kind exists and its quota already holds.
    """

    def __init__(
        self,
        name: str,
        config: PlatformConfig,
        provider: k8s.Provider,
        depends_on: list[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:clusters:DaskClusters", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=depends_on)
        self.resources: list[k8s.apiextensions.CustomResource] = []
        for manifest in declared_cluster_manifests(config):
            metadata = manifest["metadata"]
            kind = manifest["kind"]
            self.resources.append(
                k8s.apiextensions.CustomResource(
                    f"{name}-{metadata['namespace']}-{metadata['name']}-{kind.lower()}",
                    api_version=manifest["apiVersion"],
                    kind=kind,
                    metadata=metadata,
                    spec=manifest["spec"],
                    opts=child,
                )
            )
        self.register_outputs({"clusters": [f"{c.namespace}/{c.name}" for c in config.clusters if c.enabled]})
