"""The local stack under Pulumi's mocks, and its rendered data: Docker only, no Kubernetes.

What a laptop gets from ``pulumi up -s local``: the images its containers run, a Docker network, a named volume
for notebooks, the gateway container (the gateway profile's ``local`` image, a health check, the password as a
secret) and JupyterLab (the catalog's Jupyter image, ``Gateway()`` configured, after the gateway is healthy),
each port on 127.0.0.1 only.
"""

from __future__ import annotations

from typing import Any

import pytest

from render.catalog import image_specs
from render.local import (
    GATEWAY_CONTAINER,
    GATEWAY_HEALTH_URL,
    JUPYTER_CONTAINER,
    LOCAL_CATALOG_TARGETS,
    local_images,
    local_runtime,
    memory_megabytes,
)
from render.names import PASSWORD_ENV
from render.session import CLIENT_PASSWORD_ENV
from tests.helpers import find, parse, plan_variant, stack_plan

STACK = "local"
CONTAINER = "docker:index/container:Container"
NETWORK = "docker:index/network:Network"
VOLUME = "docker:index/volume:Volume"
IMAGE = "docker-build:index:Image"
PASSWORD = "local-test-password-7f3a"


def resources() -> list[dict[str, Any]]:
    return stack_plan(STACK).resources


