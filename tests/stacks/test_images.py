"""Each stack's image builds under Pulumi's mocks: the catalog's images, wired in build order and to the platform."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from render.catalog import ImageSpec, image_specs, worker_images
from tests.helpers import gateway_data, release_inputs, resources_of_type, stack_plan, variant
from tools.lock import stack_configs
from tools.plan import PlanError

IMAGE = "docker-build:index:Image"
STACKS = ["dev", "prod"]
PREFIX = "dask-images-"


def catalog(stack: str) -> dict[str, ImageSpec]:
    config = stack_configs()[stack]
    return {spec.key: spec for spec in image_specs(config.images, config.gateway)}


def planned_images(resources: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["name"].removeprefix(PREFIX): r for r in resources if r["type"] == IMAGE}


JUPYTER_LAYERS = {"jupyter-server", "jupyter-kernel-staging", "jupyter"}
"""JupyterLab alone, then a kernel per profile in stack order; the last layer is the Jupyter image."""


@pytest.mark.parametrize(
    ("stack", "expected"),
    [
        (
            "dev",
            {
                f"{kind}-{target}"
                for target in ("k8s", "local")
                for kind in (
                    "base-staging",
                    "base-processor",
                    "staging",
                    *(f"processor-{p}" for p in ("l0", "s1ard", "mockup")),
                )
            }
            | JUPYTER_LAYERS,
        ),
        (
            "prod",
            {"base-staging-k8s", "base-processor-k8s", "staging-k8s"}
            | {f"processor-{p}-k8s" for p in ("l0", "s1ard", "mockup")}
            | JUPYTER_LAYERS,
        ),
    ],
)
def test_each_stack_builds_its_targets_images(stack: str, expected: set[str]) -> None:
    images = planned_images(stack_plan(stack).resources)
    assert images.keys() == expected
    (component,) = resources_of_type(stack, "dask-platform:images:ImageCatalog")
    assert all(image["parent"] == component["urn"] for image in images.values())


@pytest.mark.parametrize("stack", STACKS)
def test_every_image_is_built_from_its_catalog_spec(stack: str) -> None:
    specs = catalog(stack)
    for key, image in planned_images(stack_plan(stack).resources).items():
        spec, inputs = specs[key], image["inputs"]
        assert inputs["tags"] == [spec.reference]
        assert inputs["context"] == {"location": spec.context}
        assert inputs["dockerfile"] == {"location": spec.dockerfile}
        assert inputs.get("target") == spec.stage
        build_args = dict(inputs["buildArgs"])
        build_args.pop("BASE_IMAGE", None)
        build_args.pop("KERNEL_IMAGE", None)
        assert build_args == spec.build_args
        assert inputs["platforms"] == ["linux/amd64"]


@pytest.mark.parametrize("stack", STACKS)
def test_derived_images_build_from_the_reference_their_base_build_outputs(stack: str) -> None:
    images = planned_images(stack_plan(stack).resources)
    specs = catalog(stack)
    derived = {key: spec for key, spec in specs.items() if spec.base is not None}
    assert {spec.kind for spec in derived.values()} == {"processor", "staging", "jupyter"}
    for key, spec in derived.items():
        base = images[spec.base or ""]
        # The mocks report a build's first tag as its `ref`, so this is the base build's output.
        assert images[key]["inputs"]["buildArgs"]["BASE_IMAGE"] == base["inputs"]["tags"][0]
        needed = [base["urn"]]
        if spec.kernel_base is not None:
            kernel = images[spec.kernel_base]
            assert images[key]["inputs"]["buildArgs"]["KERNEL_IMAGE"] == kernel["inputs"]["tags"][0]
            needed.append(kernel["urn"])
        assert images[key]["dependencies"] == sorted(needed)
    for key in specs.keys() - derived.keys():
        assert images[key]["dependencies"] == []
        assert "BASE_IMAGE" not in images[key]["inputs"]["buildArgs"]


def test_dev_loads_images_into_the_local_daemon_and_pushes_nothing() -> None:
    for image in planned_images(stack_plan("dev").resources).values():
        inputs = image["inputs"]
        assert (inputs["push"], inputs["load"]) == (False, True)
        assert "cacheTo" not in inputs and "cacheFrom" not in inputs
        assert "registries" not in inputs and "secrets" not in inputs
        assert inputs["tags"][0].startswith("localhost/dask-platform/dask/")


def test_prod_pushes_to_its_registry_with_a_registry_build_cache() -> None:
    for key, image in planned_images(stack_plan("prod").resources).items():
        inputs = image["inputs"]
        assert (inputs["push"], inputs["load"]) == (True, False)
        assert inputs["tags"][0].startswith("ghcr.io/acme/dask/")
        cache = f"ghcr.io/acme/dask/build-cache:{key}"
        assert inputs["cacheFrom"] == [{"registry": {"ref": cache}}]
        ((cache_to),) = inputs["cacheTo"]
        assert (cache_to["registry"]["ref"], cache_to["registry"]["mode"]) == (cache, "max")


PASSWORD = "ghp_not-a-real-token-5h7Kq"
INDEX_URL = "https://builder:s3cr3t-index-token@pypi.internal.example.org/simple"


def test_registry_credentials_and_a_private_index_come_from_secret_config_only() -> None:
    resources = variant(
        "prod",
        {"images": {"registryUsername": "acme-bot"}},
        secrets={"registryPassword": PASSWORD, "pipExtraIndexUrl": INDEX_URL},
    ).resources
    text = json.dumps(resources)
    assert PASSWORD not in text and "s3cr3t-index-token" not in text
    for image in planned_images(resources).values():
        inputs = image["inputs"]
        # The login carries the secret password, so Pulumi keeps the whole list encrypted.
        assert inputs["registries"] == "[secret]"
        # A build secret, mounted for the pip installs only: never a build argument, so never in a layer.
        assert inputs["secrets"] == "[secret]"
        assert all("INDEX" not in name for name in inputs["buildArgs"])


@pytest.mark.parametrize("stack", STACKS)
def test_exports_list_every_image_reference(stack: str) -> None:
    plan = stack_plan(stack)
    exported = plan.outputs["images"]
    assert exported == {key: image["inputs"]["tags"][0] for key, image in planned_images(plan.resources).items()}


@pytest.mark.parametrize("stack", STACKS)
def test_the_gateway_offers_the_catalogs_default_image(stack: str) -> None:
    specs = catalog(stack)
    default = specs["base-staging-k8s"]
    backend = release_inputs(stack_plan(stack).resources, "dask-gateway")["values"]["gateway"]["backend"]
    assert (backend["image"]["name"], backend["image"]["tag"]) == (default.repository, default.tag)
    assert stack_plan(stack).outputs["defaultWorkerImage"] == default.reference


def test_prod_users_may_pick_exactly_the_catalogs_kubernetes_images() -> None:
    allowed = worker_images(catalog("prod").values())
    assert gateway_data(stack_plan("prod").resources)["options"]["image"]["allowed"] == allowed
    assert len(allowed) == 6


def test_the_dev_session_runs_the_client_image_matching_the_workers_after_it_is_built() -> None:
    (deployment,) = resources_of_type("dev", "kubernetes:apps/v1:Deployment")
    (container,) = deployment["inputs"]["spec"]["template"]["spec"]["containers"]
    assert container["image"] == catalog("dev")["base-staging-k8s"].reference
    env = {item["name"]: item.get("value") for item in container["env"]}
    assert env["DASK_WORKER_IMAGE"] == container["image"]
    images = planned_images(stack_plan("dev").resources)
    built = {image["urn"] for image in images.values()} & set(deployment["dependencies"])
    # The session waits for the image it runs to be built, and for no other image.
    assert built == {images["base-staging-k8s"]["urn"]}


def test_pushed_images_may_be_built_for_several_platforms() -> None:
    resources = variant("prod", {"images": {"platforms": ["linux/amd64", "linux/arm64"]}}).resources
    for image in planned_images(resources).values():
        assert image["inputs"]["platforms"] == ["linux/amd64", "linux/arm64"]


NEWER_STAGING = {
    "profiles": {
        "staging": {"python": "3.13.12", "dask": "2026.1.3"},
        "processor": {"python": "3.11.7", "dask": "2024.5.2"},
    }
}


def test_a_preview_may_show_unlocked_versions_but_an_update_refuses_to_build_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    previewed = planned_images(variant("dev", {"images": NEWER_STAGING}).resources)
    assert ":k8s-py3.13.12-2026.1.3-" in previewed["base-staging-k8s"]["inputs"]["tags"][0]
    monkeypatch.setattr(pulumi.runtime, "is_dry_run", lambda: False)
    with pytest.raises(PlanError) as raised:
        _ = variant("dev", {"images": NEWER_STAGING}).plan
    message = str(raised.value)
    assert all(line.startswith("Pulumi.dev.yaml: images: ") for line in message.splitlines())
    assert (
        "images/base/locks/py3.13.12-dask2026.1.3-gateway2026.3.0-k8s.txt is missing: "
        "run `.venv/bin/python -m tools.lock` and commit the result"
    ) in message
