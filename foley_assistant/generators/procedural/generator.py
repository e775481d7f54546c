"""The procedural engine: label -> voice, track -> events, events -> dry mono audio.

Needs nothing but numpy and scipy. Output is float32, exactly `n_samples` long, sample 0 at the
shot's first frame, silent before the object's first frame and after its last frame plus the
voice's release, and never beyond +-1.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

import numpy as np

from foley_assistant.core.events import SoundEvent
from foley_assistant.core.tracks import ObjectTrack, ShotTracks
from foley_assistant.generators.base import DryAudio
from foley_assistant.generators.procedural.dsp import add_at, db_to_gain, event_rng
from foley_assistant.generators.procedural.engine import render_engine
from foley_assistant.generators.procedural.events import footfall_events, impact_events, speed_curve
from foley_assistant.generators.procedural.footsteps import SURFACES, render_footstep
from foley_assistant.generators.procedural.impacts import MATERIALS, render_impact
from foley_assistant.generators.procedural.kinematics import DEFAULT_HFOV_DEG
from foley_assistant.generators.procedural.presence import Life, life_gate, object_life
from foley_assistant.generators.procedural.voice_map import VoiceMap, VoiceSpec, engine_spec

ENGINE_FADE_IN_S = 0.25
CEILING = 0.98  # a stem whose peak would pass this is scaled down as a whole (no clipping)


class ProceduralGenerator:
    """The default `DryGenerator`: footsteps, modal impacts and engines synthesised from motion.

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
        """Dry audio of `n_samples` for `obj` over `shot`; the same seed gives the same samples."""
        if n_samples < 0 or sample_rate <= 0:
            raise ValueError(f"need n_samples >= 0 and sample_rate > 0, got {n_samples} and {sample_rate}")
        spec = self.voice_for(obj.label)
        out = np.zeros(n_samples)
        if not obj.frames or n_samples == 0:
            return DryAudio(out.astype(np.float32), sample_rate, (), spec.voice)
        life = object_life(obj, shot, sample_rate, float(spec.get("release_s")))
        if spec.voice == "engine":
            events = self._engine(obj, shot, spec, life, out, sample_rate, seed)
            gate = life_gate(n_samples, life, sample_rate, ENGINE_FADE_IN_S)
        else:
            events = self._hits(obj, shot, spec, life, out, sample_rate, seed)
            gate = life_gate(n_samples, life, sample_rate)
        out *= gate * db_to_gain(float(spec.get("level_db")))
        peak = float(np.max(np.abs(out)))
        if peak > CEILING:
            out *= CEILING / peak
        return DryAudio(out.astype(np.float32), sample_rate, events, spec.voice)

    def _hits(
        self, obj: ObjectTrack, shot: ShotTracks, spec: VoiceSpec, life: Life, out: np.ndarray, sample_rate: int, seed: int
    ) -> tuple[SoundEvent, ...]:
        """Footsteps or impacts at their events, mixed into `out`; returns the events placed."""
        height = float(spec.get("height_m"))
        render: Callable[[float, np.random.Generator], np.ndarray]
        if spec.voice == "footsteps":
            found = footfall_events(obj, shot, self.hfov_deg, height)
            surface = SURFACES[spec.get("surface")]
            render = lambda strength, rng: render_footstep(strength, surface, rng, sample_rate)  # noqa: E731
        else:
            found = impact_events(obj, shot, self.hfov_deg, height)
            material = MATERIALS[spec.get("material")]
            render = lambda strength, rng: render_impact(strength, material, rng, sample_rate)  # noqa: E731
        placed = []
        for index, event in enumerate(found):
            at = int(round(event.time_s * sample_rate))
            if not (max(0, life.start) <= at < min(len(out), life.end)):
                continue
            add_at(out, render(event.strength, event_rng(seed, obj.id, index)), at)
            placed.append(event)
        return tuple(placed)

    def _engine(
        self, obj: ObjectTrack, shot: ShotTracks, spec: VoiceSpec, life: Life, out: np.ndarray, sample_rate: int, seed: int
    ) -> tuple[SoundEvent, ...]:
        """The engine over the object's life (and release), written into `out`; entrance/exit events."""
        lo, hi = max(life.start, 0), min(life.stop, len(out))
        if hi > lo:
            curve = speed_curve(obj, shot, self.hfov_deg, float(spec.get("height_m")))
            speed, accel = curve.at(np.arange(lo, hi) / sample_rate)
            rng = event_rng(seed, obj.id + "/engine", 0)
            out[lo:hi] = render_engine(speed, accel, engine_spec(spec.params), rng, sample_rate)
        events = []
        if 0 <= life.start < len(out):
            events.append(SoundEvent(life.start / sample_rate, "entrance", 1.0, obj.id))
        if 0 <= life.end < len(out):
            events.append(SoundEvent(life.end / sample_rate, "exit", 1.0, obj.id))
        return tuple(events)
