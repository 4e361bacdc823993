"""Runs inside the Jupyter image, in JupyterLab's own environment: what the Dask panes do on "+ NEW", with
dask-labextension's own code. Starts a cluster through the gateway the environment names, waits for the one
worker the image's config asks for, prints the panes' model of the cluster as JSON, and shuts the cluster down.
"""

import asyncio
import json

from dask_labextension.manager import make_cluster, make_cluster_model
from distributed import Client


async def main() -> None:
    cluster, adaptive = await make_cluster({})
    try:
        async with Client(cluster, asynchronous=True) as client:
            await client.wait_for_workers(1, timeout=240)
        print(
            json.dumps(
                {"cluster": make_cluster_model("pane", "pane", cluster, adaptive), "type": type(cluster).__name__}
            )
        )
    finally:
        await cluster.shutdown()


asyncio.run(main())
