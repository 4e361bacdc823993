"""Runs inside a processor image: one small real operation of the processor, on data made here.
Prints one JSON object.

    python processor_check.py mockup|l0|s1ard
"""

import json
import sys
from typing import Any


def mockup() -> dict[str, Any]:
    from distributed import Client, LocalCluster
    from mockup_processor import process_scene

    # Rayleigh amplitudes with scale s have E[A^2] = 2 s^2, so the calibrated mean is 2 s^2 / k^2.
    scale, constant = 100.0, 50.0
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None)
    with cluster, Client(cluster) as client:
        stats = process_scene(
            shape=(1024, 1024), chunks=256, tile=256, scale=scale, calibration_constant=constant, seed=1
        )
        workers = len(client.scheduler_info()["workers"])
    return {
        "workers": workers,
        "mean_sigma0": stats.mean_sigma0,
        "expected_mean_sigma0": 2 * scale**2 / constant**2,
        "tile_shape": list(stats.tile_means_db.shape),
    }


def _bypass_channel(values: list[int]) -> bytes:
    """Bypass (uncompressed) samples of one channel: 10 bits each, sign then 9 bits of magnitude, packed
    big-endian and padded to a whole 16-bit word."""
    bits = "".join(f"{int(v < 0)}{abs(v):09b}" for v in values)
    bits += "0" * (-len(bits) % 16)
    return int(bits, 2).to_bytes(len(bits) // 8, "big")


def l0() -> dict[str, Any]:
    import numpy as np
    import sentinel1decoder
    from sentinel1decoder._sentinel1decoder import decode_single_bypass_packet

    rng = np.random.default_rng(7)
    quads = 37
    ie, io, qe, qo = (rng.integers(-511, 512, quads).tolist() for _ in range(4))
    data = b"".join(_bypass_channel(channel) for channel in (ie, io, qe, qo))
    decoded = decode_single_bypass_packet(data, quads)
    expected = np.empty(2 * quads, dtype=np.complex64)
    expected[0::2] = np.array(ie) + 1j * np.array(qe)
    expected[1::2] = np.array(io) + 1j * np.array(qo)
    return {
        "version": sentinel1decoder.__version__,
        "samples": len(decoded),
        "decoded_equals_encoded": bool(np.array_equal(decoded, expected)),
        "sample_rate_hz": sentinel1decoder.utilities.range_dec_to_sample_rate(8),
    }


def s1ard() -> dict[str, Any]:
    import numpy as np
    import sarsen
    import xarray as xr
    import xarray_sentinel
    from sarsen import scene
    from xarray_sentinel import sentinel1

    # Calibration: digital numbers over (line, pixel) divided by a LUT given on a coarser grid, interpolated.
    lines, pixels = np.arange(64), np.arange(256)
    digital_number = xr.DataArray(
        np.random.default_rng(3).uniform(1, 1000, (64, 256)).astype("float32"),
        coords={"line": lines, "pixel": pixels},
        dims=("line", "pixel"),
    ).chunk({"line": 32, "pixel": 64})
    lut_pixels = np.arange(0, 256, 15)
    lut = xr.DataArray(
        np.broadcast_to(100.0 + lut_pixels, (3, lut_pixels.size)),
        coords={"line": [0, 32, 63], "pixel": lut_pixels},
        dims=("line", "pixel"),
    )
    amplitude = sentinel1.calibrate_amplitude(digital_number, lut).compute()
    expected = digital_number.values / (100.0 + pixels[: lut_pixels[-1] + 1])[None, :].astype("float32")
    inside = amplitude.sel(pixel=slice(0, lut_pixels[-1])).values
    # Terrain: a flat DEM at sea level in geographic coordinates, to Earth-centred coordinates.
    dem = xr.DataArray(np.zeros((3, 3)), coords={"y": [-1.0, 0.0, 1.0], "x": [89.0, 90.0, 91.0]}, dims=("y", "x"))
    ecef = scene.convert_to_dem_ecef(dem, source_crs="EPSG:4326")
    centre = ecef.sel(x=90.0, y=0.0).values.tolist()
    return {
        "versions": {"sarsen": sarsen.__version__, "xarray-sentinel": xarray_sentinel.__version__},
        "calibration_max_error": float(np.nanmax(np.abs(inside - expected) / expected)),
        "calibration_chunked": digital_number.chunks is not None,
        "equator_90e_ecef_m": centre,
    }


if __name__ == "__main__":  # LocalCluster's worker processes import this module again
    print(json.dumps({"mockup": mockup, "l0": l0, "s1ard": s1ard}[sys.argv[1]]()))
