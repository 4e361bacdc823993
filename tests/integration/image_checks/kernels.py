"""Runs inside the Jupyter image: each installed kernel, started as JupyterLab starts it, reports its own versions,
or runs a check script with the kernel's interpreter and environment.
Prints one JSON object: {kernel name: {"argv": ..., "python": ..., "distributions": {...}}}, or with ``--run``
{kernel name: {"argv": ..., **the JSON object the script printed}}.

python kernels.py DISTRIBUTION...
python kernels.py --run SCRIPT ARGUMENT...
"""

import json
import os
import subprocess
import sys

from jupyter_client.kernelspec import KernelSpecManager
from jupyter_core.paths import jupyter_config_path
from traitlets.config import Config
from traitlets.config.loader import JSONFileConfigLoader

PROBE = (
    "import importlib.metadata, json, platform, sys\n"
    "print(json.dumps({'python': platform.python_version(), 'executable': sys.executable,"
    " 'distributions': {name: importlib.metadata.version(name) for name in sys.argv[1:]}}))"
)

# The kernels JupyterLab offers: the kernel specs, seen with the server's own configuration files (lowest
# priority last on the path, so those are merged first).
config = Config()
for directory in reversed(jupyter_config_path()):
    for file_name in ("jupyter_config.json", "jupyter_server_config.json"):
        if os.path.exists(os.path.join(directory, file_name)):
            config.merge(JSONFileConfigLoader(file_name, directory).load_config())
program = sys.argv[2:3] if sys.argv[1:2] == ["--run"] else ["-c", PROBE]
arguments = sys.argv[3:] if sys.argv[1:2] == ["--run"] else sys.argv[1:]
report = {}
for name, spec in KernelSpecManager(config=config).get_all_specs().items():
    kernel = spec["spec"]
    # Run the kernel's own interpreter with the kernel's own environment, as the kernel launcher would.
    environment = {**os.environ, **kernel.get("env", {})}
    done = subprocess.run(
        [kernel["argv"][0], *program, *arguments], capture_output=True, text=True, env=environment, check=True
    )
    report[name] = {"argv": kernel["argv"], **json.loads(done.stdout.strip().splitlines()[-1])}
print(json.dumps(report))
