"""The check that ends every `pulumi up` with a real computation: ``dask-platform:smokeCheck``."""

from __future__ import annotations

from pydantic import Field

from config.types import ConfigModel, KubernetesName, SecretKey


class SmokeTokenSecret(ConfigModel):
    """An existing Secret in the check's namespace holding a JupyterHub API token the gateway accepts."""

    secret_name: KubernetesName
    """The Secret's name."""
    key: SecretKey = "token"
    """The key holding the token."""


class SmokeCheckConfig(ConfigModel):
    """After the gateway, the operator and the images exist, a Job starts a gateway cluster with one worker,
    computes on it and shuts it down; the deploy fails when it cannot."""

    enabled: bool | None = None
    """Run the check; defaults to on in dev and local (with JupyterHub auth, once `jupyterhubTokenSecret` is
    set), off in prod."""
    timeout_seconds: int = Field(600, ge=120, le=3600)
    """How long the whole check may take, image pull and first worker included, before it counts as failed."""
    jupyterhub_token_secret: SmokeTokenSecret | None = None
    """With JupyterHub auth: the token the check authenticates with (a hub service or user allowed to start
    clusters), from an existing Secret in the check's namespace; the check has no token of its own."""
