"""Base images and the build front-end are pinned by digest, the digest is in the content tag, and the build
harness still builds on stand-in bases where the official image cannot be pulled."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.gateway import GatewayConfig
from config.images import ImagesConfig
from config.stack import PROJECT_DIR
from render.catalog import ImageSpec, image_specs
from tests.helpers import error_for
from tools import standin_bases
from tools.build_images import ImageBuild, _dockerfile_froms, buildah_command, with_standins
from tools.standin_bases import BaseImage, ensure_base

PYTHON_313 = "python:3.13.12-slim-bookworm@sha256:a58daefb915e1e03ad48f3ca4df8832065412c5c35cacb9d39f4229184de12b6"
PYTHON_311 = "python:3.11.7-slim-bookworm@sha256:d11b9bd5e49ea7401753d78f4d3b56f3aec952b85b49bcae88981f0452818e0b"
FRONTEND = "docker/dockerfile:1.7.1@sha256:a57df69d0ea827fb7266491f2813635de6f17269be881f696fbfdf2d83dda33e"
OTHER_DIGEST = "sha256:" + "ab" * 32
DOCKERFILES = sorted([*PROJECT_DIR.glob("images/*/Dockerfile"), *PROJECT_DIR.glob("images/*/*.Dockerfile")])


def specs(**images: object) -> dict[str, ImageSpec]:
    return {spec.key: spec for spec in image_specs(ImagesConfig.model_validate(images), GatewayConfig())}


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda path: f"{path.parent.name}/{path.name}")
def test_every_dockerfile_pins_the_build_front_end_by_digest(dockerfile: Path) -> None:
    assert dockerfile.read_text().splitlines()[0] == f"# syntax={FRONTEND}"


def test_base_and_jupyter_server_images_build_on_the_official_python_image_by_digest() -> None:
    built = specs()
    assert built["base-staging-k8s"].build_args["PYTHON_BASE"] == PYTHON_313
    assert built["base-processor-k8s"].build_args["PYTHON_BASE"] == PYTHON_311
    assert built["jupyter-server"].build_args["PYTHON_BASE"] == PYTHON_313
    for name in ("base/Dockerfile", "jupyter/Dockerfile"):
        froms = _dockerfile_froms(PROJECT_DIR / "images" / name, {"PYTHON_BASE": PYTHON_313})
        assert froms == [PYTHON_313]


def test_a_profiles_own_base_digest_is_built_on_and_changes_its_tags() -> None:
    default = specs()
    pinned = specs(
        profiles={
            "staging": {"python": "3.13.12", "dask": "2026.1.2", "baseDigest": OTHER_DIGEST},
            "processor": {"python": "3.11.7", "dask": "2024.5.2"},
        }
    )
    reference = f"python:3.13.12-slim-bookworm@{OTHER_DIGEST}"
    assert pinned["base-staging-k8s"].build_args["PYTHON_BASE"] == reference
    changed = sorted(key for key in default if default[key].tag != pinned[key].tag)
    # The staging base, the staging image built FROM it, its kernel layer and the Jupyter image chained after it.
    assert changed == ["base-staging-k8s", "jupyter", "jupyter-kernel-staging", "staging-k8s"]


def test_the_jupyter_servers_own_base_digest_changes_the_jupyter_tags() -> None:
    default = specs()
    pinned = specs(jupyter={"baseDigest": OTHER_DIGEST})
    changed = sorted(key for key in default if default[key].tag != pinned[key].tag)
    assert changed == ["jupyter", "jupyter-kernel-staging", "jupyter-server"]


def test_a_base_digest_that_is_not_a_sha256_digest_is_refused_in_one_line() -> None:
    message = error_for(
        {"images": {"profiles": {"staging": {"python": "3.13.12", "dask": "2026.1.2", "baseDigest": "sha256:abc"}}}}
    )
    assert len(message.splitlines()) == 1
    assert "images.profiles.staging.baseDigest" in message
    assert "sha256: followed by 64 lowercase hexadecimal digits" in message


def test_a_python_without_a_known_digest_needs_a_base_digest() -> None:
    message = error_for({"images": {"profiles": {"staging": {"python": "3.12.1", "dask": "2026.1.2"}}}})
    assert len(message.splitlines()) == 1
    assert "no digest is known for python:3.12.1-slim-bookworm: set baseDigest" in message
    assert "docker buildx imagetools inspect python:3.12.1-slim-bookworm" in message


# The build harness on a host that cannot pull: the stand-in carries the tag, the build gets it by build arg.


def fake_podman(monkeypatch: pytest.MonkeyPatch, local: dict[str, str | None]) -> list[str]:
    """Local images by canonical name (value: their stand-in label); returns the references pulls were tried for."""
    pulls: list[str] = []
    monkeypatch.setattr(standin_bases, "image_exists", lambda ref: standin_bases.canonical(ref) in local)
    monkeypatch.setattr(standin_bases, "image_label", lambda ref, _label: local.get(standin_bases.canonical(ref)))
    monkeypatch.setattr(standin_bases, "try_pull", lambda ref, _timeout=0: pulls.append(ref) or False)
    return pulls


def test_a_pinned_base_uses_the_stand_in_of_its_tag_without_pulling(monkeypatch: pytest.MonkeyPatch) -> None:
    pulls = fake_podman(monkeypatch, {"docker.io/library/python:3.13.12-slim-bookworm": "3.13.12"})
    base = ensure_base(PYTHON_313)
    assert base == BaseImage("docker.io/library/python:3.13.12-slim-bookworm", "3.13.12", requested=PYTHON_313)
    assert pulls == []
    assert "STAND-IN (instead of python:3.13.12-slim-bookworm@sha256:a58d" in base.describe()


def test_a_pinned_base_the_host_has_by_digest_is_the_real_one(monkeypatch: pytest.MonkeyPatch) -> None:
    fake_podman(monkeypatch, {f"docker.io/library/{PYTHON_313}": None})
    assert ensure_base(PYTHON_313) == BaseImage(f"docker.io/library/{PYTHON_313}", None)


def test_the_build_gets_the_stand_in_in_the_build_argument_that_named_the_pinned_base() -> None:
    image = ImageBuild(
        key="base-staging-k8s",
        name="dask-images-base-staging-k8s",
        tags=("localhost/dask-platform/dask/dask-gateway:k8s-py3.13.12-2026.1.2-0123456789ab",),
        context="images/base",
        dockerfile="images/base/Dockerfile",
        target="k8s",
        build_args={"PYTHON_BASE": PYTHON_313, "PYTHON_VERSION": "3.13.12"},
        external_bases=(PYTHON_313,),
    )
    standin = BaseImage("docker.io/library/python:3.13.12-slim-bookworm", "3.13.12", requested=PYTHON_313)
    command = buildah_command(with_standins(image, [standin]))
    assert "PYTHON_BASE=docker.io/library/python:3.13.12-slim-bookworm" in command
    assert "PYTHON_VERSION=3.13.12" in command
    real = BaseImage(f"docker.io/library/{PYTHON_313}", None)
    assert f"PYTHON_BASE={PYTHON_313}" in buildah_command(with_standins(image, [real]))
