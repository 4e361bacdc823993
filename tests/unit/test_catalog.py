"""The image catalog as plain data: names, build inputs, the build graph, and tags that move with content only."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from config.gateway import GatewayConfig
from config.images import ImageProfile, ImagesConfig
from config.platform import PlatformConfig
from config.stack import PROJECT_DIR
from render.catalog import (
    ImageSpec,
    check_catalog,
    image_specs,
    lock_pins,
    lock_specs,
    profile_image,
    with_catalog_images,
    worker_images,
)
from tests import helpers

BOTH_TARGETS = ImagesConfig(registry="registry.example.org/acme", targets=["k8s", "local"])
GATEWAY = GatewayConfig()
STAGING = {"python": "3.13.12", "dask": "2026.1.2"}
PROCESSOR = {"python": "3.11.7", "dask": "2024.5.2"}
CONTENT = r"[0-9a-f]{12}"


def specs_by_key(
    images: ImagesConfig = BOTH_TARGETS, gateway: GatewayConfig = GATEWAY, root: Path = PROJECT_DIR
) -> dict[str, ImageSpec]:
    return {spec.key: spec for spec in image_specs(images, gateway, root)}


def tags(specs: dict[str, ImageSpec]) -> dict[str, str]:
    return {key: spec.reference for key, spec in specs.items()}


def changed_images(before: dict[str, ImageSpec], after: dict[str, ImageSpec]) -> set[str]:
    assert before.keys() == after.keys()
    return {key for key in before if before[key].reference != after[key].reference}


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """The folders the catalog reads, copied so that a test can change them."""
    for folder in ("images", "processors"):
        shutil.copytree(PROJECT_DIR / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def parse(values: dict[str, Any]) -> PlatformConfig:
    return helpers.parse({"environment": "dev", **values})


def error_for(values: dict[str, Any]) -> str:
    return helpers.error_for({"environment": "dev", **values})


def test_every_image_of_the_matrix_is_named_after_what_it_carries() -> None:
    registry = "registry.example.org/acme/dask"
    patterns = {
        "base-staging-k8s": rf"{registry}/dask-gateway:k8s-py3\.13\.12-2026\.1\.2-{CONTENT}",
        "base-staging-local": rf"{registry}/dask-gateway:local-py3\.13\.12-2026\.1\.2-{CONTENT}",
        "base-processor-k8s": rf"{registry}/dask-gateway:k8s-py3\.11\.7-2024\.5\.2-{CONTENT}",
        "base-processor-local": rf"{registry}/dask-gateway:local-py3\.11\.7-2024\.5\.2-{CONTENT}",
        "staging-k8s": rf"{registry}/staging/k8s:py3\.13\.12-2026\.1\.2-{CONTENT}",
        "staging-local": rf"{registry}/staging/local:py3\.13\.12-2026\.1\.2-{CONTENT}",
        "jupyter-server": rf"{registry}/jupyter-build:server-py3\.13\.12-{CONTENT}",
        "jupyter-kernel-staging": rf"{registry}/jupyter-build:staging-{CONTENT}",
        "jupyter": rf"{registry}/jupyter:py3\.13\.12-{CONTENT}",
    }
    for processor in ("l0", "s1ard", "mockup"):
        for target in ("k8s", "local"):
            patterns[f"processor-{processor}-{target}"] = (
                rf"{registry}/{processor}/{target}:py3\.11\.7-2024\.5\.2-{CONTENT}"
            )
    references = tags(specs_by_key())
    assert references.keys() == patterns.keys()
    for key, pattern in patterns.items():
        assert re.fullmatch(pattern, references[key]), (key, references[key])


def test_bases_get_their_profiles_exact_python_and_versions_and_local_adds_the_gateway_server() -> None:
    specs = specs_by_key()
    k8s, local = specs["base-processor-k8s"], specs["base-processor-local"]
    assert (k8s.dockerfile, k8s.context, k8s.stage, k8s.base) == ("images/base/Dockerfile", "images/base", "k8s", None)
    assert k8s.build_args["PYTHON_VERSION"] == "3.11.7"
    assert k8s.build_args["DASK_VERSION"] == "2024.5.2"
    assert k8s.build_args["DASK_GATEWAY_VERSION"] == "2026.3.0"
    assert k8s.build_args["LOCK"] == "locks/py3.11.7-dask2024.5.2-gateway2026.3.0-k8s.txt"
    assert "GATEWAY_CONFIG" not in k8s.build_args
    assert local.stage == "local"
    assert local.build_args["LOCAL_LOCK"] == "locks/py3.11.7-dask2024.5.2-gateway2026.3.0-local.txt"
    # The local gateway runs the shipped configuration modules verbatim, in the chart's order, with the stack's
    # data for local processes.
    shipped = [(PROJECT_DIR / "shipped" / module).read_text() for module in ("gateway_config.py", "dashboards.py")]
    assert local.build_args["GATEWAY_CONFIG"] == "\n".join(shipped)
    data = json.loads(local.build_args["GATEWAY_OPTIONS"])
    assert (data["backend"], data["proxyAddress"]) == ("local", "0.0.0.0:8000")
    assert data["passwordEnv"] == "DASK_GATEWAY_PASSWORD"
    assert data["passwordFile"] == "/etc/dask-gateway/password"
    assert data["passwordRequired"] is False
    assert data["options"]["image"] == {"default": "", "allowed": [], "maxLength": 512}
    for spec in (k8s, local):
        for lock in spec.locks:
            assert (PROJECT_DIR / lock).is_file()


def test_derived_images_build_from_their_profiles_base_of_the_same_target() -> None:
    specs = specs_by_key()
    derived = [spec for spec in specs.values() if spec.kind in ("processor", "staging")]
    assert len(derived) == 8
    for spec in derived:
        base = specs[spec.base or ""]
        assert (base.kind, base.profile, base.target) == ("base", spec.profile, spec.target)
        assert spec.dockerfile == "images/derived/Dockerfile"
        assert (PROJECT_DIR / spec.context / spec.build_args["LOCK"]).is_file()
    assert specs["processor-s1ard-local"].base == "base-processor-local"
    assert specs["staging-k8s"].base == "base-staging-k8s"
    assert specs["processor-mockup-k8s"].context == "processors/mockup"


def test_bases_come_first_so_the_graph_builds_in_order() -> None:
    order = [spec.key for spec in image_specs(BOTH_TARGETS, GATEWAY)]
    for position, key in enumerate(order):
        base = specs_by_key()[key].base
        assert base is None or order.index(base) < position


def test_jupyter_adds_one_kernel_per_profile_copied_from_that_profiles_k8s_base() -> None:
    specs = specs_by_key()
    server, staging, jupyter = specs["jupyter-server"], specs["jupyter-kernel-staging"], specs["jupyter"]
    assert (server.dockerfile, server.base) == ("images/jupyter/Dockerfile", None)
    assert (staging.base, staging.kernel_base) == ("jupyter-server", "base-staging-k8s")
    assert (jupyter.base, jupyter.kernel_base) == ("jupyter-kernel-staging", "base-processor-k8s")
    kernels = [
        (spec.build_args["KERNEL_NAME"], spec.build_args["KERNEL_PYTHON"], spec.build_args["DASK_VERSION"], spec.locks)
        for spec in (staging, jupyter)
    ]
    assert kernels == [
        ("staging", "3.13.12", "2026.1.2", ("images/jupyter/locks/kernel-py3.13.12-dask2026.1.2-gateway2026.3.0.txt",)),
        ("processor", "3.11.7", "2024.5.2", ("images/jupyter/locks/kernel-py3.11.7-dask2024.5.2-gateway2026.3.0.txt",)),
    ]
    assert {spec.dockerfile for spec in (staging, jupyter)} == {"images/jupyter/kernel.Dockerfile"}


def test_tags_depend_on_content_not_on_the_registry() -> None:
    # With the profile option, a kernel's dask config names its profile, not an image of the registry.
    by_profile = GatewayConfig.model_validate({"profileOption": {"enabled": True}})
    elsewhere = BOTH_TARGETS.model_copy(update={"registry": "ghcr.io/other"})
    first, second = specs_by_key(gateway=by_profile), specs_by_key(elsewhere, by_profile)
    assert {k: s.tag for k, s in first.items()} == {k: s.tag for k, s in second.items()}
    assert first["jupyter"].repository == "registry.example.org/acme/dask/jupyter"
    assert second["jupyter"].repository == "ghcr.io/other/dask/jupyter"


def test_kernel_layers_that_name_their_clusters_image_move_with_the_registry() -> None:
    """Without the profile option a kernel's dask config holds its clusters' image, whose name has the registry:
    that file is content of the layer, so those layers (and only they) get new tags."""
    elsewhere = BOTH_TARGETS.model_copy(update={"registry": "ghcr.io/other"})
    first, second = specs_by_key(), specs_by_key(elsewhere)
    moved = {key for key in first if first[key].tag != second[key].tag}
    assert moved == {"jupyter-kernel-staging", "jupyter"}


def test_changing_one_processors_requirements_rebuilds_only_that_processor(repo_copy: Path) -> None:
    before = specs_by_key(root=repo_copy)
    requirements = repo_copy / "processors/l0/requirements.txt"
    requirements.write_text(requirements.read_text().replace("sentinel1decoder==2.1.0", "sentinel1decoder==2.0.0"))
    stale = check_catalog(BOTH_TARGETS, repo_copy)
    assert stale == [
        "processors/l0/locks/py3.11.7-dask2024.5.2-gateway2026.3.0.txt is stale (its inputs changed: "
        "processors/l0/requirements.txt, images/base/locks/py3.11.7-dask2024.5.2-gateway2026.3.0-local.txt): "
        "run `.venv/bin/python -m tools.lock` and commit the result"
    ]
    # What `python -m tools.lock` then rewrites: that processor's lock alone.
    lock = repo_copy / "processors/l0/locks/py3.11.7-dask2024.5.2-gateway2026.3.0.txt"
    lock.write_text(lock.read_text().replace("sentinel1decoder==2.1.0", "sentinel1decoder==2.0.0"))
    after = specs_by_key(root=repo_copy)
    assert changed_images(before, after) == {"processor-l0-k8s", "processor-l0-local"}


def _relock_staging(root: Path, old: str, new: str) -> None:
    """What `python -m tools.lock` writes for a new staging Dask: the same locks under the new versions."""
    for lock in sorted(root.glob(f"**/locks/*py3.13.12-dask{old}-*")):
        text = (
            lock.read_text()
            .replace(f"dask=={old}", f"dask=={new}")
            .replace(f"distributed=={old}", f"distributed=={new}")
        )
        lock.with_name(lock.name.replace(f"dask{old}", f"dask{new}")).write_text(text)


def test_a_new_staging_dask_rebuilds_staging_its_bases_and_jupyter_only(repo_copy: Path) -> None:
    before = specs_by_key(root=repo_copy)
    _relock_staging(repo_copy, "2026.1.2", "2026.1.3")
    newer = BOTH_TARGETS.model_copy(
        update={"profiles": {**BOTH_TARGETS.profiles, "staging": ImageProfile(python="3.13.12", dask="2026.1.3")}}
    )
    after = specs_by_key(newer, root=repo_copy)
    assert changed_images(before, after) == {
        "base-staging-k8s",
        "base-staging-local",
        "staging-k8s",
        "staging-local",
        "jupyter-kernel-staging",
        "jupyter",
    }
    assert after["base-staging-k8s"].reference.split(":")[1].startswith("k8s-py3.13.12-2026.1.3-")


def test_gateway_options_reach_only_the_local_images() -> None:
    wider = GATEWAY.model_copy(update={"cluster_max_workers": GATEWAY.cluster_max_workers + 1})
    changed = changed_images(specs_by_key(), specs_by_key(gateway=wider))
    assert changed == {key for key, spec in specs_by_key().items() if spec.target == "local"}


def test_adding_a_processor_is_one_config_entry_and_its_requirements(repo_copy: Path) -> None:
    folder = repo_copy / "processors/extra"
    folder.mkdir()
    (folder / "requirements.txt").write_text("xarray==2026.9.0\n")
    stack_images = BOTH_TARGETS.model_dump(by_alias=True)
    stack_images["processors"]["extra"] = {"requirements": "processors/extra/requirements.txt"}
    images = ImagesConfig.model_validate(stack_images)
    before, after = specs_by_key(root=repo_copy), specs_by_key(images, root=repo_copy)
    assert after.keys() - before.keys() == {"processor-extra-k8s", "processor-extra-local"}
    assert not changed_images(before, {key: after[key] for key in before})
    assert after["processor-extra-k8s"].base == "base-processor-k8s"
    new_locks = {lock.path for lock in lock_specs(images)} - {lock.path for lock in lock_specs(BOTH_TARGETS)}
    assert new_locks == {"processors/extra/locks/py3.11.7-dask2024.5.2-gateway2026.3.0.txt"}
    assert check_catalog(images, repo_copy) == [
        "processors/extra/locks/py3.11.7-dask2024.5.2-gateway2026.3.0.txt is missing: "
        "run `.venv/bin/python -m tools.lock` and commit the result"
    ]


def test_a_lock_that_pins_other_versions_than_the_config_is_reported(repo_copy: Path) -> None:
    assert check_catalog(BOTH_TARGETS, repo_copy) == []
    lock = repo_copy / "images/base/locks/py3.11.7-dask2024.5.2-gateway2026.3.0-k8s.txt"
    lock.write_text(lock.read_text().replace("distributed==2024.5.2", "distributed==2024.5.1"))
    problems = check_catalog(BOTH_TARGETS, repo_copy)
    assert (
        "images/base/locks/py3.11.7-dask2024.5.2-gateway2026.3.0-k8s.txt pins distributed 2024.5.1, the config "
        "says 2024.5.2: run `.venv/bin/python -m tools.lock` and commit the result"
    ) in problems


def test_profile_image_is_the_profiles_base_reference() -> None:
    specs = specs_by_key()
    assert profile_image(BOTH_TARGETS, "processor") == specs["base-processor-k8s"].reference
    assert profile_image(BOTH_TARGETS, "staging", "local", GATEWAY) == specs["base-staging-local"].reference
    with pytest.raises(ValueError, match=r"no image profile 'gpu'; images\.profiles has staging, processor"):
        profile_image(BOTH_TARGETS, "gpu")
    with pytest.raises(ValueError, match="pass the gateway config"):
        profile_image(BOTH_TARGETS, "staging", "local")


def test_the_gateway_defaults_to_the_catalog_and_catalog_in_allowed_images_means_its_k8s_images() -> None:
    config = parse(
        {"images": {"targets": ["k8s", "local"]}, "gateway": {"clusterOptions": {"allowedImages": ["catalog", "x:1"]}}}
    )
    specs = image_specs(config.images, config.gateway)
    resolved = with_catalog_images(config, specs)
    assert resolved.gateway.image.reference == profile_image(config.images, "staging")
    assert resolved.session_image == resolved.gateway.image.reference
    allowed = resolved.gateway.cluster_options.allowed_images
    assert allowed == [*worker_images(specs), "x:1"]
    assert len(worker_images(specs)) == 2 + 4  # two bases, staging and three processors, all k8s
    assert not any(":local-" in image or "/local:" in image or "/jupyter:" in image for image in allowed)


def test_an_image_the_stack_names_stays_the_gateways_default() -> None:
    config = parse({"gateway": {"image": {"name": "ghcr.io/acme/custom", "tag": "1.0"}}})
    resolved = with_catalog_images(config, image_specs(config.images, config.gateway))
    assert resolved.gateway.image.reference == "ghcr.io/acme/custom:1.0"


def test_a_gateway_version_other_than_the_charts_is_rejected_naming_both_keys() -> None:
    message = error_for({"images": {"daskGatewayVersion": "2026.2.0"}})
    assert (
        "dask-platform:images.daskGatewayVersion = \"2026.2.0\": differs from gateway.chart.version '2026.3.0'"
    ) in message
    assert "set both to the same version" in message
    # Both moved together is fine: the images are built for the chart's version.
    same = {"images": {"daskGatewayVersion": "2026.4.0"}, "gateway": {"chart": {"version": "2026.4.0"}}}
    assert parse(same).images.dask_gateway_version == "2026.4.0"


def test_allowed_images_without_catalog_would_reject_the_catalog_default() -> None:
    message = error_for({"gateway": {"clusterOptions": {"allowedImages": ["ghcr.io/dask/dask-gateway:2026.3.0"]}}})
    assert "dask-platform:gateway.clusterOptions.allowedImages" in message
    assert "must include 'catalog'" in message


@pytest.mark.parametrize(
    ("images", "expected"),
    [
        ({"targets": ["local"]}, "must include 'k8s'"),
        ({"targets": ["k8s", "k8s"]}, "must not repeat an entry"),
        ({"defaultProfile": "gpu"}, "defaultProfile 'gpu' is not one of the profiles (staging, processor)"),
        (
            {"processors": {"l1": {"requirements": "processors/l1/requirements.txt", "profile": "gpu"}}},
            "processors.l1.profile 'gpu' is not one of the profiles",
        ),
        ({"processors": {"jupyter": {"requirements": "processors/j/requirements.txt"}}}, "take names the catalog"),
        ({"processors": {"L0": {"requirements": "processors/L0/requirements.txt"}}}, "must be lowercase letters"),
        ({"registry": "GHCR.io/Acme"}, "must be a registry host and optional lowercase path"),
        ({"profiles": {"staging": {"python": "3.13", "dask": "2026.1.2"}}}, "an exact version such as 2026.3.0"),
        (
            {"registryUsername": "bot"},
            "goes together with the secret dask-platform:registryPassword",
        ),
        ({"platforms": ["linux/amd64", "linux/arm64"]}, "loaded into the local Docker daemon"),
    ],
)
def test_image_matrix_mistakes_are_clear_errors(images: dict[str, Any], expected: str) -> None:
    assert expected in error_for({"images": images})


def test_a_registry_password_needs_the_username_it_belongs_to() -> None:
    message = helpers.error_for({"environment": "dev", "registryPassword": "[secret]"}, {"registryPassword"})
    assert "dask-platform:images.registryUsername = null: goes together with the secret" in message
    both = {"environment": "dev", "registryPassword": "[secret]", "images": {"registryUsername": "acme-bot"}}
    config = helpers.parse(both, {"registryPassword"})
    assert config.images.registry_username == "acme-bot"


def test_the_default_profiles_are_the_documented_pairs() -> None:
    profiles = ImagesConfig().profiles
    # Without a baseDigest of their own, they build on the official Python images the platform pins.
    assert {name: profile.model_dump() for name, profile in profiles.items()} == {
        "staging": {**STAGING, "base_digest": None},
        "processor": {**PROCESSOR, "base_digest": None},
    }


def test_every_dask_image_lock_pins_prometheus_client_so_its_processes_serve_metrics() -> None:
    dask_locks = [lock for lock in lock_specs(BOTH_TARGETS) if "/jupyter/locks/server-" not in lock.path]
    assert dask_locks
    for lock in dask_locks:
        assert "prometheus-client==0.26.0" in lock.requirements, lock.path
        assert lock_pins((PROJECT_DIR / lock.path).read_text())["prometheus-client"] == "0.26.0", lock.path


def test_jupyterlabs_server_lock_carries_the_labextension_and_the_default_profiles_client() -> None:
    (server,) = [lock for lock in lock_specs(BOTH_TARGETS) if "/jupyter/locks/server-" in lock.path]
    pins = lock_pins((PROJECT_DIR / server.path).read_text())
    assert pins["dask-labextension"] == "7.0.0"
    assert (pins["dask"], pins["distributed"], pins["dask-gateway"]) == ("2026.1.2", "2026.1.2", "2026.3.0")
    assert server.constraints == ("images/base/locks/py3.13.12-dask2026.1.2-gateway2026.3.0-k8s.txt",)


def test_a_server_lock_of_another_dask_than_the_default_profile_is_reported(repo_copy: Path) -> None:
    lock = repo_copy / "images/jupyter/locks/server-py3.13.12.txt"
    lock.write_text(lock.read_text().replace("distributed==2026.1.2", "distributed==2026.8.0"))
    assert (
        "images/jupyter/locks/server-py3.13.12.txt pins distributed 2026.8.0, the config says 2026.1.2: run "
        "`.venv/bin/python -m tools.lock` and commit the result"
    ) in check_catalog(BOTH_TARGETS, repo_copy)
