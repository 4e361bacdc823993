"""The gateway's shipped configuration, run as the gateway runs it: a real dask-gateway-server on loopback, or the
Kubernetes backend's own option processing."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest
from dask_gateway import BasicAuth, Gateway
from dask_gateway_server.backends.kubernetes import KubeBackend, KubeClusterConfig
from dask_gateway_server.models import User
from traitlets.config.loader import PyFileConfigLoader

from render.gateway_options import gateway_config_source, gateway_data_text
from shipped.gateway_config import DATA_ENV

GATEWAY_TIMEOUT = 60
"""Seconds a gateway server may take to start, and to stop with its clusters."""


def free_ports(count: int) -> list[int]:
    """Ports on 127.0.0.1 that nothing listens on right now."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass(frozen=True)
class RunningGateway:
    address: str
    """The proxy's address: the API and the schedulers' TLS traffic on one port."""
    proxy_address: str
    """The same port, as a client's ``proxy_address`` for scheduler connections."""
    config_text: str
    """The configuration file the server runs."""

    def client(self, password: str | None = None) -> Gateway:
        """An asynchronous client: ``async with gateway.client() as client``."""
        return Gateway(
            address=self.address, proxy_address=self.proxy_address, auth=BasicAuth(password=password), asynchronous=True
        )


class _ServerLog:
    """Reads a server's log as it is written (so the pipe never fills) and signals one awaited line."""

    def __init__(self, stream: IO[str], ready_line: str) -> None:
        self.lines: list[str] = []
        self.ready_line = ready_line
        self.seen_ready_line = False
        self.settled = threading.Event()
        """Set when the awaited line appears or the log ends, whichever comes first."""
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line)
            if self.ready_line in line:
                self.seen_ready_line = True
                self.settled.set()
        self.settled.set()

    def join(self, timeout: float) -> None:
        self._thread.join(timeout)

    def text(self) -> str:
        return "".join(self.lines)


def _harness_config(api_port: int, proxy_port: int, clusters_dir: Path) -> str:
    """What the Helm chart sets for the gateway pod, replaced by loopback addresses and local processes."""
    return f"""\
c.DaskGateway.address = "127.0.0.1:{api_port}"
c.Proxy.address = "127.0.0.1:{proxy_port}"
# The proxy reports at info level when it has loaded its routes: that line tells the test the server is ready.
c.Proxy.log_level = "info"
c.DaskGateway.authenticator_class = "dask_gateway_server.auth.SimpleAuthenticator"
c.LocalBackend.clusters_directory = {str(clusters_dir)!r}
"""


def _stop(process: subprocess.Popen[str], log: _ServerLog) -> None:
    # SIGTERM is the server's graceful shutdown: it stops its clusters and its proxy before exiting.
    process.terminate()
    try:
        process.wait(GATEWAY_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(GATEWAY_TIMEOUT)
        raise RuntimeError(f"dask-gateway-server did not stop within {GATEWAY_TIMEOUT}s:\n{log.text()}") from None
    finally:
        log.join(GATEWAY_TIMEOUT)


@contextmanager
def running_gateway(
    workdir: Path, data: Mapping[str, Any], env: Mapping[str, str] | None = None, config_source: str | None = None
) -> Iterator[RunningGateway]:
    """A real dask-gateway-server on loopback with the local backend, running ``shipped/gateway_config.py`` (or
    ``config_source``) with ``data`` as the gateway pod does, its proxy on one port; stopped (with its clusters)
    on exit."""
    api_port, proxy_port = free_ports(2)
    clusters_dir = workdir / "clusters"
    clusters_dir.mkdir()
    shipped = gateway_config_source() if config_source is None else config_source
    config_text = _harness_config(api_port, proxy_port, clusters_dir) + "\n" + shipped
    config_file = workdir / "dask_gateway_config.py"
    config_file.write_text(config_text)
    process = subprocess.Popen(
        [sys.executable, "-m", "dask_gateway_server", "-f", str(config_file)],
        cwd=workdir,
        env={
            **os.environ,
            # Scheduler and worker commands are looked up on PATH, as in an image: this Python environment first.
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', os.defpath)}",
            # The local image's proxy listens on every interface of its container; here only on loopback.
            DATA_ENV: gateway_data_text({**data, "proxyAddress": f"127.0.0.1:{proxy_port}"}),
            **(env or {}),
        },
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    # The proxy serves users once it has the route to the API server, which exists once that server listens.
    log = _ServerLog(process.stderr, f'path: "/", target: "http://127.0.0.1:{api_port}"')
    try:
        if not log.settled.wait(GATEWAY_TIMEOUT) or not log.seen_ready_line:
            raise RuntimeError(f"dask-gateway-server did not become ready within {GATEWAY_TIMEOUT}s:\n{log.text()}")
        yield RunningGateway(
            address=f"http://127.0.0.1:{proxy_port}",
            proxy_address=f"gateway://127.0.0.1:{proxy_port}",
            config_text=config_text,
        )
    finally:
        _stop(process, log)


def kubernetes_backend(
    data: Mapping[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, preamble: str = ""
) -> KubeBackend:
    """dask-gateway-server's Kubernetes backend, configured as the gateway pod configures it: the chart's own
    settings (``preamble``), then ``shipped/gateway_config.py`` reading ``data`` from its environment."""
    monkeypatch.setenv(DATA_ENV, gateway_data_text(data))
    config_file = tmp_path / "dask_gateway_config.py"
    config_file.write_text(f"{preamble}\n{gateway_config_source()}")
    return KubeBackend(config=PyFileConfigLoader(config_file.name, path=str(tmp_path)).load_config())


def cluster_config_for(backend: KubeBackend, request: Mapping[str, Any], user: User | None = None) -> KubeClusterConfig:
    """What the gateway pod hands the controller for a new cluster: options parsed, handled, and validated."""
    _, cluster_config = asyncio.run(backend.process_cluster_options(user or User("alice"), dict(request)))
    return cluster_config


JUPYTERHUB_AUTH = {
    "type": "jupyterhub",
    "jupyterhub": {
        "apiTokenSecretName": "jupyterhub-api-token",
        "apiUrl": "http://hub.jupyterhub.svc.cluster.local:8081/hub/api",
        "serviceName": "dask-gateway",
    },
}
"""``gateway.auth`` for a JupyterHub in its own namespace, with the token from an existing Secret."""
