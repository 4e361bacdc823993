"""The local stack's containers, exactly as its plan declares them, started with podman on a network of their own.

The plan (``tools.plan local``) is the only description: each ``docker:index/container:Container`` gives the
image, command, environment, published ports, network and alias, health check, volumes, restart policy and
limits the test passes to ``podman create``. The images are built first with the image harness
(``tools.build_images``). What differs from ``pulumi up``: names get a suffix (so a run never touches a real
deployment), the published host ports are free ones (still on the declared 127.0.0.1), and the password files
a container receives before it starts (``uploads``), which the plan can only show as ``[secret]``: the test
writes the files ``render/local.py`` declares for that container (path, owner, mode), as pulumi-docker does (a
tar copied to ``/`` that keeps its owner), holding a password made as the plan's ``RandomPassword`` would make
it, since the stack sets no ``gatewayPassword``. Then:

- every gateway becomes healthy by its own health check, and JupyterLab starts after them, as ``pulumi up``
  orders; a gateway on a non-default port passes its health check too;
- each gateway refuses requests without the password and accepts the generated one;
- from every kernel of the Jupyter image, with the kernel's own interpreter and environment, ``Gateway()``
  without arguments reaches the gateway of its profile's base image, creates a cluster, computes,
  ``client.get_versions(check=True)`` passes, and the cluster shuts down;
- the password is in no process's environment: not the kernels', the schedulers' and workers', nor the
  gateways';
- a notebook written through JupyterLab is still on the volume after a gateway container restarts, and after
  the JupyterLab container is replaced.

Needs buildah and podman (``scripts/setup-builders``).
"""

from __future__ import annotations

import base64
import io
import json
import secrets
import shutil
import string
import subprocess
import tarfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from config.stack import PROJECT_DIR, read_stack
from render.catalog import image_specs
from render.local import (
    JUPYTER_CONTAINER,
    LOCAL_CATALOG_TARGETS,
    LocalRuntimeSpec,
    SecretFile,
    local_images,
    local_runtime,
    secret_file_content,
)
from tests.helpers import free_ports, variant
from tools.build_images import BuildError, build_all, build_order, plan_stack, read_plan
from tools.plan import plan_stack as plan_in_process

pytestmark = pytest.mark.slow

STACK = "local"
CONTAINER = "docker:index/container:Container"
NETWORK = "docker:index/network:Network"
VOLUME = "docker:index/volume:Volume"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
HEALTHY_TIMEOUT = 180
COMMAND_TIMEOUT = 300
REPORT: list[str] = []
"""What the run went through, printed at the end of the module."""
CLIENT_SCRIPT = """
import json, os, sys
import dask.array as da
from dask_gateway import Gateway

def environ():
    with open("/proc/self/environ", "rb") as handle:
        return handle.read().decode(errors="replace")

gateway = Gateway()
result = {"address": gateway.address, "prefix": sys.prefix, "clusters_before": len(gateway.list_clusters())}
cluster = gateway.new_cluster()
try:
    cluster.scale(1)
    client = cluster.get_client()
    client.wait_for_workers(1, timeout=120)
    result["total"] = int(da.ones((1000, 1000), chunks=250).sum().compute())
    result["workers"] = len(client.scheduler_info()["workers"])
    versions = client.get_versions(check=True)
    result["dask"] = {
        "client": versions["client"]["packages"]["dask"],
        "scheduler": versions["scheduler"]["packages"]["dask"],
        "workers": sorted({w["packages"]["dask"] for w in versions["workers"].values()}),
    }
    result["environments"] = {
        "kernel": environ(),
        "scheduler": client.run_on_scheduler(environ),
        "workers": list(client.run(environ).values()),
    }
finally:
    cluster.shutdown()
result["clusters_after"] = len(gateway.list_clusters())
print(json.dumps(result))
"""
ENVIRONMENTS_OF_EVERY_PROCESS = (
    "for f in /proc/[0-9]*/environ; do cat \"$f\" 2>/dev/null | tr '\\0' '\\n'; echo; done; echo ok"
)


