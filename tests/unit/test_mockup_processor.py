"""The mockup processor (processors/mockup): a real Dask computation with a result known in closed form."""

from __future__ import annotations

import math

import dask
import numpy as np
import pytest
from mockup_processor import calibrate, process_scene, synthetic_scene

SHAPE = (1024, 1024)
SCALE = 100.0
CALIBRATION = 50.0


def test_calibrated_speckle_has_the_expected_mean_backscatter() -> None:
    # Rayleigh amplitudes with scale s have mean intensity 2 s^2, so sigma0 averages 2 s^2 / K^2.
    with dask.config.set(scheduler="threads"):
        result = process_scene(shape=SHAPE, chunks=256, tile=128, scale=SCALE, calibration_constant=CALIBRATION)
    expected = 2 * SCALE**2 / CALIBRATION**2
    assert result.mean_sigma0 == pytest.approx(expected, rel=0.01)
    assert result.mean_sigma0_db == pytest.approx(10 * math.log10(expected), abs=0.05)
    assert result.tile_means_db.shape == (8, 8)
    assert np.allclose(result.tile_means_db, 10 * math.log10(expected), atol=0.2)


def test_the_chunked_computation_equals_numpy_on_the_whole_scene() -> None:
    scene = synthetic_scene(SHAPE, chunks=256, scale=SCALE, seed=7)
    assert scene.numblocks == (4, 4)
    whole = np.asarray(scene.compute())
    sigma0 = whole**2 / CALIBRATION**2
    result = process_scene(shape=SHAPE, chunks=256, tile=512, scale=SCALE, calibration_constant=CALIBRATION, seed=7)
    assert result.mean_sigma0 == pytest.approx(float(sigma0.mean()), rel=1e-12)
    quick_look = sigma0.reshape(2, 512, 2, 512).mean(axis=(1, 3))
    assert np.allclose(result.tile_means_db, 10 * np.log10(quick_look), rtol=1e-12)
    assert np.allclose(calibrate(scene, CALIBRATION).compute(), sigma0)


def test_a_seed_reproduces_a_scene_and_another_seed_changes_it() -> None:
    first, again, other = (process_scene(shape=(512, 512), chunks=128, tile=128, seed=seed) for seed in (1, 1, 2))
    assert np.array_equal(first.tile_means_db, again.tile_means_db)
    assert not np.array_equal(first.tile_means_db, other.tile_means_db)
