"""The local stack's smoke check: one-shot containers that compute on each gateway container after it is up."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi
import pulumi_docker as docker

from components.local import secret_upload
from render.local_smoke import MODULE_PATH, LocalSmokeCheck


class SmokeCheckFailedError(Exception):
    """The check's container ended with a failure: the deploy fails with the check's own message."""


def first_worker_seconds(logs: str | None) -> float | None:
    """The figure from the check's last output line (its JSON result), or None when there is none yet."""
    lines = (logs or "").strip().splitlines()
    try:
        value = json.loads(lines[-1]).get("firstWorkerSeconds") if lines else None
    except (json.JSONDecodeError, AttributeError):
        return None
    return float(value) if isinstance(value, int | float) else None


def _outcome(name: str) -> Callable[[list[Any]], float | None]:
    """What the deploy makes of a finished check: its figure, or a failure with the check's own message."""

    def judge(finished: list[Any]) -> float | None:
        exit_code, logs = finished
        if exit_code not in (None, 0):
            raise SmokeCheckFailedError(f"{name} exited with {exit_code}: {(logs or '').strip()[-500:]}")
        return first_worker_seconds(logs)

    return judge


def local_smoke_checks(
    name: str,
    checks: Sequence[LocalSmokeCheck],
    images: Mapping[str, pulumi.Resource],
    gateways: Mapping[str, pulumi.Resource],
    network: docker.Network,
    password: pulumi.Output[str] | None,
    opts: pulumi.ResourceOptions,
) -> dict[str, pulumi.Output[float | None]]:
    """Each check's container, created once its gateway container is healthy and run to its end; the deploy
    fails when it fails. Returns each check's first-worker figure by container name."""
    results: dict[str, pulumi.Output[float | None]] = {}
    for check in checks:
        envs = [f"{key}={value}" for key, value in sorted(check.env.items())]
        uploads = [docker.ContainerUploadArgs(file=MODULE_PATH, content=check.module)]
        if password is not None:
            uploads += [secret_upload(secret, password) for secret in check.secret_files]
        container = docker.Container(
            f"{name}-{check.gateway}",
            name=check.name,
            image=check.image,
            command=list(check.command),
            envs=envs,
            uploads=uploads,
            networks_advanced=[docker.ContainerNetworksAdvancedArgs(name=network.name)],
            # Run once to the end and keep the stopped container: its name says what it checked.
            must_run=False,
            attach=True,
            logs=True,
            restart="no",
            opts=pulumi.ResourceOptions.merge(
                opts, pulumi.ResourceOptions(depends_on=[images[check.image_key], gateways[check.gateway], network])
            ),
        )
        finished = pulumi.Output.all(container.exit_code, container.container_logs)
        results[check.name] = finished.apply(_outcome(check.name))
    return results
