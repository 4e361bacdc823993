"""Gateway clusters of a team's users land in the team's namespace.

The generated cluster options are loaded into dask-gateway-server's Kubernetes backend exactly as the gateway
pod loads ``extraConfig``, and each user's request goes through the backend's own option processing; the
``namespace`` of the resulting ``KubeClusterConfig`` is where the controller creates the cluster's pods.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from dask_gateway_server.backends.kubernetes import KubeBackend
from dask_gateway_server.models import User
from traitlets.config.loader import PyFileConfigLoader

from components.config import GatewayConfig
from components.gateway_options import cluster_options_config
from tests.stacks.conftest import one

# What the chart's gateway.backend.namespace sets: where everybody else's clusters go.
DEFAULT_NAMESPACE = "dask-users"


def prod_backend(tmp_path: Path) -> KubeBackend:
    """The prod gateway's backend, configured from the text the prod Helm release gets."""
    values = one("prod", "kubernetes:helm.sh/v4:Chart", "dask-gateway-chart")["inputs"]["values"]
    options_text = values["gateway"]["extraConfig"]["dask-platform-10-cluster-options"]
    config_file = tmp_path / "dask_gateway_config.py"
    config_file.write_text(f"c.KubeClusterConfig.namespace = {DEFAULT_NAMESPACE!r}\n{options_text}")
    return KubeBackend(config=PyFileConfigLoader(config_file.name, path=str(tmp_path)).load_config())


def namespace_for(backend: KubeBackend, user: User) -> str:
    _, cluster_config = asyncio.run(backend.process_cluster_options(user, {}))
    namespace: str = cluster_config.namespace
    return namespace


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        pytest.param({"ml"}, "team-ml", id="ml group"),
        pytest.param({"analytics", "staff"}, "team-analytics", id="analytics among other groups"),
        pytest.param({"ml", "analytics"}, "team-analytics", id="two teams: the first in the stack wins"),
        pytest.param(set(), DEFAULT_NAMESPACE, id="no group"),
        pytest.param({"staff"}, DEFAULT_NAMESPACE, id="no team group"),
    ],
)
def test_prod_gateway_users_get_clusters_in_their_teams_namespace(
    tmp_path: Path, groups: set[str], expected: str
) -> None:
    assert namespace_for(prod_backend(tmp_path), User("ana", groups=groups)) == expected


def test_the_local_backend_has_no_namespaces_to_send_teams_to() -> None:
    with pytest.raises(ValueError, match="team namespaces need the kubernetes backend"):
        cluster_options_config(GatewayConfig(), default_image="", backend="local", team_namespaces={"ml": "team-ml"})
