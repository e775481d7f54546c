"""The library engine reads only inside its --library folders, whatever a shared index lists."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np

from foley_assistant.generators.library import LibraryGenerator, LibraryIndex
from foley_assistant.generators.procedural.dsp import add_at, event_rng
from foley_assistant.generators.procedural.footsteps import SURFACES, render_footstep
from foley_assistant.io.audio import write_bwf
from foley_assistant.pipeline.spine.sound import choose_engine

SR = 48000


def _walks(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True)
    paths = []
    for i in range(count):
        x = np.zeros(int(2.0 * SR))
        for k in range(4):
            add_at(x, render_footstep(0.8, SURFACES["concrete"], event_rng(i, str(folder), k), SR), int((0.1 + 0.45 * k) * SR))
        path = folder / f"FEETHmn_Concrete Walk {i}_ABC_TestLib.wav"
        write_bwf(path, np.stack([x, x]).astype(np.float32), SR, description="footsteps on concrete")
        paths.append(path)
    return paths


def test_a_shared_index_gives_only_files_inside_the_folders_asked_for(tmp_path, scenes):
    mine, theirs = _walks(tmp_path / "mine", 2), _walks(tmp_path / "theirs", 3)
    db = tmp_path / "shared.sqlite"
    with LibraryIndex(db) as index:
        index.update([tmp_path / "mine", tmp_path / "theirs"])  # someone else's library in the same index
        # and a row that claims to be under my folder but points elsewhere (an edited or hostile index)
        row = index.db.execute("SELECT * FROM files WHERE path = ?", (str(theirs[0]),)).fetchone()
        index.db.execute("UPDATE files SET root = ? WHERE id = ?", (str((tmp_path / "mine").resolve()), row[0]))
        index.db.commit()
        everything = {f.path for f in index.search("footsteps concrete walk", limit=20)}
        assert {str(p) for p in mine + theirs} <= everything
        inside = {f.path for f in index.search("footsteps concrete walk", limit=20, roots=[tmp_path / "mine"])}
        assert inside == {str(p) for p in mine}
        scene = scenes.walker(enter=10, leave=110)
        n = round(scene.shot.frame_range.duration / 25 * SR)
        audio = LibraryGenerator(index, roots=[tmp_path / "mine"]).generate(scene.obj, scene.shot, n, SR, seed=3)
    used = {s.split("@")[0] for s in audio.sources if s and "@" in s}
    assert used and used <= {str(p) for p in mine}


def test_generate_gives_the_library_engine_its_folders_only(tmp_path):
    _walks(tmp_path / "mine", 1)
    _walks(tmp_path / "theirs", 1)
    db = tmp_path / "shared.sqlite"
    with LibraryIndex(db) as index:
        index.update([tmp_path / "theirs"])
    choice = choose_engine("library", 60.0, (tmp_path / "mine",), db)
    try:
        assert choice.generator.roots == (tmp_path / "mine",)
        with sqlite3.connect(db) as check:
            assert check.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 2  # both are indexed...
        found = choice.library.search("concrete walk", roots=choice.generator.roots)
        assert [Path(f.path).parent.name for f in found] == ["mine"]  # ...but only mine is used
    finally:
        choice.close()
