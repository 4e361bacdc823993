"""Run the policy rules over stacks' offline plans and the objects their charts deploy, without a Pulumi CLI or
a cluster.

    python -m tools.policy_check dev prod [--no-charts]

renders each Helm Chart of the plan from its own inputs (``tools/chart_objects.py``), as ``pulumi preview`` does,
and runs every rule over the plan and those objects together. It prints every violation with the enforcement it
would have in that stack, and exits 1 when one is mandatory (2 when a stack cannot be planned or a chart rendered).
"""

from __future__ import annotations

import argparse
import sys

from config.stack import ConfigError
from policy.model import Resource
from policy.pack import stack_context
from policy.registry import RULES_BY_NAME, check_stack
from tools.chart_objects import ChartSourceError, chart_objects
from tools.plan import PlanError, plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.policy_check", description=__doc__.split("\n")[0])
    parser.add_argument("stacks", nargs="+", help="stack names, e.g. dev prod (reads Pulumi.<stack>.yaml)")
    parser.add_argument(
        "--no-charts",
        action="store_true",
        help="check the plan only, without rendering the charts (e.g. without the gateway chart's reference data)",
    )
    args = parser.parse_args(argv)
    blocking = 0
    for stack in args.stacks:
        try:
            context = stack_context(stack)
            resources = [Resource.from_plan(entry) for entry in plan(stack)]
            rendered = [] if args.no_charts else chart_objects(resources)
            violations = check_stack([*resources, *rendered], context)
        except (ConfigError, PlanError, ChartSourceError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        for violation in violations:
            level = RULES_BY_NAME[violation.rule].enforcement(context.environment)
            blocking += level == "mandatory"
            print(f"{stack} ({context.environment}) {level}: {violation}")
        charts = "charts not rendered" if args.no_charts else f"{len(rendered)} objects rendered from its charts"
        counted = f"{len(resources)} resources, {charts}"
        print(f"{stack}: {len(violations)} violation(s) of {len(RULES_BY_NAME)} rules ({counted})")
    return 1 if blocking else 0


if __name__ == "__main__":
    sys.exit(main())
