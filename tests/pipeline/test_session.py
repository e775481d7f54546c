"""The editing session over a generated project: edits re-render stems from the kept dry sound,
undo restores them, saving writes a project that reopens the same; the session's jobs."""

from __future__ import annotations

import json
from dataclasses import replace
from fractions import Fraction

import numpy as np
import pytest

from foley_assistant.core.commands import AddObject, DeleteObject, RelabelObject, SetBox, SetKeyframe, SetStemMix
from foley_assistant.core.edit_state import ShotState, StemMix
from foley_assistant.core.errors import FoleyError
from foley_assistant.core.progress import CancelToken, ignore_progress
from foley_assistant.core.tracks import Box
from foley_assistant.io.audio import read_audio, read_bext
from foley_assistant.io.json_files import read_project
from foley_assistant.pipeline.editing.session import EditSession, default_output_folder
from foley_assistant.pipeline.editing.session_jobs import analyze_job, follow_job, generate_job, regenerate_job
from foley_assistant.pipeline.handoff.export_bundle import ExportChoices, export_bundle
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.pipeline.spine.handles import shifted_curves
from foley_assistant.pipeline.spine.sound import object_seed
from foley_assistant.spatial.render import render_stem


def _context() -> JobContext:
    return JobContext(ignore_progress, CancelToken())


def _balance_db(audio: np.ndarray) -> float:
    """Right over left level of a stereo stem (dB)."""
    left, right = (float(np.sqrt(np.mean(np.square(c, dtype=np.float64)))) for c in audio[:2])
    return 20 * np.log10((right + 1e-9) / (left + 1e-9))


def test_opening_a_project_gives_its_shots_states_and_stems(project_copy):
    session = EditSession.open(project_copy)
    assert [s.id for s in session.shots] == ["S001", "S002"]
    assert [session.shot_state(s.id) for s in session.shots] == [ShotState.GENERATED, ShotState.GENERATED]
    assert not session.is_modified
    stems = session.stems_of("S001")
    assert {s.label for s in stems} >= {"car"}
    assert session.stem_audio(stems[0]).shape == (2, stems[0].length_samples)
    meter = session.meter("S001")
    assert -30 < meter.lufs < -16 and meter.peak_dbfs < 0


def test_a_curve_edit_rerenders_the_stem_from_its_dry_sound_and_undo_restores_it(project_copy):
    session = EditSession.open(project_copy)
    stem = next(s for s in session.stems_of("S001") if s.label == "car")
    saved_bytes = (project_copy / stem.path).read_bytes()
    original = read_audio(project_copy / stem.path)[0]
    dry_before = session.dry_audio(stem).copy()
    # hard left for the whole shot: the stem must lean left everywhere
    length = Fraction(stem.length_samples, stem.sample_rate)
    session.execute(SetKeyframe("S001", stem.object_id, "azimuth_deg", Fraction(0), -60.0))
    result = session.execute(SetKeyframe("S001", stem.object_id, "azimuth_deg", length, -60.0))
    assert result.rerendered == [stem.path] and result.render_s < 5
    # the unsaved render is in the scratch area; the folder still holds the saved stem
    assert session.file_of(stem.path) == session.scratch / stem.path
    assert (project_copy / stem.path).read_bytes() == saved_bytes
    edited = read_audio(session.scratch / stem.path)[0]
    assert _balance_db(edited) < -20 < _balance_db(original) - 5
    np.testing.assert_allclose(session.stem_audio(stem), _cut(stem, edited), atol=1e-6)
    assert np.array_equal(session.dry_audio(stem), dry_before)  # the sound itself was not made again
    curves = session.curves_of("S001", stem.object_id)
    assert curves.azimuth_deg.value_at(length / 2) == -60.0
    assert read_bext(session.file_of(stem.path)).time_reference == read_bext(project_copy / stem.path.replace("stems/", "dry/")).time_reference
    assert session.shot_state("S001") is ShotState.EDITED and session.is_modified
    session.undo()
    session.undo()
    # back at the saved curves: the render is dropped and the saved stem is heard, bit for bit
    assert session.file_of(stem.path) == project_copy / stem.path
    assert np.array_equal(session.stem_audio(stem), _cut(stem, original))
    assert session.shot_state("S001") is ShotState.GENERATED and not session.is_modified
    session.redo()
    assert session.stack.can_redo and _balance_db(session.stem_audio(stem)) < _balance_db(_cut(stem, original))


