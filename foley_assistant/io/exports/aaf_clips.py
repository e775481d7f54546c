"""What otio-aaf-adapter cannot write, added to the AAF it wrote, with pyaaf2: each stem clip's
level and mute, the other takes of its stem, and the fades at its edits.

The clips are found by their MobID (`ClipEdit`, read from the timeline given to the writer) in
the sound sequences of the composition; the cut's own tracks are not touched. Each form is one
that Avid Media Composer (or Premiere Pro) writes; from the inside out:

- mute: a Selector whose selected segment is a Filler and whose one alternate is the clip,
  tagged `_DISABLE_CLIP_FLAG` 1 as Media Composer tags a disabled clip. It sits around the clip
  alone, inside its level: otio-aaf-adapter's reader flattens an operation group into its track
  and would carry a disabled group's state up to the whole track;
- level: an "Audio Gain" OperationGroup (OperationDef_MonoAudioGain) whose Amplitude (linear,
  rational) is constant (the editor's gain) or varies with linear interpolation (the distance
  level times the editor's gain);
- takes: a Selector whose selected segment is the chosen take and whose alternates are the
  other takes' clips, each at the same place with the same handles and levels. The adapter
  writes the other takes on tracks of their own (so that it makes their mobs); they are lifted
  into the Selectors and those tracks removed. Readers that do not know alternates play the
  selected take (the adapter's reader and LibAAF give back that take alone);
- fades: a Transition in the sequence with a "Mono Audio Dissolve" OperationGroup
  (OperationDef_MonoAudioDissolve; ParameterDef_Level from 0 to 1, PowerInterp, and Media
  Composer's `_ATN_AUDIO_DISSOLVE_CURVETYPE` 1: equal power). A Transition overlaps the
  segments on both sides, so the neighbours grow by it and every clip stays where it was: a
  fade in is a Transition from a Filler (CutPoint 0, the fade inside the clip), a fade out one
  to a Filler (CutPoint = its length); two clips of a lane that meet get one centred
  cross-fade over the media past the cut (each side at most the fade, its handle and half the
  other clip; with no media past the cut the edit stays a cut). The sound tracks count in
  frames of the cut, so the fades are whole frames, at most half the clip.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Mapping

import aaf2
import opentimelineio as otio

from foley_assistant.core.edit_state import StemMix
from foley_assistant.io.writeback import METADATA_KEY, media_past_cut

_AUDIO_GAIN = "9d2ea894-0968-11d3-8a38-0050040ef7d2"  # OperationDef_MonoAudioGain
_AMPLITUDE = "e4962321-2267-11d3-8a4c-0050040ef7d2"  # ParameterDef_Amplitude
_AUDIO_DISSOLVE = "0c3bea41-fc05-11d2-8a29-0050040ef7d2"  # OperationDef_MonoAudioDissolve
_LEVEL = "e4962320-2267-11d3-8a4c-0050040ef7d2"  # ParameterDef_Level
_POWER_INTERP = "c09153f7-bd18-4e5a-ad09-cbdd654fa001"  # InterpolationDef_Power
#: Media Composer's tag of an audio dissolve's curve (1: equal power) and of a disabled clip.
CURVE_TYPE_TAG, EQUAL_POWER = "_ATN_AUDIO_DISSOLVE_CURVETYPE", 1
DISABLED_TAGS = (("_DISABLE_CLIP_FLAG", 1), ("_AAF_SELECTED", 0))


@dataclass(frozen=True)
class ClipLevel:
    """The editor's mix (gain, mute) of a clip and its distance level points (AAF control point
    dicts: "Time" a fraction of the clip, "Value" the linear gain)."""

    mix: StemMix | None
    points: tuple[dict[str, object], ...] = ()

    @property
    def gain(self) -> float:
        """The editor's gain, linear."""
        return 1.0 if self.mix is None else 10 ** (self.mix.gain_db / 20)

    @property
    def mute(self) -> bool:
        """Whether the editor muted the clip."""
        return self.mix is not None and self.mix.mute


@dataclass(frozen=True)
class ClipEdit:
    """What the pass does to one stem clip: its level, the media past its cut (frames before and
    after: how far a cross-fade may reach), and for a clip of another take the MobID of the
    chosen take's clip it is an alternate of."""

    level: ClipLevel
    handles: tuple[int, int] = (0, 0)
    alternate_of: str | None = None


