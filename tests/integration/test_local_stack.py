"""The local stack's containers, exactly as its plan declares them, started with podman on a network of their own.

The plan (``tools.plan local``) is the only description: each ``docker:index/container:Container`` gives the
image, command, environment, published ports, network and alias, health check, volumes, restart policy and
limits the test passes to ``podman run``. The images are built first with the image harness
(``tools.build_images``). Only three things differ from ``pulumi up``: names get a suffix (so a run never touches
a real deployment), the published host ports are free ones (still on the declared 127.0.0.1), and the gateway
password, which the plan can only show as ``[secret]``, is a test value in the variables ``render/local.py``
names for it. Then:

- the gateway becomes healthy by its own health check, and JupyterLab starts after it, as ``pulumi up`` orders;
- JupyterLab's server API answers on 127.0.0.1, with the token the exported command prints;
- from the kernel environments in the Jupyter image, ``Gateway()`` without arguments reaches the gateway by its
  in-network name; the gateway profile's kernel creates a cluster, computes and shuts it down;
- a notebook written through JupyterLab is still on the volume after the gateway container restarts, and after
  the JupyterLab container is replaced.

Needs buildah and podman (``scripts/setup-builders``).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from config.stack import PROJECT_DIR, read_stack
from render.local import GATEWAY_CONTAINER, GATEWAY_HOST, JUPYTER_CONTAINER
from render.names import PASSWORD_ENV
from render.session import CLIENT_PASSWORD_ENV
from tests.helpers import free_ports
from tools.build_images import BuildError, build_all, build_order, plan_stack, read_plan

pytestmark = pytest.mark.slow

STACK = "local"
CONTAINER = "docker:index/container:Container"
NETWORK = "docker:index/network:Network"
VOLUME = "docker:index/volume:Volume"
PASSWORD = "local-stack-test-password"
HEALTHY_TIMEOUT = 180
COMMAND_TIMEOUT = 300
REPORT: list[str] = []
"""What the run went through, printed at the end of the module."""
CLIENT_SCRIPT = """
import json, os
import dask.array as da
from dask_gateway import Gateway

gateway = Gateway()
result = {"address": gateway.address, "clusters_before": len(gateway.list_clusters())}
if os.environ.get("COMPUTE") == "1":
    cluster = gateway.new_cluster()
    try:
        cluster.scale(1)
        client = cluster.get_client()
        client.wait_for_workers(1, timeout=120)
        result["total"] = int(da.ones((1000, 1000), chunks=250).sum().compute())
        result["workers"] = len(client.scheduler_info()["workers"])
    finally:
        cluster.shutdown()
    result["clusters_after"] = len(gateway.list_clusters())
print(json.dumps(result))
"""


@dataclass(frozen=True)
class Declared:
    """A container of the plan, with the names this run gives it."""

    inputs: dict[str, Any]
    name: str
    host_ports: dict[int, int]
    """Internal port -> the free host port this run publishes it on."""

    @property
    def declared_name(self) -> str:
        return str(self.inputs["name"])


@dataclass
class Runtime:
    declared_network: str
    network: str
    """The network this run creates for the declared one."""
    volumes: dict[str, str]
    """Declared volume name -> the volume this run creates for it."""
    containers: dict[str, Declared]
    report: list[str]


def podman(*args: str, check: bool = True, timeout: float = COMMAND_TIMEOUT) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(["podman", *args], capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"podman {' '.join(args[:3])} ... failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result


def run_args(declared: Declared, runtime: Runtime, extra_env: dict[str, str]) -> list[str]:
    """``podman run`` for one planned container: every setting from its inputs."""
    inputs = declared.inputs
    args = ["run", "--detach", "--name", declared.name]
    for network in inputs["networksAdvanced"]:
        assert network["name"] == runtime.declared_network, network
        args += ["--network", runtime.network]
        args += [f"--network-alias={alias}" for alias in network.get("aliases") or []]
    for port in inputs["ports"]:
        assert port["ip"] == "127.0.0.1", f"{declared.declared_name} publishes on {port['ip']}"
        internal = int(port["internal"])
        args += ["--publish", f"{port['ip']}:{declared.host_ports[internal]}:{internal}"]
    envs = inputs["envs"]
    assert isinstance(envs, list), f"{declared.declared_name}: envs are {envs!r}"
    for entry in [*envs, *(f"{k}={v}" for k, v in extra_env.items())]:
        args += ["--env", entry]
    for volume in inputs["volumes"]:
        args += ["--volume", f"{runtime.volumes[volume['volumeName']]}:{volume['containerPath']}"]
    check = inputs["healthcheck"]
    assert check["tests"][0] == "CMD", check
    args += [
        "--health-cmd",
        json.dumps(check["tests"][1:]),
        "--health-interval",
        check["interval"],
        "--health-timeout",
        check["timeout"],
        "--health-retries",
        str(int(check["retries"])),
        "--health-start-period",
        check["startPeriod"],
    ]
    args += ["--restart", inputs["restart"], "--cpus", inputs["cpus"], "--memory", f"{int(inputs['memory'])}m"]
    return [*args, inputs["image"], *inputs["command"]]


def wait_healthy(name: str, timeout: float = HEALTHY_TIMEOUT) -> float:
    """Run the container's own health check until it passes; the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if podman("healthcheck", "run", name, check=False).returncode == 0:
            return time.monotonic() - started
        state = podman("inspect", "--format", "{{.State.Status}}", name, check=False).stdout.strip()
        if state in ("exited", "stopped"):
            break
        time.sleep(2)
    logs = podman("logs", "--tail", "60", name, check=False)
    raise AssertionError(f"{name} was not healthy within {timeout}s:\n{logs.stdout[-4000:]}{logs.stderr[-4000:]}")


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("buildah") is None or shutil.which("podman") is None:
        pytest.fail("buildah and podman are needed: run `bash scripts/setup-builders` (as root) first")
    return plan_stack(STACK, tmp_path_factory.mktemp("plan"))


