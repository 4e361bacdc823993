"""Every image of the dev stack (but Jupyter), built from the offline plan with buildah and run with podman.

The builds are the plan's (``tools.build_images``): the same tags, contexts, Dockerfiles, targets and build
arguments ``pulumi up`` hands to BuildKit. The containers use the host's network and bind 127.0.0.1 only:

- every image: the profile's dask, distributed and dask-gateway, a numeric non-root user, tini as PID 1;
- ``k8s`` bases: ``dask scheduler``, two ``dask worker`` containers and a client container computing on them;
- ``local`` bases: the image's own command (dask-gateway-server with the config baked in) serving a client of
  the same image: the stack's options and defaults, refusals with the stack's bounds, a cluster's whole life;
- processors: each one's small real operation; staging: its array stack on Dask through Zarr;
- a broken lock fails its build with a message that names the image.

The Jupyter image is built as a chain (JupyterLab, then one kernel layer per profile); its last layer is run.
Needs buildah and podman (``scripts/setup-builders``); a full build from scratch takes about 25 minutes.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pytest
import yaml

from config.stack import PROJECT_DIR
from tests.helpers import free_ports
from tools.build_images import (
    BuildError,
    BuiltImage,
    ImageBuild,
    build_all,
    build_image,
    build_order,
    plan_stack,
    read_plan,
)
from tools.standin_bases import STANDIN_LABEL, canonical, image_label

pytestmark = pytest.mark.slow

STACK = "dev"
CHECKS = Path(__file__).parent / "image_checks"
PROFILE_DISTRIBUTIONS = ("dask", "distributed", "dask-gateway")
RUN_TIMEOUT = 300
STARTUP_TIMEOUT = 90
STOP_TIMEOUT = 30
WORKERS = 2
CLUSTER_OPTIONS = ("image", "worker_cores", "worker_cores_limit", "worker_memory")


# --- the plan and the builds -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """An image of the plan with what the checks need to know about it."""

    build: ImageBuild
    kind: str
    """``base``, ``processor``, ``staging`` or ``jupyter``: from the build context."""
    target: str
    """``k8s`` or ``local``: the image's own target, or its base's."""
    args: dict[str, str]
    """Its build arguments over its base's: the profile's versions."""

    @property
    def key(self) -> str:
        return self.build.key

    @property
    def processor(self) -> str:
        return Path(self.build.context).name


def _kind(image: ImageBuild) -> str:
    if image.context.startswith("processors/"):
        return "processor"
    if image.context == "images/staging":
        return "staging"
    if image.context == "images/jupyter":
        return "jupyter"
    return "base"


def classify(images: Sequence[ImageBuild]) -> list[Planned]:
    by_key = {image.key: image for image in images}

    def inherited(image: ImageBuild) -> tuple[str | None, dict[str, str]]:
        target: str | None = image.target
        args: dict[str, str] = {}
        for dependency in image.depends_on:
            base_target, base_args = inherited(by_key[dependency])
            target, args = target or base_target, {**base_args, **args}
        return target, {**args, **image.build_args}

    planned = []
    for image in images:
        target, args = inherited(image)
        planned.append(Planned(image, _kind(image), target or "", args))
    return planned


class Report:
    """What each image went through. Registered as a pytest plugin for the session, so pytest prints it in
    its terminal summary, after the results, whether the tests passed or not (no ``-s`` needed)."""

    def __init__(self) -> None:
        self.lines: dict[str, list[str]] = {}
        self.notes: list[str] = []

    def add(self, key: str, check: str) -> None:
        self.lines.setdefault(key, []).append(check)

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        if not (self.lines or self.notes):
            return
        terminalreporter.section(f"images of the {STACK} stack: built and run")
        for note in self.notes:
            terminalreporter.write_line(note)
        for key, checks in self.lines.items():
            terminalreporter.write_line(key)
            for check in checks:
                terminalreporter.write_line(f"    {check}")


REPORT = Report()


@pytest.fixture(scope="module", autouse=True)
def _report_in_summary(request: pytest.FixtureRequest) -> None:
    if not request.config.pluginmanager.is_registered(REPORT):
        request.config.pluginmanager.register(REPORT, "image-builds-report")


@pytest.fixture(scope="module")
def plan(tmp_path_factory: pytest.TempPathFactory) -> list[Planned]:
    if shutil.which("buildah") is None or shutil.which("podman") is None:
        pytest.fail("buildah and podman are needed: run `bash scripts/setup-builders` (as root) first")
    resources = plan_stack(STACK, tmp_path_factory.mktemp("plan"))
    return classify(read_plan(resources))


@pytest.fixture(scope="module")
def built(plan: list[Planned], tmp_path_factory: pytest.TempPathFactory) -> dict[str, BuiltImage]:
    """Every planned image, built once, bases first, with buildah's layer cache."""
    images = build_order([p.build for p in plan])
    log_dir = tmp_path_factory.mktemp("build-logs")
    try:
        results = build_all(images, log_dir=log_dir, report=REPORT.notes.append)
    except BuildError as error:
        pytest.fail(str(error), pytrace=False)
    for result in results:
        REPORT.add(
            result.image.key, f"built in {result.seconds:.0f} s, {result.size_bytes / 1e6:.0f} MB: {result.image.tag}"
        )
    return {result.image.key: result for result in results}


