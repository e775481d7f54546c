"""The OTIO plugin, found by OTIO's own plugin discovery and used through `otioconvert`."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import opentimelineio as otio
import pytest

from tests.plugins.conftest import PLUGINS

OTIOCONVERT = Path(sys.executable).with_name("otioconvert")


@pytest.fixture(scope="module")
def generated(tiny_cut_factory, tmp_path_factory):
    """A generate folder for the 25 fps tiny cut, and its project's stems."""
    from foley_assistant.pipeline.generate import GenerateRequest, run_generate

    cut = tiny_cut_factory("25", "01:00:00:00")
    out = tmp_path_factory.mktemp("generated") / "foley"
    result = run_generate(GenerateRequest(timeline_path=cut, out_dir=out))
    return cut, out, result.stems


def convert(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(OTIOCONVERT), *arguments], capture_output=True, text=True, timeout=300)


def foley_tracks(path: Path) -> list[otio.schema.Track]:
    timeline = otio.adapters.read_from_file(str(path))
    return [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Audio]


def test_otio_discovers_the_plugin_through_the_entry_point():
    manifest = otio.plugins.ActiveManifest(force_reload=True)
    linker = manifest.from_name("foley_assistant_stems", kind_list="media_linkers")
    assert Path(linker.module_abs_path()) == PLUGINS / "otio" / "stem_linker.py"
    assert "foley_assistant_add_tracks" in otio.hooks.scripts_attached_to("pre_adapter_write")
    assert "foley_assistant_stems" in otio.media_linker.available_media_linker_names()


def test_the_linker_finds_moved_stems(generated, tmp_path):
    _, out, stems = generated
    first = tmp_path / "first"
    shutil.copytree(out, first)
    moved = tmp_path / "moved"
    # written in the folder, then the folder moved: its stem URLs are relative, so they follow
    subprocess.run([str(Path(sys.executable).with_name("foley-assistant")), "export", str(first), "--format", "otio", "--out", str(first / "copy.otio"), "-q"], check=True, capture_output=True)
    first.rename(moved)
    urls = [c.media_reference.target_url for t in foley_tracks(moved / "copy.otio") for c in t.find_clips()]
    assert sorted(urls) == sorted(s.path for s in stems) and all((moved / url).is_file() for url in urls)
    # the timeline alone, taken away from its folder: its stems are offline until linked
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(moved / "copy.otio", alone / "copy.otio")

    unlinked = convert("-i", str(alone / "copy.otio"), "-o", str(tmp_path / "unlinked.otio"), "-m", "")
    assert unlinked.returncode == 0, unlinked.stderr
    urls = [c.media_reference.target_url for t in foley_tracks(tmp_path / "unlinked.otio") for c in t.find_clips()]
    assert urls and not any((alone / url).exists() for url in urls)

    linked = convert("-i", str(alone / "copy.otio"), "-o", str(tmp_path / "linked.otio"), "-m", "foley_assistant_stems", "-M", f"root={moved}")
    assert linked.returncode == 0, linked.stderr
    clips = [c for t in foley_tracks(tmp_path / "linked.otio") for c in t.find_clips()]
    assert sorted(Path(c.media_reference.target_url.removeprefix("file://")) for c in clips) == sorted(moved / s.path for s in stems)
    video = otio.adapters.read_from_file(str(tmp_path / "linked.otio")).video_tracks()[0]
    assert all("/media/" in c.media_reference.target_url for c in video.find_clips())  # not ours: untouched


def test_the_hook_adds_a_generate_folder_on_write(generated, tmp_path):
    cut, out, stems = generated
    result = convert("-i", str(cut), "-o", str(tmp_path / "with.otio"), "-H", f"foley={out}")
    assert result.returncode == 0, result.stderr
    # one foley track per sound label (the detector may name the two shots' cars differently)
    starts = sorted(c.range_in_parent().start_time for t in foley_tracks(tmp_path / "with.otio") for c in t.find_clips())
    assert [(t.value, t.rate) for t in starts] == sorted((s.record_start_sample, 48000) for s in stems)

    as_xml = convert("-i", str(cut), "-o", str(tmp_path / "with.xml"), "-H", f"foley={out}")
    assert as_xml.returncode == 0, as_xml.stderr
    frames = sorted(c.range_in_parent().start_time.value for t in foley_tracks(tmp_path / "with.xml") for c in t.find_clips())
    assert frames == sorted(s.record_start_sample * 25 / 48000 for s in stems)  # FCP XML counts frames


def test_the_hook_runs_generate_and_replaces_earlier_foley_tracks(generated, tmp_path):
    _, out, _ = generated
    result = convert("-i", str(out / "timeline.otio"), "-o", str(tmp_path / "again.otio"), "-H", "foley=generate", "-H", "foley_shots=S002", "-H", f"foley_out={tmp_path / 'made'}")
    assert result.returncode == 0, result.stderr
    report = json.loads((tmp_path / "made" / "report.json").read_text())
    assert [shot["id"] for shot in report["shots"]] == ["S002"]
    (track,) = foley_tracks(tmp_path / "again.otio")  # the input's own foley track was replaced
    (clip,) = track.find_clips()
    video = otio.adapters.read_from_file(str(tmp_path / "again.otio")).video_tracks()[0]
    second = list(video.find_clips())[1].range_in_parent().start_time
    assert clip.range_in_parent().start_time.value == second.value * 48000 / 25
    assert Path(clip.media_reference.target_url.removeprefix("file://")).is_file()


def test_the_hook_does_nothing_unless_asked(generated, tmp_path):
    cut, _, _ = generated
    result = convert("-i", str(cut), "-o", str(tmp_path / "plain.otio"))
    assert result.returncode == 0, result.stderr
    assert foley_tracks(tmp_path / "plain.otio") == []


def test_a_wrong_folder_is_said_plainly(generated, tmp_path):
    cut, _, _ = generated
    result = convert("-i", str(cut), "-o", str(tmp_path / "x.otio"), "-H", f"foley={tmp_path / 'nothing'}")
    assert result.returncode != 0
    assert "foley assistant: no generate folder at" in result.stderr.strip().splitlines()[-1]
    assert not (tmp_path / "x.otio").exists()
