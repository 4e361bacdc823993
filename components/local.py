"""LocalRuntime: the local stack's Docker network, named volumes and containers, with pulumi-docker."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_docker as docker

from render.local import LocalContainer, LocalRuntimeSpec, SecretFile, secret_file_content


def secret_upload(secret: SecretFile, password: pulumi.Output[str]) -> docker.ContainerUploadArgs:
    # Made from a secret Output, the content stays secret: encrypted in state, "[secret]" in plans.
    content: pulumi.Output[str] = pulumi.Output.secret(password.apply(lambda value: secret_file_content(secret, value)))
    return docker.ContainerUploadArgs(
        file=secret.path, content=content, owner=secret.owner, group=secret.group, permissions=secret.permissions
    )


class LocalRuntime(pulumi.ComponentResource):
    """A gateway container per local image and JupyterLab on one network, JupyterLab's home on a named volume.

    Each container waits for the image build it runs, the network and its volumes; JupyterLab also waits for
    every gateway container, which ``pulumi up`` only counts as created once its health check passes. The
    password reaches each container as a file written before it starts (``uploads``), never as a variable.
    """

    def __init__(
        self,
        name: str,
        spec: LocalRuntimeSpec,
        images: Mapping[str, pulumi.Resource],
        password: pulumi.Output[str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("dask-platform:local:LocalRuntime", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.network = docker.Network(f"{name}-network", name=spec.network, opts=child)
        self.volumes = {
            volume: docker.Volume(f"{name}-volume-{volume}", name=volume, opts=child) for volume in spec.volumes
        }
        self.containers: dict[str, docker.Container] = {}
        for container in spec.containers:
            needs: list[pulumi.Resource] = [images[container.image_key], self.network]
            needs += [self.volumes[mount.volume] for mount in container.volumes]
            needs += [self.containers[other] for other in container.needs]
            self.containers[container.name] = docker.Container(
                f"{name}-{container.name}",
                **self._container_args(container, password),
                opts=pulumi.ResourceOptions(parent=self, depends_on=needs),
            )
        self.register_outputs({"network": spec.network, "containers": list(self.containers)})

    def _container_args(self, container: LocalContainer, password: pulumi.Output[str]) -> dict[str, Any]:
        check = container.health_check
        return {
            "name": container.name,
            "image": container.image,
            "command": list(container.command),
            "envs": [f"{name}={value}" for name, value in sorted(container.env.items())],
            "uploads": [secret_upload(secret, password) for secret in container.secret_files],
            "ports": [
                docker.ContainerPortArgs(internal=port.internal, external=port.external, ip=port.ip)
                for port in container.ports
            ],
            "networks_advanced": [
                docker.ContainerNetworksAdvancedArgs(name=self.network.name, aliases=list(container.aliases) or None)
            ],
            "healthcheck": docker.ContainerHealthcheckArgs(
                tests=list(check.test),
                interval=check.interval,
                timeout=check.timeout,
                retries=check.retries,
                start_period=check.start_period,
            ),
            "volumes": [
                docker.ContainerVolumeArgs(volume_name=mount.volume, container_path=mount.path)
                for mount in container.volumes
            ],
            "restart": container.restart,
            "cpus": f"{container.cpus:g}",
            "memory": container.memory_mb,
            "wait": container.wait_healthy,
            "wait_timeout": 180 if container.wait_healthy else None,
        }
