"""Levels and events of the neural engine's stems, measured against the procedural engine.

The model learned from the procedural engine's stems (raised by a fixed gain, see
`model.scenes.STEM_GAIN`), but on pictures unlike its training scenes its level can be far off
(on real footage its stems came out about 25 dB hotter than the procedural ones, peaks at
+16 dBFS). The procedural engine's stem of the same object, along the same curves, is the
reference: the neural stem keeps its own dynamics, and its loudness (BS.1770) is brought to the
reference's. A neural stem that is next to silent for a moving object
(`SILENT_UNDER_DB` under the reference) is not raised from its noise: the caller uses the
reference instead and says so. Then a look-ahead peak limiter (`limit_peaks`) keeps every sample
under the reference's own peak (and never over `PEAK_CEILING`): the
model's transients can stand much further above its loudness than the procedural engine's (28
against 18 dB on a bouncing ball), and such a stem keeps the whole shot's mix under its loudness
target, since the one gain per shot stops at the true-peak ceiling. (Kept within 6 dB of the
reference's loudness instead of at it, with its peaks at the reference's, a quiet neural ball
left its shot's mix at -29.4 LUFS.)

The events of a neural stem are the onsets heard in it (`eval.sync.audio_onsets`), so report.json
lists them as it lists the procedural engine's events.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

from foley_assistant.core.events import SoundEvent
from foley_assistant.eval.sync import audio_onsets
from foley_assistant.spatial.loudness import integrated_loudness

#: A neural stem this far under the reference counts as silent (not raised from its noise).
SILENT_UNDER_DB = 40.0
#: Highest sample value of a neural stem before the shot's loudness gain (-1 dBFS).
PEAK_CEILING = 10 ** (-1 / 20)
#: Attack (and release) of the peak limiter.
LIMITER_WINDOW_S = 0.002
#: Blocks of the active level; blocks more than ACTIVE_RANGE_DB under the loudest are left out.
LEVEL_BLOCK_S = 0.05
ACTIVE_RANGE_DB = 30.0
#: Labels whose onsets are steps; any other object's onsets are impacts.
STEPPING_LABELS = ("person", "animal", "character")


def active_level_db(audio: np.ndarray, sample_rate: int) -> float | None:
    """Mean power (dB) of the `LEVEL_BLOCK_S` blocks of (channels, n) audio within
    `ACTIVE_RANGE_DB` of its loudest block: the level of the sound while it sounds, not diluted
    by the silence around it. None for digital silence."""
    x = np.asarray(audio, dtype=np.float64)
    power = np.square(x).mean(axis=0) if x.ndim == 2 else np.square(x)
    block = max(1, int(round(LEVEL_BLOCK_S * sample_rate)))
    count = max(1, len(power) // block)
    blocks = power[: count * block].reshape(count, -1).mean(axis=1) if len(power) >= block else power.mean(keepdims=True)
    loudest = float(blocks.max()) if blocks.size else 0.0
    if loudest <= 0.0:
        return None
    active = blocks[blocks >= loudest * 10 ** (-ACTIVE_RANGE_DB / 10)]
    return 10.0 * float(np.log10(active.mean()))


@dataclass(frozen=True)
class LevelMatch:
    """What was measured of one neural stem and done to it: its loudness and the reference's
    (dB, None for silence), the gain applied (dB), and whether it counts as silent."""

    model_db: float | None
    reference_db: float | None
    gain_db: float
    silent: bool

    def describe(self) -> str:
        """One line for the report's voice reason."""
        if self.silent:
            return "the model's stem was silent for this object: the procedural engine's sound is used"
        if self.model_db is None or self.reference_db is None:
            return "neural stem, level as made"
        return f"neural stem at {self.model_db:.1f} LUFS, brought {self.gain_db:+.1f} dB to the procedural engine's {self.reference_db:.1f} LUFS"


def peak_ceiling(reference: np.ndarray) -> float:
    """The highest sample a neural stem may reach: the reference's peak, at most `PEAK_CEILING`
    (`PEAK_CEILING` when the reference is silent)."""
    peak = float(np.abs(reference).max()) if np.size(reference) else 0.0
    return PEAK_CEILING if peak <= 0.0 else min(PEAK_CEILING, peak)


