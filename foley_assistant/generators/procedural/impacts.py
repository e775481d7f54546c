"""Impact voice: modal synthesis, a sum of exponentially decaying sinusoids excited by contacts.

Each material is a set of modes (frequency ratios to a fundamental, relative amplitudes, decay
time constants). A hit's excitation is a half-sine contact pulse (shorter and so brighter for
harder hits), a micro-rebound (a second, softer contact 2-12 ms later) and a short noise click;
it drives one two-pole resonator per mode, whose impulse response is `exp(-t / tau) sin(2 pi f t)`.
The click is also heard directly, as the contact tick.

Short-ringing materials get their own resonators per hit, tuned +-2 % and damped +-10 %. The
hits of a long-ringing object (metal, glass) go through one shared bank (`render_impacts`): its
modes stay put, a new hit adds to the ring of the last one as on a real object, and the cost is
one resonator pass per mode over the output however many hits there are. What varies per hit is where and how it is struck: new click noise,
overtone amplitudes from the strike position (sin(pi k x), +-30 %; the fundamental +-15 %), contact time and click brightness +-12 %, the
rebound, and the level +-2.5 dB. Each hit's gain is set from its own first 30 ms, so its peak is
PEAK_DBFS at strength 1 (lower for softer hits) whatever rings on from earlier hits.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from foley_assistant.generators.procedural.dsp import add_at, db_to_gain, fade_tail, lowpass, vary

PEAK_DBFS = -10.0  # peak of a strength-1 hit, before the +-2.5 dB per-hit variation
LEVEL_SPREAD_DB = 2.5
MAX_LENGTH_S = 4.0
_PROBE_S = 0.03  # a hit's own peak is measured over its first 30 ms
SHARED_BANK_S = 0.5  # materials ringing longer than this share one resonator bank across hits


@dataclass(frozen=True)
class Material:
    """Modes of a struck object. The first mode is the fundamental and the loudest."""

    fundamental_hz: float
    ratios: tuple[float, ...]
    amplitudes: tuple[float, ...]
    decays_s: tuple[float, ...]  # amplitude time constants (the mode falls by 1/e in this time)
    contact_s: float  # contact time of a strength-1 hit
    click_level: float  # direct noise click, relative to the modes
    click_hz: float = 12000.0  # brightness of the click at strength 1 (low-pass cutoff)

    def __post_init__(self) -> None:
        if not len(self.ratios) == len(self.amplitudes) == len(self.decays_s):
            raise ValueError("a material needs as many amplitudes and decays as mode ratios")


MATERIALS: dict[str, Material] = {
    "wood": Material(420.0, (1.0, 2.57, 4.18, 6.1), (1.0, 0.45, 0.3, 0.2), (0.045, 0.028, 0.018, 0.012), 0.0008, 0.25),
    "metal": Material(620.0, (1.0, 2.756, 5.404, 8.933, 13.34), (1.0, 0.6, 0.45, 0.3, 0.2), (0.6, 0.45, 0.3, 0.2, 0.12), 0.0003, 0.12),
    "plastic": Material(780.0, (1.0, 1.72, 2.93, 4.3), (1.0, 0.55, 0.35, 0.25), (0.035, 0.025, 0.018, 0.012), 0.0006, 0.3),
    "rubber": Material(160.0, (1.0, 2.3, 3.9), (1.0, 0.3, 0.12), (0.035, 0.02, 0.012), 0.004, 0.3),
    "glass": Material(1800.0, (1.0, 2.32, 4.25, 6.63), (1.0, 0.5, 0.35, 0.2), (0.45, 0.3, 0.18, 0.1), 0.0002, 0.15),
    "stone": Material(900.0, (1.0, 2.1, 3.4, 5.2), (1.0, 0.6, 0.45, 0.3), (0.02, 0.014, 0.01, 0.007), 0.0005, 0.45),
    # a body hit: heavily damped low modes (flesh over bone), a soft contact and a slap of skin
    "flesh": Material(110.0, (1.0, 2.2, 4.1), (1.0, 0.5, 0.25), (0.014, 0.009, 0.006), 0.003, 0.9, 3500.0),
}


@dataclass(frozen=True)
class Hit:
    """One strike: the sample it lands on and how hard (0..1)."""

    at: int
    strength: float


def impact_length_s(material: Material) -> float:
    """How long a hit rings: until its slowest mode is 60 dB down, at most MAX_LENGTH_S."""
    return min(MAX_LENGTH_S, 6.91 * max(material.decays_s) + 0.02)


def render_impact(strength: float, material: Material, rng: np.random.Generator, sample_rate: int, vary_hit: bool = True) -> np.ndarray:
    """One hit, starting at sample 0, float64; its peak is PEAK_DBFS (+-2.5 dB) at strength 1.

    With `vary_hit=False` the hit is exactly the preset's (used to check the presets).
    """
    n = int(round(impact_length_s(material) * sample_rate))
    out = render_impacts([Hit(0, strength)], material, rng, n, sample_rate, vary_hit)
    return fade_tail(out, sample_rate, min(0.05, 0.2 * n / sample_rate))


def render_impacts(hits: list[Hit], material: Material, rng: np.random.Generator, n: int, sample_rate: int, vary_hit: bool = True) -> np.ndarray:
    """All the hits of one object over `n` samples, float64.

    Materials that ring for less than SHARED_BANK_S (wood, plastic, rubber, stone, flesh) get a
    resonator bank per hit, tuned +-2 % and damped +-10 % per hit (a knock is never quite the
    same twice); longer-ringing ones (metal, glass) share one bank over the whole output, so a
    hit adds to the ring of the last one and the cost does not grow with the number of hits.
    """
    return ImpactVoice(hits, material, rng, n, sample_rate, vary_hit).block(0, n)


class ImpactVoice:
    """`render_impacts` a span at a time (`block`, asked for in order from sample 0): every hit's
    draws are made at once (a few hundred samples each), its ring is made for each span it
    sounds in, and a shared bank's resonators run on with their state carried; the same sums,
    in the same order, as over the whole output at once."""

    def __init__(self, hits: list[Hit], material: Material, rng: np.random.Generator, n: int, sample_rate: int, vary_hit: bool = True) -> None:
        spread = 1.0 if vary_hit else 0.0
        self._n, self._rate = n, sample_rate
        self._shared = impact_length_s(material) > SHARED_BANK_S
        self._bank = _bank(material, rng, sample_rate, 0.0, doublets=self._shared)
        self._hit_n = int(round(impact_length_s(material) * sample_rate))
        self._hits: list[tuple[int, np.ndarray, np.ndarray, list[float], list[tuple[list[float], list[float]]]]] = []
        for hit in hits:
            if not 0 <= hit.at < n:
                continue
            bank = self._bank if self._shared else _bank(material, rng, sample_rate, spread)
            strength = float(np.clip(hit.strength, 0.0, 1.0))
            pulse, tick, weights = _hit_drive(strength, material, bank, rng, sample_rate, spread, self._shared)
            self._hits.append((hit.at, pulse, tick, weights, bank))
        self._states = [np.zeros(2) for _ in self._bank] if self._shared else []
        self._done = 0

    def block(self, start: int, stop: int) -> np.ndarray:
        """Samples [start, stop) of the hits (float64; spans asked for in order from 0)."""
        if start != self._done:
            raise ValueError(f"impact spans must follow each other: asked for {start}, next is {self._done}")
        out = np.zeros(stop - start)
        drives = [np.zeros(stop - start) for _ in self._bank] if self._shared else []
        for at, pulse, tick, weights, bank in self._hits:
            if self._shared:
                if at < stop and at + len(pulse) > start:
                    end = min(self._n, at + len(pulse))
                    for w, drive in zip(weights, drives):
                        add_at(drive, w * pulse[: end - at], at - start)
            elif at < stop and at + min(self._hit_n, self._n - at) > start:
                drive = np.zeros(min(self._hit_n, self._n - at))
                drive[: min(len(pulse), len(drive))] = pulse[: len(drive)]
                ring = sum(w * signal.lfilter(*resonator, drive) for w, resonator in zip(weights, bank))
                add_at(out, fade_tail(np.asarray(ring), self._rate, 0.01), at - start)
            if at < stop and at + len(tick) > start:
                end = min(self._n, at + len(tick))
                add_at(out, tick[: end - at], at - start)
        for index, (drive, resonator) in enumerate(zip(drives, self._bank)):
            rung, self._states[index] = signal.lfilter(*resonator, drive, zi=self._states[index])
            out += rung
        self._done = stop
        return out


def _bank(material: Material, rng: np.random.Generator, sample_rate: int, spread: float, doublets: bool = False) -> list[tuple[list[float], list[float]]]:
    """The material's resonators below 0.45 of the sample rate, tuned +-2 % and damped +-10 % times `spread`.

    With `doublets`, every mode is a pair split by 0.2-0.6 % (as the near-degenerate mode pairs
    of a can, a bell or a plate): hits at different places share energy differently between
    the two, so their beating differs from hit to hit. Pairs come in order (lower, upper).
    """
    bank = []
    for ratio, tau in zip(material.ratios, material.decays_s):
        frequency = material.fundamental_hz * ratio * vary(rng, 0.02 * spread)
        if frequency >= 0.45 * sample_rate:
            continue
        damping = tau * vary(rng, 0.1 * spread)
        if doublets:
            split = rng.uniform(0.002, 0.006)
            bank.append(_resonator(frequency * (1 - split / 2), damping, sample_rate))
            bank.append(_resonator(frequency * (1 + split / 2), damping, sample_rate))
        else:
            bank.append(_resonator(frequency, damping, sample_rate))
    return bank


def _hit_drive(
    strength: float,
    material: Material,
    bank: list[tuple[list[float], list[float]]],
    rng: np.random.Generator,
    sample_rate: int,
    spread: float,
    doublets: bool,
) -> tuple[np.ndarray, np.ndarray, list[float]]:
    """(contact pulse, direct tick, mode weights) of one hit, scaled so the hit peaks at its level.

    With `doublets` each mode's weight is shared between its pair as cos^2 / sin^2 of a random angle.
    """
    pulse, click = _excitation(strength, material, rng, sample_rate, spread)
    weights = _strike_weights(material, rng, spread)
    if doublets:
        angles = rng.uniform(0.0, np.pi, len(weights)) if spread else np.full(len(weights), np.pi / 4)
        weights = [w * share for w, a in zip(weights, angles) for share in (np.cos(a) ** 2, np.sin(a) ** 2)]
    weights = weights[: len(bank)]
    probe = np.zeros(int(_PROBE_S * sample_rate))
    probe[: len(pulse)] = pulse[: len(probe)]
    ringing = sum(w * signal.lfilter(*r, probe) for w, r in zip(weights, bank))
    ringing = np.asarray(ringing, dtype=np.float64)
    modes_peak = float(np.max(np.abs(ringing))) or 1.0
    tick = material.click_level * modes_peak * (0.5 + 0.5 * strength) * click / (float(np.max(np.abs(click))) or 1.0)
    ringing[: len(tick)] += tick
    level_db = PEAK_DBFS + 20 * np.log10(max(strength, 0.02)) * 0.8
    level_db += rng.uniform(-LEVEL_SPREAD_DB, LEVEL_SPREAD_DB) * spread
    gain = db_to_gain(level_db) / (float(np.max(np.abs(ringing))) or 1.0)
    return gain * pulse, gain * tick, weights


def _strike_weights(material: Material, rng: np.random.Generator, spread: float) -> list[float]:
    """Mode amplitudes for one strike: where it lands (x in 0..1 along the object) sets how much
    each overtone sounds, as sin(pi k x) does for a bar; the fundamental moves by +-15 % only."""
    where = rng.uniform(0.1, 0.9)
    weights = []
    for k, (ratio, amplitude) in enumerate(zip(material.ratios, material.amplitudes)):
        if ratio == 1.0:
            weights.append(amplitude * vary(rng, 0.15 * spread))
        else:
            shape = 0.25 + 0.75 * abs(np.sin(np.pi * (k + 1) * where)) if spread else 1.0
            weights.append(amplitude * shape * vary(rng, 0.3 * spread))
    return weights


def _excitation(strength: float, material: Material, rng: np.random.Generator, sample_rate: int, spread: float) -> tuple[np.ndarray, np.ndarray]:
    """(contact pulse with its micro-rebound, click noise) of one hit; both start at sample 0."""
    contact = material.contact_s * (1.6 - 0.6 * strength) * vary(rng, 0.12 * spread)
    width = max(2, int(round(contact * sample_rate)))
    shape = np.sin(np.pi * (np.arange(width) + 0.5) / width)
    again = int(round(rng.uniform(0.002, 0.012) * sample_rate)) if spread else 0
    click_n = max(4, int(round(0.0015 * sample_rate)))
    pulse = np.zeros(max(again + width, click_n))
    pulse[:width] = shape
    if again:
        pulse[again : again + width] += rng.uniform(0.1, 0.45) * shape
    click = rng.standard_normal(click_n) * np.exp(-np.arange(click_n) / (0.3 * click_n))
    cutoff = (2000.0 + (material.click_hz - 2000.0) * strength) * vary(rng, 0.12 * spread)
    click = lowpass(click, sample_rate, cutoff)
    pulse[:click_n] += 0.3 * click
    return pulse, click


def _resonator(frequency_hz: float, tau_s: float, sample_rate: int) -> tuple[list[float], list[float]]:
    """(b, a) of a resonator with impulse response exp(-t/tau) sin(2 pi f t)."""
    w = 2 * np.pi * frequency_hz / sample_rate
    r = np.exp(-1.0 / (tau_s * sample_rate))
    return [0.0, r * np.sin(w)], [1.0, -2.0 * r * np.cos(w), r * r]
