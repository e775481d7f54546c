"""The generate and render stages: a dry sound per object, placed along its curves."""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from foley_assistant.core.edit_state import ManualCurves
from foley_assistant.core.errors import FoleyError
from foley_assistant.core.samples import Samples, SpilledSamples
from foley_assistant.core.shot import Shot
from foley_assistant.core.tracks import ObjectTrack, ShotTracks
from foley_assistant.generators.base import DryAudio, DryGenerator
from foley_assistant.generators.library import LibraryGenerator, LibraryIndex, default_index_path
from foley_assistant.generators.procedural import ProceduralGenerator
from foley_assistant.pipeline.output.object_sound import ObjectSound
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.pipeline.spine.handles import NO_HANDLES, Handles, extended_tracks, shifted_curves
from foley_assistant.spatial.curves import CurveSettings, object_curves
from foley_assistant.spatial.loudness import LoudnessResult, LoudnessSettings, loudness_gain_of_blocks
from foley_assistant.spatial.render import PlacedStem, mix_blocks
from foley_assistant.spatial.settings import StereoSettings

log = logging.getLogger(__name__)

ENGINE_CHOICES = ("procedural", "library", "neural")


@dataclass(frozen=True)
class EngineChoice:
    """The generator that will run, and why it differs from the one asked for (if it does).

    `library` is the open SFX-library index of the library engine (closed by `close`).
    """

    generator: DryGenerator
    requested: str
    used: str
    note: str = ""
    library: LibraryIndex | None = None
    library_stats: dict[str, float | int] | None = None
    neural: Any = None  # a pipeline.spine.neural.NeuralSession when the neural worker is running

    def close(self) -> list[str]:
        """Release what the engine holds open (the library index, the neural worker); returns the
        neural session's notes (shots that fell back)."""
        if self.library is not None:
            self.library.close()
        return self.neural.close() if self.neural is not None else []


def choose_engine(
    requested: str,
    hfov_deg: float,
    library_dirs: tuple[Path, ...] = (),
    library_db: Path | None = None,
    model_dir: Path | None = None,
) -> EngineChoice:
    """The generator for an engine name; engines not in this build, or a neural engine without a
    usable model, fall back to procedural (the note says why).

    The library engine indexes `library_dirs` first (incrementally, into `library_db` or the
    default index) and needs at least one folder.
    """
    if requested not in ENGINE_CHOICES:
        raise ValueError(f"unknown engine {requested!r}; choose one of {', '.join(ENGINE_CHOICES)}")
    generator = ProceduralGenerator(hfov_deg=hfov_deg)
    if requested == "procedural":
        return EngineChoice(generator, requested, "procedural")
    if requested == "library":
        if not library_dirs:
            raise FoleyError("the library engine needs your sound effects: add --library FOLDER (WAV, FLAC or AIFF files).")
        index = LibraryIndex(library_db or default_index_path())
        try:
            stats = index.update(library_dirs)
        except BaseException:
            index.close()
            raise
        log.info("library: %s", stats.to_dict())
        return EngineChoice(LibraryGenerator(index, hfov_deg=hfov_deg, roots=library_dirs), requested, "library", library=index, library_stats=stats.to_dict())
    if requested == "neural":
        from foley_assistant.pipeline.spine.neural import open_neural

        session, note = open_neural(model_dir)
        if session is not None:
            return EngineChoice(generator, requested, "neural", neural=session)
        return EngineChoice(generator, requested, "procedural", note)
    note = f"the {requested} engine is not part of this version yet; the procedural engine was used instead"
    return EngineChoice(generator, requested, "procedural", note)


def object_seed(seed: int, shot_id: str, object_id: str) -> int:
    """A stable per-object seed, so one object's sound does not change when others are added."""
    return zlib.crc32(f"{seed}/{shot_id}/{object_id}".encode()) & 0x7FFFFFFF


def sounding_objects(shot_tracks: ShotTracks) -> ShotTracks:
    """The shot with only the objects that get a stem (`mover`)."""
    return replace(shot_tracks, objects=tuple(o for o in shot_tracks.objects if o.mover))


