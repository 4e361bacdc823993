"""The committed plan snapshots match what the program plans for each stack today."""

from __future__ import annotations

import difflib
import json

import pytest

from tools.plan import plan
from tools.snapshot import REFRESH_COMMAND, SNAPSHOT_DIR, snapshot_path, snapshot_text, stacks


def _changes(expected: str, actual: str) -> str:
    """Which resources were added, removed or changed, then the start of the text diff."""
    before = {resource["urn"]: resource for resource in json.loads(expected)}
    after = {resource["urn"]: resource for resource in json.loads(actual)}
    lines = [f"  added: {urn}" for urn in sorted(after.keys() - before.keys())]
    lines += [f"  removed: {urn}" for urn in sorted(before.keys() - after.keys())]
    lines += [f"  changed: {urn}" for urn in sorted(before.keys() & after.keys()) if before[urn] != after[urn]]
    diff = difflib.unified_diff(
        expected.splitlines(keepends=True), actual.splitlines(keepends=True), "committed", "planned", n=2
    )
    return "\n".join(lines) + "\n" + "".join(diff)[:4000]


def test_no_snapshot_without_its_stack_file() -> None:
    orphans = sorted(path.name for path in SNAPSHOT_DIR.glob("*.json") if path.stem not in stacks())
    assert not orphans, f"snapshots {orphans} belong to no Pulumi.<stack>.yaml; delete them"


@pytest.mark.parametrize("stack", stacks())
def test_snapshot_matches_plan(stack: str) -> None:
    path = snapshot_path(stack)
    if not path.is_file():
        pytest.fail(f"{path.name} is missing; create it with `{REFRESH_COMMAND} {stack}`", pytrace=False)
    expected = path.read_text()
    actual = snapshot_text(plan(stack))
    if actual != expected:
        pytest.fail(
            f"the {stack} plan differs from tests/stacks/snapshots/{path.name}. If the change is intended, "
            f"refresh the snapshot with `{REFRESH_COMMAND} {stack}` and commit it.\n{_changes(expected, actual)}",
            pytrace=False,
        )
