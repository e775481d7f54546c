"""The stereo renderer: a dry mono sound placed along its curves with a pan law, a distance
model, air absorption, optional Doppler and an optional small interchannel delay. Rendered in
blocks (see `control.render_blocks`)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from foley_assistant.acoustics.panning import pan_from_azimuth, pan_gains
from foley_assistant.core.curves import SpatialCurves
from foley_assistant.spatial.control import RENDER_BLOCK_SAMPLES, Controls, ControlSpan, ControlSpans
from foley_assistant.spatial.delay import DelayLine
from foley_assistant.spatial.distance import settings_distance_gain
from foley_assistant.spatial.settings import StereoSettings
from foley_assistant.spatial.source import ShapedSource, mono_length, shaping_of


def stereo_gains(controls: Controls | ControlSpan, settings: StereoSettings) -> tuple[np.ndarray, np.ndarray]:
    """Left and right gains at control rate: pan law x distance gain x the curve's own gain."""
    pan = pan_from_azimuth(controls.azimuth_deg, settings.pan_reference_deg)
    left, right = pan_gains(pan, settings.pan_law)
    level = settings_distance_gain(controls.distance_m, settings) * controls.gain
    return left * level, right * level


def render_panned(dry: np.ndarray, curves: SpatialCurves, settings: StereoSettings, block: int = RENDER_BLOCK_SAMPLES) -> np.ndarray:
    """Stereo stem (2, n) float32 of a mono dry signal (n,) placed along its curves, rendered
    `block` samples at a time (the result does not depend on `block`)."""
    out = np.empty((2, mono_length(dry)), dtype=np.float32)
    for start, part in panned_blocks(dry, curves, settings, block):
        out[:, start : start + part.shape[1]] = part
    return out


def panned_blocks(dry: np.ndarray, curves: SpatialCurves, settings: StereoSettings, block: int = RENDER_BLOCK_SAMPLES) -> Iterator[tuple[int, np.ndarray]]:
    """`render_panned` as consecutive (start, (2, m) float32 block) pairs, in memory of one block
    (the controls too: computed a block at a time, after one pass for their extremes)."""
    n = mono_length(dry)
    spans = ControlSpans(curves, n, settings)
    source = ShapedSource(dry, shaping_of(spans, settings), settings)
    most = settings.interchannel_delay_ms * settings.sample_rate / 1000.0
    lines = None
    if settings.interchannel_delay_ms > 0:
        # The channel away from the source hears it a little later (at most the setting, at hard pan).
        def pan(span: ControlSpan) -> np.ndarray:
            return pan_from_azimuth(span.azimuth_deg, settings.pan_reference_deg)

        right_most = spans.extremes(lambda span: np.maximum(pan(span), 0.0) * most)[1]
        left_most = spans.extremes(lambda span: np.maximum(-pan(span), 0.0) * most)[1]
        lines = (DelayLine(right_most), DelayLine(left_most))
    for span in spans.spans(block):
        start, stop = span.start, span.stop
        shaped = source.block(start, stop, span)
        gains = stereo_gains(span, settings)
        delays = None
        if lines is not None:
            pan_here = pan(span)
            delays = (np.maximum(pan_here, 0.0) * most, np.maximum(-pan_here, 0.0) * most)
        out = np.empty((2, stop - start), dtype=np.float32)
        for channel in range(2):
            heard = shaped
            if lines is not None and delays is not None:
                heard = lines[channel].process(shaped, span.ramp(delays[channel], start, stop))
            np.multiply(span.ramp(gains[channel], start, stop), heard, out=out[channel])
        yield start, out
