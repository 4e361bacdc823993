"""``shipped/dashboards.py`` on its own: who may see a dashboard, what it wraps, what it forwards and how it ships."""

from __future__ import annotations

import ast
import asyncio
import socket
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import encode_basic_auth, web
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request
from dask_gateway_server.auth import SimpleAuthenticator
from dask_gateway_server.backends.kubernetes import KubeBackend
from dask_gateway_server.backends.local import LocalBackend, UnsafeLocalBackend
from dask_gateway_server.models import Cluster, ClusterStatus, User
from traitlets.config import Config

from render.chart_values import gateway_values
from render.gateway_options import (
    DASHBOARDS_CONFIG_KEY,
    GATEWAY_CONFIG_KEY,
    gateway_config_source,
    gateway_config_sources,
)
from shipped import dashboards, gateway_config
from shipped.dashboards import (
    DASHBOARD_ROUTE,
    DashboardsThroughTheApi,
    _dashboard_url,
    _forwarded_headers,
    _without_dashboard_routes,
    guard_dashboards,
    may_see_dashboard,
    serve_dashboard,
    with_guarded_dashboards,
)
from tests.helpers import resolved


def _cluster(owner: str) -> Cluster:
    return Cluster(
        name="abc",
        username=owner,
        token="",
        options={},
        config={},
        status=ClusterStatus.RUNNING,
        scheduler_address="tls://10.0.0.1:8786",
        dashboard_address="http://10.0.0.1:8787",
        api_address="http://10.0.0.1:8788",
        start_time=0,
    )


@pytest.mark.parametrize(
    ("user", "allowed"),
    [
        (User("alice"), True),
        (User("bob"), False),
        (User("bob", groups=["alice"]), False),
        (User("bob", admin=True), True),
    ],
    ids=["owner", "another-user", "group-named-like-the-owner", "admin"],
)
def test_only_the_owner_or_an_admin_may_see_a_dashboard(user: User, allowed: bool) -> None:
    assert may_see_dashboard(user, _cluster("alice")) is allowed


@pytest.mark.parametrize(
    ("chosen", "expected_base"),
    [
        (None, UnsafeLocalBackend),
        ("dask_gateway_server.backends.local.UnsafeLocalBackend", UnsafeLocalBackend),
        ("dask_gateway_server.backends.local.LocalBackend", LocalBackend),
        ("dask_gateway_server.backends.kubernetes.KubeBackend", KubeBackend),
        (KubeBackend, KubeBackend),
    ],
    ids=["unset", "unsafe-local", "local", "kubernetes-by-name", "kubernetes-class"],
)
def test_the_backend_the_config_chose_is_kept_with_dashboards_guarded(chosen: Any, expected_base: type) -> None:
    config = Config()
    if chosen is not None:
        config.DaskGateway.backend_class = chosen
    guard_dashboards(config)
    backend_class = config.DaskGateway.backend_class
    assert issubclass(backend_class, expected_base)
    assert issubclass(backend_class, DashboardsThroughTheApi)
    # The class keeps the name its configuration section is known by (c.KubeBackend..., c.LocalBackend...).
    assert backend_class.__name__ == expected_base.__name__


def test_guarding_twice_wraps_once() -> None:
    once = with_guarded_dashboards(KubeBackend)
    assert with_guarded_dashboards(once) is once


def test_the_gateways_credentials_and_cookies_never_reach_the_dashboard() -> None:
    headers = {
        "Authorization": "Basic YWxpY2U6cGFzc3dvcmQ=",
        "Cookie": "dask-gateway-1234=abcd",
        "Accept": "text/html",
        "Upgrade": "websocket",
        "Sec-WebSocket-Key": "x",
        "User-Agent": "browser",
    }
    assert _forwarded_headers(headers) == {"Accept": "text/html", "User-Agent": "browser"}
    # And what a dashboard answers cannot set cookies on the gateway's address.
    assert _forwarded_headers({"Set-Cookie": "dask-gateway-1234=forged", "Content-Type": "text/html"}) == {
        "Content-Type": "text/html"
    }


