"""How the program reaches the cluster: ``dask-platform:kubernetes``."""

from __future__ import annotations

from config.types import ConfigModel, NonEmpty


class KubernetesConfig(ConfigModel):
    """How the explicit Kubernetes provider reaches the cluster."""

    context: NonEmpty | None = None
    """The kubeconfig context every Kubernetes resource is created through; prod must set it, elsewhere unset
    uses kubectl's current context."""
    kubeconfig: NonEmpty | None = None
    """A kubeconfig file's path or contents; unset uses the default kubeconfig."""