def clip_edits(timeline: otio.schema.Timeline) -> dict[str, ClipEdit]:
    """The edit of every stem clip of `timeline` (a clip with our metadata and an AAF MobID), by MobID."""
    edits = {}
    for clip in timeline.find_clips():
        aaf = clip.metadata.get("AAF", {})
        info = clip.metadata.get(METADATA_KEY)
        if not info or not aaf.get("MobID"):
            continue
        mix = info.get("mix")
        points = tuple(dict(p) for p in aaf.get("Gain", {}).get("ControlPoints", []))
        level = ClipLevel(StemMix.from_dict(dict(mix)) if mix else None, points)
        alternate_of = aaf.get("AlternateOf")
        edits[str(aaf["MobID"])] = ClipEdit(level, media_past_cut(clip), None if alternate_of is None else str(alternate_of))
    return edits


def rewrite_stem_clips(path: Path, edits: Mapping[str, ClipEdit], fade_frames: int) -> int:
    """Give the stem clips of the AAF at `path` their levels, mutes, other takes and fades (see
    the module docstring); returns the number of edits between two clips left as cuts."""
    if not edits:
        return 0
    unfaded = 0
    with aaf2.open(str(path), "rw") as aaf:
        definitions = _Definitions(aaf)
        for mob in aaf.content.compositionmobs():
            alternates = _lift_alternates(mob, edits)
            for slot in mob.slots:
                for sequence in _sound_sequences(slot.segment):
                    components = list(sequence.components)
                    if any(_edit_of(c, edits) is not None for c in components):
                        sequence.components.value = []  # detach, to re-attach each in its place
                        rewritten = _Sequence(definitions, edits, alternates, fade_frames)
                        for component in rewritten.components(components):
                            sequence.components.append(component)
                        unfaded += rewritten.unfaded
    return unfaded


def _edit_of(component: object, edits: Mapping[str, ClipEdit]) -> ClipEdit | None:
    if not isinstance(component, aaf2.components.SourceClip):
        return None
    return edits.get(str(component.mob_id))


def _sound_sequences(segment: object) -> list[object]:
    if isinstance(segment, aaf2.components.Sequence):
        return [segment] if str(segment.media_kind).lower() == "sound" else []
    if isinstance(segment, aaf2.components.OperationGroup):
        return [s for inner in segment.segments for s in _sound_sequences(inner)]
    return []


def _lift_alternates(mob: object, edits: Mapping[str, ClipEdit]) -> dict[str, list[object]]:
    """Detach the other takes' clips from the tracks the adapter wrote them on and remove those
    tracks; returns the clips by the MobID of the chosen take's clip, in track order."""
    lifted: dict[str, list[object]] = {}
    taken = []
    for index, slot in enumerate(mob.slots):
        sequences = _sound_sequences(slot.segment)
        clips = [c for s in sequences for c in s.components if (e := _edit_of(c, edits)) is not None and e.alternate_of]
        if clips:
            for sequence in sequences:
                sequence.components.value = []
            for clip in clips:
                lifted.setdefault(str(edits[str(clip.mob_id)].alternate_of), []).append(clip)
            taken.append(index)
    for index in reversed(taken):
        mob.slots.pop(index)
    return lifted


