"""Plans of the real stack files, computed once per test session (the program is deterministic)."""

from __future__ import annotations

import functools
from typing import Any

from tools.plan import Plan, plan_stack


@functools.cache
def stack_plan(stack: str) -> Plan:
    return plan_stack(stack)


def resources_of_type(stack: str, resource_type: str) -> list[dict[str, Any]]:
    return [r for r in stack_plan(stack).resources if r["type"] == resource_type]


def one(stack: str, resource_type: str, name: str) -> dict[str, Any]:
    matches = [r for r in resources_of_type(stack, resource_type) if r["name"] == name]
    assert len(matches) == 1, f"expected one {resource_type} named {name} in {stack}, found {len(matches)}"
    return matches[0]
