"""How the program reaches the cluster: ``dask-platform:kubernetes``."""

from __future__ import annotations

from config.types import ConfigModel


class KubernetesConfig(ConfigModel):
    """How the explicit Kubernetes provider reaches the cluster."""

    context: str | None = None
    kubeconfig: str | None = None
