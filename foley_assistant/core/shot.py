"""A shot: one picture clip of the cut, where its media is and where it sits in the timeline."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from foley_assistant.core.timebase import FrameRange, FrameRate, Rounding, frames_to_timecode

MEDIA_STATUSES = ("found", "missing", "relinked", "not a file")


@dataclass(frozen=True)
class Shot:
    """A clip on a video track, resolved to media and record positions.

    `record_range` counts timeline frames from the start of the timeline (frame 0 = the first frame
    of the top-level stack); `global_start_frame` is the timeline's start timecode in the same
    frames, so the record timecode of frame n is `global_start_frame + n`.
    `source_range` counts media frames (at `source_rate`) from the first frame of the media file.
    `refusal` says why the shot cannot be processed (e.g. an unsupported speed effect), if so.

    `speed` is the clip's constant speed (media seconds per record second, from a LinearTimeWarp):
    the shot's picture covers `record_range.duration * speed` source frames, and `source_range`
    already spans them. `source_from_timecode` is True when the timeline does not say where the
    media file starts (an EDL): `source_range.start` is then the source timecode in frames since
    midnight, and the media's own start timecode is subtracted once the file is opened.
    `reel` is the tape or reel name the cut gives for the clip (EDL, AAF), used for relinking.
    """

    id: str
    track_name: str
    track_index: int
    clip_name: str
    media_path: str | None
    media_status: str
    timeline_rate: FrameRate
    record_range: FrameRange
    global_start_frame: int
    source_rate: FrameRate
    source_range: FrameRange
    refusal: str | None = None
    speed: Fraction = Fraction(1)
    source_from_timecode: bool = False
    reel: str = ""

    def __post_init__(self) -> None:
        if self.media_status not in MEDIA_STATUSES:
            raise ValueError(f"media status must be one of {MEDIA_STATUSES}, got {self.media_status!r}")
        if self.speed <= 0:
            raise ValueError(f"a shot's speed must be positive (a freeze or reverse is refused, not listed), got {self.speed}")

    @property
    def duration_seconds(self) -> Fraction:
        """Length of the shot on the timeline, exact."""
        return self.timeline_rate.seconds(self.record_range.duration)

    @property
    def record_start_seconds(self) -> Fraction:
        """Where the shot starts, in seconds from the start of the timeline."""
        return self.timeline_rate.seconds(self.record_range.start)

    @property
    def record_start_since_midnight(self) -> Fraction:
        """Record start in seconds since midnight (timecode origin), for BWF TimeReference."""
        return self.timeline_rate.seconds(self.global_start_frame + self.record_range.start)

    @property
    def record_tc_in(self) -> str:
        return frames_to_timecode(self.global_start_frame + self.record_range.start, self.timeline_rate)

    @property
    def record_tc_out(self) -> str:
        """Timecode of the first frame after the shot (exclusive, as NLEs show it)."""
        return frames_to_timecode(self.global_start_frame + self.record_range.end, self.timeline_rate)

    def record_start_sample(self, sample_rate: int) -> int:
        """First sample of the shot counted from the start of the timeline."""
        return self.timeline_rate.frame_to_sample(self.record_range.start, sample_rate, Rounding.NEAREST)

    def duration_samples(self, sample_rate: int) -> int:
        """Number of samples the shot covers; the end is rounded like the start, so shots butt."""
        end = self.timeline_rate.frame_to_sample(self.record_range.end, sample_rate, Rounding.NEAREST)
        return end - self.record_start_sample(sample_rate)
