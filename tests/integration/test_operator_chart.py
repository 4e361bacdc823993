"""The dask-kubernetes-operator release, rendered for real by Helm and checked against Kubernetes' schemas.

The chart comes from the installed dask-kubernetes wheel, whose version is the chart version the program pins,
and the values, release name and namespace come from the plan: what is rendered here is what gets deployed.
"""

from __future__ import annotations

import importlib.metadata
import importlib.resources
from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

from render.chart_values import OPERATOR_IMAGE
from tests.helpers import STACKS, release_inputs, stack_plan, variant

pytestmark = pytest.mark.slow

OPERATOR_CHART = "dask-kubernetes-operator"
# The oldest Kubernetes the platform targets (the dask-gateway chart's kubeVersion floor) and the newest one
# kubernetes-validate knows.
KUBERNETES_VERSIONS = ("1.30.0", kubernetes_validate.latest_version())
DASK_CRDS = {
    f"{plural}.kubernetes.dask.org" for plural in ("daskclusters", "daskworkergroups", "daskjobs", "daskautoscalers")
}
SINGLE_NAMESPACE = "team-a"


@pytest.fixture(scope="module")
def operator_chart() -> Iterator[helm.Chart]:
    source = importlib.resources.files("dask_kubernetes") / "operator" / "deployment" / "helm" / OPERATOR_CHART
    with importlib.resources.as_file(source) as path, helm.Chart.load(path) as chart:
        yield chart


@pytest.fixture(scope="module")
def chart_crds(operator_chart: helm.Chart) -> list[dict[str, Any]]:
    return documents(crd["data"] for crd in operator_chart.crds)


def documents(texts: Iterable[str]) -> list[dict[str, Any]]:
    # libyaml's safe loader: the CRDs embed whole pod specs, close to 1 MB of YAML.
    return [document for text in texts for document in yaml.load_all(text, Loader=yaml.CSafeLoader) if document]


def render(chart: helm.Chart, release: dict[str, Any]) -> list[dict[str, Any]]:
    """The objects Helm renders from the chart's templates for ``release``."""
    manifests = chart.render(release["values"], name=release["name"], namespace=release["namespace"])
    return documents(text for template, text in sorted(manifests.items()) if not template.endswith("NOTES.txt"))


def only(objects: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    matches = [o for o in objects if o["kind"] == kind]
    assert len(matches) == 1, f"expected one {kind}, found {len(matches)}"
    return matches[0]


def operator_container(objects: list[dict[str, Any]]) -> dict[str, Any]:
    containers = only(objects, "Deployment")["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    container: dict[str, Any] = containers[0]
    return container


def assert_valid_kubernetes(objects: list[dict[str, Any]], version: str) -> None:
    for item in objects:
        try:
            kubernetes_validate.validate(item, version, strict=True)
        except kubernetes_validate.ValidationError as error:
            location = ".".join(str(part) for part in error.path)
            pytest.fail(f"{item['kind']}/{item['metadata']['name']} is invalid at {location}: {error.message}")


@pytest.mark.parametrize("stack", STACKS)
def test_the_installed_wheel_ships_the_chart_version_the_program_pins(stack: str) -> None:
    # The wheel's Chart.yaml keeps a placeholder version; the release tooling gives the wheel and the published
    # chart the same version, so the wheel's version is the chart's.
    release = release_inputs(stack_plan(stack).resources, OPERATOR_CHART)
    assert importlib.metadata.version("dask-kubernetes") == release["version"]


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("stack", STACKS)
def test_every_rendered_object_and_crd_is_valid_kubernetes(
    operator_chart: helm.Chart, chart_crds: list[dict[str, Any]], stack: str, version: str
) -> None:
    release = release_inputs(stack_plan(stack).resources, OPERATOR_CHART)
    # With skipCrds false the release applies crds/ too, so a chart bump updates the CRDs with the operator.
    assert release["skipCrds"] is False
    assert {crd["metadata"]["name"] for crd in chart_crds} == DASK_CRDS
    # Kubernetes has no schema of the Prometheus Operator's monitors: test_prometheus_crds.py checks them against
    # that operator's CRDs.
    built_in = [o for o in render(operator_chart, release) if not o["apiVersion"].startswith("monitoring.coreos.com/")]
    assert_valid_kubernetes([*built_in, *chart_crds], version)


@pytest.mark.parametrize("stack", STACKS)
def test_cluster_scope_watches_all_namespaces_with_the_pinned_image(operator_chart: helm.Chart, stack: str) -> None:
    release = release_inputs(stack_plan(stack).resources, OPERATOR_CHART)
    objects = render(operator_chart, release)
    kinds = Counter(o["kind"] for o in objects)
    assert kinds["ClusterRole"] == kinds["ClusterRoleBinding"] == 1
    assert "Role" not in kinds and "RoleBinding" not in kinds
    container = operator_container(objects)
    assert "--all-namespaces" in container["args"]
    assert container["image"] == f"{OPERATOR_IMAGE}:{release['version']}"
    assert container["resources"] == release["values"]["resources"]
    for quantities in ("requests", "limits"):
        assert set(container["resources"][quantities]) == {"cpu", "memory"}


def test_single_namespace_scope_renders_a_namespaced_operator(operator_chart: helm.Chart) -> None:
    resources = variant(
        "single-namespace",
        {"environment": "dev", "operator": {"scope": "namespace"}, "namespaces": {"users": [SINGLE_NAMESPACE]}},
        from_file=False,
    ).resources
    release = release_inputs(resources, OPERATOR_CHART)
    assert release["namespace"] == SINGLE_NAMESPACE
    objects = render(operator_chart, release)

    kinds = Counter(o["kind"] for o in objects)
    assert kinds["Role"] == kinds["RoleBinding"] == 1
    assert "ClusterRole" not in kinds and "ClusterRoleBinding" not in kinds
    binding = only(objects, "RoleBinding")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": only(objects, "Role")["metadata"]["name"],
    }
    assert [s["namespace"] for s in binding["subjects"]] == [SINGLE_NAMESPACE]

    container = operator_container(objects)
    args = container["args"]
    assert "--all-namespaces" not in args
    assert args[args.index("--namespace") + 1] == SINGLE_NAMESPACE
    assert container["image"] == f"{OPERATOR_IMAGE}:{release['version']}"
    assert_valid_kubernetes(objects, KUBERNETES_VERSIONS[0])


def test_validation_rejects_a_misspelt_field(operator_chart: helm.Chart) -> None:
    objects = render(operator_chart, release_inputs(stack_plan("dev").resources, OPERATOR_CHART))
    operator_container(objects)["imagePullPolcy"] = "Always"
    with pytest.raises(kubernetes_validate.ValidationError, match="imagePullPolcy"):
        kubernetes_validate.validate(only(objects, "Deployment"), KUBERNETES_VERSIONS[0], strict=True)
