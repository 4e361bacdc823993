"""What a Dask client of the platform defaults to: clusters of its own profile, as dask's own configuration.

A client runs one profile's ``dask``, ``distributed`` and ``dask-gateway``; its clusters must run the same, so
``Gateway().new_cluster()`` and ``gateway.cluster_options()`` must default to that profile, whatever the
gateway's own default is. dask_gateway reads ``gateway.cluster.options`` as the defaults it applies over the
server's, so each client gets that key: a Jupyter kernel as a YAML file in its own prefix
(``{sys.prefix}/etc/dask``, read by dask at import), the session as ``DASK_*`` environment variables.
"""

from __future__ import annotations

import ast
import json
from collections.abc import Mapping
from typing import Any

from config.gateway import GatewayConfig

KERNEL_PREFIX = "dask-"
"""A profile's kernel is named ``dask-<profile>`` (``images/jupyter/kernel.Dockerfile``)."""
KERNEL_DASK_CONFIG_FILE = "etc/dask/dask-platform.yaml"
"""Where in a kernel's environment (``/opt/kernels/<profile>/env``) its dask configuration is written."""
DASK_ENV_PREFIX = "DASK_"


def profile_cluster_options(gateway: GatewayConfig, image: str, profile_images: Mapping[str, str]) -> dict[str, str]:
    """The cluster options that run a client's clusters on ``image``, the client's own.

    Where the gateway offers the ``profile`` option and ``image`` is a profile's k8s image, the choice of that
    profile: the handler then picks the image, and users see the profile they got. Otherwise the image itself.
    """
    if gateway.profile_option.enabled:
        for name, reference in profile_images.items():
            if reference == image:
                return {"profile": name}
    return {"image": image}


def kernel_dask_config(
    cluster_options: Mapping[str, Any], address: str | None = None, auth_type: str | None = None
) -> dict[str, Any]:
    """The dask configuration of one client: its default cluster options, and where it has a gateway of its
    own (the local stack), that gateway's ``address`` and the ``auth_type`` it expects."""
    gateway: dict[str, Any] = {} if address is None else {"address": address}
    if auth_type is not None:
        gateway["auth"] = {"type": auth_type}
    gateway["cluster"] = {"options": dict(cluster_options)}
    return {"gateway": gateway}


def kernel_dask_configs(
    gateway: GatewayConfig,
    kernel_images: Mapping[str, str],
    on_kubernetes: bool,
    gateway_addresses: Mapping[str, str] | None = None,
    auth_type: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Each profile's kernel's dask configuration, by profile: clusters of the kernel's own profile by default.

    ``kernel_images`` are the images the kernels are copied from (profile -> reference). On Kubernetes they are
    the k8s images the kernels' clusters run. A stack without Kubernetes has only ``local`` images, whose gateway
    runs clusters as its own processes: there is no image to choose. ``gateway_addresses`` (profile -> address)
    and ``auth_type`` are for kernels that each reach a gateway of their own.
    """
    addresses = gateway_addresses or {}
    return {
        name: kernel_dask_config(
            profile_cluster_options(gateway, image, kernel_images) if on_kubernetes else {},
            address=addresses.get(name),
            auth_type=auth_type,
        )
        for name, image in kernel_images.items()
    }


def dask_config_text(config: Mapping[str, Any]) -> str:
    """A configuration as its file holds it: compact, stable JSON, which is YAML too."""
    return json.dumps(config, sort_keys=True, separators=(",", ":"))


def kernel_name(profile: str) -> str:
    return f"{KERNEL_PREFIX}{profile}"


def jupyter_server_config(default_profile: str) -> dict[str, Any]:
    """The Jupyter settings that keep JupyterLab to the profiles' kernels, for ``etc/jupyter/jupyter_config.json``
    of the server's environment: the file every Jupyter command reads, the server and ``jupyter kernelspec list``
    alike (``jupyter_server_config.json`` is the server's alone).

    The server's environment has ipykernel (JupyterLab requires it) but no Dask. jupyter_client adds it as
    "Python 3 (ipykernel)" unless ``ensure_native_kernel`` is off, and even then serves it as ``python3`` from
    ipykernel's own files: that is the kernel manager's ``default_kernel_name`` unless set, which the server
    reports as the default and starts for a notebook without kernel metadata. So the default becomes the default
    profile's kernel.
    """
    return {
        "KernelSpecManager": {"ensure_native_kernel": False},
        "MultiKernelManager": {"default_kernel_name": kernel_name(default_profile)},
    }


def _env_value(value: Any) -> str:
    """A value as dask reads it back from the environment: dask parses each value as a Python literal, so text
    that would parse as something else (a profile named ``1``) is quoted."""
    text = str(value)
    try:
        parsed = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
    return text if parsed == value else repr(value)


def dask_config_env(config: Mapping[str, Any], prefix: str = DASK_ENV_PREFIX) -> dict[str, str]:
    """The configuration as dask's environment variables: ``DASK_`` and the key path joined by ``__``."""
    environment: dict[str, str] = {}
    for key, value in config.items():
        name = f"{prefix}{key.upper()}"
        if isinstance(value, Mapping):
            environment.update(dask_config_env(value, f"{name}__"))
        else:
            environment[name] = _env_value(value)
    return environment
