"""The local stack's containers, network and volumes as plain data: the platform on one machine's Docker.

Each local image that runs a gateway (every profile's ``local`` base, and the staging and processor images the
stack declares: ``PlatformConfig.local_gateways``) gets a container of its own, with the image's own command
(dask-gateway-server with the shipped configuration and the stack's options baked in at build time), a network
name ``dask-gateway-<name>`` and a port on 127.0.0.1. JupyterLab runs the catalog's Jupyter image on the same
network; each kernel's own dask configuration (``render/kernels.py``) points ``Gateway()`` at the gateway of its
profile's base image, so every kernel computes on clusters of its own versions without arguments.

The password is not part of this data and never enters an environment, which every child process inherits:
a container lists the files that receive it (``secret_files``, readable by the image's user only), and the
component writes them into the container before it starts.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

from config.images import Target
from config.local import LocalGateway
from config.platform import PlatformConfig
from render.catalog import ImageSpec
from render.names import LOCAL_PASSWORD_FILE

PUBLISH_ADDRESS = "127.0.0.1"
"""Every published port binds this address only: nothing is reachable from other machines."""
GATEWAY_CONTAINER_PREFIX = "dask-platform-gateway-"
JUPYTER_CONTAINER = "dask-platform-jupyter"
GATEWAY_ALIAS_PREFIX = "dask-gateway-"
"""A gateway's name on the Docker network is this and the gateway's name."""
GATEWAY_PORT = 8000
"""dask-gateway-server's proxy in the local image: the API and the schedulers' TLS traffic on one port."""
JUPYTER_PORT = 8888
JUPYTER_HOME = "/home/jovyan"
"""JupyterLab's user home and root directory: the notebooks volume is mounted here, so the image's own home
(owned by the notebook user) seeds it and everything written there survives."""
GATEWAY_COMMAND = ("dask-gateway-server", "--config", "/etc/dask-gateway/dask_gateway_config.py")
"""The ``local`` target's CMD (images/base/Dockerfile), stated so the plan shows what runs."""
GATEWAY_HEALTH_URL = f"http://127.0.0.1:{GATEWAY_PORT}/api/health"
"""Probed inside the container, on the container's port: the published port may be anything."""
JUPYTER_HEALTH_URL = f"http://127.0.0.1:{JUPYTER_PORT}/api"


@dataclass(frozen=True)
class HealthCheck:
    """Docker's health check: ``test`` runs inside the container."""

    test: tuple[str, ...]
    interval: str = "10s"
    timeout: str = "5s"
    retries: int = 6
    start_period: str = "30s"


@dataclass(frozen=True)
class PublishedPort:
    internal: int
    external: int
    ip: str = PUBLISH_ADDRESS


@dataclass(frozen=True)
class VolumeMount:
    volume: str
    path: str


IMAGE_USER = "1000"
"""The non-root user (uid and gid) of every image: ``dask`` in the base images, ``jovyan`` in Jupyter's."""
CLIENT_AUTH_FILE = "/etc/dask/dask-platform-auth.yaml"
"""dask reads every YAML file in ``/etc/dask`` in every kernel: ``Gateway()`` logs in with basic auth and this
password, without an argument and without an environment variable."""


@dataclass(frozen=True)
class SecretFile:
    """A file that holds the gateway password, written into the container before it starts."""

    path: str
    form: Literal["password", "dask-config"]
    """``password``: the password alone; ``dask-config``: dask configuration for basic auth with it."""
    owner: str = IMAGE_USER
    group: str = IMAGE_USER
    permissions: str = "0600"


def secret_file_content(secret: SecretFile, password: str) -> str:
    if secret.form == "password":
        return password
    # JSON is YAML, and json.dumps quotes any character a password may hold.
    return json.dumps({"gateway": {"auth": {"type": "basic", "kwargs": {"password": password}}}}) + "\n"


@dataclass(frozen=True)
class ContainerRun:
    """What any local container runs, and on which network: a long-running one or a one-shot check."""

    name: str
    image: str
    image_key: str
    """The catalog spec that builds ``image``: the container waits for that build."""
    command: tuple[str, ...]
    env: dict[str, str]
    secret_files: tuple[SecretFile, ...]
    """The password reaches a container as files only its user reads: never in the environment."""
    network: str


@dataclass(frozen=True)
class LocalContainer(ContainerRun):
    ports: tuple[PublishedPort, ...]
    aliases: tuple[str, ...]
    health_check: HealthCheck
    volumes: tuple[VolumeMount, ...]
    restart: str
    cpus: float
    memory_mb: int
    wait_healthy: bool
    """``pulumi up`` waits until the container's health check passes before anything that depends on it."""
    needs: tuple[str, ...] = field(default=())
    """Names of containers this one waits for (healthy)."""


@dataclass(frozen=True)
class LocalRuntimeSpec:
    network: str
    volumes: tuple[str, ...]
    gateways: dict[str, LocalContainer]
    """By gateway name, in ``PlatformConfig.local_gateways`` order."""
    jupyter: LocalContainer

    @property
    def containers(self) -> tuple[LocalContainer, ...]:
        return (*self.gateways.values(), self.jupyter)


def _health_check(url: str) -> HealthCheck:
    probe = f"import urllib.request; urllib.request.urlopen({url!r}, timeout=4)"
    return HealthCheck(test=("CMD", "python", "-c", probe))


