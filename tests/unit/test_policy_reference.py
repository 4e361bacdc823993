"""docs/policies.md is generated from the policy registry: every rule the pack enforces is in it, as enforced."""

from __future__ import annotations

from policy.registry import RULES
from policy.upstream import UPSTREAM_FINDINGS
from tools.policy_reference import render


def test_every_registered_rule_has_a_row() -> None:
    rows = [line for line in render().splitlines() if line.startswith("| `")]
    for rule in RULES:
        assert sum(row.startswith(f"| `{rule.name}` |") for row in rows) == 1, rule.name
    assert len(RULES) == 21


def test_rows_name_the_family_and_the_enforcement_of_each_environment() -> None:
    text = render()
    assert "| `helm-chart-pinned` | `policy/supply_chain.py` | mandatory | mandatory | Helm charts are pinned" in text
    assert "| `pods-seccomp` | `policy/pod_security.py` | advisory | mandatory |" in text
    assert "| `chart-upstream-findings` | `policy/chart_findings.py` | advisory | advisory |" in text


def test_cells_escape_what_markdown_would_read_as_table_or_markup() -> None:
    text = render()
    assert "system:serviceaccounts(:&lt;namespace>)" in text
    assert "(get, list, watch, \\*)" in text
    assert "ClusterRole named `(api\\|controller)-.+`" in text


def test_every_reviewed_upstream_finding_is_listed_with_its_reason() -> None:
    text = render()
    for known in UPSTREAM_FINDINGS:
        assert known.reason in text
    assert "| DaskGateway | ClusterRole named `traefik-.+` | cluster-grant on `secrets` |" in text