@pytest.fixture(scope="module")
def resources(plan: Path) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads(plan.read_text())
    return loaded


@pytest.fixture(scope="module")
def runtime(plan: Path, resources: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    containers = {r["inputs"]["name"]: r["inputs"] for r in resources if r["type"] == CONTAINER}
    assert sorted(containers) == sorted([GATEWAY_CONTAINER, JUPYTER_CONTAINER]), sorted(containers)
    # The images the containers run, and what they are built from, with the image harness.
    images = read_plan(plan)
    wanted = [image.key for image in images if image.tag in {c["image"] for c in containers.values()}]
    try:
        build_all(build_order(images, only=wanted), log_dir=tmp_path_factory.mktemp("build-logs"), report=REPORT.append)
    except BuildError as error:
        pytest.fail(f"the local stack's images did not build: {error}", pytrace=False)
    suffix = uuid.uuid4().hex[:8]
    (network,) = [r["inputs"]["name"] for r in resources if r["type"] == NETWORK]
    volumes = {r["inputs"]["name"]: f"{r['inputs']['name']}-{suffix}" for r in resources if r["type"] == VOLUME}
    declared: dict[str, Declared] = {}
    ports = iter(free_ports(4))
    for name, inputs in containers.items():
        host_ports = {int(port["internal"]): next(ports) for port in inputs["ports"]}
        declared[name] = Declared(inputs, f"{name}-{suffix}", host_ports)
    run = Runtime(network, f"{network}-{suffix}", volumes, declared, REPORT)
    podman("network", "create", run.network)
    for volume in volumes.values():
        podman("volume", "create", volume)
    try:
        yield run
    finally:
        for each in declared.values():
            podman("rm", "--force", "--time", "0", each.name, check=False)
        for volume in volumes.values():
            podman("volume", "rm", "--force", volume, check=False)
        podman("network", "rm", "--force", run.network, check=False)


@pytest.fixture(scope="module")
def started(runtime: Runtime) -> Runtime:
    """The gateway, healthy; then JupyterLab, which the plan makes wait for it."""
    gateway, jupyter = runtime.containers[GATEWAY_CONTAINER], runtime.containers[JUPYTER_CONTAINER]
    podman(*run_args(gateway, runtime, {PASSWORD_ENV: PASSWORD}))
    seconds = wait_healthy(gateway.name)
    runtime.report.append(f"{gateway.name}: healthy by its own health check after {seconds:.0f} s")
    podman(*run_args(jupyter, runtime, {CLIENT_PASSWORD_ENV: PASSWORD}))
    seconds = wait_healthy(jupyter.name)
    runtime.report.append(f"{jupyter.name}: healthy after {seconds:.0f} s")
    assert_names_resolve(runtime, jupyter.name, GATEWAY_HOST)
    return runtime


def assert_names_resolve(runtime: Runtime, container: str, name: str) -> None:
    """Fail with the cause, not deep inside a kernel, when the network gives containers no DNS."""
    probe = f"import socket; socket.getaddrinfo({name!r}, None)"
    if podman("exec", container, "python", "-c", probe, check=False).returncode == 0:
        return
    backend = podman("info", "--format", "{{.Host.NetworkBackend}}", check=False).stdout.strip()
    pytest.fail(
        f"the podman network {runtime.network} has no DNS: {name!r} does not resolve from {container} (network "
        f"backend {backend!r}). Run `bash scripts/setup-builders`: it installs the DNS plugin for either backend "
        "(golang-github-containernetworking-plugin-dnsname for cni, aardvark-dns for netavark).",
        pytrace=False,
    )


@pytest.fixture(scope="module", autouse=True)
def _print_report(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    terminal = request.config.pluginmanager.get_plugin("terminalreporter")
    if terminal is not None:
        terminal.section("the local stack in podman", sep="-")
        for line in REPORT:
            terminal.write_line(line)


def jupyter_token(runtime: Runtime) -> str:
    """What the exported ``jupyterTokenCommand`` prints (``docker exec <container> jupyter server list``)."""
    name = runtime.containers[JUPYTER_CONTAINER].name
    listing = podman("exec", name, "jupyter", "server", "list", "--json").stdout.strip().splitlines()
    return str(json.loads(listing[0])["token"])


def jupyter_api(runtime: Runtime, path: str, method: str = "GET", body: Any = None) -> Any:
    port = runtime.containers[JUPYTER_CONTAINER].host_ports[8888]
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {jupyter_token(runtime)}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read() or b"null")


def test_the_plan_declares_both_containers_on_loopback_with_a_health_check(resources: list[dict[str, Any]]) -> None:
    for resource in resources:
        if resource["type"] == CONTAINER:
            inputs = resource["inputs"]
            assert [port["ip"] for port in inputs["ports"]] == ["127.0.0.1"], inputs["ports"]
            assert inputs["healthcheck"]["tests"], inputs["name"]


def test_jupyter_serves_its_api_with_one_kernel_per_profile(started: Runtime) -> None:
    port = started.containers[JUPYTER_CONTAINER].host_ports[8888]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=30) as response:
        version = json.loads(response.read())["version"]
    specs = jupyter_api(started, "kernelspecs")["kernelspecs"]
    assert specs and all(name.startswith("dask-") for name in specs), sorted(specs)
    started.report.append(f"JupyterLab {version} on 127.0.0.1:{port}, kernels {sorted(specs)}")