def test_a_moved_box_moves_the_sound(project_copy):
    session = EditSession.open(project_copy)
    tracks = session.tracks_of("S002")
    obj = tracks.objects[0]
    stem = next(s for s in session.stems_of("S002") if s.object_id == obj.id)
    before = _balance_db(session.stem_audio(stem))
    frame = obj.frames[len(obj.frames) // 2].frame
    result = session.execute(SetBox("S002", obj.id, frame, Box(0.9, 0.4, 1.0, 0.6), spread=400))
    assert result.rerendered == [stem.path]
    assert _balance_db(session.stem_audio(stem)) > before + 3
    assert session.project.tracks.shot("S002").object(obj.id).source == "manual"


def test_monitor_mix_follows_gain_mute_and_solo_and_saving_reopens_the_same(project_copy):
    session = EditSession.open(project_copy)
    stems = session.stems_of("S001")
    full = session.shot_mix("S001")
    session.execute(SetStemMix(StemMix(stems[0].path, gain_db=-6.0)))
    expected = full - (1 - 10 ** (-6 / 20)) * session.stem_audio(stems[0])
    np.testing.assert_allclose(session.shot_mix("S001"), expected, atol=1e-5)
    session.execute(SetStemMix(StemMix(stems[0].path, gain_db=-6.0, solo=True)))
    np.testing.assert_allclose(session.shot_mix("S001"), 10 ** (-6 / 20) * session.stem_audio(stems[0]), atol=1e-5)
    session.execute(RelabelObject("S001", stems[-1].object_id, "truck"))
    session.save()
    assert not session.is_modified
    reopened = EditSession.open(project_copy / "foley_project.json")
    assert reopened.project.mixer == session.project.mixer
    assert reopened.project.tracks == session.project.tracks and reopened.project.edited_shots == ("S001",)
    mix_file = read_audio(project_copy / "mix" / "S001_mix.wav")[0]
    np.testing.assert_allclose(mix_file, session.shot_mix("S001"), atol=1e-4)
    assert "truck" in (project_copy / "timeline.otio").read_text()


def test_deleting_an_object_removes_its_stem_from_the_project_but_not_from_disk(project_copy):
    session = EditSession.open(project_copy)
    stem = session.stems_of("S001")[0]
    session.execute(DeleteObject("S001", stem.object_id))
    assert stem.path not in [s.path for s in session.project.stems]
    assert (project_copy / stem.path).is_file()
    session.undo()
    assert stem.path in [s.path for s in session.project.stems]


def test_opening_a_timeline_reopens_its_default_project_or_starts_a_new_one(small_cut, tmp_path):
    session = EditSession.open(small_cut.timeline_path)
    assert session.out_dir == default_output_folder(small_cut.timeline_path)
    assert [session.shot_state(s.id) for s in session.shots] == [ShotState.NOT_ANALYZED] * 2
    assert session.media_range("S001").duration == 70  # 2.8 s at 25 fps
    with pytest.raises(FoleyError, match="without a foley_project.json"):
        EditSession.open(tmp_path)


def test_session_jobs_analyze_generate_follow_and_regenerate(small_cut, tmp_path):
    session = EditSession.open_timeline(small_cut.timeline_path, out_dir=tmp_path / "out")
    shot = session.shot("S002")
    analysis = analyze_job([shot], session.project, _context())
    tracks = analysis.tracks
    assert [t.shot_id for t in tracks] == ["S002"] and tracks[0].objects and not analysis.failed
    from foley_assistant.core.commands import SetShotTracks

    session.execute(SetShotTracks(tracks[0]))
    assert session.shot_state("S002") is ShotState.ANALYZED
    # the editor places the ball by hand before generating: the stem is rendered with the key
    ball = tracks[0].objects[0]
    session.execute(SetKeyframe("S002", ball.id, "azimuth_deg", Fraction(0), 40.0))
    session.execute(SetKeyframe("S002", ball.id, "azimuth_deg", Fraction(12, 5), 40.0))
    result = generate_job([shot], session.project, session.out_dir, _context())
    assert not result.cancelled and [g.shot_id for g in result.made] == ["S002"]
    session.apply_generated(result)
    stem = session.stems_of("S002")[0]
    assert session.shot_state("S002") is ShotState.GENERATED
    assert _balance_db(session.stem_audio(stem)) > 10  # hard right, as keyed
    np.testing.assert_allclose(session.stem_audio(stem), _placed(session, stem, session.curves_of("S002", ball.id)), atol=2e-4)

    # follow a box drawn around the ball in the middle of the shot
    frame = ball.frames[len(ball.frames) // 2]
    followed = follow_job(shot, session.media_range("S002"), frame.frame, frame.box, "ball", 60.0, _context())
    assert followed.source == "manual" and len(followed.frames) >= len(ball.frames) // 2
    truth = {f.frame: f.box for f in ball.frames}
    errors = [abs(f.box.center_x - truth[f.frame].center_x) for f in followed.frames if f.frame in truth]
    assert np.median(errors) < 0.03
    session.execute(AddObject("S002", followed))
    assert [o.id for o in session.tracks_of("S002").objects][-1] == f"O{len(tracks[0].objects) + 1}"

    dry = session.dry_audio(stem)
    again = regenerate_job(shot, session.project, stem, dry, session.out_dir, session.rendered, _context(), take=2)
    assert np.array_equal(session.dry_audio(stem), dry)  # written in the job's own folder until it is taken
    session.apply_regenerated(again)
    assert again.stem.path == stem.path.replace(".wav", "_t2.wav") and not session.is_modified  # the new take has files of its own
    assert session.project.takes == (replace(stem, lane=""),)  # the first take is kept
    assert np.array_equal(read_audio(session.out_dir / again.stem.path.replace("stems/", "dry/"))[0][0], session.dry_audio(again.stem))
    assert np.array_equal(read_audio(session.out_dir / stem.path.replace("stems/", "dry/"))[0][0], dry)
    new_dry = session.dry_audio(again.stem)
    assert not np.allclose(new_dry, dry)
    assert np.sqrt(np.mean(new_dry.astype(np.float64) ** 2)) == pytest.approx(np.sqrt(np.mean(dry.astype(np.float64) ** 2)), rel=1e-3)
    # The project records how each stem was made: the first take by generate, with its seed; the
    # new take's number and seed, in the saved project file too.
    assert stem.take == 1 and stem.seed == object_seed(session.project.settings.seed, "S002", stem.object_id)
    saved = {s.path: s for s in read_project(session.project_file).stems}[again.stem.path]
    assert saved.take == 2 and saved.seed == object_seed(2 * 7919, "S002", stem.object_id) and saved.seed != stem.seed


def test_export_bundle_writes_the_chosen_formats_and_copies_the_stems(project_copy, tmp_path):
    destination = tmp_path / "delivery"
    result = export_bundle(project_copy, ExportChoices(destination, ("otio", "rpp", "edl"), copy_stems=True))
    names = {p.relative_to(destination).as_posix() for p in result.files}
    assert "small_cut.otio" in names and "small_cut.rpp" in names
    assert any(n.startswith("stems/") for n in names) and any(n.startswith("dry/") for n in names) and "mix/S001_mix.wav" in names
    assert any(n.endswith(".edl") for n in names)
    project = read_project(project_copy / "foley_project.json")
    for stem in project.stems:
        assert (destination / stem.path).read_bytes() == (project_copy / stem.path).read_bytes()
    assert json.loads((destination / "small_cut.otio").read_text())["OTIO_SCHEMA"].startswith("Timeline")
    with pytest.raises(FoleyError, match="nothing to export"):
        export_bundle(project_copy, ExportChoices(destination, (), copy_stems=False))


def test_edits_are_placed_with_the_settings_the_folder_was_generated_with(small_cut, tmp_path):
    from foley_assistant.acoustics.panning import PanLaw
    from foley_assistant.pipeline.generate import GenerateRequest, run_generate
    from foley_assistant.spatial.curves import CurveSettings, OffscreenMode
    from foley_assistant.spatial.settings import StereoSettings

    out = tmp_path / "binaural"
    run_generate(
        GenerateRequest(
            timeline_path=small_cut.timeline_path,
            out_dir=out,
            shot_ids=("S001",),
            binaural=True,
            placement=StereoSettings(pan_law=PanLaw.LINEAR, rolloff=1.5),
            curves=CurveSettings(offscreen=OffscreenMode.FADE),
        )
    )
    session = EditSession.open(out)
    assert session.stereo.binaural is not None and session.stereo.pan_law is PanLaw.LINEAR and session.stereo.rolloff == 1.5
    assert session.curve_settings.offscreen is OffscreenMode.FADE
    stem = session.stems_of("S001")[0]
    # the stem as generated is what the session's settings give from its dry source and curves
    np.testing.assert_allclose(session.stem_audio(stem), _placed(session, stem, session.curves_of("S001", stem.object_id)), atol=2e-4)
    session.execute(SetKeyframe("S001", stem.object_id, "distance_m", Fraction(1), 3.0))
    np.testing.assert_allclose(session.stem_audio(stem), _placed(session, stem, session.curves_of("S001", stem.object_id)), atol=1e-6)


def test_generate_job_lays_an_ambience_bed_that_edits_leave_alone(small_cut, tmp_path):
    session = EditSession.open_timeline(small_cut.timeline_path, out_dir=tmp_path / "out")
    shot = session.shot("S002")
    result = generate_job([shot], session.project, session.out_dir, _context(), replace(session.project.settings, ambience="street"))
    session.apply_generated(result)
    assert session.project.settings.ambience == "street"
    beds = [s for s in session.stems_of("S002") if s.is_ambience]
    assert [b.label for b in beds] == ["street"] and (tmp_path / "out" / beds[0].path).is_file()
    bed_before = session.stem_audio(beds[0]).copy()
    mix = read_audio(tmp_path / "out" / "mix" / "S002_mix.wav")[0]
    np.testing.assert_allclose(mix, sum(session.stem_audio(s) for s in session.stems_of("S002")), atol=1e-4)
    ball = session.tracks_of("S002").objects[0]
    edit = session.execute(SetKeyframe("S002", ball.id, "azimuth_deg", Fraction(1), 20.0))
    assert beds[0].path not in edit.rerendered and np.array_equal(session.stem_audio(beds[0]), bed_before)
    with pytest.raises(FoleyError, match="ambience bed"):
        regenerate_job(shot, session.project, beds[0], np.zeros(1, np.float32), session.out_dir, session.rendered, _context(), take=2)


def _cut(stem, audio):
    """A stem file's audio over its cut (its handles left out)."""
    return audio[:, stem.handle_start_samples : stem.handle_start_samples + stem.length_samples]


def _placed(session, stem, curves):
    """The stem's dry source (handles and all) placed along `curves` held through the handles, over the cut."""
    return _cut(stem, render_stem(session.dry_audio(stem), shifted_curves(curves, Fraction(stem.handle_start_samples, stem.sample_rate)), session.stereo))


def test_a_background_stem_whose_job_folder_is_gone_is_not_adopted(project_copy):
    """A stem render that finishes after its job folder went with the scratch area (the project
    was closed or discarded meanwhile) is dropped, not an error in the app's event loop."""
    from foley_assistant.pipeline.editing.object_stem import ObjectStem, adopt_object_stem

    session = EditSession.open(project_copy)
    stem = session.project.stems[0]
    before = session.project
    assert adopt_object_stem(session, ObjectStem(stem, stem.label, session.scratch / ".jobs" / "gone")) is False
    assert session.project == before
