"""Every Dask client of the platform defaults to clusters of its own profile: each Jupyter kernel through a dask
config file in its own prefix, the session through dask's environment variables (``render/kernels.py``).

The options are run through dask's own config readers, dask_gateway's own default resolution and
dask-gateway-server's Kubernetes backend with the shipped handler, so the image checked is what a cluster gets."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import dask.config
import pytest
from dask_gateway.client import format_template
from dask_gateway.options import Options as ClientOptions
from dask_gateway_server.backends.kubernetes import KubeBackend

from config.gateway import GatewayConfig
from config.platform import PlatformConfig
from render.catalog import image_specs, profile_image, with_catalog_images
from render.chart_values import gateway_values
from render.gateway_options import gateway_data_of_env
from render.kernels import (
    KERNEL_DASK_CONFIG_FILE,
    dask_config_env,
    dask_config_text,
    jupyter_server_config,
    kernel_dask_config,
    kernel_dask_configs,
)
from render.session import session_deployment
from shipped.gateway_config import cluster_options
from tests.helpers import cluster_config_for, error_for, kubernetes_backend, parse

STAGING_IMAGE = "registry.example.org/acme/dask/dask-gateway:k8s-py3.13.12-2026.1.2-0123456789ab"
PROCESSOR_IMAGE = "registry.example.org/acme/dask/dask-gateway:k8s-py3.11.7-2024.5.2-ba9876543210"
KERNEL_IMAGES = {"staging": STAGING_IMAGE, "processor": PROCESSOR_IMAGE}
BY_PROFILE = GatewayConfig.model_validate({"profileOption": {"enabled": True}})
RESTRICTED = {"clusterOptions": {"allowedImages": ["catalog"]}}


# --- the rendered configuration ----------------------------------------------------------------------------


def test_without_the_profile_option_each_kernel_defaults_to_its_profiles_image() -> None:
    assert kernel_dask_configs(GatewayConfig(), KERNEL_IMAGES, on_kubernetes=True) == {
        "staging": {"gateway": {"cluster": {"options": {"image": STAGING_IMAGE}}}},
        "processor": {"gateway": {"cluster": {"options": {"image": PROCESSOR_IMAGE}}}},
    }


def test_with_the_profile_option_each_kernel_defaults_to_its_profile() -> None:
    assert kernel_dask_configs(BY_PROFILE, KERNEL_IMAGES, on_kubernetes=True) == {
        "staging": {"gateway": {"cluster": {"options": {"profile": "staging"}}}},
        "processor": {"gateway": {"cluster": {"options": {"profile": "processor"}}}},
    }


def test_kernels_without_kubernetes_choose_no_image_and_may_name_a_gateway_of_their_own() -> None:
    configs = kernel_dask_configs(
        GatewayConfig(),
        {"staging": "localhost/dask-platform/dask/dask-gateway:local-py3.13.12-2026.1.2-0123456789ab"},
        on_kubernetes=False,
        gateway_addresses={"staging": "http://dask-gateway-staging:8000"},
        auth_type="basic",
    )
    assert configs == {
        "staging": {
            "gateway": {
                "address": "http://dask-gateway-staging:8000",
                "auth": {"type": "basic"},
                "cluster": {"options": {}},
            }
        }
    }


def test_a_kernels_config_file_is_read_by_dask_from_the_kernels_own_prefix(tmp_path: Path) -> None:
    config = kernel_dask_config({"image": PROCESSOR_IMAGE})
    file = tmp_path / KERNEL_DASK_CONFIG_FILE
    file.parent.mkdir(parents=True)
    file.write_text(dask_config_text(config) + "\n")
    assert KERNEL_DASK_CONFIG_FILE == "etc/dask/dask-platform.yaml"
    # dask reads {sys.prefix}/etc/dask, and the kernel's environment is its own prefix.
    assert os.path.join(sys.prefix, "etc", "dask") in dask.config.paths
    assert list(dask.config.collect_yaml([str(file.parent)])) == [config]


def test_the_sessions_variables_are_read_by_dask_as_the_same_config() -> None:
    config = kernel_dask_config({"profile": "1"}, address="http://gateway:80", auth_type="jupyterhub")
    environment = dask_config_env(config)
    assert environment == {
        "DASK_GATEWAY__ADDRESS": "http://gateway:80",
        "DASK_GATEWAY__AUTH__TYPE": "jupyterhub",
        # dask parses values as Python literals: a profile named 1 stays the text "1".
        "DASK_GATEWAY__CLUSTER__OPTIONS__PROFILE": "'1'",
    }
    assert dask.config.collect_env(environment) == config


def test_jupyter_offers_no_kernel_of_its_own_and_starts_the_default_profiles_by_default() -> None:
    assert jupyter_server_config("staging") == {
        "KernelSpecManager": {"ensure_native_kernel": False},
        "MultiKernelManager": {"default_kernel_name": "dask-staging"},
    }


# --- through dask_gateway and dask-gateway-server ----------------------------------------------------------


def _backend(config: PlatformConfig, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[KubeBackend, Any]:
    values = gateway_values(config, password_secret_name=None)
    data = gateway_data_of_env(values["gateway"]["env"])
    assert data is not None
    return kubernetes_backend(data, tmp_path, monkeypatch), data


def _kernel_options(config: PlatformConfig) -> dict[str, dict[str, Any]]:
    """Each kernel's default options, by profile, from the build argument its layer is built with."""
    layers = [spec for spec in image_specs(config.images, config.gateway) if "KERNEL_DASK_CONFIG" in spec.build_args]
    return {
        spec.build_args["KERNEL_NAME"]: json.loads(spec.build_args["KERNEL_DASK_CONFIG"])["gateway"]["cluster"][
            "options"
        ]
        for spec in layers
    }