def test_every_kernel_reaches_the_gateway_by_its_network_name(started: Runtime) -> None:
    jupyter = started.containers[JUPYTER_CONTAINER]
    env = dict(entry.split("=", 1) for entry in jupyter.inputs["envs"])
    gateway_kernel = f"dask-{read_stack(PROJECT_DIR / f'Pulumi.{STACK}.yaml').local_gateway_profile}"
    specs = jupyter_api(started, "kernelspecs")["kernelspecs"]
    assert gateway_kernel in specs, f"no kernel {gateway_kernel} among {sorted(specs)}"
    for name, spec in sorted(specs.items()):
        # What a kernel runs: its spec's interpreter and environment, in the container's own environment.
        kernel_env = [f"--env={key}={value}" for key, value in (spec["spec"].get("env") or {}).items()]
        compute = name == gateway_kernel
        output = podman(
            "exec",
            *kernel_env,
            f"--env=COMPUTE={int(compute)}",
            jupyter.name,
            spec["spec"]["argv"][0],
            "-c",
            CLIENT_SCRIPT,
        ).stdout.strip()
        facts = json.loads(output.splitlines()[-1])
        # Gateway() without arguments: the address from the container's environment, logged in with the password.
        assert facts["address"] == env["DASK_GATEWAY__ADDRESS"] == "http://dask-gateway:8000", facts
        if compute:
            # The kernel with the gateway's own Dask versions drives a cluster the gateway starts.
            assert facts["total"] == 1000 * 1000 and facts["workers"] == 1, facts
            assert facts["clusters_after"] == 0, facts
        started.report.append(f"kernel {name}: Gateway() -> {facts}")


def test_notebooks_survive_a_gateway_restart_and_a_new_jupyter_container(started: Runtime) -> None:
    notebook = {
        "type": "notebook",
        "content": {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
    }
    jupyter_api(started, "contents/kept.ipynb", "PUT", notebook)
    gateway, jupyter = started.containers[GATEWAY_CONTAINER], started.containers[JUPYTER_CONTAINER]
    podman("restart", gateway.name)
    wait_healthy(gateway.name)
    assert "kept.ipynb" in {item["name"] for item in jupyter_api(started, "contents")["content"]}
    # What `pulumi up` does when the Jupyter container is replaced: a new container on the same volume.
    podman("rm", "--force", "--time", "5", jupyter.name)
    podman(*run_args(jupyter, started, {CLIENT_PASSWORD_ENV: PASSWORD}))
    wait_healthy(jupyter.name)
    assert "kept.ipynb" in {item["name"] for item in jupyter_api(started, "contents")["content"]}
    started.report.append("kept.ipynb on the notebooks volume after a gateway restart and a new Jupyter container")
