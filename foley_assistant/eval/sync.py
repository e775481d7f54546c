"""Audio-visual sync metrics: onsets heard in the audio against motion peaks seen in the picture.

Everything here is measured: audio onsets come from the audio samples (never from the events a
generator used to make them), motion peaks from the tracked boxes or from the pictures'
optical flow. Times are seconds from the shot's first frame (audio sample 0 is that frame).
The definitions are in docs/metrics.md ("Sync").

- `audio_onsets`: spectral flux of log-spaced band levels (21 ms Hann window, 2.7 ms hop at
  48 kHz), peaks above an adaptive threshold and not far under their loud neighbours, each
  refined to the attack in the 1 ms envelope.
- `motion_peaks`: peaks of the upward acceleration and sideways velocity change of a box
  (second derivative of its Gaussian-smoothed centre, in box heights per s^2).
- `flow_motion_peaks`: the TempoTokens / SAVGBench form: local maxima of the mean optical-flow
  magnitude between consecutive pictures.
- `av_align`: SAVGBench's Temporal AV-Align, the intersection over union of onsets and peaks,
  a pair counting when they are at most one frame apart (each used once).
- `matched_offsets` / `event_scores`: one-to-one matching of two sets of times within a window:
  offsets, recall, precision and the median absolute offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

import numpy as np
from scipy import ndimage, signal

from foley_assistant.core.tracks import ObjectTrack, ShotTracks
from foley_assistant.eval.flow import FlowTrace

ONSET_WINDOW_S = 0.0213  # 1024 samples at 48 kHz
ONSET_HOP_S = 0.00267  # 128 samples at 48 kHz
ONSET_BANDS = 40  # log-spaced bands, 40 Hz .. 20 kHz
ONSET_FLOOR_DB = 80.0  # band levels are floored this far below the loudest band
ONSET_DELTA_DB = 6.0  # mean rise per band (dB) above the local median that makes an onset
ONSET_CONTEXT_DB = 20.0  # an onset may be at most this much quieter than the loudest frame within 1 s
ONSET_MIN_GAP_S = 0.05
MOTION_SIGMA_FRAMES = 1.5
MOTION_MIN_PEAK = 0.6  # box heights per s^2
MOTION_MIN_GAP_S = 0.1
FLOW_SIGMA_FRAMES = 1.0
FLOW_MARGIN_FRAMES = 2
FLOW_NOISE_SIGMAS = 3.0
OFFSET_WINDOW_S = 0.1
_EDGE = 0.004


@dataclass(frozen=True)
class EventScores:
    """How well found times match true ones: counts, recall, precision, offsets (found - true)."""

    found: int
    truth: int
    matched: int
    offsets_s: tuple[float, ...]

    @property
    def recall(self) -> float | None:
        return self.matched / self.truth if self.truth else None

    @property
    def precision(self) -> float | None:
        return self.matched / self.found if self.found else None

    @property
    def median_abs_offset_ms(self) -> float | None:
        return float(np.median(np.abs(self.offsets_s)) * 1000.0) if self.offsets_s else None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready figures (None where undefined)."""

        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 4)

        return {
            "found": self.found,
            "truth": self.truth,
            "matched": self.matched,
            "recall": rounded(self.recall),
            "precision": rounded(self.precision),
            "median_abs_offset_ms": rounded(self.median_abs_offset_ms),
        }


