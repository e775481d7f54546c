"""Impact timing from a falling or bouncing object's box: where its fall abruptly stops or reverses.

Candidates are frames where the downward velocity of the box bottom (m/s, from the distance and
the field of view) drops by >= 0.7 m/s across two frame intervals, from falling (> 0.4 m/s) to
rising or stopped; boxes touching the bottom border are ignored (there the box, not the object,
stops). The contact time is the break point of a two-sided ballistic fit over the fall and the
rise around it, y = y_c + v_in|v_out * (t - tc) + a/2 (t - tc)^2 with one acceleration, scanned
every 0.5 ms and refined by a parabola through the fit errors. The speed change is v_in - v_out.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from foley_assistant.generators.procedural.dsp import parabolic_offset
from foley_assistant.generators.procedural.kinematics import Motion, Segment

IMPACT_MIN_DV_M_S = 0.7
_BORDER = 0.995


def segment_impacts(segment: Segment, motion: Motion) -> list[tuple[float, float]]:
    """(contact time, speed change in m/s) of each impact in a segment."""
    fps = motion.fps
    if len(segment) < 5:
        return []
    y = segment.bottom
    metres = segment.distance_m * motion.metres_per_y  # metres per normalized y unit, per frame
    scale_mid = 0.5 * (metres[1:] + metres[:-1])
    v = np.diff(y) * fps * scale_mid  # m/s per interval k (frame k -> k+1), + = downward
    jump = np.full(len(v), -np.inf)
    jump[1:-1] = v[:-2] - v[2:]
    candidates, _ = signal.find_peaks(jump, height=IMPACT_MIN_DV_M_S, distance=max(1, int(round(0.08 * fps))))
    kept = []
    for k in candidates:
        v_before, v_after = v[k - 1], v[k + 1]
        if v_before <= 0.4 or v_after > 0.3 * v_before:
            continue
        near = slice(max(0, k - 1), min(len(y), k + 3))
        if np.any(y[near] >= _BORDER):
            continue
        kept.append(int(k))
    impacts = []
    window = max(3, int(round(0.3 * fps)))
    tolerance = 0.02 * float(np.median(segment.height))
    for n, k in enumerate(kept):
        lo = max(k - window, kept[n - 1] + 2 if n > 0 else 0)
        hi = min(k + 1 + window, kept[n + 1] - 1 if n + 1 < len(kept) else len(y) - 1)
        lo, hi = _branches(y, k, lo, hi, tolerance)
        use = np.arange(lo, hi + 1)
        use = use[segment.observed[use]]
        t_lo = segment.times_s[max(k - 1, 0)]
        t_hi = segment.times_s[min(k + 2, len(y) - 1)]
        fit = _contact_fit(segment.times_s[use], y[use], t_lo, t_hi)
        if fit is None:
            lowest = max(k - 1, 0) + int(np.argmax(y[max(k - 1, 0) : k + 3]))
            tc, dv = float(segment.times_s[lowest]), float(v[k - 1] - v[k + 1])
        else:
            tc, v_in, v_out = fit
            dv = (v_in - v_out) * float(np.interp(tc, segment.times_s, metres))
        if dv >= IMPACT_MIN_DV_M_S * 0.5:
            impacts.append((tc, float(dv)))
    return impacts


def _branches(y: np.ndarray, k: int, lo: int, hi: int, tolerance: float) -> tuple[int, int]:
    """The frames of the fall into and the rise out of a contact near interval k (apex to apex)."""
    lowest = max(k - 1, lo) + int(np.argmax(y[max(k - 1, lo) : min(k + 3, hi + 1)]))
    start = lowest
    while start - 1 >= lo and y[start - 1] < y[start] + tolerance:
        start -= 1
    end = lowest
    while end + 1 <= hi and y[end + 1] < y[end] + tolerance:
        end += 1
    return start, end


def _contact_fit(t: np.ndarray, y: np.ndarray, t_lo: float, t_hi: float) -> tuple[float, float, float] | None:
    """Break point of y(t) = y_c + v_in/out * (t - tc) + a/2 (t - tc)^2 (before/after tc).

    Returns (tc, v_in, v_out) in normalized units per second, or None with too few points.
    """
    if len(t) < 6:
        return None
    step = 0.0005
    grid = np.arange(t_lo, t_hi + step / 2, step)
    errors = np.full(len(grid), np.inf)
    coefs = np.zeros((len(grid), 4))
    for j, tc in enumerate(grid):
        before = t <= tc
        if before.sum() < 2 or (~before).sum() < 2:
            continue
        d = t - tc
        design = np.column_stack([np.ones_like(d), np.where(before, d, 0.0), np.where(before, 0.0, d), 0.5 * d * d])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        errors[j] = float(np.sum((design @ coef - y) ** 2))
        coefs[j] = coef
    if not np.isfinite(errors).any():
        return None
    best = int(np.argmin(errors))
    tc = float(grid[best])
    if 0 < best < len(grid) - 1 and np.isfinite(errors[best - 1]) and np.isfinite(errors[best + 1]):
        tc += parabolic_offset(-errors, best) * step
    return tc, float(coefs[best, 1]), float(coefs[best, 2])