@dataclass(frozen=True)
class Declared:
    """A container of the plan, with the names this run gives it."""

    inputs: dict[str, Any]
    name: str
    host_ports: dict[int, int]
    """Internal port -> the free host port this run publishes it on."""
    secret_files: tuple[SecretFile, ...]

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
    outputs: dict[str, Any]
    password: str
    report: list[str]

    @property
    def gateways(self) -> list[Declared]:
        return [each for name, each in self.containers.items() if name != JUPYTER_CONTAINER]


def podman(
    *args: str, check: bool = True, timeout: float = COMMAND_TIMEOUT, stdin: bytes | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["podman", *args],
        capture_output=True,
        input=stdin.decode("latin-1") if stdin is not None else None,
        text=True,
        encoding="latin-1",
        timeout=timeout,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"podman {' '.join(args[:3])} ... failed ({result.returncode}):\n{result.stderr[-3000:]}")
    return result


def create_args(declared: Declared, runtime: Runtime) -> list[str]:
    """``podman create`` for one planned container: every setting from its inputs."""
    inputs = declared.inputs
    args = ["create", "--name", declared.name]
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
    for entry in envs:
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


def upload_archive(files: tuple[SecretFile, ...], password: str) -> bytes:
    """What pulumi-docker copies to ``/`` before a container starts: one tar entry per upload, with the
    upload's owner, group and mode in the entry's header."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for secret in files:
            content = secret_file_content(secret, password).encode()
            entry = tarfile.TarInfo(secret.path.lstrip("/"))
            entry.size, entry.mode = len(content), int(secret.permissions, 8)
            entry.uid, entry.gid = int(secret.owner), int(secret.group)
            entry.mtime = int(time.time())
            archive.addfile(entry, io.BytesIO(content))
    return buffer.getvalue()


def start(declared: Declared, runtime: Runtime) -> None:
    """Create, upload, start: what pulumi-docker does. ``--archive=false`` keeps the entries' owners, as
    Docker's copy does without ``CopyUIDGID``."""
    podman(*create_args(declared, runtime))
    archive = upload_archive(declared.secret_files, runtime.password)
    podman("cp", "--archive=false", "-", f"{declared.name}:/", stdin=archive)
    podman("start", declared.name)


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


def generated_password(inputs: dict[str, Any]) -> str:
    """A password as the plan's RandomPassword makes one from its inputs (length, no special characters)."""
    assert inputs == {"length": 32, "special": False}, inputs
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(int(inputs["length"])))


def rendered_runtime() -> LocalRuntimeSpec:
    config = read_stack(PROJECT_DIR / f"Pulumi.{STACK}.yaml")
    images = config.images.model_copy(update={"targets": LOCAL_CATALOG_TARGETS})
    return local_runtime(config, local_images(config, image_specs(images, config.gateway)))


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if shutil.which("buildah") is None or shutil.which("podman") is None:
        pytest.fail("buildah and podman are needed: run `bash scripts/setup-builders` (as root) first")
    return plan_stack(STACK, tmp_path_factory.mktemp("plan"))