def sound_shot(
    shot: Shot,
    shot_tracks: ShotTracks,
    engine: EngineChoice,
    stereo: StereoSettings,
    hfov_deg: float,
    seed: int,
    context: JobContext,
    curve_settings: CurveSettings | None = None,
    manual: Mapping[str, ManualCurves] | None = None,
    handles: Handles = NO_HANDLES,
) -> list[ObjectSound]:
    """Generate and place every mover of a shot (candidates the editor has not accepted get no
    stem; a placed stem is a `PlacedStem`, rendered a block at a time when it is read) along its curves, with the editor's keyframes (`manual`, by object id) on top; sample 0
    is the shot's first frame, or with `handles` the first of the handle before it (the sound
    made from the tracks held through the handles, the curves holding their ends:
    `pipeline.spine.handles`). The neural engine places its stems itself, along the tracked
    curves (those with keyframes are placed again from the model's dry output), with no handles."""
    shot_tracks = sounding_objects(shot_tracks)
    fallback = ""
    if engine.neural is not None:

        def reference(obj: ObjectTrack) -> DryAudio:
            return engine.generator.generate(obj, shot_tracks, shot.duration_samples(stereo.sample_rate), stereo.sample_rate, object_seed(seed, shot.id, obj.id))

        made = engine.neural.sound_shot(shot, shot_tracks, stereo, hfov_deg, seed, context, reference, curve_settings, manual)
        if made is not None:
            return made
        fallback = "procedural"  # the worker failed on this shot (its note says so)
    n_samples = handles.before_samples + shot.duration_samples(stereo.sample_rate) + handles.after_samples
    extended = extended_tracks(shot_tracks, handles)
    offset = Fraction(handles.before_samples, stereo.sample_rate)
    sounds = []
    for number, obj in enumerate(shot_tracks.objects, start=1):
        context.report("generate", number - 1, len(shot_tracks.objects), f"{shot.id} {obj.id} {obj.label}")
        used_seed = object_seed(seed, shot.id, obj.id)
        with context.clock.measure("generate"):
            dry = engine.generator.generate(extended.object(obj.id), extended, n_samples, stereo.sample_rate, used_seed)
            if fallback:
                dry = replace(dry, engine=fallback)
        with context.clock.measure("render"):
            curves = object_curves(obj, shot_tracks, hfov_deg, curve_settings, (manual or {}).get(obj.id))
            samples = dry.samples if isinstance(dry.samples, SpilledSamples) else np.asarray(dry.samples, dtype=np.float32)
            placed = PlacedStem(samples, shifted_curves(curves, offset), stereo)  # rendered as it is read
        sounds.append(ObjectSound(shot.id, obj, dry, curves, placed, used_seed))
    context.report("generate", len(shot_tracks.objects), len(shot_tracks.objects), shot.id)
    return sounds


def normalize_loudness(
    sounds: list[ObjectSound],
    n_samples: int,
    sample_rate: int,
    settings: LoudnessSettings,
    beds: list[np.ndarray] | None = None,
    start: int = 0,
) -> tuple[list[ObjectSound], LoudnessResult | None]:
    """Scale all stems of a shot (and their dry sources) by one gain: the mix to the loudness
    target, never above the true-peak ceiling. One common gain keeps the stems summing to the mix.
    `beds` (stereo ambience stems) count in the mix measured; the caller scales them by the same
    gain. The cut is measured: `n_samples` from sample `start` (the end of the handle before it).
    Returns the stems and what was measured and done (None when the shot has no object stems: an
    ambience alone keeps its own level)."""
    if not sounds:
        return sounds, None
    stems = [s.stereo for s in sounds] + list(beds or [])
    result = loudness_gain_of_blocks(lambda: mix_blocks(stems, n_samples, start=start), n_samples, sample_rate, settings)
    if result.gain_db == 0.0:
        return sounds, result
    gain = 10 ** (result.gain_db / 20)
    return [_at_gain(s, gain) for s in sounds], result


def _at_gain(sound: ObjectSound, gain: float) -> ObjectSound:
    """An object's sound at the shot's gain: its dry source scaled, and its stem the placement of
    that scaled source (a placed stem, rendered when it is written: the stem a re-render of the
    delivered dry source gives) or, when the engine gave a stem array, the array scaled."""
    dry = _scaled(sound.dry.samples, gain)
    stereo = sound.stereo.with_dry(dry) if isinstance(sound.stereo, PlacedStem) else _scaled(sound.stereo, gain)
    return replace(sound, stereo=stereo, dry=replace(sound.dry, samples=dry))


def _scaled(samples: Samples, gain: float) -> Samples:
    """float32 `samples` x `gain`, in place where they are float32 and writeable (a run's own
    arrays or a long sound's temporary file: a copy would double the memory or disk a long shot
    needs), the same values either way."""
    if isinstance(samples, SpilledSamples):
        samples.scale(gain)
        return samples
    if samples.dtype == np.float32 and samples.flags.writeable:
        samples *= gain
        return samples
    return (samples * gain).astype(np.float32)
