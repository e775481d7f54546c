"""The reference side of the spatial metrics: where the object's track says it is, and the
statistics that compare a measured angle series against it."""

from __future__ import annotations

import numpy as np

from foley_assistant.acoustics.panning import azimuth_from_screen_x
from foley_assistant.core.tracks import ObjectTrack, ShotTracks


def track_times_s(obj: ObjectTrack, shot: ShotTracks) -> np.ndarray:
    """Seconds from the shot's first frame of each tracked frame."""
    return np.array([float(shot.fps.seconds(f.frame - shot.frame_range.start)) for f in obj.frames])


def expected_azimuth(obj: ObjectTrack, shot: ShotTracks, times_s: np.ndarray, hfov_deg: float) -> tuple[np.ndarray, np.ndarray]:
    """Azimuth (degrees, + right) of the box centre at each time, linear between tracked frames,
    and a mask of the times inside the track (where a box exists)."""
    track_t = track_times_s(obj, shot)
    centres = np.array([f.box.center_x for f in obj.frames])
    centre = np.interp(times_s, track_t, centres)
    inside = (times_s >= track_t[0]) & (times_s <= track_t[-1])
    return azimuth_from_screen_x(centre, hfov_deg), inside


def weighted_pearson(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float | None:
    """Pearson correlation with weights; None when either side has no variance."""
    if w.sum() <= 0:
        return None
    w = w / w.sum()
    mx, my = float(np.sum(w * x)), float(np.sum(w * y))
    vx, vy = float(np.sum(w * (x - mx) ** 2)), float(np.sum(w * (y - my) ** 2))
    if vx <= 1e-12 or vy <= 1e-12:
        return None
    return float(np.sum(w * (x - mx) * (y - my)) / np.sqrt(vx * vy))


def weighted_mae(x: np.ndarray, y: np.ndarray, w: np.ndarray) -> float | None:
    """Mean absolute difference with weights; None without weight."""
    return float(np.sum(w * np.abs(x - y)) / w.sum()) if w.sum() > 0 else None


def sign_agreement(measured: np.ndarray, expected: np.ndarray, w: np.ndarray, deadzone_deg: float) -> float | None:
    """Weighted share of frames whose measured side (left/right) is the expected one, over frames
    expected at least `deadzone_deg` off centre; None when there are none."""
    sided = np.abs(expected) >= deadzone_deg
    if w[sided].sum() <= 0:
        return None
    agree = np.sign(measured[sided]) == np.sign(expected[sided])
    return float(np.sum(w[sided] * agree) / np.sum(w[sided]))


def best_lag(measured: np.ndarray, expected: np.ndarray, w: np.ndarray, valid: np.ndarray, max_lag: int) -> int | None:
    """The shift k (in frames, within +-max_lag) for which measured[i + k] best correlates with
    expected[i] (weighted Pearson r); positive k: the sound comes after the picture."""
    best, best_r = None, -np.inf
    n = len(measured)
    for k in range(-max_lag, max_lag + 1):
        i = np.arange(max(0, -k), min(n, n - k))
        if i.size < 3:
            continue
        keep = valid[i] & (w[i + k] > 0)
        r = weighted_pearson(measured[i + k][keep], expected[i][keep], w[i + k][keep])
        if r is not None and r > best_r:
            best, best_r = k, r
    return best
