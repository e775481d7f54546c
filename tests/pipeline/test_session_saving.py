"""The folder holds what the saved project references: edits render into the scratch area, Discard
drops them (the folder is byte for byte as saved), Save moves them in as one set with the project
written last, and a save cut short is undone when the folder is opened again."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from foley_assistant.core.commands import DeleteObject, SetKeyframe, SetStemMix
from foley_assistant.core.edit_state import StemMix, audible_gains
from foley_assistant.core.errors import OutputError
from foley_assistant.core.progress import CancelToken, ignore_progress
from foley_assistant.io.audio import read_audio
from foley_assistant.io.exports.rpp import write_rpp
from foley_assistant.io.json_files import read_project
from foley_assistant.io.timeline import read_timeline
from foley_assistant.pipeline.editing.session import EditSession, session_settings
from foley_assistant.pipeline.editing.session_jobs import generate_job
from foley_assistant.pipeline.output import deliver
from foley_assistant.pipeline.output.deliver import build_rpp, dry_path_of
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.pipeline.spine.handles import shifted_curves
from foley_assistant.spatial.render import render_stem


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _balance_db(audio: np.ndarray) -> float:
    left, right = (float(np.sqrt(np.mean(np.square(c, dtype=np.float64)))) for c in audio[:2])
    return 20 * np.log10((right + 1e-9) / (left + 1e-9))


def _car_hard_left(session: EditSession):
    stem = next(s for s in session.stems_of("S001") if s.label == "car")
    length = Fraction(stem.length_samples, stem.sample_rate)
    session.execute(SetKeyframe("S001", stem.object_id, "azimuth_deg", Fraction(0), -60.0))
    session.execute(SetKeyframe("S001", stem.object_id, "azimuth_deg", length, -60.0))
    return stem


def test_after_edits_and_discard_every_file_is_as_saved(project_copy):
    before = _files(project_copy)
    session = EditSession.open(project_copy)
    saved = session.project
    stem = _car_hard_left(session)
    session.execute(SetStemMix(StemMix(session.stems_of("S001")[0].path, gain_db=-9.0)))
    # a generate job that finished but was not applied: its files are in the scratch area too
    run = generate_job([session.shot("S002")], session.project, session.out_dir, JobContext(ignore_progress, CancelToken()))
    assert run.made and (run.files_dir / run.made[0].stems[0].path).is_file() and run.files_dir.is_relative_to(session.scratch)
    assert _balance_db(session.stem_audio(stem)) < -20  # audition plays the unsaved render
    assert _files(project_copy) == {**before, **{f".scratch/{k}": v for k, v in _files(session.scratch).items()}}
    session.discard()
    assert _files(project_copy) == before and not session.scratch.exists()
    assert session.project == saved and not session.is_modified
    assert np.array_equal(session.stem_audio(stem), _cut(stem, read_audio(project_copy / stem.path)[0]))


def test_after_edits_and_save_the_files_are_a_fresh_render_of_the_saved_project(project_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796601600")  # the two project.rpp below stamped alike, whatever second they are written in
    before = _files(project_copy)
    session = EditSession.open(project_copy)
    generation = session.project.generation
    # a job whose result was never taken (it failed half-way, say): nothing of it is saved
    other_take = replace(session.project.settings, seed=7)
    generate_job([session.shot("S002")], session.project, session.out_dir, JobContext(ignore_progress, CancelToken()), other_take)
    stem = _car_hard_left(session)
    muted = session.stems_of("S002")[0]
    session.execute(SetStemMix(StemMix(muted.path, mute=True)))
    # an object edited, then deleted: its render is not saved, the folder keeps its old file
    walker = next(s for s in session.stems_of("S001") if s.label != "car")
    walker_bytes = (project_copy / walker.path).read_bytes()
    session.execute(SetKeyframe("S001", walker.object_id, "azimuth_deg", Fraction(1), 50.0))
    session.execute(DeleteObject("S001", walker.object_id))
    session.save()
    assert (project_copy / walker.path).read_bytes() == walker_bytes
    assert all(_files(project_copy)[k] == v for k, v in before.items() if k.startswith(("stems/S002", "dry/S002")))
    assert not session.scratch.exists()
    project = read_project(project_copy / "foley_project.json")
    assert project.generation == generation + 1 == session.project.generation
    stereo = session_settings(project.settings).stereo
    curves = {(c.shot_id, c.object_id): c for c in project.curves}
    for saved_stem in project.stems:
        dry = read_audio(project_copy / dry_path_of(saved_stem))[0][0]
        fresh = render_stem(
            dry, shifted_curves(curves[(saved_stem.shot_id, saved_stem.object_id)], Fraction(saved_stem.handle_start_samples, saved_stem.sample_rate)), stereo
        )  # held through its handles
        np.testing.assert_allclose(read_audio(project_copy / saved_stem.path)[0], fresh, atol=2e-4)
    assert _balance_db(read_audio(project_copy / stem.path)[0]) < -20
    gains = audible_gains({m.path: m for m in project.mixer}, [s.path for s in project.stems])
    assert gains[muted.path] == 0.0
    for shot_id in ("S001", "S002"):
        stems = [s for s in project.stems if s.shot_id == shot_id]
        expected = sum(gains[s.path] * _cut(s, read_audio(project_copy / s.path)[0]) for s in stems)  # the mix is the cut's
        np.testing.assert_allclose(read_audio(project_copy / "mix" / f"{shot_id}_mix.wav")[0], expected, atol=1e-4)
    loaded = read_timeline(project.timeline_path)
    write_rpp(tmp_path / "fresh.rpp", build_rpp(project, loaded, stereo, project_copy, project_copy))
    assert (project_copy / "project.rpp").read_bytes() == (tmp_path / "fresh.rpp").read_bytes()
    # an undo past the save brings back an older project: the next save is still one generation up
    session.undo()
    session.save()
    assert read_project(project_copy / "foley_project.json").generation == generation + 2


def test_a_save_that_fails_before_the_project_is_written_leaves_the_folder_as_saved(project_copy, monkeypatch):
    before = _files(project_copy)
    session = EditSession.open(project_copy)
    stem = _car_hard_left(session)
    write_project = deliver.write_project

    def disk_full(path, project):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(deliver, "write_project", disk_full)
    with pytest.raises(OutputError, match="left as it was saved before"):
        session.save()
    assert {k: v for k, v in _files(project_copy).items() if not k.startswith(".scratch/")} == before and session.is_modified
    # the unsaved work is kept: the next save, with room on the disk, saves it
    assert session.file_of(stem.path) == session.scratch / stem.path
    monkeypatch.setattr(deliver, "write_project", write_project)
    session.save()
    assert _balance_db(read_audio(project_copy / stem.path)[0]) < -20 and not session.scratch.exists()


def test_a_crash_between_moving_the_files_and_writing_the_project_is_undone_on_open(project_copy):
    before = _files(project_copy)
    # a real crash: the process dies (os._exit, no clean-up) once the files are in place
    script = textwrap.dedent(
        f"""
        import os
        from fractions import Fraction
        from foley_assistant.core.commands import SetKeyframe
        from foley_assistant.pipeline.output import deliver
        from foley_assistant.pipeline.editing.session import EditSession

        session = EditSession.open({str(project_copy)!r})
        stem = next(s for s in session.stems_of("S001") if s.label == "car")
        end = Fraction(stem.length_samples, stem.sample_rate)
        session.execute(SetKeyframe("S001", stem.object_id, "azimuth_deg", Fraction(0), -60.0))
        session.execute(SetKeyframe("S001", stem.object_id, "azimuth_deg", end, -60.0))
        deliver.write_project = lambda path, project: os._exit(3)
        session.save()
        """
    )
    died = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=dict(os.environ), timeout=300)
    assert died.returncode == 3, died.stderr
    after_crash = _files(project_copy)
    # the new stems, mixes and session files were moved in; the project file is the old one
    assert after_crash["foley_project.json"] == before["foley_project.json"]
    changed = {k for k in before if after_crash.get(k) != before[k]}
    assert {"project.rpp", "mix/S001_mix.wav"} <= changed and any(k.startswith("stems/") for k in changed)
    assert ".scratch/save.json" in after_crash
    # opening the folder puts the saved set back: every file as before, the old project consistent
    session = EditSession.open(project_copy)
    assert _files(project_copy) == before
    stem = next(s for s in session.stems_of("S001") if s.label == "car")
    fresh = render_stem(session.dry_audio(stem), shifted_curves(session.curves_of("S001", stem.object_id), Fraction(stem.handle_start_samples, stem.sample_rate)), session.stereo)
    np.testing.assert_allclose(session.stem_audio(stem), _cut(stem, fresh), atol=1e-4)
    assert _balance_db(session.stem_audio(stem)) > -20


def test_generate_saves_its_folder_as_a_set_one_generation_at_a_time(small_cut, tmp_path):
    from foley_assistant.pipeline.generate import GenerateRequest, run_generate

    out = tmp_path / "out"
    run_generate(GenerateRequest(timeline_path=small_cut.timeline_path, out_dir=out, shot_ids=("S002",)))
    assert read_project(out / "foley_project.json").generation == 1 and not (out / ".scratch").exists()
    first = _files(out)
    run_generate(GenerateRequest(timeline_path=small_cut.timeline_path, out_dir=out, shot_ids=("S001",)))
    project = read_project(out / "foley_project.json")
    assert project.generation == 2 and not (out / ".scratch").exists()
    assert {s.shot_id for s in project.stems} == {"S001", "S002"}
    assert all(_files(out)[k] == first[k] for k in first if k.startswith(("stems/S002", "dry/S002", "mix/S002")))


def _cut(stem, audio):
    """A stem file's audio over its cut (its handles left out)."""
    return audio[:, stem.handle_start_samples : stem.handle_start_samples + stem.length_samples]
