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
from typing import Any, Mapping

import numpy as np

from foley_assistant.core.events import SoundEvent
from foley_assistant.core.tracks import ObjectTrack, ShotTracks
from foley_assistant.generators.base import DryAudio, LayerEvent
from foley_assistant.generators.procedural.cloth import CONTROL_BLOCK as CLOTH_BLOCK
from foley_assistant.generators.procedural.cloth import cloth_into
from foley_assistant.generators.procedural.dsp import add_at, control_points, db_to_gain, event_rng
from foley_assistant.generators.procedural.engine import CONTROL_BLOCK as ENGINE_BLOCK
from foley_assistant.generators.procedural.engine import engine_into
from foley_assistant.generators.procedural.events import (
    SpeedCurve,
    footfall_events,
    impact_events,
    presence_events,
    speed_curve,
    swish_events,
)
from foley_assistant.generators.procedural.footsteps import SURFACES, render_footstep
from foley_assistant.generators.procedural.impacts import MATERIALS, Hit, render_impacts
from foley_assistant.generators.procedural.kinematics import DEFAULT_HFOV_DEG
from foley_assistant.generators.procedural.presence import Life, apply_life_gate, object_life, peak_of
from foley_assistant.generators.procedural.voice_map import GENERIC_LABEL, VoiceMap, VoiceSpec, engine_spec, whoosh_spec
from foley_assistant.generators.procedural.whoosh import CONTROL_BLOCK as WHOOSH_BLOCK
from foley_assistant.generators.procedural.whoosh import whoosh_into

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
        if not obj.frames or n_samples == 0 or float(np.max(np.abs(dry.samples), initial=0.0)) >= AUDIBLE:
            return replace(dry, reason=known if obj.label != GENERIC_LABEL else "no detector class names it: a generic movement that follows its motion")
        generic = self.render(obj, shot, n_samples, sample_rate, seed, self.voices.generic())
        return replace(generic, reason=f"{known}, which made no sound here (nothing in its motion calls for it): a generic movement that follows its motion instead")

    def render(self, obj: ObjectTrack, shot: ShotTracks, n_samples: int, sample_rate: int, seed: int, spec: VoiceSpec) -> DryAudio:
        """Dry audio for `obj` with an explicit voice (and its layers), whatever its label."""
        if n_samples < 0 or sample_rate <= 0:
            raise ValueError(f"need n_samples >= 0 and sample_rate > 0, got {n_samples} and {sample_rate}")
        name = "+".join([spec.name] + [layer.name for layer in spec.layers])
        if not obj.frames or n_samples == 0:
            return DryAudio(np.zeros(n_samples, dtype=np.float32), sample_rate, (), name)
        reading = TrackReading(obj, shot, self.hfov_deg, float(spec.get("height_m")))
        life = object_life(obj, shot, sample_rate, float(spec.get("release_s")))
        out = np.zeros(n_samples)
        sounded: dict[tuple[float, str], str] = {}
        layers: list[LayerEvent] = []
        for index, voice in enumerate((spec,) + spec.layers):
            part = out if index == 0 else np.zeros(n_samples)  # the main voice is rendered in place
            placed = self.render_voice(voice, reading, life, part, sample_rate, seed, index)
            for event in placed:
                sounded.setdefault((event.time_s, event.kind), voice.name)
            if index:
                part *= db_to_gain(float(voice.get("level_db")))
                out += part
                layers += layer_log(index, voice, "procedural", [(e, voice.name) for e in placed], reading, n_samples, sample_rate)
            else:
                out += 0.0  # -0.0 becomes 0.0, as when the voice was summed into silence
        # A continuous voice fades in over 0.25 s, or a quarter of a brief life: a car that passes
        # the lens in three frames is loudest while it is seen, not in its release after.
        fade_in = min(ENGINE_FADE_IN_S, 0.25 * (life.end - life.start) / sample_rate) if spec.voice in CONTINUOUS else 0.0
        apply_life_gate(out, life, sample_rate, fade_in, db_to_gain(float(spec.get("level_db"))))
        peak = peak_of(out)
        if peak > CEILING:
            out *= CEILING / peak
        events = self._events(reading, spec, life, n_samples, sample_rate)
        sources = tuple(sounded.get((e.time_s, e.kind), spec.name) for e in events)
        return DryAudio(out.astype(np.float32), sample_rate, events, name, sources, layers=tuple(layers))

    def render_voice(self, spec: VoiceSpec, reading: TrackReading, life: Life, out: np.ndarray, sample_rate: int, seed: int, layer: int) -> list[SoundEvent]:
        """Render one voice (not its layers) into `out`, unscaled by its level; returns the events
        it sounded (footfalls, impacts or swishes; none for engine and cloth). `layer` is 0 for the
        main voice, 1.. for layers (each draws its own variations)."""
        key = reading.obj.id if layer == 0 else f"{reading.obj.id}/layer{layer}"
        lo, hi = max(life.start, 0), min(life.stop, len(out))
        if spec.voice == "footsteps":
            surface = SURFACES[spec.get("surface")]
            placed = [e for e in reading.footfalls() if lo <= e.sample_index(sample_rate) < min(life.end, len(out))]
            for index, event in enumerate(placed):
                add_at(out, render_footstep(event.strength, surface, event_rng(seed, key, index), sample_rate), event.sample_index(sample_rate))
            return placed
        if spec.voice == "impacts":
            placed = [e for e in reading.impacts() if lo <= e.sample_index(sample_rate) < min(life.end, len(out))]
            hits = [Hit(e.sample_index(sample_rate), e.strength) for e in placed]
            out += render_impacts(hits, MATERIALS[spec.get("material")], event_rng(seed, key, 0), len(out), sample_rate)
            return placed
        if hi <= lo:
            return []
        rng = event_rng(seed, f"{key}/{spec.voice}", 0)
        block = {"engine": ENGINE_BLOCK, "whoosh": WHOOSH_BLOCK}.get(spec.voice, CLOTH_BLOCK)
        speed, accel = reading.speed().at((lo + control_points(hi - lo, block)) / sample_rate)  # only where the voice reads them
        if spec.voice == "engine":
            engine_into(out[lo:hi], speed, accel, engine_spec(spec.params), rng, sample_rate)
            return []
        if spec.voice == "whoosh":
            whoosh_into(out[lo:hi], speed, whoosh_spec(spec.params), rng, sample_rate)
            return list(reading.swishes())
        steps = [e.time_s - lo / sample_rate for e in reading.footfalls()]
        cloth_into(out[lo:hi], speed, accel, steps, rng, sample_rate, float(spec.get("floor")))
        return []

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
