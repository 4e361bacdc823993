"""Rules of a local stack (``environment: local``): no Kubernetes section, only the gateway keys the local image's
own gateway takes, and a port and a network name of its own for every container. ``config/platform.py`` runs them
with the other cross-section rules."""

from __future__ import annotations

import re

from config.gateway import GatewayConfig
from config.local import LocalGateway
from config.sections import PlatformSections
from config.types import ConfigModel, Problems, cross_section_problem
from shipped.patterns import DNS_LABEL

KUBERNETES_SECTIONS = (
    "kubernetes",
    "namespaces",
    "operator",
    "session",
    "network_policies",
    "admission",
    "clusters",
    "teams",
    "monitoring",
)
"""Sections that only mean something on Kubernetes: a local stack refuses them."""


LOCAL_GATEWAY_KEYS = frozenset(
    {"auth", "cluster_options", "cluster_max_cores", "cluster_max_memory", "cluster_max_workers", "clusters_per_user"}
    | {"idle_timeout_seconds", "extra_options"}
)
"""What a local stack's gateway takes from ``dask-platform:gateway``; the rest configures the chart and its pods."""


def _set_value(value: object) -> object:
    """A section's value as the user wrote it, for the message."""
    if isinstance(value, ConfigModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, list):
        return [_set_value(item) for item in value]
    return value


def _alias(model: type[ConfigModel], name: str) -> str:
    return model.model_fields[name].alias or name


def local_stack(config: PlatformSections) -> Problems:
    """A local stack has no Kubernetes: every Kubernetes key is refused where it is set, and vice versa."""
    if not config.is_local:
        if "local" in config.model_fields_set:
            yield cross_section_problem(
                ("local",),
                _set_value(config.local),
                f"is for environment 'local' only; a {config.environment} stack runs on Kubernetes",
            )
        return
    for name in KUBERNETES_SECTIONS:
        if name in config.model_fields_set:
            yield cross_section_problem(
                (_alias(PlatformSections, name),),
                _set_value(getattr(config, name)),
                "is a Kubernetes setting; a local stack runs on Docker without Kubernetes, so remove it",
            )
    gateway = config.gateway
    for name in sorted(gateway.model_fields_set - LOCAL_GATEWAY_KEYS):
        yield cross_section_problem(
            ("gateway", _alias(GatewayConfig, name)),
            _set_value(getattr(gateway, name)),
            "configures the gateway's Helm chart or pods; a local stack runs the local image's own gateway, "
            "so remove it",
        )
    if gateway.auth.type != "simple":
        yield cross_section_problem(
            ("gateway", "auth", "type"),
            gateway.auth.type,
            "a local gateway has no JupyterHub; use 'simple' (password: the secret dask-platform:gatewayPassword)",
        )
    if not config.images.jupyter.enabled:
        yield cross_section_problem(
            ("images", "jupyter", "enabled"),
            False,
            "a local stack runs JupyterLab from the catalog's Jupyter image; set it to true",
        )
    yield from _local_ports(config)


LOCAL_GATEWAY_ALIAS = re.compile(DNS_LABEL)
"""A gateway's network name, ``dask-gateway-<name>``, is a DNS label: what Docker's name resolution answers."""


def _local_ports(config: PlatformSections) -> Problems:
    """Every published port on 127.0.0.1 is its own: JupyterLab's and each gateway's, set or counted.

    A port a gateway counts from ``firstGateway`` is reported at that key, with the gateway and its port."""
    local, ports = config.local, config.local.ports
    gateways = config.local_gateways
    names = [gateway.name for gateway in gateways]
    for name in ports.gateways:
        if name not in names:
            yield cross_section_problem(
                ("local", "ports", "gateways", name),
                ports.gateways[name],
                f"no such gateway; this stack's gateways are {', '.join(names)}",
            )
    # (who holds the port, the key to report, its value there, the port, how the message starts)
    published: list[tuple[str, tuple[str, ...], int, int, str]] = [
        ("local.ports.jupyter", ("local", "ports", "jupyter"), ports.jupyter, ports.jupyter, "")
    ]
    # Set ports before counted ones, so a clash with a counted port is reported at the key that counts it.
    published += [
        (f"local.ports.gateways.{g.name}", ("local", "ports", "gateways", g.name), g.port, g.port, "")
        for g in gateways
        if g.name in ports.gateways
    ]
    published += [
        (
            f"gateway {g.name}'s (counted from local.ports.firstGateway)",
            ("local", "ports", "firstGateway"),
            ports.first_gateway,
            g.port,
            f"gives gateway {g.name} the port {g.port}, which ",
        )
        for g in gateways
        if g.name not in ports.gateways
    ]
    claimed: dict[int, str] = {}
    for owner, key, value, port, prefix in published:
        if port < 1024 and not local.allow_privileged_ports:
            yield cross_section_problem(
                key,
                value,
                f"{prefix}is below 1024, which needs root or a specially configured Docker daemon; pick a port "
                "from 1024 or set local.allowPrivilegedPorts: true",
            )
        elif port > 65535:
            yield cross_section_problem(key, value, f"{prefix}is above 65535; pick a lower first port")
        elif port in claimed:
            yield cross_section_problem(
                key, value, f"{prefix}is already {claimed[port]}; each container needs a port of its own on 127.0.0.1"
            )
        claimed.setdefault(port, owner)
    yield from _gateway_aliases(gateways)


def _gateway_aliases(gateways: list[LocalGateway]) -> Problems:
    for gateway in gateways:
        if not LOCAL_GATEWAY_ALIAS.fullmatch(f"dask-gateway-{gateway.name}"):
            key = ("images", "processors", gateway.name.removeprefix("processor-"))
            if gateway.kind == "base":
                key = ("images", "profiles", gateway.profile)
            yield cross_section_problem(
                key,
                gateway.name,
                f"names the gateway dask-gateway-{gateway.name} on the local network, which must be a DNS label "
                "(at most 63 lowercase letters, digits and '-'); pick a shorter name without '.' or '_'",
            )
