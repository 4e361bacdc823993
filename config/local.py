"""The platform on one machine's Docker, without Kubernetes: ``dask-platform:local``.

Only a stack with ``environment: local`` may set it. Which local images run a gateway, and on which port, is
``local_gateways`` here; ``config/local_rules.py`` holds the rules between this section and the others (which
Kubernetes keys a local stack refuses, ports and network names of its own).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import Field

from config.images import ImagesConfig
from config.types import ConfigModel, matching

DockerName = Annotated[
    str,
    matching(
        r"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}",
        "a Docker name: at most 63 letters, digits, '_', '.' and '-', starting with a letter or digit",
    ),
]
DockerMemory = Annotated[
    str,
    matching(r"[1-9][0-9]*[mg]", "a Docker memory size in whole megabytes or gigabytes, such as 512m or 4g"),
]
Port = Annotated[int, Field(ge=1, le=65535)]


RETIRED_KEYS: dict[tuple[str, ...], str] = {
    ("local", "gatewayProfile"): (
        "retired: every profile's local image now runs a gateway of its own, and each kernel uses its profile's; "
        "remove it"
    ),
    ("local", "ports", "gateway"): (
        "retired: there is one gateway per local image now; set local.ports.firstGateway (the first gateway's "
        "port) and, for one gateway's own port, local.ports.gateways.<name>"
    ),
}
"""Keys a local stack once took, by key path, with what to do instead: one line each, not "unknown key"."""


class LocalPorts(ConfigModel):
    """Ports on 127.0.0.1 of the machine; nothing is published on other addresses."""

    first_gateway: Port = 8000
    """The first gateway's port (`gatewayUrls` lists the gateways in order); each next gateway takes the next
    port, unless `gateways` gives it one of its own."""
    gateways: dict[str, Port] = Field(default_factory=dict)
    """A gateway's own port instead of its place after `firstGateway`, by gateway name, such as
    `{base-processor: 8100}`."""
    jupyter: Port = 8888
    """JupyterLab: `http://127.0.0.1:<port>/lab`."""


class ContainerLimits(ConfigModel):
    cpus: float = Field(gt=0)
    """CPUs the container may use, such as 1.5."""
    memory: DockerMemory
    """The container's memory limit, such as `4g`."""


class LocalVolumes(ConfigModel):
    notebooks: DockerName = "dask-platform-notebooks"
    """The named volume holding JupyterLab's home directory: notebooks survive `pulumi up` and restarts."""


class LocalConfig(ConfigModel):
    """A gateway per local image and JupyterLab, as containers on one Docker network, published on 127.0.0.1
    only."""

    ports: LocalPorts = LocalPorts()
    """Published ports on 127.0.0.1, one per container."""
    allow_privileged_ports: bool = False
    """Opt in to ports below 1024, which need root or a daemon configured to bind them."""
    network: DockerName = "dask-platform"
    """The Docker network every container joins; a gateway is `dask-gateway-<name>` on it."""
    volumes: LocalVolumes = LocalVolumes()
    """Named volumes, kept across `pulumi up` and container restarts."""
    gateway: ContainerLimits = ContainerLimits(cpus=2, memory="4g")
    """Each gateway container's limits; its clusters run inside it as processes, so size it for them."""
    jupyter: ContainerLimits = ContainerLimits(cpus=1, memory="2g")
    """The JupyterLab container's limits."""
    restart: Literal["no", "on-failure", "always", "unless-stopped"] = "unless-stopped"
    """Docker's restart policy for every container."""


GatewayKind = Literal["base", "staging", "processor"]


@dataclass(frozen=True)
class LocalGateway:
    """One local image that runs a gateway of its own: its name (the image's catalog name without ``-local``),
    what it is, the profile whose versions it runs, and its port on 127.0.0.1."""

    name: str
    kind: GatewayKind
    profile: str
    port: int


def local_gateways(images: ImagesConfig, local: LocalConfig) -> list[LocalGateway]:
    """The gateways of a local stack, in order: each profile's ``local`` base image (so every kernel has a gateway
    of its own versions), then the staging image and each processor the stack declares. A gateway takes
    ``local.ports.firstGateway`` plus its place in this order, unless ``local.ports.gateways`` gives it a port of
    its own."""
    named: list[tuple[str, GatewayKind, str]] = [(f"base-{name}", "base", name) for name in images.profiles]
    if images.staging is not None:
        named.append(("staging", "staging", images.staging.profile))
    named += [(f"processor-{name}", "processor", image.profile) for name, image in images.processors.items()]
    ports = local.ports
    return [
        LocalGateway(name, kind, profile, ports.gateways.get(name, ports.first_gateway + place))
        for place, (name, kind, profile) in enumerate(named)
    ]
