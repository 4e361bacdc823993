"""The local stack's smoke check under Pulumi's mocks: a one-shot container per gateway, on the gateway's own
image, running the shipped module after the gateway is healthy; the deploy fails when it fails."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.local_smoke import SmokeCheckFailedError, _outcome, first_worker_seconds
from render.local import GATEWAY_CONTAINER
from render.smoke import smoke_module_source
from tests.helpers import find, plan_variant, stack_plan

CONTAINER = "docker:index/container:Container"
PASSWORD = "local-test-password-7f3a"


def smoke_containers(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in resources if r["type"] == CONTAINER and "-smoke-check-" in r["inputs"]["name"]]


def test_the_local_stack_checks_its_gateway_with_the_shipped_module_once_it_is_healthy() -> None:
    resources = stack_plan("local").resources
    (check,) = smoke_containers(resources)
    gateway = find(resources, CONTAINER, f"dask-local-{GATEWAY_CONTAINER}")
    inputs = check["inputs"]
    assert inputs["name"].startswith(f"{GATEWAY_CONTAINER}-smoke-check-")
    assert inputs["image"] == gateway["inputs"]["image"]
    assert inputs["command"] == ["python", "/tmp/smoke_check.py"]
    assert inputs["uploads"] == [{"file": "/tmp/smoke_check.py", "content": smoke_module_source()}]
    assert (inputs["mustRun"], inputs["attach"], inputs["logs"], inputs["restart"]) == (False, True, True, "no")
    assert inputs["networksAdvanced"] == [{"name": "dask-platform"}]
    assert inputs["envs"] == [
        "DASK_GATEWAY__ADDRESS=http://dask-gateway:8000",
        "DASK_GATEWAY__AUTH__KWARGS__USERNAME=dask-platform-smoke-check",
        "DASK_GATEWAY__AUTH__TYPE=basic",
        'DASK_PLATFORM_SMOKE_CHECK={"timeoutSeconds": 540.0}',
    ]
    assert gateway["urn"] in check["dependencies"]
    assert gateway["inputs"]["wait"] is True, "the gateway counts as created once healthy"
    assert stack_plan("local").outputs["smokeCheck"] == {inputs["name"]: "[unknown]"}


def test_the_local_check_gets_the_password_only_as_a_secret() -> None:
    planned = plan_variant("local", secrets={"gatewayPassword": PASSWORD})
    assert PASSWORD not in repr(planned)
    (check,) = smoke_containers(planned)
    assert check["inputs"]["envs"] == "[secret]"


def test_the_local_check_reruns_when_the_gateway_changes_and_not_otherwise() -> None:
    (check,) = smoke_containers(stack_plan("local").resources)
    (again,) = smoke_containers(plan_variant("local", {}))
    assert again["inputs"]["name"] == check["inputs"]["name"]
    (changed,) = smoke_containers(plan_variant("local", {"gateway": {"clusterMaxWorkers": 1}}))
    assert changed["inputs"]["name"] != check["inputs"]["name"]
    (off,) = [smoke_containers(plan_variant("local", {"smokeCheck": {"enabled": False}}))]
    assert off == []


def test_a_failed_local_check_fails_the_deploy_with_its_message_and_a_passed_one_gives_the_figure() -> None:
    with pytest.raises(SmokeCheckFailedError, match=r"^c1 exited with 1: smoke check failed: no result within 540s"):
        _outcome("c1")([1, "smoke check failed: no result within 540s\n"])
    passed = json.dumps({"cluster": "x", "firstWorkerSeconds": 3.2, "totalSeconds": 9.0})
    assert _outcome("c1")([0, f"some log\n{passed}\n"]) == 3.2
    assert first_worker_seconds(None) is None
    assert first_worker_seconds("not json") is None
