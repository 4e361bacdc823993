"""The smoke Job's exact command and environment, as the dev plan renders them, run against a real
dask-gateway-server on loopback.

The Job's pod is reproduced as Kubernetes would start it: the module ConfigMap's file at the mount path, the
environment entries resolved (plain values as they are, the password Secret's key from the secret config, the
Job name from the pod's label), and the API server the result is written to replaced by a loopback HTTPS server
that checks the ServiceAccount token and records the patch. The only other change is the gateway's address:
the in-cluster name becomes the loopback gateway, whose proxy serves API and schedulers on one port as
traefik does.
"""

from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from config.stack import PROJECT_DIR, read_stack
from render.gateway_options import gateway_options_data
from render.local_smoke import MODULE_PATH as LOCAL_MODULE_PATH
from render.names import PASSWORD_ENV
from render.smoke import MODULE_DIR, PASSWORD_SECRET, RESULT_CONFIG_MAP, RESULT_KEY, smoke_module_source
from shipped.smoke_check import SERVICE_ACCOUNT_DIR_ENV
from tests.helpers import Resources, find, running_gateway, stack_plan, variant

pytestmark = pytest.mark.slow

GATEWAY_PASSWORD = "correct horse battery staple"
TOKEN = "service-account-token-of-the-check"
CHECK_TIMEOUT = 300
JOB = "kubernetes:batch/v1:Job"
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"


@pytest.fixture(scope="module")
def dev_plan_with_password() -> Resources:
    """The dev stack with a gateway password, as `pulumi config set --secret dask-platform:gatewayPassword`."""
    return variant("dev", secrets={"gatewayPassword": GATEWAY_PASSWORD}).resources


@dataclass
class ApiServer:
    """A loopback stand-in for the Kubernetes API: HTTPS with its own CA, one token, records every PATCH."""

    host: str
    port: int
    credentials: Path
    patches: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)


