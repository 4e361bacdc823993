"""Real schedulers and workers serve every Dask metric the dashboards read, and the Jupyter image's Dask panes
are set up for the gateway.

A scheduler and a worker start on 127.0.0.1, compute, and their ``/metrics`` are read
(``image_checks/dask_metrics.py``): once in this environment (prometheus-client pinned as in the images), and in
each ``k8s`` base image of the dev stack (both profiles), built with buildah as ``tools.build_images`` builds it.
The Jupyter image (built the same way) must have dask-labextension enabled in JupyterLab's server and its
factory pointed at the gateway; and dask-labextension's own code in it, given the environment the local stack
gives JupyterLab, starts a cluster on a real dask-gateway-server on 127.0.0.1 and shows its workers and its
dashboard link through the gateway.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from render.grafana import dashboard_queries
from tests.helpers import free_ports, promql_metrics
from tools.build_images import BuildError, ImageBuild, build_image, build_order, plan_stack, read_plan

pytestmark = pytest.mark.slow

CHECKS = Path(__file__).parent / "image_checks"
RUN_TIMEOUT = 300
GATEWAY_STARTUP_TIMEOUT = 90
PANE_PASSWORD = "pane-test-password-5d21"
K8S_BASES = ("base-staging-k8s", "base-processor-k8s")
"""The dev stack's k8s bases: the default profile's (Dask 2026.1.2) and the processors' (Dask 2024.5.2)."""
JUPYTER_IMAGE = "jupyter"


def dashboard_dask_metrics() -> set[str]:
    read = {name for expr in dashboard_queries() for name in promql_metrics(expr)}
    return {name for name in read if name.startswith("dask_")}


def assert_serves_every_dashboard_metric(facts: dict[str, Any]) -> None:
    assert facts["total"] == 160000.0
    served = set(facts["scheduler"]) | set(facts["worker"])
    assert dashboard_dask_metrics() - served == set()
    # Each side serves its own: the scheduler's series come from schedulers, the workers' from workers.
    assert {"dask_scheduler_workers", "dask_scheduler_tasks", "dask_scheduler_prefix_state_totals_total"} <= set(
        facts["scheduler"]
    )
    assert {"dask_worker_memory_bytes", "dask_worker_threads"} <= set(facts["worker"])


def last_json_line(command: list[str], env: dict[str, str] | None = None) -> Any:
    result = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT, env=env, check=False)
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0 and lines, (
        f"{' '.join(command)} failed:\n{result.stdout[-3000:]}{result.stderr[-5000:]}"
    )
    return json.loads(lines[-1])


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ImageBuild]:
    if shutil.which("buildah") is None or shutil.which("podman") is None:
        pytest.fail("buildah and podman are needed: run `bash scripts/setup-builders` (as root) first")
    return {image.key: image for image in read_plan(plan_stack("dev", tmp_path_factory.mktemp("plan")))}


def built(images: dict[str, ImageBuild], key: str, log_dir: Path) -> str:
    """``key`` and the images it is built FROM, with buildah's layer cache; its tag."""
    try:
        for image in build_order(list(images.values()), only=[key]):
            build_image(image, log_dir=log_dir)
    except BuildError as error:
        pytest.fail(str(error), pytrace=False)
    return images[key].tag


def podman_run(image: str, *command: str, env: dict[str, str] | None = None) -> list[str]:
    args = ["podman", "run", "--rm", "--network", "host", "--volume", f"{CHECKS}:/checks:ro"]
    for name, value in (env or {}).items():
        args += ["--env", f"{name}={value}"]
    return [*args, image, *command]


def test_a_scheduler_and_worker_here_serve_every_dask_metric_the_dashboards_read() -> None:
    ports = [str(port) for port in free_ports(3)]
    assert_serves_every_dashboard_metric(last_json_line([sys.executable, str(CHECKS / "dask_metrics.py"), *ports]))


@pytest.mark.parametrize("key", K8S_BASES)
def test_a_scheduler_and_worker_from_the_built_k8s_image_serve_every_dask_metric_the_dashboards_read(
    images: dict[str, ImageBuild], key: str, tmp_path: Path
) -> None:
    tag = built(images, key, tmp_path)
    ports = [str(port) for port in free_ports(3)]
    facts = last_json_line(podman_run(tag, "python", "/checks/dask_metrics.py", *ports))
    assert_serves_every_dashboard_metric(facts)


