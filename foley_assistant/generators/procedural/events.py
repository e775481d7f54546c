"""Sound events read from an object's motion: footfalls, impacts, swishes, entrances and exits,
and the speed curve for continuous sounds.

- Footfalls (`gait`): the phase of the vertical bob of the box, or a cadence from speed where no
  bob can be read; steps continue across gaps of up to 3 s at the neighbouring cadence (a walker
  behind a pillar still walks). Cause "bob", "cadence" or "hidden".
- Impacts (`contacts`): landings and bounces (a two-sided ballistic fit), the unseen tail of a
  bounce, contact just below the frame bottom, and abrupt changes of velocity. An abrupt change
  while the box touches another object's box at a similar distance is a collision (cause
  "collision O2"). Strength is the speed change over 8 m/s, clipped to 0.05..1.
- Swishes: peaks of speed of at least SWISH_MIN_M_S that stand SWISH_PROMINENCE_M_S above the
  speed around them (a fast throw, a swipe); strength grows with the peak speed.
- Entrances and exits: the first frame (cause "frame edge" when the box touches the frame border,
  "shot start" when the shot begins with it, else "appears") and the first frame after the last
  one seen ("frame edge", "shot end", "disappears").
- Speed: ground speed in m/s per frame with its rate of change, gaps bridged linearly.

All times are seconds from the shot's first frame (float, sub-frame); no footfall or impact lies
outside the object's frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from foley_assistant.core.events import SoundEvent
from foley_assistant.core.tracks import ObjectTrack, ShotTracks
from foley_assistant.generators.procedural.contacts import abrupt_changes, segment_impacts
from foley_assistant.generators.procedural.gait import bob_footfalls, bridge_gap, cadence_footfalls, cadence_steps_per_s, pose_footfalls
from foley_assistant.generators.procedural.kinematics import DEFAULT_HFOV_DEG, frame_time, segment_speed, track_motion

IMPACT_FULL_DV_M_S = 8.0  # a speed change this large (or larger) is strength 1
SWISH_MIN_M_S = 2.5
SWISH_PROMINENCE_M_S = 1.5
SWISH_FULL_M_S = 12.0
COLLISION_DEPTH_SHARE = 0.25  # boxes at distances within 25 % of each other can touch
_EDGE = 0.004

__all__ = [
    "SpeedCurve",
    "cadence_steps_per_s",
    "footfall_events",
    "footfall_strength",
    "impact_events",
    "presence_events",
    "speed_curve",
    "swish_events",
]


@dataclass(frozen=True)
class SpeedCurve:
    """Ground speed of an object per frame, from its first to its last frame (gaps bridged).

    `times_s` are seconds from the shot's first frame, `speed_m_s` is smoothed and >= 0,
    `accel_m_s2` its time derivative.
    """

    times_s: np.ndarray
    speed_m_s: np.ndarray
    accel_m_s2: np.ndarray

    def at(self, times_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(speed, acceleration) at arbitrary times, linearly interpolated, held beyond the ends."""
        if len(self.times_s) == 0:
            return np.zeros(len(times_s)), np.zeros(len(times_s))
        return np.interp(times_s, self.times_s, self.speed_m_s), np.interp(times_s, self.times_s, self.accel_m_s2)


def footfall_strength(speed_m_s: float) -> float:
    """How hard a step lands, from walking speed: ~0.7 at 1.4 m/s, 1 when running."""
    return float(np.clip(0.45 + 0.18 * speed_m_s, 0.3, 1.0))


def footfall_events(obj: ObjectTrack, shot: ShotTracks, hfov_deg: float = DEFAULT_HFOV_DEG, height_m: float = 1.7) -> tuple[SoundEvent, ...]:
    """Footfalls of a walking object, sorted by time."""
    motion = track_motion(obj, shot, hfov_deg, height_m)
    events: list[SoundEvent] = []
    previous: list[float] = []
    feet = {f.frame: f.feet for f in obj.frames if f.feet is not None}
    aspect = shot.width / max(1, shot.height)
    for segment in motion.segments:
        speed = segment_speed(segment, motion)
        times, cause = None, "pose"
        if feet:
            nan = (np.nan,) * 4
            times = pose_footfalls(segment, np.array([feet.get(int(f), nan) for f in segment.frames], dtype=np.float64), aspect, motion.fps)
        if times is None:
            times, cause = bob_footfalls(segment, speed, motion.fps), "bob"
        if times is None:
            times, cause = cadence_footfalls(segment, speed), "cadence"
        bridged = bridge_gap(previous, times)
        strengths = [footfall_strength(float(np.interp(t, segment.times_s, speed))) for t in times]
        gap_strength = strengths[0] if strengths else 0.5
        events += [SoundEvent(t, "footfall", gap_strength, obj.id, "hidden") for t in bridged]
        events += [SoundEvent(float(t), "footfall", s, obj.id, cause) for t, s in zip(times, strengths)]
        previous = times if times else previous
    return tuple(sorted(events, key=lambda e: e.time_s))