@contextmanager
def api_server(workdir: Path) -> Iterator[ApiServer]:
    credentials = workdir / "serviceaccount"
    credentials.mkdir()
    (credentials / "token").write_text(TOKEN)
    key, cert = credentials / "tls.key", credentials / "ca.crt"
    certificate = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
    files = ["-keyout", str(key), "-out", str(cert)]
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", *certificate, *files],
        check=True,
        capture_output=True,
    )
    patches: list[tuple[str, str, dict[str, Any]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_PATCH(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.headers["Authorization"] != f"Bearer {TOKEN}":
                self.send_response(401)
            else:
                patches.append((self.path, self.headers["Content-Type"], body))
                self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield ApiServer("127.0.0.1", server.server_address[1], credentials, patches)
    finally:
        server.shutdown()
        thread.join()


def pod_environment(job: dict[str, Any], secrets: dict[tuple[str, str], str]) -> dict[str, str]:
    """The container's environment as the kubelet resolves it: values, Secret keys and the pod's own labels."""
    (container,) = job["spec"]["template"]["spec"]["containers"]
    labels = {"job-name": job["metadata"]["name"]}
    environment: dict[str, str] = {}
    for entry in container["env"]:
        if "value" in entry:
            environment[entry["name"]] = entry["value"]
        elif "secretKeyRef" in entry["valueFrom"]:
            reference = entry["valueFrom"]["secretKeyRef"]
            environment[entry["name"]] = secrets[(reference["name"], reference["key"])]
        else:
            path = entry["valueFrom"]["fieldRef"]["fieldPath"]
            environment[entry["name"]] = labels[path.removeprefix("metadata.labels['").removesuffix("']")]
    return environment


@dataclass(frozen=True)
class CheckRun:
    returncode: int
    stdout: str
    stderr: str
    patches: list[tuple[str, str, dict[str, Any]]]


def run_the_job(plan: Resources, password: str, workdir: Path) -> CheckRun:
    """The dev plan's smoke Job, run here against a real gateway whose password is GATEWAY_PASSWORD, with the
    Job's password Secret holding ``password``."""
    job = find(plan, JOB, "dask-smoke-job")["inputs"]
    module = find(plan, CONFIG_MAP, "dask-smoke-module")["inputs"]
    (container,) = job["spec"]["template"]["spec"]["containers"]
    (mount,) = container["volumeMounts"]
    assert mount["mountPath"] == MODULE_DIR
    mounted = workdir / "mount"
    mounted.mkdir()
    for file_name, text in module["data"].items():
        (mounted / file_name).write_text(text)
    command = [part.replace(MODULE_DIR, str(mounted)) for part in container["command"]]
    environment = pod_environment(job, {(PASSWORD_SECRET, "password"): password})
    data = gateway_options_data(
        read_stack(PROJECT_DIR / "Pulumi.dev.yaml").gateway,
        default_image="unused",
        backend="local",
        password_env=PASSWORD_ENV,
        password_required=True,
    )
    with (
        running_gateway(workdir, data, env={PASSWORD_ENV: GATEWAY_PASSWORD}) as gateway,
        api_server(workdir) as api,
    ):
        environment.update(
            DASK_GATEWAY__ADDRESS=gateway.address,
            KUBERNETES_SERVICE_HOST=api.host,
            KUBERNETES_SERVICE_PORT=str(api.port),
            **{SERVICE_ACCOUNT_DIR_ENV: str(api.credentials)},
        )
        finished = subprocess.run(
            command,
            # `python` as the image has it on PATH: the test's environment, with dask_gateway and distributed.
            env={"PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.defpath}", "HOME": str(workdir), **environment},
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=CHECK_TIMEOUT,
        )
        return CheckRun(finished.returncode, finished.stdout, finished.stderr, list(api.patches))


def test_the_smoke_job_computes_on_a_real_gateway_and_writes_its_result(
    dev_plan_with_password: Resources, tmp_path: Path
) -> None:
    run = run_the_job(dev_plan_with_password, GATEWAY_PASSWORD, tmp_path)
    assert run.returncode == 0, run.stderr
    printed = json.loads(run.stdout.strip().splitlines()[-1])
    assert isinstance(printed["firstWorkerSeconds"], float) and printed["firstWorkerSeconds"] >= 0
    job_name = find(dev_plan_with_password, JOB, "dask-smoke-job")["inputs"]["metadata"]["name"]
    assert printed["job"] == job_name
    (path, content_type, body), *more = run.patches
    assert more == []
    assert path == f"/api/v1/namespaces/dask-users/configmaps/{RESULT_CONFIG_MAP}"
    assert content_type == "application/merge-patch+json"
    assert json.loads(body["data"][RESULT_KEY]) == printed


def test_the_smoke_job_fails_with_a_clear_message_when_the_gateway_refuses_its_password(
    dev_plan_with_password: Resources, tmp_path: Path
) -> None:
    run = run_the_job(dev_plan_with_password, "not the password", tmp_path)
    assert run.returncode == 1
    assert run.stderr.strip() == (
        "smoke check failed: the gateway refused the smoke check's credentials (HTTP 401): the check "
        "authenticates with the session's gateway password or the stack's JupyterHub token; check that Secret"
    )
    assert run.patches == []


def test_the_local_stacks_check_container_computes_on_a_real_gateway(tmp_path: Path) -> None:
    """The local plan's check container: its command, environment and uploaded module, with the gateway's name on
    the Docker network replaced by the loopback gateway (started here without a password: the password file
    is checked in tests/stacks/test_local_smoke.py and the real containers in test_local_stack.py)."""
    (check,) = [
        r
        for r in stack_plan("local").resources
        if r["type"] == "docker:index/container:Container"
        and r["inputs"]["name"].startswith("dask-platform-gateway-base-staging-smoke-check-")
    ]
    inputs = check["inputs"]
    # The uploads carry the password file too, so the plan shows them only as a secret: the module is the
    # shipped one, as tests/stacks/test_local_smoke.py checks.
    module = tmp_path / "smoke_check.py"
    module.write_text(smoke_module_source())
    command = [str(module) if part == LOCAL_MODULE_PATH else part for part in inputs["command"]]
    environment = dict(entry.split("=", 1) for entry in inputs["envs"])
    data = gateway_options_data(
        read_stack(PROJECT_DIR / "Pulumi.local.yaml").gateway, default_image="unused", backend="local"
    )
    with running_gateway(tmp_path, data) as gateway:
        environment["DASK_GATEWAY__ADDRESS"] = gateway.address
        finished = subprocess.run(
            command,
            env={
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.defpath}",
                "HOME": str(tmp_path),
                **environment,
            },
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=CHECK_TIMEOUT,
        )
    assert finished.returncode == 0, finished.stderr
    result = json.loads(finished.stdout.strip().splitlines()[-1])
    assert sorted(result) == ["cluster", "firstWorkerSeconds", "totalSeconds"]
