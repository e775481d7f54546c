"""Takes in a delivery: `export` delivers the chosen take of each stem; `--all-takes` adds the
others: in REAPER as takes of the same item, which do not play until chosen; in OTIO and FCP 7
XML as disabled clips on alternate tracks ("<lane> alt 1"); in AAF as the alternates of a
Selector whose selected segment is the chosen take. Read back with `rpp`, OTIO, lxml and pyaaf2
after the delivery is moved; the app's export dialog asks for it too."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import aaf2
import opentimelineio as otio
import pytest
import rpp
from lxml import etree

from foley_assistant.cli.main import main
from foley_assistant.core.commands import ChooseTake
from foley_assistant.core.edit_state import StemMix
from foley_assistant.core.progress import CancelToken, ignore_progress
from foley_assistant.io.json_files import read_project, write_project
from foley_assistant.pipeline.editing.session import EditSession
from foley_assistant.pipeline.editing.session_jobs import regenerate_job
from foley_assistant.pipeline.progress import JobContext


def _two_takes(folder: Path) -> tuple[str, str]:
    """Regenerate one stem of the project in `folder` and choose its first take again; returns
    (the chosen take's dry file, the other take's), relative to the folder."""
    session = EditSession.open(folder)
    stem = next(s for s in session.project.stems if not s.is_ambience)
    made = regenerate_job(session.shot(stem.shot_id), session.project, stem, session.dry_audio(stem), session.out_dir, session.rendered, JobContext(ignore_progress, CancelToken()), take=2)
    session.apply_regenerated(made)
    session.execute(ChooseTake(stem.shot_id, stem.object_id, 1))
    session.save()
    return stem.path.replace("stems/", "dry/"), made.stem.path.replace("stems/", "dry/")


def _items(session: Path) -> dict[str, list]:
    project = rpp.loads(session.read_text())
    return {item.find("NAME")[1]: item for track in project.findall("TRACK") if not track.find("NAME")[1].endswith("(guide)") for item in track.findall("ITEM")}


def test_export_delivers_the_chosen_take_and_all_takes_on_request(project_copy, tmp_path):
    chosen, other = _two_takes(project_copy)
    main_out, all_out = tmp_path / "chosen" / "cut.rpp", tmp_path / "all" / "cut.rpp"
    assert main(["export", str(project_copy), "--format", "rpp", "--out", str(main_out), "-q"]) == 0
    assert main(["export", str(project_copy), "--format", "rpp", "--out", str(all_out), "--all-takes", "-q"]) == 0
    moved = shutil.move(str(all_out.parent), str(tmp_path / "moved"))
    name = Path(chosen).stem
    plain = _items(main_out)[name]
    assert [c.attrib for c in plain.children if getattr(c, "tag", None) == "SOURCE"] == [["WAVE"]]
    assert plain.find("SOURCE").find("FILE")[1] == f"cut_media/{chosen}"
    assert not (main_out.parent / "cut_media" / other).exists()  # the other take is not delivered
    both = _items(Path(moved) / "cut.rpp")[name]
    files = [c.find("FILE")[1] for c in both.children if getattr(c, "tag", None) == "SOURCE"]
    assert files == [f"cut_media/{chosen}", f"cut_media/{other}"]  # the chosen take first: it plays
    assert "TAKE" in both.children  # a bare TAKE line starts the second take
    assert all((Path(moved) / f).is_file() for f in files)  # both delivered, nothing offline after the move


def test_all_takes_is_refused_for_formats_without_takes(project_copy, tmp_path, capsys):
    assert main(["export", str(project_copy), "--format", "edl", "--out", str(tmp_path / "cut.edl"), "--all-takes", "-q"]) == 2
    assert "--all-takes is for --format rpp, otio, otioz, fcp7, aaf" in capsys.readouterr().err
    assert not list(tmp_path.glob("cut*.edl"))


@pytest.mark.parametrize("mode", ["split", "automation"])
@pytest.mark.parametrize("mute", [False, True])
def test_aaf_carries_the_other_takes_as_selector_alternates(project_copy, tmp_path, mode, mute):
    """The chosen take is the Selector's selected segment, the other take its alternate, with
    the same place and handles; no track is left for it (read with pyaaf2). A muted stem stays
    muted; otio-aaf-adapter's reader gives back the chosen take alone, where it was."""
    chosen, other = _two_takes(project_copy)
    project = read_project(project_copy / "foley_project.json")
    stem = next(s for s in project.stems if s.path == chosen.replace("dry/", "stems/"))
    if mute:
        write_project(project_copy / "foley_project.json", replace(project, mixer=(StemMix(stem.path, -6.0, mute=True),)))
    sides = ("_L", "_R") if mode == "split" else ("",)
    names = {Path(chosen).stem + side: Path(other).stem + side for side in sides}
    slots = {}
    for all_takes in (False, True):
        folder = tmp_path / f"all{all_takes}"
        assert main(["export", str(project_copy), "--format", "aaf", "--aaf-stereo", mode, "--out", str(folder / "cut.aaf"), "-q", *(["--all-takes"] if all_takes else [])]) == 0
        with aaf2.open(str(folder / "cut.aaf"), "r") as f:
            composition = next(f.content.compositionmobs())
            slots[all_takes] = len(composition.slots)
    assert slots[True] == slots[False]  # the other take rides in the chosen take's track, not on one of its own
    moved = Path(shutil.move(str(tmp_path / "allTrue"), str(tmp_path / "moved")))
    with aaf2.open(str(moved / "cut.aaf"), "r") as f:
        mobs = {mob.mob_id: mob.name for mob in f.content.mastermobs()}
        selectors = [
            s
            for s in _aaf_segments(next(f.content.compositionmobs()))
            if isinstance(s, aaf2.components.Selector) and len(s["Alternates"].value) == 1 and not isinstance(s["Selected"].value, aaf2.components.Filler)
        ]
        found = {}
        for selector in selectors:
            (selected,) = [c for c in _aaf_segments(selector["Selected"].value) if isinstance(c, aaf2.components.SourceClip)]
            (alternate,) = [c for c in _aaf_segments(selector["Alternates"].value[0]) if isinstance(c, aaf2.components.SourceClip)]
            assert (alternate.start, alternate.length) == (selected.start, selected.length) == (6, selector.length)  # the same place and handle
            muted = [s for s in _aaf_segments(selector["Selected"].value) if isinstance(s, aaf2.components.Selector)]
            assert bool(muted) == mute  # the chosen take's mute inside the selection; the other take ready to swap in
            found[mobs[selected.mob_id]] = mobs[alternate.mob_id]
        assert found == names
    delivered = [moved / "cut_media" / f"{name}.wav" for name in names.values()] if mode == "split" else [moved / "cut_media" / other]
    assert all(path.is_file() for path in delivered)  # the other take's media delivered: nothing offline after the move
    # otio-aaf-adapter's reader keeps the selected segment of a Selector (the alternates are not
    # in what it gives back): the chosen take where it plays without --all-takes, and no other
    timelines = [otio.adapters.read_from_file(str(path)) for path in (moved / "cut.aaf", tmp_path / "allFalse" / "cut.aaf")]
    read, plain = ({c.name: c for t in timeline.audio_tracks() for c in t.find_clips()} for timeline in timelines)
    assert sorted(read) == sorted(plain) and not set(names.values()) & set(read)
    for name in names:
        assert read[name].enabled is not mute
        assert (read[name].range_in_parent(), read[name].source_range) == (plain[name].range_in_parent(), plain[name].source_range)