def of_kind(plan: list[Planned], kind: str, target: str | None = None) -> list[Planned]:
    chosen = [p for p in plan if p.kind == kind and (target is None or p.target == target)]
    assert chosen, f"the {STACK} plan has no {kind} image{f' for target {target}' if target else ''}"
    return chosen


# --- running containers ------------------------------------------------------------------------------------


def _run_args(
    image: str, name: str, volumes: Sequence[str] = (), environment: Mapping[str, str] | None = None
) -> list[str]:
    args = ["podman", "run", "--rm", "--name", name, "--network", "host", "--volume", f"{CHECKS}:/checks:ro"]
    for volume in volumes:
        args += ["--volume", volume]
    for variable, value in (environment or {}).items():
        args += ["--env", f"{variable}={value}"]
    return [*args, image]


def run_json(
    image: str,
    *command: str,
    volumes: Sequence[str] = (),
    environment: Mapping[str, str] | None = None,
    timeout: float = RUN_TIMEOUT,
) -> Any:
    """Run ``command`` in a fresh container of ``image`` (with ``environment`` set) and parse the JSON object it
    prints last."""
    name = f"image-check-{uuid.uuid4().hex[:10]}"
    try:
        result = subprocess.run(
            [*_run_args(image, name, volumes, environment), *command], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        subprocess.run(["podman", "rm", "--force", "--time", "0", name], capture_output=True)
        raise AssertionError(f"{' '.join(command)} in {image} did not finish within {timeout}s") from None
    lines = result.stdout.strip().splitlines()
    assert result.returncode == 0 and lines, (
        f"{' '.join(command)} in {image} failed (exit {result.returncode}):\n{result.stdout[-3000:]}"
        f"{result.stderr[-5000:]}"
    )
    return json.loads(lines[-1])


class Service:
    """A container running in the background, its output read as it comes (so the pipe never fills)."""

    def __init__(self, image: str, command: Sequence[str], ready_line: str | None) -> None:
        self.name = f"image-service-{uuid.uuid4().hex[:10]}"
        self.ready_line = ready_line
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.process = subprocess.Popen(
            [*_run_args(image, self.name), *command],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.process.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.append(line)
            if self.ready_line is not None and self.ready_line in line:
                self.ready.set()
        self.ready.set()

    def wait_ready(self, timeout: float = STARTUP_TIMEOUT) -> None:
        if not self.ready.wait(timeout) or self.process.poll() is not None:
            raise AssertionError(f"{self.name} did not log {self.ready_line!r} within {timeout}s:\n{self.log()}")

    def exec_text(self, *command: str) -> str:
        return subprocess.run(
            ["podman", "exec", self.name, *command], capture_output=True, text=True, check=True
        ).stdout.strip()

    def log(self) -> str:
        return "".join(self.lines)[-6000:]

    def stop(self) -> None:
        subprocess.run(["podman", "stop", "--time", str(STOP_TIMEOUT), self.name], capture_output=True)
        try:
            self.process.wait(STOP_TIMEOUT + 10)
        except subprocess.TimeoutExpired:
            subprocess.run(["podman", "rm", "--force", "--time", "0", self.name], capture_output=True)
            self.process.wait(STOP_TIMEOUT)
        self._reader.join(STOP_TIMEOUT)


@contextmanager
def services(*specs: tuple[str, Sequence[str], str | None]) -> Iterator[list[Service]]:
    started: list[Service] = []
    try:
        for image, command, ready_line in specs:
            started.append(Service(image, command, ready_line))
        yield started
    finally:
        for service in started:
            service.stop()


def image_config(reference: str) -> dict[str, Any]:
    result = subprocess.run(
        ["podman", "image", "inspect", canonical(reference)], capture_output=True, text=True, check=True
    )
    config: dict[str, Any] = json.loads(result.stdout)[0]["Config"]
    return config


def stack_gateway_options() -> dict[str, dict[str, Any]]:
    stack = yaml.safe_load((PROJECT_DIR / f"Pulumi.{STACK}.yaml").read_text())
    options: dict[str, dict[str, Any]] = stack["config"]["dask-platform:gateway"]["clusterOptions"]
    return options


def expected_python(planned: Planned, built: dict[str, BuiltImage]) -> str:
    """The profile's Python, unless the image was built on a stand-in base: then the stand-in's interpreter."""
    standin = image_label(planned.build.tag, STANDIN_LABEL)
    if standin is not None:
        REPORT.add(
            planned.key,
            f"STAND-IN base: interpreter actually used CPython {standin} "
            f"(the profile wants {planned.args['PYTHON_VERSION']})",
        )
        return standin
    return planned.args["PYTHON_VERSION"]


# --- the checks --------------------------------------------------------------------------------------------


def test_every_image_runs_as_its_profile_says(plan: list[Planned], built: dict[str, BuiltImage]) -> None:
    """Versions, numeric non-root user and tini as PID 1, in every image."""
    failures = []
    for planned in (p for p in plan if p.kind != "jupyter"):
        tag = planned.build.tag
        user = image_config(tag).get("User", "")
        facts = run_json(tag, "python", "/checks/versions.py", *PROFILE_DISTRIBUTIONS)
        expected = {
            "dask": planned.args["DASK_VERSION"],
            "distributed": planned.args["DASK_VERSION"],
            "dask-gateway": planned.args["DASK_GATEWAY_VERSION"],
        }
        python = expected_python(planned, built)
        problems = []
        if facts["distributions"] != expected:
            problems.append(f"versions {facts['distributions']}, the profile says {expected}")
        if not re.fullmatch(r"[1-9]\d*(:\d+)?", user) or facts["uid"] == 0:
            problems.append(f"user {user!r} (uid {facts['uid']}), not a numeric non-root user")
        if facts["pid1"] != "tini":
            problems.append(f"PID 1 is {facts['pid1']}, not tini")
        if facts["python"] != python:
            problems.append(f"Python {facts['python']}, expected {python}")
        if problems:
            failures.append(f"{planned.key}: " + "; ".join(problems))
        else:
            REPORT.add(
                planned.key,
                f"dask/distributed {expected['dask']}, dask-gateway {expected['dask-gateway']}, "
                f"Python {facts['python']}, user {user} (uid {facts['uid']}), PID 1 tini",
            )
    assert not failures, "\n".join(failures)


def test_k8s_bases_run_a_scheduler_workers_and_a_client(plan: list[Planned], built: dict[str, BuiltImage]) -> None:
    for planned in of_kind(plan, "base", "k8s"):
        tag = planned.build.tag
        port = free_ports(1)[0]
        address = f"tcp://127.0.0.1:{port}"
        scheduler = (
            tag,
            ["dask", "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            "Scheduler at:",
        )
        worker = (tag, ["dask", "worker", address, "--host", "127.0.0.1", "--nthreads", "1", "--no-dashboard"], None)
        with services(scheduler, worker, worker) as (running_scheduler, *_):
            running_scheduler.wait_ready()
            result = run_json(tag, "python", "/checks/k8s_client.py", address, str(WORKERS))
            scheduler_pid1 = running_scheduler.exec_text("cat", "/proc/1/comm")
        n = 4000 * 4000
        assert result["total"] == n * (n - 1) // 2, f"{planned.key}: wrong sum {result['total']}"
        assert result["workers"] == WORKERS, f"{planned.key}: {result['workers']} workers, expected {WORKERS}"
        assert all(uid != 0 for uid in result["worker_uids"]), f"{planned.key}: a worker runs as root"
        assert result["worker_pid1"] == ["tini"] and scheduler_pid1 == "tini", f"{planned.key}: PID 1 {result}"
        assert result["distributions"] == {
            "dask": planned.args["DASK_VERSION"],
            "distributed": planned.args["DASK_VERSION"],
            "dask-gateway": planned.args["DASK_GATEWAY_VERSION"],
        }, f"{planned.key}: {result['distributions']}"
        REPORT.add(
            planned.key,
            f"dask scheduler + {WORKERS} dask workers + client (3 containers, 127.0.0.1:{port}): "
            f"sum of 16 chunks correct, workers uid {result['worker_uids']}, versions checked by the client",
        )


def _bigger_memory(value: str) -> str:
    number, unit = value.split()
    return f"{float(number) * 2:g} {unit}"


def test_local_images_serve_the_stacks_gateway(plan: list[Planned], built: dict[str, BuiltImage]) -> None:
    options = stack_gateway_options()
    cores, memory = options["workerCores"], options["workerMemory"]
    for planned in of_kind(plan, "base", "local"):
        tag = planned.build.tag
        command = image_config(tag)["Cmd"]
        assert command[0] == "dask-gateway-server", f"{planned.key}: CMD {command} does not run the gateway"
        config = run_json(
            tag,
            "python",
            "-c",
            "import json, sys; print(json.dumps(open(sys.argv[1]).read()))",
            next(arg for arg in command if arg.endswith(".py")),
        )
        # The config is a multi-line build argument: it must arrive as the lines it is, not joined into one.
        assert config.count("\n") > 5, f"{planned.key}: config baked in as {config[:300]!r}"
        proxy_port, api_port = free_ports(2)
        # Addresses only: the image's own command and config, on loopback ports of this host.
        gateway = (
            tag,
            [
                *command,
                f"--Proxy.address=127.0.0.1:{proxy_port}",
                f"--DaskGateway.address=127.0.0.1:{api_port}",
                "--Proxy.log_level=info",
            ],
            f'target: "http://127.0.0.1:{api_port}"',
        )
        with services(gateway) as (server,):
            server.wait_ready()
            result = run_json(
                tag,
                "python",
                "/checks/gateway_client.py",
                f"http://127.0.0.1:{proxy_port}",
                str(float(cores["max"]) + 1),
                _bigger_memory(memory["max"]),
            )
            server_log = server.log()
        defaults = {
            "worker_cores": float(cores["default"]),
            "worker_cores_limit": float(options["workerCoresLimit"]["default"]),
            "worker_memory": memory["default"],
        }
        assert sorted(result["options"]) == sorted(CLUSTER_OPTIONS), f"{planned.key}: {result['options']}"
        assert {k: result["options"][k] for k in defaults} == defaults, f"{planned.key}: {result['options']}"
        assert result["cores_refused"] and str(float(cores["max"])) in result["cores_refused"], result
        expected_refusal = f"between '{memory['min']}' and '{memory['max']}'"
        assert result["memory_refused"] and expected_refusal in result["memory_refused"], (result, server_log)
        assert result["workers"] == WORKERS and result["total"] == 2000 * 2000, result
        assert result["clusters_after_shutdown"] == 0, result
        REPORT.add(
            planned.key,
            f"dask-gateway-server from its CMD on 127.0.0.1:{proxy_port}: options "
            f"{sorted(CLUSTER_OPTIONS)} with the stack's defaults {defaults}; worker_cores "
            f"{float(cores['max']) + 1} refused; worker_memory {_bigger_memory(memory['max'])} refused "
            f"({expected_refusal}); cluster created, scaled to {WORKERS}, computed, shut down",
        )


def test_processors_run_their_operation(plan: list[Planned], built: dict[str, BuiltImage]) -> None:
    for planned in of_kind(plan, "processor"):
        name = planned.processor
        assert name in ("mockup", "l0", "s1ard"), f"{planned.key}: processor {name} has no check in image_checks/"
        result = run_json(planned.build.tag, "python", "/checks/processor_check.py", name)
        if name == "mockup":
            assert result["workers"] == 2 and result["tile_shape"] == [4, 4], result
            assert abs(result["mean_sigma0"] / result["expected_mean_sigma0"] - 1) < 0.01, result
            check = (
                f"mockup: process_scene on a 2-worker LocalCluster, mean sigma0 {result['mean_sigma0']:.3f} "
                f"(expected {result['expected_mean_sigma0']:.3f})"
            )
        elif name == "l0":
            assert result["decoded_equals_encoded"] and result["samples"] == 74, result
            check = f"l0: sentinel1decoder {result['version']} decoded a bypass packet made by the test, exactly"
        else:
            x, y, z = result["equator_90e_ecef_m"]
            assert abs(x) < 1e-3 and abs(y - 6378137.0) < 1e-3 and abs(z) < 1e-3, result
            assert result["calibration_chunked"] and result["calibration_max_error"] < 1e-5, result
            check = (
                f"s1ard: xarray-sentinel calibrate_amplitude on a Dask array, sarsen DEM -> ECEF ({result['versions']})"
            )
        REPORT.add(planned.key, check)


def test_staging_images_run_the_staging_stack(plan: list[Planned], built: dict[str, BuiltImage]) -> None:
    pins = dict(
        line.split("==", 1)
        for line in (PROJECT_DIR / "images" / "staging" / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.lstrip().startswith("#")
    )
    for planned in of_kind(plan, "staging"):
        versions = run_json(planned.build.tag, "python", "/checks/versions.py", *pins)["distributions"]
        assert versions == pins, f"{planned.key}: {versions}, requirements say {pins}"
        result = run_json(planned.build.tag, "python", "/checks/staging_check.py", "/tmp")
        assert result["roundtrip_equal"] and result["chunked"] and result["mean"] == result["expected_mean"], result
        REPORT.add(planned.key, f"staging {pins}: a Dask-backed xarray Dataset through Zarr and back")


def test_a_broken_lock_fails_the_build_naming_the_image(
    plan: list[Planned], built: dict[str, BuiltImage], tmp_path: Path
) -> None:
    derived = next(p for p in plan if p.build.depends_on and "LOCK" in p.build.build_args)
    context = tmp_path / "context"
    shutil.copytree(PROJECT_DIR / derived.build.context, context)
    lock = context / derived.build.build_args["LOCK"]
    text = lock.read_text()
    pin = re.search(r"^([A-Za-z0-9_.-]+)==([^\s\\]+)", text, flags=re.MULTILINE)
    assert pin is not None, f"no pin in {lock}"
    lock.write_text(text.replace(pin.group(0), f"{pin.group(1)}==0.0.0.post999", 1))
    with pytest.raises(BuildError) as failure:
        build_image(
            derived.build,
            context=context,
            tags=[f"localhost/dask-platform-test/broken:{uuid.uuid4().hex}"],
            log_dir=tmp_path / "logs",
        )
    message = str(failure.value)
    assert derived.key in message and "0.0.0.post999" in message, message
    REPORT.notes.append(
        f"broken image caught: {derived.key} with {pin.group(1)}==0.0.0.post999 in a copy of its "
        f"lock: {message.splitlines()[0]}"
    )


def test_the_jupyter_image_has_exactly_one_kernel_per_profile_with_its_versions(
    plan: list[Planned], built: dict[str, BuiltImage]
) -> None:
    """Each kernel runs its profile's base-image interpreter and environment, started as JupyterLab starts it."""
    layers = [p for p in of_kind(plan, "jupyter") if "KERNEL_NAME" in p.build.build_args]
    by_tag = {p.build.tag: p for p in plan}
    expected = {}
    for layer in layers:
        args = layer.build.build_args
        kernel_base = by_tag[args["KERNEL_IMAGE"]]
        expected[f"dask-{args['KERNEL_NAME']}"] = {
            "python": expected_python(kernel_base, built),
            "distributions": {
                "dask": args["DASK_VERSION"],
                "distributed": args["DASK_VERSION"],
                "dask-gateway": args["DASK_GATEWAY_VERSION"],
            },
        }
    jupyter = next(p for p in plan if p.key == "jupyter")
    kernels = run_json(jupyter.build.tag, "python", "/checks/kernels.py", *PROFILE_DISTRIBUTIONS)
    assert kernels.keys() == expected.keys(), f"kernels {sorted(kernels)}, one per profile: {sorted(expected)}"
    for name, facts in kernels.items():
        assert facts["executable"].startswith(f"/opt/kernels/{name.removeprefix('dask-')}/"), facts
        assert {"python": facts["python"], "distributions": facts["distributions"]} == expected[name], name
        REPORT.add(
            jupyter.key,
            f"kernel {name}: Python {facts['python']}, dask/distributed {facts['distributions']['dask']}, "
            f"dask-gateway {facts['distributions']['dask-gateway']}, from {facts['executable']}",
        )
    facts = run_json(jupyter.build.tag, "python", "/checks/versions.py")
    assert (facts["uid"], facts["pid1"]) == (1000, "tini")
    REPORT.add(jupyter.key, f"JupyterLab as uid {facts['uid']} under tini; {len(kernels)} kernels, no other")
