"""Spatial curves from a track: azimuth from the box centre through the camera (pinhole), distance
from the track's depth, a gain for fades; what happens off screen; manual keyframes on top.

Off-screen behaviour (`OffscreenMode`), before the object's first box and after its last:
- hold: the sound stays where it was last seen, at the same level;
- fade: it stays there and fades out (in, before it appears) over `fade_s`;
- keep-panning: when it leaves through a frame edge (its box touches the edge and moves out) it
  keeps moving at the speed of its trailing edge, past the edge (azimuth beyond the field of view,
  towards 90 degrees); when it vanishes inside the frame, it holds.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum
from fractions import Fraction

import numpy as np

from foley_assistant.acoustics.panning import azimuth_from_screen_x
from foley_assistant.core.curves import Curve, Keyframe, SpatialCurves, with_override
from foley_assistant.core.edit_state import ManualCurves
from foley_assistant.core.tracks import ObjectTrack, ShotTracks, TrackedFrame

DEFAULT_DISTANCE_M = 5.0
VELOCITY_FRAMES = 5  # frames over which the exit speed is measured


class OffscreenMode(str, Enum):
    """What the sound does while its object is not in the frame."""

    HOLD = "hold"
    FADE = "fade"
    KEEP_PANNING = "keep-panning"


@dataclass(frozen=True)
class CurveSettings:
    """How tracks become curves."""

    offscreen: OffscreenMode = OffscreenMode.HOLD
    fade_s: float = 0.5
    edge_margin: float = 0.02  # a box this close to an edge (fraction of the width) is leaving through it
    handover_s: float = 0.25  # cross-fade between the tracked curve and manual keyframes


def curves_from_track(obj: ObjectTrack, shot: ShotTracks, hfov_deg: float = 60.0, settings: CurveSettings | None = None) -> SpatialCurves:
    """One keyframe per tracked frame (time in seconds from the shot's first frame), plus the
    off-screen behaviour of `settings` before the first and after the last box.

    Frames with no distance take the nearest known distance (or 5 m when none is known).
    """
    settings = settings or CurveSettings()
    times = [shot.fps.seconds(f.frame - shot.frame_range.start) for f in obj.frames]
    centres = np.array([f.box.center_x for f in obj.frames])
    distances = np.array([np.nan if f.distance_m is None else f.distance_m for f in obj.frames])
    known = np.flatnonzero(~np.isnan(distances))
    if known.size == 0:
        distances[:] = DEFAULT_DISTANCE_M
    elif known.size < distances.size:
        distances = np.interp(np.arange(distances.size), known, distances[known])
    gain = Curve.constant(1.0)
    if settings.offscreen is OffscreenMode.KEEP_PANNING:
        times, centres = _keep_panning(obj, shot, times, centres, settings.edge_margin)
    elif settings.offscreen is OffscreenMode.FADE:
        gain = _fade_gain(obj, shot, times, settings.fade_s)
    azimuths = azimuth_from_screen_x(centres, hfov_deg)
    return SpatialCurves(
        shot_id=shot.shot_id,
        object_id=obj.id,
        azimuth_deg=_curve(times, azimuths),
        distance_m=_curve([shot.fps.seconds(f.frame - shot.frame_range.start) for f in obj.frames], distances),
        gain=gain,
    )


def _curve(times: list[Fraction], values: np.ndarray) -> Curve:
    return Curve(tuple(Keyframe(t, float(v)) for t, v in zip(times, values)))


def _fade_gain(obj: ObjectTrack, shot: ShotTracks, times: list[Fraction], fade_s: float) -> Curve:
    fade = Fraction(fade_s).limit_denominator(1000)
    shot_end = shot.fps.seconds(shot.frame_range.duration)
    keys = [Keyframe(times[0], 1.0), Keyframe(times[-1], 1.0)] if times[-1] > times[0] else [Keyframe(times[0], 1.0)]
    if obj.first_frame > shot.frame_range.start and fade > 0:
        keys.insert(0, Keyframe(times[0] - fade, 0.0))
    if times[-1] < shot_end and fade > 0:
        keys.append(Keyframe(times[-1] + fade, 0.0))
    return Curve(tuple(keys))


def _exit_speed(frames: tuple[TrackedFrame, ...], times: list[Fraction], margin: float, at_end: bool) -> float:
    """Screen widths per second at which the object crosses a frame edge at the end (or the start)
    of its track; 0 when it does not leave (enter) through an edge."""
    if len(frames) < 2:
        return 0.0
    window = frames[-VELOCITY_FRAMES:] if at_end else frames[:VELOCITY_FRAMES]
    span = times[-1] - times[-len(window)] if at_end else times[len(window) - 1] - times[0]
    edge_box = window[-1].box if at_end else window[0].box
    if span <= 0:
        return 0.0
    if edge_box.x1 >= 1 - margin:  # at the right edge: the left (trailing) edge moves at full speed
        speed = (window[-1].box.x0 - window[0].box.x0) / float(span)
        outward = speed > 0 if at_end else speed < 0
    elif edge_box.x0 <= margin:
        speed = (window[-1].box.x1 - window[0].box.x1) / float(span)
        outward = speed < 0 if at_end else speed > 0
    else:
        return 0.0
    return speed if outward else 0.0


def _keep_panning(obj: ObjectTrack, shot: ShotTracks, times: list[Fraction], centres: np.ndarray, margin: float) -> tuple[list[Fraction], np.ndarray]:
    """Keyframes extended past the edges at the exit (entry) speed, one per frame of the shot."""
    start, end = shot.frame_range.start, shot.frame_range.end
    out_speed = _exit_speed(obj.frames, times, margin, at_end=True)
    in_speed = _exit_speed(obj.frames, times, margin, at_end=False)
    before = range(start, obj.first_frame) if in_speed else range(0)
    after = range(obj.last_frame + 1, end) if out_speed else range(0)
    new_times = [shot.fps.seconds(f - start) for f in before] + list(times) + [shot.fps.seconds(f - start) for f in after]
    first_t, last_t = float(times[0]), float(times[-1])
    head = [centres[0] + in_speed * (float(shot.fps.seconds(f - start)) - first_t) for f in before]
    tail = [centres[-1] + out_speed * (float(shot.fps.seconds(f - start)) - last_t) for f in after]
    return new_times, np.concatenate([head, centres, tail])


def with_manual_keyframes(
    curves: SpatialCurves,
    azimuth_deg: Curve | None = None,
    distance_m: Curve | None = None,
    handover_s: float = CurveSettings.handover_s,
) -> SpatialCurves:
    """The editor's keyframes take over the tracked curves over their span, with a cosine
    hand-over of `handover_s` seconds on each side (see `core.curves.with_override`)."""
    handover = Fraction(handover_s).limit_denominator(1000)
    changed = curves
    if azimuth_deg is not None:
        changed = replace(changed, azimuth_deg=with_override(changed.azimuth_deg, azimuth_deg, handover))
    if distance_m is not None:
        changed = replace(changed, distance_m=with_override(changed.distance_m, distance_m, handover))
    return changed


def object_curves(obj: ObjectTrack, shot: ShotTracks, hfov_deg: float, settings: CurveSettings | None = None, manual: ManualCurves | None = None) -> SpatialCurves:
    """The curves an object's stem is rendered with: its tracked curves (`curves_from_track`) with
    the editor's keyframes (`manual`) on top."""
    settings = settings or CurveSettings()
    base = curves_from_track(obj, shot, hfov_deg, settings)
    if manual is None or manual.is_empty:
        return base
    return with_manual_keyframes(base, manual.azimuth_deg, manual.distance_m, settings.handover_s)
