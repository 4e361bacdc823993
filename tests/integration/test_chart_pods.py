"""The charts' own pods, hardened by the Chart's transform, meet the ``restricted`` Pod Security Standard.

Both charts are rendered as the prod stack installs them (helm-python-sdk), then handed to the very transform
function the program puts on each Chart, as Pulumi hands it a chart's children. Each pod is checked against the
standard's restricted controls, as the documentation lists them (baseline's included). The gateway's server
then runs as the uid the pods get, with no capabilities and no way to gain privileges.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.request
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, cast

import pulumi
import pytest

from components import kubernetes as kubernetes_components
from components.kubernetes import ChartRelease, harden_chart_pods, helm_release
from config.types import ChartConfig
from policy.model import Resource
from render.admission import exempt_users
from render.chart_pods import CHART_POD_USER
from tests.helpers import free_ports, reference_path, resolved, stack_plan
from tools.chart_objects import chart_objects, render_chart

pytestmark = pytest.mark.slow

RESTRICTED_VOLUMES = {"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected"}
RESTRICTED_VOLUMES |= {"secret"}
BASELINE_CAPABILITIES = {
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
}
BASELINE_CAPABILITIES |= {"SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT"}
STARTUP_TIMEOUT = 60


def restricted_violations(pod: Mapping[str, Any]) -> list[str]:
    """What keeps a pod spec from the restricted Pod Security Standard (its controls, baseline's included)."""
    found: list[str] = []
    pod_context = pod.get("securityContext") or {}
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(field):
            found.append(f"pod sets {field}")
    for volume in pod.get("volumes") or []:
        sources = set(volume) - {"name"}
        if not sources <= RESTRICTED_VOLUMES:
            found.append(f"volume {volume['name']} uses {sorted(sources - RESTRICTED_VOLUMES)}")
    if (pod_context.get("seccompProfile") or {}).get("type") == "Unconfined":
        found.append("pod seccomp profile Unconfined")
    if pod_context.get("runAsUser") == 0:
        found.append("pod runAsUser 0")
    containers = [*(pod.get("initContainers") or []), *pod["containers"], *(pod.get("ephemeralContainers") or [])]
    for container in containers:
        context = container.get("securityContext") or {}
        name = container["name"]
        if context.get("privileged"):
            found.append(f"{name} is privileged")
        if any(port.get("hostPort") for port in container.get("ports") or []):
            found.append(f"{name} uses a host port")
        if context.get("allowPrivilegeEscalation") is not False:
            found.append(f"{name} does not set allowPrivilegeEscalation false")
        non_root = context.get("runAsNonRoot", pod_context.get("runAsNonRoot"))
        if non_root is not True:
            found.append(f"{name} does not run as non-root")
        if context.get("runAsUser") == 0:
            found.append(f"{name} runAsUser 0")
        seccomp = (context.get("seccompProfile") or pod_context.get("seccompProfile") or {}).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            found.append(f"{name} seccomp profile {seccomp}")
        capabilities = context.get("capabilities") or {}
        if "ALL" not in (capabilities.get("drop") or []):
            found.append(f"{name} does not drop ALL capabilities")
        if set(capabilities.get("add") or []) - {"NET_BIND_SERVICE"}:
            found.append(f"{name} adds {capabilities['add']}")
        if (context.get("procMount") or "Default") != "Default":
            found.append(f"{name} procMount")
    return found


@functools.cache
def prod_charts() -> tuple[Resource, ...]:
    reference_path("dask-gateway-chart", "2026.3.0", "chart")
    return tuple(
        Resource.from_plan(r) for r in stack_plan("prod").resources if r["type"] == "kubernetes:helm.sh/v4:Chart"
    )


def rendered_workloads() -> Iterator[tuple[str, dict[str, Any]]]:
    """(chart, Deployment) for every Deployment the prod stack's charts render, as Helm renders it."""
    for chart in prod_charts():
        for manifest in render_chart(chart):
            if manifest["kind"] == "Deployment":
                yield str(chart.chart_name), manifest


def transformed(manifest: dict[str, Any]) -> dict[str, Any]:
    """The Deployment after the Chart's transform, called as Pulumi calls it for a chart's child."""
    args = pulumi.ResourceTransformArgs(
        custom=True,
        type_="kubernetes:apps/v1:Deployment",
        name=f"chart:{manifest['metadata']['name']}",
        props=manifest,
        opts=pulumi.ResourceOptions(),
    )
    result = harden_chart_pods(args)
    assert result is not None
    props: dict[str, Any] = dict(result.props)
    return props


def test_the_charts_pods_as_rendered_fall_short_of_restricted() -> None:
    short = {
        m["metadata"]["name"]: restricted_violations(m["spec"]["template"]["spec"]) for _, m in rendered_workloads()
    }
    assert set(short) == {
        "api-dask-gateway",
        "controller-dask-gateway",
        "traefik-dask-gateway",
        "dask-kubernetes-operator",
    }
    assert "gateway does not run as non-root" in short["api-dask-gateway"]
    assert "controller seccomp profile None" in short["controller-dask-gateway"]
    assert "traefik does not drop ALL capabilities" in short["traefik-dask-gateway"]


def test_every_chart_pod_meets_restricted_after_the_transform() -> None:
    for _, manifest in rendered_workloads():
        pod = transformed(manifest)["spec"]["template"]["spec"]
        assert restricted_violations(pod) == [], manifest["metadata"]["name"]
        assert pod["securityContext"]["runAsUser"] == CHART_POD_USER
        assert pod["securityContext"]["runAsGroup"] == CHART_POD_USER


def test_the_transform_keeps_what_the_charts_set_themselves() -> None:
    workloads = {m["metadata"]["name"]: transformed(m) for _, m in rendered_workloads()}
    operator = workloads["dask-kubernetes-operator"]["spec"]["template"]["spec"]["containers"][0]
    assert operator["securityContext"]["readOnlyRootFilesystem"] is True
    traefik = workloads["traefik-dask-gateway"]["spec"]["template"]["spec"]["containers"][0]
    assert traefik["securityContext"]["runAsUser"] == 1000
    api = workloads["api-dask-gateway"]["spec"]["template"]["spec"]
    assert api["volumes"] == [{"name": "configmap", "configMap": {"name": "api-dask-gateway"}}]


def test_the_policy_packs_chart_objects_are_the_transformed_ones() -> None:
    by_name = {r.object_name: r.inputs for r in chart_objects(prod_charts()) if r.kind == "Deployment"}
    for _, manifest in rendered_workloads():
        name = manifest["metadata"]["name"]
        expected = transformed(manifest)
        expected["metadata"] = {**expected["metadata"], "namespace": by_name[name]["metadata"]["namespace"]}
        assert by_name[name] == expected


def test_every_helm_release_carries_the_transform(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[pulumi.ResourceOptions] = []

    def chart(name: str, args: Any, opts: pulumi.ResourceOptions) -> object:
        seen.append(opts)
        return object()

    monkeypatch.setattr(kubernetes_components.helm, "Chart", chart)
    # helm_release reads the namespace's name only; the component waits for the Namespace resource itself.
    release = ChartRelease(ChartConfig(version="2026.3.0"), cast(pulumi.Resource, None), "ns", {})
    helm_release("gateway", "dask-gateway", "dask-gateway", release, pulumi.ResourceOptions())
    assert [opts.transforms for opts in seen] == [[harden_chart_pods]]


def test_the_policy_exempts_the_service_accounts_the_charts_run_as() -> None:
    config = resolved({"environment": "dev"})
    accounts = {
        m["metadata"]["name"]: m["spec"]["template"]["spec"]["serviceAccountName"] for _, m in rendered_workloads()
    }
    gateway, operator = "dask-gateway", "dask-operator"
    assert exempt_users(config)[:2] == [
        f"system:serviceaccount:{gateway}:{accounts['controller-dask-gateway']}",
        f"system:serviceaccount:{operator}:{accounts['dask-kubernetes-operator']}",
    ]


# ---------------------------------------------------------------------------------------------------------------
# The gateway's server as the pods' non-root user


def _status(pid: int) -> dict[str, str]:
    lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    return {key: value.strip() for key, _, value in (line.partition(":") for line in lines)}


@pytest.fixture
def workdir() -> Iterator[Path]:
    """A directory the pods' uid owns and can reach (pytest's own temporary directories are root's alone)."""
    path = Path(tempfile.mkdtemp(prefix="dask-platform-nonroot-"))
    os.chown(path, CHART_POD_USER, CHART_POD_USER)
    try:
        yield path
    finally:
        shutil.rmtree(path)


def test_the_gateway_server_runs_as_the_pods_uid_without_capabilities(workdir: Path) -> None:
    if os.geteuid() != 0:
        pytest.fail("switching to the pods' uid needs root (CI runs as root)")
    api_port, http_port, tcp_port = free_ports(3)
    config = workdir / "dask_gateway_config.py"
    # The chart's server settings, on loopback and with the local backend: there is no Kubernetes API here.
    config.write_text(
        f'c.DaskGateway.address = "127.0.0.1:{api_port}"\n'
        f'c.Proxy.address = "127.0.0.1:{http_port}"\n'
        f'c.Proxy.tcp_address = "127.0.0.1:{tcp_port}"\n'
        'c.Proxy.log_level = "info"\n'
        f"c.LocalBackend.clusters_directory = {str(workdir / 'clusters')!r}\n"
    )
    user = str(CHART_POD_USER)
    # The checkout may sit below a directory only root can enter (a CI clone under /root, a mktemp folder): the
    # environment is bind-mounted into the pods' uid's own directory, in a mount namespace of the server's own.
    environment = workdir / "environment"
    environment.mkdir()
    python = environment / Path(sys.executable).relative_to(sys.prefix)
    # As the pod runs it: uid and gid 1000, no capabilities at all, no_new_privs (allowPrivilegeEscalation: false).
    privileges = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", "--inh-caps=-all"]
    privileges += ["--bounding-set=-all", "--no-new-privs", str(python), "-m", "dask_gateway_server", "-f", str(config)]
    bind = 'mount --bind "$0" "$1" && shift && exec "$@"'
    command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", bind, sys.prefix, str(environment)]
    command += privileges
    process = subprocess.Popen(
        command,
        cwd=workdir,
        env={**os.environ, "HOME": str(workdir)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    # A server that never gets ready is killed, which ends its log and the wait below.
    watchdog = threading.Timer(STARTUP_TIMEOUT, process.kill)
    watchdog.start()
    try:
        ready = f'path: "/", target: "http://127.0.0.1:{api_port}"'
        log = []
        for line in process.stderr:
            log.append(line)
            if ready in line:
                break
        assert ready in "".join(log), "".join(log)
        with urllib.request.urlopen(f"http://127.0.0.1:{http_port}/api/health", timeout=10) as response:
            assert response.status == 200
        process_status = _status(process.pid)
        assert process_status["Uid"].split() == [user] * 4
        assert process_status["Gid"].split() == [user] * 4
        assert process_status["CapEff"] == process_status["CapBnd"] == "0000000000000000"
        assert process_status["NoNewPrivs"] == "1"
    finally:
        watchdog.cancel()
        process.terminate()
        process.wait(60)
        process.stderr.close()
