"""How Dask processes are started, the same for gateway clusters and declared clusters.

distributed 2026.6 removed the ``dask-scheduler`` and ``dask-worker`` scripts; the ``dask`` command has had the
same subcommands since 2022.10, which every supported profile is newer than.
"""

from __future__ import annotations

SCHEDULER_COMMAND = ("dask", "scheduler")
WORKER_COMMAND = ("dask", "worker")
CUDA_WORKER_COMMAND = ("dask", "cuda", "worker")
"""dask-cuda's worker, one process per GPU, as a subcommand of ``dask`` like the others."""

COMM_PORT = 8786
DASHBOARD_PORT = 8787
WORKER_DASHBOARD_PORT = 8788
