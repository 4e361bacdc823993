"""Cost attribution labels on real pods: gateway clusters' pods as dask-gateway-server's own KubeBackend and
controller build them, declared clusters' Deployments as the operator's own builders build them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from dask_gateway_server.backends.kubernetes.controller import KubeController
from dask_gateway_server.models import User
from dask_kubernetes.operator.controller import build_scheduler_deployment_spec, build_worker_deployment_spec

from config.pods import kubernetes_version
from render.chart_values import gateway_values
from render.clusters import declared_cluster_manifests
from render.gateway_options import gateway_data_of_env
from shipped.gateway_config import label_safe
from tests.helpers import JUPYTERHUB_AUTH, cluster_config_for, error_for, kubernetes_backend, resolved

JUPYTERHUB = JUPYTERHUB_AUTH
STACK = {
    "kubernetes": {"context": "prod"},
    "gateway": {
        "auth": JUPYTERHUB,
        "extraOptions": [{"name": "cluster_name", "type": "string", "default": ""}],
        "profileOption": {"enabled": True},
        "worker": {"labels": {"acme.io/billing": "dask"}},
    },
    "teams": [{"name": "team-ml", "gatewayGroups": ["ml"], "costCenter": "cc-1234"}],
    "costLabels": {"costCenterKey": "acme.io/cost-center"},
    "clusters": [
        {"name": "batch", "namespace": "dask-users", "labels": {"dask-platform.io/user": "mallory"}},
        {
            "name": "training",
            "namespace": "team-ml",
            "worker": {"replicas": 1},
            "workerGroups": [{"name": "big", "profile": "processor"}],
        },
    ],
}
HOSTILE = "Alice Smith/../x"
LONG = "a" * 100


def test_a_user_name_becomes_a_label_value_that_cannot_collide() -> None:
    assert label_safe("alice") == "alice"
    assert label_safe("Alice") == "alice-3bc51062"
    assert label_safe(HOSTILE) == "alice-smith-..-x-bc660904"
    assert label_safe(LONG) == "a" * 54 + "-28165978"
    assert len(label_safe(LONG)) == 63
    assert label_safe("---") == "cb3f91d5"


def gateway_pod(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, user: User, request: dict[str, Any], worker: bool = True
) -> dict[str, Any]:
    """A pod of a gateway cluster as the gateway pod built from the stack's chart values would start it."""
    values = gateway_values(resolved(STACK), password_secret_name=None)
    data = gateway_data_of_env(values["gateway"]["env"])
    assert data is not None
    backend = kubernetes_backend(data, tmp_path, monkeypatch)
    cluster_config = cluster_config_for(backend, request, user)
    controller = KubeController(config=backend.config, gateway_instance="gw", api_url="http://gateway:8000/api")
    pod: dict[str, Any] = controller.make_pod(cluster_config.namespace, "c1", cluster_config, is_worker=worker)
    return pod


def cost_labels(labels: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in labels.items() if key.startswith(("dask-platform.io/", "acme.io/cost"))}


def test_a_team_users_gateway_pods_carry_user_team_cost_centre_cluster_and_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = User(HOSTILE, groups=["ml"])
    request = {"cluster_name": "Nightly ETL", "profile": "processor"}
    for worker in (True, False):
        labels = gateway_pod(tmp_path, monkeypatch, user, request, worker)["metadata"]["labels"]
        assert cost_labels(labels) == {
            "dask-platform.io/user": "alice-smith-..-x-bc660904",
            "dask-platform.io/team": "team-ml",
            "dask-platform.io/cluster": "nightly-etl-422a4ac9",
            "dask-platform.io/profile": "processor",
            "acme.io/cost-center": "cc-1234",
        }
    worker_labels = gateway_pod(tmp_path, monkeypatch, user, request)["metadata"]["labels"]
    assert worker_labels["acme.io/billing"] == "dask", "the stack's own labels stay"


