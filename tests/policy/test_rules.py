"""Both stacks pass every rule; each rule fails, with a message that says what to change, once broken."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest

from config.stack import SECRET_PLACEHOLDER
from policy.model import (
    CLUSTER_ROLE_BINDING,
    CONFIG_MAP,
    DOCKER_BUILD_IMAGE,
    HELM_CHART,
    NAMESPACE,
    SERVICE,
)
from policy.pod_security import POD_SECURITY_ENFORCE
from policy.registry import RULES, check_stack
from policy.secrets import is_secret_name
from policy.supply_chain import split_image_reference
from tests.helpers import edited, messages, stack_file_value, variant, violations

DEPLOYMENT = "kubernetes:apps/v1:Deployment"
DASK_CLUSTER = "kubernetes:kubernetes.dask.org/v1:DaskCluster"
CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"
GATEWAY_CHART = "dask-gateway-chart"
OPERATOR_CHART = "dask-operator-chart"
CHART_CHILD_URN = (
    "urn:pulumi:prod::dask-platform::dask-platform:index:DaskPlatform$dask-platform:operator:DaskOperator"
    "$kubernetes:helm.sh/v4:Chart${type}::dask-operator-chart:{name}"
)


def _gateway_child(resource_type: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """An object the gateway chart renders, as a real preview registers it."""
    urn = CHART_CHILD_URN.replace("dask-platform:operator:DaskOperator", "dask-platform:gateway:DaskGateway")
    return {
        "urn": urn.replace("dask-operator-chart", "dask-gateway-chart").format(type=resource_type, name=name),
        "type": resource_type,
        "name": f"dask-gateway-chart:{name}",
        "inputs": {"metadata": {"name": name, "namespace": "dask-gateway"}, **inputs},
    }


def _gateway_values(inputs: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = inputs["values"]
    return values


def _session_container(inputs: dict[str, Any]) -> dict[str, Any]:
    container: dict[str, Any] = inputs["spec"]["template"]["spec"]["containers"][0]
    return container


def _chart_child(resource_type: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """An object a Helm chart renders, as a real preview registers it (the plan's mocks render no charts)."""
    return {
        "urn": CHART_CHILD_URN.format(type=resource_type, name=name),
        "type": resource_type,
        "name": f"dask-operator-chart:{name}",
        "inputs": inputs,
    }


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_both_stacks_pass_every_rule(stack: str) -> None:
    resources, context = variant(stack).for_policy
    assert context.environment == stack
    assert [str(violation) for violation in check_stack(resources, context)] == []


def test_every_rule_is_mandatory_in_prod_and_only_production_concerns_are_advisory_in_dev() -> None:
    assert [rule.name for rule in RULES if rule.enforcement("prod") == "advisory"] == ["chart-upstream-findings"]
    assert {rule.name for rule in RULES if rule.enforcement("dev") == "advisory"} == {
        "images-pinned-and-allowed",
        "gateway-auth-not-open",
        "load-balancer-only-when-asked",
        "gateway-cluster-limits",
        "pods-not-privileged",
        "pods-no-host-path",
        "pods-no-host-namespaces",
        "pods-not-root",
        "pods-seccomp",
        "rbac-no-broad-bindings",
        "rbac-no-cluster-wide-secrets-or-exec",
        "chart-upstream-findings",
        "workloads-network-policy",
    }


# Helm charts


def test_chart_from_a_repository_not_on_the_allowed_list() -> None:
    chart = {"version": "2026.3.0", "repository": "https://charts.example.com"}
    resources, context = variant("prod", {"gateway": {"chart": chart}}).for_policy
    [violation] = violations(resources, context, "helm-chart-pinned")
    assert violation.name == GATEWAY_CHART
    assert "comes from 'https://charts.example.com', which is not an allowed chart repository" in violation.message
    assert "use one of https://helm.dask.org, or add it to the policy pack's allowedRepositories" in violation.message


@pytest.mark.parametrize("version", ["^2026.3.0", "2026.*", "latest", "", None])
def test_chart_version_must_be_exact(version: str | None) -> None:
    resources, context = variant("dev").for_policy
    changed = edited(resources, HELM_CHART, OPERATOR_CHART, lambda inputs: inputs.update(version=version))
    [violation] = violations(changed, context, "helm-chart-pinned")
    assert violation.name == OPERATOR_CHART
    assert f"has version {version!r}: pin an exact version such as 2026.3.0" in violation.message


def test_chart_from_a_local_path_names_no_repository() -> None:
    def local_chart(inputs: dict[str, Any]) -> None:
        del inputs["repositoryOpts"]
        inputs["chart"] = "./charts/dask-gateway"

    resources, context = variant("dev").for_policy
    changed = edited(resources, HELM_CHART, GATEWAY_CHART, local_chart)
    assert "names no repository: install it from an allowed repository (https://helm.dask.org)" in messages(
        changed, context, "helm-chart-pinned"
    )


def test_oci_chart_from_an_allowed_registry_passes() -> None:
    def oci_chart(inputs: dict[str, Any]) -> None:
        del inputs["repositoryOpts"]
        inputs["chart"] = "oci://ghcr.io/dask/charts/dask-gateway"

    resources, context = variant("dev").for_policy
    changed = edited(resources, HELM_CHART, GATEWAY_CHART, oci_chart)
    assert violations(changed, context, "helm-chart-pinned")
    allowed = dataclasses.replace(
        context, allowed_chart_repositories=(*context.allowed_chart_repositories, "oci://ghcr.io/dask/charts")
    )
    assert violations(changed, allowed, "helm-chart-pinned") == []


# Images


def test_latest_image_in_prod() -> None:
    image = {"name": "ghcr.io/dask/dask-gateway", "tag": "latest"}
    allowed = {"allowedImages": ["ghcr.io/dask/dask-gateway:latest", "catalog"]}
    resources, context = variant("prod", {"gateway": {"image": image, "clusterOptions": allowed}}).for_policy
    text = messages(resources, context, "images-pinned-and-allowed")
    assert (
        "chart values gateway.backend.image: image 'ghcr.io/dask/dask-gateway:latest' uses the moving tag 'latest': "
        "pin it to a version tag or a digest" in text
    )


def test_untagged_container_image() -> None:
    resources, context = variant("dev").for_policy
    changed = edited(
        resources, DEPLOYMENT, "dask-session", lambda i: _session_container(i).update(image="ghcr.io/dask/dask-gateway")
    )
    [violation] = violations(changed, context, "images-pinned-and-allowed")
    assert violation.name == "dask-session"
    assert violation.message == (
        "container 'client' (spec.template.spec.containers[0]): image 'ghcr.io/dask/dask-gateway' is untagged: "
        "pin it to a version tag or a digest (ghcr.io/dask/dask-gateway:<version> or "
        "ghcr.io/dask/dask-gateway@sha256:<digest>)"
    )


def test_image_from_outside_the_registry_and_the_allowed_list() -> None:
    resources, context = variant("dev").for_policy

    def foreign_image(inputs: dict[str, Any]) -> None:
        inputs["spec"]["worker"]["spec"]["containers"][0]["image"] = "docker.io/someone/dask:1.0"

    changed = edited(resources, DASK_CLUSTER, "dask-clusters-dask-users-dev-autoscaled-daskcluster", foreign_image)
    text = messages(changed, context, "images-pinned-and-allowed")
    assert "image 'docker.io/someone/dask:1.0' is not from the stack's registry or the allowed list" in text
    assert f"({context.image_registry}, ghcr.io/dask, docker.io/traefik)" in text
    assert "add its repository to the policy pack's allowedImagePrefixes" in text


@pytest.mark.parametrize(
    "image",
    [
        "ghcr.io/dask/dask-gateway@sha256:" + "a" * 64,
        "ghcr.io/dask/dask-gateway:2026.3.0@sha256:" + "a" * 64,
        "docker.io/traefik:3.3.5",
        "{registry}/dask/l0/k8s:py3.11.7-2024.5.2-0123456789ab",
    ],
)
def test_pinned_images_from_allowed_places_pass(image: str) -> None:
    resources, context = variant("dev").for_policy
    reference = image.format(registry=context.image_registry)
    changed = edited(resources, DEPLOYMENT, "dask-session", lambda i: _session_container(i).update(image=reference))
    assert violations(changed, context, "images-pinned-and-allowed") == []


def test_a_registry_port_is_not_a_tag() -> None:
    assert split_image_reference("localhost:5000/dask") == ("localhost:5000/dask", None, None)
    assert split_image_reference("localhost:5000/dask:1.0") == ("localhost:5000/dask", "1.0", None)


# Container resources


def test_container_without_a_memory_limit() -> None:
    resources, context = variant("dev").for_policy
    changed = edited(
        resources, DEPLOYMENT, "dask-session", lambda i: _session_container(i)["resources"]["limits"].pop("memory")
    )
    [violation] = violations(changed, context, "container-resources")
    assert violation.message == (
        "container 'client' (spec.template.spec.containers[0]) sets no limits.memory: "
        "give every container CPU and memory requests and limits"
    )


def test_chart_container_limit_below_its_request() -> None:
    resources, context = variant("prod").for_policy
    changed = edited(
        resources,
        HELM_CHART,
        GATEWAY_CHART,
        lambda i: _gateway_values(i)["gateway"]["resources"]["limits"].update(cpu="50m"),
    )
    [violation] = violations(changed, context, "container-resources")
    assert violation.message == (
        "chart values gateway.resources has limits.cpu '50m' below requests.cpu '100m': "
        "raise the limit to at least the request"
    )


def test_chart_container_without_resources() -> None:
    resources, context = variant("prod").for_policy
    changed = edited(resources, HELM_CHART, GATEWAY_CHART, lambda i: _gateway_values(i)["traefik"].pop("resources"))
    assert "chart values traefik.resources sets no requests.cpu" in messages(changed, context, "container-resources")


def test_dask_cluster_worker_limit_below_its_request() -> None:
    resources, context = variant("dev").for_policy

    def small_limit(inputs: dict[str, Any]) -> None:
        inputs["spec"]["worker"]["spec"]["containers"][0]["resources"]["limits"]["memory"] = "512Mi"

    changed = edited(resources, DASK_CLUSTER, "dask-clusters-dask-users-dev-autoscaled-daskcluster", small_limit)
    assert "has limits.memory '512Mi' below requests.memory '1Gi'" in messages(changed, context, "container-resources")


def test_unreadable_quantity() -> None:
    resources, context = variant("dev").for_policy
    changed = edited(
        resources, DEPLOYMENT, "dask-session", lambda i: _session_container(i)["resources"]["limits"].update(cpu="lots")
    )
    assert "'lots' is not a Kubernetes quantity" in messages(changed, context, "container-resources")


def test_containers_a_chart_renders_are_left_to_the_chart() -> None:
    _, context = variant("prod").for_policy
    deployment = {"spec": {"template": {"spec": {"containers": [{"name": "operator", "image": "ghcr.io/dask/x:1"}]}}}}
    assert violations([_chart_child(DEPLOYMENT, "operator", deployment)], context, "container-resources") == []


# RBAC


@pytest.mark.parametrize("field", ["verbs", "resources", "apiGroups"])
def test_wildcard_in_a_declared_role(field: str) -> None:
    resources, context = variant("prod").for_policy
    changed = edited(resources, CLUSTER_ROLE, "dask-operator-user", lambda i: i["rules"][0].update({field: ["*"]}))
    [violation] = violations(changed, context, "rbac-no-wildcards")
    assert violation.message == f"rules[0].{field} contains '*': list exactly the {field} the role needs"


def test_wildcards_a_chart_renders_are_left_to_the_chart() -> None:
    _, context = variant("prod").for_policy
    role = {"rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]}]}
    assert violations([_chart_child(CLUSTER_ROLE, "operator", role)], context, "rbac-no-wildcards") == []


def test_cluster_role_binding_only_where_the_stack_asks_for_cluster_wide_access() -> None:
    resources, context = variant("prod", {"operator": {"userAccess": "cluster"}}).for_policy
    assert context.cluster_wide_access
    assert any(resource["type"] == CLUSTER_ROLE_BINDING for resource in resources)
    assert check_stack(resources, context) == []

    namespace_scoped = dataclasses.replace(context, cluster_wide_access=False)
    [violation] = violations(resources, namespace_scoped, "cluster-role-binding-only-when-asked")
    assert "grants 'dask-platform-user' in every namespace" in violation.message
    assert "set operator.userAccess: cluster in the stack file" in violation.message


# Secrets


def test_password_in_a_config_map() -> None:
    resources, context = variant("dev").for_policy
    config_map = {
        "urn": "urn:pulumi:dev::dask-platform::kubernetes:core/v1:ConfigMap::settings",
        "type": CONFIG_MAP,
        "name": "settings",
        "inputs": {"data": {"DB_PASSWORD": "hunter2", "LOG_LEVEL": "info"}},
    }
    [violation] = violations([*resources, config_map], context, "no-plaintext-secrets")
    assert violation.name == "settings"
    assert violation.message.startswith("secret material in plain text at data.DB_PASSWORD: move them into")


def test_private_key_in_a_config_map() -> None:
    _, context = variant("dev").for_policy
    key = "-----BEGIN RSA PRIVATE KEY-----\nMIIE...\n-----END RSA PRIVATE KEY-----\n"
    config_map = {"urn": "urn:x", "type": CONFIG_MAP, "name": "tls", "inputs": {"data": {"tls.key": key}}}
    assert "at data.tls.key:" in messages([config_map], context, "no-plaintext-secrets")


def test_simple_auth_password_in_chart_values() -> None:
    resources, context = variant("dev").for_policy
    changed = edited(
        resources,
        HELM_CHART,
        GATEWAY_CHART,
        lambda i: _gateway_values(i)["gateway"]["auth"].update(simple={"password": "hunter2"}),
    )
    [violation] = violations(changed, context, "no-plaintext-secrets")
    assert "at values.gateway.auth.simple.password:" in violation.message
    assert "pulumi config set --secret dask-platform:gatewayPassword" in violation.message


def test_password_literal_in_the_gateways_environment() -> None:
    resources, context = variant("dev").for_policy
    changed = edited(
        resources,
        HELM_CHART,
        GATEWAY_CHART,
        lambda i: _gateway_values(i)["gateway"]["env"].append({"name": "DASK_GATEWAY_PASSWORD", "value": "x"}),
    )
    assert "values.gateway.env[1] (env DASK_GATEWAY_PASSWORD)" in messages(changed, context, "no-plaintext-secrets")


def test_literal_token_in_container_env() -> None:
    resources, context = variant("dev").for_policy
    changed = edited(
        resources,
        DEPLOYMENT,
        "dask-session",
        lambda i: _session_container(i)["env"].append({"name": "API_TOKEN", "value": "abc123"}),
    )
    text = messages(changed, context, "no-plaintext-secrets")
    assert "(env API_TOKEN)" in text
    assert "read them from a Kubernetes Secret with env valueFrom.secretKeyRef" in text


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("password", True),
        ("apiToken", True),
        ("DASK_GATEWAY_PASSWORD", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("privateKey", True),
        ("clientSecret", True),
        ("apiTokenFromSecretKey", False),
        ("apiTokenFromSecretName", False),
        ("secretName", False),
        ("existingSecret", False),
        ("imagePullSecrets", False),
        ("imagePullSecret", False),
        ("tlsSecret", False),
        ("secretKeyRef", False),
        ("tokenLifetime", False),
    ],
)
def test_secret_names_and_references_to_secrets(key: str, secret: bool) -> None:
    assert is_secret_name(key) is secret


# Gateway auth


def test_open_simple_authenticator_is_refused_in_prod_only() -> None:
    resources, context = variant("dev").for_policy
    assert violations(resources, context, "gateway-auth-not-open") == []
    as_prod = dataclasses.replace(context, environment="prod")
    [violation] = violations(resources, as_prod, "gateway-auth-not-open")
    assert violation.name == GATEWAY_CHART
    assert "anyone who reaches it can start clusters" in violation.message
    assert "`pulumi config set --secret dask-platform:gatewayPassword`" in violation.message


def test_simple_auth_needs_its_password_wired_from_a_secret() -> None:
    # The teams without their gateway groups (and limits), which need an authenticator that reports groups.
    teams = [
        {k: v for k, v in team.items() if k not in ("gatewayGroups", "gateway")}
        for team in stack_file_value("prod", "teams")
    ]
    simple = {"gateway": {"auth": {"type": "simple"}}, "teams": teams}
    resources, context = variant("prod", simple, secrets={"gatewayPassword": SECRET_PLACEHOLDER}).for_policy
    assert check_stack(resources, context) == []
    unwired = edited(resources, HELM_CHART, GATEWAY_CHART, lambda i: _gateway_values(i)["gateway"].update(env=[]))
    assert violations(unwired, context, "gateway-auth-not-open")


# Exposure and gateway limits


@pytest.mark.parametrize("service_type", ["LoadBalancer", "NodePort"])
def test_external_gateway_the_stack_asks_for(service_type: str) -> None:
    service = {"type": service_type, "allowExternal": True}
    resources, context = variant("prod", {"gateway": {"service": service}}).for_policy
    assert context.gateway_external_allowed
    assert check_stack(resources, context) == []


@pytest.mark.parametrize("service_type", ["LoadBalancer", "NodePort"])
def test_external_gateway_nobody_asked_for(service_type: str) -> None:
    resources, context = variant("prod").for_policy
    assert not context.gateway_external_allowed
    changed = edited(
        resources,
        HELM_CHART,
        GATEWAY_CHART,
        lambda i: _gateway_values(i)["traefik"]["service"].update(type=service_type),
    )
    [violation] = violations(changed, context, "load-balancer-only-when-asked")
    assert violation.message.startswith(f"chart values traefik.service.type is {service_type}")
    assert "set gateway.service.allowExternal: true in the stack file if that is intended" in violation.message


def test_service_a_chart_renders_as_load_balancer() -> None:
    _, context = variant("prod").for_policy
    service = _gateway_child(SERVICE, "traefik-dask-gateway", {"spec": {"type": "LoadBalancer"}})
    text = messages([service], context, "load-balancer-only-when-asked")
    assert "Service 'traefik-dask-gateway' of the gateway chart is LoadBalancer" in text
    allowed = dataclasses.replace(context, gateway_external_allowed=True)
    assert violations([service], allowed, "load-balancer-only-when-asked") == []


def test_idle_timeout_switched_off() -> None:
    resources, context = variant("prod", {"gateway": {"idleTimeoutSeconds": 0}}).for_policy
    [violation] = violations(resources, context, "gateway-cluster-limits")
    assert violation.message == (
        "the gateway's idleTimeout is 0.0, so idle clusters keep their resources forever: "
        "set gateway.idleTimeoutSeconds to a positive number"
    )


def test_cluster_limit_missing_from_the_gateway_config() -> None:
    def drop_max_workers(inputs: dict[str, Any]) -> None:
        (data_env,) = _gateway_values(inputs)["gateway"]["env"]
        data = json.loads(data_env["value"])
        del data["limits"]["clusterMaxWorkers"]
        data_env["value"] = json.dumps(data)

    resources, context = variant("prod").for_policy
    changed = edited(resources, HELM_CHART, GATEWAY_CHART, drop_max_workers)
    [violation] = violations(changed, context, "gateway-cluster-limits")
    assert violation.message == (
        "the gateway's clusterMaxWorkers is None, so one cluster may start any number of workers: "
        "set gateway.clusterMaxWorkers to a positive number"
    )


def test_unreadable_gateway_data() -> None:
    resources, context = variant("prod").for_policy
    changed = edited(
        resources, HELM_CHART, GATEWAY_CHART, lambda i: _gateway_values(i)["gateway"]["env"][0].update(value="{")
    )
    assert messages(changed, context, "gateway-cluster-limits") == (
        "the gateway chart's values carry no dask-platform option data (gateway.env DASK_PLATFORM_GATEWAY)"
    )


# Namespaces


def test_namespace_without_a_pod_security_label() -> None:
    resources, context = variant("prod").for_policy
    changed = edited(resources, NAMESPACE, "dask-users", lambda i: i["metadata"]["labels"].pop(POD_SECURITY_ENFORCE))
    [violation] = violations(changed, context, "namespace-pod-security")
    assert violation.name == "dask-users"
    assert violation.message.startswith(f"the namespace has {POD_SECURITY_ENFORCE}=None: label it with")


def test_privileged_namespaces_only_outside_prod() -> None:
    resources, context = variant("prod", {"namespaces": {"podSecurity": "privileged"}}).for_policy
    found = violations(resources, context, "namespace-pod-security")
    assert found
    assert all("set namespaces.podSecurity to baseline or restricted" in v.message for v in found)
    dev_resources, dev_context = variant("dev", {"namespaces": {"podSecurity": "privileged"}}).for_policy
    assert violations(dev_resources, dev_context, "namespace-pod-security") == []


# Image version consistency


def _images(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [resource for resource in resources if resource["type"] == DOCKER_BUILD_IMAGE]


def test_image_built_with_another_dask_gateway_than_the_chart() -> None:
    resources, context = variant("prod").for_policy
    image = next(r for r in _images(resources) if "DASK_GATEWAY_VERSION" in r["inputs"]["buildArgs"])
    changed = edited(
        resources, DOCKER_BUILD_IMAGE, image["name"], lambda i: i["buildArgs"].update(DASK_GATEWAY_VERSION="2025.1.0")
    )
    [violation] = violations(changed, context, "image-gateway-version")
    assert violation.name == image["name"]
    assert violation.message.startswith(
        "the image is built with dask-gateway 2025.1.0 but the gateway chart is 2026.3.0"
    )
    assert "set images.daskGatewayVersion to the chart version" in violation.message


@pytest.mark.parametrize("digest", ["", "@sha256:" + "b" * 64])
def test_image_with_another_dask_than_the_base_it_builds_from(digest: str) -> None:
    resources, context = variant("prod").for_policy
    # A processor or staging image: a Jupyter kernel layer builds FROM the Jupyter image, which has no Dask.
    derived = next(
        r
        for r in sorted(_images(resources), key=lambda r: r["name"])
        if r["inputs"]["buildArgs"].get("BASE_IMAGE") and not r["inputs"]["buildArgs"].get("KERNEL_IMAGE")
    )
    base_dask = next(
        r["inputs"]["buildArgs"]["DASK_VERSION"]
        for r in _images(resources)
        if derived["inputs"]["buildArgs"]["BASE_IMAGE"] in r["inputs"]["tags"]
    )

    def other_dask(inputs: dict[str, Any]) -> None:
        inputs["buildArgs"].update(DASK_VERSION="2099.1.0", BASE_IMAGE=inputs["buildArgs"]["BASE_IMAGE"] + digest)

    changed = edited(resources, DOCKER_BUILD_IMAGE, derived["name"], other_dask)
    [violation] = violations(changed, context, "image-base-dask-version")
    assert violation.name == derived["name"]
    assert violation.message.startswith(f"the image installs Dask 2099.1.0 on a base with Dask {base_dask}")
