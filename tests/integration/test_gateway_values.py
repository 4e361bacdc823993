"""The dask-gateway chart values the program passes, validated the way Helm validates them.

Helm merges the chart's default values.yaml with the release's values and checks the result against the chart's
values.schema.json, which forbids unknown keys almost everywhere: a typo or a wrong type fails ``pulumi up``.
Both files come from ``shared/reference/dask-gateway-chart/<chart version the release pins>``.
"""

from __future__ import annotations

import copy
import functools
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

import helm_python as helm
import jsonschema
import pytest
import yaml

from config.stack import PROJECT_DIR
from render.names import PASSWORD_ENV, PASSWORD_SECRET_KEY
from tests.helpers import DELETE, STACKS, reference_path, release_inputs, variant
from tools.plan import SECRET

GATEWAY_CHART = "dask-gateway"
OLDER_CHART_VERSION = "2024.1.0"
PASSWORD = "correct-horse-battery-staple-7Q"
# Simple auth in place of prod's JupyterHub: its settings go too.
SIMPLE_AUTH: dict[str, Any] = {"gateway": {"auth": {"type": "simple", "jupyterhub": DELETE}}}
HUB = {
    "type": "jupyterhub",
    "jupyterhub": {
        "apiTokenSecretName": "jupyterhub-api-token",
        "apiUrl": "http://hub.jupyterhub.svc.cluster.local:8081/hub/api",
        "serviceName": "dask-gateway",
    },
}
# Simple auth reports no groups, so prod's teams keep their namespaces but send no gateway users there (nor
# have gateway limits for them).
PROD_TEAMS_WITHOUT_GROUPS = [
    {key: value for key, value in team.items() if key not in ("gatewayGroups", "gateway")}
    for team in yaml.safe_load((PROJECT_DIR / "Pulumi.prod.yaml").read_text())["config"]["dask-platform:teams"]
]


class Variant(NamedTuple):
    stack: str
    sections: dict[str, Any]
    """Merged into the stack file's config (``tests.helpers.merged``)."""
    secrets: dict[str, str]
    auth_type: str
    """What the values must carry, so that each variant checks what its name says."""


VARIANTS = {
    "dev": Variant("dev", {}, {}, "simple"),
    "prod": Variant("prod", {}, {}, "jupyterhub"),
    "simple-auth-with-password": Variant("dev", SIMPLE_AUTH, {"gatewayPassword": PASSWORD}, "simple"),
    "jupyterhub": Variant(
        "dev",
        {
            "gateway": {
                "auth": HUB,
                "service": {"type": "LoadBalancer", "port": 8000, "allowExternal": True},
                "imagePullSecrets": ["registry-credentials"],
            },
            "session": {"enabled": False},
        },
        {},
        "jupyterhub",
    ),
    f"simple-on-chart-{OLDER_CHART_VERSION}": Variant(
        "dev",
        {
            "gateway": {"chart": {"version": OLDER_CHART_VERSION}},
            # Images and chart must carry the same dask-gateway (its locks need not exist for a preview).
            "images": {"daskGatewayVersion": OLDER_CHART_VERSION},
        },
        {},
        "simple",
    ),
}


@functools.cache
def _variant_release(name: str) -> dict[str, Any]:
    case = VARIANTS[name]
    return release_inputs(variant(case.stack, case.sections, secrets=case.secrets).resources, GATEWAY_CHART)


def variant_release(name: str) -> dict[str, Any]:
    return copy.deepcopy(_variant_release(name))


def helm_merge(defaults: Any, overrides: Any) -> Any:
    """Helm's coalescing of values: maps merge key by key, anything else in ``overrides`` replaces the default."""
    if isinstance(defaults, dict) and isinstance(overrides, dict):
        return {**defaults, **{key: helm_merge(defaults.get(key), value) for key, value in overrides.items()}}
    return overrides


