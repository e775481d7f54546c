"""A stem for an object the editor added or relabelled, made in the background while the app goes on.

In a generated shot, every sounding object (a mover) should have a stem made for its label. After
an edit that breaks that (a drawn object added, a candidate accepted, an object relabelled: its
stem's file still carries the old label, and its sound the old label's voice), `stale_objects`
names the objects, `object_stem_job` makes each one's sound (the project's engine; procedural in
place of the neural model, which makes whole shots only) at the level of the sound it replaces (or
of the shot's other sources), places it along the object's curves and writes it into a job folder
of the scratch area, and `adopt_object_stem` puts it into the session's project, when the object
is still there with that label, without an undo step of its own (an undo past the edit takes the
stem away with it, and the stem is made again when the edit is redone).
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np

from foley_assistant.core.commands import manual_curves_of
from foley_assistant.core.project import Project
from foley_assistant.core.shot import Shot
from foley_assistant.core.stem import Stem, stem_file_stem
from foley_assistant.io.file_set import adopt, job_dir
from foley_assistant.io.json_files import read_project
from foley_assistant.pipeline.editing.session import EditSession
from foley_assistant.pipeline.output.deliver import OutputLayout, write_object
from foley_assistant.pipeline.output.object_sound import ObjectSound
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.pipeline.spine.shot_sound import ShotSettings
from foley_assistant.pipeline.spine.sound import choose_engine, object_seed
from foley_assistant.spatial.curves import object_curves
from foley_assistant.spatial.render import render_stem


@dataclass(frozen=True)
class ObjectStem:
    """A stem made for one object: the stem record, the label it was made for, the job folder its
    files are in, and the engine used when another was asked for (neural), else ""."""

    stem: Stem
    label: str
    files_dir: Path
    stand_in: str = ""


def stale_objects(project: Project, shot_id: str, exists: Callable[[str], bool] = lambda path: True) -> list[str]:
    """The movers of a generated shot with no stem, whose stem was made for another label, or
    whose stem file is not there (`exists(path)` False: restored work whose render was lost)."""
    if not any(s.shot_id == shot_id and not s.is_ambience for s in project.stems):
        return []
    tracks = next((t for t in project.tracks.shots if t.shot_id == shot_id), None)
    if tracks is None:
        return []
    stems = {s.object_id: s for s in project.stems if s.shot_id == shot_id and not s.is_ambience}
    layout = OutputLayout(Path("."))
    stale = []
    for obj in tracks.objects:
        if not obj.mover:
            continue
        stem = stems.get(obj.id)
        if stem is None or stem.path != layout.stem(stem_file_stem(shot_id, obj.id, obj.label)) or not exists(stem.path):
            stale.append(obj.id)
    return stale


def level_for(session: EditSession, shot_id: str, object_id: str) -> float:
    """The RMS level a new sound of the object is made at: that of its present dry sound, or the
    median of the shot's other dry sources (0: as the engine makes it)."""
    stems = [s for s in session.stems_of(shot_id) if not s.is_ambience]
    own = [s for s in stems if s.object_id == object_id]
    levels = []
    for stem in own or stems:
        try:
            dry = session.dry_audio(stem)
        except Exception:  # noqa: BLE001 - a missing dry file only means no level to match
            continue
        if dry.size:
            levels.append(float(np.sqrt(np.mean(np.square(dry, dtype=np.float64)))))
    return float(np.median(levels)) if levels else 0.0


def object_stem_job(shot: Shot, project: Project, object_id: str, out_dir: Path, rendered: ShotSettings, context: JobContext, level_rms: float = 0.0) -> ObjectStem:
    """Make, place and write the object's stem (see the module docstring)."""
    tracks = project.tracks.shot(shot.id)
    obj = tracks.object(object_id)
    asked = project.settings.engine
    name = "procedural" if asked == "neural" else asked
    engine = choose_engine(name, project.settings.hfov_deg, ())
    stereo = rendered.stereo
    try:
        context.report("render", 0, 1, f"{shot.id} {obj.id} {obj.label}")
        seed = object_seed(project.settings.seed, shot.id, obj.id)
        dry = engine.generator.generate(obj, tracks, shot.duration_samples(stereo.sample_rate), stereo.sample_rate, seed)
        dry = replace(dry, samples=np.asarray(dry.samples))  # a long sound read from its temporary file: the app's edits take arrays
    finally:
        engine.close()
    rms = float(np.sqrt(np.mean(np.square(dry.samples, dtype=np.float64)))) if dry.samples.size else 0.0
    if level_rms > 0 and rms > 0:
        dry = replace(dry, samples=(dry.samples * (level_rms / rms)).astype(np.float32))
    curves = object_curves(obj, tracks, project.settings.hfov_deg, rendered.curves, manual_curves_of(project, shot.id, obj.id))
    placed = render_stem(dry.samples, curves, stereo)
    files_dir = job_dir(out_dir)
    stem = write_object(OutputLayout(files_dir), shot, ObjectSound(shot.id, obj, dry, curves, placed, seed), dry.engine or engine.used)
    context.report("render", 1, 1, f"{shot.id} {obj.id} {obj.label}")
    return ObjectStem(stem, obj.label, files_dir, stand_in=name if name != asked else "")


def adopt_object_stem(session: EditSession, made: ObjectStem) -> bool:
    """Put a made stem into the session's project in place of the object's old one (the files
    into the scratch area); False, and its files dropped, when the object has gone, is silent, or
    has another label by now."""
    stem = made.stem
    if not made.files_dir.resolve().is_relative_to(session.scratch.resolve()):
        return False  # made for another folder (the app opened another project meanwhile)
    if not made.files_dir.is_dir():
        return False  # its scratch was cleared meanwhile (the project closed): nothing to adopt
    tracks = session.tracks_of(stem.shot_id)
    obj = None if tracks is None else next((o for o in tracks.objects if o.id == stem.object_id), None)
    if obj is None or not obj.mover or obj.label != made.label:
        shutil.rmtree(made.files_dir, ignore_errors=True)
        return False
    adopt(session.out_dir, made.files_dir)
    project = session.project
    old = {s.path for s in project.stems if (s.shot_id, s.object_id) == (stem.shot_id, stem.object_id)}
    others = tuple(s for s in project.stems if s.path not in old)
    mixer = tuple(replace(m, path=stem.path) if m.path in old else m for m in project.mixer)  # its gain and mute stay
    session.forget_audio([stem.path])
    session.stack.amend(replace(project, stems=others + (stem,), mixer=mixer))
    return True


def keep_found_renders(session: EditSession) -> None:
    """Restored work (an autosave) may name stems made in the background whose files went with
    the session that made them (its scratch area is dropped when the folder is opened again): each
    such stem gives way to the saved project's stem of its object when that file is there, or
    is left out (its object then has its stem made again, `stale_objects`). Without an undo step."""
    project = session.project
    found = [s for s in project.stems if session.file_of(s.path).is_file()]
    if len(found) == len(project.stems):
        return
    saved_file = session.project_file
    saved = read_project(saved_file).stems if saved_file.is_file() else ()
    have = {(s.shot_id, s.object_id) for s in found}
    stand_ins = tuple(
        s for s in saved if (s.shot_id, s.object_id) not in have and any((s.shot_id, s.object_id) == (m.shot_id, m.object_id) for m in project.stems) and session.file_of(s.path).is_file()
    )
    session.stack.amend(replace(project, stems=tuple(found) + stand_ins))
