"""The pulumi-policy pack: it loads, builds one policy per rule for the stack's environment, and its policies
report exactly what the rules find. No Pulumi engine runs here, so the engine's side is played by hand:
``PolicyPack`` is replaced by a recorder, and policies get the argument objects the engine would build."""

from __future__ import annotations

import json
import runpy
import sys
from typing import Any

import pulumi_policy
import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

from config.stack import PROJECT_DIR
from policy.model import DOCKER_BUILD_IMAGE, PolicyContext
from policy.pack import PACK_NAME, build_policies
from policy.registry import RULES
from tests.helpers import edited, find, variant

PACK_MAIN = PROJECT_DIR / "policy" / "__main__.py"
CLUSTER_ROLE = "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"
DEPLOYMENT = "kubernetes:apps/v1:Deployment"
UPSTREAM_RULE = "chart-upstream-findings"
OPTIONS = PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def _run_pack(monkeypatch: pytest.MonkeyPatch, **environment: str) -> dict[str, Any]:
    """Run policy/__main__.py as the CLI would, recording what it hands to PolicyPack instead of serving it."""
    recorded: dict[str, Any] = {}
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda **kwargs: recorded.update(kwargs))
    monkeypatch.setattr(sys, "path", list(sys.path))
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    runpy.run_path(str(PACK_MAIN), run_name="__main__")
    return recorded


def _levels(recorded: dict[str, Any]) -> dict[str, EnforcementLevel]:
    return {policy.name: policy.enforcement_level for policy in recorded["policies"]}


def _policy(context: PolicyContext, name: str) -> Any:
    return next(policy for policy in build_policies(context) if policy.name == name)


def _validate(policy: ResourceValidationPolicy, resource: dict[str, Any], config: Any = None) -> list[Any]:
    reports: list[Any] = []
    args = ResourceValidationArgs(
        resource["type"],
        unknown_checking_proxy(resource["inputs"]),
        resource["urn"],
        resource["name"],
        OPTIONS,
        None,
        config,
    )
    policy.validate(args, lambda message, urn=None: reports.append((message, urn)))
    return reports


def test_pack_enforces_every_rule_in_prod_but_the_report_of_known_upstream_findings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recorded = _run_pack(monkeypatch, PULUMI_STACK="prod")
    assert recorded["name"] == PACK_NAME
    levels = _levels(recorded)
    assert list(levels) == [rule.name for rule in RULES]
    assert levels.pop(UPSTREAM_RULE) == EnforcementLevel.ADVISORY
    assert set(levels.values()) == {EnforcementLevel.MANDATORY}


def test_pack_leaves_production_concerns_advisory_in_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    levels = _levels(_run_pack(monkeypatch, PULUMI_STACK="organization/dask-platform/dev"))
    advisory = {name for name, level in levels.items() if level == EnforcementLevel.ADVISORY}
    assert advisory == {rule.name for rule in RULES if rule.enforcement("dev") == "advisory"}
    assert levels["rbac-no-wildcards"] == EnforcementLevel.MANDATORY


def test_pack_reads_the_config_the_cli_hands_over_before_the_stack_file(monkeypatch: pytest.MonkeyPatch) -> None:
    levels = _run_pack(monkeypatch, PULUMI_STACK="prod", PULUMI_CONFIG=json.dumps({"dask-platform:environment": "dev"}))
    assert _levels(levels)["images-pinned-and-allowed"] == EnforcementLevel.ADVISORY


def test_pack_outside_a_stack_is_strict(monkeypatch: pytest.MonkeyPatch) -> None:
    levels = _levels(_run_pack(monkeypatch))
    assert levels.pop(UPSTREAM_RULE) == EnforcementLevel.ADVISORY
    assert set(levels.values()) == {EnforcementLevel.MANDATORY}


