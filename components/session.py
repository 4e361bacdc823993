"""A long-running Dask client Deployment next to the clusters, preconfigured for the gateway."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import declare, password_secret
from render.session import SESSION_PASSWORD_SECRET


class DaskSession(pulumi.ComponentResource):
    """The client Deployment, and its own copy of the gateway password when the gateway has one."""

    def __init__(
        self,
        name: str,
        deployment: Mapping[str, Any],
        password: pulumi.Output[str] | None,
        provider: k8s.Provider,
        depends_on: list[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """``deployment`` must read the password from ``SESSION_PASSWORD_SECRET`` exactly when ``password`` is
        given (``render.session.session_deployment``)."""
        super().__init__("dask-platform:session:DaskSession", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=depends_on)
        namespace = deployment["metadata"]["namespace"]
        needs = list(depends_on)
        if password is not None:
            needs.append(
                password_secret(f"{name}-gateway-password", SESSION_PASSWORD_SECRET, namespace, password, child)
            )
        self.deployment = declare(
            name, deployment, pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=needs))
        )
        self.register_outputs({"namespace": namespace})
