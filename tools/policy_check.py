"""Run the policy rules over stacks' offline plans, without a Pulumi CLI or a cluster.

    python -m tools.policy_check dev prod

prints every violation with the enforcement it would have in that stack, and exits 1 when one is mandatory.
"""

from __future__ import annotations

import argparse
import sys

from config.stack import ConfigError
from policy.pack import stack_context
from policy.rules import RULES_BY_NAME, check_stack
from tools.plan import PlanError, plan


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.policy_check", description=__doc__.split("\n")[0])
    parser.add_argument("stacks", nargs="+", help="stack names, e.g. dev prod (reads Pulumi.<stack>.yaml)")
    args = parser.parse_args(argv)
    blocking = 0
    for stack in args.stacks:
        try:
            context = stack_context(stack)
            violations = check_stack(plan(stack), context)
        except (ConfigError, PlanError) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2
        for violation in violations:
            level = RULES_BY_NAME[violation.rule].enforcement(context.environment)
            blocking += level == "mandatory"
            print(f"{stack} ({context.environment}) {level}: {violation}")
        print(f"{stack}: {len(violations)} violation(s) of {len(RULES_BY_NAME)} rules")
    return 1 if blocking else 0


if __name__ == "__main__":
    sys.exit(main())
