"""A `pulumi up` that changes what a declared cluster's pods run replaces the cluster; replica changes scale it.

The operator builds pods only when a DaskCluster is created and when a worker group scales up, so a spec patched
in place would leave the running scheduler and workers on the old spec. The plans record the options that make
Pulumi replace instead (``replaceOnChanges``, ``deleteBeforeReplace``); ``plan_changes`` decides from them as the
engine does.
"""

from __future__ import annotations

import copy
import importlib.resources
from collections.abc import Callable
from typing import Any

import kopf
import yaml
from dask_kubernetes.operator.controller.controller import (
    build_default_worker_group_spec,
    build_scheduler_deployment_spec,
    build_scheduler_service_spec,
    build_worker_deployment_spec,
)

from render.cluster_upgrades import cluster_spec_digest
from tests.helpers import (
    PropertyPath,
    Resources,
    covers,
    find,
    plan_changes,
    property_path,
    stack_file_value,
    stack_plan,
    variant,
)

DASK = "kubernetes:kubernetes.dask.org/v1"
BATCH_CLUSTER = "DaskCluster dask-clusters-dask-batch-batch-daskcluster"
BATCH_HIGHMEM = "DaskWorkerGroup dask-clusters-dask-batch-batch-highmem-daskworkergroup"
BATCH_AUTOSCALER = "DaskAutoscaler dask-clusters-dask-batch-batch-daskautoscaler"
BATCH_REPLACED = {BATCH_CLUSTER: "replace", BATCH_HIGHMEM: "replace", BATCH_AUTOSCALER: "replace"}
BATCH_QUOTA_RESIZED = {"ResourceQuota dask-user-quotas-dask-batch-quota": "update"}
"""dask-batch's quota is sized from the clusters declared there: more room per worker, or more workers, grow it."""


def prod_with_batch(edit: Callable[[dict[str, Any]], None]) -> Resources:
    """The prod plan after ``edit`` changes the batch cluster's entry in Pulumi.prod.yaml."""
    clusters = stack_file_value("prod", "clusters")
    edit(next(cluster for cluster in clusters if cluster["name"] == "batch"))
    return variant("prod", {"clusters": clusters}).resources


def prod_changes(edit: Callable[[dict[str, Any]], None]) -> dict[str, str]:
    return plan_changes(stack_plan("prod").resources, prod_with_batch(edit))


def test_declared_clusters_groups_and_autoscalers_are_deleted_before_they_are_replaced() -> None:
    resources = stack_plan("prod").resources
    cluster = find(resources, f"{DASK}:DaskCluster", "dask-clusters-dask-batch-batch-daskcluster")
    group = find(resources, f"{DASK}:DaskWorkerGroup", "dask-clusters-dask-batch-batch-highmem-daskworkergroup")
    autoscaler = find(resources, f"{DASK}:DaskAutoscaler", "dask-clusters-dask-batch-batch-daskautoscaler")
    assert cluster["replaceOnChanges"] == [
        "metadata.labels",
        "metadata.annotations",
        "spec.scheduler",
        "spec.worker.metadata",
        "spec.worker.spec",
    ]
    assert group["replaceOnChanges"] == [
        "metadata.labels",
        "metadata.annotations",
        "spec.cluster",
        "spec.worker.metadata",
        "spec.worker.spec",
    ]
    assert autoscaler["replaceOnChanges"] == ["metadata.annotations", "spec.cluster"]
    assert cluster["deleteBeforeReplace"] is group["deleteBeforeReplace"] is autoscaler["deleteBeforeReplace"] is True


def test_only_resources_that_set_replacement_options_record_them() -> None:
    recorded = {r["type"].rsplit(":", 1)[-1] for r in stack_plan("prod").resources if "replaceOnChanges" in r}
    dbr = {r["type"].rsplit(":", 1)[-1] for r in stack_plan("prod").resources if "deleteBeforeReplace" in r}
    assert recorded == dbr == {"DaskCluster", "DaskWorkerGroup", "DaskAutoscaler"}


def test_a_changed_image_replaces_the_cluster_with_its_worker_group_and_autoscaler() -> None:
    def new_image(batch: dict[str, Any]) -> None:
        batch["image"] = "ghcr.io/acme/batch:2026.2"

    assert prod_changes(new_image) == BATCH_REPLACED


def test_a_changed_env_replaces_the_cluster_with_its_worker_group_and_autoscaler() -> None:
    def new_env(batch: dict[str, Any]) -> None:
        batch["env"] = {"BATCH_MODE": "nightly"}

    assert prod_changes(new_env) == BATCH_REPLACED


def test_changed_worker_resources_replace_the_cluster_with_its_worker_group_and_autoscaler() -> None:
    def more_memory(batch: dict[str, Any]) -> None:
        batch["worker"]["resources"] = {
            "requests": {"cpu": "2", "memory": "12Gi"},
            "limits": {"cpu": "2", "memory": "12Gi"},
        }

    assert prod_changes(more_memory) == BATCH_REPLACED | BATCH_QUOTA_RESIZED


