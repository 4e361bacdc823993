"""The gateway's option handler on Kubernetes: ``shipped/gateway_config.py`` with a stack's data, loaded into
dask-gateway-server's Kubernetes backend as the gateway pod loads it, and each request processed by the backend's
own option code into the ``KubeClusterConfig`` the controller builds pods from."""

from __future__ import annotations

from pathlib import Path

import pytest
from dask_gateway_server.backends.base import PublicException
from dask_gateway_server.backends.kubernetes import KubeBackend

from config.gateway import GatewayConfig
from config.stack import PROJECT_DIR, read_stack
from render.gateway_options import gateway_options_data
from tests.helpers import cluster_config_for, kubernetes_backend

GIB = 2**30
DEV_GATEWAY = read_stack(PROJECT_DIR / "Pulumi.dev.yaml").gateway
EXTRA_IMAGE = "registry.example.org/team/dask:2026.3.0"


def backend_for(gateway: GatewayConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KubeBackend:
    """The Kubernetes backend configured with the data the Helm release gets for ``gateway``."""
    data = gateway_options_data(gateway, default_image=gateway.image.reference)
    return kubernetes_backend(data, tmp_path, monkeypatch)


def test_on_kubernetes_a_request_above_the_limit_raises_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = backend_for(DEV_GATEWAY, tmp_path, monkeypatch)
    cluster = cluster_config_for(backend, {"worker_cores": 2, "worker_cores_limit": 1, "worker_memory": "3 G"})
    assert (cluster.worker_cores, cluster.worker_cores_limit) == (2, 2)
    assert cluster.worker_memory == cluster.worker_memory_limit == 3 * GIB
    assert cluster.image == DEV_GATEWAY.image.reference
    assert cluster.cluster_max_cores == DEV_GATEWAY.cluster_max_cores
    assert cluster.idle_timeout == DEV_GATEWAY.idle_timeout_seconds


def test_on_kubernetes_a_limit_above_the_request_is_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cluster = cluster_config_for(
        backend_for(DEV_GATEWAY, tmp_path, monkeypatch), {"worker_cores": 1, "worker_cores_limit": 2}
    )
    assert (cluster.worker_cores, cluster.worker_cores_limit) == (1, 2)


def test_allowed_images_restrict_what_users_may_pick(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default_image = GatewayConfig().image.reference
    gateway = GatewayConfig.model_validate({"clusterOptions": {"allowedImages": [default_image, EXTRA_IMAGE]}})
    backend = backend_for(gateway, tmp_path, monkeypatch)
    assert cluster_config_for(backend, {}).image == default_image
    assert cluster_config_for(backend, {"image": EXTRA_IMAGE}).image == EXTRA_IMAGE
    with pytest.raises(PublicException) as refused:
        cluster_config_for(backend, {"image": "docker.io/someone/else:latest"})
    assert str(refused.value) == (
        f"image 'docker.io/someone/else:latest' is not offered here; choose one of {default_image}, {EXTRA_IMAGE}"
    )


def test_an_empty_image_is_refused_with_an_example(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    backend = backend_for(DEV_GATEWAY, tmp_path, monkeypatch)
    with pytest.raises(PublicException) as refused:
        cluster_config_for(backend, {"image": "  "})
    assert str(refused.value) == f"image must name an image, such as {DEV_GATEWAY.image.reference!r}"


def test_on_kubernetes_pods_start_dask_through_the_dask_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cluster = cluster_config_for(backend_for(DEV_GATEWAY, tmp_path, monkeypatch), {})
    assert (cluster.scheduler_cmd, cluster.worker_cmd) == (["dask", "scheduler"], ["dask", "worker"])
