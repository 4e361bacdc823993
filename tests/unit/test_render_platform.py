"""``render_platform`` and ``render_local_platform``: a stack rendered into plain data before any resource exists.

Which Secrets are filled from secret config is decided here, from which values the stack holds; the values
themselves never reach the render layer."""

from __future__ import annotations

from typing import Any

from render.local_platform import render_local_platform
from render.platform import RenderedPlatform, SecretConfig, render_platform
from tests.helpers import parse

HUB = {"apiUrl": "http://hub.jupyterhub.svc.cluster.local:8081/hub/api", "serviceName": "dask-gateway"}


def _rendered(values: dict[str, Any], secrets: SecretConfig) -> RenderedPlatform:
    return render_platform(parse({"environment": "dev", **values}), secrets)


def _secret_names(rendered: RenderedPlatform) -> list[tuple[str, str, str]]:
    slots = [rendered.gateway.password_secret, rendered.gateway.hub_token_secret]
    slots += [rendered.session.password_secret if rendered.session else None]
    slots += [rendered.smoke_check.password_secret if rendered.smoke_check else None]
    return [
        (slot.manifest["metadata"]["namespace"], slot.manifest["metadata"]["name"], slot.key)
        for slot in slots
        if slot is not None
    ]


def test_the_gateway_password_is_copied_where_it_is_read_once_the_stack_holds_it() -> None:
    assert _secret_names(_rendered({}, SecretConfig(gateway_password=True))) == [
        ("dask-gateway", "dask-gateway-password", "password"),
        ("dask-users", "dask-session-gateway-password", "password"),
        ("dask-users", "dask-smoke-check-gateway-password", "password"),
    ]


def test_without_the_secret_no_secret_is_declared_and_the_gateway_reads_none() -> None:
    rendered = _rendered({}, SecretConfig())
    assert _secret_names(rendered) == []
    assert "DASK_GATEWAY_PASSWORD" not in str(rendered.gateway.chart.values)


def test_with_jupyterhub_auth_only_the_token_secret_is_filled_even_when_a_password_is_set() -> None:
    values = {
        "gateway": {"auth": {"type": "jupyterhub", "jupyterhub": HUB}},
        "session": {"enabled": False},
        "smokeCheck": {"enabled": False},
    }
    config = parse({"environment": "dev", **values, "jupyterhubApiToken": "token"}, ["jupyterhubApiToken"])
    rendered = render_platform(config, SecretConfig(gateway_password=True, jupyterhub_api_token=True))
    assert _secret_names(rendered) == [("dask-gateway", "dask-gateway-jupyterhub", "api-token")]
    assert rendered.exports["requiredSecrets"] == []


def test_namespace_access_binds_each_user_namespace_alone() -> None:
    operator = _rendered({"namespaces": {"users": ["dask-users", "dask-batch"]}}, SecretConfig()).operator
    assert operator.cluster_binding is None
    assert {name: binding["kind"] for name, binding in operator.namespace_bindings.items()} == {
        "dask-users": "RoleBinding",
        "dask-batch": "RoleBinding",
    }
    assert operator.namespace_bindings["dask-batch"]["subjects"] == [
        {"kind": "ServiceAccount", "name": "dask-user", "namespace": "dask-batch"}
    ]


def test_cluster_access_is_one_binding_naming_every_user_service_account() -> None:
    values = {"namespaces": {"users": ["dask-users", "dask-batch"]}, "operator": {"userAccess": "cluster"}}
    operator = _rendered(values, SecretConfig()).operator
    assert operator.namespace_bindings == {}
    assert operator.cluster_binding is not None
    assert operator.cluster_binding["kind"] == "ClusterRoleBinding"
    assert [subject["namespace"] for subject in operator.cluster_binding["subjects"]] == ["dask-users", "dask-batch"]


def test_every_namespace_enforces_its_own_pod_security_level() -> None:
    values = {"namespaces": {"podSecurity": "restricted", "userPodSecurity": "baseline"}}
    namespaces = _rendered(values, SecretConfig()).namespaces
    enforced = {
        name: manifest["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]
        for name, manifest in namespaces.items()
    }
    assert enforced == {"dask-gateway": "restricted", "dask-operator": "restricted", "dask-users": "baseline"}


def test_the_local_stack_loads_what_its_containers_run_and_pushes_nothing() -> None:
    rendered = render_local_platform(parse({"environment": "local"}))
    assert (rendered.images.push, rendered.images.cache) == (False, False)
    built = {spec.key for spec in rendered.images.specs}
    run = {container.image_key for container in rendered.runtime.containers}
    assert run <= built
    assert "jupyter" in run
    assert "gatewayPassword" not in rendered.exports
    assert rendered.exports["containers"][-1] == "dask-platform-jupyter"
    assert rendered.exports["images"] == {spec.key: spec.reference for spec in rendered.images.specs}
