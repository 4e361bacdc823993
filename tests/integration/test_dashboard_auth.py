"""Cluster dashboards through the gateway's own proxy need the gateway's credentials, and only the owner's.

A real dask-gateway-server runs the shipped configuration (``gateway_config.py`` then ``dashboards.py``, as the
chart and the ``local`` image run them) with a password, on loopback. Alice starts a cluster with the real
client; then plain HTTP requests and websockets go to its dashboard through the gateway's proxy, as a browser's
would: with no credentials, a wrong password, Bob's credentials and Alice's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from dask_gateway import BasicAuth, Gateway

from render.gateway_options import GATEWAY_CONFIG_KEY, gateway_config_sources
from render.names import PASSWORD_ENV
from tests.helpers import RunningGateway, running_gateway
from tests.integration.test_gateway_server import (
    DEV_GATEWAY,
    GATEWAY_PASSWORD,
    SCENARIO_TIMEOUT,
    local_data,
    run,
)

pytestmark = pytest.mark.slow


def _authorization(user: str | None, password: str = GATEWAY_PASSWORD) -> dict[str, str]:
    if user is None:
        return {}
    return {"Authorization": aiohttp.encode_basic_auth(user, password)}


async def _start_cluster(server: RunningGateway) -> tuple[str, str | None]:
    gateway = Gateway(
        address=server.address,
        proxy_address=server.proxy_address,
        auth=BasicAuth("alice", GATEWAY_PASSWORD),
        asynchronous=True,
    )
    async with gateway:
        cluster = await gateway.new_cluster()
        return cluster.name, cluster.dashboard_link


async def _stop_clusters(server: RunningGateway) -> None:
    gateway = Gateway(address=server.address, auth=BasicAuth("alice", GATEWAY_PASSWORD), asynchronous=True)
    async with gateway:
        for report in await gateway.list_clusters():
            await gateway.stop_cluster(report.name)


@pytest.fixture(scope="module")
def alices_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[RunningGateway, str, str | None]]:
    """A password gateway and the name and dashboard link of a cluster Alice started on it."""
    with running_gateway(
        tmp_path_factory.mktemp("dashboard-gateway"),
        local_data(DEV_GATEWAY, password_required=True),
        env={PASSWORD_ENV: GATEWAY_PASSWORD},
    ) as server:
        name, link = run(_start_cluster(server))
        try:
            yield server, name, link
        finally:
            run(_stop_clusters(server))


async def _get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], str]:
    async with aiohttp.ClientSession() as session, session.get(url, headers=headers, allow_redirects=False) as reply:
        return reply.status, dict(reply.headers), await reply.text()


DASHBOARD_PAGES = ["status", "info/main/workers.html", "info/main/logs.html", "json/identity.json"]
CALLERS = [
    ("nobody", None, GATEWAY_PASSWORD, 401),
    ("alice-wrong-password", "alice", "not the password", 401),
    ("bob", "bob", GATEWAY_PASSWORD, 403),
    ("alice", "alice", GATEWAY_PASSWORD, 200),
]


@pytest.mark.parametrize("page", DASHBOARD_PAGES)
@pytest.mark.parametrize(
    ("user", "password", "status"), [caller[1:] for caller in CALLERS], ids=[caller[0] for caller in CALLERS]
)
def test_a_dashboard_page_answers_only_its_owner(
    alices_cluster: tuple[RunningGateway, str, str | None], page: str, user: str | None, password: str, status: int
) -> None:
    server, name, _ = alices_cluster
    got, _, _ = run(_get(f"{server.address}/clusters/{name}/{page}", _authorization(user, password)))
    assert got == status


def test_the_owner_gets_the_dashboards_own_content(alices_cluster: tuple[RunningGateway, str, str | None]) -> None:
    server, name, link = alices_cluster
    # The client's dashboard link is unchanged: the same path, now behind the gateway's credentials.
    assert link == f"{server.address}/clusters/{name}/status"
    status, headers, body = run(_get(f"{server.address}/clusters/{name}/json/identity.json", _authorization("alice")))
    assert (status, headers["Content-Type"]) == (200, "application/json; charset=UTF-8")
    assert '"type": "Scheduler"' in body


def test_refusals_ask_a_browser_for_basic_credentials_and_say_why(
    alices_cluster: tuple[RunningGateway, str, str | None],
) -> None:
    server, name, _ = alices_cluster
    status, headers, _ = run(_get(f"{server.address}/clusters/{name}/status", {}))
    assert (status, headers["WWW-Authenticate"]) == (401, "Basic")
    status, _, body = run(_get(f"{server.address}/clusters/{name}/status", _authorization("bob")))
    assert (status, body) == (403, f"403: User bob may not see the dashboard of cluster {name}")


def test_an_unknown_cluster_is_401_to_strangers_and_404_to_users(
    alices_cluster: tuple[RunningGateway, str, str | None],
) -> None:
    server, _, _ = alices_cluster
    url = f"{server.address}/clusters/0123456789abcdef/status"
    assert run(_get(url, {}))[0] == 401
    assert run(_get(url, _authorization("bob")))[0:3:2] == (404, "404: Cluster 0123456789abcdef has no dashboard")


async def _ping_event_stream(url: str, headers: dict[str, str]) -> Any:
    """The scheduler's event stream websocket: ``ping`` answered by ``pong``; or the handshake's refusal."""
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, headers=headers) as websocket:
                await websocket.send_json({"name": "ping"})
                while True:
                    message = await asyncio.wait_for(websocket.receive_json(), SCENARIO_TIMEOUT)
                    if message["name"] == "pong":
                        return "pong"
        except aiohttp.WSServerHandshakeError as refused:
            return refused.status


@pytest.mark.parametrize(
    ("user", "password", "answer"),
    [(None, GATEWAY_PASSWORD, 401), ("bob", GATEWAY_PASSWORD, 403), ("alice", GATEWAY_PASSWORD, "pong")],
    ids=["nobody", "bob", "alice"],
)
def test_dashboard_websockets_answer_only_the_owner(
    alices_cluster: tuple[RunningGateway, str, str | None], user: str | None, password: str, answer: Any
) -> None:
    server, name, _ = alices_cluster
    url = f"{server.address}/clusters/{name}/eventstream"
    assert run(_ping_event_stream(url, _authorization(user, password))) == answer


def test_a_cluster_without_the_dashboards_module_is_open_to_anyone(tmp_path: Path) -> None:
    """The attack, as dask-gateway-server ships: the same request with no credentials reaches the dashboard."""
    only_handler = gateway_config_sources()[GATEWAY_CONFIG_KEY]
    with running_gateway(
        tmp_path,
        local_data(DEV_GATEWAY, password_required=True),
        env={PASSWORD_ENV: GATEWAY_PASSWORD},
        config_source=only_handler,
    ) as server:
        name, _ = run(_start_cluster(server))
        try:
            assert run(_get(f"{server.address}/clusters/{name}/json/identity.json", {}))[0] == 200
        finally:
            run(_stop_clusters(server))
