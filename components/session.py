"""A long-running Dask client Deployment next to the clusters, preconfigured for the gateway."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.kubernetes import KubernetesComponent, declare, secret_from_config
from render.platform import SessionObjects


class DaskSession(KubernetesComponent):
    """The client Deployment, and its own copy of the gateway password when the gateway has one."""

    def __init__(
        self,
        name: str,
        objects: SessionObjects,
        password: pulumi.Output[str] | None,
        namespace: pulumi.Resource,
        service_account: pulumi.Resource,
        gateway: pulumi.Resource,
        image: pulumi.Resource | None,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """``password`` fills the session's copy of the gateway password, when ``objects`` has one.

        The Deployment waits for what its pod needs: its ``namespace``, the ``service_account`` it runs as, its
        password Secret, the ``gateway`` release it talks to and, when the catalog builds it, the ``image``
        it runs.
        """
        super().__init__("dask-platform:session:DaskSession", name, provider, opts)
        needs: list[pulumi.Resource] = [namespace, service_account, gateway]
        if image is not None:
            needs.append(image)
        if objects.password_secret is not None:
            in_namespace = self.after(namespace)
            needs.append(
                secret_from_config(f"{name}-gateway-password", objects.password_secret, password, in_namespace)
            )
        self.deployment = declare(name, objects.deployment, self.after(*needs))
        self.register_outputs({"namespace": objects.namespace})
