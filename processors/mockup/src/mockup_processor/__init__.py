"""A stand-in processor: the shape of a real one (chunked raster in, calibrated product and statistics out)
with no input data to fetch, so the platform's processor image can be exercised end to end.

The scene is synthetic speckle: amplitudes follow a Rayleigh distribution, as in single-look radar images
of a uniform area, so the expected calibrated backscatter is known in closed form and results can be checked.
"""

from __future__ import annotations

from dataclasses import dataclass

import dask
import dask.array as da
import numpy as np

__all__ = ["SceneStatistics", "calibrate", "process_scene", "synthetic_scene"]


@dataclass(frozen=True)
class SceneStatistics:
    mean_sigma0: float
    """Mean calibrated backscatter, linear scale."""
    mean_sigma0_db: float
    """The same mean in decibels, the way products report it."""
    tile_means_db: np.ndarray
    """Mean backscatter in decibels of each ``tile`` x ``tile`` block: a coarse quick-look."""


def synthetic_scene(shape: tuple[int, int], chunks: int, scale: float, seed: int) -> da.Array:
    """Raw amplitudes of a uniform scene: Rayleigh speckle with the given ``scale``, reproducible by ``seed``."""
    return da.random.default_rng(seed).rayleigh(scale=scale, size=shape, chunks=chunks)


def calibrate(amplitude: da.Array, calibration_constant: float) -> da.Array:
    """Backscatter coefficient sigma0 from amplitude: intensity divided by the squared calibration constant."""
    return amplitude**2 / calibration_constant**2


def process_scene(
    shape: tuple[int, int] = (2048, 2048),
    chunks: int = 512,
    tile: int = 256,
    scale: float = 100.0,
    calibration_constant: float = 50.0,
    seed: int = 0,
) -> SceneStatistics:
    """Calibrate a synthetic scene and reduce it to statistics, on whatever Dask scheduler is active."""
    sigma0 = calibrate(synthetic_scene(shape, chunks, scale, seed), calibration_constant)
    tiles = da.coarsen(np.mean, sigma0, {0: tile, 1: tile})
    mean, tile_means = dask.compute(sigma0.mean(), tiles)
    return SceneStatistics(
        mean_sigma0=float(mean),
        mean_sigma0_db=float(10 * np.log10(mean)),
        tile_means_db=10 * np.log10(tile_means),
    )
