"""`generate --engine neural`: stems from the worker with a tiny model, and the procedural fallback
(said in the notes, recorded per stem in report.json) when there is no model."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile

from foley_assistant.cli.main import main
from foley_assistant.pipeline.generate import GenerateRequest, run_generate


def test_neural_engine_makes_every_stem(small_cut, tiny_model_dir, tmp_path):
    out = tmp_path / "neural"
    result = run_generate(GenerateRequest(timeline_path=small_cut.timeline_path, out_dir=out, engine="neural", model_dir=tiny_model_dir))
    assert result.status == "complete" and result.notes == []
    report = json.loads((out / "report.json").read_text())
    assert report["engine_requested"] == "neural"
    assert report["stems"] and {s["engine"] for s in report["stems"]} == {"neural"}
    for shot in result.shots:
        stems = [s for s in result.stems if s.shot_id == shot.id]
        for stem in stems:
            audio, rate = soundfile.read(out / stem.path, always_2d=True)
            assert rate == 48000 and audio.shape == (shot.duration_samples(48000), 2)
            assert np.abs(audio).max() > 1e-3
            dry, _ = soundfile.read(out / "dry" / (stem.path.split("/")[-1]), always_2d=True)
            assert dry.shape == (shot.duration_samples(48000), 1)
    assert (out / "project.rpp").is_file() and (out / "timeline.otio").is_file()


def test_without_a_model_the_procedural_engine_is_used_and_said(small_cut, tmp_path, capsys):
    out = tmp_path / "fallback"
    code = main(["generate", str(small_cut.timeline_path), "--out", str(out), "--engine", "neural", "--model", str(tmp_path / "no-model"), "-q"])
    assert code == 0
    err = capsys.readouterr().err
    assert "neural engine unavailable" in err and "procedural engine was used" in err
    report = json.loads((out / "report.json").read_text())
    assert {s["engine"] for s in report["stems"]} == {"procedural"}
    assert all(s["engine_requested"] == "neural" for s in report["stems"])
    assert any("no trained model" in note for note in report["notes"])


def test_a_neural_stem_whose_curves_are_edited_is_placed_again_from_the_models_dry_output(small_cut, tiny_model_dir, tmp_path):
    from fractions import Fraction

    from foley_assistant.core.commands import SetKeyframe
    from foley_assistant.io.audio import read_audio
    from foley_assistant.pipeline.editing.session import EditSession
    from foley_assistant.pipeline.spine.neural import channel_gains, unpan
    from foley_assistant.spatial.render import render_stem

    out = tmp_path / "neural"
    run_generate(GenerateRequest(timeline_path=small_cut.timeline_path, out_dir=out, engine="neural", model_dir=tiny_model_dir, shot_ids=("S002",)))
    session = EditSession.open(out)
    stem = session.stems_of("S002")[0]
    assert stem.engine == "neural"
    model_stem = read_audio(out / stem.path)[0]
    dry = session.dry_audio(stem)
    # the dry source kept is the model's stem projected back through the curves it was placed along
    tracked = session.curves_of("S002", stem.object_id)
    np.testing.assert_allclose(dry, unpan(model_stem, channel_gains(tracked, stem.length_samples, session.stereo)), atol=1e-5)

    def balance_db(audio: np.ndarray) -> float:
        left, right = (float(np.sqrt(np.mean(np.square(c, dtype=np.float64)))) for c in audio)
        return 20 * np.log10((right + 1e-12) / (left + 1e-12))

    end = Fraction(stem.length_samples, stem.sample_rate)
    session.execute(SetKeyframe("S002", stem.object_id, "azimuth_deg", Fraction(0), -60.0))
    result = session.execute(SetKeyframe("S002", stem.object_id, "azimuth_deg", end, -60.0))
    assert result.rerendered == [stem.path]
    edited = session.stem_audio(stem)
    # the audio follows the new curves (hard left), as the automation does
    np.testing.assert_allclose(edited, render_stem(dry, session.curves_of("S002", stem.object_id), session.stereo), atol=1e-6)
    assert balance_db(edited) < -20 and balance_db(edited) < balance_db(model_stem) - 10
    # undone back to the tracked curves, the model's own stem is heard again, bit for bit
    session.undo()
    session.undo()
    assert np.array_equal(session.stem_audio(stem), model_stem)
    session.redo()
    session.redo()
    session.save()
    assert balance_db(read_audio(out / stem.path)[0]) < -20
    assert np.array_equal(read_audio(out / "dry" / stem.path.split("/")[-1])[0][0], dry)  # the model's dry output is kept
    # made again by the model with the editor's keys in the project: placed along them at once
    from dataclasses import replace

    from foley_assistant.core.progress import CancelToken, ignore_progress
    from foley_assistant.pipeline.editing.session_jobs import generate_job
    from foley_assistant.pipeline.progress import JobContext
    from foley_assistant.pipeline.spine.shot_spine import EngineOptions

    context = JobContext(ignore_progress, CancelToken())
    run = generate_job([session.shot("S002")], session.project, out, context, replace(session.project.settings, engine="neural"), EngineOptions(model_dir=tiny_model_dir))
    session.apply_generated(run)
    again = session.stems_of("S002")[0]
    assert again.engine == "neural" and balance_db(session.stem_audio(again)) < -20
    np.testing.assert_allclose(session.stem_audio(again), render_stem(session.dry_audio(again), session.curves_of("S002", again.object_id), session.stereo), atol=2e-4)


def test_a_single_neural_stem_is_made_again_by_the_model_and_its_dry_output_kept(small_cut, tiny_model_dir, tmp_path):
    from foley_assistant.core.progress import CancelToken, ignore_progress
    from foley_assistant.io.audio import read_audio
    from foley_assistant.pipeline.editing.session import EditSession
    from foley_assistant.pipeline.editing.session_jobs import regenerate_job
    from foley_assistant.pipeline.progress import JobContext

    out = tmp_path / "neural"
    run_generate(GenerateRequest(timeline_path=small_cut.timeline_path, out_dir=out, engine="neural", model_dir=tiny_model_dir, shot_ids=("S001",)))
    session = EditSession.open(out)
    stems = session.stems_of("S001")
    assert len(stems) >= 2 and {s.engine for s in stems} == {"neural"}
    stem, other = stems[0], stems[1]
    dry, other_before = session.dry_audio(stem), session.stem_audio(other)
    context = JobContext(ignore_progress, CancelToken())
    again = regenerate_job(session.shot("S001"), session.project, stem, dry, session.out_dir, session.rendered, context, take=2, model_dir=tiny_model_dir)
    assert again.stem.engine == "neural" and again.stem.path == stem.path.replace(".wav", "_t2.wav")  # a take has files of its own
    session.apply_regenerated(again)
    new_dry = session.dry_audio(again.stem)
    assert new_dry.shape == dry.shape and not np.allclose(new_dry, dry)  # a new take: another seed
    # at the level of the take it replaces, its dry output kept beside the stem; the first take kept too
    assert np.sqrt(np.mean(new_dry.astype(np.float64) ** 2)) == pytest.approx(np.sqrt(np.mean(dry.astype(np.float64) ** 2)), rel=1e-3)
    assert np.array_equal(read_audio(out / "dry" / again.stem.path.split("/")[-1])[0][0], new_dry)
    assert np.array_equal(read_audio(out / "dry" / stem.path.split("/")[-1])[0][0], dry) and [t.path for t in session.project.takes] == [stem.path]
    assert np.array_equal(session.stem_audio(other), other_before)  # the other objects' stems are untouched


def test_a_neural_take_without_a_usable_model_says_why(small_cut, generated_small, tmp_path):
    import shutil

    from foley_assistant.core.errors import FoleyError
    from foley_assistant.core.progress import CancelToken, ignore_progress
    from foley_assistant.pipeline.editing.session import EditSession
    from foley_assistant.pipeline.editing.session_jobs import regenerate_job
    from foley_assistant.pipeline.progress import JobContext

    out = tmp_path / "copy"
    shutil.copytree(generated_small, out)
    session = EditSession.open(out)
    stem = session.stems_of("S002")[0]
    with pytest.raises(FoleyError, match="new neural take .* cannot be made: neural engine unavailable"):
        regenerate_job(
            session.shot("S002"), session.project, stem, session.dry_audio(stem), out, session.rendered, JobContext(ignore_progress, CancelToken()), 2, "neural", model_dir=tmp_path / "no-model"
        )
