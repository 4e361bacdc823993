"""The report of what the pinned charts' own objects do that the pod security and RBAC rules would refuse.

These checks apply to everything that runs or grants, ours and the charts' alike; a chart object's finding that
``policy/upstream.py`` lists is reported here with its reason, advisory in every environment, and its rule passes
it. Wildcards in the charts' RBAC are reported here too, reviewed or not (our own roles have rbac-no-wildcards).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from policy import pod_security, rbac
from policy.model import Finding, PolicyContext, Resource, Rule
from policy.supply_chain import built_images
from policy.upstream import upstream_reason


def _chart_object_findings(resources: Sequence[Resource]) -> list[tuple[Resource, Finding]]:
    built = built_images(resources)
    found = [
        (resource, finding)
        for resource in resources
        if resource.rendered_by_chart
        for finding in (*pod_security.chart_findings(resource, built), *rbac.chart_findings(resource))
    ]
    found += [(r, f) for r, f in rbac.stack_cluster_grant_findings(resources) if r.rendered_by_chart]
    return found


def check_upstream_findings(resources: Sequence[Resource], context: PolicyContext) -> Iterator[tuple[Resource, str]]:
    """Every finding in a chart's objects: the known ones with their reason, unknown wildcards as unreviewed
    (unknown findings of the other kinds are reported, mandatory in prod, by their own rules)."""
    for resource, finding in _chart_object_findings(resources):
        reason = upstream_reason(resource, finding)
        if reason is not None:
            yield resource, f"{finding.message}: {reason}"
        elif finding.code == "wildcard":
            yield (
                resource,
                (
                    f"{finding.message}: not a reviewed upstream grant; review it and add it to policy/upstream.py "
                    "UPSTREAM_FINDINGS with its reason, or narrow it through the chart's values"
                ),
            )


RULES: tuple[Rule, ...] = (
    Rule(
        "chart-upstream-findings",
        "Reports what the pinned charts' own objects do that the rules above would refuse, each with the reason it "
        "is there and how to narrow it, and wildcards in the charts' RBAC. Advisory in every environment: these are "
        "reviewed upstream choices a stack cannot change but through the chart's values (operator.scope: namespace "
        "for the operator's grants); anything not on the reviewed list is refused by the rule of its kind.",
        "advisory",
        stack_check=check_upstream_findings,
        prod_enforcement="advisory",
    ),
)