def _aaf_segments(segment):
    yield segment
    if isinstance(segment, aaf2.mobs.Mob):
        for slot in segment.slots:
            yield from _aaf_segments(slot.segment)
    for attribute in ("components", "segments"):
        for inner in getattr(segment, attribute, None) or []:
            yield from _aaf_segments(inner)
    if isinstance(segment, aaf2.components.Selector):
        yield from _aaf_segments(segment["Selected"].value)
        for alternate in segment["Alternates"].value:
            yield from _aaf_segments(alternate)


def test_otio_and_fcp7_carry_the_other_takes_as_disabled_alternates(project_copy, tmp_path):
    chosen, other = _two_takes(project_copy)
    chosen_stem, other_stem = (p.replace("dry/", "stems/") for p in (chosen, other))
    project = read_project(project_copy / "foley_project.json")
    stem = next(s for s in project.stems if s.path == chosen_stem)
    for fmt, name in (("otio", "cut.otio"), ("fcp7", "cut.xml")):
        assert main(["export", str(project_copy), "--format", fmt, "--out", str(tmp_path / fmt / name), "--all-takes", "-q"]) == 0
    moved = Path(shutil.move(str(tmp_path / "otio"), str(tmp_path / "otio moved")))
    timeline = otio.adapters.read_from_file(str(moved / "cut.otio"))
    tracks = {t.name: t for t in timeline.audio_tracks()}
    (alternate,) = tracks[f"{stem.lane} alt 1"].find_clips()
    (playing,) = [c for c in tracks[stem.lane].find_clips() if c.metadata["foley_assistant"]["relative_path"] == chosen_stem]
    assert alternate.enabled is False and playing.enabled is True
    assert (alternate.metadata["foley_assistant"]["relative_path"], alternate.metadata["foley_assistant"]["take"], playing.metadata["foley_assistant"]["take"]) == (other_stem, 2, 1)
    assert tracks[stem.lane].range_of_child(playing) == tracks[f"{stem.lane} alt 1"].range_of_child(alternate)  # at the same place in the cut
    assert (moved / alternate.media_reference.target_url).is_file()  # delivered; nothing offline after the move
    assert len(timeline.audio_tracks()) == len(project.lanes()) + 1  # one alternate lane: one stem has two takes
    items = {i.findtext("name"): i for i in etree.parse(str(tmp_path / "fcp7" / "cut.xml")).iter("clipitem")}
    assert items[Path(other_stem).stem].findtext("enabled") == "FALSE" and items[Path(chosen_stem).stem].findtext("enabled") is None
    assert items[Path(other_stem).stem].findtext("start") == items[Path(chosen_stem).stem].findtext("start")
    assert (tmp_path / "fcp7" / items[Path(other_stem).stem].findtext("file/pathurl")).is_file()


