"""Writing stems back into a copy of the timeline: one new audio track per object lane.

The input timeline is never modified: a deep copy gets the new tracks appended after its own, and
nothing else in it changes.

Two ways of counting time:

- in samples (OTIO JSON, otioz): the new tracks count at the audio sample rate, so every clip
  sits on its exact record sample with no rounding;
- in frames (`frame_rate` given; AAF, FCP 7 XML, EDL count in frames of the timeline): each clip
  starts on the frame nearest its first sample, and `frame_offset_samples` in its metadata says
  how far (in samples, an exact fraction) its first sample lies from that frame's start. Stems
  made from shots start on a frame's sample, so that offset is under half a sample (0 at 24, 25,
  30 and 23.976 fps; at most 0.4 sample at 29.97).

Each stem track keeps its lane under the `foley_assistant` metadata key (`lane`, and `gain_db`,
the lane's gain, when the editor set one). Every clip also keeps, under that key: shot, object, label, engine, take, the
stem's path relative to the output folder, sample rate, record start sample, the object's
curves (azimuth and distance keyframes) when given, and the editor's mix of the stem (`mix`:
gain_db, mute, solo) when given; a muted stem's clip is disabled (`enabled` false). A clip is
trimmed to the cut: its source range starts after the stem file's handle before the cut (the
media's available range is the whole file), and its metadata gives the handles in samples and
the fade at each end (`fade_in_ms`, `fade_out_ms`; OTIO has no audio fade of its own). Pan
automation for the AAF writer goes in `metadata["AAF"]["Pan"]["ControlPoints"]` (see
`io.exports.aaf`).

Media references are absolute file URLs, or, with `relative_to` (the folder the written file
will be in), URLs relative to it ("stems/S001_O1_person.wav"), so that the folder can be moved.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterator, Mapping
from urllib.parse import quote_from_bytes

import opentimelineio as otio

from foley_assistant.core.curves import SpatialCurves
from foley_assistant.core.edit_state import StemMix
from foley_assistant.core.errors import OutputError
from foley_assistant.core.stem import Stem
from foley_assistant.core.timebase import FrameRate, Rounding, round_fraction
from foley_assistant.io.atomic import atomic_path

METADATA_KEY = "foley_assistant"

#: Builds extra metadata for a stem's clip (e.g. {"AAF": {...}}); given the stem and its clip length in frames.
ClipDecorator = Callable[[Stem, int], Mapping[str, object]]


@dataclass(frozen=True)
class StemPlacement:
    """Where a stem's clip goes on a track that counts in `units_per_second` (samples or frames),
    and its file's handles before and after the cut in the same units."""

    start: int
    length: int
    frame_offset_samples: Fraction
    handle_before: int = 0
    handle_after: int = 0


def place(stem: Stem, frame_rate: FrameRate | None) -> StemPlacement:
    """A stem's start and length in the track's units (samples, or frames of `frame_rate`)."""
    if frame_rate is None:
        return StemPlacement(stem.record_start_sample, stem.length_samples, Fraction(0), stem.handle_start_samples, stem.handle_end_samples)
    samples_per_frame = Fraction(stem.sample_rate) / frame_rate.fps
    start = round_fraction(Fraction(stem.record_start_sample) / samples_per_frame, Rounding.NEAREST)
    end = round_fraction(Fraction(stem.record_end_sample) / samples_per_frame, Rounding.NEAREST)
    before, after = (round_fraction(Fraction(n) / samples_per_frame, Rounding.NEAREST) for n in (stem.handle_start_samples, stem.handle_end_samples))
    return StemPlacement(start, max(1, end - start), stem.record_start_sample - start * samples_per_frame, before, after)


def with_stem_tracks(
    timeline: otio.schema.Timeline,
    lanes: list[tuple[str, list[Stem]]],
    stems_root: Path,
    curves: Mapping[tuple[str, str], SpatialCurves] | None = None,
    *,
    frame_rate: FrameRate | None = None,
    media_path: Callable[[Stem], Path] | None = None,
    decorate: ClipDecorator | None = None,
    mixes: Mapping[str, StemMix] | None = None,
    relative_to: Path | None = None,
    fade_ms: float = 0.0,
    lane_gains: Mapping[str, float] | None = None,
) -> otio.schema.Timeline:
    """A copy of `timeline` with an audio track per lane holding its stems at their record position.

    `stems_root` is the folder stem paths are relative to; media references are absolute file
    URLs, or relative to `relative_to` when given (the stem's path from `stems_root` stays in the
    clip metadata for relinking). With `frame_rate`, the tracks count in frames (see the module
    docstring). `media_path` chooses another file for a stem's clip (e.g. a mono split of it);
    `decorate` adds format metadata; `mixes` (by stem path) are the editor's gain and mute;
    `fade_ms` the fade at each end of a clip (in its metadata: OTIO has no audio fade);
    `lane_gains` the lanes' gains in dB (in each track's metadata).
    """
    result = timeline.deepcopy()
    for lane_name, stems in lanes:
        result.tracks.append(stem_track(lane_name, stems, stems_root, curves or {}, frame_rate, media_path, decorate, mixes, relative_to, fade_ms, (lane_gains or {}).get(lane_name, 0.0)))
    return result


