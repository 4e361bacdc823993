"""An upgrade is a reviewable diff: moving one profile to other versions changes exactly that profile's images,
what is built FROM them, the Jupyter layers that copy from them, the gateway's default image (it is the default
profile) and the declared clusters that run it, which are replaced. Nothing else.

The locks only exist for the version pairs the repository uses, so the variant is the other way round: the
stack as it was with ``staging`` on the ``processor`` profile's pair (Python 3.11.7, Dask 2024.5.2), upgraded
to the repository's pair (Python 3.13.12, Dask 2026.1.2). What the upgrade deploys is thus a plan whose every
lock exists, exactly what ``pulumi up`` would build.
"""

from __future__ import annotations

import functools
from typing import Any

from config.images import ImagesConfig
from render.catalog import check_catalog
from tests.helpers import CHART, Resources, changed_paths, find, plan_changes, stack_file_value, variant

CURRENT = {"staging": {"python": "3.13.12", "dask": "2026.1.2"}, "processor": {"python": "3.11.7", "dask": "2024.5.2"}}
BEFORE = {**CURRENT, "staging": {"python": "3.11.7", "dask": "2024.5.2"}}


def with_a_processor_cluster(stack: str, namespace: str) -> list[dict[str, Any]]:
    """The stack's declared clusters plus one on the ``processor`` profile, which the upgrade must leave alone."""
    clusters: list[dict[str, Any]] = stack_file_value(stack, "clusters")
    return [*clusters, {"name": "l0-batch", "namespace": namespace, "profile": "processor", "worker": {"replicas": 1}}]


@functools.cache
def upgrade(stack: str, namespace: str) -> tuple[Resources, Resources]:
    """The plans before and after the upgrade (planned once; do not change them)."""
    clusters = with_a_processor_cluster(stack, namespace)
    before = variant(stack, {"clusters": clusters, "images": {"profiles": BEFORE}}).resources
    after = variant(stack, {"clusters": clusters, "images": {"profiles": CURRENT}}).resources
    return before, after


EVERY_STACKS_UPGRADE = {
    "Image dask-images-base-staging-k8s": "update",
    "Image dask-images-staging-k8s": "update",
    # The staging kernel layer copies from the staging base; the processor's layer, the Jupyter image, is built
    # FROM it.
    "Image dask-images-jupyter-kernel-staging": "update",
    "Image dask-images-jupyter": "update",
    "Chart dask-gateway-chart": "update",
}
"""What upgrading the default (staging) profile changes in every Kubernetes stack."""


def test_the_upgraded_stack_builds_from_locks_that_all_exist() -> None:
    assert check_catalog(ImagesConfig.model_validate({"profiles": CURRENT})) == []


def test_upgrading_the_default_profile_in_prod_changes_its_images_kernels_gateway_and_clusters_only() -> None:
    before, after = upgrade("prod", "dask-batch")
    assert plan_changes(before, after) == {
        **EVERY_STACKS_UPGRADE,
        "DaskCluster dask-clusters-dask-batch-batch-daskcluster": "replace",
        "DaskWorkerGroup dask-clusters-dask-batch-batch-highmem-daskworkergroup": "replace",
        "DaskAutoscaler dask-clusters-dask-batch-batch-daskautoscaler": "replace",
    }


def test_the_gateway_changes_only_in_its_default_image_and_the_option_data_naming_it() -> None:
    before, after = upgrade("prod", "dask-batch")
    old, new = (find(resources, CHART, "dask-gateway-chart") for resources in (before, after))
    assert changed_paths(old["inputs"], new["inputs"]) == [
        ("values", "gateway", "env", 0, "value"),
        ("values", "gateway", "backend", "image", "tag"),
    ]
    assert new["inputs"]["values"]["gateway"]["env"][0]["name"] == "DASK_PLATFORM_GATEWAY"
    staging_base = find(after, "docker-build:index:Image", "dask-images-base-staging-k8s")
    assert staging_base["inputs"]["tags"][0].endswith(
        ":" + new["inputs"]["values"]["gateway"]["backend"]["image"]["tag"]
    )


def test_upgrading_the_default_profile_in_dev_also_rolls_the_session_and_the_local_images() -> None:
    before, after = upgrade("dev", "dask-users")
    assert plan_changes(before, after) == {
        **EVERY_STACKS_UPGRADE,
        "Image dask-images-base-staging-local": "update",
        "Image dask-images-staging-local": "update",
        # The session's client image is the gateway's default image.
        "Deployment dask-session": "update",
        # The smoke Job gets a new name (a digest of the gateway's values and its image), so the check runs again.
        "Job dask-smoke-job": "update",
        "DaskCluster dask-clusters-dask-users-dev-autoscaled-daskcluster": "replace",
        "DaskAutoscaler dask-clusters-dask-users-dev-autoscaled-daskautoscaler": "replace",
    }
