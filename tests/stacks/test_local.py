"""The local stack under Pulumi's mocks, and its rendered data: Docker only, no Kubernetes.

What a laptop gets from ``pulumi up -s local``: the images its containers run, a Docker network, a named volume
for notebooks, a gateway container per local image (its ``local`` image, a network name and a port of its own, a
health check, the password as a file) and JupyterLab (the catalog's Jupyter image, after every gateway is
healthy), each port on 127.0.0.1 only; the password is generated when the stack sets none.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import pulumi
import pytest

from components.local import LocalRuntime
from render.catalog import image_specs
from render.local import (
    CLIENT_AUTH_FILE,
    GATEWAY_HEALTH_URL,
    JUPYTER_CONTAINER,
    LOCAL_CATALOG_TARGETS,
    LocalRuntimeSpec,
    SecretFile,
    kernel_gateway_addresses,
    local_images,
    local_runtime,
    memory_megabytes,
    secret_file_content,
)
from render.names import LOCAL_PASSWORD_FILE
from tests.helpers import find, parse, registered_inputs, stack_plan, variant
from tools.plan import Plan

STACK = "local"
CONTAINER = "docker:index/container:Container"
NETWORK = "docker:index/network:Network"
VOLUME = "docker:index/volume:Volume"
IMAGE = "docker-build:index:Image"
RANDOM_PASSWORD = "random:index/randomPassword:RandomPassword"
PASSWORD = "local-test-password-7f3a"
STAGING_GATEWAY = "dask-platform-gateway-base-staging"
PROCESSOR_GATEWAY = "dask-platform-gateway-base-processor"
WITH_PROCESSOR_AND_STAGING = {
    "images": {
        "processors": {"l0": {"requirements": "processors/l0/requirements.txt"}},
        "staging": {"requirements": "images/staging/requirements.txt", "profile": "staging"},
    }
}


def resources() -> list[dict[str, Any]]:
    return stack_plan(STACK).resources


def containers(planned: list[dict[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """The long-running containers: not the one-shot smoke checks (tests/stacks/test_local_smoke.py)."""
    return {
        r["inputs"]["name"]: r["inputs"]
        for r in (planned or resources())
        if r["type"] == CONTAINER and r["inputs"].get("mustRun") is not False
    }


def container(name: str, planned: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    matches = [r for r in (planned or resources()) if r["type"] == CONTAINER and r["inputs"]["name"] == name]
    assert len(matches) == 1, f"expected one container {name}, found {len(matches)}"
    return matches[0]


def by_urn() -> dict[str, dict[str, Any]]:
    return {r["urn"]: r for r in resources()}


def published(planned: list[dict[str, Any]]) -> dict[str, list[tuple[str, int, int]]]:
    return {
        name: [(p["ip"], int(p["external"]), int(p["internal"])) for p in inputs["ports"]]
        for name, inputs in containers(planned).items()
    }


def test_a_local_stack_declares_no_kubernetes_at_all() -> None:
    types = {r["type"] for r in resources()}
    assert not [t for t in types if t.startswith("kubernetes:")], types
    assert {CONTAINER, NETWORK, VOLUME, IMAGE} <= types
    assert sorted(containers()) == [PROCESSOR_GATEWAY, STAGING_GATEWAY, JUPYTER_CONTAINER]


def test_it_builds_what_its_containers_run_and_nothing_else() -> None:
    images = {r["name"].removeprefix("dask-images-"): r for r in resources() if r["type"] == IMAGE}
    assert sorted(images) == [
        "base-processor-k8s",
        "base-processor-local",
        "base-staging-k8s",
        "base-staging-local",
        "jupyter",
        "jupyter-kernel-staging",
        "jupyter-server",
    ]
    for image in images.values():
        assert image["inputs"]["push"] is False and image["inputs"]["load"] is True, image["name"]
    assert container(STAGING_GATEWAY)["inputs"]["image"] == images["base-staging-local"]["inputs"]["tags"][0]
    assert container(PROCESSOR_GATEWAY)["inputs"]["image"] == images["base-processor-local"]["inputs"]["tags"][0]
    assert container(JUPYTER_CONTAINER)["inputs"]["image"] == images["jupyter"]["inputs"]["tags"][0]


def test_each_profile_gets_a_gateway_with_its_own_port_on_loopback() -> None:
    assert published(resources()) == {
        STAGING_GATEWAY: [("127.0.0.1", 8000, 8000)],
        PROCESSOR_GATEWAY: [("127.0.0.1", 8001, 8000)],
        JUPYTER_CONTAINER: [("127.0.0.1", 8888, 8888)],
    }


@pytest.mark.parametrize("name", [STAGING_GATEWAY, PROCESSOR_GATEWAY])
def test_each_gateway_runs_its_image_command_with_a_health_check_it_is_waited_for(name: str) -> None:
    inputs = container(name)["inputs"]
    assert inputs["command"] == ["dask-gateway-server", "--config", "/etc/dask-gateway/dask_gateway_config.py"]
    check = inputs["healthcheck"]
    # The probe runs inside the container, on the container's port, whatever port is published.
    assert check["tests"][:3] == ["CMD", "python", "-c"] and GATEWAY_HEALTH_URL in check["tests"][3]
    assert GATEWAY_HEALTH_URL == "http://127.0.0.1:8000/api/health"
    assert inputs["wait"] is True and inputs["waitTimeout"] > 0
    alias = name.replace("dask-platform-gateway-", "dask-gateway-")
    assert inputs["networksAdvanced"] == [{"name": "dask-platform", "aliases": [alias]}]
    assert inputs["restart"] == "unless-stopped"
    assert (inputs["cpus"], int(inputs["memory"])) == ("2", 4096)
    assert inputs["envs"] == [], "the password never enters a gateway's environment"
    assert inputs["uploads"] == "[secret]"


def test_jupyter_has_no_gateway_settings_in_its_environment_and_keeps_notebooks_on_a_volume() -> None:
    inputs = container(JUPYTER_CONTAINER)["inputs"]
    # Every kernel inherits the container's environment: an address there would send all kernels to one
    # gateway, and a password there would be in every kernel's and worker's environment.
    assert inputs["envs"] == []
    assert inputs["uploads"] == "[secret]"
    assert inputs["volumes"] == [{"volumeName": "dask-platform-notebooks", "containerPath": "/home/jovyan"}]
    assert inputs["command"][:2] == ["jupyter", "lab"] and "--ServerApp.root_dir=/home/jovyan" in inputs["command"]
    assert inputs["networksAdvanced"] == [{"name": "dask-platform"}]
    assert (inputs["cpus"], int(inputs["memory"]), inputs["restart"]) == ("1", 2048, "unless-stopped")


def test_each_resource_waits_for_what_it_needs_only() -> None:
    urns = by_urn()

    def needs(resource: dict[str, Any]) -> list[tuple[str, str]]:
        return sorted((urns[d]["type"], urns[d]["name"]) for d in resource["dependencies"])

    for name, image in ((STAGING_GATEWAY, "base-staging-local"), (PROCESSOR_GATEWAY, "base-processor-local")):
        assert needs(container(name)) == [
            (IMAGE, f"dask-images-{image}"),
            (NETWORK, "dask-local-network"),
            (RANDOM_PASSWORD, "dask-gateway-password"),
        ]
    assert needs(container(JUPYTER_CONTAINER)) == [
        (IMAGE, "dask-images-jupyter"),
        (CONTAINER, f"dask-local-{PROCESSOR_GATEWAY}"),
        (CONTAINER, f"dask-local-{STAGING_GATEWAY}"),
        (NETWORK, "dask-local-network"),
        (VOLUME, "dask-local-volume-dask-platform-notebooks"),
        (RANDOM_PASSWORD, "dask-gateway-password"),
    ]
    for kind in (NETWORK, VOLUME, RANDOM_PASSWORD):
        assert all(not r["dependencies"] for r in resources() if r["type"] == kind)


def test_the_exports_list_every_gateway_and_say_what_to_open() -> None:
    outputs = stack_plan(STACK).outputs
    assert outputs["gatewayUrls"] == {
        "base-staging": "http://127.0.0.1:8000",
        "base-processor": "http://127.0.0.1:8001",
    }
    assert outputs["gatewayAddressesInNetwork"] == {
        "base-staging": "http://dask-gateway-base-staging:8000",
        "base-processor": "http://dask-gateway-base-processor:8000",
    }
    assert outputs["gatewayPassword"] == "[secret]"
    assert outputs["jupyterUrl"] == "http://127.0.0.1:8888/lab"
    assert outputs["jupyterTokenCommand"] == f"docker exec {JUPYTER_CONTAINER} jupyter server list"
    assert outputs["containers"] == [STAGING_GATEWAY, PROCESSOR_GATEWAY, JUPYTER_CONTAINER]
    assert "gatewayAddress" not in outputs and "portForwardCommand" not in outputs


def test_without_a_password_in_config_one_is_generated_and_kept_secret() -> None:
    (generated,) = [r for r in resources() if r["type"] == RANDOM_PASSWORD]
    assert generated["name"] == "dask-gateway-password"
    assert generated["inputs"] == {"length": 32, "special": False}
    # The plan's stand-in for the generated value appears nowhere in clear.
    assert "planned-random-password" not in json.dumps(stack_plan(STACK).resources)
    assert "planned-random-password" not in json.dumps(stack_plan(STACK).outputs)


def test_a_password_in_secret_config_wins_and_reaches_the_containers_only_as_a_secret() -> None:
    planned = variant(STACK, secrets={"gatewayPassword": PASSWORD}).resources
    assert PASSWORD not in repr(planned)
    assert not [r for r in planned if r["type"] == RANDOM_PASSWORD]
    for name, inputs in containers(planned).items():
        assert (inputs["envs"], inputs["uploads"]) == ([], "[secret]"), name


def test_declared_processor_and_staging_images_get_gateways_of_their_own() -> None:
    plan = variant(STACK, WITH_PROCESSOR_AND_STAGING).plan
    assert published(plan.resources) == {
        STAGING_GATEWAY: [("127.0.0.1", 8000, 8000)],
        PROCESSOR_GATEWAY: [("127.0.0.1", 8001, 8000)],
        "dask-platform-gateway-staging": [("127.0.0.1", 8002, 8000)],
        "dask-platform-gateway-processor-l0": [("127.0.0.1", 8003, 8000)],
        JUPYTER_CONTAINER: [("127.0.0.1", 8888, 8888)],
    }
    assert plan.outputs["gatewayUrls"] == {
        "base-staging": "http://127.0.0.1:8000",
        "base-processor": "http://127.0.0.1:8001",
        "staging": "http://127.0.0.1:8002",
        "processor-l0": "http://127.0.0.1:8003",
    }
    images = {
        r["name"].removeprefix("dask-images-"): r["inputs"]["tags"][0] for r in plan.resources if r["type"] == IMAGE
    }
    assert containers(plan.resources)["dask-platform-gateway-processor-l0"]["image"] == images["processor-l0-local"]
    assert containers(plan.resources)["dask-platform-gateway-staging"]["image"] == images["staging-local"]
    assert not [key for key in images if key.startswith(("processor-", "staging-")) and key.endswith("-k8s")]


@functools.cache
def plan_with_own_ports() -> Plan:
    """The local stack with a first gateway port and one gateway's port of its own (planned once; do not change
    it)."""
    return variant(STACK, {"local": {"ports": {"firstGateway": 9000, "gateways": {"base-staging": 18000}}}}).plan


def test_a_gateway_port_of_its_own_and_a_first_port() -> None:
    plan = plan_with_own_ports()
    assert published(plan.resources) == {
        STAGING_GATEWAY: [("127.0.0.1", 18000, 8000)],
        PROCESSOR_GATEWAY: [("127.0.0.1", 9001, 8000)],
        JUPYTER_CONTAINER: [("127.0.0.1", 8888, 8888)],
    }
    assert plan.outputs["gatewayUrls"] == {
        "base-staging": "http://127.0.0.1:18000",
        "base-processor": "http://127.0.0.1:9001",
    }


@pytest.mark.parametrize("name", [STAGING_GATEWAY, PROCESSOR_GATEWAY])
def test_a_gateway_on_a_published_port_of_its_own_is_probed_on_the_containers_port(name: str) -> None:
    # The check runs inside the container, where the gateway listens on 8000 whatever port is published.
    (probe,) = containers(plan_with_own_ports().resources)[name]["healthcheck"]["tests"][3:]
    assert "urlopen('http://127.0.0.1:8000/api/health'" in probe
    assert not any(port in probe for port in ("18000", "9000", "9001"))


def test_settings_change_the_containers() -> None:
    planned = variant(
        STACK,
        {
            "local": {
                "ports": {"jupyter": 18888},
                "volumes": {"notebooks": "my-notebooks"},
                "network": "my-net",
                "restart": "on-failure",
                "gateway": {"cpus": 1.5, "memory": "3g"},
            }
        },
    ).resources
    for name in (STAGING_GATEWAY, PROCESSOR_GATEWAY):
        gateway = container(name, planned)["inputs"]
        assert (gateway["cpus"], int(gateway["memory"]), gateway["restart"]) == ("1.5", 3072, "on-failure")
        assert gateway["networksAdvanced"][0]["name"] == "my-net"
    assert [int(p["external"]) for p in container(JUPYTER_CONTAINER, planned)["inputs"]["ports"]] == [18888]
    assert ":local-py3.11.7-2024.5.2-" in container(PROCESSOR_GATEWAY, planned)["inputs"]["image"]
    assert find(planned, VOLUME, "dask-local-volume-my-notebooks")["inputs"]["name"] == "my-notebooks"
    assert find(planned, NETWORK, "dask-local-network")["inputs"]["name"] == "my-net"


# --- the rendered data ---------------------------------------------------------------------------------------


def runtime(values: dict[str, Any]) -> Any:
    config = parse({"environment": "local", **values})
    images = config.images.model_copy(update={"targets": LOCAL_CATALOG_TARGETS})
    return local_runtime(config, local_images(config, image_specs(images, config.gateway)))


LOCAL_ONLY = {"images": {"processors": {}, "staging": None}}


def test_the_rendered_containers_are_plain_data() -> None:
    spec = runtime(LOCAL_ONLY)
    assert [c.name for c in spec.containers] == [STAGING_GATEWAY, PROCESSOR_GATEWAY, JUPYTER_CONTAINER]
    assert list(spec.gateways) == ["base-staging", "base-processor"]
    assert spec.jupyter.needs == (STAGING_GATEWAY, PROCESSOR_GATEWAY)
    assert all(gateway.wait_healthy for gateway in spec.gateways.values())
    assert all(port.ip == "127.0.0.1" for c in spec.containers for port in c.ports)
    assert [g.image_key for g in spec.gateways.values()] == ["base-staging-local", "base-processor-local"]


def test_the_password_goes_to_files_only_the_images_user_reads() -> None:
    spec = runtime(LOCAL_ONLY)
    for gateway in spec.gateways.values():
        assert gateway.secret_files == (SecretFile("/etc/dask-gateway/password", "password", "1000", "1000", "0600"),)
    assert spec.jupyter.secret_files == (
        SecretFile("/etc/dask/dask-platform-auth.yaml", "dask-config", "1000", "1000", "0600"),
    )
    assert LOCAL_PASSWORD_FILE == "/etc/dask-gateway/password" and CLIENT_AUTH_FILE.startswith("/etc/dask/")
    assert all(not container.env for container in spec.containers)


def test_the_secret_files_hold_the_password_as_each_reader_expects() -> None:
    (gateway_file,) = runtime(LOCAL_ONLY).gateways["base-staging"].secret_files
    (client_file,) = runtime(LOCAL_ONLY).jupyter.secret_files
    assert secret_file_content(gateway_file, 'p"w:d') == 'p"w:d'
    assert secret_file_content(client_file, 'p"w:d') == (
        '{"gateway": {"auth": {"type": "basic", "kwargs": {"password": "p\\"w:d"}}}}\n'
    )


def test_each_kernel_defaults_to_the_gateway_of_its_profiles_base_image() -> None:
    config = parse({"environment": "local", **LOCAL_ONLY})
    assert kernel_gateway_addresses(config) == {
        "staging": "http://dask-gateway-base-staging:8000",
        "processor": "http://dask-gateway-base-processor:8000",
    }


def test_only_a_local_stack_renders_containers() -> None:
    config = parse({"environment": "dev"})
    with pytest.raises(ValueError, match="only a local stack"):
        local_runtime(config, image_specs(config.images, config.gateway))


@pytest.mark.parametrize(("size", "megabytes"), [("512m", 512), ("4g", 4096), ("1g", 1024)])
def test_memory_sizes_in_megabytes(size: str, megabytes: int) -> None:
    assert memory_megabytes(size) == megabytes


def test_each_kernel_layer_points_its_kernel_at_its_own_gateway_with_basic_auth() -> None:
    layers = {
        r["inputs"]["buildArgs"]["KERNEL_NAME"]: json.loads(r["inputs"]["buildArgs"]["KERNEL_DASK_CONFIG"])
        for r in resources()
        if r["type"] == IMAGE and "KERNEL_DASK_CONFIG" in r["inputs"]["buildArgs"]
    }
    # Local clusters are the gateway's processes: there is no image to choose, so no default options.
    assert layers == {
        "staging": {
            "gateway": {
                "address": "http://dask-gateway-base-staging:8000",
                "auth": {"type": "basic"},
                "cluster": {"options": {}},
            }
        },
        "processor": {
            "gateway": {
                "address": "http://dask-gateway-base-processor:8000",
                "auth": {"type": "basic"},
                "cluster": {"options": {}},
            }
        },
    }


SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"
SECRET_SIGNATURE_VALUE = "1b47061264138c4ac30d75fd1eb44270"
"""How Pulumi's wire format marks a secret value: ``{SECRET_SIGNATURE: SECRET_SIGNATURE_VALUE, "value": ...}``."""


