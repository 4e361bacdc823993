"""The gateway document every stack plans has exactly the shape ``shipped/gateway_contract.py`` declares.

mypy checks that render builds the TypedDicts and that the handler reads them; this checks the JSON that actually
travels, so a value that reaches the document untyped (a model dump, a JSON round trip) cannot drift from it.
"""

from __future__ import annotations

import json
import types
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints, is_typeddict

import pytest

from config.gateway import GatewayConfig
from config.teams import TeamConfig
from render.gateway_options import gateway_options_data
from shipped.gateway_contract import GatewayData, MemoryData
from tests.helpers import gateway_data, stack_plan

IMAGE, RAPIDS = "registry.example.org/acme/dask:py3.13", "nvcr.io/nvidia/rapidsai/base:26.02"


def contract_problems(value: Any, expected: Any, at: str = "data") -> list[str]:
    """Where ``value`` departs from the type ``expected``: missing or unknown keys, wrong types, unknown literals."""
    origin = get_origin(expected)
    if expected is Any:
        return []
    if is_typeddict(expected):
        if not isinstance(value, dict):
            return [f"{at} is {value!r}, not an object"]
        hints = get_type_hints(expected)
        problems = [f"{at} lacks {key!r}" for key in sorted(expected.__required_keys__ - value.keys())]
        problems += [f"{at} has {key!r}, which the contract does not name" for key in sorted(value.keys() - hints)]
        for key in sorted(value.keys() & hints.keys()):
            problems += contract_problems(value[key], hints[key], f"{at}.{key}")
        return problems
    if origin in (Union, types.UnionType):
        alternatives = [contract_problems(value, each, at) for each in get_args(expected)]
        return [] if any(not problems for problems in alternatives) else alternatives[0]
    if origin is Literal:
        return [] if value in get_args(expected) else [f"{at} is {value!r}, not one of {get_args(expected)}"]
    if origin is dict:
        if not isinstance(value, dict):
            return [f"{at} is {value!r}, not an object"]
        item = get_args(expected)[1]
        return [problem for key, each in value.items() for problem in contract_problems(each, item, f"{at}.{key}")]
    if origin is list:
        if not isinstance(value, list):
            return [f"{at} is {value!r}, not a list"]
        item = get_args(expected)[0]
        return [problem for i, each in enumerate(value) for problem in contract_problems(each, item, f"{at}[{i}]")]
    allowed = {float: (int, float), int: (int,), str: (str,), bool: (bool,), type(None): (type(None),)}[expected]
    if isinstance(value, bool) and expected is not bool:
        return [f"{at} is {value!r}, not a {expected.__name__}"]
    return [] if isinstance(value, allowed) else [f"{at} is {value!r}, not a {expected.__name__}"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_each_kubernetes_stacks_gateway_document_fits_the_contract(stack: str) -> None:
    assert contract_problems(gateway_data(stack_plan(stack).resources), GatewayData) == []


def test_each_local_gateway_images_document_fits_the_contract() -> None:
    documents = [
        json.loads(resource["inputs"]["buildArgs"]["GATEWAY_OPTIONS"])
        for resource in stack_plan("local").resources
        if "GATEWAY_OPTIONS" in resource["inputs"].get("buildArgs", {})
    ]
    # One gateway per profile's local base image in Pulumi.local.yaml.
    assert len(documents) == 2
    assert [contract_problems(document, GatewayData) for document in documents] == [[], []]


def test_a_document_with_every_optional_part_fits_the_contract() -> None:
    gateway = GatewayConfig.model_validate(
        {
            "clusterMaxMemory": "64 G",
            "clustersPerUser": 3,
            "extraOptions": [
                {"name": "scheduler_memory", "type": "string", "default": "2 G", "choices": ["2 G", "4 G"],
                 "goesTo": {"clusterConfig": "scheduler_memory"}},
                {"name": "scheduler_cores", "type": "float", "default": 1, "min": 0.5, "max": 4,
                 "goesTo": {"clusterConfig": "scheduler_cores"}},
                {"name": "spot", "type": "bool", "default": False, "goesTo": {"label": "acme.io/spot"}},
            ],
            "profileOption": {"enabled": True},
            "gpuOption": {"maxPerWorker": 2, "images": [RAPIDS]},
        }
    )  # fmt: skip
    team = TeamConfig.model_validate(
        {"name": "team-a", "gatewayGroups": ["a"], "gateway": {"clusterMaxWorkers": 4, "profiles": ["new"]}}
    )
    data = gateway_options_data(
        gateway,
        default_image=IMAGE,
        team_namespaces={"a": "team-a"},
        password_env="DASK_GATEWAY_PASSWORD",
        profile_images={"new": IMAGE},
        default_profile="new",
        teams=[team],
        password_file="/run/password",
    )
    assert {"gpu", "profile"} <= data["options"].keys()
    assert "profiles" in data["teamLimits"]["team-a"]
    assert "bytes" in data["options"]["extra"][0]
    assert contract_problems(json.loads(json.dumps(data)), GatewayData) == []


def test_a_document_that_departs_from_the_contract_is_told_where() -> None:
    bounds = {"maxLength": 32, "default": "2 G", "min": "1 G", "max": True, "minBytes": 1, "extra": 0}
    assert contract_problems(bounds, MemoryData, "workerMemory") == [
        "workerMemory lacks 'maxBytes'",
        "workerMemory has 'extra', which the contract does not name",
        "workerMemory.max is True, not a str",
    ]
