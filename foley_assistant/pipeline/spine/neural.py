"""The neural engine inside `generate`: find the model, start its worker once, get each shot's
stereo stems from it, and fall back to the procedural engine, saying so, whenever it cannot.

The model folder is the one given (`generate --model DIR`), else $FOLEY_ASSISTANT_MODEL, else the
small model bundled in resources/model when there is one. Neural stems come out already placed
(stereo), along the tracked curves, so the panner is skipped for them. The model's output is kept
as a dry source like any other: the stem projected back through the tracked curves' channel
gains (`unpan`), written to dry/ beside the stem. It is what the REAPER session re-pans with the
automation, and what an edit of the curves is placed from (by `spatial.render.render_stem`, as
for every other stem), so audio and automation agree. An object with the editor's keyframes is
placed from it at once, along its curves with the keys on top.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from dataclasses import replace
from importlib.resources import files
from pathlib import Path
from typing import Callable, Mapping

import numpy as np

from foley_assistant.core.curves import SpatialCurves
from foley_assistant.core.edit_state import ManualCurves
from foley_assistant.core.errors import Cancelled
from foley_assistant.core.shot import Shot
from foley_assistant.core.tracks import ObjectTrack, ShotTracks, TracksDocument
from foley_assistant.generators.base import DryAudio
from foley_assistant.generators.neural.client import WorkerClient, WorkerError, model_is_usable
from foley_assistant.pipeline.output.object_sound import ObjectSound
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.pipeline.spine.neural_cost import DEFAULT_STEPS, NeuralCost
from foley_assistant.pipeline.spine.neural_levels import limit_peaks, match_level, onset_events, peak_ceiling
from foley_assistant.spatial.control import controls_of, per_sample
from foley_assistant.spatial.curves import CurveSettings, curves_from_track, object_curves
from foley_assistant.spatial.render import render_stem
from foley_assistant.spatial.settings import StereoSettings
from foley_assistant.spatial.stereo import stereo_gains

log = logging.getLogger(__name__)

MODEL_ENV = "FOLEY_ASSISTANT_MODEL"
#: The procedural engine's dry sound of an object of the shot (the level reference).
ReferenceSound = Callable[[ObjectTrack], DryAudio]


def candidate_model_dirs(explicit: Path | None) -> list[Path]:
    """Where a model is looked for, in order."""
    if explicit is not None:
        return [Path(explicit)]
    found = [Path(os.environ[MODEL_ENV])] if os.environ.get(MODEL_ENV) else []
    bundled = Path(str(files("foley_assistant.resources"))) / "model"
    return found + [bundled]


def channel_gains(curves: SpatialCurves, n_samples: int, settings: StereoSettings) -> np.ndarray:
    """(2, n) left/right gains per sample that the stereo renderer would apply along `curves`."""
    controls = controls_of(curves, n_samples, settings)
    left, right = stereo_gains(controls, settings)
    return np.stack([per_sample(left, controls.interval, n_samples), per_sample(right, controls.interval, n_samples)])


def unpan(stereo: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """The mono source d with stereo ~ gains * d, by least squares per sample:
    d = (gL L + gR R) / (gL^2 + gR^2)."""
    power = np.maximum(np.sum(gains**2, axis=0), 1e-4)
    return (np.sum(gains * stereo, axis=0) / power).astype(np.float32)


class NeuralSession:
    """One worker for one generate run."""

    def __init__(self, client: WorkerClient) -> None:
        self.client = client
        self.notes: list[str] = []
        self.binaural_noted = False
        self.workdir = tempfile.TemporaryDirectory(prefix="foley-neural-")
        info = client.info
        self.cost = NeuralCost(str(info.get("device", "cpu")), str(info.get("dtype", "float32")), int(info.get("steps") or DEFAULT_STEPS))

    def sound_shot(
        self,
        shot: Shot,
        shot_tracks: ShotTracks,
        stereo: StereoSettings,
        hfov_deg: float,
        seed: int,
        context: JobContext,
        reference: ReferenceSound,
        curve_settings: CurveSettings | None = None,
        manual: Mapping[str, ManualCurves] | None = None,
        targets: tuple[str, ...] | None = None,
    ) -> list[ObjectSound] | None:
        """Every object's stem from the worker (placed again from its dry source along the
        editor's keyframes, `manual` by object id, where it has some); None (with a note) when
        the worker failed on this shot. The model makes loudspeaker stereo: when binaural was
        asked for, it says so once.

        `reference` gives the procedural engine's dry sound of an object: each stem is brought to
        its loudness along the same curves, its peaks limited to its peak, and the onsets heard
        in it are its events (`neural_levels`); an object the model left silent gets the
        reference's sound, and a note says so. `targets`: the object ids wanted (default every
        object; the model hears all of them either way)."""
        if not shot_tracks.objects:
            return []
        if stereo.binaural is not None and not self.binaural_noted:
            self.binaural_noted = True
            self.notes.append("the neural engine makes loudspeaker stereo stems: --binaural applies to the procedural engine only")
        n_samples = shot.duration_samples(stereo.sample_rate)
        shot_dict = TracksDocument((shot_tracks,)).to_dict()["shots"][0]
        media = shot.media_path if shot.media_path and shot.media_status == "found" else None
        wanted = [obj for obj in shot_tracks.objects if targets is None or obj.id in targets]
        total = len(wanted)

        def progress(done: int, steps: int) -> None:
            context.report("generate", done * total // max(1, steps), total, f"{shot.id} neural")

        seconds = n_samples / stereo.sample_rate
        announcement = self.cost.announcement(shot.id, total, seconds)
        if announcement:
            log.warning(announcement)
        started = time.perf_counter()
        try:
            with context.clock.measure("generate"):
                stems = self.client.generate(shot_dict, n_samples, self.workdir.name, media, targets=[obj.id for obj in wanted], seed=seed, on_progress=progress, cancel=context.cancel)
        except WorkerError as exc:
            note = f"shot {shot.id}: the neural worker failed ({exc}); the procedural engine was used for this shot"
            log.warning(note)
            self.notes.append(note)
            return None
        self.cost.record(total, seconds, time.perf_counter() - started)
        sounds = []
        for obj in wanted:
            with context.clock.measure("render"):
                curves = curves_from_track(obj, shot_tracks, hfov_deg, curve_settings)
                gains = channel_gains(curves, n_samples, stereo)
                model_stem = stems[obj.id].astype(np.float32)
                procedural = reference(obj)
                reference_stem = render_stem(procedural.samples, curves, stereo)
                level = match_level(model_stem, reference_stem, stereo.sample_rate)
                keys = (manual or {}).get(obj.id)
                if keys is not None and not keys.is_empty:
                    curves = object_curves(obj, shot_tracks, hfov_deg, curve_settings, keys)
                if level.silent:
                    note = f"shot {shot.id} {obj.id} ({obj.label}): {level.describe()}"
                    log.warning(note)
                    self.notes.append(note)
                    dry_audio = replace(procedural, engine="procedural", reason=f"{procedural.reason}; {level.describe()}".lstrip("; "))
                    placed = reference_stem if keys is None or keys.is_empty else render_stem(procedural.samples, curves, stereo)
                    sounds.append(ObjectSound(shot.id, obj, dry_audio, curves, placed, seed))
                    continue
                placed = limit_peaks(model_stem * np.float32(10 ** (level.gain_db / 20)), stereo.sample_rate, peak_ceiling(reference_stem))
                dry = unpan(placed, gains)
                if keys is not None and not keys.is_empty:
                    placed = render_stem(dry, curves, stereo)
                events = onset_events(placed, stereo.sample_rate, obj.label, obj.id)
            sounds.append(ObjectSound(shot.id, obj, DryAudio(dry, stereo.sample_rate, events, "neural", engine="neural", reason=level.describe()), curves, placed, seed))
        context.report("generate", total, total, shot.id)
        return sounds

    def close(self) -> list[str]:
        """Stop the worker; returns the notes gathered on the way."""
        self.client.close()
        self.workdir.cleanup()
        return self.notes


def open_neural(model_dir: Path | None) -> tuple[NeuralSession | None, str]:
    """A started worker session, or None and the note that explains the fallback."""
    reasons = []
    for candidate in candidate_model_dirs(model_dir):
        reason = model_is_usable(candidate)
        if reason:
            reasons.append(reason)
            continue
        try:
            return NeuralSession(WorkerClient(candidate)), ""
        except (WorkerError, OSError) as exc:
            reasons.append(f"the model worker for {candidate} did not start ({exc})")
        except Cancelled:  # pragma: no cover - nothing cancels before the first shot
            raise
    why = "; ".join(dict.fromkeys(reasons)) or "no model folder"
    return None, f"neural engine unavailable: {why}. The procedural engine was used instead (train a model with `foley-assistant train`, or pass --model DIR)"
