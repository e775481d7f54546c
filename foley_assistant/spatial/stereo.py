"""The stereo renderer: a dry mono sound placed along its curves with a pan law, a distance
model, air absorption, optional Doppler and an optional small interchannel delay."""

from __future__ import annotations

import numpy as np

from foley_assistant.core.curves import SpatialCurves
from foley_assistant.core.panning import pan_from_azimuth, pan_gains
from foley_assistant.spatial.control import Controls, controls_of, per_sample
from foley_assistant.spatial.delay import fractional_delay
from foley_assistant.spatial.distance import settings_distance_gain
from foley_assistant.spatial.settings import StereoSettings
from foley_assistant.spatial.source import shaped_source


def stereo_gains(controls: Controls, settings: StereoSettings) -> tuple[np.ndarray, np.ndarray]:
    """Left and right gains at control rate: pan law x distance gain x the curve's own gain."""
    pan = pan_from_azimuth(controls.azimuth_deg, settings.pan_reference_deg)
    left, right = pan_gains(pan, settings.pan_law)
    level = settings_distance_gain(controls.distance_m, settings) * controls.gain
    return left * level, right * level


def render_panned(dry: np.ndarray, curves: SpatialCurves, settings: StereoSettings) -> np.ndarray:
    """Stereo stem (2, n) float32 of a mono dry signal (n,) placed along its curves."""
    n = int(np.asarray(dry).shape[0])
    controls = controls_of(curves, n, settings)
    source = shaped_source(dry, controls, settings)
    left_gain, right_gain = stereo_gains(controls, settings)
    out = np.empty((2, n), dtype=np.float32)
    if settings.interchannel_delay_ms > 0:
        # The channel away from the source hears it a little later (at most the setting, at hard pan).
        pan = pan_from_azimuth(controls.azimuth_deg, settings.pan_reference_deg)
        most = settings.interchannel_delay_ms * settings.sample_rate / 1000.0
        left_source = fractional_delay(source, per_sample(np.maximum(pan, 0.0) * most, controls.interval, n))
        right_source = fractional_delay(source, per_sample(np.maximum(-pan, 0.0) * most, controls.interval, n))
    else:
        left_source = right_source = source
    np.multiply(per_sample(left_gain, controls.interval, n), left_source, out=out[0])
    np.multiply(per_sample(right_gain, controls.interval, n), right_source, out=out[1])
    return out
