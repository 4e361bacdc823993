"""Runs inside an image: what it runs as and with. Prints one JSON object.

python versions.py DISTRIBUTION...
"""

import importlib.metadata
import json
import os
import platform
import sys

distributions: dict[str, str | None] = {}
for name in sys.argv[1:]:
    try:
        distributions[name] = importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        distributions[name] = None
with open("/proc/1/comm") as pid1:
    pid1_command = pid1.read().strip()
print(
    json.dumps(
        {
            "distributions": distributions,
            "uid": os.getuid(),
            "gid": os.getgid(),
            "pid1": pid1_command,
            "python": platform.python_version(),
            "executable": sys.executable,
        }
    )
)
