"""The spherical-head binaural renderer (no data needed): Woodworth ITD as a variable delay of
the far ear, and the Brown-Duda head-shadow filter per ear. Rendered in blocks (see
`control.render_blocks`), the delay line and the filters carrying their state.

Head shadow: H(s) = (1 + alpha s / (2 w0)) / (1 + s / (2 w0)), w0 = c / a. The bilinear
transform with K = fs / w0 gives
    H(z) = [(1 + alpha K) + (1 - alpha K) z^-1] / [(1 + K) + (1 - K) z^-1].
Only the numerator depends on alpha (the direction), so the filter is run exactly with alpha
changing every sample: v[n] = (x[n] + x[n-1]) + alpha[n] K (x[n] - x[n-1]) through the fixed
all-pole part. Moving sources never click.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
from scipy.signal import lfilter

from foley_assistant.acoustics.head import SPEED_OF_SOUND_M_S, ear_angles_deg, head_shadow_alpha, head_shadow_corner_rad_s, woodworth_itd
from foley_assistant.core.curves import SpatialCurves
from foley_assistant.spatial.control import RENDER_BLOCK_SAMPLES, ControlSpan, ControlSpans
from foley_assistant.spatial.delay import DelayLine
from foley_assistant.spatial.distance import settings_distance_gain
from foley_assistant.spatial.settings import BinauralSettings, StereoSettings
from foley_assistant.spatial.source import ShapedSource, mono_length, shaping_of


class HeadShadow:
    """The Brown-Duda filter with a per-sample alpha (see the module docstring), in float32, fed
    block by block: it keeps the last input sample and the all-pole part's state."""

    def __init__(self, k: float) -> None:
        self._k = np.float32(k)
        self._b = np.array([1.0 / (1.0 + k)], dtype=np.float32)
        self._a = np.array([1.0, (1.0 - k) / (1.0 + k)], dtype=np.float32)
        self._state = np.zeros(1, dtype=np.float32)
        self._last = np.float32(0.0)

    def process(self, block: np.ndarray, alpha: np.ndarray) -> np.ndarray:
        """The filtered block for its per-sample alphas."""
        previous = np.empty_like(block, dtype=np.float32)
        previous[0] = self._last
        previous[1:] = block[:-1]
        self._last = block[-1]
        numerator = np.subtract(block, previous)
        numerator *= self._k
        numerator *= alpha
        numerator += block
        numerator += previous
        out, self._state = lfilter(self._b, self._a, numerator, zi=self._state)
        return out


def render_spherical_head(dry: np.ndarray, curves: SpatialCurves, settings: StereoSettings, block: int = RENDER_BLOCK_SAMPLES) -> np.ndarray:
    """Binaural stem (2, n) float32: left and right ear signals of the spherical-head model,
    rendered `block` samples at a time (the result does not depend on `block`)."""
    out = np.zeros((2, mono_length(dry)), dtype=np.float32)
    for start, part in spherical_head_blocks(dry, curves, settings, block):
        out[:, start : start + part.shape[1]] = part
    return out


def spherical_head_blocks(dry: np.ndarray, curves: SpatialCurves, settings: StereoSettings, block: int = RENDER_BLOCK_SAMPLES) -> Iterator[tuple[int, np.ndarray]]:
    """`render_spherical_head` as consecutive (start, (2, m) float32 block) pairs (the controls
    computed a block at a time, after one pass for their extremes)."""
    binaural = settings.binaural or BinauralSettings()
    n = mono_length(dry)
    if n == 0:
        return
    spans = ControlSpans(curves, n, settings)
    source = ShapedSource(dry, shaping_of(spans, settings), settings)

    def itd_of(span: ControlSpan) -> np.ndarray:
        return woodworth_itd(span.azimuth_deg, binaural.head_radius_m, SPEED_OF_SOUND_M_S) * settings.sample_rate

    # Only the far ear is delayed, by |ITD|; at ITD = 0 the delayed and direct signals are equal,
    # so switching ears as the source crosses the centre is seamless.
    farthest = spans.extremes(lambda span: np.abs(itd_of(span)))[1]
    far_line = DelayLine(farthest) if farthest > 0 else None
    k = settings.sample_rate / head_shadow_corner_rad_s(binaural.head_radius_m, SPEED_OF_SOUND_M_S)
    shadows = (HeadShadow(k), HeadShadow(k))
    for span in spans.spans(block):
        start, stop = span.start, span.stop
        level = settings_distance_gain(span.distance_m, settings) * span.gain
        itd = itd_of(span)
        alphas = tuple(head_shadow_alpha(angle) for angle in ear_angles_deg(span.azimuth_deg))
        near = source.block(start, stop, span) * span.ramp(level, start, stop)
        far = far_line.process(near, span.ramp(np.abs(itd), start, stop)) if far_line is not None else near
        itd_here = span.ramp(itd, start, stop)
        ears = (np.where(itd_here > 0, far, near), np.where(itd_here < 0, far, near))
        out = np.empty((2, stop - start), dtype=np.float32)
        for channel in range(2):
            out[channel] = shadows[channel].process(ears[channel], span.ramp(alphas[channel], start, stop))
        yield start, out