@dataclass
class ReferenceChart:
    """One chart version's values.yaml and values.schema.json, checked by jsonschema and by Helm itself."""

    defaults: dict[str, Any]
    validator: Any
    helm_chart: helm.Chart

    def schema_errors(self, values: dict[str, Any]) -> list[str]:
        found = self.validator.iter_errors(helm_merge(self.defaults, values))
        return sorted(f"{'.'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in found)


def load_reference_chart(version: str, workdir: Path) -> ReferenceChart:
    reference = reference_path("dask-gateway-chart", version)
    metadata = yaml.safe_load((reference / "Chart.yaml").read_text())
    assert (metadata["name"], metadata["appVersion"]) == (GATEWAY_CHART, version)
    schema = json.loads((reference / "values.schema.json").read_text())
    # Upstream's generated schema spells the key `$schema"` (stray quote), so no draft is declared in a form
    # jsonschema reads, and the draft-07 it names is the default.
    validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft7Validator)
    validator_class.check_schema(schema)
    # Without templates the reference files still make a chart: enough for Helm's own merge and schema check.
    chart_dir = workdir / GATEWAY_CHART
    chart_dir.mkdir()
    for name in ("Chart.yaml", "values.yaml", "values.schema.json"):
        shutil.copy(reference / name, chart_dir / name)
    return ReferenceChart(
        defaults=yaml.safe_load((reference / "values.yaml").read_text()),
        validator=validator_class(schema),
        helm_chart=helm.Chart.load(chart_dir),
    )


@pytest.fixture(scope="module")
def reference_chart(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], ReferenceChart]]:
    loaded: dict[str, ReferenceChart] = {}

    def by_version(version: str) -> ReferenceChart:
        if version not in loaded:
            loaded[version] = load_reference_chart(version, tmp_path_factory.mktemp(f"chart-{version}"))
        return loaded[version]

    yield by_version
    for chart in loaded.values():
        chart.helm_chart.close()


@pytest.mark.parametrize("variant", VARIANTS)
def test_the_chart_accepts_the_values_the_program_passes(
    variant: str, reference_chart: Callable[[str], ReferenceChart]
) -> None:
    release = variant_release(variant)
    values = release["values"]
    assert values["gateway"]["auth"]["type"] == VARIANTS[variant].auth_type
    chart = reference_chart(release["version"])
    assert chart.schema_errors(values) == []
    chart.helm_chart.validate_schema(values)


@pytest.mark.parametrize(
    ("mistake", "reported_at"),
    [
        ({"traefik": {"service": {"type": 80}}}, "traefik.service.type"),
        ({"traefik": {"service": {"ports": {"web": {"port": "eighty"}}}}}, "traefik.service.ports.web.port"),
        ({"gateway": {"auth": {"simple": {"passwordFile": "/etc/pw"}}}}, "gateway.auth.simple"),
        ({"gateway": {"backend": {"image": {"pullPolicy": "Sometimes"}}}}, "gateway.backend.image.pullPolicy"),
        ({"replicaCount": 2}, "<root>"),
    ],
)
def test_validation_rejects_values_the_chart_refuses(
    mistake: dict[str, Any], reported_at: str, reference_chart: Callable[[str], ReferenceChart]
) -> None:
    release = variant_release("dev")
    values = helm_merge(release["values"], mistake)
    chart = reference_chart(release["version"])
    errors = chart.schema_errors(values)
    assert [error for error in errors if error.startswith(f"{reported_at}: ")], errors
    with pytest.raises(helm.HelmValuesError):
        chart.helm_chart.validate_schema(values)


@pytest.mark.parametrize("stack", STACKS)
def test_the_gateway_password_reaches_the_pod_only_through_a_secret(stack: str) -> None:
    sections = {**SIMPLE_AUTH, "teams": PROD_TEAMS_WITHOUT_GROUPS} if stack == "prod" else SIMPLE_AUTH
    resources = variant(stack, sections, secrets={"gatewayPassword": PASSWORD}).resources
    assert PASSWORD not in json.dumps(resources)
    release = release_inputs(resources, GATEWAY_CHART)
    chart_values = json.dumps(release["values"])
    assert PASSWORD not in chart_values
    assert SECRET not in chart_values

    [password_env] = [env for env in release["values"]["gateway"]["env"] if env["name"] == PASSWORD_ENV]
    reference = password_env["valueFrom"]["secretKeyRef"]
    assert reference["key"] == PASSWORD_SECRET_KEY
    [secret] = [
        r["inputs"]
        for r in resources
        if r["type"] == "kubernetes:core/v1:Secret"
        and r["inputs"]["metadata"]["name"] == reference["name"]
        and r["inputs"]["metadata"]["namespace"] == release["namespace"]
    ]
    assert secret["stringData"] in (SECRET, {PASSWORD_SECRET_KEY: SECRET})


def test_missing_reference_data_skips_outside_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no-such-chart"):
        reference_path("no-such-chart")


def test_missing_reference_data_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI must have it"):
        reference_path("no-such-chart")
