"""Runs inside a staging image: the labelled-array stack on Dask, written to Zarr and read back.
Prints one JSON object.

    python staging_check.py DIRECTORY
"""

import json
import sys
from pathlib import Path

import dask.array as da
import numpy as np
import xarray as xr

store = Path(sys.argv[1]) / "check.zarr"
data = xr.Dataset(
    {"v": (("t", "x"), da.arange(400 * 300, chunks=30_000, dtype="float64").reshape(400, 300))},
    coords={"t": np.arange(400), "x": np.arange(300)},
)
data.to_zarr(store, mode="w")
back = xr.open_zarr(store)
print(
    json.dumps(
        {
            "roundtrip_equal": bool(back.v.equals(data.v)),
            "chunked": back.v.chunks is not None,
            "mean": float(back.v.mean().compute()),
            "expected_mean": (400 * 300 - 1) / 2,
        }
    )
)
