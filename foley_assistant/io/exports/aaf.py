"""AAF for Avid Media Composer and Pro Tools, through otio-aaf-adapter.

The adapter's writer wants every clip at the timeline's edit rate (so the stem tracks count in
frames, with the sample offset kept in metadata; see `io.writeback`), a MobID for every clip (a
stable one is made from the stem's path), and writes each audio track as a mono track inside a
MonoAudioPan operation whose pan comes from `clip.metadata["AAF"]["Pan"]["ControlPoints"]`: a
list of {"Time": "n/d" (0..1 of the clip's length), "Value": "n/d" (0 = left, 1/2 = centre,
1 = right), "ControlPointSource": 2}. It does not embed WAV files: the AAF links to them.

Two ways to carry a stereo stem:

- `split` (default): the rendered stereo stem as two mono tracks per lane, "<lane> L" and
  "<lane> R", linking to mono files split from it and panned hard left and right; the sound is
  exactly the rendered stem, and the pan and distance curves ride along in the metadata.
- `automation`: one mono track per lane with the dry source, and the object's pan curve as AAF
  pan control points, to adjust in the DAW. The adapter writes no volume automation: the
  distance level is added afterwards (below), as control points of the clip's gain.

After the adapter has written the file, `io.exports.aaf_clips` adds with pyaaf2 what it cannot
write, in the forms Avid writes and the adapter's reader reads: the editor's mix of each stem
(`foley_assistant.mix` in the clip metadata, see `io.writeback`) and the distance level
(`clip.metadata["AAF"]["Gain"]["ControlPoints"]`, in the form of the pan points, value = linear
gain) as an "Audio Gain" operation group, a mute as a disabled clip, the other takes of a stem
(`alternates`: clips whose `metadata["AAF"]["AlternateOf"]` is the chosen take's MobID) as a
Selector's alternates, and the fade at each edit as a Mono Audio Dissolve transition. Media
locators are what the clips' target URLs say (relative to the AAF's folder when the export made
them so).
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Mapping, Sequence

import aaf2
import opentimelineio as otio

from foley_assistant.core.curves import SpatialCurves
from foley_assistant.core.edit_state import StemMix
from foley_assistant.core.errors import OutputError
from foley_assistant.core.stem import Stem
from foley_assistant.core.timebase import FrameRate
from foley_assistant.io.atomic import atomic_path
from foley_assistant.io.exports.aaf_clips import clip_edits, rewrite_stem_clips
from foley_assistant.io.writeback import stem_track

AAF_MODES = ("split", "automation")
#: The file a stem's clip links to (its L or R split, or its dry source).
MediaOf = Callable[[Stem], Path]
_MOB_NAMESPACE = uuid.UUID("6f6c6579-2d61-6166-2d6d-6f6269640001")
_CONTROL_POINT_SOURCE = 2  # as the adapter writes its default points


@dataclass(frozen=True)
class PanPoint:
    """A pan position at a time: seconds from the start of the stem, pan -1 (left) .. +1 (right)."""

    time_s: float
    pan: float


@dataclass(frozen=True)
class LevelPoint:
    """A level at a time: seconds from the start of the stem, linear gain (1 = 0 dB)."""

    time_s: float
    gain: float


def mob_id_for(path: str) -> str:
    """A stable AAF MobID (SMPTE UMID URN) for a media file path."""
    mob = aaf2.mobid.MobID.new()
    mob.material = uuid.uuid5(_MOB_NAMESPACE, path)
    return str(mob)


def control_points(points: Sequence[PanPoint], length_s: float) -> list[dict[str, object]]:
    """AAF pan control points: time as a fraction of the clip, value 0 = left .. 1 = right."""
    if not points or length_s <= 0:
        return [{"ControlPointSource": _CONTROL_POINT_SOURCE, "Time": "0/1", "Value": "1/2"}]
    result = []
    for point in sorted(points, key=lambda p: p.time_s):
        time = Fraction(min(max(point.time_s / length_s, 0.0), 1.0)).limit_denominator(100000)
        value = Fraction((min(max(point.pan, -1.0), 1.0) + 1.0) / 2.0).limit_denominator(10000)
        result.append({"ControlPointSource": _CONTROL_POINT_SOURCE, "Time": f"{time.numerator}/{time.denominator}", "Value": f"{value.numerator}/{value.denominator}"})
    return result


def level_points(points: Sequence[LevelPoint], length_s: float) -> list[dict[str, object]]:
    """Gain control points (for our pass, in the form of the pan points): time as a fraction of
    the clip, value the linear gain as a fraction."""
    result = []
    for point in sorted(points, key=lambda p: p.time_s):
        time = Fraction(min(max(point.time_s / length_s, 0.0), 1.0)).limit_denominator(100000)
        value = Fraction(max(point.gain, 0.0)).limit_denominator(1 << 16)
        result.append({"ControlPointSource": _CONTROL_POINT_SOURCE, "Time": f"{time.numerator}/{time.denominator}", "Value": f"{value.numerator}/{value.denominator}"})
    return result if length_s > 0 else []


def _aaf_metadata(path: Path, points: list[dict[str, object]], levels: list[dict[str, object]] | None = None) -> dict[str, object]:
    aaf: dict[str, object] = {"MobID": mob_id_for(str(path.resolve())), "Pan": {"ControlPoints": points}}
    if levels:
        aaf["Gain"] = {"ControlPoints": levels}
    return {"AAF": aaf}


def build_aaf_timeline(
    timeline: otio.schema.Timeline,
    lanes: list[tuple[str, list[Stem]]],
    stems_root: Path,
    rate: FrameRate,
    curves: Mapping[tuple[str, str], SpatialCurves],
    *,
    mode: str,
    split_files: Mapping[str, tuple[Path, Path]] | None = None,
    dry_files: Mapping[str, Path] | None = None,
    pans: Mapping[str, Sequence[PanPoint]] | None = None,
    levels: Mapping[str, Sequence[LevelPoint]] | None = None,
    mixes: Mapping[str, StemMix] | None = None,
    relative_to: Path | None = None,
    alternates: list[tuple[str, list[Stem]]] | None = None,
) -> otio.schema.Timeline:
    """A copy of `timeline` with the stem tracks the AAF writer takes (see the module docstring).

    `split_files` maps a stem path to its (left, right) mono files; `dry_files`, `pans` and
    `levels` (the distance level; per stem path) are used in `automation` mode; `mixes` (per stem
    path) are the editor's gain and mute; with `relative_to`, media URLs are relative to that
    folder. `alternates` are lanes of other takes of the stems on `lanes` (by shot and object):
    their tracks follow, each clip marked as an alternate of its chosen take's clip on the same
    side, for `write_aaf` to move into it.
    """
    if mode not in AAF_MODES:
        raise OutputError(f"unknown AAF mode {mode!r}; choose one of {', '.join(AAF_MODES)}")
    chosen = {(stem.shot_id, stem.object_id): stem for _, stems in lanes for stem in stems}
    result = timeline.deepcopy()
    for lane, stems in lanes + (alternates or []):
        for side, media, fixed in _sides(mode, split_files, dry_files):

            def decorate(stem: Stem, _frames: int, media=media, fixed=fixed) -> dict[str, object]:
                if fixed is not None:
                    metadata = _aaf_metadata(media(stem), fixed)
                else:
                    length_s = stem.length_samples / stem.sample_rate
                    metadata = _aaf_metadata(media(stem), control_points((pans or {}).get(stem.path, ()), length_s), level_points((levels or {}).get(stem.path, ()), length_s))
                choice = chosen[(stem.shot_id, stem.object_id)]
                if choice.path != stem.path:
                    metadata["AAF"]["AlternateOf"] = mob_id_for(str(media(choice).resolve()))
                return metadata

            name = lane if side is None else f"{lane} {side}"
            result.tracks.append(stem_track(name, stems, stems_root, curves, rate, media, decorate, mixes, relative_to))
    _clips_at_rate(result, rate)
    return result


def _sides(mode: str, split_files: Mapping[str, tuple[Path, Path]] | None, dry_files: Mapping[str, Path] | None) -> list[tuple[str | None, MediaOf, list[dict[str, object]] | None]]:
    """The tracks of a lane: (side, the file of a stem's clip, a fixed pan or None for the stem's own)."""
    if mode == "split":
        files = split_files or {}
        return [
            (side, lambda stem, index=index: files[stem.path][index], [{"ControlPointSource": _CONTROL_POINT_SOURCE, "Time": "0/1", "Value": value}])
            for side, index, value in (("L", 0, "0/1"), ("R", 1, "1/1"))
        ]
    dry = dry_files or {}
    return [(None, lambda stem: dry[stem.path], None)]


def _clips_at_rate(timeline: otio.schema.Timeline, rate: FrameRate) -> None:
    """Refuse (clearly) a timeline whose clips the writer would refuse: another edit rate."""
    edit_rate = timeline.duration().rate
    if abs(edit_rate - float(rate)) > 1e-6:
        raise OutputError(f"the timeline runs at {edit_rate:g} fps but the stems were placed at {rate}; AAF needs one edit rate")


def write_aaf(timeline: otio.schema.Timeline, path: str | os.PathLike[str], fade_frames: int = 0) -> int:
    """Write an AAF atomically through otio-aaf-adapter (clips link to their media, not
    embedded), then give its stem clips their levels, mutes, other takes and fades of
    `fade_frames` at each edit (`io.exports.aaf_clips`). Returns the number of edits between
    two stem clips left as cuts (no media past the cut to cross-fade)."""
    path = Path(path)
    try:
        with atomic_path(path) as temporary:
            otio.adapters.write_to_file(timeline, str(temporary), adapter_name="AAF", use_empty_mob_ids=True)
            return rewrite_stem_clips(temporary, clip_edits(timeline), fade_frames)
    except (otio.exceptions.OTIOError, ValueError, KeyError, AttributeError) as exc:
        raise OutputError(f"the AAF writer could not write {path.name}: {exc}. Every clip must be at the timeline's frame rate; export the cut again from the NLE, or use --format otio.") from exc
