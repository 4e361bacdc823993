"""Supply chain: what the stack installs and runs comes from pinned, allowed sources, and its images agree on
the versions that must match.

Clients, schedulers and workers only talk to each other when dask, distributed and dask-gateway match. The image
catalog (``render/catalog.py``) passes the versions to every build as build arguments; lock contents are checked
against them by ``catalog.check_catalog``. Here what the stack builds is checked: every image carries the gateway
chart's dask-gateway version, and an image built FROM another carries its base's Dask version.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import TypeAdapter, ValidationError

from config.types import ExactVersion
from policy.inputs import containers, describe_container, get, items, walk
from policy.model import DOCKER_BUILD_IMAGE, HELM_TYPES, PolicyContext, Resource, Rule

_EXACT_VERSION: TypeAdapter[str] = TypeAdapter(ExactVersion)


def _chart_repository(inputs: Mapping[str, Any]) -> str | None:
    repository = get(inputs, "repositoryOpts.repo")
    if repository:
        return str(repository)
    chart = str(inputs.get("chart") or "")
    if chart.startswith("oci://"):
        return chart.rsplit("/", 1)[0]
    return None


def check_chart_pinned(resource: Resource, context: PolicyContext) -> Iterator[str]:
    if resource.type not in HELM_TYPES:
        return
    chart = resource.inputs.get("chart")
    version = resource.inputs.get("version")
    try:
        _EXACT_VERSION.validate_python(version)
    except ValidationError:
        yield (
            f"chart {chart!r} has version {version!r}: pin an exact version such as 2026.3.0 "
            "(no range, no 'latest', never empty) in the stack's chart.version"
        )
    allowed = ", ".join(context.allowed_chart_repositories)
    repository = _chart_repository(resource.inputs)
    if repository is None:
        yield f"chart {chart!r} names no repository: install it from an allowed repository ({allowed})"
    elif repository.rstrip("/") not in {r.rstrip("/") for r in context.allowed_chart_repositories}:
        yield (
            f"chart {chart!r} comes from {repository!r}, which is not an allowed chart repository: "
            f"use one of {allowed}, or add it to the policy pack's allowedRepositories"
        )


def split_image_reference(reference: str) -> tuple[str, str | None, str | None]:
    """``(repository, tag, digest)`` of ``registry/name:tag@sha256:...``; a port in the registry is no tag."""
    name, _, digest = reference.partition("@")
    last_slash = name.rfind("/")
    colon = name.rfind(":")
    if colon > last_slash:
        return name[:colon], name[colon + 1 :], digest or None
    return name, None, digest or None


def _chart_image(value: Any) -> str | None:
    """An image in chart values: ``{name|repository, tag, digest}`` as the dask charts and most others write it."""
    if isinstance(value, str):
        return value or None
    if not isinstance(value, Mapping):
        return None
    repository = value.get("name") or value.get("repository")
    if not isinstance(repository, str) or not repository:
        return None
    registry = value.get("registry")
    reference = f"{registry}/{repository}" if isinstance(registry, str) and registry else repository
    if value.get("tag"):
        reference += f":{value['tag']}"
    if value.get("digest"):
        reference += f"@{value['digest']}"
    return reference


def _images(resource: Resource) -> Iterator[tuple[str, str]]:
    """(where, image reference) for every image the resource runs or builds."""
    if resource.type in HELM_TYPES:
        for path, value in walk(resource.chart_values):
            if path.rsplit(".", 1)[-1] == "image" and (reference := _chart_image(value)):
                yield f"chart values {path}", reference
    elif resource.type == DOCKER_BUILD_IMAGE:
        for tag in items(resource.inputs.get("tags")):
            yield "image build tag", str(tag)
    else:
        for path, container in containers(resource.inputs):
            if isinstance(container.get("image"), str):
                yield describe_container(path, container), container["image"]


def _under_prefix(repository: str, prefix: str) -> bool:
    prefix = prefix.rstrip("/")
    return repository == prefix or repository.startswith(prefix + "/")


def check_images(resource: Resource, context: PolicyContext) -> Iterator[str]:
    for where, reference in _images(resource):
        repository, tag, digest = split_image_reference(reference)
        if digest is None and tag in (None, "latest"):
            problem = "is untagged" if tag is None else "uses the moving tag 'latest'"
            yield (
                f"{where}: image {reference!r} {problem}: pin it to a version tag or a digest "
                f"({repository}:<version> or {repository}@sha256:<digest>)"
            )
        if not any(_under_prefix(repository, prefix) for prefix in context.image_prefixes):
            yield (
                f"{where}: image {reference!r} is not from the stack's registry or the allowed list "
                f"({', '.join(context.image_prefixes)}): push it to the stack's images.registry, "
                "or add its repository to the policy pack's allowedImagePrefixes"
            )


def built_images(resources: Sequence[Resource]) -> frozenset[str]:
    """The tags of every image the stack builds."""
    return frozenset(str(tag) for r in resources if r.type == DOCKER_BUILD_IMAGE for tag in items(r.inputs.get("tags")))


def _build_args(resource: Resource) -> Mapping[str, Any]:
    args = resource.inputs.get("buildArgs")
    return args if isinstance(args, Mapping) else {}


def check_image_gateway_version(resource: Resource, context: PolicyContext) -> Iterator[str]:
    if resource.type != DOCKER_BUILD_IMAGE or not context.gateway_chart_version:
        return
    version = _build_args(resource).get("DASK_GATEWAY_VERSION")
    if version and version != context.gateway_chart_version:
        yield (
            f"the image is built with dask-gateway {version} but the gateway chart is "
            f"{context.gateway_chart_version}: clients and clusters must share it; set images.daskGatewayVersion "
            "to the chart version (or move gateway.chart.version with it)"
        )


def check_base_dask_version(resources: Sequence[Resource], context: PolicyContext) -> Iterator[tuple[Resource, str]]:
    images = [resource for resource in resources if resource.type == DOCKER_BUILD_IMAGE]
    # A built image's reference may carry its digest (name:tag@sha256:...); its tag identifies it.
    by_tag = {str(tag): image for image in images for tag in items(image.inputs.get("tags"))}
    for image in images:
        args = _build_args(image)
        # A Jupyter kernel layer builds FROM the Jupyter image so far, but its kernel is KERNEL_IMAGE's environment.
        source = args.get("KERNEL_IMAGE") or args.get("BASE_IMAGE") or ""
        base = by_tag.get(str(source).partition("@")[0])
        base_dask = _build_args(base).get("DASK_VERSION") if base else None
        if base_dask and args.get("DASK_VERSION") and args["DASK_VERSION"] != base_dask:
            yield (
                image,
                f"the image installs Dask {args['DASK_VERSION']} on a base with Dask {base_dask}: "
                "an image and the image it builds FROM belong to one profile; build it from that profile's base",
            )


RULES: tuple[Rule, ...] = (
    Rule(
        "helm-chart-pinned",
        "Helm charts are pinned to an exact version from an allowed repository.",
        "mandatory",
        check_chart_pinned,
    ),
    Rule(
        "images-pinned-and-allowed",
        "Images are pinned by tag or digest (never 'latest' or untagged) and come from the stack's registry or "
        "the allowed list.",
        "advisory",
        check_images,
    ),
    Rule(
        "image-gateway-version",
        "Every image is built with the gateway chart's dask-gateway version.",
        "mandatory",
        check_image_gateway_version,
    ),
    Rule(
        "image-base-dask-version",
        "An image built FROM another carries its base's Dask version: the images of a profile share it.",
        "mandatory",
        stack_check=check_base_dask_version,
    ),
)
