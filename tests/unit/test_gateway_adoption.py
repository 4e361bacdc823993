"""What a production gateway needs, through dask-gateway-server's own code: admin-declared options of every type
in range and out of it, the profile and GPU choices, and pods (built by the controller's own ``make_pod``) that
carry the stack's placement, environment and locked-down security context."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from dask_gateway_server.backends.base import PublicException
from dask_gateway_server.backends.kubernetes import KubeBackend
from dask_gateway_server.backends.kubernetes.controller import KubeController
from dask_gateway_server.models import User

from config.gateway import GatewayConfig
from render.gateway_options import gateway_options_data
from tests.helpers import cluster_config_for, kubernetes_backend

IMAGE = "registry.example.org/acme/dask:py3.13"
OLD_IMAGE = "registry.example.org/acme/dask:py3.11"
RAPIDS = "nvcr.io/nvidia/rapidsai/base:26.02-cuda12-py3.13"
POOL_TAINT = {"key": "pool", "operator": "Equal", "value": "dask", "effect": "NoSchedule"}
GATEWAY = GatewayConfig.model_validate(
    {
        "image": {"name": "registry.example.org/acme/dask", "tag": "py3.13"},
        "clusterOptions": {"allowedImages": [IMAGE, OLD_IMAGE]},
        "clusterMaxWorkers": 16,
        "scheduler": {"placement": {"nodeSelector": {"pool": "dask"}, "tolerations": [POOL_TAINT]}},
        "worker": {
            "placement": {
                "nodeSelector": {"pool": "dask"},
                "tolerations": [POOL_TAINT],
                "affinity": {
                    "podAntiAffinity": {
                        "preferredDuringSchedulingIgnoredDuringExecution": [
                            {
                                "weight": 50,
                                "podAffinityTerm": {
                                    "topologyKey": "kubernetes.io/hostname",
                                    "labelSelector": {"matchLabels": {"app.kubernetes.io/component": "dask-worker"}},
                                },
                            }
                        ]
                    }
                },
            },
            "env": {"AWS_REGION": "eu-west-1"},
            "envFrom": [{"configMapName": "object-store"}],
            "envValueFrom": {"AWS_SECRET_ACCESS_KEY": {"secretName": "s3", "key": "secret"}},
            "labels": {"acme.io/billing": "dask"},
            "annotations": {"acme.io/owner": "data-platform"},
            "extraResources": {"requests": {"ephemeral-storage": "10Gi"}, "limits": {"ephemeral-storage": "20Gi"}},
        },
        "extraOptions": [
            {"name": "cluster_name", "type": "string", "default": ""},
            {
                "name": "max_workers",
                "type": "integer",
                "default": 4,
                "min": 1,
                "max": 16,
                "goesTo": {"clusterConfig": "cluster_max_workers"},
            },
            {
                "name": "scheduler_cores",
                "type": "float",
                "default": 1,
                "min": 0.5,
                "max": 4,
                "goesTo": {"clusterConfig": "scheduler_cores"},
            },
            {
                "name": "scheduler_memory",
                "type": "string",
                "default": "2 G",
                "choices": ["2 G", "4 G"],
                "goesTo": {"clusterConfig": "scheduler_memory"},
            },
            {
                "name": "stage",
                "type": "string",
                "default": "dev",
                "choices": ["dev", "prod"],
                "goesTo": {"env": "DATA_STAGE"},
            },
            {"name": "spot", "type": "bool", "default": False, "goesTo": {"label": "acme.io/spot"}},
        ],
        "profileOption": {"enabled": True},
        "gpuOption": {"maxPerWorker": 2, "images": [RAPIDS], "nodeSelector": {"nvidia.com/gpu.present": "true"}},
    }
)
PROFILES = {"new": IMAGE, "old": OLD_IMAGE}


@pytest.fixture
def backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> KubeBackend:
    data = gateway_options_data(GATEWAY, default_image=IMAGE, profile_images=PROFILES, default_profile="new")
    return kubernetes_backend(data, tmp_path, monkeypatch)


def worker_pod(backend: KubeBackend, request: dict[str, Any]) -> dict[str, Any]:
    """The worker pod dask-gateway-server's own controller builds for a cluster with these options."""
    controller = KubeController(config=backend.config, gateway_instance="gw", api_url="http://gateway:8000/api")
    pod: dict[str, Any] = controller.make_pod("dask-users", "c1", cluster_config_for(backend, request), is_worker=True)
    return pod


