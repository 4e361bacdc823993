"""Rules between the image catalog and the sections that run its images: versions against the gateway chart,
allowed images against the defaults, pull policies and build targets. ``config/platform.py`` runs them with the
other cross-section rules."""

from __future__ import annotations

from config.images import CATALOG_IMAGES
from config.sections import PlatformSections
from config.types import Problems, cross_section_problem


def catalog_and_gateway(config: PlatformSections) -> Problems:
    images, gateway = config.images, config.gateway
    # A local stack runs no chart: its gateway is the local image's own dask-gateway-server.
    if images.dask_gateway_version != gateway.chart.version and not config.is_local:
        yield cross_section_problem(
            ("images", "daskGatewayVersion"),
            images.dask_gateway_version,
            f"differs from gateway.chart.version {gateway.chart.version!r}: every image's dask-gateway must match "
            "the gateway it talks to; set both to the same version",
        )
    if not images.pushes(config.is_prod) and len(images.platforms) > 1:
        yield cross_section_problem(
            ("images", "platforms"),
            images.platforms,
            "images that are not pushed are loaded into the local Docker daemon, which holds one platform per tag; "
            "build one platform, or set images.push",
        )
    allowed = gateway.cluster_options.allowed_images
    if allowed and gateway.image.from_catalog and CATALOG_IMAGES not in allowed:
        yield cross_section_problem(
            ("gateway", "clusterOptions", "allowedImages"),
            allowed,
            f"the default image comes from the image catalog (images.defaultProfile), so the list must include "
            f"{CATALOG_IMAGES!r}; or set gateway.image.name and tag to an image of the list",
        )
    elif allowed and images.jupyter.enabled and not config.is_local and CATALOG_IMAGES not in allowed:
        # Each kernel's clusters default to its own profile's k8s image, which only 'catalog' can name.
        yield cross_section_problem(
            ("gateway", "clusterOptions", "allowedImages"),
            allowed,
            f"the Jupyter image's kernels each run clusters of their own profile's k8s image, so the list must "
            f"include {CATALOG_IMAGES!r}; or set images.jupyter.enabled: false",
        )
    # The session's clusters default to its own image: one the list leaves out, the gateway would refuse.
    # ('catalog' stands for images whose tags only the catalog knows; see render.catalog.with_catalog_images.)
    session_image = config.session.image
    listed = not allowed or CATALOG_IMAGES in allowed or session_image in allowed
    if config.session_enabled and session_image and not listed:
        yield cross_section_problem(
            ("session", "image"),
            session_image,
            "is the image the session's clusters run by default, so gateway.clusterOptions.allowedImages must "
            "include it",
        )


def pull_policies(config: PlatformSections) -> Problems:
    if not config.images.pushes(config.is_prod):
        return
    never = "a node never pulls with 'Never', and pushed images are only on the registry; use 'IfNotPresent'"
    if config.gateway.image.pull_policy == "Never":
        yield cross_section_problem(("gateway", "image", "pullPolicy"), "Never", never)
    for index, cluster in enumerate(config.clusters):
        if cluster.image_pull_policy == "Never":
            yield cross_section_problem(("clusters", index, "imagePullPolicy"), "Never", never)


def images_targets(config: PlatformSections) -> Problems:
    targets = config.images.targets
    if config.is_local:
        if "targets" in config.images.model_fields_set:
            yield cross_section_problem(
                ("images", "targets"),
                targets,
                "a local stack builds what its containers run (each gateway's local image, Jupyter and what they "
                "are built from); remove it",
            )
    elif "k8s" not in targets:
        yield cross_section_problem(
            ("images", "targets"), targets, "must include 'k8s': the platform's clusters run k8s images"
        )
