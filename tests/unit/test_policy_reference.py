"""docs/policies.md is generated from the policy registry: every rule the pack enforces is in it, as enforced."""

from __future__ import annotations

from pathlib import Path

import pytest

from policy.registry import RULES
from policy.upstream import UPSTREAM_FINDINGS
from tools import policy_reference
from tools.policy_reference import POLICIES_DOC, render


def test_docs_policies_is_what_the_registry_generates() -> None:
    assert POLICIES_DOC.read_text() == render(), "run `python -m tools.policy_reference` and commit docs/policies.md"


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


def test_check_fails_on_a_stale_file_and_passes_once_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stale = tmp_path / "docs" / "policies.md"
    monkeypatch.setattr(policy_reference, "POLICIES_DOC", stale)
    assert policy_reference.main(["--check"]) == 1
    stale.parent.mkdir()
    stale.write_text("# Policies\n")
    assert policy_reference.main(["--check"]) == 1
    assert policy_reference.main([]) == 0
    assert stale.read_text() == render()
    assert policy_reference.main(["--check"]) == 0
