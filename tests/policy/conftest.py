"""Stack variants for the policy tests: a real stack file with some config changed, or a plan with inputs edited."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import pytest

from components.config import PROJECT
from policy.pack import stack_context
from policy.rules import PolicyContext, Violation, check_stack
from tests.stacks.conftest import stack_plan
from tools.plan import PROJECT_DIR, StackConfig, plan, read_stack_config

Resources = list[dict[str, Any]]


@pytest.fixture(autouse=True)
def _no_cli_config(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the Pulumi CLI hands a policy pack must not leak in from the shell running the tests."""
    for name in ("PULUMI_CONFIG", "PULUMI_CONFIG_SECRET_KEYS", "PULUMI_STACK"):
        monkeypatch.delenv(name, raising=False)


def _merge(current: Any, change: Any) -> Any:
    if isinstance(current, dict) and isinstance(change, dict):
        return {**current, **{key: _merge(current.get(key), value) for key, value in change.items()}}
    return change


def stack_variant(stack: str, changes: Mapping[str, Any], secrets: Iterable[str] = ()) -> StackConfig:
    """The stack file's config with ``changes`` merged into its sections, plus secret keys as the CLI marks them."""
    values, secret_keys = read_stack_config(PROJECT_DIR / f"Pulumi.{stack}.yaml")
    values = dict(values)
    for section, change in changes.items():
        key = f"{PROJECT}:{section}"
        current = json.loads(values[key]) if key in values and values[key].startswith(("{", "[")) else values.get(key)
        merged = _merge(current, change)
        values[key] = merged if isinstance(merged, str) else json.dumps(merged)
    for secret in secrets:
        values[f"{PROJECT}:{secret}"] = "[secret]"
        secret_keys = [*secret_keys, f"{PROJECT}:{secret}"]
    return values, secret_keys


def planned(
    stack: str, changes: Mapping[str, Any] | None = None, secrets: Iterable[str] = ()
) -> tuple[Resources, PolicyContext]:
    """A stack's plan and policy context, from its stack file or a variant of it."""
    if not changes and not secrets:
        return copy.deepcopy(stack_plan(stack).resources), stack_context(stack)
    config = stack_variant(stack, changes or {}, secrets)
    return plan(stack, config=config), stack_context(stack, config=config)


def find(resources: Resources, resource_type: str, name: str) -> dict[str, Any]:
    matches = [r for r in resources if r["type"] == resource_type and r["name"] == name]
    assert len(matches) == 1, f"expected one {resource_type} {name}, found {len(matches)}"
    return matches[0]


def edited(resources: Resources, resource_type: str, name: str, edit: Callable[[dict[str, Any]], Any]) -> Resources:
    """A copy of the plan with ``edit`` applied to one resource's inputs."""
    changed = copy.deepcopy(resources)
    edit(find(changed, resource_type, name)["inputs"])
    return changed


def violations(resources: Iterable[Mapping[str, Any]], context: PolicyContext, rule: str) -> list[Violation]:
    return [violation for violation in check_stack(resources, context) if violation.rule == rule]


def messages(resources: Iterable[Mapping[str, Any]], context: PolicyContext, rule: str) -> str:
    return "\n".join(violation.message for violation in violations(resources, context, rule))