def stem_loudness(audio: np.ndarray, sample_rate: int) -> float | None:
    """BS.1770 integrated loudness (LUFS) of a stem, measured with its peak brought to full scale
    and the gain taken off again (the -70 LUFS absolute gate would otherwise drop most of a
    quiet stem's blocks); None for silence or a stem too short to be gated."""
    peak = float(np.abs(audio).max()) if np.size(audio) else 0.0
    if peak <= 0.0:
        return None
    value = integrated_loudness(np.asarray(audio, dtype=np.float64) / peak, sample_rate)
    return value + 20.0 * float(np.log10(peak)) if math.isfinite(value) else None


def match_level(stem: np.ndarray, reference: np.ndarray, sample_rate: int) -> LevelMatch:
    """The gain that brings `stem`'s loudness to `reference`'s (the procedural engine's stem of
    the same object); 0 dB when the reference is silent. Loudness is BS.1770's (`stem_loudness`: K-weighted, so a rumble the ear hardly
    hears does not count as loud), or the active level where a stem is too short to be gated."""
    model_db, reference_db = stem_loudness(stem, sample_rate), stem_loudness(reference, sample_rate)
    if model_db is None or reference_db is None:
        model_db, reference_db = active_level_db(stem, sample_rate), active_level_db(reference, sample_rate)
    if reference_db is None:
        return LevelMatch(model_db, reference_db, 0.0, False)
    if model_db is None or model_db < reference_db - SILENT_UNDER_DB:
        return LevelMatch(model_db, reference_db, 0.0, True)
    return LevelMatch(model_db, reference_db, reference_db - model_db, False)


def limit_peaks(audio: np.ndarray, sample_rate: int, ceiling: float = PEAK_CEILING) -> np.ndarray:
    """(channels, n) audio with every sample at most `ceiling` in magnitude, by a smooth gain
    (look-ahead peak limiter: the gain each sample needs, its minimum over a `LIMITER_WINDOW_S`
    window, then averaged over the same window, which never exceeds the gain any sample of the
    window needs). Audio already under the ceiling comes back unchanged."""
    x = np.asarray(audio, dtype=np.float32)
    peak = np.abs(x).max(axis=0) if x.ndim == 2 else np.abs(x)
    if not peak.size or float(peak.max()) <= ceiling:
        return x
    needed = np.minimum(1.0, ceiling / np.maximum(peak, 1e-30))
    width = max(1, int(round(LIMITER_WINDOW_S * sample_rate))) | 1
    held = ndimage.minimum_filter1d(needed, width, mode="nearest")
    gain = ndimage.uniform_filter1d(held, width, mode="nearest")
    gain = np.minimum(gain, needed)  # float rounding of the average: never above what a sample needs
    return (x * gain.astype(np.float32)).astype(np.float32)


def largest_jump_db(audio: np.ndarray) -> float:
    """The largest sample-to-sample step of (channels, n) audio over its RMS, in dB: a click
    stands out as a step far above anything the sound itself makes (-200 for silence)."""
    x = np.asarray(audio, dtype=np.float64)
    rms = float(np.sqrt(np.mean(np.square(x)))) if x.size else 0.0
    if rms <= 0.0 or x.shape[-1] < 2:
        return -200.0
    return 20.0 * float(np.log10(np.abs(np.diff(x, axis=-1)).max() / rms))


def onset_events(audio: np.ndarray, sample_rate: int, label: str, object_id: str) -> tuple[SoundEvent, ...]:
    """The onsets heard in a generated stem as sound events: footfalls for people and animals,
    impacts for anything else; strength from the level after the onset against the loudest
    (0 dB -> 1, 40 dB under -> 0)."""
    mono = np.asarray(audio, dtype=np.float64)
    mono = mono.mean(axis=0) if mono.ndim == 2 else mono
    times = audio_onsets(mono, sample_rate)
    if not len(times):
        return ()
    window = max(1, int(0.03 * sample_rate))
    levels = []
    for t in times:
        start = int(t * sample_rate)
        part = mono[start : start + window]
        levels.append(float(np.sqrt(np.mean(part * part))) if part.size else 0.0)
    loudest = max(levels) or 1.0
    kind = "footfall" if label in STEPPING_LABELS else "impact"
    events = []
    for t, level in zip(times, levels):
        strength = float(np.clip(1.0 + 20.0 * np.log10(max(level, 1e-12) / loudest) / 40.0, 0.0, 1.0))
        events.append(SoundEvent(float(t), kind, round(strength, 3), object_id, "onset in the generated audio"))
    return tuple(events)
