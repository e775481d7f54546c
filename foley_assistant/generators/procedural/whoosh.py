"""Whoosh voice: air moved by a fast object, louder and brighter the faster it goes.

The sound is one white noise through BANDS fixed band-passes (log-spaced 200 Hz .. 9.6 kHz, nearly
disjoint, so the bands are nearly independent); each band's gain follows
the speed: the overall level rises as the square of (speed - onset) / (reference - onset) once
the object moves faster than `onset_m_s` (the power of turbulent noise grows steeply with speed),
bending smoothly to at most +6 dB over the reference level, and the spectral centre
rises from `low_hz` at the onset speed towards `high_hz` at twice the reference speed, each band
weighted by a Gaussian in log frequency around that centre. A slow random flutter (turbulence,
8-20 Hz) modulates the level by +-30 %, so two passes at the same speed never sound the same.
Gains are computed at the control rate and ramped, so the sound follows the motion sample by sample.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from foley_assistant.generators.procedural.dsp import (
    StatefulFilter,
    bandpass_sos,
    chunks,
    control_points,
    copy_rng,
    db_to_gain,
    ramp_span,
    skip_normals,
    soft_limit_into,
    vary,
)

BANDS = 6
CONTROL_BLOCK = 32
PEAK_RMS_DBFS = -20.0  # RMS at the reference speed (at most 6 dB more when faster)


@dataclass(frozen=True)
class WhooshSpec:
    """How an object's passing air sounds: onset and reference speeds (m/s), band of its centre (Hz)."""

    onset_m_s: float = 1.0
    reference_m_s: float = 6.0
    low_hz: float = 350.0
    high_hz: float = 4000.0
    width_octaves: float = 1.1  # spread of the Gaussian band weighting

    def __post_init__(self) -> None:
        if not 0 <= self.onset_m_s < self.reference_m_s or not 0 < self.low_hz < self.high_hz:
            raise ValueError("a whoosh needs 0 <= onset_m_s < reference_m_s and 0 < low_hz < high_hz")


def render_whoosh(speed_m_s: np.ndarray, spec: WhooshSpec, rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    """Whoosh for a per-sample speed curve; float64, RMS about PEAK_RMS_DBFS at the reference speed."""
    n = len(speed_m_s)
    out = np.zeros(n)
    if n:
        whoosh_into(out, np.asarray(speed_m_s, dtype=np.float64)[control_points(n, CONTROL_BLOCK)], spec, rng, sample_rate)
    return out


def whoosh_into(out: np.ndarray, speed: np.ndarray, spec: WhooshSpec, rng: np.random.Generator, sample_rate: int) -> None:
    """`render_whoosh` into `out` (float64, n samples) from the speed at its control points
    (`dsp.control_points(n, CONTROL_BLOCK)`), a chunk at a time (`WhooshVoice`)."""
    voice = WhooshVoice(len(out), speed, spec, rng, sample_rate)
    for start, stop in chunks(len(out)):
        out[start:stop] = voice.block(start, stop)


class WhooshVoice:
    """The whoosh of `render_whoosh` over n samples, a span at a time (`block`, asked for in
    order from sample 0): one white noise drawn a span at a time through each sounding band's
    filter (state carried), each band set to its level over its first second as when made at
    once; the same samples as the whole sound at once."""

    def __init__(self, n: int, speed: np.ndarray, spec: WhooshSpec, rng: np.random.Generator, sample_rate: int) -> None:
        count = len(speed)
        drive = np.clip((speed - spec.onset_m_s) / (spec.reference_m_s - spec.onset_m_s), 0.0, 2.0)
        loudness = np.minimum(drive**2, 2.0 * np.tanh(drive**2 / 2.0))  # square law, bending to +6 dB at most
        level = db_to_gain(PEAK_RMS_DBFS) * loudness * (1.0 + 0.3 * _flutter(rng, count, sample_rate / CONTROL_BLOCK))
        centre = spec.low_hz * (spec.high_hz / spec.low_hz) ** np.clip(drive / 2.0, 0.0, 1.0)
        bands = 200.0 * 2.0 ** (np.arange(BANDS) * np.log2(9600.0 / 200.0) / (BANDS - 1))
        weights = np.exp(-0.5 * (np.log2(bands[:, None] / centre[None, :]) / spec.width_octaves) ** 2)
        weights /= np.sqrt(np.sum(weights**2, axis=0, keepdims=True)) + 1e-12
        # One white noise for every band (they barely overlap), n + 512 normals of `rng`, its first
        # 512 only warming the filters up; each band's tuning is drawn after it.
        after = copy_rng(rng)
        skip_normals(after, n + 512)
        head = copy_rng(rng).standard_normal(512 + min(n, 48000), dtype=np.float32)
        warm = rng.standard_normal(512, dtype=np.float32)
        self._bands: list[tuple[np.ndarray, StatefulFilter, np.float32]] = []
        for k, band in enumerate(bands):
            gain = (level * weights[k]).astype(np.float32)
            if not np.any(gain > 1e-4 * db_to_gain(PEAK_RMS_DBFS)):
                continue
            sos = bandpass_sos(band * vary(after, 0.05), 1.2, sample_rate, 1)
            first = StatefulFilter(sos)(head)[512:]
            scale = np.float32(1.0 / (np.sqrt(np.mean(first**2)) + 1e-12))
            stage = StatefulFilter(sos)
            stage(warm)
            self._bands.append((gain, stage, scale))
        self._rng = rng
        self._done = 0

    def block(self, start: int, stop: int) -> np.ndarray:
        """Samples [start, stop) of the whoosh (float64; spans asked for in order from 0)."""
        if start != self._done:
            raise ValueError(f"whoosh spans must follow each other: asked for {start}, next is {self._done}")
        out = np.empty(stop - start)
        for first, last in chunks(stop - start):
            a, b = start + first, start + last
            white = self._rng.standard_normal(b - a, dtype=np.float32)
            total = np.zeros(b - a, dtype=np.float32)
            for gain, stage, scale in self._bands:
                noise = stage(white)
                noise *= scale
                total += ramp_span(gain, CONTROL_BLOCK, a, b) * noise
            soft_limit_into(total, out[first:last])
        self._done = stop
        return out


def _flutter(rng: np.random.Generator, count: int, rate: float) -> np.ndarray:
    """Band-limited random modulation (8-20 Hz), unit standard deviation, `count` values at `rate`."""
    raw = rng.standard_normal(count + 256)
    sos = signal.butter(2, [8.0, min(20.0, 0.45 * rate)], btype="bandpass", fs=rate, output="sos")
    slow = signal.sosfilt(sos, raw)[256:]
    return np.clip(slow / (np.std(slow) + 1e-12), -2.5, 2.5) / 2.5
