"""The procedural engine: label -> voice, track -> events, events -> dry mono audio.

Needs nothing but numpy and scipy. Output is float32, exactly `n_samples` long, sample 0 at the
shot's first frame, silent before the object's first frame and after its last frame plus the
voice's release, and never beyond +-1.

Voices: footsteps (at the footfalls), impacts (at the impacts, through one modal bank), engine
(continuous, RPM from speed, load from acceleration), whoosh (continuous, from speed) and cloth
(continuous, from speed and the footfalls). A label's entry may add layers (a person's footsteps
with the rustle of their clothes). The events of the result are every footfall, impact and
swish read from the motion, plus the entrance and the exit, each with the voice that sounded it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping, Protocol

import numpy as np

from foley_assistant.core.events import SoundEvent
from foley_assistant.core.samples import SampleWriter, samples_peak
from foley_assistant.core.tracks import ObjectTrack, ShotTracks
from foley_assistant.generators.base import DryAudio, LayerEvent
from foley_assistant.generators.procedural import dsp
from foley_assistant.generators.procedural.cloth import CONTROL_BLOCK as CLOTH_BLOCK
from foley_assistant.generators.procedural.cloth import ClothVoice
from foley_assistant.generators.procedural.dsp import add_at, blocks_of, chunks, control_points, db_to_gain, event_rng
from foley_assistant.generators.procedural.engine import CONTROL_BLOCK as ENGINE_BLOCK
from foley_assistant.generators.procedural.engine import EngineVoice
from foley_assistant.generators.procedural.events import (
    SpeedCurve,
    footfall_events,
    impact_events,
    presence_events,
    speed_curve,
    swish_events,
)
from foley_assistant.generators.procedural.footsteps import SURFACES, Surface, footstep_length_s, render_footstep
from foley_assistant.generators.procedural.impacts import MATERIALS, Hit, ImpactVoice
from foley_assistant.generators.procedural.kinematics import DEFAULT_HFOV_DEG
from foley_assistant.generators.procedural.presence import Life, life_gate_span, object_life, peak_of
from foley_assistant.generators.procedural.voice_map import GENERIC_LABEL, VoiceMap, VoiceSpec, engine_spec, whoosh_spec
from foley_assistant.generators.procedural.whoosh import CONTROL_BLOCK as WHOOSH_BLOCK
from foley_assistant.generators.procedural.whoosh import WhooshVoice

ENGINE_FADE_IN_S = 0.25
CEILING = 0.98  # a stem whose peak would pass this is scaled down as a whole (no clipping)
CONTINUOUS = ("engine", "whoosh", "cloth")
AUDIBLE = 10 ** (-60 / 20)  # a dry voice whose peak stays below -60 dBFS made no sound


@dataclass
class TrackReading:
    """What the motion of one object says, read once and shared by every voice that needs it."""

    obj: ObjectTrack
    shot: ShotTracks
    hfov_deg: float
    height_m: float
    _cache: dict[str, Any] = field(default_factory=dict)

    def footfalls(self) -> tuple[SoundEvent, ...]:
        return self._get("footfalls", lambda: footfall_events(self.obj, self.shot, self.hfov_deg, self.height_m))

    def impacts(self) -> tuple[SoundEvent, ...]:
        return self._get("impacts", lambda: impact_events(self.obj, self.shot, self.hfov_deg, self.height_m))

    def swishes(self) -> tuple[SoundEvent, ...]:
        return self._get("swishes", lambda: swish_events(self.obj, self.shot, self.hfov_deg, self.height_m))

    def speed(self) -> SpeedCurve:
        return self._get("speed", lambda: speed_curve(self.obj, self.shot, self.hfov_deg, self.height_m))

    def _get(self, key: str, make: Any) -> Any:
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]


class ProceduralGenerator:
    """The default `DryGenerator`: footsteps, modal impacts, engines, whooshes and cloth from motion.

    `hfov_deg` is the camera's horizontal field of view (used to turn box motion into metres);
    `voices` is a label -> voice map (a `VoiceMap` or its JSON dict form); None uses the bundled one.
    """

    engine = "procedural"

    def __init__(self, hfov_deg: float = DEFAULT_HFOV_DEG, voices: VoiceMap | Mapping[str, Any] | None = None) -> None:
        if not 1.0 <= hfov_deg < 179.0:
            raise ValueError(f"horizontal field of view must be within 1..179 degrees, got {hfov_deg}")
        self.hfov_deg = float(hfov_deg)
        if voices is None:
            self.voices = VoiceMap.bundled()
        elif isinstance(voices, VoiceMap):
            self.voices = voices
        else:
            self.voices = VoiceMap.from_dict(voices)

    def voice_for(self, label: str) -> VoiceSpec:
        """The voice (and parameters) this engine uses for a label."""
        return self.voices.lookup(label)

    def generate(self, obj: ObjectTrack, shot: ShotTracks, n_samples: int, sample_rate: int, seed: int) -> DryAudio:
        """Dry audio of `n_samples` for `obj` over `shot`; the same seed gives the same samples.

        A mover is never silent: when its label's voice makes no sound over the shot (footsteps
        with no footfall read, a whoosh below its speed), the generic movement voice of the
        `unknown` label, which follows the motion, sounds it instead, and `reason` says so."""
        spec = self.voice_for(obj.label)
        dry = self.render(obj, shot, n_samples, sample_rate, seed, spec)
        known = f"the label {obj.label!r} sounds as {dry.voice}"
        if not obj.frames or n_samples == 0 or samples_peak(dry.samples) >= AUDIBLE:
            return replace(dry, reason=known if obj.label != GENERIC_LABEL else "no detector class names it: a generic movement that follows its motion")
        generic = self.render(obj, shot, n_samples, sample_rate, seed, self.voices.generic())
        return replace(generic, reason=f"{known}, which made no sound here (nothing in its motion calls for it): a generic movement that follows its motion instead")

    def render(self, obj: ObjectTrack, shot: ShotTracks, n_samples: int, sample_rate: int, seed: int, spec: VoiceSpec) -> DryAudio:
        """Dry audio for `obj` with an explicit voice (and its layers), whatever its label.

        Made a block at a time (`dsp.BLOCK_SAMPLES`): the voices, the life gate and the ceiling
        work on one block, and the samples go to a `SampleWriter` (a long sound to its temporary
        file). A sound whose peak passes the ceiling is scaled down as a whole: in one block
        there and then, over several by making it again at the lower level."""
        if n_samples < 0 or sample_rate <= 0:
            raise ValueError(f"need n_samples >= 0 and sample_rate > 0, got {n_samples} and {sample_rate}")
        name = "+".join([spec.name] + [layer.name for layer in spec.layers])
        if not obj.frames or n_samples == 0:
            return DryAudio(np.zeros(n_samples, dtype=np.float32), sample_rate, (), name)
        reading = TrackReading(obj, shot, self.hfov_deg, float(spec.get("height_m")))
        life = object_life(obj, shot, sample_rate, float(spec.get("release_s")))
        writer = SampleWriter(n_samples)
        sounded, layers, peak = self._write(spec, reading, life, n_samples, sample_rate, seed, writer, 1.0)
        if peak > CEILING and n_samples > dsp.BLOCK_SAMPLES:
            writer.restart()
            self._write(spec, reading, life, n_samples, sample_rate, seed, writer, CEILING / peak)
        events = self._events(reading, spec, life, n_samples, sample_rate)
        sources = tuple(sounded.get((e.time_s, e.kind), spec.name) for e in events)
        return DryAudio(writer.finish(), sample_rate, events, name, sources, layers=tuple(layers))

    def _write(
        self, spec: VoiceSpec, reading: TrackReading, life: Life, n_samples: int, sample_rate: int, seed: int, writer: SampleWriter, scale: float
    ) -> tuple[dict[tuple[float, str], str], list[LayerEvent], float]:
        """Make the sound block by block into `writer`, times `scale`; returns who sounded each
        event, the layers' event log and the peak before `scale` (a single block over the ceiling
        is scaled down before it is written)."""
        sounded: dict[tuple[float, str], str] = {}
        layers: list[LayerEvent] = []
        voices = []
        for index, voice in enumerate((spec,) + spec.layers):
            blocks, placed = self.voice_blocks(voice, reading, life, n_samples, sample_rate, seed, index)
            voices.append((blocks, db_to_gain(float(voice.get("level_db"))) if index else 0.0))
            for event in placed:
                sounded.setdefault((event.time_s, event.kind), voice.name)
            if index:
                layers += layer_log(index, voice, "procedural", [(e, voice.name) for e in placed], reading, n_samples, sample_rate)
        # A continuous voice fades in over 0.25 s, or a quarter of a brief life: a car that passes
        # the lens in three frames is loudest while it is seen, not in its release after.
        fade_in = min(ENGINE_FADE_IN_S, 0.25 * (life.end - life.start) / sample_rate) if spec.voice in CONTINUOUS else 0.0
        level = db_to_gain(float(spec.get("level_db")))
        peak = 0.0
        for start, stop in blocks_of(n_samples, dsp.BLOCK_SAMPLES):
            out = np.zeros(stop - start)
            for index, (blocks, layer_level) in enumerate(voices):
                part = out if index == 0 else np.zeros(stop - start)  # the main voice is rendered in place
                blocks.into(part, start, stop)
                if index:
                    part *= layer_level
                    out += part
                else:
                    out += 0.0  # -0.0 becomes 0.0, as when the voice was summed into silence
            for first, last in chunks(stop - start):
                out[first:last] *= life_gate_span(start + first, start + last, life, sample_rate, fade_in) * level
            peak = max(peak, peak_of(out))
            if stop - start == n_samples and peak > CEILING:
                out *= CEILING / peak
            elif scale != 1.0:
                out *= scale
            writer.write(out.astype(np.float32))
        return sounded, layers, peak

    def voice_blocks(self, spec: VoiceSpec, reading: TrackReading, life: Life, n_samples: int, sample_rate: int, seed: int, layer: int) -> tuple[VoiceBlocks, list[SoundEvent]]:
        """One voice (not its layers) over n_samples, unscaled by its level, to be read a block at a
        time, and the events it sounds (footfalls, impacts or swishes; none for engine and cloth).
        `layer` is 0 for the main voice, 1.. for layers (each draws its own variations)."""
        key = reading.obj.id if layer == 0 else f"{reading.obj.id}/layer{layer}"
        lo, hi = max(life.start, 0), min(life.stop, n_samples)
        if spec.voice == "footsteps":
            surface = SURFACES[spec.get("surface")]
            placed = [e for e in reading.footfalls() if lo <= e.sample_index(sample_rate) < min(life.end, n_samples)]
            return Footsteps(placed, surface, seed, key, sample_rate), placed
        if spec.voice == "impacts":
            placed = [e for e in reading.impacts() if lo <= e.sample_index(sample_rate) < min(life.end, n_samples)]
            hits = [Hit(e.sample_index(sample_rate), e.strength) for e in placed]
            return Continuous(ImpactVoice(hits, MATERIALS[spec.get("material")], event_rng(seed, key, 0), n_samples, sample_rate), 0, n_samples, add=True), placed
        if hi <= lo:
            return Continuous(None, 0, 0), []
        rng = event_rng(seed, f"{key}/{spec.voice}", 0)
        block = {"engine": ENGINE_BLOCK, "whoosh": WHOOSH_BLOCK}.get(spec.voice, CLOTH_BLOCK)
        speed, accel = reading.speed().at((lo + control_points(hi - lo, block)) / sample_rate)  # only where the voice reads them
        if spec.voice == "engine":
            return Continuous(EngineVoice(hi - lo, speed, accel, engine_spec(spec.params), rng, sample_rate), lo, hi - lo), []
        if spec.voice == "whoosh":
            return Continuous(WhooshVoice(hi - lo, speed, whoosh_spec(spec.params), rng, sample_rate), lo, hi - lo), list(reading.swishes())
        steps = [e.time_s - lo / sample_rate for e in reading.footfalls()]
        return Continuous(ClothVoice(hi - lo, speed, accel, steps, rng, sample_rate, float(spec.get("floor"))), lo, hi - lo), []

    def render_voice(self, spec: VoiceSpec, reading: TrackReading, life: Life, out: np.ndarray, sample_rate: int, seed: int, layer: int) -> list[SoundEvent]:
        """Render one voice (not its layers) into `out` (float64, zeros), unscaled by its level;
        returns the events it sounded (see `voice_blocks`)."""
        blocks, placed = self.voice_blocks(spec, reading, life, len(out), sample_rate, seed, layer)
        for start, stop in blocks_of(len(out), dsp.BLOCK_SAMPLES):
            blocks.into(out[start:stop], start, stop)
        return placed

    def _events(self, reading: TrackReading, spec: VoiceSpec, life: Life, n_samples: int, sample_rate: int) -> tuple[SoundEvent, ...]:
        """The object's events for the record: what its voices read from the motion, and its presence."""
        voices = {spec.voice} | {layer.voice for layer in spec.layers}
        found: list[SoundEvent] = []
        if voices & {"footsteps", "cloth"}:
            found += reading.footfalls()
        if "impacts" in voices:
            found += reading.impacts()
        if "whoosh" in voices:
            found += reading.swishes()
        end = min(life.end, n_samples)
        kept = [e for e in found if max(life.start, 0) <= e.sample_index(sample_rate) < end]
        kept += [e for e in presence_events(reading.obj, reading.shot) if 0 <= e.sample_index(sample_rate) <= n_samples]
        return tuple(sorted(kept, key=lambda e: (e.time_s, e.kind)))


