"""Footstep voice: heel strike, toe/slap 15-40 ms later, body thump, and the surface's own sound.

Parts of one step (all start at sample 0, the heel):
- heel and toe: band-passed noise bursts with a ~1 ms attack and an exponential decay;
- thump: a decaying sine (70-150 Hz) with a short downward pitch glide (the body's weight);
- grains: many tiny bursts (gravel, grass blades, snow crystals) spread over `grain_span_s`,
  denser at first, each a noise grain with a `grain_decay_s` decay, band-passed around `grain_hz`;
- ring: the surface's resonances (floor boards, a metal grate), decaying sines struck by the heel;
- scuff: a little broadband slide after the toe (shoes on a hard floor).

Every step draws its own noise, filter centres (+-12 %), decays (+-15 %), toe delay, grain times
and level (+-2.5 dB), so repeats never match. Strength raises the level and the brightness.
Filters are RBJ biquads computed from formulas, so per-step variation costs no filter design.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from foley_assistant.generators.procedural.dsp import (
    add_at,
    bandpass_noise,
    bandpass_sos,
    db_to_gain,
    decay_envelope,
    decaying_bursts,
    normalize_peak,
    vary,
)

PEAK_DBFS = -12.0  # peak of a strength-1 step, before the +-2.5 dB per-step variation
LEVEL_SPREAD_DB = 2.5
CENTRE_SPREAD = 0.12
DECAY_SPREAD = 0.15


@dataclass(frozen=True)
class Surface:
    """How a step sounds on one surface (centres in Hz, decays as time constants in seconds)."""

    heel_hz: float
    toe_hz: float
    q: float
    heel_decay_s: float
    toe_decay_s: float
    toe_level: float
    thump_hz: float
    thump_decay_s: float
    thump_level: float
    grains: int = 0  # tiny bursts (gravel, grass, snow) spread over `grain_span_s`
    grain_span_s: float = 0.0
    grain_hz: float = 3000.0
    grain_decay_s: float = 0.004
    grain_level: float = 0.0
    ring_hz: tuple[float, ...] = ()  # resonances of the surface, struck by the heel
    ring_decay_s: float = 0.0
    ring_level: float = 0.0
    scuff_level: float = 0.0


SURFACES: dict[str, Surface] = {
    "concrete": Surface(2400.0, 3200.0, 0.9, 0.022, 0.018, 0.6, 110.0, 0.030, 0.45, scuff_level=0.08),
    "wood": Surface(1100.0, 1600.0, 1.3, 0.030, 0.025, 0.55, 120.0, 0.050, 0.7, ring_hz=(190.0, 430.0, 760.0), ring_decay_s=0.05, ring_level=0.6),
    "gravel": Surface(2600.0, 3200.0, 0.7, 0.030, 0.030, 0.5, 90.0, 0.035, 0.35, 34, 0.14, 3800.0, 0.0025, 0.9),
    "grass": Surface(1500.0, 1900.0, 0.7, 0.045, 0.040, 0.5, 80.0, 0.045, 0.3, 45, 0.16, 4200.0, 0.006, 0.55),
    "snow": Surface(1100.0, 1400.0, 0.8, 0.050, 0.050, 0.6, 70.0, 0.050, 0.35, 70, 0.20, 2000.0, 0.003, 0.8),
    "metal": Surface(2800.0, 3500.0, 2.0, 0.030, 0.025, 0.6, 150.0, 0.040, 0.35, ring_hz=(380.0, 1020.0, 1950.0, 3100.0), ring_decay_s=0.08, ring_level=0.7),
}


def footstep_length_s(surface: Surface) -> float:
    """How long a step lasts: the toe delay plus 7 of its longest time constants, or its grains."""
    longest = max(surface.heel_decay_s, surface.toe_decay_s, surface.thump_decay_s, surface.ring_decay_s)
    return max(0.04 + 7 * longest * (1 + DECAY_SPREAD), surface.grain_span_s + 7 * surface.grain_decay_s * (1 + DECAY_SPREAD))


def render_footstep(strength: float, surface: Surface, rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    """One footstep, starting at sample 0, float64; its peak is PEAK_DBFS (+-2.5 dB) at strength 1.

    Each part is computed only over its own length (5 to 7 time constants), then mixed in.
    """
    strength = float(np.clip(strength, 0.0, 1.0))
    brightness = 0.7 + 0.4 * strength
    toe_delay = rng.uniform(0.015, 0.040)
    n = int(round(footstep_length_s(surface) * sample_rate))
    step = np.zeros(n)

    heel = _burst(rng, surface.heel_hz * brightness, surface.q, surface.heel_decay_s, 0.001, sample_rate)
    add_at(step, heel, 0)
    toe = _burst(rng, surface.toe_hz * brightness, surface.q, surface.toe_decay_s, 0.002, sample_rate)
    start = int(round(toe_delay * sample_rate))
    add_at(step, surface.toe_level * vary(rng, 0.2) * toe, start)

    tau = surface.thump_decay_s * vary(rng, DECAY_SPREAD)
    t = np.arange(min(n, int(6 * tau * sample_rate) + 1)) / sample_rate
    f = surface.thump_hz * vary(rng, 0.1) * (1.0 + 0.3 * np.exp(-t / 0.01))
    thump = np.sin(2 * np.pi * np.cumsum(f) / sample_rate) * decay_envelope(len(t), sample_rate, tau, attack_s=0.002)
    add_at(step, surface.thump_level * vary(rng, 0.2) * (0.6 + 0.4 * strength) * thump, 0)

    if surface.grains:
        add_at(step, surface.grain_level * _grains(surface, brightness, rng, sample_rate), 0)
    if surface.ring_hz:
        add_at(step, surface.ring_level * vary(rng, 0.2) * _ring(surface, heel, rng, sample_rate), 0)
    if surface.scuff_level:
        length = int(rng.uniform(0.04, 0.09) * sample_rate)
        scuff = bandpass_noise(rng, length, sample_rate, 2500.0 * vary(rng, 0.3), 0.5)
        scuff *= np.sin(np.pi * np.arange(length) / length) ** 2
        add_at(step, surface.scuff_level * strength * normalize_peak(scuff, 1.0), start + int(rng.uniform(0.01, 0.04) * sample_rate))

    level_db = PEAK_DBFS + 20 * np.log10(max(strength, 0.02)) * 0.7 + rng.uniform(-LEVEL_SPREAD_DB, LEVEL_SPREAD_DB)
    return normalize_peak(step, db_to_gain(level_db))


def _burst(rng: np.random.Generator, centre_hz: float, q: float, tau_s: float, attack_s: float, sample_rate: int) -> np.ndarray:
    """A band-passed noise burst (centre +-12 %, decay +-15 %), peak 1, 5 time constants long (-43 dB)."""
    tau = tau_s * vary(rng, DECAY_SPREAD)
    length = max(8, int(5 * tau * sample_rate))
    noise = bandpass_noise(rng, length, sample_rate, centre_hz * vary(rng, CENTRE_SPREAD), q)
    return normalize_peak(noise * decay_envelope(length, sample_rate, tau, attack_s), 1.0)


def _grains(surface: Surface, brightness: float, rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    """Crunch: grains at random times (denser early: the weight lands first), two band-passes for all."""
    n = int((surface.grain_span_s + 7 * surface.grain_decay_s * (1 + DECAY_SPREAD)) * sample_rate)
    count = int(rng.integers(int(0.7 * surface.grains), int(1.3 * surface.grains) + 1))
    times = surface.grain_span_s * rng.beta(1.2, 2.2, count)
    amplitudes = rng.uniform(0.2, 1.0, count) ** 2
    envelope = decaying_bursts(times, amplitudes, n, sample_rate, surface.grain_decay_s * vary(rng, DECAY_SPREAD))
    centre = surface.grain_hz * brightness * vary(rng, CENTRE_SPREAD)
    low = signal.sosfilt(bandpass_sos(0.6 * centre, 1.2, sample_rate, 1), rng.standard_normal(n) * envelope)
    high = signal.sosfilt(bandpass_sos(1.5 * centre, 1.2, sample_rate, 1), rng.standard_normal(n) * envelope)
    return normalize_peak(low + 0.8 * high, 1.0)


def _ring(surface: Surface, strike: np.ndarray, rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    """The surface's resonances excited by the heel: one two-pole resonator per mode."""
    n = int(7 * surface.ring_decay_s * (1 + DECAY_SPREAD) * sample_rate)
    drive = np.zeros(n)
    drive[: min(n, len(strike))] = strike[:n]
    out = np.zeros(n)
    for k, frequency in enumerate(surface.ring_hz):
        w = 2 * np.pi * frequency * vary(rng, 0.03) / sample_rate
        r = np.exp(-1.0 / (surface.ring_decay_s * vary(rng, DECAY_SPREAD) / (1 + 0.3 * k) * sample_rate))
        out += rng.uniform(0.5, 1.0) / (1 + k) * signal.lfilter([1.0 - r], [1.0, -2 * r * np.cos(w), r * r], drive)
    return normalize_peak(out, 1.0)
