"""The one merge rule every stack variant in the tests follows (``tests.helpers.variant``): a test that changes
one nested setting must not silently lose the settings beside it."""

from __future__ import annotations

import json
from typing import Any

from config.stack import SECRET_PLACEHOLDER
from tests.helpers import DELETE, merged, variant

BASE: dict[str, Any] = {
    "auth": {"type": "jupyterhub", "jupyterhub": {"apiUrl": "http://hub", "serviceName": "dask-gateway"}},
    "service": {"type": "ClusterIP"},
    "imagePullSecrets": ["a", "b"],
}


def test_a_nested_change_keeps_its_siblings() -> None:
    assert merged(BASE, {"auth": {"jupyterhub": {"serviceName": "other"}}}) == {
        "auth": {"type": "jupyterhub", "jupyterhub": {"apiUrl": "http://hub", "serviceName": "other"}},
        "service": {"type": "ClusterIP"},
        "imagePullSecrets": ["a", "b"],
    }


def test_delete_removes_a_key_and_only_that_key() -> None:
    assert merged(BASE, {"auth": {"type": "simple", "jupyterhub": DELETE}, "service": DELETE}) == {
        "auth": {"type": "simple"},
        "imagePullSecrets": ["a", "b"],
    }


def test_deleting_a_key_that_is_not_there_changes_nothing() -> None:
    assert merged({"a": 1}, {"b": DELETE}) == {"a": 1}
    assert merged(None, {"a": {"b": DELETE, "c": 1}}) == {"a": {"c": 1}}


def test_a_list_or_a_scalar_replaces_what_was_there() -> None:
    assert merged(BASE, {"imagePullSecrets": ["c"], "service": "none"}) == {
        "auth": BASE["auth"],
        "service": "none",
        "imagePullSecrets": ["c"],
    }


def test_merging_leaves_both_inputs_as_they_were() -> None:
    override = {"auth": {"jupyterhub": {"serviceName": "other"}}, "imagePullSecrets": ["c"]}
    result = merged(BASE, override)
    result["auth"]["jupyterhub"]["apiUrl"] = "changed"
    result["imagePullSecrets"].append("d")
    result["service"]["type"] = "changed"
    assert (BASE["auth"]["jupyterhub"]["apiUrl"], BASE["service"]["type"]) == ("http://hub", "ClusterIP")
    assert BASE["imagePullSecrets"] == ["a", "b"]
    assert override == {"auth": {"jupyterhub": {"serviceName": "other"}}, "imagePullSecrets": ["c"]}


def test_a_variant_merges_into_the_stack_file_and_deletes_whole_sections() -> None:
    values, secret_keys = variant(
        "prod",
        {"gateway": {"auth": {"jupyterhub": {"serviceName": "other"}}}, "monitoring": DELETE},
        secrets={"gatewayPassword": SECRET_PLACEHOLDER},
    ).config or ({}, [])
    hub = json.loads(values["dask-platform:gateway"])["auth"]["jupyterhub"]
    assert hub == {
        "apiTokenSecretName": "jupyterhub-api-token",
        "apiTokenSecretKey": "api-token",
        "apiUrl": "http://hub.jupyterhub.svc.cluster.local:8081/hub/api",
        "serviceName": "other",
    }
    assert json.loads(values["dask-platform:gateway"])["clusterMaxWorkers"] == 32
    assert "dask-platform:monitoring" not in values
    assert values["dask-platform:environment"] == "prod"
    assert (values["dask-platform:gatewayPassword"], secret_keys) == ("[secret]", ["dask-platform:gatewayPassword"])


def test_a_stack_of_ones_own_sets_only_the_changes() -> None:
    config = variant("mine", {"environment": "dev", "operator": {"scope": "namespace"}}, from_file=False).config
    assert config == ({"dask-platform:environment": "dev", "dask-platform:operator": '{"scope": "namespace"}'}, [])


def test_the_stack_file_as_it_is_has_no_config_of_its_own() -> None:
    assert variant("dev").config is None
