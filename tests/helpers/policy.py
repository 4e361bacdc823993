"""Policy runs over plans, and the objects the Helm charts deploy (the only helpers that need helm-python-sdk)."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from config.stack import PROJECT
from policy.model import PolicyContext, Resource, Violation
from policy.registry import check_stack
from tests.helpers.stacks import CHART, REFERENCE_DIR, Resources, find, reference_path, stack_plan
from tools.chart_objects import chart_objects


def edited(resources: Resources, resource_type: str, name: str, edit: Callable[[dict[str, Any]], Any]) -> Resources:
    """A copy of the plan with ``edit`` applied to one resource's inputs."""
    changed = copy.deepcopy(resources)
    edit(find(changed, resource_type, name)["inputs"])
    return changed


def violations(resources: Iterable[Mapping[str, Any]], context: PolicyContext, rule: str) -> list[Violation]:
    return [violation for violation in check_stack(resources, context) if violation.rule == rule]


def messages(resources: Iterable[Mapping[str, Any]], context: PolicyContext, rule: str) -> str:
    return "\n".join(violation.message for violation in violations(resources, context, rule))


def stack_with_chart_objects(stack: str) -> list[Resource]:
    """A repository stack's plan plus every object its Helm charts render (``tools/chart_objects.py``), as
    ``pulumi preview`` registers them; skips (fails in CI) without the gateway chart's reference data."""
    reference_path("dask-gateway-chart")
    return list(_stack_with_chart_objects(stack))


@functools.cache
def _stack_with_chart_objects(stack: str) -> tuple[Resource, ...]:
    resources = [Resource.from_plan(entry) for entry in stack_plan(stack).resources]
    return (*resources, *chart_objects(resources, REFERENCE_DIR))


def chart_child(component: str, chart: str, resource_type: str, name: str, inputs: Mapping[str, Any]) -> Resource:
    """An object the Helm Chart ``chart`` declared by the component type ``component`` renders, as a real preview
    registers it; ``metadata.name`` is ``name`` unless ``inputs`` sets one."""
    urn = f"urn:pulumi:prod::{PROJECT}::{component}${CHART}${resource_type}::{chart}:{name}"
    metadata = {"name": name, **dict(inputs.get("metadata") or {})}
    return Resource(urn=urn, type=resource_type, name=f"{chart}:{name}", inputs={**inputs, "metadata": metadata})


def own_resource(resource_type: str, name: str, inputs: Mapping[str, Any]) -> Resource:
    """A resource the program declares itself (not rendered by a chart), with ``metadata.name`` ``name``."""
    urn = f"urn:pulumi:prod::{PROJECT}::{resource_type}::{name}"
    metadata = {"name": name, **dict(inputs.get("metadata") or {})}
    return Resource(urn=urn, type=resource_type, name=name, inputs={**inputs, "metadata": metadata})
