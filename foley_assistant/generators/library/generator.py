"""The library engine: the editor's own sound effects, cut and placed on the motion.

For each object the label's voice entry (voices.json) says what to look for (`library`, or words
from the voice: "footsteps concrete", "impact rubber", "car engine"...) and how to use it:
- footsteps, impacts and whooshes are one-shots: the best matching files (up to CANDIDATES) are
  cut into one-shots (`cutting.one_shots`) and one cut is placed per event (footfall, impact,
  swish) with its attack on the event's sample, its level following the event's strength; a cut
  never comes from the same file as the one before it when another file matches;
- engines and cloth are beds: one of the three best files is looped or trimmed to the object's
  life with crossfades, its level following speed (and for engines its playback rate following
  the engine's RPM, within -25 %..+40 %), faded in at the first frame and out after the last.
Events come from the same motion reading as the procedural engine. When nothing in the library
matches the main voice, the object is made by the procedural engine and the result says so
(`engine`). A label's layers (cloth under footsteps, a whoosh with a punch) are searched for
each in turn with their own text (their "library" key, else words from their voice: "cloth
movement", "whoosh") and cut or looped the same way, at their level under the main voice; a
layer the library has nothing for is made by the procedural engine. The event log records, per
layer, the file or the procedural voice it used (`LayerEvent`). Given `roots` (the `--library`
folders), only files inside them are used, whatever else the index holds.
"""

from __future__ import annotations

import os
from typing import Any, Mapping, Sequence

import numpy as np

from foley_assistant.core.events import SoundEvent
from foley_assistant.core.tracks import ObjectTrack, ShotTracks
from foley_assistant.generators.base import DryAudio, LayerEvent
from foley_assistant.generators.library.cutting import Cut, bed, load_mono, one_shots, varispeed
from foley_assistant.generators.library.index import LibraryFile, LibraryIndex
from foley_assistant.generators.procedural.dsp import db_to_gain, event_rng
from foley_assistant.generators.procedural.engine import rpm_for_speed
from foley_assistant.generators.procedural.events import presence_events
from foley_assistant.generators.procedural.generator import ProceduralGenerator, TrackReading, layer_log
from foley_assistant.generators.procedural.kinematics import DEFAULT_HFOV_DEG
from foley_assistant.generators.procedural.presence import Life, apply_life_gate, object_life, peak_of
from foley_assistant.generators.procedural.voice_map import VoiceMap, VoiceSpec, engine_spec

CANDIDATES = 8
ONE_SHOT_PEAK_DBFS = -12.0  # a strength-1 one-shot peaks here
BED_RMS_DBFS = -20.0  # a bed at its reference speed
ONE_SHOT_MAX_S = {"footsteps": 0.8, "impacts": 2.5, "whoosh": 2.0}
BED_FADE_S = 0.15
REFERENCE_SPEED = {"engine": 10.0, "cloth": 1.5}


