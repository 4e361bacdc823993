"""dask-platform's dask-gateway configuration: cluster options, per-cluster limits, team namespaces and auth.

This file runs inside dask-gateway-server, unchanged: the Helm chart inlines it into the gateway's config file
(``gateway.extraConfig``), and the ``local`` image uses it as its config file. Everything that differs between
stacks arrives as one JSON document in the environment variable ``DASK_PLATFORM_GATEWAY``, generated from the
stack by ``render/gateway_options.py``; nothing here is generated.

It is inlined in the middle of the chart's config file, so it has no ``from __future__`` import and its
annotations are valid at run time.
"""

import json
import math
import os
from collections.abc import Mapping
from typing import Any

from dask_gateway_server.options import Float, Options, String
from dask_gateway_server.traitlets import MemoryLimit

DATA_ENV = "DASK_PLATFORM_GATEWAY"
"""The environment variable holding the JSON document this configuration reads."""
LOCAL_BACKEND = "dask_gateway_server.backends.local.UnsafeLocalBackend"
"""Local clusters run as processes of the gateway's own non-root user, so the backend must not switch users."""


def load_data(environ: Mapping[str, str] = os.environ) -> dict[str, Any]:
    if DATA_ENV not in environ:
        raise RuntimeError(f"{DATA_ENV} is not set: dask-platform passes the gateway's options data through it")
    data: dict[str, Any] = json.loads(environ[DATA_ENV])
    return data


def parse_memory(field: str, value: str, bounds: Mapping[str, Any]) -> int:
    """Bytes of a memory size such as ``"2 G"``, read with the gateway's own parser, within the stack's bounds."""
    try:
        size = int(MemoryLimit().validate(None, value.strip()))
    except Exception:
        size = 0
    if size <= 0:
        raise ValueError(
            f"{field} must be a memory size such as '2 G' (suffix K, M, G or T, powers of 1024), got {value!r}"
        )
    if not bounds["minBytes"] <= size <= bounds["maxBytes"]:
        raise ValueError(f"{field} must be between {bounds['min']!r} and {bounds['max']!r}, got {value!r}")
    return size


def checked_image(value: str, image: Mapping[str, Any]) -> str:
    chosen = value.strip()
    if not chosen:
        raise ValueError(f"image must name an image, such as {image['default']!r}")
    allowed: list[str] = image["allowed"]
    if allowed and chosen not in allowed:
        raise ValueError(f"image {chosen!r} is not offered here; choose one of {', '.join(allowed)}")
    return chosen


def cluster_overrides(data: Mapping[str, Any], options: Any, user: Any) -> dict[str, Any]:
    """What one cluster gets from the options a user chose: the gateway's option handler."""
    memory = parse_memory("worker_memory", options.worker_memory, data["options"]["workerMemory"])
    if data["backend"] == "local":
        # Local processes have no image and no separate limits, and the local backend counts whole cores.
        return {"worker_cores": max(1, math.ceil(options.worker_cores)), "worker_memory": memory}
    overrides: dict[str, Any] = {
        "image": checked_image(options.image, data["options"]["image"]),
        "worker_cores": options.worker_cores,
        # A limit below its request would make Kubernetes reject the pod, so a request above the asked-for limit
        # raises the limit; the memory limit follows the memory request.
        "worker_cores_limit": max(options.worker_cores_limit, options.worker_cores),
        "worker_memory": memory,
        "worker_memory_limit": memory,
    }
    # A team's users get their clusters in the team's namespace; the first matching team in stack order wins.
    for group, namespace in data["teamNamespaces"].items():
        if group in user.groups:
            overrides["namespace"] = namespace
            break
    return overrides


def _float_option(name: str, label: str, bounds: Mapping[str, Any]) -> Float:
    return Float(name, default=bounds["default"], min=bounds["min"], max=bounds["max"], label=label)


def cluster_options(data: Mapping[str, Any]) -> Options:
    """The options users see in ``gateway.cluster_options()``: names and types their notebooks rely on."""
    options = data["options"]

    def handler(chosen: Any, user: Any) -> dict[str, Any]:
        return cluster_overrides(data, chosen, user)

    return Options(
        String("image", default=options["image"]["default"], label="Image"),
        _float_option("worker_cores", "Worker cores", options["workerCores"]),
        _float_option("worker_cores_limit", "Worker cores limit", options["workerCoresLimit"]),
        String("worker_memory", default=options["workerMemory"]["default"], label="Worker memory"),
        handler=handler,
    )


def configure(c: Any, data: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> None:
    """Apply the data to a dask-gateway-server config object ``c``."""
    c.Backend.cluster_options = cluster_options(data)
    limits = data["limits"]
    c.ClusterConfig.cluster_max_cores = limits["clusterMaxCores"]
    c.ClusterConfig.cluster_max_memory = limits["clusterMaxMemory"]
    c.ClusterConfig.cluster_max_workers = limits["clusterMaxWorkers"]
    c.ClusterConfig.idle_timeout = limits["idleTimeout"]
    c.ClusterConfig.scheduler_cmd = list(data["schedulerCommand"])
    c.ClusterConfig.worker_cmd = list(data["workerCommand"])
    if data["backend"] == "local":
        c.DaskGateway.backend_class = LOCAL_BACKEND
        c.Proxy.address = data["proxyAddress"]
    password_env = data.get("passwordEnv")
    if password_env is not None:
        # The password comes from a Kubernetes Secret (or the container's environment), never from the data.
        if password_env in environ:
            c.SimpleAuthenticator.password = environ[password_env]
        elif data.get("passwordRequired", False):
            raise RuntimeError(f"{password_env} is not set, but this gateway requires a password")


# traitlets puts get_config into the namespace of a config file: here the file runs as the gateway's config,
# elsewhere (tests, tools) it is imported as a module and configures nothing.
if "get_config" in globals():
    configure(get_config(), load_data())  # type: ignore[name-defined]  # noqa: F821