def test_pack_stops_on_a_bad_stack_config_with_the_programs_message(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = json.dumps({"dask-platform:gateway": json.dumps({"clusterMaxWorkerz": 4})})
    with pytest.raises(SystemExit) as stopped:
        _run_pack(monkeypatch, PULUMI_STACK="prod", PULUMI_CONFIG=bad)
    message = str(stopped.value.code)
    assert message.startswith("dask-platform policy pack: Pulumi.prod.yaml: dask-platform:gateway.clusterMaxWorkerz:")
    assert "dask-platform:gateway.clusterMaxWorkerz: unknown key" in message


def test_resource_policy_reports_what_the_rule_finds() -> None:
    resources, context = variant("prod").for_policy
    changed = edited(resources, CLUSTER_ROLE, "dask-operator-user", lambda i: i["rules"][0].update(verbs=["*"]))
    role = find(changed, CLUSTER_ROLE, "dask-operator-user")
    policy = _policy(context, "rbac-no-wildcards")
    assert isinstance(policy, ResourceValidationPolicy)
    assert _validate(policy, role) == [
        ("rules[0].verbs contains '*': list exactly the verbs the role needs", role["urn"])
    ]
    assert _validate(policy, find(resources, CLUSTER_ROLE, "dask-operator-user")) == []


def test_every_resource_policy_passes_the_prod_plan_as_the_engine_hands_it_over() -> None:
    resources, context = variant("prod").for_policy
    policies = [p for p in build_policies(context) if isinstance(p, ResourceValidationPolicy)]
    assert [(p.name, r["name"]) for p in policies for r in resources if _validate(p, r)] == []


def test_pack_config_extends_the_allowed_images() -> None:
    resources, context = variant("dev").for_policy
    changed = edited(
        resources,
        DEPLOYMENT,
        "dask-session",
        lambda i: i["spec"]["template"]["spec"]["containers"][0].update(image="quay.io/acme/dask:1.0"),
    )
    session = find(changed, DEPLOYMENT, "dask-session")
    policy = _policy(context, "images-pinned-and-allowed")
    [(message, _)] = _validate(policy, session)
    assert "'quay.io/acme/dask:1.0' is not from the stack's registry or the allowed list" in message
    assert _validate(policy, session, {"allowedImagePrefixes": ["quay.io/acme"]}) == []


def test_values_unknown_during_preview_raise_the_engines_error() -> None:
    resources, context = variant("dev").for_policy
    changed = edited(
        resources,
        DEPLOYMENT,
        "dask-session",
        lambda i: i["spec"]["template"]["spec"]["containers"][0].update(image=UNKNOWN_STRING_VALUE),
    )
    with pytest.raises(UnknownValueError):
        _validate(_policy(context, "images-pinned-and-allowed"), find(changed, DEPLOYMENT, "dask-session"))


def test_stack_policy_checks_what_is_known_during_preview() -> None:
    resources, context = variant("prod").for_policy
    derived = [r for r in resources if r["type"] == DOCKER_BUILD_IMAGE and r["inputs"]["buildArgs"].get("BASE_IMAGE")]
    assert len(derived) >= 2

    def still_building_base(inputs: dict[str, Any]) -> None:
        inputs["buildArgs"]["BASE_IMAGE"] = UNKNOWN_STRING_VALUE

    changed = edited(resources, DOCKER_BUILD_IMAGE, derived[0]["name"], still_building_base)
    changed = edited(
        changed, DOCKER_BUILD_IMAGE, derived[1]["name"], lambda i: i["buildArgs"].update(DASK_VERSION="1.0.0")
    )
    policy = _policy(context, "image-base-dask-version")
    assert isinstance(policy, StackValidationPolicy)
    stack = [
        PolicyResource(r["type"], unknown_checking_proxy(r["inputs"]), r["urn"], r["name"], OPTIONS, None, None, [], {})
        for r in changed
    ]
    reports: list[Any] = []
    policy.validate(StackValidationArgs(stack), lambda message, urn=None: reports.append((message, urn)))
    [(message, urn)] = reports
    assert urn == derived[1]["urn"]
    assert message.startswith("the image installs Dask 1.0.0 on a base with Dask")
