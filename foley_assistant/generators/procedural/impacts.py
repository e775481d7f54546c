"""Impact voice: modal synthesis, a sum of exponentially decaying sinusoids excited by a click.

Each material is a set of modes (frequency ratios to a fundamental, relative amplitudes, decay
time constants). The excitation is a half-sine contact pulse (shorter and so brighter for harder
hits) plus a short noise click; it drives one two-pole resonator per mode, whose impulse response
is `exp(-t / tau) * sin(2 pi f t)`. The click is also heard directly, as the contact tick.

Per hit: new noise, mode amplitudes +-30 % (where it is struck), decays +-10 %, contact brightness
+-12 %, level +-2.5 dB. A micro-rebound (a second, softer contact 2-12 ms later) changes the attack and the balance
of the modes. Mode frequencies move by at most 2 %: an object's resonances are fixed,
which is also why the same object sounds like itself from hit to hit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from foley_assistant.generators.procedural.dsp import db_to_gain, fade_tail, lowpass, normalize_peak, vary

PEAK_DBFS = -10.0  # peak of a strength-1 hit, before the +-2.5 dB per-hit variation
LEVEL_SPREAD_DB = 2.5
MAX_LENGTH_S = 4.0


@dataclass(frozen=True)
class Material:
    """Modes of a struck object. The first mode is the fundamental and the loudest."""

    fundamental_hz: float
    ratios: tuple[float, ...]
    amplitudes: tuple[float, ...]
    decays_s: tuple[float, ...]  # amplitude time constants (the mode falls by 1/e in this time)
    contact_s: float  # contact time of a strength-1 hit
    click_level: float  # direct noise click, relative to the modes

    def __post_init__(self) -> None:
        if not len(self.ratios) == len(self.amplitudes) == len(self.decays_s):
            raise ValueError("a material needs as many amplitudes and decays as mode ratios")


MATERIALS: dict[str, Material] = {
    "wood": Material(420.0, (1.0, 2.57, 4.18, 6.1), (1.0, 0.45, 0.3, 0.2), (0.045, 0.028, 0.018, 0.012), 0.0008, 0.25),
    "metal": Material(
        620.0, (1.0, 2.756, 5.404, 8.933, 13.34), (1.0, 0.6, 0.45, 0.3, 0.2), (0.6, 0.45, 0.3, 0.2, 0.12), 0.0003, 0.12
    ),
    "plastic": Material(780.0, (1.0, 1.72, 2.93, 4.3), (1.0, 0.55, 0.35, 0.25), (0.035, 0.025, 0.018, 0.012), 0.0006, 0.3),
    "rubber": Material(160.0, (1.0, 2.3, 3.9), (1.0, 0.3, 0.12), (0.035, 0.02, 0.012), 0.004, 0.3),
    "glass": Material(1800.0, (1.0, 2.32, 4.25, 6.63), (1.0, 0.5, 0.35, 0.2), (0.45, 0.3, 0.18, 0.1), 0.0002, 0.15),
    "stone": Material(900.0, (1.0, 2.1, 3.4, 5.2), (1.0, 0.6, 0.45, 0.3), (0.02, 0.014, 0.01, 0.007), 0.0005, 0.45),
}


def impact_length_s(material: Material) -> float:
    """How long a hit rings: until its slowest mode is 60 dB down, at most MAX_LENGTH_S."""
    return min(MAX_LENGTH_S, 6.91 * max(material.decays_s) + 0.02)


def render_impact(
    strength: float, material: Material, rng: np.random.Generator, sample_rate: int, vary_hit: bool = True
) -> np.ndarray:
    """One hit, starting at sample 0, float64; its peak is PEAK_DBFS (+-2.5 dB) at strength 1.

    With `vary_hit=False` the modes are exactly the preset's (used to check the presets).
    """
    strength = float(np.clip(strength, 0.0, 1.0))
    n = int(round(impact_length_s(material) * sample_rate))
    spread = 1.0 if vary_hit else 0.0

    contact = material.contact_s * (1.6 - 0.6 * strength) * vary(rng, 0.12 * spread)
    width = max(2, int(round(contact * sample_rate)))
    excitation = np.zeros(n)
    pulse = np.sin(np.pi * (np.arange(width) + 0.5) / width)
    excitation[:width] = pulse
    if vary_hit:  # a micro-rebound: the object touches again a few ms later, more softly
        again = int(round(rng.uniform(0.002, 0.012) * sample_rate))
        excitation[again : again + width] += rng.uniform(0.1, 0.45) * pulse[: max(0, min(width, n - again))]
    click_n = max(4, int(round(0.0015 * sample_rate)))
    click = rng.standard_normal(click_n) * np.exp(-np.arange(click_n) / (0.3 * click_n))
    click = lowpass(click, sample_rate, 2000.0 + 10000.0 * strength * vary(rng, 0.12 * spread))
    excitation[:click_n] += 0.3 * click

    out = np.zeros(n)
    nyquist = sample_rate / 2.0
    for ratio, amplitude, tau in zip(material.ratios, material.amplitudes, material.decays_s):
        f = material.fundamental_hz * ratio * vary(rng, 0.02 * spread)
        if f >= 0.9 * nyquist:
            continue
        a = amplitude * (vary(rng, 0.15 * spread) if ratio == 1.0 else vary(rng, 0.3 * spread))
        out += a * _mode(excitation, f, tau * vary(rng, 0.1 * spread), sample_rate)
    modes_peak = float(np.max(np.abs(out))) or 1.0
    tick = np.zeros(n)
    tick[:click_n] = click
    out += material.click_level * modes_peak * normalize_peak(tick, 1.0) * (0.5 + 0.5 * strength)

    out = fade_tail(out, sample_rate, min(0.05, 0.2 * n / sample_rate))
    level_db = PEAK_DBFS + 20 * np.log10(max(strength, 0.02)) * 0.8
    level_db += rng.uniform(-LEVEL_SPREAD_DB, LEVEL_SPREAD_DB) * spread
    return normalize_peak(out, db_to_gain(level_db))


def _mode(excitation: np.ndarray, frequency_hz: float, tau_s: float, sample_rate: int) -> np.ndarray:
    """The excitation through a resonator with impulse response exp(-t/tau) sin(2 pi f t)."""
    w = 2 * np.pi * frequency_hz / sample_rate
    r = np.exp(-1.0 / (tau_s * sample_rate))
    return signal.lfilter([0.0, r * np.sin(w)], [1.0, -2.0 * r * np.cos(w), r * r], excitation)
