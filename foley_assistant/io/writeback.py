"""Writing stems back into a copy of the timeline: one new audio track per object lane.

The input timeline is never modified: a deep copy gets the new tracks appended after its own.
Clips sit at the stem's record position exactly, in samples (the new tracks count at the audio
sample rate, so no frame rounding happens); the sample offset and the object's curves are also kept
in each clip's metadata under the `foley_assistant` key.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

import opentimelineio as otio

from foley_assistant.core.curves import SpatialCurves
from foley_assistant.core.errors import OutputError
from foley_assistant.core.stem import Stem
from foley_assistant.io.atomic import atomic_path

METADATA_KEY = "foley_assistant"


def _rational(samples: int, sample_rate: int) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(samples, sample_rate)


def with_stem_tracks(
    timeline: otio.schema.Timeline,
    lanes: list[tuple[str, list[Stem]]],
    stems_root: Path,
    curves: Mapping[tuple[str, str], SpatialCurves] | None = None,
) -> otio.schema.Timeline:
    """A copy of `timeline` with an audio track per lane holding its stems at their record samples.

    `stems_root` is the folder stem paths are relative to; media references are absolute file URLs
    (the relative path stays in the clip metadata for relinking after a move).
    """
    result = timeline.deepcopy()
    for lane_name, stems in lanes:
        track = otio.schema.Track(name=lane_name, kind=otio.schema.TrackKind.Audio)
        track.metadata[METADATA_KEY] = {"lane": lane_name}
        cursor = 0
        for stem in stems:
            if stem.record_start_sample < cursor:
                raise ValueError(f"stems on lane {lane_name!r} overlap at sample {stem.record_start_sample}")
            if stem.record_start_sample > cursor:
                track.append(otio.schema.Gap(duration=_rational(stem.record_start_sample - cursor, stem.sample_rate)))
            track.append(_stem_clip(stem, stems_root, (curves or {}).get((stem.shot_id, stem.object_id))))
            cursor = stem.record_end_sample
        result.tracks.append(track)
    return result


def _stem_clip(stem: Stem, stems_root: Path, curves: SpatialCurves | None) -> otio.schema.Clip:
    length = _rational(stem.length_samples, stem.sample_rate)
    full = otio.opentime.TimeRange(_rational(0, stem.sample_rate), length)
    reference = otio.schema.ExternalReference(
        target_url=(stems_root / stem.path).resolve().as_uri(),
        available_range=full,
    )
    clip = otio.schema.Clip(name=Path(stem.path).stem, media_reference=reference, source_range=full)
    info = {
        "shot": stem.shot_id,
        "object": stem.object_id,
        "label": stem.label,
        "engine": stem.engine,
        "relative_path": stem.path,
        "sample_rate": stem.sample_rate,
        "record_start_sample": stem.record_start_sample,
    }
    if curves is not None:
        info["curves"] = curves.to_dict()
    clip.metadata[METADATA_KEY] = info
    return clip


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
