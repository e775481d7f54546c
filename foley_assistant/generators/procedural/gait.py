"""Footfall timing from a walker's box: the bob of its centre, or a cadence from its speed.

The lowest points of the bob (maxima of image y, which grows downward) are the footfalls. The
centre height is detrended by Gaussian smoothing (sigma 0.2 s, ends following a line fitted over
1 s), divided by the box height, lightly smoothed (sigma 0.04 s) and searched with
`scipy.signal.find_peaks` (>= 0.25 s apart, prominence >= 0.5 % of the box height); each peak is
refined to sub-frame time by the vertex of a least-squares parabola over +-60 ms. A bob counts only
when there are >= 3 peaks, their median interval is 0.25..1 s and regular (spread <= 35 %), and the
walker moves. Otherwise steps follow clip(1.6 + 0.25 * speed, 1.4, 2.6) steps/s while moving.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from foley_assistant.generators.procedural.dsp import parabolic_offset
from foley_assistant.generators.procedural.kinematics import Segment, smooth

MIN_STEP_INTERVAL_S = 0.25
BOB_PROMINENCE = 0.005  # of the box height: a 1.7 m person's centre bobs ~1-2 % of their height
MOVING_M_S = 0.35  # slower than this is standing still
BRIDGE_MAX_S = 3.0  # steps are filled in across gaps up to this long


def cadence_steps_per_s(speed_m_s: np.ndarray | float) -> np.ndarray:
    """Walking cadence for a speed: clip(1.6 + 0.25 * speed, 1.4, 2.6) steps per second."""
    return np.clip(1.6 + 0.25 * np.asarray(speed_m_s, dtype=np.float64), 1.4, 2.6)


def bridge_gap(before: list[float], after: list[float], max_gap_s: float = BRIDGE_MAX_S) -> list[float]:
    """Steps while the walker is unseen: evenly spaced between the last step seen and the next one.

    Only when steps are seen on both sides, no more than `max_gap_s` apart; the cadence is the one
    of the neighbouring steps.
    """
    if not before or not after or after[0] - before[-1] > max_gap_s:
        return []
    intervals = np.concatenate([np.diff(before[-3:]), np.diff(after[:3])])
    near = intervals[intervals < 1.0]
    period = float(np.median(near)) if len(near) else 1.0 / float(cadence_steps_per_s(1.4))
    span = after[0] - before[-1]
    count = int(round(span / period)) - 1
    return [before[-1] + span * j / (count + 1) for j in range(1, count + 1)] if count > 0 else []


def bob_footfalls(segment: Segment, speed: np.ndarray, fps: float) -> list[float] | None:
    """Footfall times from a visible, regular bob; None when there is none to read."""
    min_distance = max(1, int(round(MIN_STEP_INTERVAL_S * fps)))
    if len(segment) < 4 * min_distance:
        return None
    cy = segment.center_y
    height = np.maximum(smooth(segment.height, 0.3 * fps), 1e-4)
    residual = smooth((cy - smooth(cy, 0.2 * fps, edge_frames=fps)) / height, 0.04 * fps)
    peaks, _ = signal.find_peaks(residual, distance=min_distance, prominence=BOB_PROMINENCE)
    if len(peaks) < 3:
        return None
    intervals = np.diff(peaks) / fps
    median = float(np.median(intervals))
    if not 0.25 <= median <= 1.0 or float(np.std(intervals)) > 0.35 * median:
        return None
    if float(np.median(speed[peaks])) < MOVING_M_S:
        return None
    times = []
    for i in peaks:
        if speed[i] < 0.5 * MOVING_M_S:
            continue
        times.append(float(segment.times_s[i]) + peak_offset(residual, int(i), max(1, int(round(0.06 * fps)))) / fps)
    return times


def peak_offset(y: np.ndarray, i: int, half: int) -> float:
    """Sub-frame position of the peak at i: vertex of a least-squares parabola over i +- half."""
    lo, hi = max(0, i - half), min(len(y), i + half + 1)
    if hi - lo < 3:
        return 0.0
    x = np.arange(lo, hi) - i
    a, b, _ = np.polyfit(x, y[lo:hi], 2)
    if a >= 0:
        return parabolic_offset(y, i)
    return float(np.clip(-b / (2 * a), -0.5, 0.5))


def cadence_footfalls(segment: Segment, speed: np.ndarray) -> list[float]:
    """Steps at a cadence from speed, only while moving; each walk starts half a step in."""
    times: list[float] = []
    moving = speed > MOVING_M_S
    rate = cadence_steps_per_s(speed)
    t = segment.times_s
    phase = 0.5
    for k in range(1, len(t)):
        if not (moving[k - 1] and moving[k]):
            phase = 0.5
            continue
        r = 0.5 * (rate[k - 1] + rate[k])
        end = phase + r * (t[k] - t[k - 1])
        step = np.floor(phase) + 1.0
        while step <= end:
            times.append(float(t[k - 1] + (step - phase) / r))
            step += 1.0
        phase = end
    return times
