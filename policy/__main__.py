"""The dask-platform policy pack: `pulumi preview --policy-pack policy` runs this file (see policy/pack.py)."""

import sys
from pathlib import Path

# The CLI starts the pack in policy/; the rules read the stack through the program's own config layer, which
# lives in the project root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pulumi_policy import EnforcementLevel, PolicyPack

from config.stack import ConfigError
from policy.pack import PACK_NAME, build_policies, stack_context

try:
    context = stack_context()
except ConfigError as error:
    # The program stops with the same message; the pack adds no traceback to it.
    sys.exit(f"{PACK_NAME} policy pack: {error}")

PolicyPack(
    name=PACK_NAME,
    policies=build_policies(context),
    enforcement_level=EnforcementLevel.MANDATORY,
)
