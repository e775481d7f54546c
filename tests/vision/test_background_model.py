"""The background model's pieces: the NaN-aware median, busy pixels a slow object fooled the median
on, and samples brought to one exposure."""

from __future__ import annotations

import warnings

import numpy as np

from foley_assistant.vision.busy_pixels import sample_median, settle_busy_pixels
from foley_assistant.vision.tones import common_exposure


def test_sample_median_matches_numpy_nanmedian():
    rng = np.random.default_rng(1)
    for count in (1, 2, 5, 6, 31):
        stack = rng.uniform(0, 255, (count, 7, 9, 3)).astype(np.float32)
        stack[rng.random(stack.shape[:3]) < 0.4] = np.nan
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            expected = np.nanmedian(stack, axis=0)
        np.testing.assert_allclose(sample_median(stack), expected, equal_nan=True)


def test_busy_pixels_take_the_background_a_slow_object_hid_half_the_time():
    # 31 samples of a 20x20 patch of grey background (level 100, a little noise); a slow,
    # textured object covers the left half in 17 of them (55 %): the median there is the
    # object's, the largest cluster is the background.
    rng = np.random.default_rng(2)
    stack = (100 + rng.normal(0, 1.5, (31, 20, 20, 3))).astype(np.float32)
    stack[:17, :, :10] = rng.uniform(150, 250, (17, 20, 10, 3))
    median = sample_median(stack)
    assert np.abs(median[:, :10] - 100).mean() > 30
    settled = settle_busy_pixels(stack, median, threshold=16.0)
    assert np.abs(settled - 100).max() < 3.0
    # where nothing passed, the median is left as it was
    np.testing.assert_array_equal(settled[:, 10:], median[:, 10:])


def test_common_exposure_removes_a_brightness_drift_across_a_pan():
    # A panorama seen by 9 samples that each see a different part of it and are 3 % brighter
    # than the one before (auto exposure while panning): after `common_exposure` all have the
    # middle sample's exposure, so their median has no steps.
    rng = np.random.default_rng(3)
    scene = rng.uniform(40, 200, (30, 120, 3)).astype(np.float32)
    stack = np.full((9, 30, 120, 3), np.nan, np.float32)
    for j in range(9):
        stack[j, :, j * 8 : j * 8 + 56] = scene[:, j * 8 : j * 8 + 56] * 1.03 ** (j - 4)
    common_exposure(stack)
    seen = ~np.isnan(stack[..., 0])
    np.testing.assert_allclose(stack[seen], np.broadcast_to(scene, stack.shape)[seen], rtol=2e-3)