class VoiceBlocks(Protocol):
    """A voice read a block at a time: `into` puts samples [start, stop) of it into `part` (zeros,
    stop - start long); blocks are asked for in order from sample 0."""

    def into(self, part: np.ndarray, start: int, stop: int) -> None: ...


class Footsteps:
    """Footsteps at their events, each made (from its own random draws) for every block it sounds
    in and added there, in event order: the same sums as adding each whole step at once."""

    def __init__(self, placed: list[SoundEvent], surface: Surface, seed: int, key: str, sample_rate: int) -> None:
        self._placed, self._surface, self._seed, self._key, self._rate = placed, surface, seed, key, sample_rate
        self._length = int(round(footstep_length_s(surface) * sample_rate))

    def into(self, part: np.ndarray, start: int, stop: int) -> None:
        for index, event in enumerate(self._placed):
            at = event.sample_index(self._rate)
            if at < stop and at + self._length > start:
                add_at(part, render_footstep(event.strength, self._surface, event_rng(self._seed, self._key, index), self._rate), at - start)


class Continuous:
    """A voice that sounds over `n` samples from sample `lo`: a source read a span at a time
    (`block(a, b)` in its own samples, in order), a whole array, or None (silence). Its samples
    are put in place, or added (`add`) where the voice was summed into its output when whole."""

    def __init__(self, source: Any, lo: int, n: int, add: bool = False) -> None:
        self._source, self._lo, self._n, self._add = source, lo, n, add

    def into(self, part: np.ndarray, start: int, stop: int) -> None:
        a, b = max(start, self._lo), min(stop, self._lo + self._n)
        if self._source is None or b <= a:
            return
        if isinstance(self._source, np.ndarray):
            piece = self._source[a - self._lo : b - self._lo]
        else:
            piece = self._source.block(a - self._lo, b - self._lo)
        if self._add:
            part[a - start : b - start] += piece
        else:
            part[a - start : b - start] = piece


