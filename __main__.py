"""dask-platform: one `pulumi up` per stack for a complete Dask-on-Kubernetes platform."""

import pulumi

from components.config import ConfigError, load_config
from components.platform import DaskPlatform

try:
    loaded = load_config()
except ConfigError as error:
    # RunError ends the program with the message alone: a user's mistake gets no traceback.
    raise pulumi.RunError(str(error)) from None

platform = DaskPlatform("dask", loaded)
for key, value in platform.exports.items():
    pulumi.export(key, value)
