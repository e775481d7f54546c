"""OTIO for Resolve's and Kdenlive's own importers: the schemas of the OTIO they read, stems in frames."""

from __future__ import annotations

import json

import opentimelineio as otio
import pytest

from foley_assistant.core.errors import OutputError
from foley_assistant.io.nle_otio import NLE_SCHEMA_RELEASES, schemas_in, unreadable_schemas
from foley_assistant.pipeline.handoff.export import export_format


@pytest.fixture(scope="module")
def generated(tiny_cut_factory, tmp_path_factory):
    from foley_assistant.pipeline.generate import GenerateRequest, run_generate

    out = tmp_path_factory.mktemp("nle") / "foley"
    result = run_generate(GenerateRequest(timeline_path=tiny_cut_factory("30000/1001", "01:00:00;00"), out_dir=out))
    return out, result.stems


@pytest.mark.parametrize("target", sorted(NLE_SCHEMA_RELEASES))
def test_each_editor_gets_schemas_it_reads_and_stems_in_frames(generated, tmp_path, target):
    out, stems = generated
    path = tmp_path / f"for_{target}.otio"
    export_format(out, "otio", path, nle=target)
    assert unreadable_schemas(path, target) == []
    timeline = otio.adapters.read_from_file(str(path))  # today's OTIO upgrades what it wrote down
    video = list(timeline.video_tracks()[0].find_clips())
    foley = [c for t in timeline.audio_tracks() for c in t.find_clips()]
    assert [c.range_in_parent() for c in foley] == [c.range_in_parent() for c in video]  # a stem per shot, frame for frame
    assert all(c.range_in_parent().start_time.rate == pytest.approx(30000 / 1001) for c in foley)
    assert sorted(c.metadata["foley_assistant"]["record_start_sample"] for c in foley) == [s.record_start_sample for s in stems]


def test_the_check_flags_what_an_older_reader_cannot_read(generated, tmp_path):
    out, _ = generated
    current = tmp_path / "current.otio"
    export_format(out, "otio", current)
    document = json.loads(current.read_text())
    assert ("Clip", 2) in schemas_in(document)
    assert any(p.startswith("Clip.2") for p in unreadable_schemas(current, "otio-0.14"))
    older = tmp_path / "older.otio"
    export_format(out, "otio", older, nle="otio-0.14")
    assert ("Clip", 1) in schemas_in(json.loads(older.read_text())) and ("Clip", 2) not in schemas_in(json.loads(older.read_text()))


def test_nle_is_only_for_otio(generated, tmp_path):
    out, _ = generated
    with pytest.raises(OutputError, match="--nle resolve is for --format otio"):
        export_format(out, "rpp", tmp_path / "x.rpp", nle="resolve")
