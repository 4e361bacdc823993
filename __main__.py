"""dask-platform: one `pulumi up` per stack for a complete Dask-on-Kubernetes platform."""

import pulumi

from components.local_platform import LocalPlatform
from components.platform import DaskPlatform
from components.stack import load_stack
from config.stack import ConfigError

try:
    stack = load_stack()
except ConfigError as error:
    # RunError ends the program with the message alone: a user's mistake gets no traceback.
    raise pulumi.RunError(str(error)) from None

platform = LocalPlatform("dask", stack) if stack.platform.is_local else DaskPlatform("dask", stack)
for key, value in platform.exports.items():
    pulumi.export(key, value)