def memory_megabytes(size: str) -> int:
    """Docker's size such as ``512m`` or ``4g`` in MB, as pulumi-docker takes a memory limit."""
    number, unit = int(size[:-1]), size[-1]
    return number * 1024 if unit == "g" else number


def gateway_image_key(gateway: LocalGateway) -> str:
    """The catalog spec of the ``local`` image a gateway runs: a gateway is named after it."""
    return f"{gateway.name}-local"


def gateway_container_name(gateway: LocalGateway) -> str:
    return f"{GATEWAY_CONTAINER_PREFIX}{gateway.name}"


def gateway_alias(gateway: LocalGateway) -> str:
    return f"{GATEWAY_ALIAS_PREFIX}{gateway.name}"


def local_images(config: PlatformConfig, specs: list[ImageSpec]) -> list[ImageSpec]:
    """What a local stack builds: what its containers run (each gateway's ``local`` image, Jupyter) and the
    images those are built from, in the catalog's order. Nothing else: local clusters run inside their gateway.
    """
    by_key = {spec.key: spec for spec in specs}
    wanted: set[str] = set()
    pending = [*(gateway_image_key(gateway) for gateway in config.local_gateways), "jupyter"]
    while pending:
        key = pending.pop()
        if key in wanted:
            continue
        wanted.add(key)
        spec = by_key[key]
        # An image's base, and any other catalog image a build copies from (such as a kernel's environment).
        pending += [other for other in (spec.base, getattr(spec, "kernel_base", None)) if other is not None]
    return [spec for spec in specs if spec.key in wanted]


LOCAL_CATALOG_TARGETS: list[Target] = ["k8s", "local"]
"""The targets a local stack's catalog is computed with: ``local`` for the gateway, ``k8s`` bases for what
Jupyter's kernels may be built from; ``local_images`` keeps only what is needed."""


def gateway_urls(config: PlatformConfig) -> dict[str, str]:
    """Each gateway's URL on this machine, by gateway name: for a client outside the containers."""
    return {gateway.name: f"http://{PUBLISH_ADDRESS}:{gateway.port}" for gateway in config.local_gateways}


def in_network_gateway_addresses(config: PlatformConfig) -> dict[str, str]:
    """Each gateway's address on the Docker network, by gateway name: what the kernels use."""
    return {gateway.name: f"http://{gateway_alias(gateway)}:{GATEWAY_PORT}" for gateway in config.local_gateways}


def kernel_gateway_addresses(config: PlatformConfig) -> dict[str, str]:
    """The gateway each profile's kernel reaches by default: the one its profile's base image runs, which has
    exactly the kernel's versions. By profile."""
    addresses = in_network_gateway_addresses(config)
    return {profile: addresses[f"base-{profile}"] for profile in config.images.profiles}


def jupyter_url(config: PlatformConfig) -> str:
    return f"http://{PUBLISH_ADDRESS}:{config.local.ports.jupyter}/lab"


def jupyter_token_command() -> str:
    return f"docker exec {JUPYTER_CONTAINER} jupyter server list"


def _gateway_container(config: PlatformConfig, gateway: LocalGateway, image: ImageSpec) -> LocalContainer:
    local = config.local
    return LocalContainer(
        name=gateway_container_name(gateway),
        image=image.reference,
        image_key=image.key,
        command=GATEWAY_COMMAND,
        env={},
        secret_files=(SecretFile(LOCAL_PASSWORD_FILE, "password"),),
        ports=(PublishedPort(GATEWAY_PORT, gateway.port),),
        network=local.network,
        aliases=(gateway_alias(gateway),),
        health_check=_health_check(GATEWAY_HEALTH_URL),
        volumes=(),
        restart=local.restart,
        cpus=local.gateway.cpus,
        memory_mb=memory_megabytes(local.gateway.memory),
        wait_healthy=True,
    )


def local_runtime(config: PlatformConfig, specs: list[ImageSpec]) -> LocalRuntimeSpec:
    """The containers, network and volumes of a local stack; ``specs`` are the catalog's (``local_images``)."""
    if not config.is_local:
        raise ValueError("only a local stack runs on Docker")
    local = config.local
    by_key = {spec.key: spec for spec in specs}
    gateways = {
        gateway.name: _gateway_container(config, gateway, by_key[gateway_image_key(gateway)])
        for gateway in config.local_gateways
    }
    jupyter_image = by_key["jupyter"]
    jupyter = LocalContainer(
        name=JUPYTER_CONTAINER,
        image=jupyter_image.reference,
        image_key=jupyter_image.key,
        command=(
            "jupyter",
            "lab",
            "--ip=0.0.0.0",
            f"--port={JUPYTER_PORT}",
            "--no-browser",
            f"--ServerApp.root_dir={JUPYTER_HOME}",
        ),
        env={},
        secret_files=(SecretFile(CLIENT_AUTH_FILE, "dask-config"),),
        ports=(PublishedPort(JUPYTER_PORT, local.ports.jupyter),),
        network=local.network,
        aliases=(),
        health_check=_health_check(JUPYTER_HEALTH_URL),
        volumes=(VolumeMount(local.volumes.notebooks, JUPYTER_HOME),),
        restart=local.restart,
        cpus=local.jupyter.cpus,
        memory_mb=memory_megabytes(local.jupyter.memory),
        wait_healthy=False,
        needs=tuple(container.name for container in gateways.values()),
    )
    return LocalRuntimeSpec(
        network=local.network, volumes=(local.volumes.notebooks,), gateways=gateways, jupyter=jupyter
    )
