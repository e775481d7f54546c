"""Block rendering: every renderer gives the same stem whatever its block size, for a source that
moves, crosses the centre and changes distance fast (Doppler delays longer than a block), and its
stateful parts agree with straightforward whole-signal references."""

from fractions import Fraction

import numpy as np
import pytest
from scipy.signal import lfilter

from foley_assistant.acoustics.head import woodworth_itd
from foley_assistant.core.curves import Curve, Keyframe, SpatialCurves
from foley_assistant.spatial.binaural import HeadShadow, render_spherical_head
from foley_assistant.spatial.control import controls_of, per_sample, per_sample_span, render_blocks
from foley_assistant.spatial.delay import DelayLine
from foley_assistant.spatial.hrir import render_hrirs
from foley_assistant.spatial.hrir_set import HrirSet
from foley_assistant.spatial.settings import BinauralSettings, StereoSettings
from foley_assistant.spatial.source import doppler_delay
from foley_assistant.spatial.stereo import render_panned

from .conftest import SR, noise_burst

SECONDS = 1.5
WHOLE = 10 * SR  # one block covers the whole signal


def _flyby() -> SpatialCurves:
    """Left to right through the centre; 40 m away, to 2 m, back to 35 m (up to ~50 m/s)."""
    keys = lambda *pairs: Curve(tuple(Keyframe(Fraction(t).limit_denominator(100), v) for t, v in pairs))  # noqa: E731
    return SpatialCurves("S", "O", keys((0, -80.0), (0.7, 5.0), (1.5, 85.0)), keys((0, 40.0), (0.75, 2.0), (1.5, 35.0)))


def _ring() -> HrirSet:
    azimuth = np.arange(-180.0, 180.0, 15.0)
    rng = np.random.default_rng(3)
    irs = rng.standard_normal((len(azimuth), 2, 100)) * np.exp(-np.arange(100) / 15.0)
    for i, a in enumerate(azimuth):  # the far ear hears it later, by the Woodworth ITD
        itd = int(round(float(woodworth_itd(a)) * SR))
        irs[i, 0 if itd > 0 else 1] = np.roll(irs[i, 0 if itd > 0 else 1], abs(itd))
    return HrirSet(azimuth, irs.astype(np.float32), SR)


RENDERERS = {
    "stereo": (render_panned, StereoSettings()),
    "stereo, Doppler + interchannel delay": (render_panned, StereoSettings(doppler=True, interchannel_delay_ms=1.0)),
    "spherical head, Doppler": (render_spherical_head, StereoSettings(doppler=True, binaural=BinauralSettings())),
    "SOFA, Doppler": (render_hrirs, StereoSettings(doppler=True, binaural=BinauralSettings(hrirs=_ring(), hrir_block=480))),
}


@pytest.mark.parametrize("name", list(RENDERERS))
@pytest.mark.parametrize("block", [1000, 4096 + 32])
def test_block_size_does_not_change_the_stem(name, block):
    render, settings = RENDERERS[name]
    dry, curves = noise_burst(SECONDS), _flyby()
    whole = render(dry, curves, settings, block=WHOLE)
    blocked = render(dry, curves, settings, block=block)
    assert blocked.shape == whole.shape == (2, dry.shape[0]) and blocked.dtype == np.float32
    peak = float(np.abs(whole).max())
    assert peak > 0.01
    if name.startswith("SOFA"):  # overlap-add sums the same terms in another order
        assert float(np.abs(blocked - whole).max()) <= 1e-6 * peak
    else:
        np.testing.assert_array_equal(blocked, whole)


def test_doppler_delay_is_longer_than_a_block_in_the_flyby():
    """The block test above carries delay-line history across several blocks, not just one."""
    settings = StereoSettings(doppler=True)
    controls = controls_of(_flyby(), int(SECONDS * SR), settings)
    delay = doppler_delay(controls.distance_m, float(np.min(controls.distance_m)), settings)
    assert float(delay.max()) > 4096 + 32


def test_delay_line_in_blocks_reads_the_signal_at_the_delayed_time():
    """Against linear interpolation of the whole signal (np.interp) at n - D[n]."""
    x = noise_burst(0.5)
    n = x.shape[0]
    delay = (300.0 + 250.0 * np.sin(np.arange(n) / 2000.0)).astype(np.float32)  # 50 .. 550 samples
    line = DelayLine(float(delay.max()))
    pieces = [line.process(x[a:b], delay[a:b]) for a, b in render_blocks(n, 1, 700)]
    got = np.concatenate(pieces)
    expected = np.interp(np.arange(n) - delay.astype(np.float64), np.arange(n), x, left=0.0)
    np.testing.assert_allclose(got, expected, atol=1e-6)


def test_head_shadow_in_blocks_is_the_per_sample_filter():
    """Against the filter written out sample by sample (alpha changing every sample)."""
    x = noise_burst(0.1).astype(np.float64)
    alpha = np.linspace(0.1, 2.0, x.shape[0])
    k = 12.0
    v = (x + np.r_[0.0, x[:-1]]) + alpha * k * (x - np.r_[0.0, x[:-1]])
    expected = lfilter([1.0 / (1 + k)], [1.0, (1 - k) / (1 + k)], v)
    shadow = HeadShadow(k)
    got = np.concatenate([shadow.process(x[a:b].astype(np.float32), alpha[a:b].astype(np.float32)) for a, b in render_blocks(x.shape[0], 1, 333)])
    np.testing.assert_allclose(got, expected, atol=2e-6 * np.abs(expected).max())


def test_per_sample_span_is_the_whole_ramp_from_any_start():
    control = np.cumsum(np.random.default_rng(0).standard_normal(40))
    whole = per_sample(control, 32, 1234)
    for start, stop in [(0, 1234), (64, 700), (45, 46), (1000, 1234), (33, 1233)]:
        np.testing.assert_array_equal(per_sample_span(control, 32, start, stop), whole[start:stop])


def test_render_blocks_cover_the_signal_on_control_points():
    spans = list(render_blocks(100_003, 32, 4096))
    assert spans[0][0] == 0 and spans[-1][1] == 100_003
    assert all(a == previous for (a, _), (_, previous) in zip(spans[1:], spans))
    assert all(a % 32 == 0 and b - a <= 4096 for a, b in spans)
