"""The three procedural voices measured as signals: level, variation, modes, pitch, continuity."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from foley_assistant.generators.procedural.dsp import event_rng
from foley_assistant.generators.procedural.engine import EngineSpec, firing_hz, render_engine, rpm_for_speed
from foley_assistant.generators.procedural.footsteps import SURFACES, render_footstep
from foley_assistant.generators.procedural.impacts import MATERIALS, render_impact

SR = 48000


def _db(x: float) -> float:
    return 20 * np.log10(max(x, 1e-12))


def _centroid(x: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(x))
    freqs = np.fft.rfftfreq(len(x), 1 / SR)
    return float(np.sum(freqs * spectrum) / np.sum(spectrum))


def _max_correlation(a: np.ndarray, b: np.ndarray) -> float:
    n = max(len(a), len(b))
    a, b = np.pad(a, (0, n - len(a))), np.pad(b, (0, n - len(b)))
    xc = np.fft.irfft(np.fft.rfft(a, 2 * n) * np.conj(np.fft.rfft(b, 2 * n)))
    return float(np.max(np.abs(xc)) / np.sqrt(np.sum(a * a) * np.sum(b * b)))


def _envelope_db(x: np.ndarray, window_s: float = 0.005) -> np.ndarray:
    w = int(window_s * SR)
    power = np.convolve(x * x, np.ones(w) / w, mode="same")
    return 10 * np.log10(power / power.max() + 1e-15)


def _firing_frequency(x: np.ndarray, fmin: float = 15.0, fmax: float = 250.0) -> float:
    """Fundamental by autocorrelation: the shortest lag whose correlation is within 10 % of the best."""
    x = x - x.mean()
    r = np.fft.irfft(np.abs(np.fft.rfft(x, 2 * len(x))) ** 2)[: len(x)]
    lo, hi = int(SR / fmax), int(SR / fmin)
    band = r[lo:hi]
    lag = lo + int(np.flatnonzero(band >= 0.9 * band.max())[0])
    while lag + 1 < hi and r[lag + 1] > r[lag]:
        lag += 1
    a, b, c = r[lag - 1], r[lag], r[lag + 1]
    return SR / (lag + 0.5 * (a - c) / (a - 2 * b + c))


def test_a_strength_one_footstep_peaks_near_minus_12_dbfs() -> None:
    peaks = [_db(np.max(np.abs(render_footstep(1.0, SURFACES["concrete"], event_rng(1, "O1", i), SR)))) for i in range(20)]
    assert all(-14.6 <= p <= -9.4 for p in peaks)
    assert np.mean(peaks) == pytest.approx(-12.0, abs=1.0)
    assert np.std(peaks) > 0.5  # levels vary from step to step


def test_footsteps_never_repeat_and_strength_brightens_them() -> None:
    steps = [render_footstep(1.0, SURFACES["concrete"], event_rng(3, "O1", i), SR) for i in range(6)]
    correlations = [_max_correlation(steps[i], steps[j]) for i in range(6) for j in range(i + 1, 6)]
    assert max(correlations) < 0.99
    soft = [render_footstep(0.2, SURFACES["concrete"], event_rng(4, "O1", i), SR) for i in range(8)]
    hard = [render_footstep(1.0, SURFACES["concrete"], event_rng(4, "O1", i), SR) for i in range(8)]
    assert np.mean([_centroid(s) for s in hard]) > 1.15 * np.mean([_centroid(s) for s in soft])
    assert np.mean([np.max(np.abs(s)) for s in hard]) > 2.0 * np.mean([np.max(np.abs(s)) for s in soft])


@pytest.mark.parametrize("surface", ["concrete", "wood"])
def test_a_footstep_is_a_heel_then_a_toe_15_to_40_ms_later(surface: str) -> None:
    highpass = signal.butter(4, 1000, "highpass", fs=SR, output="sos")
    found = 0
    for i in range(20):
        step = render_footstep(1.0, SURFACES[surface], event_rng(21, "O1", i), SR)
        bursts = signal.sosfilt(highpass, step)  # the noise bursts, without the low thump
        w = int(0.003 * SR)
        envelope = np.sqrt(np.convolve(bursts**2, np.ones(w) / w, mode="same"))
        peaks = signal.find_peaks(envelope, prominence=0.08 * envelope.max())[0] / SR
        found += peaks[0] < 0.006 and any(0.012 <= t <= 0.045 for t in peaks[1:])
    assert found >= 18


@pytest.mark.parametrize("name", ["metal", "wood", "plastic", "glass", "rubber"])
def test_impact_spectrum_peaks_at_the_preset_fundamental(name: str) -> None:
    material = MATERIALS[name]
    for i in range(4):
        hit = render_impact(1.0, material, event_rng(7, "O2", i), SR)
        spectrum = np.abs(np.fft.rfft(hit * np.hanning(len(hit)), 4 * len(hit)))
        freqs = np.fft.rfftfreq(4 * len(hit), 1 / SR)
        spectrum[freqs < 40] = 0
        assert freqs[np.argmax(spectrum)] == pytest.approx(material.fundamental_hz, rel=0.03)


def _decay_time(hit: np.ndarray, drop_db: float = 20.0) -> float:
    envelope = _envelope_db(hit, 0.01)
    start = int(np.argmax(envelope))
    return float(np.flatnonzero(envelope[start:] < -drop_db)[0] / SR)


def test_metal_rings_longer_than_glass_longer_than_wood() -> None:
    rng = event_rng(8, "O2", 0)
    metal = _decay_time(render_impact(1.0, MATERIALS["metal"], rng, SR))
    glass = _decay_time(render_impact(1.0, MATERIALS["glass"], rng, SR))
    wood = _decay_time(render_impact(1.0, MATERIALS["wood"], rng, SR))
    assert metal > 1.0 and wood < 0.15 and metal > 5 * wood and metal > glass > wood
    # a 20 dB fall of exp(-t / tau) takes tau * ln(10): the fundamental's decay sets it
    assert metal == pytest.approx(MATERIALS["metal"].decays_s[0] * np.log(10), rel=0.25)


def test_impacts_vary_but_a_harder_hit_is_louder_and_brighter() -> None:
    for name in ("wood", "rubber", "metal"):
        hits = [render_impact(0.8, MATERIALS[name], event_rng(9, "O2", i), SR) for i in range(6)]
        correlations = [_max_correlation(hits[i], hits[j]) for i in range(6) for j in range(i + 1, 6)]
        assert max(correlations) < 0.99 and np.mean(correlations) < 0.96, name
    soft = render_impact(0.2, MATERIALS["plastic"], event_rng(10, "O2", 0), SR)
    hard = render_impact(1.0, MATERIALS["plastic"], event_rng(10, "O2", 0), SR)
    assert np.max(np.abs(hard)) > 2.0 * np.max(np.abs(soft))
    assert _centroid(hard[: SR // 50]) > _centroid(soft[: SR // 50])


@pytest.fixture(scope="module")
def engine_ramp() -> tuple[np.ndarray, np.ndarray, EngineSpec]:
    """2 s at 8 m/s, then 3 s accelerating at 4 m/s^2 (to 20 m/s); per sample."""
    t = np.arange(5 * SR) / SR
    speed = np.where(t < 2.0, 8.0, 8.0 + 4.0 * (t - 2.0))
    accel = np.where(t < 2.0, 0.0, 4.0)
    spec = EngineSpec()
    return render_engine(speed, accel, spec, event_rng(11, "O3/engine", 0), SR), speed, spec


def test_engine_pitch_follows_the_speed(engine_ramp) -> None:  # noqa: ANN001
    x, speed, spec = engine_ramp
    cruise = _firing_frequency(x[int(0.8 * SR) : int(1.8 * SR)])
    assert cruise == pytest.approx(float(firing_hz(rpm_for_speed(8.0, spec), spec)), rel=0.03)  # 56 Hz
    pitches = [_firing_frequency(x[int(s * SR) : int((s + 0.4) * SR)]) for s in (2.6, 3.3, 4.0, 4.6)]
    assert all(b > a for a, b in zip(pitches, pitches[1:]))
    expected_end = float(firing_hz(rpm_for_speed(speed[int(4.6 * SR)], spec), spec))  # ~ 93 Hz, minus lag
    assert pitches[-1] == pytest.approx(expected_end, rel=0.08)


def test_engine_is_at_the_target_level_louder_under_load_and_never_clips(engine_ramp) -> None:  # noqa: ANN001
    x, _, _ = engine_ramp
    cruise = x[int(0.5 * SR) : int(1.9 * SR)]
    pushing = x[int(2.5 * SR) : int(4.9 * SR)]
    assert _db(np.sqrt(np.mean(cruise**2))) == pytest.approx(-18.0, abs=1.0)
    assert _db(np.sqrt(np.mean(pushing**2))) > _db(np.sqrt(np.mean(cruise**2))) + 2.5
    assert np.max(np.abs(x)) < 1.0
    assert np.max(np.abs(np.diff(x))) < 0.3  # nothing near a full-scale click


def test_engine_pitch_changes_without_discontinuity() -> None:
    """A band-limited tone cannot jump more per sample than Bernstein's bound 2 pi f_max peak / sr.

    With noise off and brightness 0.25 every component is below 1 kHz; the tone stays far inside
    the bound (0.14 of it), so a gain step or a phase jump of about 1 rad or more shows. (Smaller
    phase jumps made at the harmonics' reduced rate are smoothed by the upsampler.)
    """
    t = np.arange(3 * SR) / SR
    speed = np.clip(8.0 + 10.0 * (t - 1.0), 8.0, 20.0)  # a sharp change of speed at 1 s
    spec = EngineSpec(noise=0.0, brightness=0.25)
    x = render_engine(speed, np.gradient(speed) * SR, spec, event_rng(12, "O3/engine", 0), SR)
    bound = 2 * np.pi * 1000.0 / SR * np.max(np.abs(x))
    # measured: 0.14 of the bound; an unsmoothed load step gives 1.75, a 1.3 rad phase jump 0.25
    assert np.max(np.abs(np.diff(x))) <= 0.2 * bound


def _band_share(x: np.ndarray, low: float, high: float) -> float:
    spectrum = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(len(x), 1 / SR)
    return float(spectrum[(freqs >= low) & (freqs < high)].sum() / spectrum.sum())


def test_every_surface_sounds_its_own_way() -> None:
    steps = {name: [render_footstep(0.8, surface, event_rng(30, name, i), SR) for i in range(6)] for name, surface in SURFACES.items()}
    assert set(steps) == {"concrete", "wood", "gravel", "grass", "snow", "metal"}
    length = {name: np.mean([len(s) for s in v]) / SR for name, v in steps.items()}
    assert length["snow"] > length["concrete"] and length["gravel"] > length["concrete"]  # crunch lasts
    late = {name: np.mean([np.sum(s[int(0.06 * SR) :] ** 2) / np.sum(s**2) for s in v]) for name, v in steps.items()}
    assert late["gravel"] > 4 * late["concrete"] and late["snow"] > 4 * late["concrete"]  # a crunch after the heel
    # snow crunches lower than gravel; wood and metal ring at their resonances
    assert _centroid(np.concatenate(steps["snow"])) < _centroid(np.concatenate(steps["gravel"]))
    for name, mode in (("wood", 190.0), ("metal", 1020.0)):
        tail = np.concatenate([s[int(0.05 * SR) :] for s in steps[name]])
        assert _band_share(tail, 0.9 * mode, 1.1 * mode) > 3 * _band_share(np.concatenate([s[int(0.05 * SR) :] for s in steps["concrete"]]), 0.9 * mode, 1.1 * mode)
    for name, v in steps.items():
        assert max(_max_correlation(v[i], v[j]) for i in range(6) for j in range(i + 1, 6)) < 0.99, name


def test_a_flesh_hit_is_a_dull_thud_with_a_slap() -> None:
    hit = render_impact(0.8, MATERIALS["flesh"], event_rng(31, "O1", 0), SR)
    assert _decay_time(hit) < 0.06
    spectrum = np.abs(np.fft.rfft(hit * np.hanning(len(hit)), 8 * len(hit)))
    freqs = np.fft.rfftfreq(8 * len(hit), 1 / SR)
    spectrum[freqs < 40] = 0
    assert freqs[np.argmax(spectrum)] < 300  # the body's low mode leads
    rubber = render_impact(0.8, MATERIALS["rubber"], event_rng(31, "O1", 0), SR)
    assert _band_share(hit[: int(0.01 * SR)], 1000, 6000) > 4 * _band_share(rubber[: int(0.01 * SR)], 1000, 6000)  # the skin slaps


def test_a_ringing_object_hit_again_keeps_ringing() -> None:
    from foley_assistant.generators.procedural.impacts import Hit, render_impacts

    n = 2 * SR
    one = render_impacts([Hit(0, 0.8)], MATERIALS["metal"], event_rng(32, "O1", 0), n, SR)
    two = render_impacts([Hit(0, 0.8), Hit(SR // 2, 0.8)], MATERIALS["metal"], event_rng(32, "O1", 0), n, SR)
    assert np.allclose(one[: SR // 2], two[: SR // 2])  # nothing before the second hit changes
    later = slice(SR // 2 + SR // 10, SR)
    assert np.sqrt(np.mean(two[later] ** 2)) > 1.2 * np.sqrt(np.mean(one[later] ** 2))  # the rings add


def test_engine_presets_differ_as_vehicles_do() -> None:
    from foley_assistant.generators.procedural.engine import ENGINE_PRESETS

    speed = np.full(2 * SR, 10.0)
    renders = {name: render_engine(speed, np.zeros(len(speed)), spec, event_rng(33, name, 0), SR) for name, spec in ENGINE_PRESETS.items()}
    rpm = {name: float(rpm_for_speed(10.0, spec)) for name, spec in ENGINE_PRESETS.items()}
    assert rpm["truck"] < rpm["car"] < rpm["motorbike"]
    assert _centroid(renders["truck"][SR:]) < _centroid(renders["motorbike"][SR:])


def test_road_noise_grows_with_speed() -> None:
    spec = EngineSpec(idle_rpm=800, rpm_per_mps=0.0, max_rpm=800, noise=0.0, tyre_noise=0.8)  # same rpm at any speed
    slow = render_engine(np.full(SR, 5.0), np.zeros(SR), spec, event_rng(34, "O1", 0), SR)
    fast = render_engine(np.full(SR, 25.0), np.zeros(SR), spec, event_rng(34, "O1", 0), SR)
    assert _band_share(fast, 300, 3000) > 1.5 * _band_share(slow, 300, 3000)


def test_a_whoosh_is_silent_when_slow_and_louder_and_brighter_when_fast() -> None:
    from foley_assistant.generators.procedural.whoosh import WhooshSpec, render_whoosh

    spec = WhooshSpec()
    rms = lambda x: float(np.sqrt(np.mean(x**2)))  # noqa: E731
    still = render_whoosh(np.full(SR, 0.5), spec, event_rng(35, "O1", 0), SR)
    assert not np.any(still)
    medium = render_whoosh(np.full(SR, 4.0), spec, event_rng(35, "O1", 0), SR)
    fast = render_whoosh(np.full(SR, 9.0), spec, event_rng(35, "O1", 0), SR)
    assert rms(fast) > 2.0 * rms(medium) and _centroid(fast) > 1.3 * _centroid(medium)
    assert np.max(np.abs(render_whoosh(np.full(SR, 40.0), spec, event_rng(35, "O1", 0), SR))) < 1.0
    again = render_whoosh(np.full(SR, 9.0), spec, event_rng(36, "O1", 0), SR)
    assert _max_correlation(fast, again) < 0.5  # another pass, another sound


def test_cloth_rustles_with_each_step() -> None:
    from foley_assistant.generators.procedural.cloth import render_cloth

    steps = [0.5, 1.0, 1.5, 2.0, 2.5]
    x = render_cloth(np.full(3 * SR, 1.4), np.zeros(3 * SR), steps, event_rng(37, "O1", 0), SR)
    envelope = np.sqrt(np.convolve(x**2, np.ones(SR // 50) / (SR // 50), mode="same"))
    swish = [envelope[int((t + 0.2) * SR)] for t in steps[:-1]]  # 40 % of a 0.5 s step after each footfall
    between = [envelope[int((t + 0.45) * SR)] for t in steps[:-1]]
    assert np.mean(swish) > 1.5 * np.mean(between)
    assert not np.any(render_cloth(np.zeros(SR), np.zeros(SR), [], event_rng(37, "O1", 0), SR) > 1e-3)


@pytest.mark.parametrize("kind", ["room", "street", "wind", "rain"])
def test_ambience_beds_are_wide_at_their_level_and_never_repeat(kind: str) -> None:
    from foley_assistant.generators.procedural.ambience import LEVELS_DBFS, render_ambience

    bed = render_ambience(kind, 3 * SR, event_rng(38, kind, 0), SR)
    assert bed.shape == (2, 3 * SR) and np.max(np.abs(bed)) < 0.5
    assert _db(np.sqrt(np.mean(bed**2))) == pytest.approx(LEVELS_DBFS[kind], abs=1.5)
    correlation = np.corrcoef(bed[0], bed[1])[0, 1]
    assert 0.1 < correlation < 0.9  # stereo (rain, drop by drop, the widest), yet one place
    other = render_ambience(kind, 3 * SR, event_rng(39, kind, 0), SR)
    assert abs(np.corrcoef(bed[0], other[0])[0, 1]) < 0.3


def test_ambience_kinds_have_their_own_spectra() -> None:
    from foley_assistant.generators.procedural.ambience import render_ambience

    beds = {k: render_ambience(k, 2 * SR, event_rng(40, k, 0), SR).mean(axis=0) for k in ("room", "street", "wind", "rain")}
    assert _band_share(beds["rain"], 2000, 10000) > 2 * _band_share(beds["wind"], 2000, 10000)
    assert _band_share(beds["street"], 20, 300) > _band_share(beds["rain"], 20, 300)
    with pytest.raises(ValueError):
        render_ambience("jungle", SR, event_rng(40, "x", 0), SR)
