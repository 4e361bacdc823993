"""The policy rules over what the charts deploy: both charts rendered from the plan's own Chart inputs, as
``pulumi preview`` registers their objects, and the stacks passing with them (only advisory findings, each a
reviewed upstream one with its reason)."""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest

from policy.model import HELM_CHART, Resource
from policy.registry import RULES_BY_NAME, check_stack
from tests.helpers import STACKS, stack_plan, stack_with_chart_objects, variant
from tools.chart_objects import ChartSourceError, chart_objects, render_chart
from tools.policy_check import main as policy_check

pytestmark = pytest.mark.slow

UPSTREAM = "chart-upstream-findings"


def _charted(stack: str) -> list[Resource]:
    return [r for r in stack_with_chart_objects(stack) if r.rendered_by_chart]


@pytest.mark.parametrize("stack", STACKS)
def test_both_charts_render_with_their_crds_under_their_chart(stack: str) -> None:
    rendered = _charted(stack)
    kinds = Counter(r.kind for r in rendered)
    assert kinds["CustomResourceDefinition"] >= 5  # the operator's four and the gateway's own
    assert kinds["Deployment"] == 4  # the operator; the gateway's api, controller and traefik
    operator = [r for r in rendered if r.chart_component == "dask-platform:operator:DaskOperator"]
    assert {r.kind for r in operator} >= {"ClusterRole", "ClusterRoleBinding", "Deployment", "CustomResourceDefinition"}
    deployment = next(r for r in operator if r.kind == "Deployment")
    assert deployment.urn == (
        f"urn:pulumi:{stack}::dask-platform::dask-platform:operator:DaskOperator$kubernetes:helm.sh/v4:Chart"
        "$kubernetes:apps/v1:Deployment::dask-operator-chart:dask-operator/dask-kubernetes-operator"
    )
    assert deployment.namespace == "dask-operator"
    role = next(r for r in operator if r.kind == "ClusterRole")
    assert role.namespace is None and role.name == "dask-operator-chart:dask-kubernetes-operator-role-cluster"


@pytest.mark.parametrize("stack", STACKS)
def test_stack_with_its_charts_objects_has_no_mandatory_violation(stack: str) -> None:
    resources, context = variant(stack).for_policy
    found = check_stack([*resources, *_charted(stack)], context)
    mandatory = [str(v) for v in found if RULES_BY_NAME[v.rule].enforcement(context.environment) == "mandatory"]
    assert mandatory == []
    assert {v.rule for v in found} == {UPSTREAM}
    assert all("known upstream" in v.message or "the dask-" in v.message for v in found)


@pytest.mark.parametrize("stack", STACKS)
def test_the_operators_cluster_wide_grant_on_pods_is_reported_with_its_reason(stack: str) -> None:
    resources, context = variant(stack).for_policy
    found = [v for v in check_stack([*resources, *_charted(stack)], context) if v.rule == UPSTREAM]
    [pods] = [
        v for v in found if "dask-kubernetes-operator-role-cluster' grants every verb ('*') on 'pods'" in v.message
    ]
    assert "known upstream grant" in pods.message
    assert "operator.scope: namespace narrows it" in pods.message
    assert RULES_BY_NAME[UPSTREAM].enforcement(context.environment) == "advisory"


def test_a_chart_object_the_rules_refuse_is_mandatory_in_prod() -> None:
    resources, context = variant("prod").for_policy
    rendered = _charted("prod")
    traefik = next(r for r in rendered if r.kind == "Service" and r.object_name.startswith("traefik-"))
    exposed = dataclasses.replace(
        traefik, inputs={**traefik.inputs, "spec": {**traefik.inputs["spec"], "type": "NodePort"}}
    )
    changed = [exposed if r is traefik else r for r in rendered]
    found = [v for v in check_stack([*resources, *changed], context) if v.rule == "load-balancer-only-when-asked"]
    assert [v.urn for v in found] == [traefik.urn]


def test_a_missing_chart_source_says_where_it_was_looked_for(tmp_path: Path) -> None:
    gateway = next(
        Resource.from_plan(r)
        for r in stack_plan("dev").resources
        if r["type"] == HELM_CHART and r["inputs"]["chart"] == "dask-gateway"
    )
    with pytest.raises(
        ChartSourceError,
        match=r"chart dask-gateway 2026\.3\.0: no chart source at .*dask-gateway-chart/2026\.3\.0/chart",
    ):
        render_chart(gateway, reference=tmp_path)
    with pytest.raises(ChartSourceError, match="installed dask-kubernetes wheel is"):
        chart_objects(
            [dataclasses.replace(_operator_chart(), inputs={**_operator_chart().inputs, "version": "1999.1.0"})]
        )


def _operator_chart() -> Resource:
    return next(
        Resource.from_plan(r)
        for r in stack_plan("dev").resources
        if r["type"] == HELM_CHART and r["inputs"]["chart"] == "dask-kubernetes-operator"
    )


def test_policy_check_renders_the_charts_and_passes_both_stacks(capsys: pytest.CaptureFixture[str]) -> None:
    stack_with_chart_objects("dev")  # skips without the reference data
    assert policy_check(["dev", "prod"]) == 0
    out = capsys.readouterr().out
    assert "advisory: [chart-upstream-findings]" in out
    assert "mandatory" not in out
    assert "objects rendered from its charts" in out
