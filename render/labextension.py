"""How JupyterLab's Dask panes (dask-labextension) reach the gateway (pure, no Pulumi).

The Jupyter image's server environment reads ``images/jupyter/dask-labextension.yaml`` from its own prefix
(``/opt/jupyter/etc/dask``): the panes start clusters with ``dask_gateway.GatewayCluster``. Where the gateway is
and how to log in are the stack's, so they come from the environment of JupyterLab's container, which its
kernels inherit too: the local stack sets them itself (render/local.py); on Kubernetes the stack exports them
(``jupyterEnvironment``) for the JupyterHub that spawns the Jupyter image.
"""

from __future__ import annotations

from config.platform import PlatformConfig

LABEXTENSION_CONFIG = "images/jupyter/dask-labextension.yaml"
SERVER_DASK_CONFIG_DIR = "/opt/jupyter/etc/dask"
"""Where the image puts it: ``{sys.prefix}/etc/dask`` of JupyterLab's environment, a path Dask reads config from."""
ADDRESS_ENV = "DASK_GATEWAY__ADDRESS"
AUTH_TYPE_ENV = "DASK_GATEWAY__AUTH__TYPE"


def gateway_auth_type(config: PlatformConfig) -> str:
    """dask_gateway's client name for the stack's authenticator: simple is HTTP basic auth with the password."""
    return "jupyterhub" if config.gateway.auth.type == "jupyterhub" else "basic"


def jupyter_gateway_environment(config: PlatformConfig, address: str) -> dict[str, str]:
    """What JupyterLab's container needs so that its Dask panes and kernels find and log in to the gateway.

    With JupyterHub auth, JupyterHub gives each server its ``JUPYTERHUB_API_TOKEN``; with simple auth the
    password goes in ``DASK_GATEWAY__AUTH__KWARGS__PASSWORD`` from the gateway password Secret, never here.
    """
    return {ADDRESS_ENV: address, AUTH_TYPE_ENV: gateway_auth_type(config)}