def test_changed_cluster_labels_replace_it_because_the_operator_copies_them_onto_pods() -> None:
    def relabel(batch: dict[str, Any]) -> None:
        batch["labels"] = {"app.kubernetes.io/name": "batch-v2"}

    assert prod_changes(relabel) == BATCH_REPLACED


def test_changed_resources_of_one_worker_group_replace_that_group_alone() -> None:
    def more_memory(batch: dict[str, Any]) -> None:
        batch["workerGroups"][0]["resources"]["limits"]["memory"] = "48Gi"
        batch["workerGroups"][0]["resources"]["requests"]["memory"] = "48Gi"

    assert prod_changes(more_memory) == {BATCH_HIGHMEM: "replace"} | BATCH_QUOTA_RESIZED


def test_a_replica_change_updates_the_cluster_in_place_for_the_operator_to_scale() -> None:
    def more_workers(batch: dict[str, Any]) -> None:
        batch["worker"]["replicas"] = 3

    assert prod_changes(more_workers) == {BATCH_CLUSTER: "update"}


def test_a_worker_group_replica_change_updates_the_group_in_place() -> None:
    def more_highmem(batch: dict[str, Any]) -> None:
        batch["workerGroups"][0]["replicas"] = 2

    assert prod_changes(more_highmem) == {BATCH_HIGHMEM: "update"} | BATCH_QUOTA_RESIZED


def test_new_autoscaler_bounds_update_the_autoscaler_in_place() -> None:
    def wider(batch: dict[str, Any]) -> None:
        batch["autoscaler"] = {"minimum": 1, "maximum": 12}

    assert prod_changes(wider) == {BATCH_AUTOSCALER: "update"} | BATCH_QUOTA_RESIZED


def test_a_new_idle_timeout_updates_the_cluster_in_place_since_the_operator_reads_it_live() -> None:
    def idle(batch: dict[str, Any]) -> None:
        batch["idleTimeoutSeconds"] = 600

    assert prod_changes(idle) == {BATCH_CLUSTER: "update"}


def test_a_daskjob_is_updated_in_place_so_an_upgrade_never_runs_it_again() -> None:
    job = {
        "name": "nightly-report",
        "namespace": "dask-batch",
        "job": {"command": ["python", "-m", "report"]},
        "worker": {"replicas": 2},
    }
    before = variant("prod", {"clusters": [job]}).resources
    upgraded = copy.deepcopy(job)
    upgraded["image"] = "ghcr.io/acme/report:2"
    after = variant("prod", {"clusters": [upgraded]}).resources
    assert plan_changes(before, after) == {"DaskJob dask-clusters-dask-batch-nightly-report-daskjob": "update"}


# ---------------------------------------------------------------------------------------------------------------
# Against the operator: what it builds pods from is what replaces a resource


def _pod_metadata(resource: dict[str, Any], section: dict[str, Any]) -> tuple[dict[str, str], dict[str, str]]:
    """Labels and annotations as the operator's handlers gather them: the resource's, then the section's own."""
    own = section.get("metadata", {})
    metadata = resource["metadata"]
    labels = {**metadata.get("labels", {}), **own.get("labels", {})}
    return labels, {**metadata.get("annotations", {}), **own.get("annotations", {})}


def worker_deployment(group: dict[str, Any], cluster_labels: dict[str, str]) -> dict[str, Any]:
    """One worker Deployment as the operator builds it when the group scales up (the replica count only says
    how many of them)."""
    labels, annotations = _pod_metadata(group, group["spec"]["worker"])
    metadata = group["metadata"]
    deployment = build_worker_deployment_spec(
        worker_group_name=metadata["name"],
        namespace=metadata["namespace"],
        cluster_name=group["spec"]["cluster"],
        uuid="0",
        pod_spec=group["spec"]["worker"]["spec"],
        annotations=annotations,
        labels=labels,
    )
    kopf.label(deployment, labels=cluster_labels)
    return deployment


def operator_objects(cluster: dict[str, Any]) -> list[dict[str, Any]]:
    """What the operator creates for a new DaskCluster: the scheduler's Deployment and Service, and the default
    worker group's worker Deployment."""
    name, namespace = cluster["metadata"]["name"], cluster["metadata"]["namespace"]
    scheduler = cluster["spec"]["scheduler"]
    labels, annotations = _pod_metadata(cluster, scheduler)
    worker_labels, worker_annotations = _pod_metadata(cluster, cluster["spec"]["worker"])
    group = build_default_worker_group_spec(name, cluster["spec"]["worker"], worker_annotations, worker_labels)
    group["metadata"]["namespace"] = namespace
    return [
        build_scheduler_deployment_spec(name, scheduler.get("spec"), annotations, labels),
        build_scheduler_service_spec(name, scheduler.get("service"), annotations, labels),
        worker_deployment(group, cluster["metadata"].get("labels", {})),
    ]


def leaf_paths(value: Any, at: PropertyPath = ()) -> list[PropertyPath]:
    if isinstance(value, dict):
        return [path for key, item in value.items() for path in leaf_paths(item, (*at, key))]
    if isinstance(value, list):
        return [path for index, item in enumerate(value) for path in leaf_paths(item, (*at, index))]
    return [at]


