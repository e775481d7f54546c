"""Object-awareness of a stereo stem against its object's track (formulas in docs/metrics.md).

The measured side is the audio alone: per analysis frame, the channel energies give a pan
position by inverting the pan law, and that gives an azimuth. The reference side is the track:
the box centre through the camera. Nothing here sees the curves the stem was rendered with.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from foley_assistant.acoustics.panning import PanLaw, azimuth_from_pan, pan_from_gains, screen_x_from_azimuth
from foley_assistant.core.tracks import ObjectTrack, ShotTracks
from foley_assistant.eval.trajectory import best_lag, expected_azimuth, sign_agreement, weighted_mae, weighted_pearson


@dataclass(frozen=True)
class SpatialEvalSettings:
    """How the stem was meant to be placed, and how finely it is measured."""

    hfov_deg: float = 60.0
    pan_reference_deg: float | None = None  # None: screen-locked, half the field of view
    pan_law: PanLaw = PanLaw.CONSTANT_POWER
    hop_s: float = 0.010
    silence_db: float = -50.0  # frames this far below the loudest are not measured
    sign_deadzone_deg: float = 2.0
    max_lag_s: float = 0.200
    event_rate_hz: float = 10.0  # SAVGBench localises audio events at 10 per second
    event_tolerance_px: float = 40.0  # ... and accepts a box within 40 px of the audio position

    @property
    def reference_deg(self) -> float:
        return self.pan_reference_deg if self.pan_reference_deg is not None else self.hfov_deg / 2


@dataclass(frozen=True)
class SpatialMetrics:
    """The numbers of `eval spatial` (None where undefined, e.g. r of an object that never moves)."""

    pearson_r: float | None
    mae_deg: float | None
    sign_agreement: float | None
    best_lag_ms: float | None
    spatial_av_align: float | None
    frames: int = 0
    events: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in asdict(self).items()}


def frame_energies(audio: np.ndarray, hop: int) -> np.ndarray:
    """(channels, frames) energy of consecutive frames of `hop` samples (the last partial one dropped)."""
    frames = audio.shape[-1] // hop
    blocks = np.asarray(audio[:, : frames * hop], dtype=np.float64).reshape(audio.shape[0], frames, hop)
    return np.einsum("cfh,cfh->cf", blocks, blocks)


def active_frames(energy: np.ndarray, silence_db: float) -> np.ndarray:
    """Frames within `silence_db` of the loudest one (and not silent)."""
    if energy.size == 0 or float(energy.max()) <= 0:
        return np.zeros(energy.shape, dtype=bool)
    return energy > float(energy.max()) * 10 ** (silence_db / 10)


def level_azimuth(energies: np.ndarray, law: PanLaw, reference_deg: float) -> np.ndarray:
    """Azimuth of each frame from its interchannel level difference, inverting the pan law."""
    pan = pan_from_gains(np.sqrt(energies[0]), np.sqrt(energies[1]), law)
    return azimuth_from_pan(pan, reference_deg)


def angle_metrics(
    measured: np.ndarray, weights: np.ndarray, times_s: np.ndarray, obj: ObjectTrack, shot: ShotTracks, settings: SpatialEvalSettings
) -> tuple[float | None, float | None, float | None, float | None, int]:
    """Pearson r, MAE, sign agreement and best lag (ms) of a measured angle series (one value per
    frame at `times_s`, weighted by `weights`, 0 = not measured) against the track."""
    expected, inside = expected_azimuth(obj, shot, times_s, settings.hfov_deg)
    used = inside & (weights > 0)
    r = weighted_pearson(measured[used], expected[used], weights[used])
    mae = weighted_mae(measured[used], expected[used], weights[used])
    sign = sign_agreement(measured[used], expected[used], weights[used], settings.sign_deadzone_deg)
    hop = float(times_s[1] - times_s[0]) if len(times_s) > 1 else settings.hop_s
    lag = best_lag(measured, expected, weights, inside, int(round(settings.max_lag_s / hop)))
    return r, mae, sign, (None if lag is None else lag * hop * 1000.0), int(used.sum())


def spatial_av_align(audio: np.ndarray, sample_rate: int, obj: ObjectTrack, shot: ShotTracks, settings: SpatialEvalSettings) -> tuple[float | None, int]:
    """SAVGBench-style Spatial AV-Align: TP / (TP + FN) over audio events (active windows at
    `event_rate_hz`), each localised to a screen x from its level difference; TP when a box of the
    object within +-1 video frame overlaps [x - 40 px, x + 40 px]. Returns (score, events)."""
    hop = max(1, int(round(sample_rate / settings.event_rate_hz)))
    energies = frame_energies(audio, hop)
    active = active_frames(energies.sum(axis=0), settings.silence_db)
    if not active.any():
        return None, 0
    x_audio = screen_x_from_azimuth(level_azimuth(energies, settings.pan_law, settings.reference_deg), settings.hfov_deg)
    tolerance = settings.event_tolerance_px / shot.width
    box_times = np.array([float(shot.fps.seconds(f.frame - shot.frame_range.start)) for f in obj.frames])
    x0 = np.array([f.box.x0 for f in obj.frames])
    x1 = np.array([f.box.x1 for f in obj.frames])
    frame_s = float(shot.fps.seconds(1))
    hits = 0
    centres = (np.arange(energies.shape[1]) + 0.5) * hop / sample_rate
    for index in np.flatnonzero(active):
        near = np.abs(box_times - centres[index]) <= frame_s + 1e-9
        overlap = (x0[near] <= x_audio[index] + tolerance) & (x1[near] >= x_audio[index] - tolerance)
        hits += bool(overlap.any())
    events = int(active.sum())
    return hits / events, events


def stereo_spatial_metrics(audio: np.ndarray, sample_rate: int, obj: ObjectTrack, shot: ShotTracks, settings: SpatialEvalSettings | None = None) -> SpatialMetrics:
    """All object-awareness metrics of a panned stereo stem (2, n) whose sample 0 is the shot's
    first frame."""
    settings = settings or SpatialEvalSettings()
    hop = max(1, int(round(settings.hop_s * sample_rate)))
    energies = frame_energies(audio, hop)
    total = energies.sum(axis=0)
    weights = np.where(active_frames(total, settings.silence_db), total, 0.0)
    times = (np.arange(energies.shape[1]) + 0.5) * hop / sample_rate
    measured = level_azimuth(energies, settings.pan_law, settings.reference_deg)
    r, mae, sign, lag_ms, frames = angle_metrics(measured, weights, times, obj, shot, settings)
    align, events = spatial_av_align(audio, sample_rate, obj, shot, settings)
    return SpatialMetrics(r, mae, sign, lag_ms, align, frames, events)
