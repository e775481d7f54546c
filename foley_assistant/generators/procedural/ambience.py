"""Ambience beds for a shot: room tone, street, wind and rain, in stereo.

Every bed is built from noise the seed decides, so two shots never share the same bed:
- room: pink-ish noise (60 Hz .. 6 kHz) with a faint mains hum (50 Hz and its harmonics) and a
  slow +-1 dB drift, around -50 dBFS RMS;
- street: low traffic rumble and a city wash, with cars passing every 3-8 s (a swell of band noise
  that travels from one side to the other), around -34 dBFS RMS;
- wind: noise in bands whose centre wanders between 250 and 900 Hz, with gusts (a slow random
  envelope) and a low rumble, around -32 dBFS RMS;
- rain: thousands of tiny drops per second (decaying clicks band-passed to 2-8 kHz), a few
  larger drops that ring briefly, and a hiss (3-7 kHz), around -30 dBFS RMS.
Left and right are built from partly independent noise, so the bed is wide but holds together
in mono. Peaks above -12 dBFS are bent by a soft limiter. Beds are built at a reduced rate and
upsampled by a polyphase filter (`WORK_RATE_DIVISOR`). Output: float64 of shape (2, n).
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from foley_assistant.generators.procedural.dsp import bandpass_sos, db_to_gain, decaying_bursts, one_pole_sos
from foley_assistant.generators.procedural.engine import soft_limit

AMBIENCES = ("room", "street", "wind", "rain")
CONTROL_RATE = 100.0
LEVELS_DBFS = {"room": -50.0, "street": -34.0, "wind": -32.0, "rain": -30.0}
#: Beds are built at the output rate divided by this (their content stays under a quarter or half
#: of the output rate: room, street and wind under 6 kHz, rain under 12 kHz) and upsampled.
WORK_RATE_DIVISOR = {"room": 4, "street": 4, "wind": 4, "rain": 2}


def render_ambience(kind: str, n: int, rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    """An ambience bed of `n` samples, stereo (2, n), at the kind's level."""
    if kind not in AMBIENCES:
        raise ValueError(f"ambience must be one of {', '.join(AMBIENCES)}, got {kind!r}")
    if n == 0:
        return np.zeros((2, 0))
    render = {"room": _room, "street": _street, "wind": _wind, "rain": _rain}[kind]
    factor = WORK_RATE_DIVISOR[kind] if sample_rate % WORK_RATE_DIVISOR[kind] == 0 else 1
    work_rate = sample_rate // factor
    bed = render(n // factor + 16, rng, work_rate)
    # at the work rate, the bed is set to its level (upsampling a band-limited signal keeps its power)
    bed = (bed * (db_to_gain(LEVELS_DBFS[kind]) / (np.sqrt(np.mean(bed**2)) + 1e-12))).astype(np.float32)
    if factor > 1:
        bed = signal.resample_poly(bed, factor, 1, axis=-1)
    return soft_limit(bed[:, :n], knee=0.25)


def _white(rng: np.random.Generator, n: int) -> np.ndarray:
    """White noise of variance 1, uniform (every bed filters it: the result is as Gaussian as from Gaussian noise)."""
    return (rng.random(n, dtype=np.float32) - np.float32(0.5)) * np.float32(np.sqrt(12.0))


def _noise(rng: np.random.Generator, n: int) -> np.ndarray:
    """Two channels of white noise, 70 % shared: wide, yet mono-compatible."""
    shared = np.float32(0.7) * _white(rng, n)
    return np.stack([shared + np.float32(0.714) * _white(rng, n) for _ in range(2)])


def _pink(white: np.ndarray, sample_rate: int) -> np.ndarray:
    """Roughly -3 dB per octave: white noise through three staggered one-pole low-passes, summed."""
    out = white * 0.15
    for cutoff, weight in ((80.0, 1.0), (600.0, 0.45), (4000.0, 0.2)):
        out = out + weight * signal.sosfilt(one_pole_sos(cutoff, sample_rate).astype(np.float32), white, axis=-1)
    return out


def _slow(rng: np.random.Generator, n: int, sample_rate: int, low_hz: float, high_hz: float) -> np.ndarray:
    """A slow random curve (band low_hz..high_hz), unit standard deviation, one value per sample."""
    count = int(n / sample_rate * CONTROL_RATE) + 4
    sos = signal.butter(2, [low_hz, high_hz], btype="bandpass", fs=CONTROL_RATE, output="sos")
    curve = signal.sosfilt(sos, rng.standard_normal(count + 400))[400:]
    curve /= np.std(curve) + 1e-12
    return np.interp(np.arange(n) / sample_rate, np.arange(count) / CONTROL_RATE, curve)


def _room(n: int, rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    bed = _pink(_noise(rng, n), sample_rate)
    bed = signal.sosfilt(bandpass_sos(700.0, 0.12, sample_rate, 1).astype(np.float32), bed, axis=-1)
    t = np.arange(n) / sample_rate
    mains = rng.choice([50.0, 60.0])
    hum = sum(a * np.sin(2 * np.pi * mains * k * t + rng.uniform(0, 6.3)) for k, a in ((1, 1.0), (2, 0.5), (3, 0.35)))
    bed = bed / (np.sqrt(np.mean(bed**2)) + 1e-12) + 0.05 * hum
    return bed * 10 ** (_slow(rng, n, sample_rate, 0.02, 0.2) / 20.0)


def _street(n: int, rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    white = _noise(rng, n)
    rumble = signal.sosfilt(one_pole_sos(180.0, sample_rate).astype(np.float32), white, axis=-1)
    rumble = signal.sosfilt(one_pole_sos(180.0, sample_rate).astype(np.float32), rumble, axis=-1)
    rumble /= np.sqrt(np.mean(rumble**2)) + 1e-12
    wash = signal.sosfilt(bandpass_sos(900.0, 0.4, sample_rate, 1).astype(np.float32), _pink(_noise(rng, n), sample_rate), axis=-1)
    wash /= np.sqrt(np.mean(wash**2)) + 1e-12
    bed = 0.8 * rumble + 0.35 * wash
    t = np.arange(n) / sample_rate
    passing = signal.sosfilt(bandpass_sos(700.0, 0.5, sample_rate, 1).astype(np.float32), _white(rng, n))
    passing /= np.sqrt(np.mean(passing**2)) + 1e-12
    at = rng.uniform(-2.0, 3.0)
    while at < n / sample_rate + 3.0:
        length = rng.uniform(3.0, 6.0)
        swell = np.exp(-0.5 * ((t - at) / (length / 5)) ** 2) * rng.uniform(0.6, 1.4)
        pan = np.clip((t - at) / length + 0.5, 0.0, 1.0) if rng.uniform() < 0.5 else np.clip(0.5 - (t - at) / length, 0.0, 1.0)
        bed[0] += swell * np.cos(0.5 * np.pi * pan) * passing
        bed[1] += swell * np.sin(0.5 * np.pi * pan) * passing
        at += rng.uniform(3.0, 8.0)
    return bed


def _wind(n: int, rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    gust = np.clip(0.55 + 0.35 * _slow(rng, n, sample_rate, 0.05, 0.5), 0.05, 1.5)
    centre = 250.0 * (900.0 / 250.0) ** np.clip(0.5 + 0.3 * _slow(rng, n, sample_rate, 0.05, 0.3), 0.0, 1.0)
    white = _noise(rng, n)  # one source for every band: the bands barely overlap
    bed = np.zeros((2, n))
    for band in (250.0, 420.0, 700.0, 1150.0):
        weight = np.exp(-0.5 * (np.log2(band / centre) / 0.6) ** 2)
        noise = signal.sosfilt(bandpass_sos(band, 2.0, sample_rate, 1).astype(np.float32), white, axis=-1)
        bed += weight * noise / (np.std(noise) + 1e-12)
    rumble = signal.sosfilt(one_pole_sos(90.0, sample_rate).astype(np.float32), white, axis=-1)
    bed += 0.6 * rumble / (np.std(rumble) + 1e-12)
    return bed * gust


def _rain(n: int, rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    seconds = n / sample_rate
    bed = np.zeros((2, n), np.float32)
    for channel in range(2):
        drops = rng.uniform(0, seconds, rng.poisson(2500 * seconds))
        envelope = decaying_bursts(drops, np.minimum(rng.pareto(3.0, len(drops)) + 0.2, 2.5), n, sample_rate, 0.0006)
        clicks = _white(rng, n) * envelope.astype(np.float32)
        clicks = signal.sosfilt(bandpass_sos(4500.0, 0.5, sample_rate).astype(np.float32), clicks)
        plinks = np.zeros(n)  # larger drops ring briefly, at one of three pitches: three resonators in parallel
        r = np.exp(-1.0 / (0.006 * sample_rate))
        numerator, denominator = np.zeros(1), np.ones(1)
        for pitch in (1700.0, 2500.0, 3600.0):
            w = 2 * np.pi * pitch * rng.uniform(0.9, 1.1) / sample_rate
            b, a = np.array([0.0, np.sin(w)]), np.array([1.0, -2 * r * np.cos(w), r * r])
            numerator = np.polyadd(np.polymul(numerator, a), np.polymul(b, denominator)) if numerator.any() else b
            denominator = np.polymul(denominator, a)
        big = rng.integers(0, n, rng.poisson(25 * seconds))
        np.add.at(plinks, big, rng.uniform(0.5, 1.0, len(big)))
        plinks = signal.lfilter(numerator, denominator, plinks)
        bed[channel] = clicks / (np.std(clicks) + 1e-12) + 0.5 * plinks / (np.std(plinks) + 1e-9)
    band = np.vstack([one_pole_sos(3000.0, sample_rate, "highpass"), one_pole_sos(7000.0, sample_rate)]).astype(np.float32)
    hiss = signal.sosfilt(band, _noise(rng, n), axis=-1)  # the hiss of the rain as a whole, 3-7 kHz
    return bed + 0.7 * hiss / (np.std(hiss) + 1e-12)
