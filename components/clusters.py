"""Declared Dask clusters as the operator's custom resources."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import declare


class DaskClusters(pulumi.ComponentResource):
    """The DaskClusters, DaskWorkerGroups, DaskAutoscalers and DaskJobs of ``dask-platform:clusters``.

    ``depends_on`` must hold the operator (its chart installs the CRDs) and the namespaces and quotas the
    clusters land in, so that a cluster is only created where its kind exists and its quota already holds.
    """

    def __init__(
        self,
        name: str,
        manifests: Sequence[Mapping[str, Any]],
        provider: k8s.Provider,
        depends_on: list[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:clusters:DaskClusters", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=depends_on)
        self.resources = [
            declare(
                f"{name}-{manifest['metadata']['namespace']}-{manifest['metadata']['name']}-{manifest['kind'].lower()}",
                manifest,
                child,
            )
            for manifest in manifests
        ]
        names = [
            f"{m['metadata']['namespace']}/{m['metadata']['name']}" for m in manifests if m["kind"] != "DaskWorkerGroup"
        ]
        self.register_outputs({"clusters": list(dict.fromkeys(names))})