class _Definitions:
    """The file's operation, parameter and interpolation definitions, registered when first used."""

    def __init__(self, aaf: aaf2.file.AAFFile) -> None:
        self.aaf = aaf

    def _interpolation(self, auid: object, name: str) -> object:
        definition = self.aaf.create.InterpolationDef(auid, name, name)
        self.aaf.dictionary.register_def(definition)  # as the adapter does for its pan: one per AUID
        return definition

    @cached_property
    def linear(self) -> object:
        return self._interpolation(aaf2.misc.LinearInterp, "LinearInterp")

    @cached_property
    def power(self) -> object:
        return self._interpolation(_POWER_INTERP, "PowerInterp")

    @cached_property
    def amplitude(self) -> object:
        amplitude = self.aaf.create.ParameterDef(_AMPLITUDE, "Amplitude", "", self.aaf.dictionary.lookup_typedef("Rational"))
        self.aaf.dictionary.register_def(amplitude)
        return amplitude

    @cached_property
    def gain(self) -> object:
        operation = self.aaf.create.OperationDef(_AUDIO_GAIN, "Audio Gain")
        operation.media_kind = "sound"
        operation["NumberInputs"].value = 1
        operation["ParametersDefined"].append(self.amplitude)
        self.aaf.dictionary.register_def(operation)
        return operation

    @cached_property
    def level(self) -> object:
        level = self.aaf.create.ParameterDef(_LEVEL, "Level", "", self.aaf.dictionary.lookup_typedef("Rational"))
        self.aaf.dictionary.register_def(level)
        return level

    @cached_property
    def dissolve(self) -> object:
        operation = self.aaf.create.OperationDef(_AUDIO_DISSOLVE, "Mono Audio Dissolve")
        operation.media_kind = "sound"
        operation["NumberInputs"].value = 2
        operation["IsTimeWarp"].value = False
        operation["ParametersDefined"].append(self.level)
        self.aaf.dictionary.register_def(operation)
        return operation

    def tagged(self, tags: tuple[tuple[str, int], ...]) -> list[object]:
        """Int32 tagged values, as Media Composer's ComponentAttributeList holds them."""
        int32 = self.aaf.dictionary.lookup_typedef("aafInt32")
        return [self.aaf.create.TaggedValue(name, value, int32) for name, value in tags]

    def transition(self, length: int, cut_point: int) -> object:
        """An equal-power Mono Audio Dissolve of `length` frames with its cut `cut_point` frames in."""
        level = self.aaf.create.VaryingValue()
        level.parameterdef = self.level
        level["Interpolation"].value = self.power
        for time in (0, 1):  # the Edit Protocol's default: from 0 at its start to 1 at its end
            point = self.aaf.create.ControlPoint()
            point["Time"].value = aaf2.rational.AAFRational(f"{time}/1")
            point["Value"].value = aaf2.rational.AAFRational(f"{time}/1")
            level["PointList"].append(point)
        dissolve = self.dissolve  # first: pyaaf2's `create` keeps the class name of its last attribute
        group = self.aaf.create.OperationGroup(dissolve, length=length, media_kind="sound")
        group.parameters.append(level)
        group["ComponentAttributeList"].value = self.tagged(((CURVE_TYPE_TAG, EQUAL_POWER),))
        transition = self.aaf.create.Transition("sound", length)
        transition["OperationGroup"].value = group
        transition["CutPoint"].value = cut_point
        return transition


