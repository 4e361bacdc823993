"""Cluster dashboards behind the gateway's own authentication: only the cluster's owner, or an admin, sees one.

dask-gateway-server 2026.3.0 publishes each cluster's dashboard without asking who is calling: its built-in
proxy (local backends) gets a path route ``/clusters/<name>`` straight to the dashboard, and on Kubernetes the
controller's IngressRoute sends that path from traefik to the scheduler's service. Here the gateway's API server
serves ``/clusters/<name>/...`` itself: it authenticates the request with the gateway's authenticator (the same
credentials as the API), checks that the user owns the cluster or is an admin, and only then forwards the
request, websockets included, to the dashboard. The built-in proxy gets no dashboard routes, so such requests
fall through to its route to the API; on Kubernetes an IngressRoute of the stack sends ``/clusters/`` to the API
ahead of the controller's routes.

Like ``gateway_config.py`` this runs inside dask-gateway-server unchanged, inlined after it into the gateway's
configuration file, so every top-level name here is distinct from that module's and it needs no data.
"""

import asyncio
from typing import Any

import aiohttp
from aiohttp import web
from traitlets.utils.importstring import import_item
from yarl import URL

DASHBOARD_ROUTE = "/clusters/{cluster_name}/{dashboard_path:.*}"
"""Where the gateway's proxies send dashboard requests: the cluster's name, then the dashboard's own path."""
DASHBOARD_TIMEOUT = aiohttp.ClientTimeout(total=None, connect=10, sock_read=300)
_NOT_FORWARDED = frozenset(
    {
        # The gateway's credentials stay with the gateway: the dashboard runs the cluster owner's code.
        "authorization",
        "cookie",
        # Hop-by-hop headers, and those the client side of the forwarded request sets itself.
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
        "content-encoding",
        "set-cookie",
        "sec-websocket-key",
        "sec-websocket-version",
        "sec-websocket-extensions",
        "sec-websocket-protocol",
        "sec-websocket-accept",
    }
)


def _forwarded_headers(headers: Any) -> dict[str, str]:
    return {key: value for key, value in headers.items() if key.lower() not in _NOT_FORWARDED}


def may_see_dashboard(user: Any, cluster: Any) -> bool:
    """The gateway's own rule for viewing a cluster (its owner), widened to the gateway's admins."""
    return bool(user.has_permissions(cluster) or getattr(user, "admin", False))


async def _authorized_cluster(request: web.Request) -> Any:
    name = request.match_info["cluster_name"]
    cluster = await request.app["backend"].get_cluster(name)
    if cluster is None or not cluster.dashboard_address:
        raise web.HTTPNotFound(reason=f"Cluster {name} has no dashboard")
    user = request["user"]
    if not may_see_dashboard(user, cluster):
        raise web.HTTPForbidden(reason=f"User {user.name} may not see the dashboard of cluster {name}")
    return cluster


def _dashboard_url(cluster: Any, request: web.Request) -> URL:
    # The dashboard serves from its root; the cluster's name is the gateway's part of the path. Only the path
    # and query come from the request: the host is always the cluster's own dashboard.
    dashboard = URL(str(cluster.dashboard_address))
    return dashboard.with_path("/" + request.match_info["dashboard_path"]).with_query(request.query_string)


async def _pump(source: Any, target: Any) -> None:
    async for message in source:
        if message.type == aiohttp.WSMsgType.TEXT:
            await target.send_str(message.data)
        elif message.type == aiohttp.WSMsgType.BINARY:
            await target.send_bytes(message.data)
        else:
            break


async def _forward_websocket(request: web.Request, url: URL, session: aiohttp.ClientSession) -> web.StreamResponse:
    protocols = [p.strip() for p in request.headers.get("Sec-WebSocket-Protocol", "").split(",") if p.strip()]
    async with session.ws_connect(
        url, headers=_forwarded_headers(request.headers), protocols=protocols, autoping=True
    ) as upstream:
        downstream = web.WebSocketResponse(protocols=[upstream.protocol] if upstream.protocol else ())
        await downstream.prepare(request)
        pumps = [asyncio.ensure_future(_pump(downstream, upstream)), asyncio.ensure_future(_pump(upstream, downstream))]
        _, pending = await asyncio.wait(pumps, return_when=asyncio.FIRST_COMPLETED)
        for pump in pending:
            pump.cancel()
        await downstream.close()
        return downstream


