"""Runs inside a k8s image, next to a scheduler and workers of the same image: computes on them and reports
what they run. Prints one JSON object.

    python k8s_client.py SCHEDULER_ADDRESS WORKERS
"""

import importlib.metadata
import json
import os
import sys

import dask.array as da
from distributed import Client


def pid1() -> str:
    with open("/proc/1/comm") as comm:
        return comm.read().strip()


address, workers = sys.argv[1], int(sys.argv[2])
with Client(address, timeout="60s") as client:
    client.wait_for_workers(workers, timeout=120)
    # A real distributed computation: 16 chunks spread over the workers, reduced on the scheduler's plan.
    array = da.arange(4000 * 4000, chunks=1_000_000, dtype="int64").reshape(4000, 4000).rechunk(1000)
    total = int(array.sum().compute())
    who_computed = client.run(os.getuid)
    worker_pid1 = client.run(pid1)
    versions = client.get_versions(check=True)
    print(
        json.dumps(
            {
                "total": total,
                "workers": len(client.scheduler_info()["workers"]),
                "worker_uids": sorted(who_computed.values()),
                "worker_pid1": sorted(set(worker_pid1.values())),
                "scheduler_python": versions["scheduler"]["host"]["python"],
                "distributions": {
                    name: importlib.metadata.version(name) for name in ("dask", "distributed", "dask-gateway")
                },
                "uid": os.getuid(),
                "pid1": pid1(),
            }
        )
    )