def images_of_default_clusters(
    config: PlatformConfig, options: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str]:
    """The image of a cluster from ``new_cluster()`` (dask_gateway posts the configured options) and from
    ``new_cluster(gateway.cluster_options())`` (the server's options, the configured ones applied over them)."""
    backend, data = _backend(config, tmp_path, monkeypatch)
    offered = ClientOptions._from_spec(cluster_options(data).get_specification())
    offered.update({key: format_template(value) for key, value in options.items()})
    return cluster_config_for(backend, options).image, cluster_config_for(backend, dict(offered)).image


@pytest.mark.parametrize(
    "gateway",
    [
        pytest.param({}, id="dev: image option"),
        pytest.param({"profileOption": {"enabled": True}, **RESTRICTED}, id="prod: profile option, allowed images"),
        pytest.param(RESTRICTED, id="image option, allowed images"),
    ],
)
def test_every_kernels_default_cluster_runs_its_profiles_image(
    gateway: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = parse({"environment": "dev", "gateway": gateway})
    resolved = with_catalog_images(config, image_specs(config.images, config.gateway))
    kernels = _kernel_options(config)
    assert set(kernels) == {"staging", "processor"}
    for profile, options in kernels.items():
        expected = profile_image(config.images, profile)
        assert images_of_default_clusters(resolved, options, tmp_path, monkeypatch) == (expected, expected), profile
    # Without its config the processor kernel would get the gateway's default, the staging image.
    assert (
        images_of_default_clusters(resolved, {}, tmp_path, monkeypatch)
        == (profile_image(config.images, "staging"),) * 2
    )


def test_a_user_still_picks_another_profile_explicitly(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = parse({"environment": "dev", "gateway": {"profileOption": {"enabled": True}}})
    resolved = with_catalog_images(config, image_specs(config.images, config.gateway))
    backend, _ = _backend(resolved, tmp_path, monkeypatch)
    # new_cluster(profile="staging") in the processor kernel: keyword arguments go over the configured options.
    request = {**_kernel_options(config)["processor"], "profile": "staging"}
    assert cluster_config_for(backend, request).image == profile_image(config.images, "staging")


def _session_options(config: PlatformConfig) -> dict[str, Any]:
    (container,) = session_deployment(config, with_password=False)["spec"]["template"]["spec"]["containers"]
    environment = {item["name"]: item["value"] for item in container["env"]}
    assert environment["DASK_WORKER_IMAGE"] == container["image"]
    options: dict[str, Any] = dask.config.collect_env(environment)["gateway"]["cluster"]["options"]
    return options


@pytest.mark.parametrize(
    ("gateway", "expected_options"),
    [
        pytest.param({}, {"image": "image"}, id="image option"),
        pytest.param({"profileOption": {"enabled": True}}, {"profile": "processor"}, id="profile option"),
    ],
)
def test_the_sessions_default_cluster_runs_its_own_image_whatever_the_default_profile(
    gateway: dict[str, Any], expected_options: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = parse({"environment": "dev", "gateway": gateway, "session": {"enabled": True}})
    processor = profile_image(config.images, "processor")
    resolved = with_catalog_images(config, image_specs(config.images, config.gateway))
    resolved = resolved.model_copy(update={"session": resolved.session.model_copy(update={"image": processor})})
    options = _session_options(resolved)
    assert options == {key: processor if value == "image" else value for key, value in expected_options.items()}
    assert images_of_default_clusters(resolved, options, tmp_path, monkeypatch) == (processor, processor)


def test_allowed_images_without_the_catalog_would_refuse_every_kernels_image() -> None:
    values = {
        "environment": "dev",
        "gateway": {
            "image": {"name": "ghcr.io/acme/dask", "tag": "1.0"},
            "clusterOptions": {"allowedImages": ["ghcr.io/acme/dask:1.0"]},
        },
    }
    assert error_for(values) == (
        'Pulumi.test.yaml: dask-platform:gateway.clusterOptions.allowedImages = ["ghcr.io/acme/dask:1.0"]: the '
        "Jupyter image's kernels each run clusters of their own profile's k8s image, so the list must include "
        "'catalog'; or set images.jupyter.enabled: false"
    )
    assert parse({**values, "images": {"jupyter": {"enabled": False}}}).images.jupyter.enabled is False


def test_a_session_image_the_gateway_would_refuse_is_rejected_at_plan_time() -> None:
    allowed = ["ghcr.io/acme/dask:1.0"]
    values = {
        "environment": "dev",
        "images": {"jupyter": {"enabled": False}},
        "gateway": {"image": {"name": "ghcr.io/acme/dask", "tag": "1.0"}, "clusterOptions": {"allowedImages": allowed}},
        "session": {"image": "ghcr.io/acme/other:2.0"},
    }
    assert error_for(values) == (
        'Pulumi.test.yaml: dask-platform:session.image = "ghcr.io/acme/other:2.0": is the image the session\'s '
        "clusters run by default, so gateway.clusterOptions.allowedImages must include it"
    )
    allowed_too = {
        **values,
        "gateway": {**values["gateway"], "clusterOptions": {"allowedImages": [*allowed, "ghcr.io/acme/other:2.0"]}},
    }
    assert parse(allowed_too).session.image == "ghcr.io/acme/other:2.0"
