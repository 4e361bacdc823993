"""Runs inside an image (or the dev environment): a real ``dask scheduler`` and ``dask worker`` on 127.0.0.1, a
small computation on them, then each one's ``/metrics``. Prints one JSON object: the sample names each serves.

python dask_metrics.py SCHEDULER_PORT SCHEDULER_DASHBOARD_PORT WORKER_DASHBOARD_PORT
"""

import json
import os
import subprocess
import sys
import urllib.request

import dask.array as da
from distributed import Client
from prometheus_client.parser import text_string_to_metric_families

scheduler_port, scheduler_dashboard, worker_dashboard = sys.argv[1:4]
bin_dir = os.path.dirname(sys.executable)
dask_command = os.path.join(bin_dir, "dask")
address = f"tcp://127.0.0.1:{scheduler_port}"
scheduler_command = [dask_command, "scheduler", "--host", "127.0.0.1", "--port", scheduler_port]
worker_command = [dask_command, "worker", address, "--host", "127.0.0.1", "--nthreads", "2", "--no-nanny"]
scheduler = subprocess.Popen(
    [*scheduler_command, "--dashboard-address", f"127.0.0.1:{scheduler_dashboard}"],
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
)
worker = subprocess.Popen(
    [*worker_command, "--dashboard-address", f"127.0.0.1:{worker_dashboard}"],
    stdout=subprocess.DEVNULL,
    stderr=subprocess.DEVNULL,
)


def sample_names(port: str) -> list[str]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as response:
        text = response.read().decode()
    return sorted({sample.name for family in text_string_to_metric_families(text) for sample in family.samples})


try:
    # The client waits for the scheduler to listen, then for the worker to join: no fixed sleeps.
    with Client(address, timeout=90) as client:
        client.wait_for_workers(1, timeout=90)
        total = float(da.ones((400, 400), chunks=100).sum().compute())
        served = {"scheduler": sample_names(scheduler_dashboard), "worker": sample_names(worker_dashboard)}
    print(json.dumps({"total": total, **served}))
finally:
    # The metrics are read; a worker slow to close on a loaded machine is stopped rather than waited for.
    for process in (worker, scheduler):
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(30)
