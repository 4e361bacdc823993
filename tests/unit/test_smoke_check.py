"""The smoke check's manifests: a locked-down, bounded, single-attempt Job whose name changes exactly when what it
proves changes, with access to its one result ConfigMap only, and its stack settings."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import kubernetes_validate
import pytest

from config.pods import kubernetes_version
from config.stack import PROJECT_DIR
from render.chart_values import gateway_values, operator_values
from render.smoke import SmokeCheckObjects, first_worker_seconds, smoke_check_objects, smoke_module_source
from shipped import smoke_check
from tests.helpers import JUPYTERHUB_AUTH, error_for, parse, resolved

DEV = {"environment": "dev"}
JUPYTERHUB = JUPYTERHUB_AUTH


def objects(values: dict[str, Any], with_password: bool = False) -> SmokeCheckObjects:
    config = resolved(values)
    charts = (gateway_values(config, password_secret_name=None), operator_values(config))
    return smoke_check_objects(config, with_password, *charts)


def pod_spec(values: dict[str, Any], with_password: bool = False) -> dict[str, Any]:
    spec: dict[str, Any] = objects(values, with_password).job["spec"]["template"]["spec"]
    return spec


def env(values: dict[str, Any], with_password: bool = False) -> dict[str, Any]:
    (container,) = pod_spec(values, with_password)["containers"]
    return {entry["name"]: entry.get("value", entry.get("valueFrom")) for entry in container["env"]}


def test_the_check_is_on_in_dev_and_off_in_prod_unless_the_stack_says_so() -> None:
    assert parse(DEV).smoke_check_enabled is True
    prod = {"kubernetes": {"context": "prod"}, "gateway": {"auth": JUPYTERHUB}}
    assert parse(prod).smoke_check_enabled is False
    token = {"secretName": "smoke-token"}
    assert parse({**prod, "smokeCheck": {"enabled": True, "jupyterhubTokenSecret": token}}).smoke_check_enabled


def test_the_jobs_pod_is_locked_down_like_the_session() -> None:
    spec = pod_spec(DEV)
    assert spec["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 1000,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    (container,) = spec["containers"]
    assert container["securityContext"] == {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}
    assert container["resources"] == {
        "requests": {"cpu": "250m", "memory": "512Mi"},
        "limits": {"cpu": "1", "memory": "1Gi"},
    }
    assert spec["restartPolicy"] == "Never"
    assert spec["serviceAccountName"] == "dask-smoke-check"


def test_the_job_runs_once_within_the_stacks_timeout_and_pulumi_waits_a_little_longer() -> None:
    job = objects({**DEV, "smokeCheck": {"timeoutSeconds": 300}}).job
    assert job["spec"]["backoffLimit"] == 0
    assert job["spec"]["activeDeadlineSeconds"] == 300
    assert job["metadata"]["annotations"] == {"pulumi.com/timeoutSeconds": "420"}
    assert "pulumi.com/skipAwait" not in job["metadata"]["annotations"]
    data = json.loads(env({**DEV, "smokeCheck": {"timeoutSeconds": 300}})["DASK_PLATFORM_SMOKE_CHECK"])
    assert data == {
        "timeoutSeconds": 240.0,
        "result": {"namespace": "dask-users", "configMap": "dask-smoke-check-result", "key": "result"},
    }


def test_the_job_runs_the_shipped_module_from_its_config_map_with_the_images_python() -> None:
    rendered = objects(DEV)
    (container,) = rendered.job["spec"]["template"]["spec"]["containers"]
    assert container["command"] == ["python", "/opt/dask-platform/smoke_check.py"]
    assert container["volumeMounts"] == [{"name": "module", "mountPath": "/opt/dask-platform", "readOnly": True}]
    assert rendered.job["spec"]["template"]["spec"]["volumes"] == [
        {"name": "module", "configMap": {"name": "dask-smoke-check-module"}}
    ]
    assert rendered.module["data"] == {"smoke_check.py": smoke_module_source()}
    assert smoke_module_source().startswith('"""dask-platform\'s smoke check')
    assert smoke_check.__file__.endswith("shipped/smoke_check.py")


def test_with_simple_auth_the_job_authenticates_with_the_sessions_password_copy() -> None:
    variables = env(DEV, with_password=True)
    assert variables["DASK_GATEWAY__ADDRESS"] == "http://traefik-dask-gateway.dask-gateway.svc.cluster.local:80"
    assert variables["DASK_GATEWAY__AUTH__TYPE"] == "basic"
    assert variables["DASK_GATEWAY__AUTH__KWARGS__USERNAME"] == "dask-platform-smoke-check"
    assert variables["DASK_GATEWAY__AUTH__KWARGS__PASSWORD"] == {
        "secretKeyRef": {"name": "dask-smoke-check-gateway-password", "key": "password"}
    }
    assert "DASK_GATEWAY__AUTH__KWARGS__PASSWORD" not in env(DEV, with_password=False)


