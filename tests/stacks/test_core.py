"""Each stack under Pulumi's mocks: the core platform resources exist with the inputs that matter."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from config.stack import PROJECT_DIR
from render.rbac import USER_CLUSTER_ROLE_RULES
from tests.helpers import one, release_inputs, resources_of_type, stack_plan, variant
from tools.plan import PlanError, main, plan_stack

NAMESPACE = "kubernetes:core/v1:Namespace"
CHART = "kubernetes:helm.sh/v4:Chart"
STACKS = ["dev", "prod"]


@pytest.mark.parametrize("stack", STACKS)
def test_every_kubernetes_resource_uses_the_explicit_provider(stack: str) -> None:
    providers = [r for r in stack_plan(stack).resources if r["type"] == "pulumi:providers:kubernetes"]
    assert len(providers) == 1
    provider_urn = providers[0]["urn"]
    kubernetes = [r for r in stack_plan(stack).resources if r["type"].startswith("kubernetes:")]
    assert kubernetes
    for resource in kubernetes:
        assert (resource["provider"] or "").startswith(provider_urn), resource["urn"]


def test_dev_targets_minikube_and_prod_its_own_context() -> None:
    assert resources_of_type("dev", "pulumi:providers:kubernetes")[0]["inputs"]["context"] == "minikube"
    assert resources_of_type("prod", "pulumi:providers:kubernetes")[0]["inputs"]["context"] == "prod"


@pytest.mark.parametrize(
    ("stack", "expected", "protected"),
    [
        ("dev", {"dask-gateway", "dask-operator", "dask-users"}, False),
        ("prod", {"dask-gateway", "dask-operator", "dask-users", "dask-batch"}, True),
    ],
)
def test_namespaces_carry_pod_security_labels_and_prod_ones_are_protected(
    stack: str, expected: set[str], protected: bool
) -> None:
    platform_namespaces = [
        r for r in resources_of_type(stack, NAMESPACE) if r["parent"].endswith("Namespaces::dask-namespaces")
    ]
    assert {r["inputs"]["metadata"]["name"] for r in platform_namespaces} == expected
    for namespace in platform_namespaces:
        labels = namespace["inputs"]["metadata"]["labels"]
        assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
        assert namespace["protect"] is protected


@pytest.mark.parametrize("stack", STACKS)
def test_both_charts_are_pinned_and_install_their_crds(stack: str) -> None:
    operator = one(stack, CHART, "dask-operator-chart")["inputs"]
    gateway = one(stack, CHART, "dask-gateway-chart")["inputs"]
    assert (operator["chart"], operator["version"]) == ("dask-kubernetes-operator", "2026.3.0")
    assert (gateway["chart"], gateway["version"]) == ("dask-gateway", "2026.3.0")
    for chart in (operator, gateway):
        assert chart["repositoryOpts"] == {"repo": "https://helm.dask.org"}
        assert chart["skipCrds"] is False
    assert operator["namespace"] == "dask-operator"
    assert gateway["namespace"] == "dask-gateway"
    assert operator["values"]["rbac"]["cluster"] is True
    assert operator["values"]["image"]["tag"] == "2026.3.0"


@pytest.mark.parametrize("stack", STACKS)
def test_users_get_exactly_the_documented_rules_bound_per_namespace(stack: str) -> None:
    (role,) = resources_of_type(stack, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")
    assert role["inputs"]["rules"] == USER_CLUSTER_ROLE_RULES
    namespaces = stack_plan(stack).outputs["namespaces"]
    users = [*namespaces["users"], *namespaces.get("teams", [])]
    # The smoke check's own ServiceAccount and RoleBinding are not a user's (tests/stacks/test_smoke.py).
    accounts = [a for a in resources_of_type(stack, "kubernetes:core/v1:ServiceAccount") if "smoke" not in a["name"]]
    assert sorted(a["inputs"]["metadata"]["namespace"] for a in accounts) == sorted(users)
    bindings = [
        b
        for b in resources_of_type(stack, "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")
        if "smoke" not in b["name"]
    ]
    assert sorted(b["inputs"]["metadata"]["namespace"] for b in bindings) == sorted(users)
    for binding in bindings:
        assert binding["inputs"]["roleRef"]["name"] == role["inputs"]["metadata"]["name"]
        assert binding["inputs"]["subjects"] == [
            {"kind": "ServiceAccount", "name": "dask-user", "namespace": binding["inputs"]["metadata"]["namespace"]}
        ]
    assert not resources_of_type(stack, "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding")


def test_dev_gateway_uses_simple_auth_and_a_cluster_ip_for_port_forwarding() -> None:
    values = one("dev", CHART, "dask-gateway-chart")["inputs"]["values"]
    assert values["gateway"]["auth"] == {"type": "simple"}
    assert values["traefik"]["service"]["type"] == "ClusterIP"
    assert values["gateway"]["backend"]["namespace"] == "dask-users"
    assert stack_plan("dev").outputs["portForwardCommand"] == (
        "kubectl port-forward -n dask-gateway svc/traefik-dask-gateway 8001:80"
    )


def test_prod_gateway_authenticates_against_jupyterhub_with_the_token_from_an_existing_secret() -> None:
    values = one("prod", CHART, "dask-gateway-chart")["inputs"]["values"]
    auth = values["gateway"]["auth"]
    assert auth["type"] == "jupyterhub"
    assert auth["jupyterhub"] == {
        "apiTokenFromSecretName": "jupyterhub-api-token",
        "apiTokenFromSecretKey": "api-token",
        "apiUrl": "http://hub.jupyterhub.svc.cluster.local:8081/hub/api",
        "jupyterhubServiceName": "dask-gateway",
    }
    assert "dask-gateway/jupyterhub-api-token" in stack_plan("prod").outputs["requiredSecrets"]
    assert not resources_of_type("prod", "kubernetes:core/v1:Secret")


def test_the_token_is_read_from_the_key_the_stack_names_in_the_existing_secret() -> None:
    hub = {"apiTokenSecretName": "hub-services", "apiTokenSecretKey": "dask-gateway-token"}
    planned = variant("prod", {"gateway": {"auth": {"jupyterhub": hub}}})
    auth = release_inputs(planned.resources, "dask-gateway")["values"]["gateway"]["auth"]["jupyterhub"]
    assert (auth["apiTokenFromSecretName"], auth["apiTokenFromSecretKey"]) == ("hub-services", "dask-gateway-token")
    assert "dask-gateway/hub-services" in planned.outputs["requiredSecrets"]


def test_the_generated_cluster_options_follow_the_stack_bounds() -> None:
    gateway = one("prod", CHART, "dask-gateway-chart")["inputs"]["values"]["gateway"]
    (data_env,) = [env for env in gateway["env"] if env["name"] == "DASK_PLATFORM_GATEWAY"]
    data = json.loads(data_env["value"])
    assert data["options"]["workerCores"] == {"default": 1.0, "min": 1.0, "max": 8.0}
    assert data["options"]["workerCoresLimit"] == {"default": 2.0, "min": 1.0, "max": 16.0}
    assert data["limits"] == {
        "clusterMaxCores": 128.0,
        "clusterMaxMemory": 512 * 2**30,
        "clusterMaxWorkers": 32,
        "clustersPerUser": 2,
        "idleTimeout": 1800.0,
    }


def test_dev_session_is_preconfigured_for_the_gateway_with_requests_and_limits() -> None:
    (deployment,) = resources_of_type("dev", "kubernetes:apps/v1:Deployment")
    assert deployment["inputs"]["metadata"]["namespace"] == "dask-users"
    (container,) = deployment["inputs"]["spec"]["template"]["spec"]["containers"]
    env = {item["name"]: item["value"] for item in container["env"]}
    address = stack_plan("dev").outputs["gatewayAddress"]
    assert address == "http://traefik-dask-gateway.dask-gateway.svc.cluster.local:80"
    assert env["DASK_GATEWAY_URL"] == env["DASK_GATEWAY__ADDRESS"] == address
    assert env["DASK_WORKER_IMAGE"] == container["image"]
    assert set(container["resources"]) == {"requests", "limits"}
    assert not resources_of_type("prod", "kubernetes:apps/v1:Deployment")


def test_a_simple_auth_password_travels_as_a_secret_to_the_gateway_and_the_session() -> None:
    result = variant("dev", secrets={"gatewayPassword": "correct horse battery staple"})
    rendered = json.dumps(result.resources)
    assert "correct horse battery staple" not in rendered
    secrets = [r for r in result.resources if r["type"] == "kubernetes:core/v1:Secret"]
    assert {s["inputs"]["metadata"]["namespace"] for s in secrets} == {"dask-gateway", "dask-users"}
    assert all(s["inputs"]["stringData"] == "[secret]" for s in secrets)
    (chart,) = [r for r in result.resources if r["name"] == "dask-gateway-chart"]
    (env,) = [env for env in chart["inputs"]["values"]["gateway"]["env"] if env["name"] == "DASK_GATEWAY_PASSWORD"]
    assert env["valueFrom"]["secretKeyRef"] == {"name": "dask-gateway-password", "key": "password"}


@pytest.mark.parametrize("stack", STACKS)
def test_exports_tell_users_where_to_go_next(stack: str) -> None:
    outputs = stack_plan(stack).outputs
    assert outputs["chartVersions"] == {"daskGateway": "2026.3.0", "daskKubernetesOperator": "2026.3.0"}
    assert outputs["namespaces"]["gateway"] == "dask-gateway"
    assert outputs["gatewayAddress"].startswith("http://traefik-dask-gateway.dask-gateway.svc")


def test_a_bad_stack_file_fails_the_plan_with_the_config_message_and_no_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "__main__.py").write_text((PROJECT_DIR / "__main__.py").read_text())
    (tmp_path / "Pulumi.broken.yaml").write_text(
        "config:\n  dask-platform:environment: dev\n  dask-platform:namespaces:\n    users: [Data_Science]\n"
    )
    with pytest.raises(PlanError, match=r'Pulumi.broken.yaml: dask-platform:namespaces.users\[0\] = "Data_Science": '):
        plan_stack("broken", project_dir=tmp_path)


def test_the_plan_command_exits_non_zero_with_a_clear_message_for_an_unknown_stack(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["nonexistent"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: Pulumi.nonexistent.yaml: no such stack file")
    assert "Traceback" not in error


def test_clusters_in_the_operators_namespace_plan_each_resource_once() -> None:
    # Unlike the gateway's namespace (refused by the config), the operator's may take clusters: its pod meets
    # the users' level, and the namespace gets only the user namespaces' NetworkPolicies.
    resources = variant(
        "dev", {"environment": "dev", "namespaces": {"users": ["dask-operator"]}}, from_file=False
    ).resources
    names = Counter((r["type"], r["name"]) for r in resources)
    assert [key for key, count in names.items() if count > 1] == []
    policies = [
        r["inputs"]["metadata"] for r in resources if r["type"] == "kubernetes:networking.k8s.io/v1:NetworkPolicy"
    ]
    assert sorted(p["name"] for p in policies if p["namespace"] == "dask-operator") == [
        "dask-platform-declared-clusters",
        "dask-platform-default-deny",
        "dask-platform-egress-declared-clusters",
        "dask-platform-egress-default",
        "dask-platform-egress-gateway-clusters",
        "dask-platform-gateway-clusters",
    ]
