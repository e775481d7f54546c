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
        differs = np.max(np.abs(samples - flat[None]), axis=2) > threshold
    count = seen.sum(axis=0)
    busy = np.flatnonzero((differs.sum(axis=0) >= busy_share * np.maximum(count, 1)) & (count >= 3))
    if not len(busy):
        return median
    result = flat.copy()
    for first in range(0, len(busy), _BLOCK):
        pixels = busy[first : first + _BLOCK]
        values = samples[:, pixels]  # (N, P, C)
        with np.errstate(invalid="ignore"):
            near = np.max(np.abs(values[:, None] - values[None, :]), axis=3) <= threshold  # (N, N, P); NaN -> False
        neighbours = near.sum(axis=1)  # (N, P)
        best = np.argmax(neighbours, axis=0)
        members = near[best, :, np.arange(len(pixels))].T  # (N, P): the winner's neighbours
        weights = members[..., None].astype(np.float32)
        result[pixels] = np.nansum(np.nan_to_num(values) * weights, axis=0) / np.maximum(weights.sum(axis=0), 1.0)
    return result.reshape(median.shape)