class LibraryGenerator:
    """A `DryGenerator` over an indexed SFX library (see the module docstring)."""

    engine = "library"

    def __init__(
        self,
        index: LibraryIndex,
        hfov_deg: float = DEFAULT_HFOV_DEG,
        voices: VoiceMap | Mapping[str, Any] | None = None,
        roots: Sequence[str | os.PathLike[str]] | None = None,
    ) -> None:
        self.index = index
        self.roots = None if roots is None else tuple(roots)
        self.procedural = ProceduralGenerator(hfov_deg=hfov_deg, voices=voices)
        self.hfov_deg = self.procedural.hfov_deg
        self._audio: dict[tuple[str, int], np.ndarray] = {}
        self._cuts: dict[tuple[str, int, str], list[Cut]] = {}

    def voice_for(self, label: str) -> VoiceSpec:
        """The voice entry used for a label (the same map as the procedural engine)."""
        return self.procedural.voice_for(label)

    def generate(self, obj: ObjectTrack, shot: ShotTracks, n_samples: int, sample_rate: int, seed: int) -> DryAudio:
        """Dry audio of `n_samples` for `obj` from library sounds, or procedural when none match."""
        spec = self.voice_for(obj.label)
        query = spec.library_query(obj.label)
        found = self.index.search(query, limit=CANDIDATES, roots=self.roots)
        if not found or not obj.frames or n_samples == 0:
            made = self.procedural.generate(obj, shot, n_samples, sample_rate, seed)
            return DryAudio(made.samples, made.sample_rate, made.events, made.voice, made.sources, engine="procedural")
        reading = TrackReading(obj, shot, self.hfov_deg, float(spec.get("height_m")))
        life = object_life(obj, shot, sample_rate, float(spec.get("release_s")))
        out = np.zeros(n_samples)
        events, sources = self._from_library(spec, reading, found, out, sample_rate, event_rng(seed, obj.id + "/library", 0), life) or ((), ())
        names = [f"library: {query}"]
        layers: list[LayerEvent] = []
        for index, layer in enumerate(spec.layers, start=1):
            part = np.zeros(n_samples)
            layer_query = layer.library_query(obj.label)
            layer_found = self.index.search(layer_query, limit=CANDIDATES, roots=self.roots)
            rng = event_rng(seed, f"{obj.id}/library/layer{index}", 0)
            made = self._from_library(layer, reading, layer_found, part, sample_rate, rng, life) if layer_found else None
            if made is not None:
                engine, name, sounded = "library", f"library: {layer_query}", list(zip(*made))
            else:  # nothing usable in the library for this layer: the procedural voice
                placed = tuple(self.procedural.render_voice(layer, reading, life, part, sample_rate, seed, index))
                engine, name, sounded = "procedural", layer.name, [(e, layer.name) for e in placed]
            part *= db_to_gain(float(layer.get("level_db")))
            out += part
            names.append(name)
            layers += layer_log(index, layer, engine, sounded, reading, n_samples, sample_rate)
        apply_life_gate(out, life, sample_rate, 0.0, db_to_gain(float(spec.get("level_db"))))
        peak = peak_of(out)
        if peak > 0.98:
            out *= 0.98 / peak
        return DryAudio(out.astype(np.float32), sample_rate, events, "+".join(names), sources, layers=tuple(layers))

    def _from_library(
        self,
        spec: VoiceSpec,
        reading: TrackReading,
        found: list[LibraryFile],
        out: np.ndarray,
        sample_rate: int,
        rng: np.random.Generator,
        life: Life,
    ) -> tuple[tuple[SoundEvent, ...], tuple[str, ...]] | None:
        """One voice from library files into `out`: one-shots on its events, or a bed over the object's
        life; (events, per-event sources), or None when the files hold nothing usable (no one-shot
        could be cut from them)."""
        if spec.voice in ONE_SHOT_MAX_S:
            return self._one_shots(spec, reading, found, out, sample_rate, rng, life.start, min(life.end, len(out)))
        return self._bed(spec, reading, found, out, sample_rate, rng, life.start, min(life.stop, len(out)))

    def _one_shots(
        self,
        spec: VoiceSpec,
        reading: TrackReading,
        found: list[LibraryFile],
        out: np.ndarray,
        sample_rate: int,
        rng: np.random.Generator,
        start: int,
        end: int,
    ) -> tuple[tuple[SoundEvent, ...], tuple[str, ...]] | None:
        """A cut on every event of the voice; returns the events and, per event, "path@offset" (None
        when no file gives a one-shot)."""
        events = {"footsteps": reading.footfalls, "impacts": reading.impacts, "whoosh": reading.swishes}[spec.voice]()
        placed = [e for e in events if max(start, 0) <= e.sample_index(sample_rate) < end]
        pool = {f.path: self._cuts_of(f.path, sample_rate, spec.voice) for f in found}
        pool = {path: cuts for path, cuts in pool.items() if cuts}
        if not pool:
            return None
        paths = list(pool)
        previous = ""
        sources = []
        for event in placed:
            choices = [p for p in paths if p != previous] or paths
            path = choices[int(rng.integers(len(choices)))]
            cut = pool[path][int(rng.integers(len(pool[path])))]
            level = db_to_gain(ONE_SHOT_PEAK_DBFS + 20 * np.log10(max(event.strength, 0.02)) * 0.8 + rng.uniform(-1.5, 1.5))
            sound = cut.samples * (level / (float(np.max(np.abs(cut.samples))) or 1.0))
            at = event.sample_index(sample_rate) - cut.preroll
            lo, hi = max(at, 0), min(at + len(sound), len(out))
            if hi > lo:
                out[lo:hi] += sound[lo - at : hi - at]
            sources.append(f"{path}@{cut.offset_s:.3f}")
            previous = path
        return tuple(placed), tuple(sources)

    def _bed(
        self,
        spec: VoiceSpec,
        reading: TrackReading,
        found: list[LibraryFile],
        out: np.ndarray,
        sample_rate: int,
        rng: np.random.Generator,
        start: int,
        stop: int,
    ) -> tuple[tuple[SoundEvent, ...], tuple[str, ...]]:
        """One file looped or trimmed over the object's life, following its speed."""
        lo, hi = max(start, 0), min(stop, len(out))
        if hi <= lo:
            return (), ()
        choice = found[int(rng.integers(min(3, len(found))))]
        source = self._load(choice.path, sample_rate)
        speed, _ = reading.speed().at(np.arange(lo, hi) / sample_rate)
        reference = REFERENCE_SPEED.get(spec.voice, 1.0)
        if spec.voice == "engine":
            engine = engine_spec(spec.params)
            rpm = rpm_for_speed(speed, engine)
            rate = np.clip(rpm / float(rpm_for_speed(np.array([reference]), engine)[0]), 0.75, 1.4)
            sound = varispeed(bed(source, int(np.sum(rate)) + 2, sample_rate, rng), rate)
            gain = np.clip(0.5 + 0.5 * speed / reference, 0.5, 1.5)
        else:
            sound = bed(source, hi - lo, sample_rate, rng)
            gain = np.clip(speed / reference, 0.0, 1.5)
        sound = sound / (np.sqrt(np.mean(sound**2)) + 1e-12) * db_to_gain(BED_RMS_DBFS) * gain
        fade = min(int(BED_FADE_S * sample_rate), (hi - lo) // 2)
        if fade > 0:
            sound[:fade] *= np.sin(np.linspace(0.0, np.pi / 2, fade))
        out[lo:hi] += sound
        events = presence_events(reading.obj, reading.shot)
        return events, tuple(choice.path for _ in events)

    def _load(self, path: str, sample_rate: int) -> np.ndarray:
        key = (path, sample_rate)
        if key not in self._audio:
            self._audio[key] = load_mono(path, sample_rate)
        return self._audio[key]

    def _cuts_of(self, path: str, sample_rate: int, voice: str) -> list[Cut]:
        key = (path, sample_rate, voice)
        if key not in self._cuts:
            self._cuts[key] = one_shots(self._load(path, sample_rate), sample_rate, ONE_SHOT_MAX_S[voice])
        return self._cuts[key]