@contextmanager
def added_tracks(timeline: otio.schema.Timeline, tracks: list[otio.schema.Track]) -> Iterator[otio.schema.Timeline]:
    """The timeline with `tracks` appended for the duration of the block, then exactly as before.

    For writing a large timeline with its stem tracks without copying it first; the tracks are
    removed again even when the block fails.
    """
    count = len(timeline.tracks)
    for track in tracks:
        timeline.tracks.append(track)
    try:
        yield timeline
    finally:
        while len(timeline.tracks) > count:
            timeline.tracks.pop()


def write_with_stem_tracks(
    timeline: otio.schema.Timeline,
    lanes: list[tuple[str, list[Stem]]],
    stems_root: Path,
    path: str | os.PathLike[str],
    curves: Mapping[tuple[str, str], SpatialCurves] | None = None,
    mixes: Mapping[str, StemMix] | None = None,
    relative_to: Path | None = None,
    fade_ms: float = 0.0,
    lane_gains: Mapping[str, float] | None = None,
) -> None:
    """Write `timeline` plus one audio track per lane (as `with_stem_tracks`) without copying it."""
    tracks = [
        stem_track(lane_name, stems, stems_root, curves or {}, mixes=mixes, relative_to=relative_to, fade_ms=fade_ms, gain_db=(lane_gains or {}).get(lane_name, 0.0)) for lane_name, stems in lanes
    ]
    with added_tracks(timeline, tracks):
        write_timeline(timeline, path)


def stem_track(
    lane_name: str,
    stems: list[Stem],
    stems_root: Path,
    curves: Mapping[tuple[str, str], SpatialCurves],
    frame_rate: FrameRate | None = None,
    media_path: Callable[[Stem], Path] | None = None,
    decorate: ClipDecorator | None = None,
    mixes: Mapping[str, StemMix] | None = None,
    relative_to: Path | None = None,
    fade_ms: float = 0.0,
    gain_db: float = 0.0,
) -> otio.schema.Track:
    """One lane as an audio track: gaps and stem clips in record order (see `with_stem_tracks`);
    `gain_db` is the lane's gain."""
    track = otio.schema.Track(name=lane_name, kind=otio.schema.TrackKind.Audio)
    track.metadata[METADATA_KEY] = {"lane": lane_name, **({"gain_db": round(gain_db, 3)} if gain_db else {})}
    files = _StemFiles(stems_root, relative_to)
    cursor = 0
    for stem in stems:
        placement = place(stem, frame_rate)
        if placement.start < cursor:
            raise ValueError(f"stems on lane {lane_name!r} overlap at {placement.start} ({stem.path})")
        units = stem.sample_rate if frame_rate is None else float(frame_rate)
        if placement.start > cursor:
            track.append(otio.schema.Gap(duration=otio.opentime.RationalTime(placement.start - cursor, units)))
        if media_path is None:
            uri, name = files.uri_and_name(stem.path)
        else:
            path = media_path(stem)
            uri, name = files.uri_of(path), path.stem
        clip = _stem_clip(stem, uri, name, placement, units, curves.get((stem.shot_id, stem.object_id)), (mixes or {}).get(stem.path), fade_ms)
        if decorate is not None:
            for key, value in decorate(stem, placement.length).items():
                clip.metadata[key] = value
        track.append(clip)
        cursor = placement.start + placement.length
    return track


def _file_uri(path: Path) -> str:
    """The absolute file URL of a path (media references are absolute, so copies still find it)."""
    return Path(os.path.abspath(path)).as_uri()


def relative_uri(path: Path, folder: Path) -> str:
    """The URL of `path` relative to `folder` ("stems/a%20b.wav", "../dry/x.wav"), percent-encoded."""
    relative = os.path.relpath(os.path.abspath(path), os.path.abspath(folder))
    return quote_from_bytes(os.fsencode(Path(relative).as_posix()))


