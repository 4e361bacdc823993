"""dask-platform's smoke check: one real computation through the gateway, run after every deploy that matters.

This file runs unchanged with the image's own Python (``python /opt/dask-platform/smoke_check.py``): as a
Kubernetes Job, from a ConfigMap holding this text, and in the local stack, as a one-shot container. It reaches
the gateway exactly as a user's session does, through dask_gateway's configuration from the environment
(``DASK_GATEWAY__ADDRESS``, ``DASK_GATEWAY__AUTH__*``, ``JUPYTERHUB_API_TOKEN``); what differs between stacks
arrives as one JSON document in ``DASK_PLATFORM_SMOKE_CHECK`` (``SmokeCheckData``), rendered by
``render/smoke.py``. No secret is in that document.

It starts a cluster, scales it to one worker, computes, checks that client, scheduler and worker run matching
package versions, shuts the cluster down, and prints one JSON line with how long the first worker took to join.
Any failure prints one line saying what failed and exits 1, so the deploy that runs it fails.
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import sys
import time
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NotRequired, TypedDict

DATA_ENV = "DASK_PLATFORM_SMOKE_CHECK"
"""The environment variable holding the JSON document this check reads."""
JOB_NAME_ENV = "DASK_PLATFORM_SMOKE_JOB"
"""The Job's name, from the pod's own label (Kubernetes' downward API), recorded with the result."""
SERVICE_ACCOUNT_DIR = Path("/var/run/secrets/kubernetes.io/serviceaccount")
"""Where Kubernetes mounts the pod's ServiceAccount token and the API server's CA."""
SERVICE_ACCOUNT_DIR_ENV = "DASK_PLATFORM_SERVICE_ACCOUNT_DIR"
"""Overrides ``SERVICE_ACCOUNT_DIR`` (for a check run outside a pod, such as the tests' own API server)."""
SQUARES = 20
"""The computation: the sum of the squares of 0..19, each square a task on the worker."""


class ResultTarget(TypedDict):
    """The ConfigMap the result is written to, so that Pulumi can read it back after the Job."""

    namespace: str
    configMap: str
    key: str


class SmokeCheckData(TypedDict):
    """What ``DASK_PLATFORM_SMOKE_CHECK`` holds."""

    timeoutSeconds: float
    """The whole check, cluster start to shutdown."""
    result: NotRequired[ResultTarget]
    """Where to write the result besides stdout; absent in the local stack."""


class SmokeCheckError(Exception):
    """A failure worded for whoever reads the deploy's output."""


def load_data(environ: Mapping[str, str] = os.environ) -> SmokeCheckData:
    if DATA_ENV not in environ:
        raise SmokeCheckError(f"{DATA_ENV} is not set: dask-platform passes the check's data through it")
    data: SmokeCheckData = json.loads(environ[DATA_ENV])
    return data


def _refusal(error: Exception) -> str | None:
    """The gateway's answer when it refuses the check's credentials (dask_gateway raises aiohttp's error)."""
    status = getattr(error, "status", None)
    if status in (401, 403):
        return (
            f"the gateway refused the smoke check's credentials (HTTP {status}): the check authenticates with "
            "the session's gateway password or the stack's JupyterHub token; check that Secret"
        )
    return None


async def _compute(gateway: Any) -> dict[str, Any]:
    started = time.monotonic()
    cluster = await gateway.new_cluster()
    try:
        asked = time.monotonic()
        await cluster.scale(1)
        async with cluster.get_client(set_as_default=False) as client:
            await client.wait_for_workers(1)
            first_worker = time.monotonic() - asked
            # Builtins, so that the worker needs nothing of this file.
            squares = client.map(pow, range(SQUARES), [2] * SQUARES)
            total = await client.submit(sum, squares)
            expected = sum(n * n for n in range(SQUARES))
            if total != expected:
                raise SmokeCheckError(f"the cluster computed {total}, not {expected}")
            # Raises when client, scheduler and workers disagree on a package that must match.
            await client.get_versions(check=True)
    finally:
        await cluster.shutdown()
    return {
        "cluster": cluster.name,
        "firstWorkerSeconds": round(first_worker, 1),
        "totalSeconds": round(time.monotonic() - started, 1),
    }


async def run_check(data: SmokeCheckData) -> dict[str, Any]:
    """Start, scale, compute, check versions and stop; the result, or SmokeCheckError saying what went wrong."""
    # Imported here: the program imports this module for its data contract and runs on requirements.txt, which
    # has no dask_gateway client; the images that run the check have it.
    from dask_gateway import Gateway

    try:
        async with Gateway(asynchronous=True) as gateway:
            return await asyncio.wait_for(_compute(gateway), data["timeoutSeconds"])
    except TimeoutError:
        raise SmokeCheckError(
            f"no result within {data['timeoutSeconds']:g}s: the cluster or its worker did not start in time"
        ) from None
    except SmokeCheckError:
        raise
    except Exception as error:
        refusal = _refusal(error)
        raise SmokeCheckError(refusal or f"{type(error).__name__}: {error}") from error


def write_result(target: ResultTarget, result: Mapping[str, Any], environ: Mapping[str, str] = os.environ) -> None:
    """Patch the result into the ConfigMap through the Kubernetes API, as the pod's ServiceAccount."""
    host, port = environ.get("KUBERNETES_SERVICE_HOST"), environ.get("KUBERNETES_SERVICE_PORT")
    url = f"https://{host}:{port}/api/v1/namespaces/{target['namespace']}/configmaps/{target['configMap']}"
    if not (host and port):
        raise SmokeCheckError("the check passed but cannot write its result: it runs outside a Kubernetes pod")
    body = json.dumps({"data": {target["key"]: json.dumps(result, sort_keys=True)}}).encode()
    credentials = Path(environ.get(SERVICE_ACCOUNT_DIR_ENV, str(SERVICE_ACCOUNT_DIR)))
    try:
        token = (credentials / "token").read_text().strip()
        context = ssl.create_default_context(cafile=str(credentials / "ca.crt"))
        request = urllib.request.Request(
            url,
            data=body,
            method="PATCH",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/merge-patch+json"},
        )
        with urllib.request.urlopen(request, context=context, timeout=30):
            pass
    except OSError as error:
        raise SmokeCheckError(f"the check passed but its result could not be written to {url}: {error}") from None


def main(environ: Mapping[str, str] = os.environ) -> int:
    try:
        data = load_data(environ)
        result = asyncio.run(run_check(data))
        if JOB_NAME_ENV in environ:
            result["job"] = environ[JOB_NAME_ENV]
        if "result" in data:
            write_result(data["result"], result, environ)
    except SmokeCheckError as failure:
        print(f"smoke check failed: {failure}", file=sys.stderr)
        return 1
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
