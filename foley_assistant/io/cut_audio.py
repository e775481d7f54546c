"""The cut's own sound: the audio clips on a timeline's audio tracks (production sound, a guide
track), where they sit in record time and what part of which media file they play, decoded with
PyAV to the app's rate so it can be heard under the foley.

Only enabled clips on enabled audio tracks of the top-level stack that reference a media file
are listed; a clip whose file is missing is listed with `found` False (it plays as silence).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from foley_assistant.core.errors import MediaError
from foley_assistant.io.media_paths import media_path_of
from foley_assistant.io.timeline import LoadedTimeline, exact_seconds


@dataclass(frozen=True)
class CutAudioClip:
    """One audio clip of the cut: `record_start` seconds from the timeline's first frame, playing
    `duration` seconds of `media_path` from `source_start` seconds into the file."""

    name: str
    track_name: str
    media_path: str
    record_start: Fraction
    source_start: Fraction
    duration: Fraction

    @property
    def found(self) -> bool:
        return os.path.isfile(self.media_path)

    @property
    def record_end(self) -> Fraction:
        return self.record_start + self.duration

    def start_sample(self, sample_rate: int) -> int:
        """The clip's first sample on the timeline (nearest)."""
        return int(round(self.record_start * sample_rate))


def list_cut_audio(loaded: LoadedTimeline) -> list[CutAudioClip]:
    """The timeline's audio clips that reference a media file, in record order."""
    clips = []
    for track_number, track in enumerate(loaded.timeline.audio_tracks()):
        if not track.enabled:
            continue
        for clip in track.find_clips(shallow_search=True):
            if not clip.enabled:
                continue
            path = media_path_of(clip, loaded.media_root)
            if path is None:
                continue
            record = clip.trimmed_range_in_parent()
            source = clip.trimmed_range()
            available = clip.media_reference.available_range if clip.media_reference is not None else None
            media_start = exact_seconds(available.start_time) if available is not None else Fraction(0)
            clips.append(
                CutAudioClip(
                    name=clip.name,
                    track_name=track.name or f"A{track_number + 1}",
                    media_path=path,
                    record_start=exact_seconds(record.start_time),
                    source_start=exact_seconds(source.start_time) - media_start,
                    duration=exact_seconds(record.duration),
                )
            )
    return sorted(clips, key=lambda c: (c.record_start, c.track_name))


def decode_clip(clip: CutAudioClip, sample_rate: int) -> np.ndarray:
    """The clip's sound as (2, n) float32 at `sample_rate` (mono on both sides), n the clip's
    length in samples (silence where the file ends early). MediaError when the file cannot be
    read or has no sound."""
    import av

    length = int(round(clip.duration * sample_rate))
    first = int(round(clip.source_start * sample_rate))
    out = np.zeros((2, length), dtype=np.float32)
    try:
        with av.open(clip.media_path) as container:
            if not container.streams.audio:
                raise MediaError(f"{clip.media_path} (audio clip '{clip.name}') has no sound track; the cut's audio plays without it.")
            stream = container.streams.audio[0]
            if clip.source_start > 0:
                container.seek(int(max(float(clip.source_start) - 1.0, 0.0) / stream.time_base), stream=stream, backward=True)
            resampler = av.AudioResampler(format="fltp", layout="stereo", rate=sample_rate)
            for frame in container.decode(stream):
                for chunk in resampler.resample(frame):
                    if _place(out, chunk, first, sample_rate):
                        return out
            for chunk in resampler.resample(None):
                _place(out, chunk, first, sample_rate)
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaError(f"cannot read the sound of {Path(clip.media_path).name} ({exc}); the cut's audio plays without it.") from exc
    return out


def _place(out: np.ndarray, chunk: "object", first: int, sample_rate: int) -> bool:
    """Copy a resampled chunk into `out` (which starts at file sample `first`); True when full."""
    samples = chunk.to_ndarray()
    start = int(round(float(chunk.pts * chunk.time_base) * sample_rate)) if chunk.pts is not None else None
    if start is None:
        return False
    lo, hi = max(start, first), min(start + samples.shape[1], first + out.shape[1])
    if lo < hi:
        out[:, lo - first : hi - first] = samples[:2, lo - start : hi - start]
    return start + samples.shape[1] >= first + out.shape[1]
