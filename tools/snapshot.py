"""Committed plan snapshots: what each stack gets, reviewable as a diff in pull requests.

    python -m tools.snapshot [STACK ...]

writes ``tests/stacks/snapshots/<stack>.json`` for the given stacks (default: every ``Pulumi.<stack>.yaml``):
the offline plan's resources (``tools.plan``), sorted by URN, secrets as ``"[secret]"``.
``tests/stacks/test_snapshots.py`` fails while a snapshot differs from the program's plan.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tools.plan import PROJECT_DIR, PlanError, plan

SNAPSHOT_DIR = PROJECT_DIR / "tests" / "stacks" / "snapshots"
REFRESH_COMMAND = ".venv/bin/python -m tools.snapshot"


def stacks(project_dir: Path = PROJECT_DIR) -> list[str]:
    return sorted(path.name.removeprefix("Pulumi.").removesuffix(".yaml") for path in project_dir.glob("Pulumi.*.yaml"))


def snapshot_text(resources: list[dict[str, Any]]) -> str:
    """Stable text: resources register concurrently, so their order varies between runs; URNs are unique."""
    return json.dumps(sorted(resources, key=lambda resource: resource["urn"]), indent=2, sort_keys=True) + "\n"


def snapshot_path(stack: str) -> Path:
    return SNAPSHOT_DIR / f"{stack}.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.snapshot", description=__doc__.split("\n")[0])
    parser.add_argument("stacks", nargs="*", help="stack names (default: every Pulumi.<stack>.yaml)")
    args = parser.parse_args(argv)
    SNAPSHOT_DIR.mkdir(parents=True, exist_ok=True)
    for stack in args.stacks or stacks():
        try:
            text = snapshot_text(plan(stack))
        except PlanError as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        path = snapshot_path(stack)
        changed = not path.is_file() or path.read_text() != text
        path.write_text(text)
        print(f"{'updated' if changed else 'unchanged'}: {path.relative_to(PROJECT_DIR)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
