"""The spherical-head binaural renderer (no data needed): Woodworth ITD as a variable delay of
the far ear, and the Brown-Duda head-shadow filter per ear.

Head shadow: H(s) = (1 + alpha s / (2 w0)) / (1 + s / (2 w0)), w0 = c / a. The bilinear
transform with K = fs / w0 gives
    H(z) = [(1 + alpha K) + (1 - alpha K) z^-1] / [(1 + K) + (1 - K) z^-1].
Only the numerator depends on alpha (the direction), so the filter is run exactly with alpha
changing every sample: v[n] = (x[n] + x[n-1]) + alpha[n] K (x[n] - x[n-1]) through the fixed
all-pole part. Moving sources never click.
"""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter

from foley_assistant.core.curves import SpatialCurves
from foley_assistant.core.head import SPEED_OF_SOUND_M_S, ear_angles_deg, head_shadow_alpha, head_shadow_corner_rad_s, woodworth_itd
from foley_assistant.spatial.control import controls_of, per_sample
from foley_assistant.spatial.delay import fractional_delay
from foley_assistant.spatial.distance import settings_distance_gain
from foley_assistant.spatial.settings import BinauralSettings, StereoSettings
from foley_assistant.spatial.source import shaped_source


def head_shadow(signal: np.ndarray, alpha: np.ndarray, k: float) -> np.ndarray:
    """The Brown-Duda filter with a per-sample alpha (see the module docstring)."""
    previous = np.empty_like(signal)
    previous[0] = 0.0
    previous[1:] = signal[:-1]
    numerator = np.empty(signal.shape, dtype=np.float64)  # lfilter's float64 path is the fast one
    np.multiply(alpha, np.float32(k) * (signal - previous), out=numerator)
    numerator += signal
    numerator += previous
    out = lfilter([1.0 / (1.0 + k)], [1.0, (1.0 - k) / (1.0 + k)], numerator)
    return out.astype(np.float32)


def render_spherical_head(dry: np.ndarray, curves: SpatialCurves, settings: StereoSettings) -> np.ndarray:
    """Binaural stem (2, n) float32: left and right ear signals of the spherical-head model."""
    binaural = settings.binaural or BinauralSettings()
    n = int(np.asarray(dry).shape[0])
    out = np.zeros((2, n), dtype=np.float32)
    if n == 0:
        return out
    controls = controls_of(curves, n, settings)
    level = settings_distance_gain(controls.distance_m, settings) * controls.gain
    source = shaped_source(dry, controls, settings) * per_sample(level, controls.interval, n)
    itd = woodworth_itd(controls.azimuth_deg, binaural.head_radius_m, SPEED_OF_SOUND_M_S) * settings.sample_rate
    k = settings.sample_rate / head_shadow_corner_rad_s(binaural.head_radius_m, SPEED_OF_SOUND_M_S)
    left_angle, right_angle = ear_angles_deg(controls.azimuth_deg)
    # Only the far ear is delayed, by |ITD|; at ITD = 0 the delayed and direct signals are equal,
    # so switching ears as the source crosses the centre is seamless.
    far = fractional_delay(source, per_sample(np.abs(itd), controls.interval, n)) if float(np.max(np.abs(itd))) > 0 else source
    itd_per_sample = per_sample(itd, controls.interval, n)
    ears = (np.where(itd_per_sample > 0, far, source), np.where(itd_per_sample < 0, far, source))
    for channel, (ear, angle) in enumerate(zip(ears, (left_angle, right_angle))):
        out[channel] = head_shadow(ear, per_sample(head_shadow_alpha(angle), controls.interval, n), k)
    return out
