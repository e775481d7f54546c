"""Footstep voice: a heel strike, a toe/slap 15-40 ms later and a low body thump, per surface.

Each part is a band-passed noise burst with a ~1 ms attack and an exponential decay; the thump is
a decaying sine (80-150 Hz) with a short downward pitch glide. Every step draws its own noise,
filter centres (+-12 %), decays (+-15 %), toe delay and level (+-2.5 dB), so repeats never match.
Strength raises both the level and the brightness (filter centres move up with it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foley_assistant.generators.procedural.dsp import bandpass_noise, db_to_gain, decay_envelope, normalize_peak, vary

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
    grains: int = 0  # extra tiny bursts (gravel, leaves) spread over `grain_span_s`
    grain_span_s: float = 0.0


SURFACES: dict[str, Surface] = {
    "concrete": Surface(2400.0, 3200.0, 0.9, 0.030, 0.022, 0.6, 110.0, 0.035, 0.45),
    "wood": Surface(1300.0, 1800.0, 1.3, 0.045, 0.030, 0.55, 130.0, 0.060, 0.8),
    "gravel": Surface(3000.0, 3600.0, 0.6, 0.060, 0.050, 0.7, 90.0, 0.040, 0.35, grains=24, grain_span_s=0.12),
    "grass": Surface(1600.0, 2000.0, 0.7, 0.070, 0.060, 0.6, 85.0, 0.050, 0.3, grains=10, grain_span_s=0.10),
    "metal": Surface(2800.0, 3500.0, 2.5, 0.060, 0.045, 0.6, 150.0, 0.050, 0.4),
}


def render_footstep(strength: float, surface: Surface, rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    """One footstep, starting at sample 0, float64; its peak is PEAK_DBFS (+-2.5 dB) at strength 1."""
    strength = float(np.clip(strength, 0.0, 1.0))
    brightness = 0.7 + 0.4 * strength
    toe_delay = rng.uniform(0.015, 0.040)
    n = int(round((toe_delay + 8 * max(surface.heel_decay_s, surface.toe_decay_s, surface.thump_decay_s)) * sample_rate))
    n = max(n, int(round((surface.grain_span_s + 0.05) * sample_rate)))
    step = np.zeros(n)

    heel = bandpass_noise(rng, n, sample_rate, surface.heel_hz * brightness * vary(rng, CENTRE_SPREAD), surface.q)
    step += normalize_peak(heel, 1.0) * decay_envelope(n, sample_rate, surface.heel_decay_s * vary(rng, DECAY_SPREAD))

    start = int(round(toe_delay * sample_rate))
    toe = bandpass_noise(rng, n - start, sample_rate, surface.toe_hz * brightness * vary(rng, CENTRE_SPREAD), surface.q)
    toe_env = decay_envelope(n - start, sample_rate, surface.toe_decay_s * vary(rng, DECAY_SPREAD), attack_s=0.002)
    step[start:] += surface.toe_level * vary(rng, 0.2) * normalize_peak(toe, 1.0) * toe_env

    t = np.arange(n) / sample_rate
    f = surface.thump_hz * vary(rng, 0.1) * (1.0 + 0.3 * np.exp(-t / 0.01))
    thump = np.sin(2 * np.pi * np.cumsum(f) / sample_rate)
    thump_env = decay_envelope(n, sample_rate, surface.thump_decay_s * vary(rng, DECAY_SPREAD), attack_s=0.002)
    step += surface.thump_level * vary(rng, 0.2) * (0.6 + 0.4 * strength) * thump * thump_env

    for _ in range(surface.grains):
        at = int(rng.uniform(0.0, surface.grain_span_s) * sample_rate)
        length = n - at
        grain = bandpass_noise(rng, length, sample_rate, surface.heel_hz * brightness * rng.uniform(0.7, 1.5), 2.0)
        step[at:] += rng.uniform(0.1, 0.35) * normalize_peak(grain, 1.0) * decay_envelope(length, sample_rate, 0.006)

    level_db = PEAK_DBFS + 20 * np.log10(max(strength, 0.02)) * 0.7 + rng.uniform(-LEVEL_SPREAD_DB, LEVEL_SPREAD_DB)
    return normalize_peak(step, db_to_gain(level_db))