def scheduler_pod(backend: KubeBackend, request: dict[str, Any]) -> dict[str, Any]:
    controller = KubeController(config=backend.config, gateway_instance="gw", api_url="http://gateway:8000/api")
    pod: dict[str, Any] = controller.make_pod("dask-users", "c1", cluster_config_for(backend, request))
    return pod


def test_an_integer_option_sets_the_clusters_worker_cap(backend: KubeBackend) -> None:
    assert cluster_config_for(backend, {}).cluster_max_workers == 4
    assert cluster_config_for(backend, {"max_workers": 12}).cluster_max_workers == 12


def test_an_integer_option_outside_its_bounds_is_refused_naming_it_and_its_range(backend: KubeBackend) -> None:
    with pytest.raises(PublicException, match=r"max_workers must be <= 16"):
        cluster_config_for(backend, {"max_workers": 17})
    with pytest.raises(PublicException, match=r"max_workers must be >= 1"):
        cluster_config_for(backend, {"max_workers": 0})


def test_a_float_option_sets_the_schedulers_cores_within_its_bounds(backend: KubeBackend) -> None:
    assert cluster_config_for(backend, {"scheduler_cores": 2.5}).scheduler_cores == 2.5
    with pytest.raises(PublicException, match=r"scheduler_cores must be <= 4"):
        cluster_config_for(backend, {"scheduler_cores": 8})


def test_a_string_choice_sets_the_schedulers_memory_and_refuses_other_sizes(backend: KubeBackend) -> None:
    assert cluster_config_for(backend, {"scheduler_memory": "4 G"}).scheduler_memory == 4 * 2**30
    with pytest.raises(PublicException, match=r"scheduler_memory must be one of 2 G, 4 G, got '8 G'"):
        cluster_config_for(backend, {"scheduler_memory": "8 G"})


def test_a_string_option_can_become_an_environment_variable(backend: KubeBackend) -> None:
    assert cluster_config_for(backend, {"stage": "prod"}).environment == {"DATA_STAGE": "prod"}


def test_a_bool_option_can_become_a_pod_label_beside_the_stacks_own(backend: KubeBackend) -> None:
    labels = worker_pod(backend, {"spot": True})["metadata"]["labels"]
    assert (labels["acme.io/spot"], labels["acme.io/billing"]) == ("true", "dask")
    assert scheduler_pod(backend, {"spot": True})["metadata"]["labels"]["acme.io/spot"] == "true"


def test_an_option_that_goes_nowhere_is_kept_with_the_cluster(backend: KubeBackend) -> None:
    options, _ = cluster_options_of(backend, {"cluster_name": "nightly-etl"})
    assert options["cluster_name"] == "nightly-etl"