def test_a_user_outside_teams_is_billed_to_the_clusters_namespace_with_an_unnamed_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pod = gateway_pod(tmp_path, monkeypatch, User(LONG), {})
    assert cost_labels(pod["metadata"]["labels"]) == {
        "dask-platform.io/user": "a" * 54 + "-28165978",
        "dask-platform.io/team": "dask-users",
        "dask-platform.io/cluster": "unnamed",
        "dask-platform.io/profile": "staging",
    }
    kubernetes_validate.validate(pod, kubernetes_version(), strict=True)


def test_an_image_no_profile_builds_is_labelled_custom(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stack = {**STACK, "gateway": {**STACK["gateway"], "clusterOptions": {"allowedImages": []}}}
    values = gateway_values(resolved(stack), password_secret_name=None)
    data = gateway_data_of_env(values["gateway"]["env"])
    assert data is not None
    backend = kubernetes_backend(data, tmp_path, monkeypatch)
    config = cluster_config_for(backend, {"image": "registry.example.org/own:1"}, User("bob"))
    assert config.worker_extra_pod_labels["dask-platform.io/profile"] == "custom"


def declared_deployments() -> dict[str, dict[str, Any]]:
    """The scheduler and worker Deployments the operator builds from the declared clusters' manifests."""
    built: dict[str, dict[str, Any]] = {}
    for manifest in declared_cluster_manifests(resolved(STACK)):
        name, namespace = manifest["metadata"]["name"], manifest["metadata"]["namespace"]
        if manifest["kind"] == "DaskCluster":
            scheduler = manifest["spec"]["scheduler"]
            built[f"{name}-scheduler"] = build_scheduler_deployment_spec(
                name, scheduler["spec"], {}, scheduler["metadata"]["labels"]
            )
            worker = manifest["spec"]["worker"]
            built[f"{name}-worker"] = build_worker_deployment_spec(
                "default", namespace, name, "abc", worker["spec"], {}, worker["metadata"]["labels"]
            )
        elif manifest["kind"] == "DaskWorkerGroup":
            worker = manifest["spec"]["worker"]
            built[name] = build_worker_deployment_spec(
                name, namespace, manifest["spec"]["cluster"], "abc", worker["spec"], {}, worker["metadata"]["labels"]
            )
    return built


def test_declared_clusters_pods_carry_the_stack_as_user_their_team_name_and_profile() -> None:
    deployments = declared_deployments()

    def pod_labels(name: str) -> dict[str, str]:
        return cost_labels(deployments[name]["spec"]["template"]["metadata"]["labels"])

    # A stack label cannot pass the cluster off as a user's.
    assert pod_labels("batch-scheduler") == {
        "dask-platform.io/user": "declared",
        "dask-platform.io/team": "dask-users",
        "dask-platform.io/cluster": "batch",
        "dask-platform.io/profile": "staging",
    }
    training = {
        "dask-platform.io/user": "declared",
        "dask-platform.io/team": "team-ml",
        "dask-platform.io/cluster": "training",
        "acme.io/cost-center": "cc-1234",
    }
    assert pod_labels("training-scheduler") == {**training, "dask-platform.io/profile": "staging"}
    assert pod_labels("training-worker") == {**training, "dask-platform.io/profile": "staging"}
    assert pod_labels("training-big") == {**training, "dask-platform.io/profile": "processor"}
    for deployment in deployments.values():
        kubernetes_validate.validate(
            {**deployment, "metadata": {**deployment["metadata"], "namespace": "dask-users"}},
            kubernetes_version(),
            strict=True,
        )


def test_a_cost_centre_must_be_a_label_value_and_the_key_not_a_platform_label() -> None:
    bad_team = {**STACK, "teams": [{"name": "team-ml", "gatewayGroups": ["ml"], "costCenter": "cc 1234/x"}]}
    assert error_for(bad_team).startswith(
        'Pulumi.test.yaml: dask-platform:teams[0].costCenter = "cc 1234/x": must be a Kubernetes label value'
    )
    bad_key = {**STACK, "costLabels": {"costCenterKey": "dask-platform.io/team"}}
    assert 'dask-platform:costLabels.costCenterKey = "dask-platform.io/team"' in error_for(bad_key)