@dataclass
class _Sequence:
    """One stem sequence rewritten: `components` gives its new components from the old ones."""

    definitions: _Definitions
    edits: Mapping[str, ClipEdit]
    alternates: Mapping[str, list[object]]
    fade_frames: int
    unfaded: int = 0
    grown: dict[int, list[int]] = field(default_factory=dict)  # id(clip) -> frames added before, after

    def components(self, components: list[object]) -> list[object]:
        """The components with the fades between them, each stem clip wrapped in its level,
        takes and mute."""
        result: list[object] = []
        for index, item in enumerate(components):
            edit = _edit_of(item, self.edits)
            if edit is None:
                result.append(item)
                continue
            before = components[index - 1] if index > 0 else None
            after = components[index + 1] if index + 1 < len(components) else None
            fade = min(self.fade_frames, item.length // 2)
            if fade > 0 and (before is None or isinstance(before, aaf2.components.Filler)):
                self._from_silence(result, fade)
            result.append(item)
            if _edit_of(after, self.edits) is not None:
                self._cross_fade(result, item, after)
            elif fade > 0 and (after is None or isinstance(after, aaf2.components.Filler)):
                result.append(self.definitions.transition(fade, fade))
                if after is None:
                    result.append(self.definitions.aaf.create.Filler("sound", fade))
                else:
                    after.length += fade
        return [self._wrapped(c) if _edit_of(c, self.edits) is not None else c for c in result]

    def _from_silence(self, result: list[object], fade: int) -> None:
        if result and isinstance(result[-1], aaf2.components.Filler):
            result[-1].length += fade
        else:
            result.append(self.definitions.aaf.create.Filler("sound", fade))
        result.append(self.definitions.transition(fade, 0))

    def _reach(self, clip: object) -> tuple[int, int]:
        """The media past the cut that the clip and every other take of it have."""
        handles = [self.edits[str(clip.mob_id)].handles] + [self.edits[str(c.mob_id)].handles for c in self.alternates.get(str(clip.mob_id), [])]
        return min(h[0] for h in handles), min(h[1] for h in handles)

    def _cross_fade(self, result: list[object], outgoing: object, incoming: object) -> None:
        before_cut = min(self.fade_frames, self._reach(incoming)[0], outgoing.length // 2)
        after_cut = min(self.fade_frames, self._reach(outgoing)[1], incoming.length // 2)
        if before_cut > 0 and after_cut > 0:
            self.grown.setdefault(id(outgoing), [0, 0])[1] += after_cut
            self.grown.setdefault(id(incoming), [0, 0])[0] += before_cut
            result.append(self.definitions.transition(before_cut + after_cut, before_cut))
        elif self.fade_frames > 0:
            self.unfaded += 1

    def _wrapped(self, clip: object) -> object:
        """The clip (grown into its cross-fades), muted, in its level, with its other takes."""
        edit = self.edits[str(clip.mob_id)]
        head, tail = self.grown.get(id(clip), (0, 0))
        length = clip.length
        segment = self._leveled(self._muted(_grown(clip, head, tail, length)) if edit.level.mute else _grown(clip, head, tail, length), edit.level, head, length)
        others = [self._leveled(_grown(other, head, tail, length), self.edits[str(other.mob_id)].level, head, length) for other in self.alternates.get(str(clip.mob_id), [])]
        if not others:
            return segment
        takes = self.definitions.aaf.create.Selector(media_kind="sound")
        takes.length = segment.length
        takes["Selected"].value = segment
        for other in others:
            takes["Alternates"].append(other)
        return takes

    def _muted(self, clip: object) -> object:
        """A disabled clip: a Selector of a Filler with the clip its one alternate (innermost, so
        that the adapter's reader disables the clip, not the track it flattens its groups into)."""
        selector = self.definitions.aaf.create.Selector(media_kind="sound")
        selector.length = clip.length
        selector["Selected"].value = self.definitions.aaf.create.Filler("sound", clip.length)
        selector["Alternates"].append(clip)
        selector["ComponentAttributeList"].value = self.definitions.tagged(DISABLED_TAGS)
        return selector

    def _leveled(self, segment: object, level: ClipLevel, head: int, length: int) -> object:
        """`segment` (a clip of `length` frames in the cut, grown `head` frames before it) inside
        an Audio Gain group when it has a level; the level points keep their times in the cut."""
        whole = segment.length
        if level.points:
            amplitude = self.definitions.aaf.create.VaryingValue()
            amplitude.parameterdef = self.definitions.amplitude
            amplitude["Interpolation"].value = self.definitions.linear
            for point in level.points:
                control = self.definitions.aaf.create.ControlPoint()
                time = (Fraction(str(point["Time"])) * length + head) / whole
                control["Time"].value = aaf2.rational.AAFRational(f"{time.numerator}/{time.denominator}")
                control["Value"].value = _rational(float(Fraction(str(point["Value"]))) * level.gain)
                control["ControlPointSource"].value = int(point["ControlPointSource"])
                amplitude["PointList"].append(control)
        elif level.gain != 1.0:
            definition = self.definitions.amplitude  # first: pyaaf2's `create` keeps the class name of its last attribute
            amplitude = self.definitions.aaf.create.ConstantValue(definition, _rational(level.gain))
        else:
            return segment
        gain = self.definitions.gain
        group = self.definitions.aaf.create.OperationGroup(gain, length=whole, media_kind="sound")
        group.parameters.append(amplitude)
        group.segments.append(segment)
        return group


def _grown(clip: object, head: int, tail: int, length: int) -> object:
    """`clip` set to `length` frames grown by `head` frames before and `tail` after (into its cross-fades)."""
    clip.start = clip.start - head
    clip.length = length + head + tail
    return clip


def _rational(value: float) -> aaf2.rational.AAFRational:
    fraction = Fraction(value).limit_denominator(1 << 16)
    return aaf2.rational.AAFRational(f"{fraction.numerator}/{fraction.denominator}")