def with_leaf_changed(value: Any, path: PropertyPath) -> Any:
    changed = copy.deepcopy(value)
    *parents, last = path
    holder = changed
    for part in parents:
        holder = holder[part]
    old = holder[last]
    holder[last] = not old if isinstance(old, bool) else old + 1 if isinstance(old, int) else f"{old}-changed"
    return changed


# A new name or namespace is another resource to Pulumi (another URN), so it is always created anew.
IDENTITY = {("apiVersion",), ("kind",), ("metadata", "name"), ("metadata", "namespace")}


def fields_read(inputs: dict[str, Any], build: Callable[[dict[str, Any]], Any]) -> list[PropertyPath]:
    """Every leaf of a resource's inputs whose change changes what ``build`` makes of it."""
    built = build(inputs)
    return [
        path
        for path in leaf_paths(inputs)
        if path[:2] not in IDENTITY and path[:1] not in IDENTITY and build(with_leaf_changed(inputs, path)) != built
    ]


def uncovered(paths: list[PropertyPath], resource: dict[str, Any]) -> list[PropertyPath]:
    patterns = [property_path(text) for text in resource["replaceOnChanges"]]
    return [path for path in paths if not any(covers(pattern, path) for pattern in patterns)]


def test_every_field_the_operator_builds_a_clusters_pods_from_replaces_the_cluster() -> None:
    cluster = find(stack_plan("prod").resources, f"{DASK}:DaskCluster", "dask-clusters-dask-batch-batch-daskcluster")
    read = fields_read(cluster["inputs"], operator_objects)
    assert ("spec", "worker", "spec", "containers", 0, "image") in read
    assert ("metadata", "labels", "app.kubernetes.io/part-of") in read
    assert uncovered(read, cluster) == []
    assert ("spec", "worker", "replicas") not in read
    assert uncovered([("spec", "worker", "replicas"), ("spec", "idleTimeout")], cluster) == [
        ("spec", "worker", "replicas"),
        ("spec", "idleTimeout"),
    ]


def test_every_field_the_operator_builds_a_groups_workers_from_replaces_the_group() -> None:
    resources = stack_plan("prod").resources
    group = find(resources, f"{DASK}:DaskWorkerGroup", "dask-clusters-dask-batch-batch-highmem-daskworkergroup")
    cluster = find(resources, f"{DASK}:DaskCluster", "dask-clusters-dask-batch-batch-daskcluster")
    read = fields_read(group["inputs"], lambda inputs: worker_deployment(inputs, {}))
    assert ("spec", "worker", "spec", "containers", 0, "resources", "limits", "memory") in read
    assert uncovered(read, group) == []
    assert uncovered([("spec", "worker", "replicas")], group) == [("spec", "worker", "replicas")]
    # The cluster's labels land on the group's workers too: they are part of the cluster's digest on the group.
    relabelled = with_leaf_changed(cluster["inputs"], ("metadata", "labels", "app.kubernetes.io/name"))
    assert cluster_spec_digest(relabelled) != cluster_spec_digest(cluster["inputs"])


def crd_schema(kind: str) -> dict[str, Any]:
    """The served schema of one of the operator's CRDs, as the dask-kubernetes wheel ships it."""
    crds = importlib.resources.files("dask_kubernetes") / "operator" / "deployment" / "helm"
    text = (crds / "dask-kubernetes-operator" / "crds" / f"{kind.lower()}.yaml").read_text()
    crd = yaml.load(text, Loader=yaml.CSafeLoader)
    (version,) = [version for version in crd["spec"]["versions"] if version["served"]]
    return dict(version["schema"]["openAPIV3Schema"])


def test_the_worker_section_of_the_crds_has_nothing_beyond_what_replaces_or_scales() -> None:
    schemas = {kind: crd_schema(kind) for kind in ("DaskCluster", "DaskWorkerGroup")}
    worker_fields = {
        kind: set(schema["properties"]["spec"]["properties"]["worker"]["properties"])
        for kind, schema in schemas.items()
    }
    assert worker_fields == {
        "DaskCluster": {"replicas", "spec", "metadata"},
        "DaskWorkerGroup": {"replicas", "spec", "metadata"},
    }


def test_after_creation_the_operator_follows_only_replica_changes_and_those_never_replace() -> None:
    followed = {
        (handler.selector.any_name, ".".join(handler.field))
        for handler in kopf.get_default_registry()._changing.get_all_handlers()
        if handler.field and handler.field[0] == "spec" and handler.selector.group == "kubernetes.dask.org"
    }
    assert followed == {("daskcluster", "spec.worker.replicas"), ("daskworkergroup", "spec.worker.replicas")}
    resources = stack_plan("prod").resources
    for kind, name in (
        ("DaskCluster", "dask-clusters-dask-batch-batch-daskcluster"),
        ("DaskWorkerGroup", "dask-clusters-dask-batch-batch-highmem-daskworkergroup"),
    ):
        resource = find(resources, f"{DASK}:{kind}", name)
        assert uncovered([("spec", "worker", "replicas")], resource) == [("spec", "worker", "replicas")]