def cluster_options_of(backend: KubeBackend, request: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    import asyncio

    options, config = asyncio.run(backend.process_cluster_options(User("alice"), request))
    return dict(options), config


def test_the_profile_option_picks_the_profiles_image(backend: KubeBackend) -> None:
    assert cluster_config_for(backend, {}).image == IMAGE
    assert cluster_config_for(backend, {"profile": "old"}).image == OLD_IMAGE
    with pytest.raises(PublicException, match=r"profile must be one of new, old, got 'gpu'"):
        cluster_config_for(backend, {"profile": "gpu"})


def test_gpu_workers_get_the_gpu_limit_and_the_gpu_pool(backend: KubeBackend) -> None:
    pod = worker_pod(backend, {"worker_gpus": 1, "image": RAPIDS})
    (container,) = pod["spec"]["containers"]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert pod["spec"]["nodeSelector"] == {"pool": "dask", "nvidia.com/gpu.present": "true"}
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod["spec"]["tolerations"]


def test_gpu_workers_tolerate_the_gpu_pool_and_keep_the_workers_own_tolerations(backend: KubeBackend) -> None:
    tolerations = worker_pod(backend, {"worker_gpus": 1, "image": RAPIDS})["spec"]["tolerations"]
    assert tolerations == [POOL_TAINT, {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]


def test_gpu_workers_run_only_gpu_capable_images(backend: KubeBackend) -> None:
    with pytest.raises(PublicException, match=r"worker_gpus needs a GPU-capable image; choose one of " + RAPIDS):
        cluster_config_for(backend, {"worker_gpus": 1})
    with pytest.raises(PublicException, match=r"worker_gpus must be <= 2"):
        cluster_config_for(backend, {"worker_gpus": 3, "image": RAPIDS})


def test_worker_pods_carry_the_stacks_placement(backend: KubeBackend) -> None:
    spec = worker_pod(backend, {})["spec"]
    assert spec["nodeSelector"] == {"pool": "dask"}
    assert spec["tolerations"] == [POOL_TAINT]
    assert spec["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]["weight"] == 50


def test_scheduler_pods_carry_their_own_placement(backend: KubeBackend) -> None:
    spec = scheduler_pod(backend, {})["spec"]
    assert spec["nodeSelector"] == {"pool": "dask"}
    assert spec["tolerations"] == [POOL_TAINT]
    assert "affinity" not in spec


def test_worker_pods_read_env_from_existing_secrets_and_config_maps_only(backend: KubeBackend) -> None:
    (container,) = worker_pod(backend, {})["spec"]["containers"]
    env = {item["name"]: item for item in container["env"]}
    assert env["AWS_REGION"] == {"name": "AWS_REGION", "value": "eu-west-1"}
    assert env["AWS_SECRET_ACCESS_KEY"] == {
        "name": "AWS_SECRET_ACCESS_KEY",
        "valueFrom": {"secretKeyRef": {"name": "s3", "key": "secret"}},
    }
    assert container["envFrom"] == [{"configMapRef": {"name": "object-store"}}]
    assert "DASK_GATEWAY_API_URL" in env, "the gateway's own variables stay"


def test_worker_pods_get_extra_resources_beside_cores_and_memory(backend: KubeBackend) -> None:
    (container,) = worker_pod(backend, {})["spec"]["containers"]
    assert container["resources"]["requests"]["ephemeral-storage"] == "10Gi"
    assert container["resources"]["limits"]["ephemeral-storage"] == "20Gi"
    assert container["resources"]["requests"]["memory"] == str(2 * 2**30)


def test_gateway_pods_run_as_a_non_root_user_with_the_runtime_seccomp_profile(backend: KubeBackend) -> None:
    for pod in (worker_pod(backend, {}), scheduler_pod(backend, {})):
        assert pod["spec"]["securityContext"] == {
            "runAsNonRoot": True,
            "runAsUser": 1000,
            "seccompProfile": {"type": "RuntimeDefault"},
        }


def test_gateway_containers_drop_every_capability_and_cannot_escalate(backend: KubeBackend) -> None:
    for pod in (worker_pod(backend, {}), scheduler_pod(backend, {})):
        (container,) = pod["spec"]["containers"]
        assert container["securityContext"] == {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}


def test_worker_pods_carry_the_stacks_labels_and_annotations(backend: KubeBackend) -> None:
    metadata = worker_pod(backend, {})["metadata"]
    assert metadata["labels"]["acme.io/billing"] == "dask"
    assert metadata["annotations"] == {"acme.io/owner": "data-platform"}