def audio_onsets(audio: np.ndarray, sample_rate: int) -> np.ndarray:
    """Onset times (s) of a mono (n,) or multichannel (channels, n) signal.

    Band spectral flux: the power spectrum is summed into ONSET_BANDS log-spaced bands
    (40 Hz .. 20 kHz), taken in dB and floored ONSET_FLOOR_DB below the loudest band of the
    whole signal; the flux is the mean over bands of the rise from two hops before. An onset is
    a flux peak at least ONSET_DELTA_DB above the median flux of the surrounding 0.5 s, at least
    ONSET_MIN_GAP_S after the previous one, and no more than ONSET_CONTEXT_DB quieter than the
    loudest frame within 1 s (a rustle far under the footsteps is not an event of its own). Its
    time is then refined to where the 1 ms envelope first reaches half of its maximum within
    [-30 ms, +30 ms] of the peak.
    """
    x = np.asarray(audio, dtype=np.float64)
    if x.ndim == 2:
        x = x.mean(axis=0)
    window = int(round(ONSET_WINDOW_S * sample_rate))
    hop = max(1, int(round(ONSET_HOP_S * sample_rate)))
    if len(x) < window + 2 * hop or not np.any(x):
        return np.zeros(0)
    frames = 1 + (len(x) - window) // hop
    strided = np.lib.stride_tricks.sliding_window_view(x, window)[::hop][:frames]
    power = np.abs(np.fft.rfft(strided * np.hanning(window), axis=1)) ** 2
    freqs = np.fft.rfftfreq(window, 1.0 / sample_rate)
    edges = np.geomspace(40.0, min(20000.0, sample_rate / 2), ONSET_BANDS + 1)
    band_of = np.digitize(freqs, edges) - 1
    inside = (band_of >= 0) & (band_of < ONSET_BANDS)
    bands = np.zeros((frames, ONSET_BANDS))
    np.add.at(bands.T, band_of[inside], power[:, inside].T)
    used = np.bincount(band_of[inside], minlength=ONSET_BANDS) > 0
    db = 10.0 * np.log10(bands[:, used] + 1e-20)
    db = np.maximum(db, db.max() - ONSET_FLOOR_DB)
    flux = np.zeros(frames)
    flux[2:] = np.mean(np.maximum(db[2:] - db[:-2], 0.0), axis=1)
    local = ndimage.median_filter(flux, size=max(3, int(0.5 / ONSET_HOP_S) | 1), mode="nearest")
    loudness = 10.0 * np.log10(power.sum(axis=1) + 1e-20)
    context = ndimage.maximum_filter1d(loudness, size=max(3, int(2.0 / ONSET_HOP_S) | 1), mode="nearest")
    gap = max(1, int(ONSET_MIN_GAP_S / (hop / sample_rate)))
    peaks, _ = signal.find_peaks(flux - local, height=ONSET_DELTA_DB, distance=gap)
    after = np.minimum(peaks + 2, frames - 1)
    peaks = peaks[loudness[after] >= context[after] - ONSET_CONTEXT_DB]
    centres = (peaks * hop + window / 2) / sample_rate
    envelope = np.sqrt(np.maximum(ndimage.uniform_filter1d(x * x, max(1, int(0.001 * sample_rate))), 0.0))
    refined = []
    for t in centres:
        lo = max(0, int((t - 0.03) * sample_rate))
        hi = min(len(x), int((t + 0.03) * sample_rate))
        part = envelope[lo:hi]
        if len(part) == 0 or not part.max() > 0:
            continue
        first = int(np.flatnonzero(part >= 0.5 * part.max())[0])
        refined.append((lo + first) / sample_rate)
    times = np.array(sorted(refined))
    if len(times) > 1:
        keep = np.concatenate([[True], np.diff(times) >= ONSET_MIN_GAP_S])
        times = times[keep]
    return times


def motion_curve(obj: ObjectTrack, shot: ShotTracks) -> tuple[np.ndarray, np.ndarray]:
    """(times s, motion in box heights per s^2) of one object, one value per frame it is readable.

    motion = hypot(max(0, upward acceleration), |sideways acceleration|), the second derivative
    of the box position smoothed by a Gaussian of MOTION_SIGMA_FRAMES, over the median box
    height. The position is the box centre, or, where the frame border cuts one edge in most
    frames (a walker's feet below the frame), the other edge. Frames where the edge in use is cut
    are left out and filled by interpolation, as are gaps in the track; values within two frames
    of a filled frame, or beyond the first and last readable frames, are not returned.
    """
    if len(obj.frames) < 4:
        return np.zeros(0), np.zeros(0)
    fps = float(shot.fps)
    numbers = np.array([f.frame for f in obj.frames])
    boxes = np.array([f.box.as_list() for f in obj.frames])
    x, x_ok = _readable(boxes[:, 0], boxes[:, 2])
    y, y_ok = _readable(boxes[:, 1], boxes[:, 3])
    ok = x_ok & y_ok
    if ok.sum() < 4:
        return np.zeros(0), np.zeros(0)
    grid = np.arange(numbers[ok][0], numbers[ok][-1] + 1)
    readable = np.isin(grid, numbers[ok])
    cx = np.interp(grid, numbers[ok], x[ok])
    cy = np.interp(grid, numbers[ok], y[ok])
    height = float(np.median(boxes[ok, 3] - boxes[ok, 1])) or 1e-3
    ax = ndimage.gaussian_filter1d(cx, MOTION_SIGMA_FRAMES, order=2, mode="nearest") * fps * fps / height
    ay = ndimage.gaussian_filter1d(cy, MOTION_SIGMA_FRAMES, order=2, mode="nearest") * fps * fps / height
    upward = np.maximum(-ay, 0.0)  # image y grows downward: a fall stopping accelerates upward
    trusted = ndimage.minimum_filter1d(readable.astype(np.uint8), 5, mode="constant", cval=0).astype(bool)
    times = (grid - shot.frame_range.start) / fps
    return times[trusted], np.hypot(upward, ax)[trusted]


