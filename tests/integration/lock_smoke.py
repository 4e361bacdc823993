"""Runs inside a virtualenv freshly installed from one lock, with that environment's own Python.

    python lock_smoke.py environment --distributions NAME... [--dask VERSION --gateway VERSION] [--mockup]
    python lock_smoke.py gateway --config FILE --workdir DIR --ports API HTTP TCP

``environment`` imports what the image promises and, for Dask environments, checks the pinned versions and runs
a computation on a local cluster, dashboard included. ``gateway`` starts dask-gateway-server with the given
config (the ``local`` image's, moved to the given loopback ports) and runs a cluster through a real client.
Only the standard library and the environment's own packages are used: this file never imports the project.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import importlib.metadata as metadata
import os
import re
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path

GATEWAY_TIMEOUT = 60


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def modules_of(distribution: str) -> list[str]:
    """The module named after a distribution, or else every top-level module it installs."""
    own = _canonical(distribution).replace("-", "_")
    provided = sorted(
        module
        for module, owners in metadata.packages_distributions().items()
        if _canonical(distribution) in {_canonical(owner) for owner in owners} and not module.startswith("_")
    )
    if not provided:
        raise SystemExit(f"{distribution} is not installed or installs no importable module")
    return [own] if own in provided else provided


def check_versions(dask_version: str, gateway_version: str) -> None:
    expected = {"dask": dask_version, "distributed": dask_version, "dask-gateway": gateway_version}
    installed = {name: metadata.version(name) for name in expected}
    if installed != expected:
        raise SystemExit(f"installed {installed}, the profile says {expected}")


def run_dask(mockup: bool) -> None:
    import dask.array as da
    import dask.dataframe as dd
    import pandas as pd
    from distributed import Client, LocalCluster

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address="127.0.0.1:0") as cluster,
        Client(cluster) as client,
    ):
        total = da.arange(1_000_000, chunks=100_000).sum().compute()
        assert total == 999_999 * 1_000_000 // 2, total
        frame = dd.from_pandas(pd.DataFrame({"key": [i % 3 for i in range(300)], "value": range(300)}), npartitions=4)
        sums = frame.groupby("key")["value"].sum().compute().to_dict()
        assert sums == {0: 14850, 1: 14950, 2: 15050}, sums
        assert client.submit(sum, [1, 2, 3]).result() == 6
        # The dashboard's page renders only when bokeh and its companions fit this distributed.
        with urllib.request.urlopen(f"http://127.0.0.1:{cluster.scheduler.http_server.port}/status") as page:
            assert page.status == 200 and b"bokeh" in page.read().lower()
        try:
            import xarray as xr
        except ImportError:
            pass
        else:
            labelled = xr.DataArray(da.ones((200, 100), chunks=50), dims=("y", "x"))
            assert float(labelled.mean("x").sum().compute()) == 200.0
        if mockup:
            from mockup_processor import process_scene

            result = process_scene(shape=(512, 512), chunks=128, tile=128)
            assert abs(result.mean_sigma0 - 8.0) < 0.1, result.mean_sigma0


def environment(args: argparse.Namespace) -> None:
    for distribution in args.distributions:
        for module in modules_of(distribution):
            importlib.import_module(module)
    if args.dask:
        check_versions(args.dask, args.gateway)
        run_dask(args.mockup)


class _ServerLog:
    """Reads the server's log as it is written and signals the line that says the proxy routes to the API."""

    def __init__(self, process: subprocess.Popen[str], ready_line: str) -> None:
        self.lines: list[str] = []
        self.ready = threading.Event()
        self._thread = threading.Thread(target=self._read, args=(process, ready_line), daemon=True)
        self._thread.start()

    def _read(self, process: subprocess.Popen[str], ready_line: str) -> None:
        assert process.stderr is not None
        for line in process.stderr:
            self.lines.append(line)
            if ready_line in line:
                self.ready.set()
        self.ready.set()


async def _compute_on_a_gateway_cluster(address: str, proxy_address: str) -> int:
    import dask.bag
    from dask_gateway import BasicAuth, Gateway

    async with Gateway(address=address, proxy_address=proxy_address, auth=BasicAuth(), asynchronous=True) as gateway:
        options = await gateway.cluster_options()
        assert set(options) == {"image", "worker_cores", "worker_cores_limit", "worker_memory"}, dict(options)
        async with gateway.new_cluster(options) as cluster:
            await cluster.scale(1)
            async with cluster.get_client(set_as_default=False) as client:
                await client.wait_for_workers(1, timeout=GATEWAY_TIMEOUT)
                total = await client.compute(dask.bag.from_sequence(range(1, 101), npartitions=4).map(pow, 2).sum())
            await cluster.shutdown()
        return int(total)


def gateway(args: argparse.Namespace) -> None:
    api, http, tcp = args.ports
    bin_dir = str(Path(sys.executable).parent)
    process = subprocess.Popen(
        [sys.executable, "-m", "dask_gateway_server", "-f", args.config],
        cwd=args.workdir,
        env={**os.environ, "PATH": bin_dir + os.pathsep + os.environ.get("PATH", os.defpath)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    log = _ServerLog(process, f'path: "/", target: "http://127.0.0.1:{api}"')
    try:
        if not log.ready.wait(GATEWAY_TIMEOUT) or process.poll() is not None:
            raise SystemExit("dask-gateway-server did not start:\n" + "".join(log.lines))
        total = asyncio.run(
            asyncio.wait_for(
                _compute_on_a_gateway_cluster(f"http://127.0.0.1:{http}", f"gateway://127.0.0.1:{tcp}"),
                4 * GATEWAY_TIMEOUT,
            )
        )
        assert total == sum(i * i for i in range(1, 101)), total
    finally:
        process.terminate()
        process.wait(GATEWAY_TIMEOUT)


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(required=True)
    env_command = commands.add_parser("environment")
    env_command.add_argument("--distributions", nargs="+", required=True)
    env_command.add_argument("--dask")
    env_command.add_argument("--gateway")
    env_command.add_argument("--mockup", action="store_true")
    env_command.set_defaults(run=environment)
    gateway_command = commands.add_parser("gateway")
    gateway_command.add_argument("--config", required=True)
    gateway_command.add_argument("--workdir", required=True)
    gateway_command.add_argument("--ports", nargs=3, type=int, required=True, metavar=("API", "HTTP", "TCP"))
    gateway_command.set_defaults(run=gateway)
    args = parser.parse_args()
    args.run(args)


if __name__ == "__main__":
    main()
