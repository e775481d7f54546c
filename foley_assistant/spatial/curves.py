"""Spatial curves from a track: azimuth from the box centre through the camera, distance from depth."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from foley_assistant.core.curves import Curve, Keyframe, SpatialCurves
from foley_assistant.core.tracks import ObjectTrack, ShotTracks

DEFAULT_DISTANCE_M = 5.0


def azimuth_from_screen_x(x: np.ndarray | float, hfov_deg: float = 60.0) -> np.ndarray:
    """Azimuth in degrees (+ right) of normalized screen x through a pinhole camera:
    az = atan((2x - 1) tan(hfov / 2))."""
    x = np.asarray(x, dtype=np.float64)
    return np.degrees(np.arctan((2 * x - 1) * math.tan(math.radians(hfov_deg) / 2)))


def curves_from_track(obj: ObjectTrack, shot: ShotTracks, hfov_deg: float = 60.0) -> SpatialCurves:
    """One keyframe per tracked frame; time in seconds from the shot's first frame.

    Frames with no distance take the nearest known distance (or 5 m when none is known).
    """
    times = [shot.fps.seconds(f.frame - shot.frame_range.start) for f in obj.frames]
    azimuths = azimuth_from_screen_x(np.array([f.box.center_x for f in obj.frames]), hfov_deg)
    distances = np.array([np.nan if f.distance_m is None else f.distance_m for f in obj.frames])
    known = np.flatnonzero(~np.isnan(distances))
    if known.size == 0:
        distances[:] = DEFAULT_DISTANCE_M
    elif known.size < distances.size:
        distances = np.interp(np.arange(distances.size), known, distances[known])
    return SpatialCurves(
        shot_id=shot.shot_id,
        object_id=obj.id,
        azimuth_deg=_curve(times, azimuths),
        distance_m=_curve(times, distances),
    )


def _curve(times: list[Fraction], values: np.ndarray) -> Curve:
    return Curve(tuple(Keyframe(t, float(v)) for t, v in zip(times, values)))
