"""Variants of the stacks: a stack file's config with changes merged in, planned on first use."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from config.stack import PROJECT, PROJECT_DIR, cli_config
from policy.model import PolicyContext
from policy.pack import StackConfig, stack_context
from tests.helpers.stacks import Resources, stack_plan
from tools.plan import Plan, plan_stack


class _Delete:
    def __repr__(self) -> str:
        return "DELETE"


DELETE: Final = _Delete()
"""In a ``variant`` override: remove this key (or this whole section) from the stack's config."""


def merged(base: Any, override: Any) -> Any:
    """``override`` merged into ``base``, the one rule every stack variant follows.

    Two mappings merge key by key, recursively, so a nested change keeps its siblings; a key whose override is
    ``DELETE`` is removed. Anything else (a list, a scalar, a mapping over a non-mapping) replaces what was there:
    to change one element of a list, pass the whole new list.
    """
    if not isinstance(override, Mapping):
        return copy.deepcopy(override)
    result = copy.deepcopy(dict(base)) if isinstance(base, Mapping) else {}
    for key, value in override.items():
        if value is DELETE:
            result.pop(key, None)
        else:
            result[key] = merged(result.get(key), value)
    return result


def _decoded(text: str) -> Any:
    """A config value as the CLI passes it: JSON text, or a plain string that is not JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def stack_file_value(stack: str, section: str, default: Any = None) -> Any:
    """One section of a repository stack file (``clusters``, ``gateway``...), decoded."""
    values, _ = cli_config(PROJECT_DIR / f"Pulumi.{stack}.yaml")
    key = f"{PROJECT}:{section}"
    return _decoded(values[key]) if key in values else default


@dataclass(frozen=True)
class Variant:
    """A stack's config and, computed on first use, its plan and policy context."""

    stack: str
    config: StackConfig | None
    """What the CLI would hand the program; ``None``: the stack file as it is."""

    @functools.cached_property
    def plan(self) -> Plan:
        if self.config is None:
            # The stack file's own plan is made once per session; each variant gets a copy it may edit.
            return copy.deepcopy(stack_plan(self.stack))
        return plan_stack(self.stack, config=self.config)

    @property
    def resources(self) -> Resources:
        return self.plan.resources

    @property
    def outputs(self) -> dict[str, Any]:
        return self.plan.outputs

    @functools.cached_property
    def context(self) -> PolicyContext:
        return stack_context(self.stack, config=self.config)

    @property
    def for_policy(self) -> tuple[Resources, PolicyContext]:
        """The plan's resources and the policy context, as a policy pack run gets them."""
        return self.resources, self.context


def variant(
    stack: str,
    changes: Mapping[str, Any] | None = None,
    *,
    secrets: Mapping[str, str] | None = None,
    from_file: bool = True,
) -> Variant:
    """Stack ``stack``: its stack file's config with ``changes`` (``{"gateway": {...}, ...}``) ``merged`` into it.

    ``secrets`` (config key to clear value) are set as the Pulumi CLI hands them over after decrypting a stack
    file: marked secret, so a test can search the plan for the clear text. ``from_file=False`` starts from an
    empty stack file of one's own instead, which sets only ``changes``.
    """
    if from_file and not changes and not secrets:
        return Variant(stack, None)
    values, secret_keys = cli_config(PROJECT_DIR / f"Pulumi.{stack}.yaml") if from_file else ({}, [])
    for section, change in (changes or {}).items():
        key = f"{PROJECT}:{section}"
        if change is DELETE:
            values.pop(key, None)
            continue
        value = merged(_decoded(values[key]) if key in values else None, change)
        values[key] = value if isinstance(value, str) else json.dumps(value)
    for name, secret in (secrets or {}).items():
        values[f"{PROJECT}:{name}"] = secret
        secret_keys = [*(key for key in secret_keys if key != f"{PROJECT}:{name}"), f"{PROJECT}:{name}"]
    return Variant(stack, (values, secret_keys))


@functools.cache
def prod_with_rapids_enabled() -> Resources:
    """The prod plan after a user flips the RAPIDS example's ``enabled`` switch in Pulumi.prod.yaml (planned once;
    do not change it)."""
    clusters = [{**c, "enabled": True} if c["name"] == "rapids" else c for c in stack_file_value("prod", "clusters")]
    return variant("prod", {"clusters": clusters}).resources


# Stacks at scale


def team_with_cluster(index: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Team ``team-<index>`` with a quota, and one small declared cluster in its namespace."""
    name = f"team-{index:03d}"
    team = {
        "name": name,
        "quota": {"pods": 10, "requests": {"cpu": "4", "memory": "16Gi"}, "limits": {"cpu": "8", "memory": "32Gi"}},
    }
    cluster = {
        "name": f"{name}-small",
        "namespace": name,
        "worker": {
            "replicas": 1,
            "resources": {"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "2Gi"}},
        },
    }
    return team, cluster


@functools.cache
def plan_with_teams(count: int, stack: str = "prod") -> Plan:
    """``stack``'s file plus ``count`` teams from ``team_with_cluster``, after the teams and clusters it has."""
    generated = [team_with_cluster(index) for index in range(1, count + 1)]
    teams = [*stack_file_value(stack, "teams", []), *(team for team, _ in generated)]
    clusters = [*stack_file_value(stack, "clusters", []), *(cluster for _, cluster in generated)]
    return variant(stack, {"teams": teams, "clusters": clusters}).plan
