"""The local stack's smoke check under Pulumi's mocks: a one-shot container per gateway, on the gateway's own
image, running the shipped module after the gateway is healthy; the deploy fails when it fails."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.local_smoke import SmokeCheckFailedError, _outcome, first_worker_seconds
from config.stack import PROJECT_DIR, read_stack
from render.catalog import image_specs
from render.local import LOCAL_CATALOG_TARGETS, LocalContainer, SecretFile, local_images, local_runtime
from render.local_smoke import local_smoke_checks
from render.smoke import smoke_module_source
from tests.helpers import find, stack_plan, variant
from tools.plan import plan_stack

CONTAINER = "docker:index/container:Container"
PASSWORD = "local-test-password-7f3a"


GATEWAYS = {
    "base-staging": "dask-platform-gateway-base-staging",
    "base-processor": "dask-platform-gateway-base-processor",
}


def smoke_containers(resources: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The check containers by the gateway container they check."""
    checks = [r for r in resources if r["type"] == CONTAINER and "-smoke-check-" in r["inputs"]["name"]]
    return {r["inputs"]["name"].split("-smoke-check-")[0]: r for r in checks}


@pytest.mark.parametrize("gateway_name", sorted(GATEWAYS))
def test_the_local_stack_checks_each_gateway_with_the_shipped_module_once_it_is_healthy(gateway_name: str) -> None:
    resources = stack_plan("local").resources
    container_name = GATEWAYS[gateway_name]
    check = smoke_containers(resources)[container_name]
    gateway = find(resources, CONTAINER, f"dask-local-{container_name}")
    inputs = check["inputs"]
    assert inputs["image"] == gateway["inputs"]["image"]
    assert inputs["command"] == ["python", "/tmp/smoke_check.py"]
    assert (inputs["mustRun"], inputs["attach"], inputs["logs"], inputs["restart"]) == (False, True, True, "no")
    assert inputs["networksAdvanced"] == [{"name": "dask-platform"}]
    assert inputs["envs"] == [
        f"DASK_GATEWAY__ADDRESS=http://dask-gateway-{gateway_name}:8000",
        "DASK_GATEWAY__AUTH__KWARGS__USERNAME=dask-platform-smoke-check",
        "DASK_GATEWAY__AUTH__TYPE=basic",
        'DASK_PLATFORM_SMOKE_CHECK={"timeoutSeconds": 540.0}',
    ]
    assert gateway["urn"] in check["dependencies"]
    assert gateway["inputs"]["wait"] is True, "the gateway counts as created once healthy"
    assert stack_plan("local").outputs["smokeCheck"][inputs["name"]] == "[unknown]"


def test_the_local_checks_get_the_password_as_a_secret_file_and_never_in_their_environment() -> None:
    planned = variant("local", secrets={"gatewayPassword": PASSWORD}).resources
    assert PASSWORD not in repr(planned)
    checks = smoke_containers(planned)
    assert sorted(checks) == sorted(GATEWAYS.values())
    for check in checks.values():
        assert check["inputs"]["uploads"] == "[secret]"
        assert not [entry for entry in check["inputs"]["envs"] if "PASSWORD" in entry]


def test_the_local_check_uploads_the_module_and_a_dask_config_only_its_user_reads() -> None:
    (check,) = local_smoke_checks(read_stack(PROJECT_DIR / "Pulumi.local.yaml"), [_any_gateway()])
    assert check.module == smoke_module_source()
    assert check.secret_files == (
        SecretFile("/etc/dask/dask-platform-auth.yaml", "dask-config", "1000", "1000", "0600"),
    )


def _any_gateway() -> LocalContainer:
    config = read_stack(PROJECT_DIR / "Pulumi.local.yaml")
    specs = local_images(
        config, image_specs(config.images.model_copy(update={"targets": LOCAL_CATALOG_TARGETS}), config.gateway)
    )
    return next(iter(local_runtime(config, specs).gateways.values()))


def test_the_local_check_reruns_when_the_gateway_changes_and_not_otherwise() -> None:
    names = {gateway: r["inputs"]["name"] for gateway, r in smoke_containers(stack_plan("local").resources).items()}
    again = {gateway: r["inputs"]["name"] for gateway, r in smoke_containers(plan_stack("local").resources).items()}
    assert again == names
    changed = smoke_containers(variant("local", {"gateway": {"clusterMaxWorkers": 1}}).resources)
    assert all(changed[gateway]["inputs"]["name"] != names[gateway] for gateway in names)
    assert smoke_containers(variant("local", {"smokeCheck": {"enabled": False}}).resources) == {}


def test_a_failed_local_check_fails_the_deploy_with_its_message_and_a_passed_one_gives_the_figure() -> None:
    with pytest.raises(SmokeCheckFailedError, match=r"^c1 exited with 1: smoke check failed: no result within 540s"):
        _outcome("c1")([1, "smoke check failed: no result within 540s\n"])
    passed = json.dumps({"cluster": "x", "firstWorkerSeconds": 3.2, "totalSeconds": 9.0})
    assert _outcome("c1")([0, f"some log\n{passed}\n"]) == 3.2
    assert first_worker_seconds(None) is None
    assert first_worker_seconds("not json") is None
