"""How many gateway clusters one user may run at once: the handler's backend counts the user's clusters with
dask-gateway-server's own listing and refuses one more.

The Kubernetes backend is the class the gateway pod gets: the chart's ``backend_class`` setting, then
``shipped/gateway_config.py``. Its cluster cache is filled the way its informer fills it, from the DaskCluster
objects the backend itself makes.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from dask_gateway_server.backends.base import PublicException
from dask_gateway_server.backends.kubernetes import KubeBackend
from dask_gateway_server.models import User
from dask_gateway_server.utils import Flag
from traitlets.config.loader import PyFileConfigLoader

from config.gateway import GatewayConfig
from config.teams import TeamConfig
from render.gateway_options import gateway_config_source, gateway_data_text, gateway_options_data
from render.teams import gateway_team_namespaces
from shipped.gateway_config import DATA_ENV
from tests.helpers import cluster_config_for

CHART_PREAMBLE = """\
c.DaskGateway.backend_class = "dask_gateway_server.backends.kubernetes.KubeBackend"
c.KubeBackend.gateway_instance = "dask-gateway"
"""
GATEWAY = GatewayConfig.model_validate({"clustersPerUser": 2})
TEAMS = [TeamConfig.model_validate({"name": "team-ml", "gatewayGroups": ["ml"], "gateway": {"clustersPerUser": 1}})]


class Informer:
    """What the backend's informer holds: DaskCluster objects by name."""

    def __init__(self) -> None:
        self.objects: dict[str, dict[str, Any]] = {}

    def get(self, name: str) -> dict[str, Any] | None:
        return self.objects.get(name)


@pytest.fixture
def backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KubeBackend:
    data = gateway_options_data(
        GATEWAY, default_image=GATEWAY.image.reference, team_namespaces=gateway_team_namespaces(TEAMS), teams=TEAMS
    )
    monkeypatch.setenv(DATA_ENV, gateway_data_text(data))
    (tmp_path / "dask_gateway_config.py").write_text(f"{CHART_PREAMBLE}\n{gateway_config_source()}")
    config = PyFileConfigLoader("dask_gateway_config.py", path=str(tmp_path)).load_config()
    backend_class = config.DaskGateway.backend_class
    assert issubclass(backend_class, KubeBackend)
    backend: KubeBackend = backend_class(config=config)
    # What the backend's setup() makes besides its API clients (no API server here).
    backend.clusters, backend.username_to_clusters, backend.cluster_waiters = {}, defaultdict(dict), defaultdict(Flag)
    backend.informer = Informer()
    return backend


def running(backend: KubeBackend, user: User, phase: str = "Running") -> None:
    """A cluster of ``user`` as the backend sees it once the controller reports ``phase``."""
    config = cluster_config_for(backend, {}, user)
    obj = backend.make_cluster_object(user.name, {}, config)
    obj["metadata"] |= {"namespace": config.namespace, "creationTimestamp": "2026-12-01T20:00:00Z"}
    obj["status"] = {"phase": phase}
    name = backend.get_cluster_name(obj)
    backend.informer.objects[name] = obj
    asyncio.run(backend.sync_cluster(name))


def refusal(backend: KubeBackend, user: User) -> str:
    with pytest.raises(PublicException) as refused:
        asyncio.run(backend.start_cluster(user, {}))
    return str(refused.value)


def test_a_user_at_the_gateways_cap_is_refused_another_cluster(backend: KubeBackend) -> None:
    ana = User("ana")
    running(backend, ana)
    running(backend, ana, phase="Pending")
    assert refusal(backend, ana) == "ana already runs 2 of at most 2 clusters; shut one down first"


def test_stopped_clusters_and_other_users_clusters_do_not_count(backend: KubeBackend) -> None:
    ana = User("ana")
    running(backend, ana)
    running(backend, ana, phase="Stopped")
    running(backend, User("bob"))
    running(backend, User("bob"))
    assert [cluster.status.name for cluster in asyncio.run(backend.list_clusters(username="ana"))] == ["RUNNING"]
    assert refusal(backend, User("bob")) == "bob already runs 2 of at most 2 clusters; shut one down first"


def test_a_team_may_cap_its_users_lower(backend: KubeBackend) -> None:
    max_ = User("max", groups={"ml"})
    running(backend, max_)
    assert refusal(backend, max_) == "max already runs 1 of at most 1 clusters; shut one down first"