def test_the_built_in_proxy_gets_every_route_but_the_dashboards() -> None:
    added: list[dict[str, Any]] = []

    async def add_route(**route: Any) -> None:
        added.append(route)

    filtered = _without_dashboard_routes(add_route)

    async def routes() -> None:
        await filtered(kind="PATH", path="/", target="http://127.0.0.1:8001")
        await filtered(kind="PATH", path="/clusters/abc", target="http://10.0.0.1:8787")
        await filtered(kind="SNI", sni="abc", target="tls://10.0.0.1:8786")

    asyncio.run(routes())
    assert [(route["kind"], route["path"] or route["sni"]) for route in added] == [("PATH", "/"), ("SNI", "abc")]


def _top_level_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def test_the_two_shipped_modules_define_no_name_twice() -> None:
    """They run in one namespace, one after the other: a name defined again would replace the first module's,
    which its option handler still looks up when a user asks for a cluster."""
    first = _top_level_names(Path(gateway_config.__file__))
    second = _top_level_names(Path(dashboards.__file__))
    assert first and second
    assert first & second == set()


def test_the_chart_inlines_the_dashboards_module_after_the_gateway_configuration() -> None:
    values = gateway_values(resolved({"environment": "dev"}), password_secret_name=None)
    extra_config = values["gateway"]["extraConfig"]
    assert extra_config == gateway_config_sources()
    # The chart inlines extraConfig entries in sorted key order.
    assert sorted(extra_config) == [GATEWAY_CONFIG_KEY, DASHBOARDS_CONFIG_KEY]
    assert gateway_config_source() == "\n".join(
        [Path(gateway_config.__file__).read_text(), Path(dashboards.__file__).read_text()]
    )


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/clusters/abc/status", "http://10.0.0.1:8787/status"),
        ("/clusters/abc/", "http://10.0.0.1:8787/"),
        ("/clusters/abc/info/main/workers.html?x=1", "http://10.0.0.1:8787/info/main/workers.html?x=1"),
        ("/clusters/abc//evil.example/status", "http://10.0.0.1:8787//evil.example/status"),
        ("/clusters/abc/@evil.example/status", "http://10.0.0.1:8787/@evil.example/status"),
        ("/clusters/abc/http://evil.example/", "http://10.0.0.1:8787/http://evil.example/"),
    ],
    ids=["page", "root", "query", "double-slash", "at-sign", "absolute-url"],
)
def test_the_request_picks_the_dashboards_path_never_its_host(path: str, expected: str) -> None:
    app = web.Application()
    app.router.add_route("*", DASHBOARD_ROUTE, serve_dashboard)
    match = asyncio.run(app.router.resolve(make_mocked_request("GET", path, app=app)))
    assert match.handler is serve_dashboard
    request = make_mocked_request("GET", path, app=app, match_info=dict(match))
    url = _dashboard_url(_cluster("alice"), request)
    assert (url.host, url.port) == ("10.0.0.1", 8787)
    assert str(url) == expected


class _OneClusterBackend:
    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    async def get_cluster(self, name: str) -> Cluster | None:
        return self.cluster if name == self.cluster.name else None


async def _status_of_a_dashboard_that_does_not_answer() -> tuple[int, str]:
    app = web.Application()
    app["authenticator"] = SimpleAuthenticator(password="pw")
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    cluster = _cluster("alice")
    cluster.dashboard_address = f"http://127.0.0.1:{port}"
    app["backend"] = _OneClusterBackend(cluster)
    app["dask_platform_dashboard_session"] = aiohttp.ClientSession()
    app.on_cleanup.append(lambda app: app["dask_platform_dashboard_session"].close())
    app.router.add_route("*", DASHBOARD_ROUTE, serve_dashboard)
    async with TestClient(TestServer(app)) as client:
        reply = await client.get("/clusters/abc/status", headers={"Authorization": encode_basic_auth("alice", "pw")})
        return reply.status, await reply.text()


@pytest.mark.filterwarnings("ignore::aiohttp.web_exceptions.NotAppKeyWarning")
def test_a_dashboard_that_does_not_answer_is_a_bad_gateway_not_a_server_error() -> None:
    assert asyncio.run(_status_of_a_dashboard_that_does_not_answer()) == (
        502,
        "502: The dashboard of cluster abc does not answer",
    )
