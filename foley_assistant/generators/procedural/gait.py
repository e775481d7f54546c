"""Footfall timing from a walker's box: the phase of its vertical bob, or a cadence from its speed.

A walker's body is lowest just after each heel strike, so the box's top and bottom edges rise and
fall once per step. That bob is small (about 1 % of the box height) and, from a real tracker,
buried in a few tenths of a percent of jitter, so it is read as a phase, not as peaks:

1. The bob signal: each edge that is not cut by the frame border, minus its trend (Gaussian,
   sigma 0.2 s, ends following a line fitted over 1 s), divided by the box height; the edges
   are averaged. Gap-filled frames and border-cut edges get no weight.
2. The cadence: the frequency in GAIT_BAND_HZ (1.2..3.4 steps/s) whose weighted least-squares
   sinusoid explains most of the bob. It counts only when its amplitude is at least
   MIN_BOB (0.15 % of the height) and SIGNIFICANCE (4) standard errors above zero.
3. The phase: complex demodulation at that cadence (the bob times exp(-i w t), Gaussian-averaged
   over one step period, weights normalised), which follows slow changes of cadence. Footfalls
   are where the total phase w t + phi(t) crosses a whole turn (the lowest point of the body),
   interpolated between frames: sub-frame times.

With a pose model's ankles on the track (`feet`), steps come from the feet instead
(`pose_footfalls`): a heel strikes when the two ankles are furthest apart, so each clear peak
of their distance (over the body's height) is a footfall, timed between frames by a parabola
through the peak. That reads real walkers, whose bob is lost in a box's jitter, to the frame.

Steps from the bob are kept only while the walker moves and the local bob is at least 30 % of its overall
amplitude. Where no bob can be read, steps follow clip(1.6 + 0.25 * speed, 1.4, 2.6) steps/s
while moving (the phase is then unknown: the walk starts half a step in).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage, signal

from foley_assistant.generators.procedural.kinematics import Segment, smooth

MIN_STEP_INTERVAL_S = 0.25
GAIT_BAND_HZ = (1.2, 3.4)
MIN_BOB = 0.0015  # of the box height
SIGNIFICANCE = 4.0  # standard errors the bob amplitude must stand above zero
LOCAL_SHARE = 0.3  # local bob amplitude (of the overall one) below which no step is read
WINDOW_S = 8.0  # the cadence is read over windows this long
MOVING_M_S = 0.35  # slower than this is standing still
BRIDGE_MAX_S = 3.0  # steps are filled in across gaps up to this long
_EDGE = 0.004  # an edge this close to the frame border is cut by it
FEET_COVERAGE = 0.6  # share of a segment's frames that must have both ankles to read steps from them
FEET_PROMINENCE = 0.06  # of the body height: the least rise of the feet's spread that is a step
FEET_SIGMA_S = 0.03  # light smoothing of the spread (a frame's jitter), far below a step
FEET_GAIT_RANGE = 0.12  # of the body height: the least range of the feet's spread of legs that really swing


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


def bob_signal(segment: Segment, fps: float) -> tuple[np.ndarray, np.ndarray]:
    """(bob, weight) per frame: detrended box edges over the box height, + = lower in the picture.

    Frames where a side border cuts the box (the object is coming in or going out, and its box
    is unreliable) get no weight. A top or bottom edge counts where the border does not cut it
    and where it is not an outlier: more than max(5 robust sigmas, 1.5 % of the height) from its
    trend (a tracker glitch). Outliers are interpolated over and the trend taken again, so they
    cannot bend it.
    """
    whole = (segment.boxes[:, 0] > _EDGE) & (segment.boxes[:, 2] < 1.0 - _EDGE) & segment.observed
    height = segment.height
    if whole.sum() >= 2:
        height = np.interp(np.arange(len(segment)), np.flatnonzero(whole), height[whole])
    height = np.maximum(smooth(height, 0.3 * fps), 1e-4)
    total = np.zeros(len(segment))
    count = np.zeros(len(segment))
    for edge, uncut in (
        (segment.boxes[:, 1], segment.boxes[:, 1] > _EDGE),
        (segment.boxes[:, 3], segment.boxes[:, 3] < 1.0 - _EDGE),
    ):
        good = uncut & whole
        residual = np.zeros(len(edge))
        for _ in range(3):
            if good.sum() < 8:
                break
            filled = np.interp(np.arange(len(edge)), np.flatnonzero(good), edge[good])
            residual = (filled - smooth(filled, 0.2 * fps, edge_frames=fps)) / height
            scale = 1.4826 * float(np.median(np.abs(residual[good] - np.median(residual[good]))))
            keep = good & (np.abs(residual) <= max(5.0 * scale, 0.015))
            if keep.sum() == good.sum():
                break
            good = keep
        if good.sum() < 8:
            continue
        total += np.where(good, residual, 0.0)
        count += good
    weight = count > 0
    return np.where(weight, total / np.maximum(count, 1), 0.0), weight.astype(np.float64)


def bob_cadence(t: np.ndarray, bob: np.ndarray, weight: np.ndarray) -> tuple[float, float, float] | None:
    """(steps/s, amplitude, standard error) of the strongest bob in the gait band, or None.

    A weighted least-squares fit of a + b cos(w t) + c sin(w t) at every 0.01 Hz of the band,
    solved for all frequencies at once from the 3x3 normal equations.
    """
    if weight.sum() < 8:
        return None
    freqs = np.arange(GAIT_BAND_HZ[0], GAIT_BAND_HZ[1] + 1e-9, 0.01)
    angle = 2 * np.pi * freqs[:, None] * (t - t[0])[None, :]
    basis = np.stack([np.cos(angle), np.sin(angle), np.ones_like(angle)], axis=1)  # (f, 3, n)
    weighted = basis * weight[None, None, :]
    normal = np.einsum("fin,fjn->fij", weighted, basis)
    rhs = np.einsum("fin,n->fi", weighted, bob)
    coef = np.linalg.solve(normal + 1e-12 * np.eye(3)[None], rhs[..., None])[..., 0]
    power = coef[:, 0] ** 2 + coef[:, 1] ** 2
    best = int(np.argmax(power))
    residual = bob - coef[best] @ basis[best]
    count = float(weight.sum())
    sigma = float(np.sqrt(np.sum(weight * residual**2) / max(1.0, count - 3.0)))
    return float(freqs[best]), float(np.sqrt(power[best])), sigma * float(np.sqrt(2.0 / count))


def bob_footfalls(segment: Segment, speed: np.ndarray, fps: float) -> list[float] | None:
    """Footfall times from the phase of a visible bob; None when no bob can be read.

    Long segments are read in windows of WINDOW_S (half overlapping), each with its own cadence,
    so a walker who speeds up or slows down keeps a matching carrier.
    """
    if len(segment) < max(8, int(round(1.2 * fps))) or float(np.median(speed)) < MOVING_M_S:
        return None
    t = segment.times_s
    bob, weight = bob_signal(segment, fps)
    centres, cadences, amplitudes = [], [], []
    span = max(len(t), 1) / fps
    count = max(1, int(np.ceil((span - WINDOW_S) / (WINDOW_S / 2))) + 1) if span > WINDOW_S else 1
    for j in range(count):
        lo = 0 if count == 1 else int(round(j * (len(t) - WINDOW_S * fps) / (count - 1)))
        hi = len(t) if count == 1 else min(len(t), lo + int(round(WINDOW_S * fps)))
        found = bob_cadence(t[lo:hi], bob[lo:hi], weight[lo:hi])
        if found is None:
            continue
        cadence, amplitude, error = found
        if amplitude >= MIN_BOB and amplitude >= SIGNIFICANCE * error:
            centres.append(0.5 * (t[lo] + t[hi - 1]))
            cadences.append(cadence)
            amplitudes.append(amplitude)
    if not cadences:
        return None
    omega = 2 * np.pi * np.interp(t, centres, cadences)
    amplitude = np.interp(t, centres, amplitudes)
    carrier_phase = np.concatenate([[0.0], np.cumsum(0.5 * (omega[1:] + omega[:-1]) * np.diff(t))])
    sigma = fps / float(np.median(cadences))  # one step period, in frames
    carrier = np.exp(-1j * carrier_phase)
    norm = ndimage.gaussian_filter1d(weight, sigma, mode="constant")
    z = ndimage.gaussian_filter1d(weight * bob * carrier.real, sigma, mode="constant")
    z = z + 1j * ndimage.gaussian_filter1d(weight * bob * carrier.imag, sigma, mode="constant")
    z = z / np.maximum(norm, 1e-9)
    usable = (2 * np.abs(z) >= LOCAL_SHARE * amplitude) & (norm > 0.2)
    if not usable.any():
        return None
    phase = _steady_phase(t, carrier_phase + np.unwrap(np.angle(z)), usable, omega)
    moving = speed > 0.5 * MOVING_M_S
    times: list[float] = []
    turns = phase / (2 * np.pi)
    for k in range(len(t) - 1):
        if not (moving[k] and moving[k + 1]) or turns[k + 1] <= turns[k]:
            continue
        crossing = np.floor(turns[k]) + 1.0
        while crossing <= turns[k + 1]:
            fraction = (crossing - turns[k]) / (turns[k + 1] - turns[k])
            at = float(t[k] + fraction * (t[k + 1] - t[k]))
            if not times or at - times[-1] >= MIN_STEP_INTERVAL_S:
                times.append(at)
            crossing += 1.0
    return times or None


def _steady_phase(t: np.ndarray, phase: np.ndarray, usable: np.ndarray, omega: np.ndarray) -> np.ndarray:
    """The gait phase where the bob is read, carried across the rest at the cadence.

    Each run of usable frames is shifted by whole turns to continue the previous run at the
    cadence; frames between runs are interpolated, frames before the first or after the last
    run extrapolated at the cadence (the walker keeps walking while the box is unreliable).
    """
    index = np.flatnonzero(usable)
    fixed = phase.copy()
    starts = index[np.flatnonzero(np.diff(index) > 1) + 1]
    for b in starts:
        a = index[index < b][-1]
        expected = fixed[a] + 0.5 * (omega[a] + omega[b]) * (t[b] - t[a])
        fixed[b:] += 2 * np.pi * np.round((expected - fixed[b]) / (2 * np.pi))
    out = np.interp(t, t[index], fixed[index])
    first, last = index[0], index[-1]
    out[:first] = fixed[first] - omega[:first] * (t[first] - t[:first])
    out[last + 1 :] = fixed[last] + omega[last + 1 :] * (t[last + 1 :] - t[last])
    return out


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


def pose_footfalls(segment: Segment, feet: np.ndarray, aspect: float, fps: float) -> list[float] | None:
    """Footfall times (s) from the ankles: the peaks of their distance apart.

    `feet` is (n, 4) per segment frame: (x, y) of two ankles, normalized, NaN where unseen;
    `aspect` is the picture's width over its height (x and y are normalized separately). None
    when too few frames show both ankles, or their spread does not swing like a walk's (the
    caller then reads the bob)."""
    seen = np.isfinite(feet).all(axis=1)
    if len(segment) < 3 or seen.mean() < FEET_COVERAGE:
        return None
    index = np.arange(len(segment))
    spread = np.hypot((feet[:, 0] - feet[:, 2]) * aspect, feet[:, 1] - feet[:, 3])
    spread = np.interp(index, index[seen], spread[seen])
    height = np.maximum(np.median(segment.height), 1e-4)
    spread = ndimage.gaussian_filter1d(spread / height, FEET_SIGMA_S * fps, mode="nearest") if FEET_SIGMA_S * fps >= 0.3 else spread / height
    if float(np.percentile(spread, 95) - np.percentile(spread, 5)) < FEET_GAIT_RANGE:
        return None  # the legs do not swing (standing, or feet the model cannot separate)
    peaks, _ = signal.find_peaks(spread, prominence=FEET_PROMINENCE, distance=max(1, int(MIN_STEP_INTERVAL_S * fps)))
    times = []
    for k in peaks:
        offset = 0.0
        if 0 < k < len(spread) - 1:
            a, b, c = spread[k - 1 : k + 2]
            curve = a - 2 * b + c
            if curve < 0:
                offset = float(np.clip(0.5 * (a - c) / curve, -0.5, 0.5))
        times.append(float(segment.times_s[k]) + offset / fps)
    return times
