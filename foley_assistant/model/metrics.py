"""Sync metrics of a stem for model evaluation (numpy, scipy, OpenCV; no torch): do its onsets fall
on the picture's motion and on the true events? (Object awareness is `eval.spatial`.)

Audio onsets are peaks of the spectral flux; motion peaks are peaks of the mean optical-flow
magnitude inside the object's box. Temporal AV-Align (SAVGBench) is the IoU of the two sets: an
onset matches a motion peak within one frame period, AV-Align = matches / (onsets + peaks -
matches). Event F1 compares onsets with the scene's exact event times (within 50 ms).
`sync_scores` is what the evaluation calls; a project-wide sync metric can replace it there.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
from scipy.signal import find_peaks, stft

FLOOR_DB = -40.0
EVENT_TOLERANCE_S = 0.05


def audio_onsets(audio: np.ndarray, sample_rate: int, floor_db: float = FLOOR_DB) -> np.ndarray:
    """Onset times (s) of mono audio: peaks of the half-wave rectified log spectral flux (hop 5.3 ms),
    above an adaptive threshold, at least 60 ms apart, where the sound is within `floor_db` of its peak."""
    if audio.size == 0 or not np.any(audio):
        return np.zeros(0)
    hop = 256
    _, _, spec = stft(audio.astype(np.float64), fs=sample_rate, nperseg=1024, noverlap=1024 - hop, boundary=None, padded=False)
    magnitude = np.abs(spec)
    log_mag = np.log1p(1000 * magnitude / (magnitude.max() + 1e-12))
    flux = np.maximum(np.diff(log_mag, axis=1), 0).sum(axis=0)
    level = magnitude.sum(axis=0)[1:]
    flux[level < level.max() * 10 ** (floor_db / 20)] = 0
    threshold = np.median(flux) + 3 * np.median(np.abs(flux - np.median(flux))) + 1e-9
    peaks, _ = find_peaks(flux, height=threshold, distance=max(1, int(0.06 * sample_rate / hop)))
    return (peaks + 1) * hop / sample_rate + 512 / sample_rate


def motion_curve(frames: np.ndarray, boxes: np.ndarray | None) -> np.ndarray:
    """Mean optical-flow magnitude per frame (Farneback, from the previous frame), inside each
    frame's normalised box [x0, y0, x1, y1] (NaN row = absent: 0) or over the whole picture."""
    grey = [cv2.cvtColor(f, cv2.COLOR_RGB2GRAY) for f in frames]
    height, width = grey[0].shape
    curve = np.zeros(len(frames))
    for n in range(1, len(frames)):
        flow = cv2.calcOpticalFlowFarneback(grey[n - 1], grey[n], None, 0.5, 2, 9, 3, 5, 1.1, 0)
        magnitude = np.hypot(flow[..., 0], flow[..., 1])
        if boxes is None:
            curve[n] = float(magnitude.mean())
            continue
        box = boxes[n]
        if np.isnan(box).any():
            continue
        c0, c1 = int(box[0] * width), max(int(math.ceil(box[2] * width)), int(box[0] * width) + 1)
        r0, r1 = int(box[1] * height), max(int(math.ceil(box[3] * height)), int(box[1] * height) + 1)
        patch = magnitude[max(0, r0) : min(height, r1), max(0, c0) : min(width, c1)]
        curve[n] = float(patch.mean()) if patch.size else 0.0
    return curve


def motion_peaks(curve: np.ndarray, fps: float) -> np.ndarray:
    """Times (s) of the prominent peaks of a motion curve."""
    if len(curve) < 3 or not np.any(curve):
        return np.zeros(0)
    prominence = max(1e-6, 0.1 * float(np.percentile(curve, 95)))
    peaks, _ = find_peaks(curve, prominence=prominence)
    return peaks / fps


def _matches(a: np.ndarray, b: np.ndarray, tolerance: float) -> int:
    """Greedy one-to-one matches between two sorted time sets within `tolerance`."""
    used = np.zeros(len(b), bool)
    count = 0
    for t in a:
        candidates = np.flatnonzero(~used & (np.abs(b - t) < tolerance))
        if candidates.size:
            used[candidates[np.argmin(np.abs(b[candidates] - t))]] = True
            count += 1
    return count


def av_align(onsets: np.ndarray, peaks: np.ndarray, fps: float) -> float:
    """IoU of audio onsets and motion peaks (match within one frame period); NaN when both are empty."""
    if len(onsets) == 0 and len(peaks) == 0:
        return float("nan")
    matched = _matches(onsets, peaks, 1.0 / fps)
    return matched / (len(onsets) + len(peaks) - matched)


def event_f1(onsets: np.ndarray, events: np.ndarray, tolerance_s: float = EVENT_TOLERANCE_S) -> float:
    """F1 of onsets against true event times (NaN when there are neither)."""
    if len(onsets) == 0 and len(events) == 0:
        return float("nan")
    matched = _matches(np.asarray(events), onsets, tolerance_s)
    precision = matched / len(onsets) if len(onsets) else 0.0
    recall = matched / len(events) if len(events) else 0.0
    return 0.0 if matched == 0 else 2 * precision * recall / (precision + recall)


def sync_scores(stereo: np.ndarray, motion: np.ndarray, event_times: np.ndarray, sample_rate: int, fps: float) -> dict[str, float]:
    """{"av_align", "event_f1", "onsets"} of a stem given its object's motion curve and true events."""
    onsets = audio_onsets(stereo.mean(axis=0), sample_rate)
    return {
        "av_align": av_align(onsets, motion_peaks(motion, fps), fps),
        "event_f1": event_f1(onsets, np.asarray(event_times, dtype=np.float64)),
        "onsets": int(len(onsets)),
    }
