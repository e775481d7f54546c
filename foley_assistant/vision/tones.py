"""Lighting change between two aligned images: a gain per colour channel, and the clip ceiling.

A camera's exposure or white balance, or the light itself, changes over a shot. In gamma-encoded
values a change of exposure is a gain (a power law turns a gain into a gain), except where the
picture clips: a bright sky that is already at the top of the range stays there when the gain rises.
So each channel's change is measured as

    gain    = median over mid-tone pixels of current / reference
    ceiling = the brightest value of the current image (the level its clipped pixels sit at)

and the reference is mapped to min(reference * gain, ceiling). The median of ratios ignores moving
objects (a minority of the pixels); mid-tones only, because clipped and near-black pixels do not
follow a gain. Only pixels both images see as background are measured (the caller's mask).
"""

from __future__ import annotations

import numpy as np

#: Mid-tones, in 8-bit levels: above the noise floor and below where highlights start to clip.
MID_TONES = (12.0, 230.0)
MIN_PIXELS = 50
#: A gain this close to 1, with no clipping to model, is no lighting change.
NEGLIGIBLE_GAIN = 0.003


def channel_change(reference: np.ndarray, current: np.ndarray) -> tuple[float, float] | None:
    """(gain, ceiling) of one channel, from the same pixels' values (1-D, 0..255) in both images;
    None when too few mid-tone pixels to measure."""
    low, high = MID_TONES
    mid = (reference > low) & (reference < high) & (current > low) & (current < high)
    if int(mid.sum()) < MIN_PIXELS:
        return None
    gain = float(np.median(current[mid] / reference[mid]))
    return gain, float(current.max())


def match_tones(reference: np.ndarray, current: np.ndarray, sample: np.ndarray, step: int = 1) -> np.ndarray:
    """The reference image (float32, (H, W) or (H, W, C), 0..255) under the current image's lighting.

    `sample` is a boolean mask of the pixels to measure on (background that both images see);
    with `step` > 1 only every step-th pixel of every step-th row is measured (a lighting change
    is smooth, so a sparse sample measures it as well and much faster). Channels whose change
    cannot be measured, or is negligible, come back unchanged."""
    picked = sample[::step, ::step]
    if not picked.any():
        return reference
    single = reference.ndim == 2
    ref = reference[..., None] if single else reference
    cur = current[..., None] if single else current
    ref_values = ref[::step, ::step][picked]
    cur_values = cur[::step, ::step][picked]
    matched = ref
    for channel in range(ref.shape[-1]):
        measured = channel_change(ref_values[:, channel], cur_values[:, channel])
        if measured is None:
            continue
        gain, ceiling = measured
        reaches = float(np.nanmax(ref_values[:, channel])) * gain
        if abs(gain - 1.0) <= NEGLIGIBLE_GAIN and reaches <= ceiling:
            continue
        if matched is ref:
            matched = ref.copy()
        matched[..., channel] = np.minimum(ref[..., channel] * gain, ceiling)
    return matched[..., 0] if single else matched


def common_exposure(stack: np.ndarray) -> np.ndarray:
    """Samples of a scene (N, H, W, C float32, NaN where a sample does not see) brought to the
    middle sample's exposure, in place: each sample's gain per channel relative to the one before
    is measured where both see (`channel_change`, on every 4th pixel), and the gains are chained.

    A camera that pans across a lighting change (or adjusts its exposure) gives each part of a
    panorama of its frames a different brightness; the median of such samples would show steps
    where the set of frames seeing a pixel changes."""
    count = stack.shape[0]
    if count < 2:
        return stack
    channels = stack.shape[-1]
    gains = np.ones((count, channels))
    for j in range(1, count):
        before, after = stack[j - 1, ::4, ::4], stack[j, ::4, ::4]
        both = ~np.isnan(before[..., 0]) & ~np.isnan(after[..., 0])
        gains[j] = gains[j - 1]
        for channel in range(channels):
            measured = channel_change(before[..., channel][both], after[..., channel][both])
            if measured is not None:
                gains[j, channel] = gains[j - 1, channel] * measured[0]
    gains /= gains[count // 2]
    if np.allclose(gains, 1.0, atol=NEGLIGIBLE_GAIN):
        return stack
    stack /= gains[:, None, None, :].astype(stack.dtype)
    return stack
