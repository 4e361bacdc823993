"""dask-gateway as a Helm release, with cluster options generated from the typed config."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s
from pulumi_kubernetes.helm import v4 as helm

from components.chart_values import (
    GATEWAY_RELEASE,
    PASSWORD_SECRET_KEY,
    gateway_address,
    gateway_values,
    traefik_service_name,
)
from components.config import PlatformConfig
from components.namespaces import PLATFORM_LABEL, Namespaces

PASSWORD_SECRET_NAME = "dask-gateway-password"


class DaskGateway(pulumi.ComponentResource):
    """The dask-gateway chart, pinned, plus the Secret that carries a simple-auth password."""

    def __init__(
        self,
        name: str,
        config: PlatformConfig,
        provider: k8s.Provider,
        namespaces: Namespaces,
        password: pulumi.Output[str] | None,
        default_image: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:gateway:DaskGateway", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider)
        gateway = config.gateway
        depends_on: list[pulumi.Resource] = [namespaces.gateway, *namespaces.users]
        self.password_secret: k8s.core.v1.Secret | None = None
        if gateway.auth.type == "simple" and password is not None:
            self.password_secret = k8s.core.v1.Secret(
                f"{name}-password",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=PASSWORD_SECRET_NAME,
                    namespace=config.namespaces.gateway,
                    labels=PLATFORM_LABEL,
                ),
                type="Opaque",
                string_data={PASSWORD_SECRET_KEY: password},
                opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=[namespaces.gateway])),
            )
            depends_on.append(self.password_secret)
        values: dict[str, Any] = gateway_values(
            config,
            password_secret_name=PASSWORD_SECRET_NAME if self.password_secret else None,
            default_image=default_image,
        )
        self.chart = helm.Chart(
            f"{name}-chart",
            helm.ChartArgs(
                name=GATEWAY_RELEASE,
                chart="dask-gateway",
                version=gateway.chart.version,
                repository_opts=helm.RepositoryOptsArgs(repo=gateway.chart.repository),
                namespace=config.namespaces.gateway,
                values=values,
                skip_crds=False,
            ),
            opts=pulumi.ResourceOptions.merge(child, pulumi.ResourceOptions(depends_on=depends_on)),
        )
        self.address = gateway_address(config)
        self.service_name = traefik_service_name()
        self.register_outputs({"address": self.address, "chartVersion": gateway.chart.version})
