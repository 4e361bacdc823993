"""Stack config validation: every mistake is one clear message naming file, key path, value and what is allowed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers import error_for, error_naming, parse


def test_an_unset_environment_is_a_protected_production_platform_with_pinned_charts() -> None:
    config = parse({"kubernetes": {"context": "prod"}, "gatewayPassword": "[secret]"}, {"gatewayPassword"})
    assert config.is_prod
    assert config.protect_namespaces
    assert not config.session_enabled
    assert config.gateway.chart.version == "2026.3.0"
    assert config.operator.chart.version == "2026.3.0"
    assert config.gateway.chart.repository == "https://helm.dask.org"


def test_dev_defaults_keep_the_stack_file_short() -> None:
    config = parse({"environment": "dev"})
    assert not config.protect_namespaces
    assert config.session_enabled
    assert config.session_namespace == "dask-users"
    assert config.gateway_cluster_namespace == "dask-users"


def _session_cpus(request: str, limit: str) -> dict[str, Any]:
    """A dev stack whose session asks for ``request`` CPUs and is limited to ``limit``."""
    resources = {"requests": {"cpu": request, "memory": "1Gi"}, "limits": {"cpu": limit, "memory": "1Gi"}}
    return {"environment": "dev", "session": {"resources": resources}}


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param(
            {"environment": "dev", "gatewy": {}},
            ["dask-platform:gatewy: unknown key", "known keys are", "gateway"],
            id="misspelled section",
        ),
        pytest.param(
            {"environment": "dev", "gateway": {"serviceType": "LoadBalancer"}},
            ["dask-platform:gateway.serviceType: unknown key"],
            id="misspelled nested key",
        ),
        pytest.param(
            {"environment": "staging"},
            ['dask-platform:environment = "staging"', "'dev', 'prod' or 'local'"],
            id="unknown environment",
        ),
        pytest.param(
            {"environment": "dev", "namespaces": {"users": ["Data_Science"]}},
            ['dask-platform:namespaces.users[0] = "Data_Science"', "lowercase letters, digits and '-'"],
            id="namespace name",
        ),
        pytest.param(
            {"environment": "dev", "namespaces": {"users": ["a", "a"]}},
            ["dask-platform:namespaces", "lists a namespace twice"],
            id="duplicate namespace",
        ),
        pytest.param(
            {"environment": "dev", "operator": {"chart": {"version": "latest"}}},
            ['dask-platform:operator.chart.version = "latest"', "an exact version such as 2026.3.0"],
            id="unpinned chart",
        ),
        pytest.param(
            {"environment": "dev", "gateway": {"chart": {"version": "2026.3.0", "repository": "http://x"}}},
            ['dask-platform:gateway.chart.repository = "http://x"', "https:// or oci://"],
            id="insecure chart repository",
        ),
        pytest.param(
            {"environment": "dev", "gateway": {"clusterOptions": {"workerCores": {"default": 8, "min": 1, "max": 4}}}},
            ["dask-platform:gateway.clusterOptions.workerCores", "needs min <= default <= max"],
            id="default outside bounds",
        ),
        pytest.param(
            {"environment": "dev", "gateway": {"clusterOptions": {"workerCores": {"default": 1, "min": 0, "max": 4}}}},
            ["dask-platform:gateway.clusterOptions.workerCores.min = 0", "greater than 0"],
            id="zero cores",
        ),
        pytest.param(
            {"environment": "dev", "gateway": {"clusterMaxMemory": "lots"}},
            ['dask-platform:gateway.clusterMaxMemory = "lots"', "K, M, G or T"],
            id="malformed memory",
        ),
        pytest.param(
            {"environment": "dev", "gateway": {"clusterMaxCores": 2}},
            ["dask-platform:gateway.clusterOptions.workerCores.max = 4.0: is above gateway.clusterMaxCores 2.0"],
            id="option above cluster limit",
        ),
        pytest.param(
            {
                "environment": "dev",
                "gateway": {"clusterOptions": {"workerCoresLimit": {"default": 1, "min": 1, "max": 2}}},
            },
            [
                "dask-platform:gateway.clusterOptions.workerCores.max = 4.0: is above "
                "clusterOptions.workerCoresLimit.max 2.0"
            ],
            id="cores above their limit's bound",
        ),
        pytest.param(
            {"environment": "dev", "gateway": {"clusterMaxMemory": "8 G"}},
            [
                'dask-platform:gateway.clusterOptions.workerMemory.max = "16 G": '
                "is above gateway.clusterMaxMemory '8 G'"
            ],
            id="memory option above cluster limit",
        ),
        pytest.param(
            {
                "environment": "dev",
                "gateway": {
                    "image": {"name": "ghcr.io/acme/dask", "tag": "1.0"},
                    "clusterOptions": {"allowedImages": ["ghcr.io/acme/other:1.0"]},
                },
            },
            [
                'dask-platform:gateway.clusterOptions.allowedImages = ["ghcr.io/acme/other:1.0"]: must include '
                "the default image 'ghcr.io/acme/dask:1.0'"
            ],
            id="default image not allowed",
        ),
        pytest.param(
            {"environment": "dev", "gateway": {"service": {"type": "Ingress"}}},
            ['dask-platform:gateway.service.type = "Ingress"', "'ClusterIP', 'NodePort' or 'LoadBalancer'"],
            id="service type",
        ),
        pytest.param(
            _session_cpus(request="2", limit="1"),
            ["dask-platform:session.resources", "limits.cpu '1' is below requests.cpu '2'"],
            id="limit below request",
        ),
        pytest.param(
            _session_cpus(request="one", limit="1"),
            ['dask-platform:session.resources.requests.cpu = "one"', "not a Kubernetes quantity"],
            id="bad quantity",
        ),
        pytest.param(
            {"environment": "dev", "session": {"namespace": "elsewhere"}},
            ['dask-platform:session.namespace = "elsewhere": must be one of namespaces.users (dask-users)'],
            id="session outside user namespaces",
        ),
        pytest.param(
            {"environment": "dev", "operator": {"scope": "namespace"}, "namespaces": {"users": ["a", "b"]}},
            ['dask-platform:namespaces.users = ["a", "b"]: operator.scope \'namespace\' watches exactly one namespace'],
            id="single-namespace operator with two namespaces",
        ),
        pytest.param(
            {"environment": "dev", "gateway": "simple"},
            ['dask-platform:gateway = "simple"', "valid dictionary"],
            id="scalar where a mapping belongs",
        ),
        pytest.param(
            {"environment": "prod", "kubernetes": {"context": "prod"}},
            ['dask-platform:gateway.auth.type = "simple": prod needs a password', "--secret"],
            id="open gateway in prod",
        ),
    ],
)
def test_bad_input_gets_a_clear_error(values: dict[str, Any], expected: list[str]) -> None:
    error_naming(values, expected)


def test_a_password_in_plain_text_is_refused_and_the_message_says_how_to_encrypt_it() -> None:
    message = error_for({"environment": "dev", "gatewayPassword": "hunter2"})
    assert "dask-platform:gatewayPassword is set in plain text" in message
    assert "pulumi config set --secret dask-platform:gatewayPassword" in message
    assert "hunter2" not in message


def test_every_problem_is_reported_at_once() -> None:
    message = error_for({"environment": "dev", "gatewy": {}, "namespaces": {"users": ["Bad"]}})
    assert len(message.splitlines()) == 2


def test_prod_with_simple_auth_accepts_a_secret_password() -> None:
    config = parse(
        {"environment": "prod", "kubernetes": {"context": "prod"}, "gatewayPassword": "[secret]"}, {"gatewayPassword"}
    )
    assert config.gateway.auth.type == "simple"
