"""Placing one given dry sound along one object's curves (the `render` command)."""

from __future__ import annotations

from math import gcd

import numpy as np
from scipy.signal import resample_poly

from foley_assistant.core.errors import FoleyError
from foley_assistant.core.timebase import seconds_to_samples
from foley_assistant.core.tracks import ShotTracks, TracksDocument
from foley_assistant.spatial.curves import CurveSettings, curves_from_track
from foley_assistant.spatial.render import render_stem
from foley_assistant.spatial.settings import StereoSettings


def pick_shot(tracks: TracksDocument, shot_id: str | None) -> ShotTracks:
    """The named shot, or the only one; a clear error otherwise."""
    if shot_id is not None:
        try:
            return tracks.shot(shot_id)
        except KeyError as exc:
            raise FoleyError(str(exc.args[0])) from exc
    if len(tracks.shots) != 1:
        ids = ", ".join(s.shot_id for s in tracks.shots) or "none"
        raise FoleyError(f"the tracks file has {len(tracks.shots)} shots ({ids}); say which with --shot.")
    return tracks.shots[0]


def render_dry_file(
    tracks: TracksDocument,
    shot_id: str | None,
    object_id: str,
    dry: np.ndarray,
    sample_rate: int,
    hfov_deg: float = 60.0,
    settings: StereoSettings | None = None,
    curve_settings: CurveSettings | None = None,
) -> np.ndarray:
    """Stereo stem of a dry sound (channels, n) whose first sample is the shot's first frame.

    The sound is mixed to mono, resampled to the output rate, and padded with silence to the
    length of the shot when shorter.
    """
    settings = settings or StereoSettings()
    shot = pick_shot(tracks, shot_id)
    try:
        obj = shot.object(object_id)
    except KeyError as exc:
        raise FoleyError(str(exc.args[0])) from exc
    mono = np.asarray(dry, dtype=np.float64).mean(axis=0)
    if sample_rate != settings.sample_rate:
        common = gcd(sample_rate, settings.sample_rate)
        mono = resample_poly(mono, settings.sample_rate // common, sample_rate // common)
    shot_samples = seconds_to_samples(shot.fps.seconds(shot.frame_range.duration), settings.sample_rate)
    if mono.shape[0] < shot_samples:
        mono = np.pad(mono, (0, shot_samples - mono.shape[0]))
    return render_stem(mono, curves_from_track(obj, shot, hfov_deg, curve_settings), settings)
