"""FCP 7 XML (xmeml) for Premiere Pro, Resolve and Final Cut Pro 7, through otio-fcp-adapter.

The XML counts in frames of the sequence, so the stem tracks are placed in frames (the sample
offset stays in the clip metadata, which the adapter writes into the clip's XML). The adapter
does not write track names: the lane shows in each clip's name.

The editor's mix of a stem rides on its `<clipitem>`, through the adapter's own round-trip
mechanism (`clip.metadata["fcp_xml"]` becomes child elements of the clip item): a muted stem is
`<enabled>FALSE</enabled>`, and a gain is the standard "Audio Levels" filter (`effectid`
audiolevels, parameter `level`, linear: 1 = 0 dB, at most 3.98109 = +12 dB).
"""

from __future__ import annotations

import os
from pathlib import Path

import opentimelineio as otio

from foley_assistant.core.edit_state import StemMix
from foley_assistant.core.errors import OutputError
from foley_assistant.io.atomic import atomic_path

#: The largest level the FCP 7 "Audio Levels" filter takes (+12 dB).
MAX_LEVEL = 3.98109


def audio_levels_filter(gain: float) -> dict[str, object]:
    """The FCP 7 "Audio Levels" filter at a constant linear `gain` (as the adapter's metadata)."""
    level = min(max(float(gain), 0.0), MAX_LEVEL)
    parameter = {"parameterid": "level", "name": "Level", "valuemin": "0", "valuemax": str(MAX_LEVEL), "value": f"{level:.6g}"}
    effect = {"name": "Audio Levels", "effectid": "audiolevels", "effectcategory": "audiolevels", "effecttype": "audiolevels", "mediatype": "audio", "parameter": parameter}
    return {"effect": effect}


def clip_mix_metadata(mix: StemMix | None) -> dict[str, object]:
    """The `fcp_xml` clip metadata for a stem's mix: enabled, and a levels filter when not 0 dB."""
    if mix is None or mix.is_default:
        return {}
    item: dict[str, object] = {"enabled": "FALSE" if mix.mute else "TRUE"}
    if mix.gain_db != 0.0:
        item["filter"] = [audio_levels_filter(10 ** (mix.gain_db / 20))]
    return {"fcp_xml": item}


def write_fcp7(timeline: otio.schema.Timeline, path: str | os.PathLike[str]) -> None:
    """Write a timeline as FCP 7 XML, atomically."""
    path = Path(path)
    try:
        with atomic_path(path) as temporary:
            otio.adapters.write_to_file(timeline, str(temporary), adapter_name="fcp_xml")
    except (otio.exceptions.OTIOError, ValueError, KeyError, AttributeError) as exc:
        raise OutputError(f"the FCP 7 XML writer could not write {path.name}: {exc}. Use --format otio or aaf instead.") from exc