async def _forward_request(request: web.Request, url: URL, session: aiohttp.ClientSession) -> web.StreamResponse:
    async with session.request(
        request.method,
        url,
        headers=_forwarded_headers(request.headers),
        data=await request.read() if request.can_read_body else None,
        allow_redirects=False,
    ) as upstream:
        body = await upstream.read()
        return web.Response(status=upstream.status, headers=_forwarded_headers(upstream.headers), body=body)


async def _forward(request: web.Request) -> web.StreamResponse:
    cluster = await _authorized_cluster(request)
    url = _dashboard_url(cluster, request)
    session: aiohttp.ClientSession = request.app["dask_platform_dashboard_session"]
    try:
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await _forward_websocket(request, url, session)
        return await _forward_request(request, url, session)
    except aiohttp.ClientError:
        # The scheduler is gone or still starting: the gateway is fine, the dashboard behind it is not.
        raise web.HTTPBadGateway(reason=f"The dashboard of cluster {cluster.name} does not answer") from None


async def serve_dashboard(request: web.Request) -> web.StreamResponse:
    """The API server's handler for ``DASHBOARD_ROUTE``: the gateway's authenticator, then the owner check."""
    response: web.StreamResponse = await request.app["authenticator"].authenticate_and_handle(request, _forward)
    return response


async def _close_dashboard_session(app: web.Application) -> None:
    await app["dask_platform_dashboard_session"].close()


def _without_dashboard_routes(add_route: Any) -> Any:
    async def add_route_but_dashboards(kind: Any = None, sni: Any = None, path: Any = None, target: Any = None) -> Any:
        if kind == "PATH" and str(path).startswith("/clusters/"):
            return None
        return await add_route(kind=kind, sni=sni, path=path, target=target)

    return add_route_but_dashboards


class DashboardsThroughTheApi:
    """Mixed into the gateway's backend class: serves ``DASHBOARD_ROUTE`` on the API server it is set up with."""

    async def setup(self, app: web.Application) -> None:
        await super().setup(app)  # type: ignore[misc]
        proxy = getattr(self, "proxy", None)
        if proxy is not None:
            # The built-in proxy would send /clusters/<name> straight to the dashboard; without that route it sends
            # the request to the API server, the proxy's catch-all route.
            proxy.add_route = _without_dashboard_routes(proxy.add_route)
            for kind, path in [key for key, route in proxy.routes.items() if route["kind"] == "PATH"]:
                if path.startswith(f"{proxy.prefix}/clusters/"):
                    await proxy.remove_route(kind=kind, path=path[len(proxy.prefix) :])
        app["dask_platform_dashboard_session"] = aiohttp.ClientSession(timeout=DASHBOARD_TIMEOUT)
        app.on_cleanup.append(_close_dashboard_session)
        app.router.add_route("*", DASHBOARD_ROUTE, serve_dashboard)


def with_guarded_dashboards(backend_class: Any) -> type:
    """``backend_class`` (a class or its import path) with ``DashboardsThroughTheApi`` mixed in."""
    base = import_item(backend_class) if isinstance(backend_class, str) else backend_class
    if issubclass(base, DashboardsThroughTheApi):
        return base
    return type(base.__name__, (DashboardsThroughTheApi, base), {"__module__": __name__})


def guard_dashboards(c: Any) -> None:
    """Wrap the backend class the configuration has chosen so far (dask-gateway-server's default if none)."""
    chosen = c.DaskGateway.backend_class if "backend_class" in c.DaskGateway else None
    c.DaskGateway.backend_class = with_guarded_dashboards(
        chosen or "dask_gateway_server.backends.local.UnsafeLocalBackend"
    )


# As in gateway_config.py: configures only when the file runs as the gateway's configuration.
if "get_config" in globals():
    guard_dashboards(get_config())  # type: ignore[name-defined]  # noqa: F821
