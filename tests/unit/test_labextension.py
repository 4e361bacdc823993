"""JupyterLab's Dask panes (dask-labextension): the Jupyter image's server reads the Dask config that starts
clusters through the gateway, and each stack gives JupyterLab the gateway's address and its auth.

The config is loaded the way the server loads it (``dask.config.collect`` over its config folder and the
container's environment) and handed to dask_gateway's own client, which resolves the address and the
authenticator exactly as the panes' ``GatewayCluster`` does.
"""

from __future__ import annotations

import importlib
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dask.config
import dask_gateway
import pytest
from dask_gateway.auth import BasicAuth, JupyterHubAuth

from config.stack import PROJECT_DIR
from render.catalog import image_specs
from render.labextension import LABEXTENSION_CONFIG, SERVER_DASK_CONFIG_DIR, jupyter_gateway_environment
from render.local import (
    LOCAL_CATALOG_TARGETS,
    kernel_gateway_addresses,
    local_images,
    local_runtime,
    secret_file_content,
)
from tests.helpers import parse, stack_plan

PASSWORD = "labextension-test-password-31c9"


def server_config(tmp_path: Path, env: Mapping[str, str], *extra: Path) -> dict[str, Any]:
    """The Dask config JupyterLab's server process sees: the packages' defaults, the image's config folder, then
    its environment."""
    folder = tmp_path / "etc-dask"
    folder.mkdir()
    shutil.copy(PROJECT_DIR / LABEXTENSION_CONFIG, folder / "labextension.yaml")
    collected = dask.config.collect(paths=[str(folder), *map(str, extra)], env=dict(env))
    merged: dict[str, Any] = dask.config.merge(dask.config.config, collected)
    return merged


def local_server_files(folder: Path) -> None:
    """What the local stack's JupyterLab server reads besides the image's defaults: its own dask configuration
    (built into the local Jupyter image) and the password file the component uploads into /etc/dask."""
    config = parse({"environment": "local"})
    images = config.images.model_copy(update={"targets": LOCAL_CATALOG_TARGETS})
    specs = local_images(
        config,
        image_specs(
            images, config.gateway, kernel_gateway_addresses=kernel_gateway_addresses(config), kernel_auth_type="basic"
        ),
    )
    (server,) = [spec for spec in specs if spec.key == "jupyter-server"]
    (folder / "dask-platform.yaml").write_text(server.build_args["SERVER_DASK_CONFIG"])
    (auth,) = local_runtime(config, specs).jupyter.secret_files
    (folder / "dask-platform-auth.yaml").write_text(secret_file_content(auth, PASSWORD))


def test_the_panes_start_clusters_with_dask_gateways_gateway_cluster(tmp_path: Path) -> None:
    with dask.config.set(server_config(tmp_path, {})):
        factory = dask.config.get("labextension.factory")
    assert factory == {"module": "dask_gateway", "class": "GatewayCluster", "args": [], "kwargs": {}}
    assert getattr(importlib.import_module(factory["module"]), factory["class"]) is dask_gateway.GatewayCluster


def test_in_the_local_stack_the_panes_reach_the_default_profiles_gateway_with_the_password_file(
    tmp_path: Path,
) -> None:
    extra = tmp_path / "etc-dask-local"
    extra.mkdir()
    local_server_files(extra)
    with dask.config.set(server_config(tmp_path, {}, extra)):
        gateway = dask_gateway.Gateway()
    assert gateway.address == "http://dask-gateway-base-staging:8000"
    assert isinstance(gateway.auth, BasicAuth) and gateway.auth.password == PASSWORD


def test_on_kubernetes_the_stack_exports_jupyterlabs_gateway_environment_for_jupyterhub(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exported = stack_plan("prod").outputs["jupyterEnvironment"]
    assert exported == {
        "DASK_GATEWAY__ADDRESS": "http://traefik-dask-gateway.dask-gateway.svc.cluster.local:80",
        "DASK_GATEWAY__AUTH__TYPE": "jupyterhub",
    }
    # JupyterHub gives every server its own API token; the panes log in to the gateway with it.
    monkeypatch.setenv("JUPYTERHUB_API_TOKEN", "hub-token-for-this-test")
    with dask.config.set(server_config(tmp_path, exported)):
        gateway = dask_gateway.Gateway()
    assert gateway.address == exported["DASK_GATEWAY__ADDRESS"]
    assert isinstance(gateway.auth, JupyterHubAuth) and gateway.auth.api_token == "hub-token-for-this-test"


def test_a_simple_auth_stack_exports_basic_auth_and_never_the_password() -> None:
    outputs = stack_plan("dev").outputs
    assert outputs["jupyterEnvironment"] == {
        "DASK_GATEWAY__ADDRESS": outputs["gatewayAddress"],
        "DASK_GATEWAY__AUTH__TYPE": "basic",
    }
    assert jupyter_gateway_environment(parse({"environment": "dev"}), "http://g:80") == {
        "DASK_GATEWAY__ADDRESS": "http://g:80",
        "DASK_GATEWAY__AUTH__TYPE": "basic",
    }


def test_the_image_puts_the_config_where_jupyterlabs_environment_reads_dask_config() -> None:
    dockerfile = (PROJECT_DIR / "images/jupyter/Dockerfile").read_text()
    assert f"COPY dask-labextension.yaml {SERVER_DASK_CONFIG_DIR}/labextension.yaml" in dockerfile
    # Dask reads {sys.prefix}/etc/dask; JupyterLab's environment is the virtualenv /opt/jupyter.
    assert "python -m venv /opt/jupyter" in dockerfile
    assert SERVER_DASK_CONFIG_DIR == "/opt/jupyter/etc/dask"
