"""The hand-off: every export carries the editor's mix and still finds its media after a move.

Each session is read back by an independent reader: REAPER projects with `rpp`, OTIO with OTIO,
AAF with pyaaf2 (and otio-aaf-adapter's reader), FCP 7 XML with lxml (and otio-fcp-adapter),
EDLs as text. The delivered folder is moved, and the project folder it came from is renamed away,
before the references are resolved, so a path back into the project would be caught.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from urllib.parse import unquote, urlparse

import aaf2
import numpy as np
import opentimelineio as otio
import pytest
import rpp
from lxml import etree

from foley_assistant.cli.main import main
from foley_assistant.core.edit_state import StemMix
from foley_assistant.io.exports.adm import ear_available
from foley_assistant.io.json_files import read_project, write_project
from foley_assistant.pipeline.handoff.export_bundle import ExportChoices, export_bundle
from foley_assistant.pipeline.output.deliver import dry_path_of

MUTED_GAIN_DB, QUIET_DB = -3.0, -6.0


@pytest.fixture
def mixed(project_copy):
    """The generated small project with a mix: one stem muted (and at -3 dB), one at -6 dB, one
    left alone; plus a leftover of an interrupted write in stems/. Returns (folder, project, the
    three stems)."""
    project = read_project(project_copy / "foley_project.json")
    muted, quiet, plain = sorted(project.stems, key=lambda s: s.path)[:3]
    mixer = (StemMix(muted.path, MUTED_GAIN_DB, mute=True), StemMix(quiet.path, QUIET_DB))
    project = replace(project, mixer=mixer)
    write_project(project_copy / "foley_project.json", project)
    (project_copy / "stems" / f".{Path(muted.path).stem}.partial-0a1b2c3d.wav").write_bytes(b"")
    return project_copy, project, (muted, quiet, plain)


def _export(folder: Path, fmt: str, out: Path, *extra: str) -> None:
    assert main(["export", str(folder), "--format", fmt, "--out", str(out), "-q", *extra]) == 0


def _gain(db: float) -> float:
    return 10 ** (db / 20)


def test_rpp_items_carry_gain_and_mute(mixed, tmp_path):
    folder, project, (muted, quiet, plain) = mixed
    _export(folder, "rpp", tmp_path / "s.rpp")
    tracks = [t for t in rpp.loads((tmp_path / "s.rpp").read_text()).findall("TRACK") if not t.find("NAME")[1].endswith("(guide)")]
    items = {item.find("NAME")[1]: item for track in tracks for item in track.findall("ITEM")}
    assert len(items) == len(project.stems)
    for stem, gain, mute in ((muted, _gain(MUTED_GAIN_DB), "1"), (quiet, _gain(QUIET_DB), "0"), (plain, 1.0, "0")):
        item = items[Path(stem.path).stem]
        assert item.find("MUTE")[1] == mute
        assert float(item.find("VOLPAN")[1]) == pytest.approx(gain, rel=1e-6)


def test_a_mute_and_gain_made_in_the_app_reach_its_saved_reaper_session_and_timeline(project_copy):
    from foley_assistant.core.commands import SetStemMix
    from foley_assistant.pipeline.editing.session import EditSession

    session = EditSession.open(project_copy)
    stem = session.project.stems[0]
    session.execute(SetStemMix(StemMix(stem.path, -9.0, mute=True)))
    session.save()
    items = [i for t in rpp.loads((project_copy / "project.rpp").read_text()).findall("TRACK") for i in t.findall("ITEM")]
    (item,) = [i for i in items if i.find("NAME")[1] == Path(stem.path).stem]
    assert item.find("MUTE")[1] == "1" and float(item.find("VOLPAN")[1]) == pytest.approx(_gain(-9.0), rel=1e-6)
    clips = [c for t in otio.adapters.read_from_file(str(project_copy / "timeline.otio")).audio_tracks() for c in t.find_clips()]
    assert [c.metadata["foley_assistant"]["relative_path"] for c in clips if not c.enabled] == [stem.path]


def test_otio_clips_are_disabled_when_muted_and_keep_the_mix(mixed, tmp_path):
    folder, project, (muted, quiet, plain) = mixed
    _export(folder, "otio", tmp_path / "cut.otio")
    clips = {c.metadata["foley_assistant"]["relative_path"]: c for t in otio.adapters.read_from_file(str(tmp_path / "cut.otio")).audio_tracks() for c in t.find_clips()}
    assert clips[muted.path].enabled is False
    assert [c for path, c in clips.items() if not c.enabled] == [clips[muted.path]]
    assert dict(clips[quiet.path].metadata["foley_assistant"]["mix"]) == {"path": quiet.path, "gain_db": QUIET_DB, "mute": False, "solo": False}
    assert "mix" not in clips[plain.path].metadata["foley_assistant"]


@pytest.mark.parametrize("mode", ["split", "automation"])
def test_aaf_clip_gain_and_mute_read_by_pyaaf2_and_the_adapter(mixed, tmp_path, mode):
    from foley_assistant.pipeline.output.deliver import pan_gain_points
    from foley_assistant.pipeline.spine.placement import project_stereo

    folder, project, (muted, quiet, _) = mixed
    _export(folder, "aaf", tmp_path / "cut.aaf", "--aaf-stereo", mode)
    names = {mob.mob_id: mob.name for mob in aaf2.open(str(tmp_path / "cut.aaf"), "r").content.mastermobs()}
    constant: dict[str, float] = {}
    varying: dict[str, list[tuple[float, float]]] = {}
    muted_names: list[str] = []
    with aaf2.open(str(tmp_path / "cut.aaf"), "r") as f:
        composition = next(f.content.compositionmobs())
        for slot in composition.slots:
            for component in _walk(slot.segment):
                if isinstance(component, aaf2.components.OperationGroup) and component.operation.name == "Audio Gain":
                    (clip,) = [c for c in _walk(component) if isinstance(c, aaf2.components.SourceClip)]  # a muted one inside its Selector
                    (amplitude,) = [p for p in component.parameters if p.parameterdef.name == "Amplitude"]
                    if isinstance(amplitude, aaf2.misc.VaryingValue):
                        varying[names[clip.mob_id]] = [(float(p["Time"].value), float(p["Value"].value)) for p in amplitude["PointList"]]
                    else:
                        constant[names[clip.mob_id]] = float(amplitude.value)
                if isinstance(component, aaf2.components.Selector) and isinstance(component["Selected"].value, aaf2.components.Filler):
                    (clip,) = component["Alternates"].value  # the clip itself, its gain outside the Selector
                    assert {t.name: t.value for t in component["ComponentAttributeList"].value}["_DISABLE_CLIP_FLAG"] == 1  # as Media Composer tags it
                    muted_names.append(names[clip.mob_id])
    editor = {muted.path: _gain(MUTED_GAIN_DB), quiet.path: _gain(QUIET_DB)}
    sides = ("_L", "_R") if mode == "split" else ("",)
    if mode == "split":  # the stems hold their distance level: the editor's gain alone
        assert not varying
        assert constant == pytest.approx({f"{Path(path).stem}{side}": gain for path, gain in editor.items() for side in sides}, rel=1e-4)
    else:  # the dry sources: the distance level (times the editor's gain), point for point
        assert not constant
        stereo = project_stereo(project.settings, hrirs=False)
        curves = {(c.shot_id, c.object_id): c for c in project.curves}
        assert sorted(varying) == sorted(Path(s.path).stem for s in project.stems if not s.is_ambience)
        for stem in project.stems:
            points = pan_gain_points(stem, curves[(stem.shot_id, stem.object_id)], stereo)
            length = stem.length_samples / stem.sample_rate
            written = varying[Path(stem.path).stem]
            assert len(written) == len(points) > 10
            assert [t for t, _ in written] == pytest.approx([float(p.time_s) / length for p in points], abs=1e-5)
            assert [v for _, v in written] == pytest.approx([p.gain * editor.get(stem.path, 1.0) for p in points], rel=1e-3)
    assert sorted(muted_names) == sorted(f"{Path(muted.path).stem}{side}" for side in sides)
    # otio-aaf-adapter's reader: the muted clip comes back disabled, the gain as its "Audio Gain" effect.
    read = {c.name: c for t in otio.adapters.read_from_file(str(tmp_path / "cut.aaf")).audio_tracks() for c in t.find_clips()}
    assert all(not read[f"{Path(muted.path).stem}{side}"].enabled for side in sides)
    quiet_clip = read[f"{Path(quiet.path).stem}{sides[0]}"]
    assert quiet_clip.enabled and "Audio Gain" in [e.name for e in quiet_clip.effects]
    if mode == "split":
        (gain_effect,) = [e for e in quiet_clip.effects if e.name == "Audio Gain"]
        assert float(Fraction(gain_effect.metadata["AAF"]["Parameters"]["Amplitude"])) == pytest.approx(_gain(QUIET_DB), rel=1e-4)


def _walk(segment: object):
    yield segment
    if isinstance(segment, aaf2.components.Sequence):
        for component in segment.components:
            yield from _walk(component)
    elif isinstance(segment, aaf2.components.OperationGroup):
        for inner in segment.segments:
            yield from _walk(inner)
    elif isinstance(segment, aaf2.components.Selector):
        for alternate in segment["Alternates"].value:
            yield from _walk(alternate)


def test_fcp7_clipitems_carry_enabled_and_audio_levels(mixed, tmp_path):
    folder, project, (muted, quiet, plain) = mixed
    _export(folder, "fcp7", tmp_path / "cut.xml")
    tree = etree.parse(str(tmp_path / "cut.xml"))
    items = {item.findtext("name"): item for item in tree.iter("clipitem")}
    assert items[Path(muted.path).stem].findtext("enabled") == "FALSE"
    for stem, db in ((muted, MUTED_GAIN_DB), (quiet, QUIET_DB)):
        item = items[Path(stem.path).stem]
        (level,) = item.xpath("filter/effect[effectid='audiolevels']/parameter[parameterid='level']/value")
        assert float(level.text) == pytest.approx(_gain(db), rel=1e-5)
    assert items[Path(quiet.path).stem].findtext("enabled") == "TRUE"
    untouched = items[Path(plain.path).stem]
    assert untouched.find("filter") is None and untouched.findtext("enabled") is None
    # otio-fcp-adapter's reader sees the filter as an effect of the clip.
    read = {c.name: c for t in otio.adapters.read_from_file(str(tmp_path / "cut.xml")).audio_tracks() for c in t.find_clips()}
    assert [e.name for e in read[Path(quiet.path).stem].effects] == ["Audio Levels"]


def test_fcp7_automation_keyframes_the_dry_sources_pan_and_level(mixed, tmp_path):
    from foley_assistant.pipeline.output.deliver import pan_gain_points
    from foley_assistant.pipeline.spine.placement import project_stereo

    folder, project, (muted, quiet, plain) = mixed
    _export(folder, "fcp7", tmp_path / "cut.xml", "--stereo", "automation")
    items = {item.findtext("name"): item for item in etree.parse(str(tmp_path / "cut.xml")).iter("clipitem")}
    stereo = project_stereo(project.settings, hrirs=False)
    curves = {(c.shot_id, c.object_id): c for c in project.curves}
    for stem in project.stems:
        item = items[Path(stem.path).stem]
        assert item.findtext("file/pathurl") == f"project/dry/{Path(stem.path).name}"  # the project folder is inside the XML's
        points = pan_gain_points(stem, curves[(stem.shot_id, stem.object_id)], stereo)
        pans = [(int(k.findtext("when")), float(k.findtext("value"))) for k in item.xpath("filter/effect[effectid='audiopan']/parameter/keyframe")]
        levels = [(int(k.findtext("when")), float(k.findtext("value"))) for k in item.xpath("filter/effect[effectid='audiolevels']/parameter/keyframe")]
        assert len(pans) == len(levels) == len({round(float(p.time_s) * 25) for p in points}) > 10
        editor = {muted.path: _gain(MUTED_GAIN_DB), quiet.path: _gain(QUIET_DB)}.get(stem.path, 1.0)
        last = {round(float(p.time_s) * 25): p for p in points}  # the last point of each frame
        assert [v for _, v in levels] == pytest.approx([last[f].gain * editor for f, _ in levels], rel=1e-4)
        assert [v for _, v in pans] == pytest.approx([last[f].pan for f, _ in pans], abs=1e-5)
    walker = next(s for s in project.stems if s.shot_id == "S001" and s.label == "person")
    pans = [float(k.findtext("value")) for k in items[Path(walker.path).stem].xpath("filter/effect[effectid='audiopan']/parameter/keyframe")]
    assert sum(pans) / len(pans) < -0.2  # the walker is in the left third of the frame
    read = {c.name: c for t in otio.adapters.read_from_file(str(tmp_path / "cut.xml")).audio_tracks() for c in t.find_clips()}
    assert sorted(e.name for e in read[Path(walker.path).stem].effects) == ["Audio Levels", "Audio Pan"]


@pytest.mark.skipif(not ear_available(), reason="the EBU ear package is not installed (make installs it with --no-deps)")
def test_adm_leaves_out_muted_stems_and_scales_the_object_gain(mixed, tmp_path):
    from ear.fileio import openBw64Adm

    folder, project, (muted, quiet, plain) = mixed
    _export(folder, "adm", tmp_path / "atmos.wav")
    with openBw64Adm(str(tmp_path / "atmos.wav")) as adm_file:
        objects = {o.audioObjectName: o for o in adm_file.adm.audioObjects}
        assert adm_file.channels == len(objects) == len(project.stems) - 1

        def gains(stem):
            blocks = objects[f"{stem.shot_id} {stem.object_id} {stem.label}"].audioPackFormats[0].audioChannelFormats[0].audioBlockFormats
            return np.array([b.gain for b in blocks])

        assert f"{muted.shot_id} {muted.object_id} {muted.label}" not in objects
        quiet_gains = gains(quiet)
    write_project(folder / "foley_project.json", replace(project, mixer=()))  # the same project without the mix
    _export(folder, "adm", tmp_path / "plain.wav")
    with openBw64Adm(str(tmp_path / "plain.wav")) as adm_file:
        (unscaled,) = [o for o in adm_file.adm.audioObjects if o.audioObjectName == f"{quiet.shot_id} {quiet.object_id} {quiet.label}"]
        base = np.array([b.gain for b in unscaled.audioPackFormats[0].audioChannelFormats[0].audioBlockFormats])
    assert len(base) == len(quiet_gains) > 5 and quiet_gains == pytest.approx(base * _gain(QUIET_DB), rel=2e-4)  # 5 digits in the XML


# --- portability ---------------------------------------------------------------------------


def _local(url: str, session: Path) -> Path:
    """The file a media URL names, resolved from the session file's folder (relative URLs) or
    as a file URL; absolute references are refused (they would not follow a move)."""
    parsed = urlparse(url)
    assert parsed.scheme == "" and not url.startswith("/"), f"{session.name} references {url} absolutely"
    return session.parent / unquote(parsed.path)


def referenced_audio(session: Path) -> list[Path]:
    """The audio files a session file references, read by an independent reader per format."""
    suffix = session.suffix.lower()
    if suffix == ".rpp":
        project = rpp.loads(session.read_text())
        # the guide tracks reference the editor's own picture and production sound, where they are
        return [session.parent / item.find("SOURCE").find("FILE")[1] for track in project.findall("TRACK") if not track.find("NAME")[1].endswith("(guide)") for item in track.findall("ITEM")]
    if suffix == ".otio":
        timeline = otio.adapters.read_from_file(str(session))
        return [_local(c.media_reference.target_url, session) for t in timeline.audio_tracks() for c in t.find_clips()]
    if suffix == ".aaf":
        with aaf2.open(str(session), "r") as f:
            urls = [loc["URLString"].value for mob in f.content.sourcemobs() if mob.descriptor is not None and "Locator" in mob.descriptor for loc in mob.descriptor["Locator"].value]
        return [_local(url, session) for url in urls if url.lower().endswith(".wav")]
    if suffix == ".xml":
        urls = [p.text for p in etree.parse(str(session)).iter("pathurl")]
        return [_local(url, session) for url in urls if url.lower().endswith(".wav")]
    if suffix == ".edl":
        urls = [line.split("* FROM CLIP:", 1)[1].strip() for line in session.read_text().splitlines() if line.startswith("* FROM CLIP:")]
        return [_local(url, session) for url in urls]
    raise AssertionError(f"no reader for {session}")


def _moved(folder: Path, project: Path, tmp_path: Path) -> Path:
    """Move the delivered folder elsewhere and rename the project folder away; returns the new place."""
    project.rename(project.with_name("project-gone"))
    target = tmp_path / "elsewhere" / "delivery moved"
    target.parent.mkdir()
    shutil.move(str(folder), str(target))
    return target


CLI_EXPORTS = [
    ("rpp", "cut.rpp", ()),
    ("otio", "cut.otio", ()),
    ("aaf", "cut.aaf", ()),
    ("aaf", "cut.aaf", ("--aaf-stereo", "automation")),
    ("fcp7", "cut.xml", ()),
    ("fcp7", "cut.xml", ("--stereo", "automation")),
    ("edl", "cut.edl", ()),
]


@pytest.mark.parametrize("fmt, name, extra", CLI_EXPORTS, ids=["rpp", "otio", "aaf-split", "aaf-automation", "fcp7", "fcp7-automation", "edl"])
def test_cli_export_outside_the_project_moves_with_nothing_offline(mixed, tmp_path, fmt, name, extra):
    folder, project, _ = mixed
    delivery = tmp_path / "delivery"
    _export(folder, fmt, delivery / name, *extra)
    sessions = sorted(p.name for p in delivery.iterdir() if p.is_file())
    moved = _moved(delivery, folder, tmp_path)
    referenced = [path for session in sessions for path in referenced_audio(moved / session)]
    assert len(referenced) >= (2 if fmt == "aaf" and not extra else 1) * len([s for s in project.stems if fmt == "rpp" or not s.is_ambience])
    missing = [str(p) for p in referenced if not p.is_file()]
    assert not missing, f"offline after the move: {missing}"
    assert all(moved in p.resolve().parents for p in referenced)  # inside the delivered folder
    assert not list(moved.rglob("*.partial*"))


def test_export_into_the_project_folder_references_its_files_in_place(mixed, tmp_path):
    folder, project, _ = mixed
    _export(folder, "rpp", folder / "again.rpp")
    _export(folder, "otio", folder / "again.otio")
    assert not (folder / "again_media").exists()  # nothing copied: the files are beside it
    urls = [c.media_reference.target_url for t in otio.adapters.read_from_file(str(folder / "again.otio")).audio_tracks() for c in t.find_clips()]
    assert sorted(urls) == sorted(s.path for s in project.stems)  # "stems/S001_O1_person.wav"
    moved = folder.rename(tmp_path / "project moved")
    for session in ("again.rpp", "again.otio", "timeline.otio", "project.rpp"):  # and what generate wrote
        referenced = referenced_audio(moved / session)
        assert len(referenced) == len(project.stems) and all(p.is_file() for p in referenced), session


@pytest.mark.parametrize("copy_stems", [True, False], ids=["with the stems copy", "without"])
def test_the_apps_export_moves_with_nothing_offline_and_delivers_only_project_files(mixed, tmp_path, copy_stems):
    folder, project, _ = mixed
    delivery = tmp_path / "delivery"
    formats = ("otio", "rpp", "aaf", "fcp7", "edl")
    result = export_bundle(folder, ExportChoices(delivery, formats, copy_stems=copy_stems))
    assert not [p for p in result.files if ".partial" in p.name]
    sessions = sorted(p.name for p in delivery.iterdir() if p.suffix in (".otio", ".rpp", ".aaf", ".xml", ".edl"))
    assert len(sessions) == 4 + len({s.lane for s in project.stems})  # one EDL per lane
    moved = _moved(delivery, folder, tmp_path)
    for session in sessions:
        referenced = referenced_audio(moved / session)
        assert referenced and all(p.is_file() for p in referenced), session
    delivered = sorted(p.relative_to(moved).as_posix() for p in moved.rglob("*.wav"))
    assert not [p for p in delivered if ".partial" in p]
    if copy_stems:
        assert {s.path for s in project.stems} <= set(delivered) and "mix/S001_mix.wav" in delivered
        assert not (moved / "small_cut_media" / "stems").exists()  # the sessions use the copy
    else:
        assert not (moved / "stems").exists()
        assert {f"small_cut_media/{s.path}" for s in project.stems} <= set(delivered)


@pytest.mark.parametrize("fmt,name,extra", [("aaf", "mix.aaf", ()), ("adm", "mix.wav", ())])
def test_an_export_that_fails_at_the_last_stem_removes_what_it_wrote(mixed, tmp_path, fmt, name, extra, capsys):
    folder, project, _ = mixed
    last = max((s for s in project.stems if not s.is_ambience), key=lambda s: s.path)
    damaged = last.path if fmt == "aaf" and not extra else dry_path_of(last)  # the file the export reads
    (folder / damaged).write_bytes(b"RIFF\x00\x00\x00\x00WAVEnot audio")  # damaged after generate
    delivery = tmp_path / "delivery"
    delivery.mkdir()
    (delivery / "notes.txt").write_text("the editor's own file")
    out = delivery / name
    assert main(["export", str(folder), "--format", fmt, "--out", str(out), "-q", *extra]) == 2
    assert damaged.split("/")[-1] in capsys.readouterr().err
    assert sorted(p.name for p in delivery.rglob("*")) == ["notes.txt"]  # the split WAVs and copies are gone, the editor's file stays
