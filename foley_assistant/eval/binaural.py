"""Object-awareness of a binaural stem: ITD by GCC-PHAT and ILD per octave band, against the
spherical-head model's values for the object's azimuth (formulas in docs/metrics.md).

The angle series for r / MAE / sign / lag comes from the measured ITD through the inverse of
Woodworth's formula; the expected ILD is the Brown-Duda head-shadow model's (so measured HRIRs
are compared against a spherical head: their ILD error says how far the set is from it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from foley_assistant.acoustics.head import HEAD_RADIUS_M, azimuth_from_itd, expected_ild_db, woodworth_itd
from foley_assistant.core.tracks import ObjectTrack, ShotTracks
from foley_assistant.eval.spatial import SpatialEvalSettings, active_frames, angle_metrics
from foley_assistant.eval.trajectory import expected_azimuth

OCTAVE_BANDS_HZ = (500.0, 1000.0, 2000.0, 4000.0, 8000.0)
MAX_ITD_S = 0.001


@dataclass(frozen=True)
class BinauralMetrics:
    """Angle metrics from the ITD, plus ITD and per-band ILD errors against the head model."""

    pearson_r: float | None
    mae_deg: float | None
    sign_agreement: float | None
    best_lag_ms: float | None
    itd_mae_us: float | None
    ild_mae_db: float | None
    ild_mae_db_per_band: dict[str, float | None]
    frames: int = 0

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in data.items()}


def analysis_frames(audio: np.ndarray, hop: int, length: int) -> np.ndarray:
    """(channels, frames, length) Hann-windowed frames every `hop` samples, centred on hop centres."""
    n = audio.shape[-1]
    count = n // hop
    padded = np.pad(np.asarray(audio, dtype=np.float64), ((0, 0), (length // 2, length)))
    starts = np.arange(count) * hop + hop // 2
    index = starts[:, None] + np.arange(length)[None, :]
    return padded[:, index] * np.hanning(length)


def gcc_phat_itd(frames: np.ndarray, sample_rate: int, max_itd_s: float = MAX_ITD_S) -> np.ndarray:
    """ITD (s, left arrival minus right arrival) per frame: the peak of the PHAT-weighted
    cross-correlation within +-max_itd_s, refined by a parabola through the peak and its neighbours."""
    length = frames.shape[-1]
    nfft = 2 * length
    left, right = np.fft.rfft(frames[0], nfft), np.fft.rfft(frames[1], nfft)
    cross = left * np.conj(right)
    cross /= np.maximum(np.abs(cross), 1e-20)
    correlation = np.fft.irfft(cross, nfft)
    reach = int(np.ceil(max_itd_s * sample_rate))
    lags = np.r_[np.arange(-reach, 0), np.arange(0, reach + 1)]
    window = correlation[:, lags % nfft]
    peak = np.clip(np.argmax(window, axis=1), 1, len(lags) - 2)
    rows = np.arange(window.shape[0])
    a, b, c = window[rows, peak - 1], window[rows, peak], window[rows, peak + 1]
    denominator = a - 2 * b + c
    shift = np.divide(0.5 * (a - c), denominator, out=np.zeros_like(b), where=np.abs(denominator) > 1e-12)
    return (lags[peak] + np.clip(shift, -0.5, 0.5)) / sample_rate


def band_ild_db(frames: np.ndarray, sample_rate: int, bands_hz: tuple[float, ...] = OCTAVE_BANDS_HZ) -> np.ndarray:
    """(bands, frames) ILD in dB, right minus left, in octave bands around `bands_hz`."""
    spectra = np.abs(np.fft.rfft(frames, axis=-1)) ** 2
    freqs = np.fft.rfftfreq(frames.shape[-1], 1.0 / sample_rate)
    out = np.empty((len(bands_hz), frames.shape[1]))
    for i, centre in enumerate(bands_hz):
        band = (freqs >= centre / np.sqrt(2)) & (freqs < centre * np.sqrt(2))
        left, right = spectra[0][:, band].sum(axis=1), spectra[1][:, band].sum(axis=1)
        out[i] = 10 * np.log10(np.maximum(right, 1e-30) / np.maximum(left, 1e-30))
    return out


def binaural_spatial_metrics(
    audio: np.ndarray,
    sample_rate: int,
    obj: ObjectTrack,
    shot: ShotTracks,
    settings: SpatialEvalSettings | None = None,
    head_radius_m: float = HEAD_RADIUS_M,
) -> BinauralMetrics:
    """All metrics of a binaural stem (2, n) whose sample 0 is the shot's first frame."""
    settings = settings or SpatialEvalSettings()
    hop = max(1, int(round(settings.hop_s * sample_rate)))
    length = 1 << int(np.ceil(np.log2(max(4 * hop, 1024 * sample_rate // 48000))))
    frames = analysis_frames(audio, hop, length)
    energy = np.einsum("cfl,cfl->f", frames, frames)
    weights = np.where(active_frames(energy, settings.silence_db), energy, 0.0)
    times = (np.arange(frames.shape[1]) + 0.5) * hop / sample_rate
    itd = gcc_phat_itd(frames, sample_rate) if frames.shape[1] else np.zeros(0)
    measured = azimuth_from_itd(itd, head_radius_m)
    r, mae, sign, lag_ms, used_count = angle_metrics(measured, weights, times, obj, shot, settings)
    expected, inside = expected_azimuth(obj, shot, times, settings.hfov_deg)
    used = inside & (weights > 0)
    w = weights[used]
    itd_mae = float(np.sum(w * np.abs(itd[used] - woodworth_itd(expected[used], head_radius_m))) / w.sum() * 1e6) if w.sum() > 0 else None
    ild = band_ild_db(frames[:, used], sample_rate)
    per_band: dict[str, float | None] = {}
    for i, centre in enumerate(OCTAVE_BANDS_HZ):
        if centre * np.sqrt(2) > sample_rate / 2 or w.sum() <= 0:
            per_band[f"{int(centre)}"] = None
            continue
        expected_ild = expected_ild_db(centre, expected[used], head_radius_m)
        per_band[f"{int(centre)}"] = float(np.sum(w * np.abs(ild[i] - expected_ild)) / w.sum())
    values = [v for v in per_band.values() if v is not None]
    return BinauralMetrics(r, mae, sign, lag_ms, itd_mae, float(np.mean(values)) if values else None, per_band, used_count)
