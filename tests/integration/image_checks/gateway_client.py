"""Runs inside a local image, against the dask-gateway-server of another container of the same image:
the cluster options, a refused value of each kind, and one cluster's whole life. Prints one JSON object.

    python gateway_client.py GATEWAY_ADDRESS WORKER_CORES_ABOVE_MAX WORKER_MEMORY_ABOVE_MAX
"""

import json
import sys

import dask.array as da
from dask_gateway import BasicAuth, Gateway

address, cores_above_max, memory_above_max = sys.argv[1], float(sys.argv[2]), sys.argv[3]
report: dict[str, object] = {}
gateway = Gateway(address, auth=BasicAuth("image-test"))
options = gateway.cluster_options()
report["options"] = {name: options[name] for name in options}
cluster = gateway.new_cluster(options)
try:
    cluster.scale(2)
    client = cluster.get_client()
    client.wait_for_workers(2, timeout=180)
    report["workers"] = len(client.scheduler_info()["workers"])
    report["total"] = int(da.ones((2000, 2000), chunks=500).sum().compute())
    client.close()
finally:
    cluster.shutdown()
report["clusters_after_shutdown"] = len(gateway.list_clusters())
# Refusals come last: after the server refuses a new cluster (HTTP 422), the next request of the same Gateway
# object hangs (dask-gateway 2026.3.0's client, seen with both profiles); a new Gateway object is not affected.
try:
    options.worker_cores = cores_above_max
    report["cores_refused"] = None
except ValueError as error:
    report["cores_refused"] = str(error)
too_much = gateway.cluster_options()
too_much.worker_memory = memory_above_max
try:
    gateway.new_cluster(too_much).shutdown()
    report["memory_refused"] = None
except ValueError as error:  # the server's refusal (HTTP 422) arrives as a ValueError with its message
    report["memory_refused"] = str(error)
gateway.close()
print(json.dumps(report))