def impact_events(obj: ObjectTrack, shot: ShotTracks, hfov_deg: float = DEFAULT_HFOV_DEG, height_m: float = 0.3) -> tuple[SoundEvent, ...]:
    """Impacts of an object: landings, bounces, frame-bottom contacts, stops and collisions, by time."""
    motion = track_motion(obj, shot, hfov_deg, height_m)
    events: list[SoundEvent] = []
    for segment in motion.segments:
        bounces = segment_impacts(segment, motion)
        for contact in bounces + abrupt_changes(segment, motion, bounces):
            cause = contact.cause
            if cause == "stop":
                partner = _touching(obj, shot, contact.time_s)
                cause = f"collision {partner}" if partner else cause
            strength = float(np.clip(contact.dv_m_s / IMPACT_FULL_DV_M_S, 0.05, 1.0))
            events.append(SoundEvent(contact.time_s, "impact", strength, obj.id, cause))
    return tuple(sorted(events, key=lambda e: e.time_s))


def swish_events(obj: ObjectTrack, shot: ShotTracks, hfov_deg: float = DEFAULT_HFOV_DEG, height_m: float = 0.3) -> tuple[SoundEvent, ...]:
    """Moments of peak speed of a fast movement (a throw, a swipe), by time."""
    motion = track_motion(obj, shot, hfov_deg, height_m)
    events = []
    for segment in motion.segments:
        speed = segment_speed(segment, motion, sigma_s=0.06)
        peaks, _ = signal.find_peaks(speed, height=SWISH_MIN_M_S, prominence=SWISH_PROMINENCE_M_S)
        for k in peaks:
            t = float(segment.times_s[k])
            if 0 < k < len(speed) - 1:
                a, b, c = speed[k - 1 : k + 2]
                denominator = a - 2 * b + c
                if denominator < 0:
                    t += float(np.clip(0.5 * (a - c) / denominator, -0.5, 0.5)) / motion.fps
            strength = float(np.clip(speed[k] / SWISH_FULL_M_S, 0.1, 1.0))
            events.append(SoundEvent(t, "swish", strength, obj.id, "speed peak"))
    return tuple(events)


def presence_events(obj: ObjectTrack, shot: ShotTracks) -> tuple[SoundEvent, ...]:
    """The object's entrance (its first frame) and exit (the frame after its last), within the shot."""
    if not obj.frames:
        return ()
    first, last = obj.frames[0], obj.frames[-1]
    shot_start, shot_end = shot.frame_range.start, shot.frame_range.start + shot.frame_range.duration
    events = []
    if shot_start <= first.frame < shot_end:
        cause = "frame edge" if _at_edge(first.box.as_list()) else ("shot start" if first.frame == shot_start else "appears")
        events.append(SoundEvent(frame_time(shot, first.frame), "entrance", 1.0, obj.id, cause))
    if shot_start <= last.frame + 1 < shot_end:
        cause = "frame edge" if _at_edge(last.box.as_list()) else "disappears"
        events.append(SoundEvent(frame_time(shot, last.frame + 1), "exit", 1.0, obj.id, cause))
    elif last.frame + 1 == shot_end:
        events.append(SoundEvent(frame_time(shot, last.frame + 1), "exit", 1.0, obj.id, "shot end"))
    return tuple(events)


def speed_curve(obj: ObjectTrack, shot: ShotTracks, hfov_deg: float = DEFAULT_HFOV_DEG, height_m: float = 1.5) -> SpeedCurve:
    """Speed and acceleration per frame over the object's whole life; long gaps are bridged linearly."""
    motion = track_motion(obj, shot, hfov_deg, height_m)
    if not motion.segments:
        return SpeedCurve(np.zeros(0), np.zeros(0), np.zeros(0))
    times = np.concatenate([s.times_s for s in motion.segments])
    speeds = [segment_speed(s, motion) for s in motion.segments]
    speed = np.concatenate(speeds)
    accel = np.concatenate([np.gradient(v) * motion.fps if len(v) > 1 else np.zeros(len(v)) for v in speeds])
    first, last = obj.first_frame, obj.last_frame
    grid = frame_time(shot, first) + np.arange(last - first + 1) / motion.fps
    return SpeedCurve(grid, np.maximum(np.interp(grid, times, speed), 0.0), np.interp(grid, times, accel))


def _at_edge(box: list[float]) -> bool:
    x0, y0, x1, y1 = box
    return x0 <= _EDGE or y0 <= _EDGE or x1 >= 1.0 - _EDGE or y1 >= 1.0 - _EDGE


def _touching(obj: ObjectTrack, shot: ShotTracks, time_s: float) -> str:
    """The id of another object whose box touches this one's at `time_s` at a similar distance ("" if none)."""
    frame = shot.frame_range.start + int(round(time_s * float(shot.fps)))
    mine = {f.frame: f for f in obj.frames}
    for other in shot.objects:
        if other.id == obj.id:
            continue
        theirs = {f.frame: f for f in other.frames}
        for number in range(frame - 1, frame + 2):
            a, b = mine.get(number), theirs.get(number)
            if a is None or b is None:
                continue
            gap_x = max(a.box.x0, b.box.x0) - min(a.box.x1, b.box.x1)
            gap_y = max(a.box.y0, b.box.y0) - min(a.box.y1, b.box.y1)
            if gap_x > 0.01 or gap_y > 0.01:
                continue
            if a.distance_m and b.distance_m and abs(a.distance_m - b.distance_m) > COLLISION_DEPTH_SHARE * max(a.distance_m, b.distance_m):
                continue
            return other.id
    return ""
