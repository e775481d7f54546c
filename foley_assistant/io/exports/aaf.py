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

The editor's mix of a stem (`foley_assistant.mix` in the clip metadata, see `io.writeback`) is
added after the adapter has written the file, with pyaaf2, in the form Avid writes and the
adapter's reader reads: a gain other than 0 dB wraps the clip in an "Audio Gain" operation
group (OperationDef_MonoAudioGain) with a constant Amplitude (linear, a rational); a muted clip
becomes a Selector whose selected segment is a Filler and whose one alternate is the clip (the
adapter reads it back as a disabled clip). Media locators are what the clips' target URLs say
(relative to the AAF's folder when the export made them so).
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
from foley_assistant.core.edit_state import StemMix
from foley_assistant.core.errors import OutputError
from foley_assistant.core.stem import Stem
from foley_assistant.core.timebase import FrameRate
from foley_assistant.io.atomic import atomic_path
from foley_assistant.io.writeback import METADATA_KEY, stem_track

AAF_MODES = ("split", "automation")
_AUDIO_GAIN = "9d2ea894-0968-11d3-8a38-0050040ef7d2"  # OperationDef_MonoAudioGain
_AMPLITUDE = "e4962321-2267-11d3-8a4c-0050040ef7d2"  # ParameterDef_Amplitude
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
    mixes: Mapping[str, StemMix] | None = None,
    relative_to: Path | None = None,
) -> otio.schema.Timeline:
    """A copy of `timeline` with the stem tracks the AAF writer takes (see the module docstring).

    `split_files` maps a stem path to its (left, right) mono files; `dry_files` and `pans` (per
    stem path) are used in `automation` mode; `mixes` (per stem path) are the editor's gain and
    mute; with `relative_to`, media URLs are relative to that folder.
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

                result.tracks.append(stem_track(f"{lane} {side}", stems, stems_root, curves, rate, media, decorate, mixes, relative_to))
        else:
            dry = dry_files or {}
            pan_points = pans or {}

            def media_dry(stem: Stem) -> Path:
                return dry[stem.path]

            def decorate_dry(stem: Stem, _frames: int) -> dict[str, object]:
                length_s = stem.length_samples / stem.sample_rate
                return _aaf_metadata(media_dry(stem), control_points(pan_points.get(stem.path, ()), length_s))

            result.tracks.append(stem_track(lane, stems, stems_root, curves, rate, media_dry, decorate_dry, mixes, relative_to))
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
            apply_clip_mixes(temporary, clip_mixes(timeline))
    except (otio.exceptions.OTIOError, ValueError, KeyError, AttributeError) as exc:
        raise OutputError(f"the AAF writer could not write {path.name}: {exc}. Every clip must be at the timeline's frame rate; export the cut again from the NLE, or use --format otio.") from exc


def clip_mixes(timeline: otio.schema.Timeline) -> dict[str, StemMix]:
    """The editor's mix of each clip that has one, by the clip's AAF MobID."""
    mixes = {}
    for clip in timeline.find_clips():
        mob_id = clip.metadata.get("AAF", {}).get("MobID")
        mix = clip.metadata.get(METADATA_KEY, {}).get("mix")
        if mob_id and mix:
            mixes[str(mob_id)] = StemMix.from_dict(dict(mix))
    return mixes


def apply_clip_mixes(path: Path, mixes: Mapping[str, StemMix]) -> int:
    """Give the source clips of the composition's sound tracks their mix (by MobID): a gain as an
    "Audio Gain" operation group with a constant Amplitude, a mute as a Selector of a Filler with
    the clip as its alternate. Returns how many clips were changed."""
    if not mixes:
        return 0
    changed = 0
    with aaf2.open(str(path), "rw") as aaf:
        gain_def, amplitude_def = _gain_definitions(aaf)
        for mob in aaf.content.compositionmobs():
            for slot in mob.slots:
                for sequence in _sound_sequences(slot.segment):
                    components = list(sequence.components)
                    if not any(_mix_of(c, mixes) for c in components):
                        continue
                    sequence.components.value = []  # detach, to re-attach each inside its wrapper
                    for component in components:
                        mix = _mix_of(component, mixes)
                        if mix is not None:
                            component = _with_mix(aaf, component, mix, gain_def, amplitude_def)
                            changed += 1
                        sequence.components.append(component)
    return changed


def _mix_of(component: object, mixes: Mapping[str, StemMix]) -> StemMix | None:
    if not isinstance(component, aaf2.components.SourceClip):
        return None
    mix = mixes.get(str(component.mob_id))
    return None if mix is None or (not mix.mute and mix.gain_db == 0.0) else mix


def _sound_sequences(segment: object) -> list[object]:
    if isinstance(segment, aaf2.components.Sequence):
        return [segment] if str(segment.media_kind).lower() == "sound" else []
    if isinstance(segment, aaf2.components.OperationGroup):
        return [s for inner in segment.segments for s in _sound_sequences(inner)]
    return []


def _gain_definitions(aaf: aaf2.file.AAFFile) -> tuple[object, object]:
    operation = aaf.create.OperationDef(_AUDIO_GAIN, "Audio Gain")
    operation.media_kind = "sound"
    operation["NumberInputs"].value = 1
    aaf.dictionary.register_def(operation)
    amplitude = aaf.create.ParameterDef(_AMPLITUDE, "Amplitude", "", aaf.dictionary.lookup_typedef("Rational"))
    aaf.dictionary.register_def(amplitude)
    return operation, amplitude


def _with_mix(aaf: aaf2.file.AAFFile, clip: object, mix: StemMix, gain_def: object, amplitude_def: object) -> object:
    component = clip
    if mix.gain_db != 0.0:
        gain = Fraction(10 ** (mix.gain_db / 20)).limit_denominator(1 << 16)
        group = aaf.create.OperationGroup(gain_def, length=clip.length, media_kind="sound")
        group.parameters.append(aaf.create.ConstantValue(amplitude_def, aaf2.rational.AAFRational(f"{gain.numerator}/{gain.denominator}")))
        group.segments.append(clip)
        component = group
    if mix.mute:
        selector = aaf.create.Selector(media_kind="sound")
        selector.length = clip.length
        selector["Selected"].value = aaf.create.Filler("sound", clip.length)
        selector["Alternates"].append(component)
        component = selector
    return component