class _StemFiles:
    """File URLs and clip names (file name without suffix) of stem paths relative to a folder.

    Gives what `_file_uri` (or `relative_uri`, with `relative_to`) and `Path.stem` give for
    `folder / relative`; the folder's part of the URL is made once, as a lane has thousands of
    stems.
    """

    def __init__(self, folder: Path, relative_to: Path | None = None) -> None:
        self.folder = folder
        self.relative_to = relative_to
        base = os.path.abspath(folder)
        if os.sep != "/":
            self._prefix: str | None = None
        elif relative_to is None:
            self._prefix = _file_uri(Path(base)) + ("" if base.endswith("/") else "/")
        else:
            up = relative_uri(Path(base), relative_to)
            self._prefix = "" if up == "." else up + "/"

    def uri_of(self, path: Path) -> str:
        """The URL of a file (absolute, or relative to `relative_to`)."""
        return _file_uri(path) if self.relative_to is None else relative_uri(path, self.relative_to)

    def uri_and_name(self, relative: str) -> tuple[str, str]:
        """(file URL, clip name) of a stem path relative to the folder."""
        parts = relative.split("/")
        if self._prefix is None or not relative or relative[0] == "/" or "" in parts or "." in parts or ".." in parts:
            path = self.folder / relative  # not a plain relative POSIX path: let pathlib normalise it
            return self.uri_of(path), path.stem
        name = parts[-1]
        dot = name.rfind(".")
        return self._prefix + quote_from_bytes(os.fsencode(relative)), (name[:dot] if 0 < dot < len(name) - 1 else name)


def _stem_clip(stem: Stem, uri: str, name: str, placement: StemPlacement, units: float, curves: SpatialCurves | None, mix: StemMix | None, fade_ms: float) -> otio.schema.Clip:
    """The stem's clip: trimmed to the cut, its source range starting after the handle before it
    (the media's available range is the whole file, handles included)."""
    whole = placement.handle_before + placement.length + placement.handle_after
    available = otio.opentime.TimeRange(otio.opentime.RationalTime(0, units), otio.opentime.RationalTime(whole, units))
    cut = otio.opentime.TimeRange(otio.opentime.RationalTime(placement.handle_before, units), otio.opentime.RationalTime(placement.length, units))
    reference = otio.schema.ExternalReference(target_url=uri, available_range=available)
    clip = otio.schema.Clip(name=name, media_reference=reference, source_range=cut)
    info: dict[str, object] = {
        "shot": stem.shot_id,
        "object": stem.object_id,
        "label": stem.label,
        "engine": stem.engine,
        "take": stem.take,
        "relative_path": stem.path,
        "sample_rate": stem.sample_rate,
        "record_start_sample": stem.record_start_sample,
        "length_samples": stem.length_samples,
        "handle_start_samples": stem.handle_start_samples,
        "handle_end_samples": stem.handle_end_samples,
        "fade_in_ms": fade_ms,
        "fade_out_ms": fade_ms,
    }
    if units != stem.sample_rate:
        info["frame_offset_samples"] = str(placement.frame_offset_samples)
    if curves is not None:
        info["curves"] = curves.to_dict()
    if mix is not None and not mix.is_default:
        info["mix"] = mix.to_dict()
        clip.enabled = not mix.mute
    clip.metadata[METADATA_KEY] = info
    return clip


def media_past_cut(clip: otio.schema.Clip) -> tuple[int, int]:
    """A clip's media before and after its source range (its handles), in its units."""
    available = clip.media_reference.available_range
    if available is None:
        return 0, 0
    before = clip.source_range.start_time - available.start_time
    after = available.end_time_exclusive() - clip.source_range.end_time_exclusive()
    return max(0, int(before.value)), max(0, int(after.value))


def write_timeline(timeline: otio.schema.Timeline, path: str | os.PathLike[str]) -> None:
    """Write a timeline atomically in the format its suffix names (.otio, .otioz)."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        with atomic_path(path) as temporary:
            if suffix == ".otioz":
                otio.adapters.write_to_file(timeline, str(temporary), adapter_name="otioz", media_policy="MissingIfNotFile")
            elif suffix == ".otio":
                otio.adapters.write_to_file(timeline, str(temporary), adapter_name="otio_json")
            else:
                raise OutputError(f"cannot write a timeline as '{suffix}': use .otio or .otioz")
    except otio.exceptions.OTIOError as exc:
        raise OutputError(f"writing {path} failed: {exc}") from exc