def test_with_jupyterhub_auth_the_job_reads_the_stacks_token_secret() -> None:
    values = {**DEV, "gateway": {"auth": JUPYTERHUB}, "session": {"enabled": False}}
    values["smokeCheck"] = {"jupyterhubTokenSecret": {"secretName": "smoke-token", "key": "api-token"}}
    variables = env(values)
    assert variables["JUPYTERHUB_API_TOKEN"] == {"secretKeyRef": {"name": "smoke-token", "key": "api-token"}}
    assert variables["DASK_GATEWAY__AUTH__TYPE"] == "jupyterhub"
    assert "DASK_GATEWAY__AUTH__KWARGS__USERNAME" not in variables


def test_with_jupyterhub_auth_and_no_token_the_check_is_off_by_default_and_refused_when_asked_for() -> None:
    values: dict[str, Any] = {**DEV, "gateway": {"auth": JUPYTERHUB}, "session": {"enabled": False}}
    assert parse(values).smoke_check_enabled is False
    values["smokeCheck"] = {"enabled": True}
    assert error_for(values) == (
        "Pulumi.test.yaml: dask-platform:smokeCheck.enabled = true: the smoke check has no JupyterHub token to reach "
        "a JupyterHub-authenticated gateway with; set smokeCheck.jupyterhubTokenSecret to an existing Secret "
        "holding one, or smokeCheck.enabled: false"
    )


def test_a_token_secret_without_jupyterhub_auth_is_refused() -> None:
    message = error_for({**DEV, "smokeCheck": {"jupyterhubTokenSecret": {"secretName": "smoke-token"}}})
    assert message.startswith(
        'Pulumi.test.yaml: dask-platform:smokeCheck.jupyterhubTokenSecret = {"secretName": "smoke-token", "key": '
        "\"token\"}: is for gateway.auth.type 'jupyterhub'"
    )


@pytest.mark.parametrize("timeout", [119, 3601])
def test_a_timeout_outside_two_minutes_to_an_hour_is_refused(timeout: int) -> None:
    assert f"dask-platform:smokeCheck.timeoutSeconds = {timeout}" in error_for(
        {**DEV, "smokeCheck": {"timeoutSeconds": timeout}}
    )


def test_the_service_account_may_only_read_and_patch_the_one_result_config_map() -> None:
    rendered = objects(DEV)
    assert rendered.role["rules"] == [
        {
            "apiGroups": [""],
            "resources": ["configmaps"],
            "resourceNames": ["dask-smoke-check-result"],
            "verbs": ["get", "patch"],
        }
    ]
    assert rendered.role_binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "dask-smoke-check", "namespace": "dask-users"}
    ]
    assert rendered.role_binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": "dask-smoke-check",
    }


def test_every_object_of_the_check_is_valid_kubernetes() -> None:
    rendered = objects(DEV, with_password=True)
    for manifest in (rendered.job, rendered.module, rendered.result, rendered.service_account, rendered.role):
        kubernetes_validate.validate(manifest, kubernetes_version(), strict=True)
    kubernetes_validate.validate(rendered.role_binding, kubernetes_version(), strict=True)


def test_the_job_is_renamed_when_the_options_or_the_images_change_and_only_then() -> None:
    name = objects(DEV).job_name
    assert name.startswith("dask-smoke-check-") and len(name) == len("dask-smoke-check-") + 10
    assert objects(DEV).job_name == name
    options = {"clusterOptions": {"workerMemory": {"default": "1 G", "min": "512 M", "max": "4 G"}}}
    assert objects({**DEV, "gateway": options}).job_name != name
    assert objects({**DEV, "session": {"image": "registry.example.org/dask:other"}}).job_name != name
    assert (
        objects(
            {
                **DEV,
                "operator": {
                    "resources": {
                        "requests": {"cpu": "200m", "memory": "256Mi"},
                        "limits": {"cpu": "1", "memory": "512Mi"},
                    }
                },
            }
        ).job_name
        != name
    )
    # What the check does not exercise leaves the finished Job alone.
    assert objects({**DEV, "session": {"command": ["jupyter", "lab"]}}).job_name == name
    declared = [{"name": "etl", "namespace": "dask-users"}]
    assert objects({**DEV, "clusters": declared}).job_name == name


def test_the_figure_is_read_from_the_result_the_job_wrote() -> None:
    written = {"result": json.dumps({"cluster": "c1", "firstWorkerSeconds": 12.5, "job": "dask-smoke-check-x"})}
    assert first_worker_seconds(written) == 12.5
    assert first_worker_seconds({}) is None
    assert first_worker_seconds(None) is None


def test_the_program_imports_the_check_module_without_the_dask_gateway_client() -> None:
    # requirements.txt installs no dask_gateway client: the module must import without it, as render/ does.
    blocked = "import sys; sys.modules['dask_gateway'] = None; import render.smoke, shipped.smoke_check"
    finished = subprocess.run([sys.executable, "-c", blocked], cwd=PROJECT_DIR, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
