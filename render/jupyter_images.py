"""The Jupyter image as catalog specs: JupyterLab, then one layer per profile that adds its kernel (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from config.images import ImageProfile, ImagesConfig
from render.image_spec import TINI_VERSION, ImageSpec, Recipe, tagged_spec, version_key
from render.kernels import dask_config_text, jupyter_server_config

JUPYTER_BUILD_REPOSITORY = "jupyter-build"
"""Where the Jupyter image's intermediate layers (JupyterLab alone, then one kernel at a time) are kept."""
JUPYTER_CONTEXT = "images/jupyter"
JUPYTER_SERVER = Recipe(JUPYTER_CONTEXT, "images/jupyter/Dockerfile")
JUPYTER_KERNEL = Recipe(JUPYTER_CONTEXT, "images/jupyter/kernel.Dockerfile")
JUPYTER_REQUIREMENTS = "images/jupyter/requirements.txt"
JUPYTER_KERNEL_REQUIREMENTS = "images/jupyter/kernel-requirements.txt"
JUPYTER_DASK_CONFIG = "images/jupyter/dask-labextension.yaml"


def kernel_lock(images: ImagesConfig, profile: ImageProfile) -> str:
    return f"images/jupyter/locks/kernel-{version_key(profile, images.dask_gateway_version)}.txt"


def jupyter_server_lock(images: ImagesConfig) -> str:
    return f"images/jupyter/locks/server-py{images.jupyter.python}.txt"


def _server_spec(images: ImagesConfig, server_dask_config: Mapping[str, Any], root: Path) -> ImageSpec:
    server_lock = jupyter_server_lock(images)
    server_args = {
        "PYTHON_BASE": images.jupyter.python_base(),
        "TINI_VERSION": TINI_VERSION,
        "SERVER_LOCK": server_lock.removeprefix("images/jupyter/"),
        "SERVER_CONFIG": dask_config_text(jupyter_server_config(images.default_profile)),
        "SERVER_DASK_CONFIG": dask_config_text(server_dask_config),
    }
    return tagged_spec(
        root,
        JUPYTER_SERVER,
        key="jupyter-server",
        kind="jupyter",
        repository=f"{images.registry}/dask/{JUPYTER_BUILD_REPOSITORY}",
        tag_prefix=f"server-py{images.jupyter.python}",
        build_args=server_args,
        locks=(server_lock,),
        files=[JUPYTER_DASK_CONFIG],
    )


def _kernel_spec(
    images: ImagesConfig,
    name: str,
    last: bool,
    kernel_config: Mapping[str, Any],
    layers: tuple[ImageSpec, ImageSpec],
    root: Path,
) -> ImageSpec:
    """The layer that adds profile ``name``'s kernel on ``layers``: (the previous layer, the profile's base)."""
    profile = images.profiles[name]
    lock = kernel_lock(images, profile)
    build_args = {
        "KERNEL_NAME": name,
        "KERNEL_PYTHON": profile.python,
        "DASK_VERSION": profile.dask,
        "DASK_GATEWAY_VERSION": images.dask_gateway_version,
        "KERNEL_LOCK": lock.removeprefix("images/jupyter/"),
        "KERNEL_DASK_CONFIG": dask_config_text(kernel_config),
    }
    previous, kernel_base = layers
    return tagged_spec(
        root,
        JUPYTER_KERNEL,
        key="jupyter" if last else f"jupyter-kernel-{name}",
        kind="jupyter",
        repository=f"{images.registry}/dask/{'jupyter' if last else JUPYTER_BUILD_REPOSITORY}",
        tag_prefix=f"py{images.jupyter.python}" if last else name,
        build_args=build_args,
        locks=(lock,),
        base=previous,
        kernel_base=kernel_base,
        profile=name,
    )


def jupyter_specs(
    images: ImagesConfig,
    bases: dict[str, ImageSpec],
    kernel_configs: Mapping[str, Mapping[str, Any]],
    server_dask_config: Mapping[str, Any],
    root: Path,
) -> list[ImageSpec]:
    """JupyterLab, then one layer per profile that adds its kernel, copied from the profile's k8s base image: each
    kernel runs exactly the interpreter and environment of the clusters it drives, and nothing is downloaded but
    ipykernel from the kernel's lock. The last layer is the Jupyter image; the others are build steps.

    Each kernel's dask configuration (``kernel_configs``, by profile) arrives as the ``KERNEL_DASK_CONFIG`` build
    argument: it holds no secret, and so it enters the layer's content digest like any other argument. The server's
    own (``server_dask_config``: where the Dask panes find a gateway) arrives the same way."""
    specs = [_server_spec(images, server_dask_config, root)]
    names = list(images.profiles)
    for position, name in enumerate(names):
        last = position == len(names) - 1
        specs.append(_kernel_spec(images, name, last, kernel_configs[name], (specs[-1], bases[name]), root))
    return specs
