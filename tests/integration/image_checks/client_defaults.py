"""Runs inside an image, with a Dask client's own interpreter and environment: the cluster options its
``Gateway().new_cluster()`` and ``gateway.cluster_options()`` start from, as dask_gateway resolves them.
Prints one JSON object: {"configured": what new_cluster() posts, "options": the server's options with those
applied, as cluster_options() returns them}.

python client_defaults.py SERVER_OPTIONS_SPEC_JSON
"""

import json
import sys

from dask_gateway import Gateway
from dask_gateway.options import Options

# The address is never contacted: the options' specification, which the server would send, is the argument.
gateway = Gateway(address="http://127.0.0.1:9")
try:
    # What both Gateway.submit (behind new_cluster) and Gateway.cluster_options apply over the server's defaults.
    configured = gateway._config_cluster_options()
finally:
    gateway.close()
options = Options._from_spec(json.loads(sys.argv[1]))
options.update(configured)
print(json.dumps({"configured": configured, "options": dict(options)}))
