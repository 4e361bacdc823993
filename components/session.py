"""A long-running Dask client Deployment next to the clusters, preconfigured for the gateway."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import declare, secret_from_config
from render.session import SESSION_PASSWORD_SECRET


class DaskSession(pulumi.ComponentResource):
    """The client Deployment, and its own copy of the gateway password when the gateway has one."""

    def __init__(
        self,
        name: str,
        deployment: Mapping[str, Any],
        password: pulumi.Output[str] | None,
        namespace: pulumi.Resource,
        service_account: pulumi.Resource,
        gateway: pulumi.Resource,
        image: pulumi.Resource | None,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """``deployment`` must read the password from ``SESSION_PASSWORD_SECRET`` exactly when ``password`` is
        given (``render.session.session_deployment``).

        The Deployment waits for what its pod needs: its ``namespace``, the ``service_account`` it runs as, its
        password Secret, the ``gateway`` release it talks to and, when the catalog builds it, the ``image``
        it runs.
        """
        super().__init__("dask-platform:session:DaskSession", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        namespace_name = deployment["metadata"]["namespace"]
        needs: list[pulumi.Resource] = [namespace, service_account, gateway]
        if image is not None:
            needs.append(image)
        if password is not None:
            needs.append(
                secret_from_config(
                    f"{name}-gateway-password",
                    SESSION_PASSWORD_SECRET,
                    namespace_name,
                    password,
                    pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[namespace])),
                )
            )
        self.deployment = declare(
            name, deployment, pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=needs))
        )
        self.register_outputs({"namespace": namespace_name})
