"""Impact timing from an object's box: landings and bounces, their unseen tail, abrupt stops.

Landings and bounces
    Candidates are frames where the downward velocity of the box bottom (m/s, from the distance
    and the field of view) drops by >= 0.7 m/s across two frame intervals, from falling
    (> 0.4 m/s) to rising or stopped, while the box is clear of the frame's sides and keeps its
    size within 20 % (a box growing as its object comes in moves its bottom too). Where the frame bottom cuts the box, its bottom is
    estimated as top + the height it had while whole: an object that lands just below the frame
    edge stops there (an impact, cause "frame bottom"), one that falls out of the picture does not.
    The contact time is the break point of a two-sided ballistic fit over the fall and the rise
    around it, y = y_c + v_in|v_out * (t - tc) + a/2 (t - tc)^2 with one acceleration, scanned
    every 0.5 ms and refined by a parabola through the fit errors. The speed change is v_in - v_out.

The tail of a bounce
    Bounces shrink geometrically and soon fall between frames. After three or more contacts
    whose airtimes shrink by a steady ratio e (the last three ratios within 20 % of their geometric
    mean, 0.2 < e < 0.95; with only three contacts, their speed changes must shrink by e too,
    within 30 %), the next contacts follow physics: airtime T_{k+1} = e T_k, speed change
    e times the last, while the rebound lasts at least MIN_AIRTIME_S (a 5 mm hop, g T^2 / 8) and
    the object is still seen within a few percent of its height of the ground it bounces on.

Abrupt changes of velocity
    A hit on a wall, a sudden stop: the velocity of the box (centre sideways, bottom up and down,
    in m/s) changes by >= 1.2 m/s across two frame intervals (15 m/s^2 and more, far beyond any
    walk or drive) and by at least 6 robust sigmas of the same measure over the whole segment
    (the track's own jitter, large for small or distant boxes), it departs by as much from the trend of the four intervals before (so steady
    acceleration such as gravity never counts) and lasts three intervals, and the box keeps its
    width and height within 8 % (occlusion, a tracker merge or split moves a box without any
    impact) and is not cut by the side of the frame. The time is where straight-line fits
    before and after meet. Changes within five frames of a bounce belong to that bounce.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from foley_assistant.generators.procedural.dsp import parabolic_offset
from foley_assistant.generators.procedural.kinematics import Motion, Segment

IMPACT_MIN_DV_M_S = 0.7
ABRUPT_MIN_DV_M_S = 1.2
NOISE_SIGMAS = 6.0  # an abrupt change must also stand this many robust sigmas above the track's jitter
GRAVITY_M_S2 = 9.81
MIN_AIRTIME_S = 0.064  # a rebound of 5 mm: g T^2 / 8 = 0.005 m
_EDGE = 0.004


@dataclass(frozen=True)
class Contact:
    """One impact read from a box: time (s from the shot's first frame), speed change (m/s), cause."""

    time_s: float
    dv_m_s: float
    cause: str


def estimated_bottom(segment: Segment) -> tuple[np.ndarray, np.ndarray]:
    """(bottom, cut) per frame: the box bottom, or top + whole height where the frame bottom cuts it.

    `cut` marks frames whose bottom is an estimate. Frames cut at both top and bottom keep the
    box bottom (nothing better is known).
    """
    top, bottom = segment.boxes[:, 1], segment.boxes[:, 3]
    cut = bottom >= 1.0 - _EDGE
    whole = ~cut & (top > _EDGE)
    if not cut.any() or whole.sum() < 2:
        return bottom.copy(), np.zeros(len(bottom), dtype=bool)
    index = np.arange(len(bottom))
    height = np.interp(index, index[whole], segment.height[whole])
    estimate = np.where(cut & (top > _EDGE), top + height, bottom)
    return estimate, cut & (top > _EDGE)


def segment_impacts(segment: Segment, motion: Motion) -> list[Contact]:
    """Landings, bounces (with their tail) and frame-bottom contacts of one segment, by time."""
    fps = motion.fps
    if len(segment) < 5:
        return []
    y, cut = estimated_bottom(segment)
    metres = segment.distance_m * motion.metres_per_y  # metres per normalized y unit, per frame
    scale_mid = 0.5 * (metres[1:] + metres[:-1])
    v = np.diff(y) * fps * scale_mid  # m/s per interval k (frame k -> k+1), + = downward
    jump = np.full(len(v), -np.inf)
    jump[1:-1] = v[:-2] - v[2:]
    candidates, _ = signal.find_peaks(jump, height=IMPACT_MIN_DV_M_S, distance=max(1, int(round(0.08 * fps))))
    whole = (segment.boxes[:, 0] > _EDGE) & (segment.boxes[:, 2] < 1.0 - _EDGE)
    width = segment.boxes[:, 2] - segment.boxes[:, 0]
    kept = []
    for k in candidates:
        v_before, v_after = v[k - 1], v[k + 1]
        if v_before <= 0.4 or v_after > 0.3 * v_before:
            continue
        around = slice(max(0, k - 2), min(len(y), k + 4))
        if not whole[around].all() or not _steady_shape(width[around], (y - segment.boxes[:, 1])[around], 0.2):
            continue  # the box is coming in, going out or changing shape: its bottom is not the object's
        near = slice(max(0, k - 1), min(len(y), k + 3))
        if np.any(segment.boxes[near, 1] <= _EDGE) and np.any(segment.boxes[near, 3] >= 1.0 - _EDGE):
            continue  # cut at both ends: nothing is known about where the object is
        kept.append(int(k))
    contacts = []
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
            at_border = bool(np.any(cut[max(0, k - 1) : k + 3]))
            cause = "frame bottom" if at_border else ("landing" if not contacts else "bounce")
            contacts.append(Contact(tc, float(dv), cause))
    return contacts + bounce_tail(contacts, segment, y)


def bounce_tail(contacts: list[Contact], segment: Segment, bottom: np.ndarray) -> list[Contact]:
    """The bounces after the last one seen, predicted from the steady shrinking of the airtimes."""
    if len(contacts) < 3:
        return []
    times = np.array([c.time_s for c in contacts])
    airtimes = np.diff(times)
    ratios = airtimes[1:] / airtimes[:-1]
    recent = ratios[-3:]
    e = float(np.exp(np.mean(np.log(np.clip(recent, 1e-6, None)))))
    if not 0.2 < e < 0.95 or np.any(np.abs(recent / e - 1.0) > 0.2):
        return []
    if len(contacts) == 3:  # one ratio only: the speed changes must shrink by it too
        speed_ratio = contacts[2].dv_m_s / max(contacts[1].dv_m_s, 1e-6)
        if abs(speed_ratio / e - 1.0) > 0.3:
            return []
    ground = float(np.interp(times[-1], segment.times_s, bottom))
    height = float(np.median(segment.height))
    tail: list[Contact] = []
    t, airtime, dv = float(times[-1]), float(airtimes[-1]), contacts[-1].dv_m_s
    while True:
        airtime *= e
        dv *= e
        t += airtime
        if airtime < MIN_AIRTIME_S or t > segment.times_s[-1]:
            return tail
        seen = np.abs(segment.times_s - t) <= airtime
        if not np.any(seen & segment.observed):
            return tail
        if np.any(np.abs(bottom[seen] - ground) > 0.05 * height + 0.01):
            return tail  # it rolled off, was picked up, or is no longer on that ground
        tail.append(Contact(t, dv, "bounce"))


def abrupt_changes(segment: Segment, motion: Motion, after_bounces: list[Contact]) -> list[Contact]:
    """Sudden changes of the box velocity (a hit, a stop) that are not one of `after_bounces`."""
    fps = motion.fps
    n = len(segment)
    if n < 8:
        return []
    y, _ = estimated_bottom(segment)
    x = segment.center_x
    z = segment.distance_m
    per_x = 0.5 * (z[1:] + z[:-1]) * motion.metres_per_x
    per_y = 0.5 * (z[1:] + z[:-1]) * motion.metres_per_y

    def velocity_of(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        return np.column_stack([np.diff(xs) * fps * per_x, np.diff(ys) * fps * per_y])  # interval k: k -> k+1

    velocity = velocity_of(x, y)
    edges = [
        velocity_of(segment.boxes[:, 0], y),
        velocity_of(segment.boxes[:, 2], y),
        velocity_of(x, segment.boxes[:, 1]),
    ]
    change = np.full(len(velocity), 0.0)
    change[1:-1] = np.linalg.norm(velocity[2:] - velocity[:-2], axis=1)
    peaks, _ = signal.find_peaks(change, height=ABRUPT_MIN_DV_M_S, distance=max(1, int(round(0.1 * fps))))
    width, height = segment.boxes[:, 2] - segment.boxes[:, 0], segment.height
    whole = (segment.boxes[:, 0] > _EDGE) & (segment.boxes[:, 2] < 1.0 - _EDGE) & segment.observed
    jumps = np.array([_velocity_jump(velocity, k) for k in range(4, len(velocity) - 3)])
    noise = 1.4826 * float(np.median(np.abs(jumps - np.median(jumps)))) if len(jumps) else 0.0
    threshold = max(ABRUPT_MIN_DV_M_S, NOISE_SIGMAS * noise)
    found: list[Contact] = []
    for k in peaks:
        if k < 4 or k + 4 > len(velocity) or not whole[k - 4 : k + 5].all():
            continue  # too near an end, a gap, or the side of the frame (where the box centre lies)
        jump = _velocity_jump(velocity, k)
        if jump < threshold or jump < 0.8 * change[k]:
            continue  # steady acceleration (gravity, a car), a one-frame glitch, or no lasting change
        if any(_velocity_jump(edge, k) < 0.5 * jump for edge in edges):
            continue  # one edge moved alone: occlusion or a tracker artefact, not the object
        frames = slice(k - 2, k + 4)
        if not _steady_shape(width[frames], height[frames]):
            continue  # the box changed shape: occlusion, a merge or a split, not an impact
        if any(abs(segment.times_s[k] - c.time_s) <= 5.0 / fps for c in after_bounces):
            continue  # the fits would straddle a bounce
        t_change = _line_break(segment.times_s, x * per_x.mean(), y * per_y.mean(), k, fps)
        found.append(Contact(t_change, jump, "stop"))
    return found


def _velocity_jump(velocity: np.ndarray, k: int) -> float:
    """How far the mean velocity of intervals k+1..k+3 departs from the linear trend of k-4..k-1 (m/s)."""
    steps = np.arange(4, dtype=np.float64)
    trend = np.polyfit(steps, velocity[k - 4 : k], 1)  # (2, 2): slope and offset per component
    ahead = steps[-1] + np.arange(2, 5)
    expected = np.column_stack([np.polyval(trend[:, i], ahead) for i in range(velocity.shape[1])])
    return float(np.linalg.norm((velocity[k + 1 : k + 4] - expected).mean(axis=0)))


def _steady_shape(width: np.ndarray, height: np.ndarray, share: float = 0.08) -> bool:
    """Whether a box keeps its width and height (within `share`) over a few frames."""
    return bool(np.ptp(width) <= share * np.median(width) and np.ptp(height) <= share * np.median(height))


def _line_break(t: np.ndarray, x_m: np.ndarray, y_m: np.ndarray, k: int, fps: float) -> float:
    """Where straight-line fits of the 2-D position over the frames before and after interval k meet."""
    lo, hi = max(0, k - 4), min(len(t), k + 6)
    best_t, best_error = float(t[k] + 0.5 / fps), np.inf
    for tc in np.linspace(t[k] - 0.5 / fps, t[k + 1] + 0.5 / fps, 41):
        before = (t >= t[lo]) & (t <= tc)
        after = (t > tc) & (t < t[hi - 1] + 1e-9)
        if before.sum() < 2 or after.sum() < 2:
            continue
        error = 0.0
        for part in (before, after):
            for coordinate in (x_m, y_m):
                coef = np.polyfit(t[part] - tc, coordinate[part], 1)
                error += float(np.sum((np.polyval(coef, t[part] - tc) - coordinate[part]) ** 2))
        continuity = 0.0
        for coordinate in (x_m, y_m):
            a = np.polyval(np.polyfit(t[before] - tc, coordinate[before], 1), 0.0)
            b = np.polyval(np.polyfit(t[after] - tc, coordinate[after], 1), 0.0)
            continuity += (a - b) ** 2
        if error + continuity < best_error:
            best_t, best_error = float(tc), error + continuity
    return best_t


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