def container(name: str, planned: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    matches = [r for r in (planned or resources()) if r["type"] == CONTAINER and r["inputs"]["name"] == name]
    assert len(matches) == 1, f"expected one container {name}, found {len(matches)}"
    return matches[0]


def by_urn() -> dict[str, dict[str, Any]]:
    return {r["urn"]: r for r in resources()}


def test_a_local_stack_declares_no_kubernetes_at_all() -> None:
    types = {r["type"] for r in resources()}
    assert not [t for t in types if t.startswith("kubernetes:")], types
    assert {CONTAINER, NETWORK, VOLUME, IMAGE} <= types
    # Besides the one-shot smoke check containers (tests/stacks/test_local_smoke.py).
    long_running = [r for r in resources() if r["type"] == CONTAINER and r["inputs"].get("mustRun") is not False]
    assert sorted(r["inputs"]["name"] for r in long_running) == [
        GATEWAY_CONTAINER,
        JUPYTER_CONTAINER,
    ]


def test_it_builds_what_its_containers_run_and_nothing_else() -> None:
    images = {r["name"].removeprefix("dask-images-"): r for r in resources() if r["type"] == IMAGE}
    assert "base-staging-local" in images and "jupyter" in images
    # Processors and staging images are for clusters on Kubernetes; the laptop builds none of them.
    assert not [key for key in images if key.startswith(("processor-", "staging-"))], sorted(images)
    assert not [key for key in images if key.startswith("base-processor-local")], sorted(images)
    for image in images.values():
        assert image["inputs"]["push"] is False and image["inputs"]["load"] is True, image["name"]
    gateway_image = images["base-staging-local"]
    assert container(GATEWAY_CONTAINER)["inputs"]["image"] == gateway_image["inputs"]["tags"][0]
    assert container(JUPYTER_CONTAINER)["inputs"]["image"] == images["jupyter"]["inputs"]["tags"][0]


def test_ports_are_published_on_loopback_only() -> None:
    published = {
        r["inputs"]["name"]: [(p["ip"], int(p["external"]), int(p["internal"])) for p in r["inputs"]["ports"]]
        for r in resources()
        if r["type"] == CONTAINER and "ports" in r["inputs"]
    }
    assert published == {
        GATEWAY_CONTAINER: [("127.0.0.1", 8000, 8000)],
        JUPYTER_CONTAINER: [("127.0.0.1", 8888, 8888)],
    }


def test_the_gateway_runs_its_image_command_with_a_health_check_it_is_waited_for() -> None:
    inputs = container(GATEWAY_CONTAINER)["inputs"]
    assert inputs["command"] == ["dask-gateway-server", "--config", "/etc/dask-gateway/dask_gateway_config.py"]
    check = inputs["healthcheck"]
    assert check["tests"][:3] == ["CMD", "python", "-c"] and GATEWAY_HEALTH_URL in check["tests"][3]
    assert inputs["wait"] is True and inputs["waitTimeout"] > 0
    assert inputs["networksAdvanced"] == [{"name": "dask-platform", "aliases": ["dask-gateway"]}]
    assert inputs["restart"] == "unless-stopped"
    assert (inputs["cpus"], int(inputs["memory"])) == ("2", 4096)
    assert inputs["envs"] == [], "without a password the gateway gets no password variable"


def test_jupyter_finds_the_gateway_in_every_kernel_and_keeps_notebooks_on_a_volume() -> None:
    inputs = container(JUPYTER_CONTAINER)["inputs"]
    env = dict(entry.split("=", 1) for entry in inputs["envs"])
    assert env["DASK_GATEWAY__ADDRESS"] == "http://dask-gateway:8000"
    assert env["DASK_GATEWAY__AUTH__TYPE"] == "basic"
    assert inputs["volumes"] == [{"volumeName": "dask-platform-notebooks", "containerPath": "/home/jovyan"}]
    assert inputs["command"][:2] == ["jupyter", "lab"] and "--ServerApp.root_dir=/home/jovyan" in inputs["command"]
    assert inputs["networksAdvanced"] == [{"name": "dask-platform"}]
    assert (inputs["cpus"], int(inputs["memory"]), inputs["restart"]) == ("1", 2048, "unless-stopped")


def test_each_resource_waits_for_what_it_needs_only() -> None:
    urns = by_urn()

    def needs(resource: dict[str, Any]) -> list[tuple[str, str]]:
        return sorted((urns[d]["type"], urns[d]["name"]) for d in resource["dependencies"])

    assert needs(container(GATEWAY_CONTAINER)) == [
        (IMAGE, "dask-images-base-staging-local"),
        (NETWORK, "dask-local-network"),
    ]
    assert needs(container(JUPYTER_CONTAINER)) == [
        (IMAGE, "dask-images-jupyter"),
        (CONTAINER, f"dask-local-{GATEWAY_CONTAINER}"),
        (NETWORK, "dask-local-network"),
        (VOLUME, "dask-local-volume-dask-platform-notebooks"),
    ]
    for kind in (NETWORK, VOLUME):
        assert all(not r["dependencies"] for r in resources() if r["type"] == kind)


def test_the_exports_say_what_to_open() -> None:
    outputs = stack_plan(STACK).outputs
    assert outputs["gatewayUrl"] == "http://127.0.0.1:8000"
    assert outputs["jupyterUrl"] == "http://127.0.0.1:8888/lab"
    assert outputs["jupyterTokenCommand"] == f"docker exec {JUPYTER_CONTAINER} jupyter server list"
    assert outputs["gatewayAddressInNetwork"] == "http://dask-gateway:8000"
    assert "gatewayAddress" not in outputs and "portForwardCommand" not in outputs


def test_the_password_reaches_both_containers_only_as_a_secret() -> None:
    planned = plan_variant(STACK, secrets={"gatewayPassword": PASSWORD})
    assert PASSWORD not in repr(planned)
    # Pulumi keeps a list that holds a secret secret as a whole: encrypted in state, "[secret]" in the plan.
    for name in (GATEWAY_CONTAINER, JUPYTER_CONTAINER):
        assert container(name, planned)["inputs"]["envs"] == "[secret]", name


def test_settings_change_the_containers() -> None:
    planned = plan_variant(
        STACK,
        {
            "local": {
                "ports": {"gateway": 18000, "jupyter": 18888},
                "volumes": {"notebooks": "my-notebooks"},
                "network": "my-net",
                "restart": "on-failure",
                "gateway": {"cpus": 1.5, "memory": "3g"},
                "gatewayProfile": "processor",
            }
        },
    )
    gateway = container(GATEWAY_CONTAINER, planned)["inputs"]
    assert [(p["ip"], int(p["external"])) for p in gateway["ports"]] == [("127.0.0.1", 18000)]
    assert (gateway["cpus"], int(gateway["memory"]), gateway["restart"]) == ("1.5", 3072, "on-failure")
    assert ":local-py3.11.7-2024.5.2-" in gateway["image"]
    assert find(planned, VOLUME, "dask-local-volume-my-notebooks")["inputs"]["name"] == "my-notebooks"
    assert find(planned, NETWORK, "dask-local-network")["inputs"]["name"] == "my-net"


# --- the rendered data ---------------------------------------------------------------------------------------


def runtime(values: dict[str, Any]) -> Any:
    config = parse({"environment": "local", **values})
    images = config.images.model_copy(update={"targets": LOCAL_CATALOG_TARGETS})
    return local_runtime(config, local_images(config, image_specs(images, config.gateway)))


def test_the_rendered_containers_are_plain_data() -> None:
    spec = runtime({})
    assert [c.name for c in spec.containers] == [GATEWAY_CONTAINER, JUPYTER_CONTAINER]
    assert spec.gateway.password_env == (PASSWORD_ENV,) and spec.jupyter.password_env == (CLIENT_PASSWORD_ENV,)
    assert spec.jupyter.needs == (GATEWAY_CONTAINER,) and spec.gateway.wait_healthy
    assert all(port.ip == "127.0.0.1" for c in spec.containers for port in c.ports)
    assert spec.gateway.image_key == "base-staging-local"


def test_only_a_local_stack_renders_containers() -> None:
    config = parse({"environment": "dev"})
    with pytest.raises(ValueError, match="only a local stack"):
        local_runtime(config, image_specs(config.images, config.gateway))


@pytest.mark.parametrize(("size", "megabytes"), [("512m", 512), ("4g", 4096), ("1g", 1024)])
def test_memory_sizes_in_megabytes(size: str, megabytes: int) -> None:
    assert memory_megabytes(size) == megabytes
