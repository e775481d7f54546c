"""Ground truth of a synthetic scene: where each object is in each frame, and the sounds it makes."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, replace
from fractions import Fraction

from foley_assistant.core.events import SoundEvent
from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import ObjectTrack, ShotTracks, TrackedFrame
from foley_assistant.synth.spec import SceneSpec


@dataclass(frozen=True)
class ObjectTruth:
    """One object through a synthetic shot.

    `frames` holds a `TrackedFrame` for every frame where some of the object's box is inside the
    picture: the box clipped to the frame (normalized), `confidence` = visibility (the fraction of
    the object's full, unclipped pixel area that is actually seen: inside the frame and not hidden
    by the occluder or by nearer objects) and `distance_m` = the object's depth in front of the
    camera, z_c = X sin(yaw) + Z cos(yaw) (its world Z while the camera has not turned; see
    `camera`). `events` are exact instants in seconds from the first frame. `speed_m_s` (in the
    world), `azimuth_deg` (the direction of the object from the camera's view direction,
    atan2(x_c, z_c) in degrees, + right; beyond +-90 when it is behind the camera) and `depth_m`
    (z_c again, negative behind the camera) have one value per frame of the shot (index = frame
    number), seen or not.
    """

    id: str
    label: str
    kind: str
    frames: tuple[TrackedFrame, ...]
    events: tuple[SoundEvent, ...]
    speed_m_s: tuple[float, ...]
    azimuth_deg: tuple[float, ...]
    depth_m: tuple[float, ...]

    def frame(self, number: int) -> TrackedFrame | None:
        """The truth of one frame, or None when the object is outside the picture then."""
        index = bisect.bisect_left(self.frames, number, key=lambda f: f.frame)
        if index < len(self.frames) and self.frames[index].frame == number:
            return self.frames[index]
        return None

    def visibility(self, number: int) -> float:
        """Visible fraction at a frame (0 when outside the picture)."""
        tracked = self.frame(number)
        return 0.0 if tracked is None else tracked.confidence

    def as_track(self, first_frame: int = 0) -> ObjectTrack:
        """The truth as a core `ObjectTrack` (source "manual"), frames shifted by `first_frame`."""
        frames = tuple(replace(f, frame=f.frame + first_frame) for f in self.frames)
        return ObjectTrack(id=self.id, label=self.label, source="manual", frames=frames)


@dataclass(frozen=True)
class SceneTruth:
    """Ground truth of a whole synthetic shot (frame n is the picture at t = n / rate)."""

    spec: SceneSpec
    objects: tuple[ObjectTruth, ...]
    rate: FrameRate
    width: int
    height: int
    frame_count: int

    @property
    def events(self) -> tuple[SoundEvent, ...]:
        """Every object's events, sorted by time (then object id)."""
        every = [event for obj in self.objects for event in obj.events]
        return tuple(sorted(every, key=lambda e: (e.time_s, e.object_id)))

    @property
    def duration_seconds(self) -> Fraction:
        """frame_count / rate, exact."""
        return self.rate.seconds(self.frame_count)

    @property
    def focal_px(self) -> float:
        """The camera's focal length in pixels."""
        return self.spec.focal_px

    def object(self, object_id: str) -> ObjectTruth:
        """The truth of one object; a clear error names the ones that exist."""
        for obj in self.objects:
            if obj.id == object_id:
                return obj
        known = ", ".join(o.id for o in self.objects) or "none"
        raise KeyError(f"the scene has no object {object_id!r} (objects: {known})")

    def as_shot_tracks(self, shot_id: str = "S1", media: str = "", first_frame: int = 0) -> ShotTracks:
        """The truth as a core `ShotTracks` (objects never in the picture are left out); frame numbers
        are shifted by `first_frame` (the shot's first frame in its media file)."""
        return ShotTracks(
            shot_id=shot_id,
            media=media,
            fps=self.rate,
            frame_range=FrameRange(first_frame, self.frame_count),
            width=self.width,
            height=self.height,
            objects=tuple(obj.as_track(first_frame) for obj in self.objects if obj.frames),
        )
