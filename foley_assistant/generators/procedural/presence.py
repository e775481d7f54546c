"""An object's life in samples, and the gate that keeps its sound inside that life.

Life starts at the first sample of its first tracked frame and ends at the first sample after its
last tracked frame; the gate is 0 before, rises over `fade_in_s`, is 1 through the life, falls
over `release_s` (raised cosine) and is exactly 0 afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foley_assistant.core.timebase import Rounding
from foley_assistant.core.tracks import ObjectTrack, ShotTracks
from foley_assistant.generators.procedural.dsp import chunks


@dataclass(frozen=True)
class Life:
    """Sample span of an object: [start, end) while seen, then `release` samples of tail."""

    start: int
    end: int
    release: int

    @property
    def stop(self) -> int:
        """First sample after the release."""
        return self.end + self.release


def object_life(obj: ObjectTrack, shot: ShotTracks, sample_rate: int, release_s: float) -> Life:
    """Where an object is seen, in samples counted from the shot's first frame."""
    origin = shot.frame_range.start
    start = shot.fps.frame_to_sample(obj.first_frame - origin, sample_rate, Rounding.NEAREST)
    end = shot.fps.frame_to_sample(obj.last_frame + 1 - origin, sample_rate, Rounding.NEAREST)
    return Life(start, end, max(0, int(round(release_s * sample_rate))))


def life_gate(n_samples: int, life: Life, sample_rate: int, fade_in_s: float = 0.0) -> np.ndarray:
    """Gain per sample for [0, n_samples): silence outside the life, a fade-in and a release."""
    return life_gate_span(0, n_samples, life, sample_rate, fade_in_s)


def life_gate_span(start: int, stop: int, life: Life, sample_rate: int, fade_in_s: float = 0.0) -> np.ndarray:
    """Samples [start, stop) of `life_gate`, value for value."""
    gate = np.zeros(stop - start)
    index = np.arange(start, stop)
    inside = (index >= life.start) & (index < life.end)
    gate[inside] = 1.0
    fade = max(1, int(round(fade_in_s * sample_rate)))
    if fade_in_s > 0:
        rising = inside & (index < life.start + fade)
        gate[rising] = 0.5 - 0.5 * np.cos(np.pi * (index[rising] - life.start + 1) / (fade + 1))
    if life.release > 0:
        tail = (index >= life.end) & (index < life.stop)
        gate[tail] = 0.5 + 0.5 * np.cos(np.pi * (index[tail] - life.end + 1) / (life.release + 1))
    return gate


def apply_life_gate(out: np.ndarray, life: Life, sample_rate: int, fade_in_s: float = 0.0, scale: float = 1.0) -> None:
    """`out *= life_gate(...) * scale` in place, a chunk at a time (the same values, in memory
    of one chunk rather than three whole-shot arrays)."""
    for start, stop in chunks(len(out)):
        out[start:stop] *= life_gate_span(start, stop, life, sample_rate, fade_in_s) * scale


def peak_of(x: np.ndarray) -> float:
    """The largest magnitude of `x` (0 when empty), a chunk at a time."""
    return max((float(np.max(np.abs(x[start:stop]))) for start, stop in chunks(len(x))), default=0.0)
