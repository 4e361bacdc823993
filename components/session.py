"""A long-running Dask client Deployment next to the clusters, preconfigured for the gateway."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.chart_values import PASSWORD_SECRET_KEY
from components.config import PlatformConfig, Resources
from components.namespaces import PLATFORM_LABEL
from components.rbac import USER_SERVICE_ACCOUNT

SESSION_NAME = "dask-session"


def session_environment(address: str, worker_image: str, auth_type: str) -> dict[str, str]:
    """``DASK_GATEWAY__ADDRESS`` lets ``Gateway()`` work without arguments; the worker image is the client's."""
    environment = {
        "DASK_GATEWAY_URL": address,
        "DASK_GATEWAY__ADDRESS": address,
        "DASK_WORKER_IMAGE": worker_image,
    }
    if auth_type == "jupyterhub":
        # The client then authenticates with the JUPYTERHUB_API_TOKEN of whoever runs it.
        environment["DASK_GATEWAY__AUTH__TYPE"] = "jupyterhub"
    return environment


def _resource_requirements(
    resources: Resources,
) -> k8s.core.v1.ResourceRequirementsArgs:
    amounts = resources.model_dump(mode="json")
    return k8s.core.v1.ResourceRequirementsArgs(requests=amounts["requests"], limits=amounts["limits"])


class DaskSession(pulumi.ComponentResource):
    """A Deployment running the client image with the gateway address and matching worker image set."""

    def __init__(
        self,
        name: str,
        config: PlatformConfig,
        provider: k8s.Provider,
        gateway_address: str,
        image: str,
        depends_on: list[pulumi.Resource],
        password: pulumi.Output[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:session:DaskSession", name, None, opts)
        child = pulumi.ResourceOptions(parent=self, provider=provider, depends_on=depends_on)
        namespace = config.session_namespace
        env = [
            k8s.core.v1.EnvVarArgs(name=key, value=value)
            for key, value in session_environment(gateway_address, image, config.gateway.auth.type).items()
        ]
        if password is not None:
            # Secrets are namespaced: the session gets its own copy of the gateway password.
            secret = k8s.core.v1.Secret(
                f"{name}-gateway-password",
                metadata=k8s.meta.v1.ObjectMetaArgs(
                    name=f"{SESSION_NAME}-gateway-password",
                    namespace=namespace,
                    labels=PLATFORM_LABEL,
                ),
                type="Opaque",
                string_data={PASSWORD_SECRET_KEY: password},
                opts=child,
            )
            env.append(
                k8s.core.v1.EnvVarArgs(
                    name="DASK_GATEWAY__AUTH__KWARGS__PASSWORD",
                    value_from=k8s.core.v1.EnvVarSourceArgs(
                        secret_key_ref=k8s.core.v1.SecretKeySelectorArgs(
                            name=secret.metadata.name, key=PASSWORD_SECRET_KEY
                        )
                    ),
                )
            )
        labels = {**PLATFORM_LABEL, "app.kubernetes.io/name": SESSION_NAME}
        self.deployment = k8s.apps.v1.Deployment(
            name,
            metadata=k8s.meta.v1.ObjectMetaArgs(name=SESSION_NAME, namespace=namespace, labels=labels),
            spec=k8s.apps.v1.DeploymentSpecArgs(
                replicas=1,
                selector=k8s.meta.v1.LabelSelectorArgs(match_labels=labels),
                template=k8s.core.v1.PodTemplateSpecArgs(
                    metadata=k8s.meta.v1.ObjectMetaArgs(labels=labels),
                    spec=k8s.core.v1.PodSpecArgs(
                        service_account_name=USER_SERVICE_ACCOUNT,
                        security_context=k8s.core.v1.PodSecurityContextArgs(
                            run_as_non_root=True,
                            run_as_user=1000,
                            seccomp_profile=k8s.core.v1.SeccompProfileArgs(type="RuntimeDefault"),
                        ),
                        containers=[
                            k8s.core.v1.ContainerArgs(
                                name="client",
                                image=image,
                                command=list(config.session.command),
                                env=env,
                                resources=_resource_requirements(config.session.resources),
                                security_context=k8s.core.v1.SecurityContextArgs(
                                    allow_privilege_escalation=False,
                                    capabilities=k8s.core.v1.CapabilitiesArgs(drop=["ALL"]),
                                ),
                            )
                        ],
                    ),
                ),
            ),
            opts=child,
        )
        self.register_outputs({"namespace": namespace, "image": image})
