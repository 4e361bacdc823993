"""Every rule of the pack, gathered from the rule families: each family module declares its own ``RULES``, and
a new rule is added there, beside the checks it shares a family with.

The pack (``policy/pack.py``), ``tools/policy_check.py`` and ``docs/policies.md`` (``tools/policy_reference.py``)
all read this registry, in this order.

What runs or grants (images, exposure, secrets, pod security, cluster-wide grants) is checked in everything,
including the objects a Helm chart renders: they appear as resources of their own in a real preview (their URN's
type chain holds the chart), and offline ``tools/chart_objects.py`` renders them the same way. Rules about what
*we* declare (container resources, wildcards in our RBAC) leave the charts' objects to the chart's pinned version
and check the values we pass instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any

from policy import chart_findings, exposure, network, pod_security, rbac, secrets, supply_chain, workloads
from policy.model import PolicyContext, Resource, Rule, Violation

FAMILIES: tuple[ModuleType, ...] = (
    supply_chain,
    workloads,
    rbac,
    secrets,
    exposure,
    pod_security,
    chart_findings,
    network,
)
"""The rule families, in the order the pack lists their rules; the charts' report comes after the pod security
and RBAC rules whose findings it reports."""

RULES: tuple[Rule, ...] = tuple(rule for family in FAMILIES for rule in family.RULES)
RULES_BY_NAME: dict[str, Rule] = {rule.name: rule for rule in RULES}


def check_stack(resources: Iterable[Resource | Mapping[str, Any]], context: PolicyContext) -> list[Violation]:
    """Every violation of every rule over a stack's resources (``Resource`` objects or ``resources.json`` dicts)."""
    stack = [item if isinstance(item, Resource) else Resource.from_plan(item) for item in resources]
    return [violation for rule in RULES for violation in rule.check_stack(stack, context)]
