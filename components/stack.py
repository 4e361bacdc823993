"""The stack as the Pulumi engine hands it to the program: validated config plus secrets as Pulumi Outputs."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi
from pulumi.runtime import config as runtime_config

from config.platform import PlatformConfig
from config.stack import PROJECT, ConfigError, read_stack
from render.catalog import check_catalog
from render.platform import SecretConfig


@dataclass(frozen=True)
class Secrets:
    """Secret config as Pulumi Outputs: they flow into Kubernetes Secrets and stay encrypted in state."""

    gateway_password: pulumi.Output[str] | None = None
    registry_password: pulumi.Output[str] | None = None
    pip_extra_index_url: pulumi.Output[str] | None = None
    """A private package index for image builds; reaches them as a build secret, never as a build argument."""
    jupyterhub_api_token: pulumi.Output[str] | None = None
    """The gateway's JupyterHub API token, when the stack holds it rather than naming an existing Secret."""

    def given(self) -> SecretConfig:
        """Which values the stack holds: what the render layer may know of them."""
        return SecretConfig(
            gateway_password=self.gateway_password is not None,
            jupyterhub_api_token=self.jupyterhub_api_token is not None,
        )


@dataclass(frozen=True)
class LoadedStack:
    platform: PlatformConfig
    secrets: Secrets
    stack_file: str


def load_stack() -> LoadedStack:
    """Read and validate the running stack's config; raises ConfigError before anything is declared."""
    stack_file = Path(f"Pulumi.{pulumi.get_stack()}.yaml")
    # The CLI passes config through the environment; the mocks (tools.plan) set it in the runtime directly.
    values = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secret_keys = set(runtime_config.get_config_secret_keys_env())
    secret_keys |= {key for key in values if runtime_config.is_config_secret(key)}
    platform = read_stack(stack_file, values=values, secret_keys=secret_keys)
    stale_locks = check_catalog(platform.images)
    if stale_locks:
        message = "\n".join(f"{stack_file.name}: images: {problem}" for problem in stale_locks)
        # A preview may look at versions nobody locked yet; an update must not build from the wrong locks.
        if not pulumi.runtime.is_dry_run():
            raise ConfigError(message)
        pulumi.log.warn(message)
    config = pulumi.Config(PROJECT)
    return LoadedStack(
        platform=platform,
        secrets=Secrets(
            gateway_password=config.get_secret("gatewayPassword"),
            registry_password=config.get_secret("registryPassword"),
            pip_extra_index_url=config.get_secret("pipExtraIndexUrl"),
            jupyterhub_api_token=config.get_secret("jupyterhubApiToken"),
        ),
        stack_file=stack_file.name,
    )