def long_running(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The planned containers that keep running: not the one-shot smoke checks, which publish nothing and have
    their own tests (tests/stacks/test_local_smoke.py, tests/integration/test_smoke_check.py)."""
    return [r for r in resources if r["type"] == CONTAINER and r["inputs"].get("mustRun") is not False]


@pytest.fixture(scope="module")
def resources(plan: Path) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads(plan.read_text())
    return loaded


@pytest.fixture(scope="module")
def runtime(plan: Path, resources: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    containers = {r["inputs"]["name"]: r["inputs"] for r in long_running(resources)}
    rendered = {container.name: container for container in rendered_runtime().containers}
    assert sorted(containers) == sorted(rendered), sorted(containers)
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
    (random_password,) = [r["inputs"] for r in resources if r["type"] == RANDOM_PASSWORD]
    declared: dict[str, Declared] = {}
    ports = iter(free_ports(len(containers)))
    for name, inputs in containers.items():
        assert inputs["uploads"] == "[secret]", f"{name}: uploads are {inputs['uploads']!r}"
        host_ports = {int(port["internal"]): next(ports) for port in inputs["ports"]}
        declared[name] = Declared(inputs, f"{name}-{suffix}", host_ports, rendered[name].secret_files)
    outputs = json.loads((plan.parent / "outputs.json").read_text())
    run = Runtime(
        network, f"{network}-{suffix}", volumes, declared, outputs, generated_password(random_password), REPORT
    )
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
    """Every gateway, healthy; then JupyterLab, which the plan makes wait for them."""
    jupyter = runtime.containers[JUPYTER_CONTAINER]
    for gateway in runtime.gateways:
        start(gateway, runtime)
    for gateway in runtime.gateways:
        seconds = wait_healthy(gateway.name)
        runtime.report.append(f"{gateway.name}: healthy by its own health check after {seconds:.0f} s")
    start(jupyter, runtime)
    seconds = wait_healthy(jupyter.name)
    runtime.report.append(f"{jupyter.name}: healthy after {seconds:.0f} s")
    for gateway in runtime.gateways:
        for alias in gateway.inputs["networksAdvanced"][0]["aliases"]:
            assert_names_resolve(runtime, jupyter.name, alias)
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


def gateway_status(port: int, password: str | None) -> int:
    """The HTTP status of the gateway's cluster list on 127.0.0.1:``port``, with basic auth when given."""
    headers = {}
    if password is not None:
        headers["Authorization"] = "Basic " + base64.b64encode(f"someone:{password}".encode()).decode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/clusters/", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


def test_the_plan_declares_every_container_on_loopback_with_a_health_check(resources: list[dict[str, Any]]) -> None:
    for resource in long_running(resources):
        if resource["type"] == CONTAINER:
            inputs = resource["inputs"]
            assert [port["ip"] for port in inputs["ports"]] == ["127.0.0.1"], inputs["ports"]
            assert inputs["healthcheck"]["tests"], inputs["name"]


def test_the_exports_list_every_gateway_the_plan_runs(runtime: Runtime) -> None:
    urls = runtime.outputs["gatewayUrls"]
    assert sorted(urls) == sorted(["base-staging", "base-processor"]), urls
    for gateway in runtime.gateways:
        name = gateway.declared_name.removeprefix("dask-platform-gateway-")
        declared_port = int(gateway.inputs["ports"][0]["external"])
        assert urls[name] == f"http://127.0.0.1:{declared_port}", (name, urls)
        assert runtime.outputs["gatewayAddressesInNetwork"][name] == f"http://dask-gateway-{name}:8000"
    assert runtime.outputs["gatewayPassword"] == "[secret]"


def test_jupyter_serves_its_api_with_one_kernel_per_profile(started: Runtime) -> None:
    port = started.containers[JUPYTER_CONTAINER].host_ports[8888]
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=30) as response:
        version = json.loads(response.read())["version"]
    specs = jupyter_api(started, "kernelspecs")["kernelspecs"]
    assert sorted(specs) == ["dask-processor", "dask-staging"], sorted(specs)
    started.report.append(f"JupyterLab {version} on 127.0.0.1:{port}, kernels {sorted(specs)}")


def test_every_gateway_refuses_a_wrong_password_and_takes_the_generated_one(started: Runtime) -> None:
    for gateway in started.gateways:
        port = gateway.host_ports[8000]
        statuses = (gateway_status(port, None), gateway_status(port, "not-the-password"))
        assert statuses == (401, 401), (gateway.name, statuses)
        assert gateway_status(port, started.password) == 200, gateway.name
    started.report.append("every gateway: 401 without or with a wrong password, 200 with the generated one")


def test_the_password_files_are_the_image_users_alone(started: Runtime) -> None:
    for declared in started.containers.values():
        for secret in declared.secret_files:
            mode = podman("exec", declared.name, "stat", "-c", "%u:%g %a", secret.path).stdout.strip()
            assert mode == "1000:1000 600", (declared.name, secret.path, mode)


