"""Runs inside the Jupyter image, in JupyterLab's own environment: what the Dask panes would start clusters
with. Prints one JSON object."""

import importlib
import importlib.metadata
import json

import dask
import dask_gateway

factory = dask.config.get("labextension.factory")
cluster_class = getattr(importlib.import_module(factory["module"]), factory["class"])
gateway = dask_gateway.Gateway()
print(
    json.dumps(
        {
            "factory": factory,
            "cluster_class": f"{cluster_class.__module__}.{cluster_class.__name__}",
            "address": gateway.address,
            "auth": type(gateway.auth).__name__,
            "versions": {
                name: importlib.metadata.version(name)
                for name in ("dask-labextension", "dask", "distributed", "dask-gateway")
            },
        }
    )
)
