"""The optional long-running client next to the clusters: ``dask-platform:session``."""

from __future__ import annotations

from pydantic import Field

from config.pods import Placement
from config.types import ConfigModel, KubernetesName, Resources, resources_of


class SessionConfig(ConfigModel):
    """A long-running client Deployment next to the clusters; on by default in dev."""

    enabled: bool | None = None
    """Run the session; defaults to on in dev and off in prod."""
    namespace: KubernetesName | None = None
    """One of `namespaces.users`; defaults to the first."""
    image: str | None = None
    """Defaults to the gateway's default image, so client and workers run the same libraries."""
    command: list[str] = Field(default_factory=lambda: ["sleep", "infinity"], min_length=1)
    """Keeps the pod up for ``kubectl exec``; set it to run a notebook server or a batch client instead."""
    resources: Resources = resources_of("250m", "512Mi", "1", "1Gi")
    """The session pod's requests and limits."""
    placement: Placement = Placement()
    """Where the session pod runs."""
