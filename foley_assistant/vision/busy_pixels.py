"""A better background where the median is fooled: pixels a slow object covered for much of a run.

The per-pixel median of sampled frames is the background wherever moving things cover a pixel in
less than half of the samples. A slow object (a person walking towards the camera, a car edging
forward) covers some pixels for nearly half of them or more, and the median there holds part of
the object: a ghost that makes the object's box too big, or a false blob where it was.

Such pixels are found as those whose samples disagree with the median (channel-wise difference
over `threshold`) in at least `busy_share` of the samples. There, the background is taken as the
largest cluster of samples instead: each sample counts the samples within `threshold` of it, the
sample with the most neighbours wins, and the mean of its neighbours is the background. The
background behind a moving object is the same value every time it shows, while the object's
samples differ from each other as different parts of it pass over the pixel, so the background's
cluster is the largest even when it shows in fewer than half of the samples.
"""

from __future__ import annotations

import numpy as np

#: Pixels handled per block (bounds the memory of the sample-by-sample comparison).
_BLOCK = 2048


def settle_busy_pixels(stack: np.ndarray, median: np.ndarray, threshold: float, busy_share: float = 0.2) -> np.ndarray:
    """The median (H, W, C) with its busy pixels replaced by the value of their largest cluster of
    samples. `stack` holds the samples (N, H, W, C), NaN where a sample did not see the pixel."""
    samples = stack.reshape(stack.shape[0], -1, stack.shape[-1])
    flat = median.reshape(-1, median.shape[-1])
    seen = ~np.isnan(samples[..., 0])
    with np.errstate(invalid="ignore"):
        spread = np.abs(samples[..., 0] - flat[None, :, 0])
        for channel in range(1, samples.shape[-1]):
            np.maximum(spread, np.abs(samples[..., channel] - flat[None, :, channel]), out=spread)
        differs = spread > threshold
    count = seen.sum(axis=0)
    busy = np.flatnonzero((differs.sum(axis=0) >= busy_share * np.maximum(count, 1)) & (count >= 3))
    if not len(busy):
        return median
    result = flat.copy()
    for first in range(0, len(busy), _BLOCK):
        pixels = busy[first : first + _BLOCK]
        values = np.ascontiguousarray(np.moveaxis(samples[:, pixels], 2, 0))  # (C, N, P): one channel at a time
        with np.errstate(invalid="ignore"):
            apart = np.abs(values[0][:, None] - values[0][None, :])  # (N, N, P), the largest over channels
            for channel in range(1, values.shape[0]):
                np.maximum(apart, np.abs(values[channel][:, None] - values[channel][None, :]), out=apart)
            near = apart <= threshold  # NaN -> False
        neighbours = near.sum(axis=1)  # (N, P)
        best = np.argmax(neighbours, axis=0)
        members = near[best, :, np.arange(len(pixels))].T.astype(np.float32)  # (N, P): the winner's neighbours
        total = np.einsum("cnp,np->pc", np.nan_to_num(values), members)
        result[pixels] = total / np.maximum(members.sum(axis=0), 1.0)[:, None]
    return result.reshape(median.shape)


def sample_median(stack: np.ndarray) -> np.ndarray:
    """Per-pixel median over the first axis, ignoring NaN (NaN where no sample is a number): the
    same as `np.nanmedian`, by one sort (NaN sorts last) instead of masked arrays, which are
    many times slower."""
    ordered = np.sort(stack, axis=0)
    count = np.sum(~np.isnan(ordered), axis=0, keepdims=True)
    low = np.maximum((count - 1) // 2, 0)
    high = np.maximum(count // 2, 0)
    high = np.minimum(high, stack.shape[0] - 1)
    median = (np.take_along_axis(ordered, low, axis=0) + np.take_along_axis(ordered, high, axis=0))[0] / 2
    median[count[0] == 0] = np.nan
    return median