def _readable(low: np.ndarray, high: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(position, usable) along one axis: the centre when both edges are mostly clear of the frame
    border (80 % of frames), else the edge that is clear more often."""
    low_ok, high_ok = low > _EDGE, high < 1 - _EDGE
    both = low_ok & high_ok
    if both.mean() >= 0.8:
        return (low + high) / 2, both
    return (low, low_ok) if low_ok.sum() >= high_ok.sum() else (high, high_ok)


def motion_peaks(shot: ShotTracks, object_ids: Iterable[str] | None = None) -> np.ndarray:
    """Motion peak times (s) of the chosen objects' boxes (all when None), merged and sorted.

    Peaks of `motion_curve` (see `curve_peaks`); peaks of different objects closer than one frame
    count once.
    """
    wanted = None if object_ids is None else set(object_ids)
    fps = float(shot.fps)
    found: list[float] = []
    for obj in shot.objects:
        if wanted is None or obj.id in wanted:
            found += curve_peaks(*motion_curve(obj, shot), fps)
    return _merge(np.array(sorted(found)), 1.0 / fps)


def curve_peaks(times: np.ndarray, curve: np.ndarray, fps: float, floor: np.ndarray | None = None) -> list[float]:
    """Peaks of a motion curve (one value per frame): at least MOTION_MIN_PEAK high and prominent
    (and above `floor`, per frame, when given), MOTION_MIN_GAP_S apart, refined to sub-frame time
    by a parabola through the frames around them."""
    if len(curve) < 3:
        return []
    height = MOTION_MIN_PEAK if floor is None else np.maximum(floor, MOTION_MIN_PEAK)
    peaks, _ = signal.find_peaks(curve, height=height, prominence=MOTION_MIN_PEAK, distance=max(1, int(round(MOTION_MIN_GAP_S * fps))))
    found = []
    for k in peaks:
        offset = 0.0
        if 0 < k < len(curve) - 1 and abs(times[k + 1] - times[k - 1] - 2.0 / fps) < 1e-6:
            a, b, c = curve[k - 1 : k + 2]
            denominator = a - 2 * b + c
            offset = float(np.clip(0.5 * (a - c) / denominator, -0.5, 0.5)) if denominator < 0 else 0.0
        found.append(float(times[k]) + offset / fps)
    return found


def flow_motion_curve(trace: FlowTrace, object_id: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(times s, motion, noise floor), both in box heights per s^2, of one object from its optical flow.

    The same motion as `motion_curve` (hypot of upward and sideways acceleration), but the
    velocity is the flow of the object's own pixels (`eval.flow`), not the difference of box
    positions: flow k (picture k-1 to k) is the velocity at (k - 1/2) / fps, smoothed along each
    run of measured pictures by a Gaussian of FLOW_SIGMA_FRAMES; the acceleration at picture k is
    the change from flow k to flow k + 1. A change of velocity counts only above a noise floor:
    FLOW_NOISE_SIGMAS standard deviations of the run's own velocity measurement noise, estimated
    robustly from the second difference of the unsmoothed flow (1.4826 x its median absolute
    deviation / sqrt(6), the larger of x and y; white noise has six times its variance in the
    second difference). Values within FLOW_MARGIN_FRAMES of the ends of a run are not returned.
    """
    velocity = trace.velocity.get(object_id)
    height = trace.height_px.get(object_id, 0.0)
    if velocity is None or height <= 0:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    fps = trace.fps
    known = np.isfinite(velocity[:, 0])
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for start, stop in _runs(known):
        if stop - start < 2 * FLOW_MARGIN_FRAMES + 2:
            continue
        raw = velocity[start:stop]
        v = ndimage.gaussian_filter1d(raw, FLOW_SIGMA_FRAMES, axis=0, mode="nearest")
        scale = fps * fps / height  # pixels per frame^2 -> box heights per s^2
        accel = np.diff(v, axis=0) * scale  # picture k: flow k+1 - flow k
        upward = np.maximum(-accel[:, 1], 0.0)  # image y grows downward
        second = np.diff(raw, n=2, axis=0)
        noise = 1.4826 * float(np.max(np.median(np.abs(second - np.median(second, axis=0)), axis=0))) / np.sqrt(6.0)
        floor = np.full(len(accel), FLOW_NOISE_SIGMAS * noise * scale)
        keep = slice(FLOW_MARGIN_FRAMES, len(accel) - FLOW_MARGIN_FRAMES)
        parts.append(((np.arange(start, stop - 1) / fps)[keep], np.hypot(upward, accel[:, 0])[keep], floor[keep]))
    if not parts:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    return tuple(np.concatenate(column) for column in zip(*parts))  # type: ignore[return-value]


def flow_motion_peaks(trace: FlowTrace, object_ids: Iterable[str] | None = None) -> np.ndarray:
    """Motion peak times (s) of the chosen objects (all measured ones when None) from optical flow,
    merged and sorted (peaks of `flow_motion_curve` above its noise floor, found as in `curve_peaks`)."""
    ids = list(trace.velocity) if object_ids is None else [i for i in object_ids if i in trace.velocity]
    found: list[float] = []
    for object_id in ids:
        found += _split_peaks(*flow_motion_curve(trace, object_id), trace.fps)
    return _merge(np.array(sorted(found)), 1.0 / trace.fps)


def flow_readable_spans(trace: FlowTrace, object_ids: Iterable[str] | None = None) -> list[tuple[float, float]]:
    """The time spans (s) where the chosen objects' flow motion can be read, merged."""
    ids = list(trace.velocity) if object_ids is None else [i for i in object_ids if i in trace.velocity]
    return _spans([flow_motion_curve(trace, i)[0] for i in ids], trace.fps, 0)


def frame_flow_peaks(magnitudes: np.ndarray, fps: float, threshold: float = 0.1) -> np.ndarray:
    """Times (s) of local maxima of the whole picture's mean flow magnitude (TempoTokens, SAVGBench).

    `magnitudes[k]` is the flow from picture k-1 to k (`FlowTrace.frame_magnitude`), placed at
    picture k (time k / fps); a peak exceeds both neighbours and `threshold` (pixels per frame).
    """
    m = np.asarray(magnitudes, dtype=np.float64)
    if len(m) < 3:
        return np.zeros(0)
    inner = (m[1:-1] > m[:-2]) & (m[1:-1] > m[2:]) & (m[1:-1] >= threshold)
    return (np.flatnonzero(inner) + 1) / fps


def readable_spans(shot: ShotTracks, object_ids: Iterable[str] | None = None) -> list[tuple[float, float]]:
    """The time spans (s) where the chosen objects' motion can be read (see `motion_curve`), merged.

    The first and last 2 sigma (3 frames) of each readable run are left out: the smoothing runs
    off the end there, and a peak cannot be found.
    """
    wanted = None if object_ids is None else set(object_ids)
    runs = [motion_curve(obj, shot)[0] for obj in shot.objects if wanted is None or obj.id in wanted]
    return _spans(runs, float(shot.fps), int(np.ceil(2 * MOTION_SIGMA_FRAMES)))


def _spans(time_lists: list[np.ndarray], fps: float, margin: int) -> list[tuple[float, float]]:
    """The runs of consecutive frame times in each list, less `margin` frames at each end, merged."""
    half = 0.5 / fps
    spans: list[tuple[float, float]] = []
    for times in time_lists:
        if len(times) == 0:
            continue
        breaks = np.flatnonzero(np.diff(times) > 1.5 / fps)
        starts = np.concatenate([[0], breaks + 1])
        ends = np.concatenate([breaks, [len(times) - 1]])
        spans += [(float(times[a + margin]) - half, float(times[b - margin]) + half) for a, b in zip(starts, ends) if b - a > 2 * margin]
    merged: list[tuple[float, float]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, stop) of each run of True."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def _split_peaks(times: np.ndarray, curve: np.ndarray, floor: np.ndarray, fps: float) -> list[float]:
    """`curve_peaks` over each run of consecutive frames separately (a peak never spans a gap)."""
    if len(times) == 0:
        return []
    breaks = np.flatnonzero(np.diff(times) > 1.5 / fps) + 1
    found: list[float] = []
    for part in np.split(np.arange(len(times)), breaks):
        found += curve_peaks(times[part], curve[part], fps, floor[part])
    return found


def within(times_s: np.ndarray, spans: list[tuple[float, float]]) -> np.ndarray:
    """The times that fall inside any of the spans."""
    times = np.asarray(times_s)
    inside = np.zeros(len(times), dtype=bool)
    for start, end in spans:
        inside |= (times >= start) & (times <= end)
    return times[inside]


def av_align(onsets_s: np.ndarray, peaks_s: np.ndarray, fps: float) -> float | None:
    """Temporal AV-Align: |matched| / (|onsets| + |peaks| - |matched|), a match within one frame.

    Matching is one-to-one and maximal (each onset and each peak used at most once). None when
    there is neither an onset nor a peak (nothing to align).
    """
    onsets, peaks = np.sort(np.asarray(onsets_s)), np.sort(np.asarray(peaks_s))
    if len(onsets) + len(peaks) == 0:
        return None
    matched = len(_match(onsets, peaks, 1.0 / fps))
    return matched / (len(onsets) + len(peaks) - matched)


def count_matches(a_s: np.ndarray, b_s: np.ndarray, window_s: float) -> int:
    """How many pairs a maximal one-to-one matching of two time lists finds within `window_s`."""
    return len(_match(np.sort(np.asarray(a_s)), np.sort(np.asarray(b_s)), window_s))


def matched_offsets(found_s: np.ndarray, truth_s: np.ndarray, window_s: float = OFFSET_WINDOW_S) -> np.ndarray:
    """found - true (s) for the pairs of a maximal one-to-one matching within `window_s`."""
    found, truth = np.sort(np.asarray(found_s)), np.sort(np.asarray(truth_s))
    return np.array([found[i] - truth[j] for i, j in _match(found, truth, window_s)])


def event_scores(found_s: np.ndarray, truth_s: np.ndarray, window_s: float) -> EventScores:
    """Recall, precision and offsets of found times against true times, matched within `window_s`."""
    offsets = matched_offsets(found_s, truth_s, window_s)
    return EventScores(len(found_s), len(truth_s), len(offsets), tuple(float(o) for o in offsets))


def sync_report(audio: np.ndarray, sample_rate: int, shot: ShotTracks, object_ids: Iterable[str] | None = None) -> dict[str, object]:
    """The `eval sync` figures: AV-Align, median offset (ms), onsets and motion peaks (s).

    AV-Align and the offsets judge the onsets that fall where the objects' motion can be read
    (`readable_spans`): a sound made while the object is cut by the frame edge or hidden has no
    visible motion to agree or disagree with. Every onset is listed.
    """
    ids = None if object_ids is None else list(object_ids)
    onsets = audio_onsets(audio, sample_rate)
    peaks = motion_peaks(shot, ids)
    spans = readable_spans(shot, ids)
    judged = within(onsets, spans)
    offsets = matched_offsets(judged, peaks)
    align = av_align(judged, peaks, float(shot.fps))
    return {
        "av_align": None if align is None else round(align, 4),
        "median_offset_ms": round(float(np.median(np.abs(offsets))) * 1000.0, 2) if len(offsets) else None,
        "onsets": [round(float(t), 4) for t in onsets],
        "motion_peaks": [round(float(t), 4) for t in peaks],
        "onsets_judged": len(judged),
        "readable_spans": [[round(a, 4), round(b, 4)] for a, b in spans],
    }


def _match(a: np.ndarray, b: np.ndarray, window: float) -> list[tuple[int, int]]:
    """A maximum one-to-one matching of two sorted time lists, pairs at most `window` apart.

    Greedy from the left is maximal for this interval structure; among equal counts it prefers
    the nearer partner when the next element of the other list is closer.
    """
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        if abs(a[i] - b[j]) <= window:
            if j + 1 < len(b) and abs(a[i] - b[j + 1]) < abs(a[i] - b[j]) and (i + 1 >= len(a) or abs(a[i + 1] - b[j]) > window):
                j += 1
                continue
            pairs.append((i, j))
            i += 1
            j += 1
        elif a[i] < b[j]:
            i += 1
        else:
            j += 1
    return pairs


def _merge(times: np.ndarray, within: float) -> np.ndarray:
    """Sorted times with any closer than `within` to the previous kept one dropped."""
    kept: list[float] = []
    for t in times:
        if not kept or t - kept[-1] >= within:
            kept.append(float(t))
    return np.array(kept)
