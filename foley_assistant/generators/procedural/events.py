"""Sound events read from an object's motion: footfalls, impacts, and the speed curve for engines.

- Footfalls (`gait`): the lowest points of the vertical bob of the box, sub-frame refined, or a
  cadence from speed where no bob is visible; steps continue across gaps of up to 3 s at the
  neighbouring cadence (a walker behind a pillar still walks).
- Impacts (`contacts`): abrupt stops or reversals of a falling box bottom, timed by a two-sided
  ballistic fit; strength is the speed change over 8 m/s, clipped to 0.05..1.
- Speed: ground speed in m/s per frame with its rate of change, gaps bridged linearly.

All times are seconds from the shot's first frame (float); no event lies outside the object's frames.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foley_assistant.core.events import SoundEvent
from foley_assistant.core.tracks import ObjectTrack, ShotTracks
from foley_assistant.generators.procedural.contacts import segment_impacts
from foley_assistant.generators.procedural.gait import bob_footfalls, bridge_gap, cadence_footfalls, cadence_steps_per_s
from foley_assistant.generators.procedural.kinematics import DEFAULT_HFOV_DEG, frame_time, segment_speed, track_motion

IMPACT_FULL_DV_M_S = 8.0  # a speed change this large (or larger) is strength 1

__all__ = ["SpeedCurve", "cadence_steps_per_s", "footfall_events", "footfall_strength", "impact_events", "speed_curve"]


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


def footfall_events(
    obj: ObjectTrack, shot: ShotTracks, hfov_deg: float = DEFAULT_HFOV_DEG, height_m: float = 1.7
) -> tuple[SoundEvent, ...]:
    """Footfalls of a walking object, sorted by time."""
    motion = track_motion(obj, shot, hfov_deg, height_m)
    events: list[SoundEvent] = []
    previous: list[float] = []
    for segment in motion.segments:
        speed = segment_speed(segment, motion)
        times = bob_footfalls(segment, speed, motion.fps)
        if times is None:
            times = cadence_footfalls(segment, speed)
        bridged = bridge_gap(previous, times)
        strengths = [footfall_strength(float(np.interp(t, segment.times_s, speed))) for t in times]
        gap_strength = strengths[0] if strengths else 0.5
        events += [SoundEvent(t, "footfall", gap_strength, obj.id) for t in bridged]
        events += [SoundEvent(float(t), "footfall", s, obj.id) for t, s in zip(times, strengths)]
        previous = times if times else previous
    return tuple(sorted(events, key=lambda e: e.time_s))


def impact_events(
    obj: ObjectTrack, shot: ShotTracks, hfov_deg: float = DEFAULT_HFOV_DEG, height_m: float = 0.3
) -> tuple[SoundEvent, ...]:
    """Impacts of a falling or bouncing object (its bottom moves down, then up or stops), by time."""
    motion = track_motion(obj, shot, hfov_deg, height_m)
    events: list[SoundEvent] = []
    for segment in motion.segments:
        for t, dv in segment_impacts(segment, motion):
            strength = float(np.clip(dv / IMPACT_FULL_DV_M_S, 0.05, 1.0))
            events.append(SoundEvent(t, "impact", strength, obj.id))
    return tuple(sorted(events, key=lambda e: e.time_s))


def speed_curve(
    obj: ObjectTrack, shot: ShotTracks, hfov_deg: float = DEFAULT_HFOV_DEG, height_m: float = 1.5
) -> SpeedCurve:
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
