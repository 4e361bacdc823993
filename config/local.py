"""The platform on one machine's Docker, without Kubernetes: ``dask-platform:local``.

Only a stack with ``environment: local`` may set it; ``config/platform.py`` holds the rules between it and the
other sections (which Kubernetes keys a local stack refuses, which profile the gateway runs).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

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


class LocalPorts(ConfigModel):
    """Ports on 127.0.0.1 of the machine; nothing is published on other addresses."""

    gateway: Port = 8000
    """The gateway's API and scheduler proxy: `http://127.0.0.1:<port>`."""
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
    """The gateway and JupyterLab as two containers on one Docker network, published on 127.0.0.1 only."""

    ports: LocalPorts = LocalPorts()
    """Published ports on 127.0.0.1, one per container."""
    allow_privileged_ports: bool = False
    """Opt in to ports below 1024, which need root or a daemon configured to bind them."""
    gateway_profile: str | None = None
    """The image profile whose `local` base image runs the gateway (and its clusters); defaults to
    `images.defaultProfile`."""
    network: DockerName = "dask-platform"
    """The Docker network both containers join; the gateway is `dask-gateway` on it."""
    volumes: LocalVolumes = LocalVolumes()
    """Named volumes, kept across `pulumi up` and container restarts."""
    gateway: ContainerLimits = ContainerLimits(cpus=2, memory="4g")
    """The gateway container's limits; its clusters run inside it as processes, so size it for them."""
    jupyter: ContainerLimits = ContainerLimits(cpus=1, memory="2g")
    """The JupyterLab container's limits."""
    restart: Literal["no", "on-failure", "always", "unless-stopped"] = "unless-stopped"
    """Docker's restart policy for both containers."""
