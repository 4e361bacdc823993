"""Gateway clusters of a team's users land in the team's namespace.

The prod Helm release's gateway configuration (``shipped/gateway_config.py`` reading the data from the release's
``gateway.env``) is loaded into dask-gateway-server's Kubernetes backend as the gateway pod loads it, and each
user's request goes through the backend's own option processing; the ``namespace`` of the resulting
``KubeClusterConfig`` is where the controller creates the cluster's pods.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from dask_gateway_server.models import User

from config.gateway import GatewayConfig
from render.gateway_options import gateway_data_of_env, gateway_options_data
from tests.helpers import cluster_config_for, kubernetes_backend, one

# What the chart's gateway.backend.namespace sets: where everybody else's clusters go.
DEFAULT_NAMESPACE = "dask-users"


def namespace_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, user: User) -> str:
    values = one("prod", "kubernetes:helm.sh/v4:Chart", "dask-gateway-chart")["inputs"]["values"]
    data = gateway_data_of_env(values["gateway"]["env"])
    assert data is not None
    backend = kubernetes_backend(
        data, tmp_path, monkeypatch, preamble=f"c.KubeClusterConfig.namespace = {DEFAULT_NAMESPACE!r}"
    )
    namespace: str = cluster_config_for(backend, {}, user).namespace
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
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, groups: set[str], expected: str
) -> None:
    assert namespace_for(tmp_path, monkeypatch, User("ana", groups=groups)) == expected


def test_the_local_backend_has_no_namespaces_to_send_teams_to() -> None:
    with pytest.raises(ValueError, match="team namespaces need the kubernetes backend"):
        gateway_options_data(GatewayConfig(), default_image="", backend="local", team_namespaces={"ml": "team-ml"})