def test_the_jupyter_images_server_has_dask_labextension_enabled_and_pointed_at_the_gateway(
    images: dict[str, ImageBuild], tmp_path: Path
) -> None:
    tag = built(images, JUPYTER_IMAGE, tmp_path)
    server = subprocess.run(
        podman_run(tag, "jupyter", "server", "extension", "list"), capture_output=True, text=True, check=True
    )
    assert any(
        "dask_labextension" in line and "enabled" in line for line in (server.stdout + server.stderr).splitlines()
    )
    lab = subprocess.run(podman_run(tag, "jupyter", "labextension", "list"), capture_output=True, text=True, check=True)
    assert any(
        "dask-labextension" in line and "enabled" in line and "OK" in line
        for line in (lab.stdout + lab.stderr).splitlines()
    )
    # The local stack's environment for the JupyterLab container (render/local.py).
    env = {"DASK_GATEWAY__ADDRESS": "http://dask-gateway:8000", "DASK_GATEWAY__AUTH__TYPE": "basic"}
    facts = last_json_line(podman_run(tag, "python", "/checks/labextension.py", env=env))
    assert facts["factory"] == {"module": "dask_gateway", "class": "GatewayCluster", "args": [], "kwargs": {}}
    assert facts["cluster_class"] == "dask_gateway.client.GatewayCluster"
    assert (facts["address"], facts["auth"]) == ("http://dask-gateway:8000", "BasicAuth")
    assert facts["versions"] == {
        "dask-labextension": "7.0.0",
        "dask": "2026.1.2",
        "distributed": "2026.1.2",
        "dask-gateway": "2026.3.0",
    }


@contextmanager
def password_gateway(workdir: Path) -> Iterator[dict[str, str]]:
    """A dask-gateway-server on 127.0.0.1 with the simple authenticator and a password, clusters as local
    processes of this environment; yields the environment the local stack gives JupyterLab for it."""
    api, http, tcp = free_ports(3)
    (workdir / "clusters").mkdir(parents=True)
    (workdir / "dask_gateway_config.py").write_text(
        f"""c.DaskGateway.address = "127.0.0.1:{api}"
c.Proxy.address = "127.0.0.1:{http}"
c.Proxy.tcp_address = "127.0.0.1:{tcp}"
c.Proxy.log_level = "info"
c.DaskGateway.authenticator_class = "dask_gateway_server.auth.SimpleAuthenticator"
c.SimpleAuthenticator.password = {PANE_PASSWORD!r}
c.DaskGateway.backend_class = "dask_gateway_server.backends.local.UnsafeLocalBackend"
c.LocalBackend.clusters_directory = {str(workdir / "clusters")!r}
c.ClusterConfig.scheduler_cmd = ["dask", "scheduler"]
c.ClusterConfig.worker_cmd = ["dask", "worker"]
"""
    )
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', os.defpath)}"
    process = subprocess.Popen(
        [sys.executable, "-m", "dask_gateway_server", "-f", "dask_gateway_config.py"],
        cwd=workdir,
        env={**os.environ, "PATH": path},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    lines: list[str] = []
    routed = threading.Event()

    def read(stream: Any) -> None:
        # The proxy serves users once it has the route to the API server.
        for line in stream:
            lines.append(line)
            if f'target: "http://127.0.0.1:{api}"' in line:
                routed.set()
        routed.set()

    reader = threading.Thread(target=read, args=(process.stderr,), daemon=True)
    reader.start()
    try:
        assert routed.wait(GATEWAY_STARTUP_TIMEOUT) and process.poll() is None, "".join(lines)[-4000:]
        yield {
            "DASK_GATEWAY__ADDRESS": f"http://127.0.0.1:{http}",
            "DASK_GATEWAY__PROXY_ADDRESS": f"gateway://127.0.0.1:{tcp}",
            "DASK_GATEWAY__AUTH__TYPE": "basic",
            "DASK_GATEWAY__AUTH__KWARGS__PASSWORD": PANE_PASSWORD,
        }
    finally:
        process.terminate()
        try:
            process.wait(60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(30)
        reader.join(30)


def test_the_dask_panes_start_a_gateway_cluster_and_show_it_with_its_dashboard_through_the_gateway(
    images: dict[str, ImageBuild], tmp_path: Path
) -> None:
    tag = built(images, JUPYTER_IMAGE, tmp_path / "logs")
    with password_gateway(tmp_path / "gateway") as env:
        facts = last_json_line(podman_run(tag, "python", "/checks/labextension_pane.py", env=env))
    model = facts["cluster"]
    assert facts["type"] == "GatewayCluster"
    assert model["scheduler_address"].startswith(env["DASK_GATEWAY__PROXY_ADDRESS"] + "/")
    name = model["scheduler_address"].rsplit("/", 1)[1]
    assert model["dashboard_link"] == f"{env['DASK_GATEWAY__ADDRESS']}/clusters/{name}/status"
    # The image's config asks for one worker; the gateway's default worker has one core.
    assert (model["workers"], model["cores"]) == (1, 1)
