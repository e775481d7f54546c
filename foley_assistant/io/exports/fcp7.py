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

The fade at each edit (the project's `fade_ms`, as REAPER's item fades) is an audio transition
in the track, the standard "Cross Fade (+3dB)" (`KGAudioTransCrossFade3dB`) that FCP 7,
Premiere Pro and Resolve import as a fade (`add_edit_fades`): from silence at a clip's start
(`alignment` start-black) and to silence at its end (end-black); where two clips of a lane
abut, one centred cross-fade over the media past the cut on each side (their handles). FCP 7
counts transitions in whole frames: a fade shorter than a frame is one frame (40 ms at 25 fps),
and a fade is at most half its clip. Two abutting clips with no media past the cut cannot be
cross-faded: that edit stays a cut (counted, for the export's notes).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Sequence

import opentimelineio as otio
from lxml import etree

from foley_assistant.core.edit_state import StemMix
from foley_assistant.core.errors import OutputError
from foley_assistant.io.atomic import atomic_path
from foley_assistant.io.writeback import media_past_cut

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


#: The FCP 7 audio transition: an equal-power (+3 dB) cross-fade, or a fade from or to silence.
CROSS_FADE = {
    "name": "Cross Fade (+3dB)",
    "effectid": "KGAudioTransCrossFade3dB",
    "effecttype": "transition",
    "mediatype": "audio",
    "wipecode": "0",
    "wipeaccuracy": "100",
    "startratio": "0",
    "endratio": "1",
    "reverse": "FALSE",
}


def _fade(in_frames: int, out_frames: int, rate: float, name: str) -> otio.schema.Transition:
    transition = otio.schema.Transition(
        name=name,
        transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
        in_offset=otio.opentime.RationalTime(in_frames, rate),
        out_offset=otio.opentime.RationalTime(out_frames, rate),
    )
    transition.metadata["fcp_xml"] = {"effect": dict(CROSS_FADE)}
    return transition


def add_edit_fades(track: otio.schema.Track, frames: int) -> int:
    """Put a fade of `frames` at each edit of a stem track counting in frames (see the module
    docstring); returns the number of edits between abutting clips left as cuts (no media past
    the cut on one side)."""
    if frames <= 0:
        return 0
    items = list(track)
    children: list[otio.core.Composable] = []
    unfaded = 0
    for index, item in enumerate(items):
        previous = items[index - 1] if index > 0 else None
        following = items[index + 1] if index + 1 < len(items) else None
        if not isinstance(item, otio.schema.Clip):
            children.append(item)
            continue
        rate = item.source_range.duration.rate
        half = int(item.source_range.duration.value) // 2
        if isinstance(previous, otio.schema.Clip):
            before_cut = min(frames, media_past_cut(item)[0], int(previous.source_range.duration.value) // 2)
            after_cut = min(frames, media_past_cut(previous)[1], half)
            if before_cut > 0 and after_cut > 0:
                children.append(_fade(before_cut, after_cut, rate, "Cross Fade"))
            else:
                unfaded += 1
        elif min(frames, half) > 0:
            children.append(_fade(0, min(frames, half), rate, "Fade In"))
        children.append(item)
        if not isinstance(following, otio.schema.Clip) and min(frames, half) > 0:
            children.append(_fade(min(frames, half), 0, rate, "Fade Out"))
    track.clear()
    track.extend(children)
    return unfaded


def write_fcp7(timeline: otio.schema.Timeline, path: str | os.PathLike[str]) -> None:
    """Write a timeline as FCP 7 XML, atomically."""
    path = Path(path)
    try:
        with atomic_path(path) as temporary:
            otio.adapters.write_to_file(timeline, str(temporary), adapter_name="fcp_xml")
            tidy_transitions(temporary)
    except (otio.exceptions.OTIOError, ValueError, KeyError, AttributeError, etree.XMLSyntaxError) as exc:
        raise OutputError(f"the FCP 7 XML writer could not write {path.name}: {exc}. Use --format otio or aaf instead.") from exc


#: The order of a transition item's elements, and of its effect's, as FCP 7 and Premiere write them.
TRANSITION_ORDER = ("start", "end", "alignment", "rate", "effect")
EFFECT_ORDER = ("name", "effectid", "effecttype", "mediatype", "wipecode", "wipeaccuracy", "startratio", "endratio", "reverse")


def _reorder(element: etree._Element, order: Sequence[str]) -> None:
    children = sorted(element, key=lambda child: order.index(child.tag) if child.tag in order else len(order))
    element[:] = children


def tidy_transitions(path: str | os.PathLike[str]) -> None:
    """Rewrite the FCP 7 XML at `path` so that its transition items read as FCP 7 writes them:
    elements in its order, and the clip beside a fade from or to silence with its own start or
    end (the adapter writes -1, "given by the transition", which every reader does not follow;
    the edge of such a fade is the clip's)."""
    tree = etree.parse(str(path))
    for transition in tree.iter("transitionitem"):
        _reorder(transition, TRANSITION_ORDER)
        effect = transition.find("effect")
        if effect is not None:
            _reorder(effect, EFFECT_ORDER)
        alignment = transition.findtext("alignment")
        clip = transition.getnext() if alignment == "start-black" else transition.getprevious() if alignment == "end-black" else None
        edge = "start" if alignment == "start-black" else "end"
        if clip is not None and clip.tag == "clipitem" and clip.findtext(edge) == "-1":
            clip.find(edge).text = transition.findtext(edge)
    etree.indent(tree, space="    ")
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")