def test_the_export_dialog_asks_for_all_takes_and_the_bundle_delivers_them(project_copy, tmp_path, qtbot):
    from foley_assistant.gui.export_dialog import ExportDialog
    from foley_assistant.pipeline.handoff.export_bundle import export_bundle

    chosen, other = _two_takes(project_copy)
    dialog = ExportDialog(tmp_path / "delivery")
    qtbot.addWidget(dialog)
    assert not dialog.choices().all_takes  # the chosen take alone unless asked
    dialog.all_takes.click()
    dialog.format_boxes["aaf"].click()  # AAF carries them too (Selector alternates)
    choices = dialog.choices()
    assert choices.all_takes and choices.formats == ("otio", "rpp", "aaf")
    export_bundle(project_copy, choices)
    delivered = tmp_path / "delivery"
    assert (delivered / other).is_file() and (delivered / other.replace("dry/", "stems/")).is_file()  # copied with the stems
    files = [c.find("FILE")[1] for c in _items(delivered / "small_cut.rpp")[Path(chosen).stem].children if getattr(c, "tag", None) == "SOURCE"]
    assert files == [chosen, other]
    clips = [c for t in otio.adapters.read_from_file(str(delivered / "small_cut.otio")).audio_tracks() for c in t.find_clips()]
    assert [c.metadata["foley_assistant"]["relative_path"] for c in clips if not c.enabled] == [other.replace("dry/", "stems/")]
    with aaf2.open(str(delivered / "small_cut.aaf"), "r") as f:
        names = {mob.mob_id: mob.name for mob in f.content.mastermobs()}
        alternates = [names[c.mob_id] for s in _aaf_segments(next(f.content.compositionmobs())) if isinstance(s, aaf2.components.Selector) for c in s["Alternates"].value]
    assert sorted(alternates) == [f"{Path(other).stem}_{side}" for side in "LR"]
