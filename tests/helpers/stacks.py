"""The repository's stacks: their plans (made once per session), config parsing, and the upstream reference
data."""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from config.platform import PlatformConfig
from config.stack import PROJECT, PROJECT_DIR, ConfigError, parse_stack, stack_source
from render.catalog import image_specs, with_catalog_images
from render.gateway_options import gateway_data_of_env
from tools.plan import Plan, plan_stack

CHART = "kubernetes:helm.sh/v4:Chart"
STACKS = ("dev", "prod")
TEST_STACK_FILE = "Pulumi.test.yaml"
Resources = list[dict[str, Any]]


# Upstream reference data


REFERENCE_DIR = Path(os.environ.get("DASK_PLATFORM_REFERENCE", PROJECT_DIR.parent / "shared" / "reference"))
"""Upstream charts and schemas: ``DASK_PLATFORM_REFERENCE``, or ``shared/reference`` beside the checkout."""


def reference_path(*parts: str) -> Path:
    """``<reference>/<parts>``, or skip (outside CI) / fail (in CI) when it is missing."""
    path = REFERENCE_DIR.joinpath(*parts)
    if path.exists():
        return path
    message = f"reference data {path} is missing: set DASK_PLATFORM_REFERENCE or check out shared/ beside the repo"
    if "CI" in os.environ:
        pytest.fail(f"{message}; CI must have it, so this check cannot be skipped")
    pytest.skip(message)


# Config


def parse(values: Mapping[str, Any], secret_keys: Iterable[str] = ()) -> PlatformConfig:
    """A stack's config from plain values (``{"gateway": {...}}``), as ``config.stack`` validates it."""
    full = {f"{PROJECT}:{key}": value for key, value in values.items()}
    return parse_stack(stack_source(TEST_STACK_FILE, full, [f"{PROJECT}:{key}" for key in secret_keys]))


def error_for(values: Mapping[str, Any], secret_keys: Iterable[str] = ()) -> str:
    """The message a bad config gets; every line of it names the stack file."""
    with pytest.raises(ConfigError) as raised:
        parse(values, secret_keys)
    message = str(raised.value)
    assert all(line.startswith(f"{TEST_STACK_FILE}: ") for line in message.splitlines()), message
    return message


def error_naming(values: Mapping[str, Any], fragments: Iterable[str]) -> str:
    """The message a bad config gets, which must contain every one of ``fragments``."""
    message = error_for(values)
    assert [fragment for fragment in fragments if fragment not in message] == [], message
    return message


def resolved(values: Mapping[str, Any]) -> PlatformConfig:
    """A stack's config as the components get it: the catalog's images filled in."""
    config = parse(values)
    return with_catalog_images(config, image_specs(config.images, config.gateway))


# Plans


@functools.cache
def stack_plan(stack: str) -> Plan:
    """The plan of a repository stack file, once per test session (the program is deterministic)."""
    return plan_stack(stack)


def resources_of_type(stack: str, resource_type: str) -> Resources:
    return [r for r in stack_plan(stack).resources if r["type"] == resource_type]


def one(stack: str, resource_type: str, name: str) -> dict[str, Any]:
    matches = [r for r in resources_of_type(stack, resource_type) if r["name"] == name]
    assert len(matches) == 1, f"expected one {resource_type} named {name} in {stack}, found {len(matches)}"
    return matches[0]


def find(resources: Resources, resource_type: str, name: str) -> dict[str, Any]:
    matches = [r for r in resources if r["type"] == resource_type and r["name"] == name]
    assert len(matches) == 1, f"expected one {resource_type} {name}, found {len(matches)}"
    return matches[0]


def release_inputs(resources: Resources, chart: str) -> dict[str, Any]:
    """The inputs of the one Helm release of ``chart`` in a plan."""
    releases = [r["inputs"] for r in resources if r["type"] == CHART and r["inputs"]["chart"] == chart]
    assert len(releases) == 1, f"expected one release of chart {chart}, found {len(releases)}"
    return releases[0]


def gateway_data(resources: Resources) -> dict[str, Any]:
    """The option data the gateway release of a plan carries (``render/gateway_options.py``)."""
    values = release_inputs(resources, "dask-gateway")["values"]
    data = gateway_data_of_env(values["gateway"]["env"])
    assert data is not None, "the gateway release carries no DASK_PLATFORM_GATEWAY data"
    return data


def dependency_edges(resources: Resources) -> int:
    """How many resource-to-resource dependencies a plan records."""
    return sum(len(resource["dependencies"]) for resource in resources)