def _provider_inputs(spec: LocalRuntimeSpec, password: str) -> dict[str, dict[str, Any]]:
    """What ``LocalRuntime`` hands pulumi-docker for ``spec``."""

    def local_runtime() -> pulumi.Resource:
        images = {c.image_key: pulumi.ComponentResource("test:index:Built", c.image_key) for c in spec.containers}
        return LocalRuntime("t", spec, images, pulumi.Output.secret(password))

    return registered_inputs(local_runtime)


def test_pulumi_docker_gets_each_password_file_with_its_owner_mode_and_content() -> None:
    inputs = _provider_inputs(runtime(LOCAL_ONLY), 'p"w:d')
    uploads = {name.removeprefix("t-"): each["uploads"] for name, each in inputs.items() if "uploads" in each}
    # The provider gets every upload list as a secret: encrypted in state, never shown.
    assert all(value.get(SECRET_SIGNATURE) == SECRET_SIGNATURE_VALUE for value in uploads.values()), uploads
    uploads = {name: value["value"] for name, value in uploads.items()}
    gateway_file = {
        "file": "/etc/dask-gateway/password",
        "content": 'p"w:d',
        "owner": "1000",
        "group": "1000",
        "permissions": "0600",
    }
    assert uploads == {
        STAGING_GATEWAY: [gateway_file],
        PROCESSOR_GATEWAY: [gateway_file],
        JUPYTER_CONTAINER: [
            {
                "file": "/etc/dask/dask-platform-auth.yaml",
                "content": '{"gateway": {"auth": {"type": "basic", "kwargs": {"password": "p\\"w:d"}}}}\n',
                "owner": "1000",
                "group": "1000",
                "permissions": "0600",
            }
        ],
    }
