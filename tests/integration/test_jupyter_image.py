"""The built Jupyter image of the k8s stacks (dev, prod), and the dev session, as users meet them: every Dask client
defaults to clusters of its own profile, and JupyterLab offers the profiles' kernels and no other.

Each client's defaults are taken inside its image, with its own interpreter and environment, as dask_gateway
resolves them (``image_checks/client_defaults.py``); they then go through dask-gateway-server's Kubernetes
backend with the stack's shipped handler and data, exactly as the gateway pod handles a new cluster. Only the
Jupyter image and what it is built FROM are built (``tools.build_images``, buildah's layer cache).
"""

from __future__ import annotations

import json
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from shipped.gateway_config import cluster_options
from tests.helpers import cluster_config_for, free_ports, gateway_data, kubernetes_backend
from tests.integration.test_image_builds import run_json, services
from tools.build_images import BuildError, ImageBuild, build_all, build_order, plan_stack, read_plan

pytestmark = pytest.mark.slow

KERNELS_CHECK = "/checks/kernels.py"
CLIENT_CHECK = "/checks/client_defaults.py"
SERVER_READY = "jupyterlab | extension was successfully started."
"""The server binds its port in the event loop's first callback and starts its extensions in the next, logging
this at debug level; its "is running at" line comes before either."""
DEPLOYMENT = "kubernetes:apps/v1:Deployment"


class StackImages:
    """One stack's plan, and a way to build its images."""

    def __init__(self, stack: str, out: Path) -> None:
        self.out = out
        resources_json = plan_stack(stack, out)
        self.resources: list[dict[str, Any]] = json.loads(resources_json.read_text())
        self.images = {image.key: image for image in read_plan(resources_json)}

    def build(self, key: str) -> ImageBuild:
        """The image ``key`` and what it is built FROM, built (cached layers are reused)."""
        try:
            build_all(build_order(list(self.images.values()), [key]), log_dir=self.out / "logs", report=lambda _: None)
        except BuildError as error:
            pytest.fail(str(error), pytrace=False)
        return self.images[key]

    @property
    def jupyter(self) -> ImageBuild:
        return self.images["jupyter"]

    def kernel_layers(self) -> dict[str, ImageBuild]:
        """The kernel layers by kernel name (``dask-<profile>``)."""
        layers = [image for image in self.images.values() if "KERNEL_NAME" in image.build_args]
        return {f"dask-{layer.build_args['KERNEL_NAME']}": layer for layer in layers}

    def server_options_spec(self) -> list[dict[str, Any]]:
        """What the stack's gateway answers ``GET /api/v1/options`` with: the shipped handler's options."""
        spec: list[dict[str, Any]] = cluster_options(gateway_data(self.resources)).get_specification()
        return spec


@pytest.fixture(scope="module", params=["dev", "prod"])
def stack(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> StackImages:
    """A k8s stack with its Jupyter image built."""
    planned = StackImages(request.param, tmp_path_factory.mktemp(f"jupyter-{request.param}"))
    planned.build("jupyter")
    return planned


def cluster_images(
    stack: StackImages, defaults: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[str, str]:
    """The image of the cluster ``new_cluster()`` creates (the configured options alone) and of the one
    ``new_cluster(gateway.cluster_options())`` creates (every option), as the gateway of the stack decides."""
    backend = kubernetes_backend(gateway_data(stack.resources), tmp_path, monkeypatch)
    return (
        cluster_config_for(backend, defaults["configured"]).image,
        cluster_config_for(backend, defaults["options"]).image,
    )


def test_every_kernels_default_cluster_runs_its_own_profiles_k8s_image(
    stack: StackImages, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layers = stack.kernel_layers()
    spec = json.dumps(stack.server_options_spec())
    report = run_json(stack.jupyter.tag, "python", KERNELS_CHECK, "--run", CLIENT_CHECK, spec)
    assert report.keys() == layers.keys()
    for name, defaults in report.items():
        profile_image = layers[name].build_args["KERNEL_IMAGE"]
        assert cluster_images(stack, defaults, tmp_path, monkeypatch) == (profile_image, profile_image), (
            name,
            defaults["configured"],
        )
    # What the gateway gives a client with no such config: the default profile's image, the staging one.
    staging = layers["dask-staging"].build_args["KERNEL_IMAGE"]
    bare = {"configured": {}, "options": {}}
    assert cluster_images(stack, bare, tmp_path, monkeypatch) == (staging, staging)
    assert layers["dask-processor"].build_args["KERNEL_IMAGE"] != staging


def test_the_sessions_default_cluster_runs_its_own_image(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dev = StackImages("dev", tmp_path)
    (session,) = [r for r in dev.resources if r["type"] == DEPLOYMENT and r["name"] == "dask-session"]
    (container,) = session["inputs"]["spec"]["template"]["spec"]["containers"]
    # The password comes from a Secret; the options do not depend on it.
    environment = {item["name"]: item["value"] for item in container["env"] if "value" in item}
    image = container["image"]
    (key,) = [key for key, planned in dev.images.items() if image in planned.tags]
    dev.build(key)
    spec = json.dumps(dev.server_options_spec())
    defaults = run_json(image, "python", CLIENT_CHECK, spec, environment=environment)
    assert cluster_images(dev, defaults, tmp_path, monkeypatch) == (image, image), defaults


def _get(url: str, token: str, body: dict[str, Any] | None = None) -> Any:
    request = urllib.request.Request(
        url,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"token {token}", "Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_jupyter_offers_exactly_the_profiles_kernels_and_starts_a_dask_one_by_default(stack: StackImages) -> None:
    expected = set(stack.kernel_layers())
    # The JSON the command prints spans lines; run_json reads one line.
    one_line = "jupyter kernelspec list --json | python -c 'import json, sys; print(json.dumps(json.load(sys.stdin)))'"
    listed = run_json(stack.jupyter.tag, "bash", "-c", one_line)
    assert set(listed["kernelspecs"]) == expected
    (port,) = free_ports(1)
    token = uuid.uuid4().hex
    command = ["jupyter", "lab", "--ip=127.0.0.1", f"--port={port}", "--no-browser", "--ServerApp.log_level=DEBUG"]
    command.append(f"--IdentityProvider.token={token}")
    with services((stack.jupyter.tag, command, SERVER_READY)) as (server,):
        server.wait_ready()
        api = f"http://127.0.0.1:{port}/api"
        offered = _get(f"{api}/kernelspecs", token)
        assert (set(offered["kernelspecs"]), offered["default"]) == (expected, "dask-staging"), server.log()
        # A notebook without kernel metadata starts the default kernel: the default profile's, with Dask.
        started = _get(f"{api}/kernels", token, body={})
        assert started["name"] == "dask-staging"
