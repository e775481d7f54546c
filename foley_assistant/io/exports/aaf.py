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

The editor's mix of a stem (`foley_assistant.mix` in the clip metadata, see `io.writeback`) and
the distance level (`clip.metadata["AAF"]["Gain"]["ControlPoints"]`, in the form of the pan
points, value = linear gain) are added after the adapter has written the file, with pyaaf2, in
the form Avid writes and the adapter's reader reads: the clip is wrapped in an "Audio Gain"
operation group (OperationDef_MonoAudioGain) whose Amplitude (linear, rational) is constant (the
editor's gain) or varies with linear interpolation (the distance level times the editor's gain);
a muted clip becomes a Selector whose selected segment is a Filler and whose one alternate is
the clip (the adapter reads it back as a disabled clip). Media locators are what the clips' target URLs say
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
) -> otio.schema.Timeline:
    """A copy of `timeline` with the stem tracks the AAF writer takes (see the module docstring).

    `split_files` maps a stem path to its (left, right) mono files; `dry_files`, `pans` and
    `levels` (the distance level; per stem path) are used in `automation` mode; `mixes` (per stem path) are the editor's gain and
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
            gain_points = levels or {}

            def media_dry(stem: Stem) -> Path:
                return dry[stem.path]

            def decorate_dry(stem: Stem, _frames: int) -> dict[str, object]:
                length_s = stem.length_samples / stem.sample_rate
                pan = control_points(pan_points.get(stem.path, ()), length_s)
                return _aaf_metadata(media_dry(stem), pan, level_points(gain_points.get(stem.path, ()), length_s))

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
            apply_clip_levels(temporary, clip_levels(timeline))
    except (otio.exceptions.OTIOError, ValueError, KeyError, AttributeError) as exc:
        raise OutputError(f"the AAF writer could not write {path.name}: {exc}. Every clip must be at the timeline's frame rate; export the cut again from the NLE, or use --format otio.") from exc


@dataclass(frozen=True)
class ClipLevel:
    """What our pass gives a clip: the editor's mix (gain, mute) and the distance level points
    (AAF control point dicts, value = linear gain)."""

    mix: StemMix | None
    points: tuple[dict[str, object], ...] = ()

    @property
    def gain(self) -> float:
        return 1.0 if self.mix is None else 10 ** (self.mix.gain_db / 20)

    @property
    def mute(self) -> bool:
        return self.mix is not None and self.mix.mute

    @property
    def changes_anything(self) -> bool:
        return self.mute or self.gain != 1.0 or bool(self.points)


def clip_levels(timeline: otio.schema.Timeline) -> dict[str, ClipLevel]:
    """The editor's mix and the level points of each clip that has either, by its AAF MobID."""
    levels = {}
    for clip in timeline.find_clips():
        aaf = clip.metadata.get("AAF", {})
        mob_id = aaf.get("MobID")
        mix = clip.metadata.get(METADATA_KEY, {}).get("mix")
        points = tuple(dict(p) for p in aaf.get("Gain", {}).get("ControlPoints", []))
        level = ClipLevel(StemMix.from_dict(dict(mix)) if mix else None, points)
        if mob_id and level.changes_anything:
            levels[str(mob_id)] = level
    return levels


def apply_clip_levels(path: Path, levels: Mapping[str, ClipLevel]) -> int:
    """Give the source clips of the composition's sound tracks their level and mute (by MobID):
    an "Audio Gain" operation group with a constant or varying Amplitude, and a mute as a
    Selector of a Filler with the clip as its alternate. Returns how many clips were changed."""
    if not levels:
        return 0
    changed = 0
    with aaf2.open(str(path), "rw") as aaf:
        definitions = _gain_definitions(aaf)
        for mob in aaf.content.compositionmobs():
            for slot in mob.slots:
                for sequence in _sound_sequences(slot.segment):
                    components = list(sequence.components)
                    if not any(_level_of(c, levels) for c in components):
                        continue
                    sequence.components.value = []  # detach, to re-attach each inside its wrapper
                    for component in components:
                        level = _level_of(component, levels)
                        if level is not None:
                            component = _with_level(aaf, component, level, definitions)
                            changed += 1
                        sequence.components.append(component)
    return changed


def _level_of(component: object, levels: Mapping[str, ClipLevel]) -> ClipLevel | None:
    if not isinstance(component, aaf2.components.SourceClip):
        return None
    return levels.get(str(component.mob_id))


def _sound_sequences(segment: object) -> list[object]:
    if isinstance(segment, aaf2.components.Sequence):
        return [segment] if str(segment.media_kind).lower() == "sound" else []
    if isinstance(segment, aaf2.components.OperationGroup):
        return [s for inner in segment.segments for s in _sound_sequences(inner)]
    return []


def _gain_definitions(aaf: aaf2.file.AAFFile) -> tuple[object, object, object]:
    operation = aaf.create.OperationDef(_AUDIO_GAIN, "Audio Gain")
    operation.media_kind = "sound"
    operation["NumberInputs"].value = 1
    aaf.dictionary.register_def(operation)
    amplitude = aaf.create.ParameterDef(_AMPLITUDE, "Amplitude", "", aaf.dictionary.lookup_typedef("Rational"))
    aaf.dictionary.register_def(amplitude)
    linear = aaf.dictionary.lookup_interperlationdef(aaf2.misc.LinearInterp)  # the adapter's, for its pan
    if linear is None:
        linear = aaf.create.InterpolationDef(aaf2.misc.LinearInterp, "LinearInterp", "LinearInterp")
        aaf.dictionary.register_def(linear)
    return operation, amplitude, linear


def _rational(value: float) -> aaf2.rational.AAFRational:
    fraction = Fraction(value).limit_denominator(1 << 16)
    return aaf2.rational.AAFRational(f"{fraction.numerator}/{fraction.denominator}")


def _with_level(aaf: aaf2.file.AAFFile, clip: object, level: ClipLevel, definitions: tuple[object, object, object]) -> object:
    gain_def, amplitude_def, linear = definitions
    component = clip
    if level.points:
        amplitude = aaf.create.VaryingValue()
        amplitude.parameterdef = amplitude_def
        amplitude["Interpolation"].value = linear
        for point in level.points:
            control = aaf.create.ControlPoint()
            control["Time"].value = aaf2.rational.AAFRational(str(point["Time"]))
            control["Value"].value = _rational(float(Fraction(str(point["Value"]))) * level.gain)
            control["ControlPointSource"].value = int(point["ControlPointSource"])
            amplitude["PointList"].append(control)
    elif level.gain != 1.0:
        amplitude = aaf.create.ConstantValue(amplitude_def, _rational(level.gain))
    else:
        amplitude = None
    if amplitude is not None:
        group = aaf.create.OperationGroup(gain_def, length=clip.length, media_kind="sound")
        group.parameters.append(amplitude)
        group.segments.append(clip)
        component = group
    if level.mute:
        selector = aaf.create.Selector(media_kind="sound")
        selector.length = clip.length
        selector["Selected"].value = aaf.create.Filler("sound", clip.length)
        selector["Alternates"].append(component)
        component = selector
    return component
