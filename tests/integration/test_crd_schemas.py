"""Every custom resource the program declares validates against the CRDs of the operator chart it installs.

The schemas are the ``openAPIV3Schema`` of each CRD's served version, read from the chart inside the installed
dask-kubernetes wheel, whose chart version is the one the stacks pin. The API server silently prunes fields a
structural schema does not list, so a misspelled field would vanish without an error there; here every object
schema is closed, and such a field fails the test instead.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
from typing import Any

import pytest

from config.types import DASK_OPERATOR_VERSION
from render.clusters import declared_cluster_manifests
from tests.helpers import one, operator_crd_validators, prod_with_rapids_enabled, resolved, schema_errors, stack_plan

DASK_GROUP = "kubernetes.dask.org"
STACKS = ("dev", "prod")

EVERY_FEATURE = {
    "environment": "dev",
    "gateway": {"imagePullSecrets": ["registry"]},
    "teams": [
        {
            "name": "team-ml",
            "quota": {
                "pods": 40,
                "gpus": 8,
                "requests": {"cpu": "40", "memory": "200Gi"},
                "limits": {"cpu": "80", "memory": "400Gi"},
            },
        }
    ],
    "clusters": [
        {
            "name": "everything",
            "namespace": "team-ml",
            "profile": "staging",
            "imagePullPolicy": "Always",
            "idleTimeoutSeconds": 3600,
            "labels": {"team": "ml"},
            "annotations": {"owner": "ml@example.org"},
            "env": {"DASK_DISTRIBUTED__WORKER__DAEMON": "False"},
            "scheduler": {
                "serviceType": "NodePort",
                "allowExternal": True,
                "placement": {
                    "nodeSelector": {"pool": "dask"},
                    "tolerations": [{"key": "pool", "operator": "Equal", "value": "dask", "effect": "NoSchedule"}],
                },
                "envFrom": [{"configMapName": "telemetry", "prefix": "OTEL_"}],
            },
            "worker": {
                "replicas": 1,
                "env": {"EXTRA": "1"},
                "envValueFrom": {"TOKEN": {"secretName": "api", "key": "token"}},
                "labels": {"role": "worker"},
                "extraResources": {"requests": {"ephemeral-storage": "1Gi"}, "limits": {"ephemeral-storage": "2Gi"}},
                "placement": {
                    "affinity": {
                        "nodeAffinity": {
                            "preferredDuringSchedulingIgnoredDuringExecution": [
                                {
                                    "weight": 10,
                                    "preference": {
                                        "matchExpressions": [{"key": "disk", "operator": "In", "values": ["ssd"]}]
                                    },
                                }
                            ]
                        }
                    }
                },
            },
            "workerGroups": [
                {
                    "name": "gpu",
                    "image": "nvcr.io/nvidia/rapidsai/base:26.02-cuda12-py3.13",
                    "gpu": {
                        "count": 2,
                        "nodeSelector": {"nvidia.com/gpu.product": "NVIDIA-L4"},
                        "tolerations": [
                            {"key": "dedicated", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}
                        ],
                    },
                },
                {"name": "processor", "profile": "processor", "replicas": 0},
            ],
            "autoscaler": {"minimum": 1, "maximum": 4},
        },
        {
            "name": "nightly",
            "namespace": "dask-users",
            "job": {"command": ["python", "-m", "nightly"], "profile": "processor", "env": {"DAY": "mon"}},
        },
    ],
}


def planned_custom_resources(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r["inputs"] for r in resources if r["type"].startswith(f"kubernetes:{DASK_GROUP}/")]


def assert_valid(manifests: list[dict[str, Any]]) -> None:
    assert manifests, "no custom resources to check"
    problems = {f"{m['kind']} {m['metadata']['name']}": schema_errors(m) for m in manifests}
    assert not {name: errors for name, errors in problems.items() if errors}


def test_the_wheel_chart_is_the_operator_version_the_stacks_install() -> None:
    # The wheel's chart carries a placeholder version; the wheel is released together with the chart.
    wheel_version = importlib.metadata.version("dask-kubernetes")
    assert wheel_version == DASK_OPERATOR_VERSION
    for stack in STACKS:
        assert one(stack, "kubernetes:helm.sh/v4:Chart", "dask-operator-chart")["inputs"]["version"] == wheel_version
    assert {kind for _, kind in operator_crd_validators()} == {
        "DaskCluster",
        "DaskWorkerGroup",
        "DaskJob",
        "DaskAutoscaler",
    }


@pytest.mark.parametrize("stack", STACKS)
def test_every_custom_resource_of_the_stack_matches_its_crd(stack: str) -> None:
    assert_valid(planned_custom_resources(stack_plan(stack).resources))


def test_the_rapids_example_switched_on_matches_its_crd() -> None:
    manifests = planned_custom_resources(prod_with_rapids_enabled())
    assert "rapids" in {m["metadata"]["name"] for m in manifests}
    assert_valid(manifests)


def test_every_builder_feature_matches_the_crds() -> None:
    manifests = declared_cluster_manifests(resolved(EVERY_FEATURE))
    assert {m["kind"] for m in manifests} == {"DaskCluster", "DaskWorkerGroup", "DaskAutoscaler", "DaskJob"}
    assert_valid(manifests)


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        pytest.param(
            lambda m: m["spec"]["worker"]["spec"]["containers"][0]["resources"]["limits"].update({"nvidia.com/gpu": 1}),
            "spec.worker.spec.containers.0.resources.limits.nvidia.com/gpu: 1 is not of type 'string'",
            id="GPU count as a number",
        ),
        pytest.param(
            lambda m: m["spec"]["worker"]["spec"].update(nodeSelectors={"a": "b"}),
            "'nodeSelectors' was unexpected",
            id="misspelled field the API server would prune",
        ),
        pytest.param(
            lambda m: m["spec"].pop("scheduler"),
            "'scheduler' is a required property",
            id="missing scheduler",
        ),
    ],
)
def test_the_check_catches_what_the_operator_would_not_get(break_it: Any, expected: str) -> None:
    manifest = declared_cluster_manifests(resolved(EVERY_FEATURE))[0]
    assert manifest["kind"] == "DaskCluster"
    break_it(manifest)
    assert any(expected in error for error in schema_errors(manifest)), schema_errors(manifest)
