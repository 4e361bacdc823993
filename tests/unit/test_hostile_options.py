"""Hostile option values a gateway user may send, each refused by the handler with a message naming the option.

The stack's data is loaded into dask-gateway-server's Kubernetes backend as the gateway pod loads it; each request
goes through the backend's own option processing (``Options`` parsing, the handler, ``KubeClusterConfig``), and
what is accepted is built into a pod by the controller's own ``make_pod``.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from dask_gateway_server.backends.base import PublicException
from dask_gateway_server.backends.kubernetes import KubeBackend
from dask_gateway_server.backends.kubernetes.controller import KubeController

from config.gateway import GatewayConfig
from render.gateway_options import gateway_options_data
from tests.helpers import cluster_config_for, kubernetes_backend

RAPIDS = "nvcr.io/nvidia/rapidsai/base:26.02-cuda12-py3.13"
GATEWAY = GatewayConfig.model_validate(
    {
        "gpuOption": {"maxPerWorker": 2, "images": [RAPIDS]},
        "extraOptions": [
            {"name": "cluster_name", "type": "string", "default": ""},
            {"name": "ticket", "type": "string", "default": "", "maxLength": 12},
            {"name": "note", "type": "string", "default": "", "goesTo": {"env": "DATA_NOTE"}},
            {"name": "owner", "type": "string", "default": "", "goesTo": {"label": "acme.io/owner"}},
            {"name": "scheduler_cores", "type": "float", "default": 1, "min": 0.5, "max": 2,
             "goesTo": {"clusterConfig": "scheduler_cores"}},
            {"name": "max_workers", "type": "integer", "default": 2, "min": 1, "max": 4,
             "goesTo": {"clusterConfig": "cluster_max_workers"}},
        ],
    }
)  # fmt: skip
HUNDRED_KB = "x" * 100_000


@pytest.fixture
def backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KubeBackend:
    return kubernetes_backend(gateway_options_data(GATEWAY, default_image=RAPIDS), tmp_path, monkeypatch)


def refusal(backend: KubeBackend, request: dict[str, Any]) -> str:
    with pytest.raises(PublicException) as refused:
        cluster_config_for(backend, request)
    return str(refused.value)


def worker_pod(backend: KubeBackend, request: dict[str, Any]) -> dict[str, Any]:
    controller = KubeController(config=backend.config, gateway_instance="gw", api_url="http://gateway:8000/api")
    pod: dict[str, Any] = controller.make_pod("dask-users", "c1", cluster_config_for(backend, request), is_worker=True)
    return pod


def worker_env(pod: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item.get("value") for item in pod["spec"]["containers"][0]["env"]}


# Every number is finite: NaN compares false with both bounds, and would reach the pod as limits.cpu "nan".


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
def test_a_worker_cores_limit_that_is_not_finite_is_refused(backend: KubeBackend, value: float) -> None:
    assert refusal(backend, {"worker_cores_limit": value}) == f"worker_cores_limit must be a finite number, got {value}"


def test_nan_worker_cores_are_refused(backend: KubeBackend) -> None:
    assert refusal(backend, {"worker_cores": math.nan}) == "worker_cores must be a finite number, got nan"


def test_nan_in_a_declared_float_option_is_refused(backend: KubeBackend) -> None:
    assert refusal(backend, {"scheduler_cores": math.nan}) == "scheduler_cores must be a finite number, got nan"


def test_an_integer_too_large_for_a_float_is_refused_naming_the_option(backend: KubeBackend) -> None:
    assert refusal(backend, {"worker_cores": 10**400}) == (
        "worker_cores must be a finite number, got an integer of 401 digits"
    )


def test_a_finite_worker_cores_limit_reaches_the_pod_as_a_number(backend: KubeBackend) -> None:
    pod = worker_pod(backend, {"worker_cores": 1, "worker_cores_limit": 2})
    assert pod["spec"]["containers"][0]["resources"]["limits"]["cpu"] == "2.000"


# Bools stay bools: Python counts True as the integer 1.


def test_the_gpu_option_refuses_true(backend: KubeBackend) -> None:
    assert refusal(backend, {"worker_gpus": True, "image": RAPIDS}) == "worker_gpus must be an integer, got True"


def test_a_declared_integer_option_refuses_a_bool(backend: KubeBackend) -> None:
    assert refusal(backend, {"max_workers": True}) == "max_workers must be an integer, got True"


def test_a_float_option_refuses_a_bool(backend: KubeBackend) -> None:
    assert refusal(backend, {"worker_cores": True}) == "worker_cores must be a number, got True"


def test_an_integer_gpu_count_reaches_the_pod(backend: KubeBackend) -> None:
    pod = worker_pod(backend, {"worker_gpus": 1, "image": RAPIDS})
    assert pod["spec"]["containers"][0]["resources"]["limits"]["nvidia.com/gpu"] == "1"


# Free text has a length cap and a character set.


@pytest.mark.parametrize("option", ["cluster_name", "note", "owner", "image", "worker_memory"])
def test_100_kb_of_free_text_is_refused_without_being_echoed(backend: KubeBackend, option: str) -> None:
    cap = {"image": 512, "worker_memory": 32}.get(option, 256)
    assert refusal(backend, {option: HUNDRED_KB}) == f"{option} takes at most {cap} characters, got 100000"


def test_the_stack_sets_an_options_length_cap(backend: KubeBackend) -> None:
    assert refusal(backend, {"ticket": "ABC-123456789"}) == "ticket takes at most 12 characters, got 13"
    assert cluster_config_for(backend, {"ticket": "ABC-12345678"}) is not None


def test_an_env_targeted_option_of_100_kb_never_reaches_the_pods_environment(backend: KubeBackend) -> None:
    assert refusal(backend, {"note": HUNDRED_KB}) == "note takes at most 256 characters, got 100000"
    assert worker_env(worker_pod(backend, {"note": "nightly run"}))["DATA_NOTE"] == "nightly run"


@pytest.mark.parametrize(
    "character", ["\n", "\r", "\t", "\x00", "\x1b", "\x7f"], ids=["newline", "return", "tab", "nul", "escape", "del"]
)
def test_an_env_targeted_option_refuses_control_characters(backend: KubeBackend, character: str) -> None:
    value = f"ok{character}DASK_GATEWAY_API_TOKEN=x"
    assert refusal(backend, {"note": value}) == (
        f"note must not contain control characters (newline, carriage return, tab, NUL...), got {value!r}"
    )


def test_an_env_targeted_option_refuses_a_kubernetes_variable_reference(backend: KubeBackend) -> None:
    # Kubernetes expands $(NAME) in env values: the user's text would copy another variable's value.
    assert refusal(backend, {"note": "$(AWS_SECRET_ACCESS_KEY)"}) == (
        "note may contain only letters, digits, spaces and - _ . , : ; / @ + = # % ~ ( ) [ ], "
        "got '$(AWS_SECRET_ACCESS_KEY)'"
    )


def test_a_refusal_shows_only_the_start_of_a_long_value(backend: KubeBackend) -> None:
    value = "a" * 100 + "\n"
    assert refusal(backend, {"cluster_name": value}).endswith(f"got {'a' * 40 + '...'!r}")
