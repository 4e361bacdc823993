"""The local stack's containers, network and volumes as plain data: the platform on one machine's Docker.

The gateway container runs the ``local`` base image of ``local.gatewayProfile`` with the image's own command
(dask-gateway-server with the shipped configuration and the stack's options baked in at build time). JupyterLab
runs the catalog's Jupyter image on the same Docker network, where the gateway answers as ``dask-gateway``, so
``DASK_GATEWAY__ADDRESS`` makes ``Gateway()`` work without arguments in every kernel. Both publish one port each,
on 127.0.0.1 only. Secrets are not part of this data: a container lists the names of the variables that receive
the gateway password (``password_env``), and the component fills them from the secret config.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from config.images import Target
from config.platform import PlatformConfig
from render.catalog import ImageSpec
from render.names import PASSWORD_ENV
from render.session import CLIENT_PASSWORD_ENV

PUBLISH_ADDRESS = "127.0.0.1"
"""Every published port binds this address only: nothing is reachable from other machines."""
GATEWAY_CONTAINER = "dask-platform-gateway"
JUPYTER_CONTAINER = "dask-platform-jupyter"
GATEWAY_HOST = "dask-gateway"
"""The gateway's name on the Docker network."""
GATEWAY_PORT = 8000
"""dask-gateway-server's proxy in the local image: the API and the schedulers' TLS traffic on one port."""
JUPYTER_PORT = 8888
JUPYTER_HOME = "/home/jovyan"
"""JupyterLab's user home and root directory: the notebooks volume is mounted here, so the image's own home
(owned by the notebook user) seeds it and everything written there survives."""
GATEWAY_COMMAND = ("dask-gateway-server", "--config", "/etc/dask-gateway/dask_gateway_config.py")
"""The ``local`` target's CMD (images/base/Dockerfile), stated so the plan shows what runs."""
GATEWAY_HEALTH_URL = f"http://127.0.0.1:{GATEWAY_PORT}/api/health"
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


@dataclass(frozen=True)
class LocalContainer:
    name: str
    image: str
    image_key: str
    """The catalog spec that builds ``image``: the container waits for that build."""
    command: tuple[str, ...]
    env: dict[str, str]
    password_env: tuple[str, ...]
    """Variables that receive the gateway password from secret config, when the stack sets one."""
    ports: tuple[PublishedPort, ...]
    network: str
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
    gateway: LocalContainer
    jupyter: LocalContainer

    @property
    def containers(self) -> tuple[LocalContainer, ...]:
        return (self.gateway, self.jupyter)


def _health_check(url: str) -> HealthCheck:
    probe = f"import urllib.request; urllib.request.urlopen({url!r}, timeout=4)"
    return HealthCheck(test=("CMD", "python", "-c", probe))


def memory_megabytes(size: str) -> int:
    """Docker's size such as ``512m`` or ``4g`` in MB, as pulumi-docker takes a memory limit."""
    number, unit = int(size[:-1]), size[-1]
    return number * 1024 if unit == "g" else number


def local_images(config: PlatformConfig, specs: list[ImageSpec]) -> list[ImageSpec]:
    """What a local stack builds: what its containers run (the gateway profile's ``local`` base, Jupyter) and
    the images those are built from, in the catalog's order. Nothing else: local clusters run inside the gateway.
    """
    by_key = {spec.key: spec for spec in specs}
    wanted: set[str] = set()
    pending = [f"base-{config.local_gateway_profile}-local", "jupyter"]
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


def gateway_url(config: PlatformConfig) -> str:
    return f"http://{PUBLISH_ADDRESS}:{config.local.ports.gateway}"


def jupyter_url(config: PlatformConfig) -> str:
    return f"http://{PUBLISH_ADDRESS}:{config.local.ports.jupyter}/lab"


def in_network_gateway_address() -> str:
    return f"http://{GATEWAY_HOST}:{GATEWAY_PORT}"


def jupyter_token_command() -> str:
    return f"docker exec {JUPYTER_CONTAINER} jupyter server list"


def client_environment(address: str) -> dict[str, str]:
    """What every kernel inherits: ``Gateway()`` finds the gateway and authenticates with basic auth."""
    return {
        "DASK_GATEWAY_URL": address,
        "DASK_GATEWAY__ADDRESS": address,
        "DASK_GATEWAY__AUTH__TYPE": "basic",
    }


def local_runtime(config: PlatformConfig, specs: list[ImageSpec]) -> LocalRuntimeSpec:
    """The containers, network and volumes of a local stack; ``specs`` are the catalog's (``local_images``)."""
    if not config.is_local:
        raise ValueError("only a local stack runs on Docker")
    local = config.local
    by_key = {spec.key: spec for spec in specs}
    gateway_key = f"base-{config.local_gateway_profile}-local"
    gateway_image, jupyter_image = by_key[gateway_key], by_key["jupyter"]
    gateway = LocalContainer(
        name=GATEWAY_CONTAINER,
        image=gateway_image.reference,
        image_key=gateway_key,
        command=GATEWAY_COMMAND,
        env={},
        password_env=(PASSWORD_ENV,),
        ports=(PublishedPort(GATEWAY_PORT, local.ports.gateway),),
        network=local.network,
        aliases=(GATEWAY_HOST,),
        health_check=_health_check(GATEWAY_HEALTH_URL),
        volumes=(),
        restart=local.restart,
        cpus=local.gateway.cpus,
        memory_mb=memory_megabytes(local.gateway.memory),
        wait_healthy=True,
    )
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
        env=client_environment(in_network_gateway_address()),
        password_env=(CLIENT_PASSWORD_ENV,),
        ports=(PublishedPort(JUPYTER_PORT, local.ports.jupyter),),
        network=local.network,
        aliases=(),
        health_check=_health_check(JUPYTER_HEALTH_URL),
        volumes=(VolumeMount(local.volumes.notebooks, JUPYTER_HOME),),
        restart=local.restart,
        cpus=local.jupyter.cpus,
        memory_mb=memory_megabytes(local.jupyter.memory),
        wait_healthy=False,
        needs=(GATEWAY_CONTAINER,),
    )
    return LocalRuntimeSpec(network=local.network, volumes=(local.volumes.notebooks,), gateway=gateway, jupyter=jupyter)
