"""Namespaces for the gateway, the operator and users' Dask clusters."""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import declare
from render.namespaces import namespace


class Namespaces(pulumi.ComponentResource):
    """One Namespace per name, each with the platform label and its Pod Security level."""

    def __init__(
        self,
        name: str,
        levels: Mapping[str, str],
        protect: bool,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:namespaces:Namespaces", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider, protect=protect)
        self.by_name: dict[str, pulumi.CustomResource] = {
            each: declare(each, namespace(each, level), child) for each, level in levels.items()
        }
        self.register_outputs({"names": list(self.by_name)})
