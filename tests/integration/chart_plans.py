"""The Helm releases the program declares, taken from offline plans of the stacks and of variants of them.

A chart resource's ``inputs`` (``chart``, ``version``, ``name``, ``namespace``, ``values``) are exactly what
``pulumi up`` hands to Helm, so the tests check those rather than calling the value builders directly.
"""

from __future__ import annotations

import json
from typing import Any

from components.config import PROJECT
from tools.plan import PROJECT_DIR, plan, read_stack_config

CHART = "kubernetes:helm.sh/v4:Chart"
STACKS = ("dev", "prod")


def plan_variant(
    stack: str,
    sections: dict[str, dict[str, Any]] | None = None,
    secrets: dict[str, str] | None = None,
) -> list[dict[str, Any]]:
    """Plan a stack file with top-level keys of some of its sections replaced and secret config set in clear.

    The secrets are handed over as the Pulumi CLI does after decrypting a stack file: as values marked
    secret, so a test can search the plan for the clear text.
    """
    values, secret_keys = read_stack_config(PROJECT_DIR / f"Pulumi.{stack}.yaml")
    for section, replacements in (sections or {}).items():
        key = f"{PROJECT}:{section}"
        values[key] = json.dumps({**json.loads(values.get(key, "{}")), **replacements})
    for name, secret in (secrets or {}).items():
        values[f"{PROJECT}:{name}"] = secret
        secret_keys.append(f"{PROJECT}:{name}")
    return plan(stack, config=(values, secret_keys))


def plan_own_stack(stack: str, sections: dict[str, Any]) -> list[dict[str, Any]]:
    """Plan a stack file of one's own that sets only ``sections``, independent of the repository's stacks."""
    values = {f"{PROJECT}:{section}": json.dumps(value) for section, value in sections.items()}
    return plan(stack, config=(values, []))


def release_inputs(resources: list[dict[str, Any]], chart: str) -> dict[str, Any]:
    """The inputs of the one Helm release of ``chart`` in a plan."""
    releases = [r["inputs"] for r in resources if r["type"] == CHART and r["inputs"]["chart"] == chart]
    assert len(releases) == 1, f"expected one release of chart {chart}, found {len(releases)}"
    return releases[0]