def layer_log(
    index: int,
    voice: VoiceSpec,
    engine: str,
    sounded: list[tuple[SoundEvent, str]],
    reading: TrackReading,
    n_samples: int,
    sample_rate: int,
) -> list[LayerEvent]:
    """The event-log records of one layer: each (event, source) it sounded, or, for a layer that
    sounds continuously (no events of its own), the object's entrance and exit with `source`
    taken from `sounded`'s first entry, or the voice's name."""
    if voice.voice not in CONTINUOUS or any(e.kind in ("footfall", "impact", "swish") for e, _ in sounded):
        return [LayerEvent(index, voice.name, engine, source, event) for event, source in sounded]
    source = sounded[0][1] if sounded else voice.name
    presence = [e for e in presence_events(reading.obj, reading.shot) if 0 <= e.sample_index(sample_rate) <= n_samples]
    return [LayerEvent(index, voice.name, engine, source, event) for event in presence]


def render_track(
    obj: ObjectTrack,
    shot: ShotTracks,
    *,
    sample_rate: int = 48000,
    seed: int = 0,
    voice: VoiceSpec | Mapping[str, Any] | None = None,
    voices: VoiceMap | Mapping[str, Any] | None = None,
    hfov_deg: float = DEFAULT_HFOV_DEG,
    n_samples: int | None = None,
) -> DryAudio:
    """The public entry point: an object's track -> its dry sound and the events that made it.

    `voice` forces a voice (a VoiceSpec, or one voice-map entry such as {"voice": "impacts",
    "material": "metal"}); otherwise the object's label is looked up in `voices` (default: the
    bundled map). `n_samples` defaults to the shot's length at `sample_rate`. Deterministic in `seed`.
    """
    generator = ProceduralGenerator(hfov_deg=hfov_deg, voices=voices)
    if n_samples is None:
        n_samples = shot.fps.frame_to_sample(shot.frame_range.duration, sample_rate)
    if voice is None:
        spec = generator.voice_for(obj.label)
    elif isinstance(voice, VoiceSpec):
        spec = voice
    else:
        spec = VoiceMap.from_dict({"_default": dict(voice)}).lookup(obj.label)
    return generator.render(obj, shot, n_samples, sample_rate, seed, spec)