def test_every_kernel_computes_on_the_gateway_of_its_own_versions(started: Runtime) -> None:
    jupyter = started.containers[JUPYTER_CONTAINER]
    specs = jupyter_api(started, "kernelspecs")["kernelspecs"]
    addresses = started.outputs["gatewayAddressesInNetwork"]
    for name, spec in sorted(specs.items()):
        # What a kernel runs: its spec's interpreter and environment, in the container's own environment.
        kernel_env = [f"--env={key}={value}" for key, value in (spec["spec"].get("env") or {}).items()]
        output = podman(
            "exec", *kernel_env, jupyter.name, spec["spec"]["argv"][0], "-c", CLIENT_SCRIPT, timeout=600
        ).stdout.strip()
        facts = json.loads(output.splitlines()[-1])
        environments = facts.pop("environments")
        profile = name.removeprefix("dask-")
        # Gateway() without arguments: the kernel's own dask configuration names its profile's gateway.
        assert facts["address"] == addresses[f"base-{profile}"], facts
        assert facts["prefix"] == f"/opt/kernels/{profile}/env", facts
        assert facts["total"] == 1000 * 1000 and facts["workers"] == 1, facts
        dask_versions = facts["dask"]
        assert dask_versions["workers"] == [dask_versions["client"]] == [dask_versions["scheduler"]], facts
        assert facts["clusters_after"] == 0, facts
        for process, environment in [
            ("kernel", environments["kernel"]),
            ("scheduler", environments["scheduler"]),
            *(("worker", each) for each in environments["workers"]),
        ]:
            assert started.password not in environment, f"{name}: the password is in the {process}'s environment"
        started.report.append(f"kernel {name}: Gateway() -> {facts}")


def test_the_password_is_in_no_process_environment_of_any_container(started: Runtime) -> None:
    for declared in started.containers.values():
        listing = podman("exec", declared.name, "sh", "-c", ENVIRONMENTS_OF_EVERY_PROCESS).stdout
        assert listing.rstrip().endswith("ok") and "PATH=" in listing, declared.name
        assert started.password not in listing, f"the password is in a process environment of {declared.name}"


def test_a_gateway_on_a_non_default_port_passes_its_health_check(started: Runtime) -> None:
    (port,) = free_ports(1)
    planned = plan_in_process(
        STACK, config=variant(STACK, {"local": {"ports": {"gateways": {"base-processor": port}}}}).config
    )
    (inputs,) = [
        r["inputs"]
        for r in planned.resources
        if r["type"] == CONTAINER and r["inputs"]["name"] == "dask-platform-gateway-base-processor"
    ]
    assert [(p["ip"], int(p["external"]), int(p["internal"])) for p in inputs["ports"]] == [("127.0.0.1", port, 8000)]
    assert planned.outputs["gatewayUrls"]["base-processor"] == f"http://127.0.0.1:{port}"
    original = started.containers["dask-platform-gateway-base-processor"]
    # Exactly the declared port this time, on a container of its own beside the running ones.
    declared = Declared(inputs, f"{original.name}-port", {8000: port}, original.secret_files)
    started.containers[f"{declared.declared_name}-port"] = declared
    start(declared, started)
    seconds = wait_healthy(declared.name)
    assert gateway_status(port, started.password) == 200
    started.report.append(f"{declared.name}: healthy on the declared 127.0.0.1:{port} after {seconds:.0f} s")


def test_notebooks_survive_a_gateway_restart_and_a_new_jupyter_container(started: Runtime) -> None:
    notebook = {
        "type": "notebook",
        "content": {"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5},
    }
    jupyter_api(started, "contents/kept.ipynb", "PUT", notebook)
    gateway, jupyter = started.gateways[0], started.containers[JUPYTER_CONTAINER]
    podman("restart", gateway.name)
    wait_healthy(gateway.name)
    assert "kept.ipynb" in {item["name"] for item in jupyter_api(started, "contents")["content"]}
    # What `pulumi up` does when the Jupyter container is replaced: a new container on the same volume.
    podman("rm", "--force", "--time", "5", jupyter.name)
    start(jupyter, started)
    wait_healthy(jupyter.name)
    assert "kept.ipynb" in {item["name"] for item in jupyter_api(started, "contents")["content"]}
    started.report.append("kept.ipynb on the notebooks volume after a gateway restart and a new Jupyter container")
