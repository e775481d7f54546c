"""The SFX library engine on a small library of generated files: index, search, cuts, placement."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import soundfile

from foley_assistant.core.errors import InputFileError
from foley_assistant.generators.library import LibraryGenerator, LibraryIndex, read_ucs_list
from foley_assistant.generators.library.cutting import bed, one_shots, varispeed
from foley_assistant.generators.library.metadata import read_header
from foley_assistant.generators.library.naming import parse_ucs, words
from foley_assistant.generators.procedural.dsp import add_at, event_rng
from foley_assistant.generators.procedural.footsteps import SURFACES, render_footstep
from foley_assistant.generators.procedural.impacts import MATERIALS, render_impact
from foley_assistant.io.audio import write_bwf

SR = 48000


def _walk_take(seed: int, steps: int = 4, spacing_s: float = 0.45) -> np.ndarray:
    x = np.zeros(int((0.2 + spacing_s * steps) * SR))
    for k in range(steps):
        add_at(x, render_footstep(0.8, SURFACES["concrete"], event_rng(seed, "take", k), SR), int((0.1 + spacing_s * k) * SR))
    return x


@pytest.fixture()
def library(tmp_path: Path) -> SimpleNamespace:
    """Three UCS-named BWF walks (4 steps each), a FLAC bounce, an AIFF knock, a car loop, a broken file."""
    root = tmp_path / "sfx"
    (root / "Foley" / "Feet").mkdir(parents=True)
    (root / "Vehicles").mkdir()
    walks = []
    for i in range(3):
        path = root / "Foley" / "Feet" / f"FEETHmn_Concrete Walk {i}_ABC_TestLib.wav"
        x = _walk_take(i)
        write_bwf(path, np.stack([x, x]).astype(np.float32), SR, description="Leather shoes on pavement, walking")
        walks.append(path)
    soundfile.write(root / "rubber ball bounce.flac", render_impact(0.9, MATERIALS["rubber"], event_rng(1, "b", 0), SR), 44100)
    soundfile.write(root / "WoodKnock.aiff", render_impact(0.9, MATERIALS["wood"], event_rng(1, "w", 0), SR), SR)
    t = np.arange(3 * SR) / SR
    engine = 0.3 * np.sin(2 * np.pi * 60 * t) * (1 + 0.3 * np.sin(2 * np.pi * 3 * t))
    soundfile.write(root / "Vehicles" / "VEHCar_Sedan Idle Loop_ABC_TestLib.wav", engine, SR)
    (root / "broken.wav").write_bytes(b"RIFF\x04\x00\x00\x00WAVE")
    (root / "notes.txt").write_text("not a sound")
    return SimpleNamespace(root=root, walks=walks, db=tmp_path / "index.sqlite")


def test_headers_are_read_without_the_samples(library: SimpleNamespace) -> None:
    info = read_header(library.walks[0])
    assert info.format == "WAV" and info.sample_rate == SR and info.channels == 2
    assert info.duration_s == pytest.approx(len(_walk_take(0)) / SR, abs=1e-6)
    assert info.description == "Leather shoes on pavement, walking"
    flac = read_header(library.root / "rubber ball bounce.flac")
    assert flac.format == "FLAC" and flac.sample_rate == 44100 and flac.duration_s > 0.2
    broken = read_header(library.root / "broken.wav")
    assert broken.error and broken.duration_s == 0.0


def test_ucs_names_are_split_into_their_blocks() -> None:
    name = parse_ucs("FEETHmn-Heels_Vendor-Concrete Walk_ABC_TestLib_take 3")
    assert name is not None
    assert (name.cat_id, name.category_code, name.subcategory_code, name.user_category) == ("FEETHmn", "FEET", "Hmn", "Heels")
    assert (name.vendor_category, name.fx_name, name.creator_id, name.source_id, name.user_data) == ("Vendor", "Concrete Walk", "ABC", "TestLib", "take 3")
    assert parse_ucs("DOORWood_Slam_ABC_Lib").subcategory_code == "Wood"
    assert parse_ucs("rubber ball bounce") is None and parse_ucs("my_file_name_here") is None
    assert parse_ucs("Custom_Slam_ABC_Lib", known={"Custom": ("DOORS", "CUSTOM", "")}) is not None
    assert words("CarPassBy_fast-02") == ["car", "pass", "by", "fast", "02"]


def test_index_is_incremental(library: SimpleNamespace) -> None:
    with LibraryIndex(library.db) as index:
        first = index.update([library.root])
        assert (first.added, first.unchanged, first.failed) == (7, 0, 1)  # 6 sounds and the broken one
        assert index.count() == 7
        again = index.update([library.root])
        assert (again.added, again.updated, again.unchanged, again.removed) == (0, 0, 7, 0)
        os.utime(library.walks[0], ns=(1, 1))  # touched: read again
        library.walks[1].unlink()  # gone: removed
        write_bwf(library.root / "Foley" / "FEETHmn_Gravel Run_ABC_TestLib.wav", np.zeros((1, SR), np.float32), SR, description="gravel")
        third = index.update([library.root])
        assert (third.added, third.updated, third.removed, third.unchanged) == (1, 1, 1, 5)
        assert index.count() == 7


def test_an_unchanged_file_is_never_opened(library: SimpleNamespace, monkeypatch: pytest.MonkeyPatch) -> None:
    with LibraryIndex(library.db) as index:
        index.update([library.root])
        import foley_assistant.generators.library.index as index_module

        def refuse(path: str) -> None:
            raise AssertionError(f"{path} was opened")

        monkeypatch.setattr(index_module, "read_header", refuse)
        assert index.update([library.root]).unchanged == 7


@pytest.mark.parametrize("fts", [True, False], ids=["fts5", "like"])
def test_search_understands_synonyms_categories_and_descriptions(library: SimpleNamespace, fts: bool) -> None:
    with LibraryIndex(library.db) as index:
        if not fts:
            index.fts = False
        index.update([library.root])
        walk_names = {p.name for p in library.walks}
        assert {Path(f.path).name for f in index.search("footsteps concrete")} == walk_names
        assert {Path(f.path).name for f in index.search("steps pavement")} == walk_names  # synonyms + bext text
        found = index.search("feet")
        assert found and all(f.cat_id == "FEETHmn" and f.category == "FEET" for f in found)
        assert Path(index.search("impact rubber")[0].path).name == "rubber ball bounce.flac"
        assert Path(index.search("auto motor")[0].path).name.startswith("VEHCar")  # car/auto, engine/motor
        assert index.search("knock") and Path(index.search("knock")[0].path).name == "WoodKnock.aiff"
        assert index.search("spaceship") == []
        assert all("broken" not in f.path for f in index.search("broken"))  # unreadable files are never offered


def test_a_ucs_list_names_categories_in_full(library: SimpleNamespace, tmp_path: Path) -> None:
    csv = tmp_path / "ucs.csv"
    csv.write_text('Category,SubCategory,CatID,CatShort,Explanations,Synonyms\nFOOTSTEPS,HUMAN,FEETHmn,FEET,Human feet,"stomp, tread"\n', encoding="utf-8")
    ucs = read_ucs_list(csv)
    assert ucs == {"FEETHmn": ("FOOTSTEPS", "HUMAN", "stomp, tread")}
    with LibraryIndex(library.db, ucs) as index:
        index.update([library.root])
        found = index.search("tread")
        assert found and found[0].category == "FOOTSTEPS" and found[0].subcategory == "HUMAN"
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(InputFileError, match="CatID"):
        read_ucs_list(bad)


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    with LibraryIndex(tmp_path / "i.sqlite") as index, pytest.raises(InputFileError, match="not found"):
        index.update([tmp_path / "nowhere"])


def test_a_take_of_steps_is_cut_into_one_shots() -> None:
    take = _walk_take(7, steps=5, spacing_s=0.4)
    cuts = one_shots(take, SR, max_length_s=0.35)
    assert len(cuts) == 5
    assert [c.offset_s + c.preroll / SR for c in cuts] == pytest.approx([0.1 + 0.4 * k for k in range(5)], abs=0.002)
    assert all(len(c.samples) <= 0.35 * SR and abs(c.samples[-1]) < 1e-3 for c in cuts)
    assert one_shots(np.zeros(SR), SR, 1.0) == []


def test_a_bed_is_exactly_as_long_as_asked_and_joins_without_clicks() -> None:
    t = np.arange(SR) / SR
    loop = np.sin(2 * np.pi * 110 * t) * 0.5
    out = bed(loop, 5 * SR + 123, SR, np.random.default_rng(1), crossfade_s=0.1)
    assert len(out) == 5 * SR + 123
    assert np.max(np.abs(np.diff(out))) < 2 * np.max(np.abs(np.diff(loop)))  # no jump at any join
    assert np.sqrt(np.mean(out**2)) == pytest.approx(np.sqrt(np.mean(loop**2)), rel=0.2)
    short = bed(loop, SR // 4, SR, np.random.default_rng(2))
    assert len(short) == SR // 4
    faster = varispeed(np.arange(1000.0), np.full(100, 2.0))
    assert faster[-1] == pytest.approx(198.0)


def test_one_shots_land_on_the_events_and_never_repeat_a_file(library: SimpleNamespace, scenes: SimpleNamespace) -> None:
    from foley_assistant.eval.sync import audio_onsets, event_scores

    scene = scenes.walker(enter=10, leave=110)
    n = round(scene.shot.frame_range.duration / 25 * SR)
    with LibraryIndex(library.db) as index:
        index.update([library.root])
        audio = LibraryGenerator(index).generate(scene.obj, scene.shot, n, SR, seed=3)
        steps_only = LibraryGenerator(index, voices={"person": {"voice": "footsteps"}}).generate(scene.obj, scene.shot, n, SR, seed=3)
    steps = [(e, s) for e, s in zip(audio.events, audio.sources) if e.kind == "footfall"]
    assert audio.engine == "" and audio.voice == "library: footsteps concrete+cloth" and len(steps) >= 7
    cloth = [r for r in audio.event_log() if r.get("layer") == 1]  # no cloth in this library: the procedural layer
    assert [(r["kind"], r["voice"], r["engine"], r["source"]) for r in cloth] == [("entrance", "cloth", "procedural", "cloth"), ("exit", "cloth", "procedural", "cloth")]
    files = [s.split("@")[0] for _, s in steps]
    assert set(files) <= {str(p) for p in library.walks} and len(set(files)) >= 2
    assert all(a != b for a, b in zip(files, files[1:]))  # never the same file twice in a row
    onsets = audio_onsets(steps_only.samples, SR)  # the steps alone, without the cloth's rustles
    scores = event_scores(onsets, np.array([e.time_s for e, _ in steps]), 0.005)
    assert scores.recall == 1.0 and scores.precision == 1.0 and scores.median_abs_offset_ms < 2.0
    assert np.max(np.abs(audio.samples)) <= 1.0 and np.all(audio.samples[: round(0.4 * SR)] == 0.0)


def test_layers_come_from_the_library_when_it_has_them(library: SimpleNamespace, scenes: SimpleNamespace) -> None:
    rng = np.random.default_rng(5)
    rustle = np.convolve(rng.standard_normal(4 * SR), np.ones(8) / 8, mode="same") * 0.2
    cloth_file = library.root / "Foley" / "CLOTHMvmt_Jacket Rustle_ABC_TestLib.wav"
    write_bwf(cloth_file, rustle[None, :].astype(np.float32), SR, description="jacket rustle")
    scene = scenes.walker(enter=10, leave=110)
    n = round(scene.shot.frame_range.duration / 25 * SR)
    with LibraryIndex(library.db) as index:
        index.update([library.root])
        layered = LibraryGenerator(index).generate(scene.obj, scene.shot, n, SR, seed=3)
        alone = LibraryGenerator(index, voices={"person": {"voice": "footsteps"}}).generate(scene.obj, scene.shot, n, SR, seed=3)
    assert layered.voice == "library: footsteps concrete+library: cloth movement"
    cloth = [r for r in layered.event_log() if r.get("layer") == 1]
    assert [(r["kind"], r["engine"], r["source"]) for r in cloth] == [("entrance", "library", str(cloth_file)), ("exit", "library", str(cloth_file))]
    assert layered.events == alone.events and layered.sources == alone.sources  # the steps are the same cuts
    added = layered.samples.astype(np.float64) - alone.samples
    between = slice(round((scene.first_s + 0.5) * SR), round((scene.last_s - 0.5) * SR))
    rms_db = 10 * np.log10(np.mean(added[between] ** 2))
    assert -40.0 < rms_db < -18.0  # a bed at -20 dBFS at walking speed, 4 dB under the steps' voice
    assert np.all(added[: round(scene.first_s * SR)] == 0.0)


def test_a_bed_follows_the_object_and_its_speed(library: SimpleNamespace, scenes: SimpleNamespace) -> None:
    scene = scenes.car(cruise_m_s=8.0, cruise_s=2.5, accel_m_s2=4.0, accel_s=2.0)
    n = round(scene.shot.frame_range.duration / 25 * SR)
    with LibraryIndex(library.db) as index:
        index.update([library.root])
        audio = LibraryGenerator(index).generate(scene.obj, scene.shot, n, SR, seed=3)
    assert audio.voice == "library: car engine" and audio.sources[0].endswith("VEHCar_Sedan Idle Loop_ABC_TestLib.wav")
    x = audio.samples.astype(np.float64)
    rms = lambda a, b: float(np.sqrt(np.mean(x[int(a * SR) : int(b * SR)] ** 2)))  # noqa: E731
    assert rms(3.8, 4.4) > 1.2 * rms(1.0, 2.0)  # louder when faster
    assert np.all(x[round((scene.last_s + 1 / 25 + 0.6) * SR) + 1 :] == 0.0)  # silent after the release


def test_nothing_in_the_library_falls_back_to_procedural(library: SimpleNamespace, scenes: SimpleNamespace) -> None:
    scene = scenes.walker()
    with LibraryIndex(library.db) as index:
        index.update([library.root])
        generator = LibraryGenerator(index, voices={"person": {"voice": "footsteps", "library": "spaceship hum"}})
        audio = generator.generate(scene.obj, scene.shot, 4 * SR, SR, seed=1)
    assert audio.engine == "procedural" and audio.voice == "footsteps/concrete" and np.any(audio.samples)


def test_the_index_is_plain_sqlite(library: SimpleNamespace) -> None:
    with LibraryIndex(library.db) as index:
        index.update([library.root])
    rows = sqlite3.connect(library.db).execute("SELECT name, cat_id, fx_name, description FROM files WHERE cat_id != '' ORDER BY name").fetchall()
    assert rows[0] == ("FEETHmn_Concrete Walk 0_ABC_TestLib", "FEETHmn", "Concrete Walk 0", "Leather shoes on pavement, walking")
