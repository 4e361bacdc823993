"""How the program reaches the cluster: ``dask-platform:kubernetes``."""

from __future__ import annotations

from config.types import ConfigModel


class KubernetesConfig(ConfigModel):
    """How the explicit Kubernetes provider reaches the cluster."""

    context: str | None = None
    """The kubeconfig context every Kubernetes resource is created through; unset uses the current one."""
    kubeconfig: str | None = None
    """A kubeconfig file's path or contents; unset uses the default kubeconfig."""
