"""Each rule family declares its own rules and the registry gathers them: every rule once, in the pack's order."""

from __future__ import annotations

from policy.registry import FAMILIES, RULES, RULES_BY_NAME


def test_each_family_registers_the_rules_it_defines_under_unique_names() -> None:
    for family in FAMILIES:
        for rule in family.RULES:
            check = rule.resource_check or rule.stack_check
            assert check is not None, rule.name
            assert check.__module__ == family.__name__, rule.name
    assert len(RULES_BY_NAME) == len(RULES)


def test_the_pack_lists_the_rules_family_by_family() -> None:
    assert [family.__name__ for family in FAMILIES] == [
        "policy.supply_chain",
        "policy.workloads",
        "policy.rbac",
        "policy.secrets",
        "policy.exposure",
        "policy.pod_security",
        "policy.chart_findings",
        "policy.network",
    ]
    assert [rule.name for rule in RULES] == [
        "helm-chart-pinned",
        "images-pinned-and-allowed",
        "image-gateway-version",
        "image-base-dask-version",
        "container-resources",
        "gateway-cluster-limits",
        "rbac-no-wildcards",
        "cluster-role-binding-only-when-asked",
        "rbac-no-broad-bindings",
        "rbac-no-cluster-wide-secrets-or-exec",
        "no-plaintext-secrets",
        "gateway-auth-not-open",
        "load-balancer-only-when-asked",
        "namespace-pod-security",
        "pods-not-privileged",
        "pods-no-host-path",
        "pods-no-host-namespaces",
        "pods-not-root",
        "pods-seccomp",
        "chart-upstream-findings",
        "workloads-network-policy",
    ]
