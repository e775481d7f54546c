"""FCP 7 XML (xmeml) for Premiere Pro, Resolve and Final Cut Pro 7, through otio-fcp-adapter.

The XML counts in frames of the sequence, so the stem tracks are placed in frames (the sample
offset stays in the clip metadata, which the adapter writes into the clip's XML). The adapter
does not write track names: the lane shows in each clip's name.

The editor's mix of a stem rides on its `<clipitem>`, through the adapter's own round-trip
mechanism (`clip.metadata["fcp_xml"]` becomes child elements of the clip item): a muted stem is
`<enabled>FALSE</enabled>`, and a gain is the standard "Audio Levels" filter (`effectid`
audiolevels, parameter `level`, linear: 1 = 0 dB, at most 3.98109 = +12 dB). When the clip is a
dry mono source (the export's automation mode), its distance level is keyframed in that filter
and its pan in the "Audio Pan" filter (`effectid` audiopan, parameter `pan`, -1 left .. +1
right); keyframe `when` counts frames from the start of the clip's media.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import opentimelineio as otio

from foley_assistant.core.edit_state import StemMix
from foley_assistant.core.errors import OutputError
from foley_assistant.io.atomic import atomic_path

#: The largest level the FCP 7 "Audio Levels" filter takes (+12 dB).
MAX_LEVEL = 3.98109

#: A keyframe: (frame from the start of the clip's media, value).
Keyframe = tuple[int, float]


def _filter(name: str, effect_id: str, parameter: dict[str, object], keyframes: Sequence[Keyframe]) -> dict[str, object]:
    if keyframes:
        parameter["keyframe"] = [{"when": str(frame), "value": f"{value:.6g}"} for frame, value in _one_per_frame(keyframes)]
    effect = {"name": name, "effectid": effect_id, "effectcategory": effect_id, "effecttype": effect_id, "mediatype": "audio", "parameter": parameter}
    return {"effect": effect}


def _one_per_frame(keyframes: Sequence[Keyframe]) -> list[Keyframe]:
    """The keyframes in time order, the last of each frame kept."""
    return sorted({frame: value for frame, value in sorted(keyframes, key=lambda k: k[0])}.items())


def _level(gain: float) -> float:
    return min(max(float(gain), 0.0), MAX_LEVEL)


def audio_levels_filter(gain: float, keyframes: Sequence[Keyframe] = ()) -> dict[str, object]:
    """The FCP 7 "Audio Levels" filter (as the adapter's metadata): linear `gain`, or keyframed
    levels (linear) scaled by it."""
    parameter: dict[str, object] = {"parameterid": "level", "name": "Level", "valuemin": "0", "valuemax": str(MAX_LEVEL), "value": f"{_level(gain):.6g}"}
    return _filter("Audio Levels", "audiolevels", parameter, [(frame, _level(value * gain)) for frame, value in keyframes])


def audio_pan_filter(keyframes: Sequence[Keyframe]) -> dict[str, object]:
    """The FCP 7 "Audio Pan" filter, keyframed: -1 = left .. +1 = right."""
    first = keyframes[0][1] if keyframes else 0.0
    parameter: dict[str, object] = {"parameterid": "pan", "name": "Pan", "valuemin": "-1", "valuemax": "1", "value": f"{first:.6g}"}
    return _filter("Audio Pan", "audiopan", parameter, [(frame, min(max(value, -1.0), 1.0)) for frame, value in keyframes])


def clip_mix_metadata(mix: StemMix | None, levels: Sequence[Keyframe] = (), pans: Sequence[Keyframe] = ()) -> dict[str, object]:
    """The `fcp_xml` clip metadata for a stem: `enabled` when the editor set a mix, a levels
    filter for the gain (times the distance `levels` when given) and a pan filter for `pans`."""
    item: dict[str, object] = {}
    gain_db = 0.0 if mix is None else mix.gain_db
    if mix is not None and not mix.is_default:
        item["enabled"] = "FALSE" if mix.mute else "TRUE"
    filters = []
    if gain_db != 0.0 or levels:
        filters.append(audio_levels_filter(10 ** (gain_db / 20), levels))
    if pans:
        filters.append(audio_pan_filter(pans))
    if filters:
        item["filter"] = filters
    return {"fcp_xml": item} if item else {}


def write_fcp7(timeline: otio.schema.Timeline, path: str | os.PathLike[str]) -> None:
    """Write a timeline as FCP 7 XML, atomically."""
    path = Path(path)
    try:
        with atomic_path(path) as temporary:
            otio.adapters.write_to_file(timeline, str(temporary), adapter_name="fcp_xml")
    except (otio.exceptions.OTIOError, ValueError, KeyError, AttributeError) as exc:
        raise OutputError(f"the FCP 7 XML writer could not write {path.name}: {exc}. Use --format otio or aaf instead.") from exc
