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
  pan control points, to adjust in the DAW. AAF (through this writer) has no volume automation,
  so the distance level is left out in this mode.
"""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Mapping, Sequence

import aaf2
import opentimelineio as otio

from foley_assistant.core.curves import SpatialCurves
from foley_assistant.core.errors import OutputError
from foley_assistant.core.stem import Stem
from foley_assistant.core.timebase import FrameRate
from foley_assistant.io.atomic import atomic_path
from foley_assistant.io.writeback import stem_track

AAF_MODES = ("split", "automation")
_MOB_NAMESPACE = uuid.UUID("6f6c6579-2d61-6166-2d6d-6f6269640001")
_CONTROL_POINT_SOURCE = 2  # as the adapter writes its default points


@dataclass(frozen=True)
class PanPoint:
    """A pan position at a time: seconds from the start of the stem, pan -1 (left) .. +1 (right)."""

    time_s: float
    pan: float


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


def _aaf_metadata(path: Path, points: list[dict[str, object]]) -> dict[str, object]:
    return {"AAF": {"MobID": mob_id_for(str(path.resolve())), "Pan": {"ControlPoints": points}}}


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
) -> otio.schema.Timeline:
    """A copy of `timeline` with the stem tracks the AAF writer takes (see the module docstring).

    `split_files` maps a stem path to its (left, right) mono files; `dry_files` and `pans` (per
    stem path) are used in `automation` mode.
    """
    if mode not in AAF_MODES:
        raise OutputError(f"unknown AAF mode {mode!r}; choose one of {', '.join(AAF_MODES)}")
    result = timeline.deepcopy()
    for lane, stems in lanes:
        if mode == "split":
            files = split_files or {}
            for side, index, value in (("L", 0, "0/1"), ("R", 1, "1/1")):
                fixed = [{"ControlPointSource": _CONTROL_POINT_SOURCE, "Time": "0/1", "Value": value}]

                def media(stem: Stem, index: int = index) -> Path:
                    return files[stem.path][index]

                def decorate(stem: Stem, _frames: int, media=media, fixed=fixed) -> dict[str, object]:
                    return _aaf_metadata(media(stem), fixed)

                result.tracks.append(stem_track(f"{lane} {side}", stems, stems_root, curves, rate, media, decorate))
        else:
            dry = dry_files or {}
            pan_points = pans or {}

            def media_dry(stem: Stem) -> Path:
                return dry[stem.path]

            def decorate_dry(stem: Stem, _frames: int) -> dict[str, object]:
                length_s = stem.length_samples / stem.sample_rate
                return _aaf_metadata(media_dry(stem), control_points(pan_points.get(stem.path, ()), length_s))

            result.tracks.append(stem_track(lane, stems, stems_root, curves, rate, media_dry, decorate_dry))
    _clips_at_rate(result, rate)
    return result


def _clips_at_rate(timeline: otio.schema.Timeline, rate: FrameRate) -> None:
    """Refuse (clearly) a timeline whose clips the writer would refuse: another edit rate."""
    edit_rate = timeline.duration().rate
    if abs(edit_rate - float(rate)) > 1e-6:
        raise OutputError(f"the timeline runs at {edit_rate:g} fps but the stems were placed at {rate}; AAF needs one edit rate")


def write_aaf(timeline: otio.schema.Timeline, path: str | os.PathLike[str]) -> None:
    """Write an AAF atomically through otio-aaf-adapter (clips link to their media, not embedded)."""
    path = Path(path)
    try:
        with atomic_path(path) as temporary:
            otio.adapters.write_to_file(timeline, str(temporary), adapter_name="AAF", use_empty_mob_ids=True)
    except (otio.exceptions.OTIOError, ValueError, KeyError, AttributeError) as exc:
        raise OutputError(f"the AAF writer could not write {path.name}: {exc}. Every clip must be at the timeline's frame rate; export the cut again from the NLE, or use --format otio.") from exc
