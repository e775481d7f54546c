"""The SFX library index: folders of WAV, FLAC and AIFF files in a SQLite database, and search.

Indexing is incremental: a file whose size and modification time (ns) match its row is skipped
without being opened; new or changed files have their header read (`metadata.read_header`, never
the samples); rows of files that are gone are removed. One transaction per folder tree.

Each row keeps the path, the folder it was found under, size, mtime, name, UCS blocks (CatID,
category, subcategory, FX name, creator, source), the BWF description, title and keywords,
duration, rate, channels and a `words` text built from all of these and the sub-folder names.
Search uses SQLite's FTS5 on `words` when Python's sqlite3 has it (bm25 ranking), else LIKE.
Each query word matches itself, its prefix, and every word of its synonym group (bundled
`sfx_synonyms.json`, editable): "footsteps concrete" finds "FEETHmn_Walk Pavement...". All query
words must match; when nothing does, files matching most of them come first.

A UCS category list (the official spreadsheet exported as CSV, with columns CatID, Category,
SubCategory and optionally Synonyms) may be loaded to name categories in full; without it, the
category and subcategory codes of the CatID are indexed as they are.
"""

from __future__ import annotations

import csv
import json
import os
import sqlite3
import time
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Callable, Iterable, Iterator, Sequence

from foley_assistant.core.errors import InputFileError
from foley_assistant.generators.library.metadata import AUDIO_SUFFIXES, HeaderInfo, read_header
from foley_assistant.generators.library.naming import parse_ucs, words

SCHEMA_VERSION = 1
SYNONYMS_FILE = "sfx_synonyms.json"
ProgressFn = Callable[[int, int, str], None]


@dataclass(frozen=True)
class IndexStats:
    """What one update did."""

    added: int
    updated: int
    unchanged: int
    removed: int
    failed: int
    seconds: float

    @property
    def files(self) -> int:
        return self.added + self.updated + self.unchanged

    def to_dict(self) -> dict[str, float | int]:
        return {
            "files": self.files,
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "removed": self.removed,
            "failed": self.failed,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class LibraryFile:
    """One indexed sound."""

    path: str
    name: str
    cat_id: str
    category: str
    subcategory: str
    fx_name: str
    description: str
    duration_s: float
    sample_rate: int
    channels: int
    score: float = 0.0


def default_index_path() -> Path:
    """Where the index lives unless told: $XDG_CACHE_HOME (or ~/.cache)/foley-assistant/sfx-library.sqlite."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "foley-assistant" / "sfx-library.sqlite"


def bundled_synonyms() -> list[list[str]]:
    """The bundled synonym groups (lower-case words)."""
    data = json.loads(files("foley_assistant.resources").joinpath(SYNONYMS_FILE).read_text(encoding="utf-8"))
    return [[w.lower() for w in group] for group in data["groups"]]


def read_ucs_list(path: str | os.PathLike[str]) -> dict[str, tuple[str, str, str]]:
    """CatID -> (category, subcategory, synonyms) from a UCS spreadsheet exported as CSV."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(f"cannot read the UCS list {path} ({exc}); export the UCS spreadsheet as CSV (UTF-8).") from exc
    for at, row in enumerate(rows[:20]):
        names = [c.strip().lower().replace(" ", "") for c in row]
        if "catid" in names and "category" in names and "subcategory" in names:
            cat, sub, cid = names.index("category"), names.index("subcategory"), names.index("catid")
            syn = next((i for i, n in enumerate(names) if n.startswith("synonym")), None)
            found = {}
            for r in rows[at + 1 :]:
                if len(r) > max(cat, sub, cid) and r[cid].strip():
                    found[r[cid].strip()] = (r[cat].strip(), r[sub].strip(), r[syn].strip() if syn is not None and len(r) > syn else "")
            return found
    raise InputFileError(f"{path} has no header row with CatID, Category and SubCategory columns; is it the UCS list?")


class LibraryIndex:
    """A SQLite index of sound files (see the module docstring). Use as a context manager or close()."""

    def __init__(self, db_path: str | os.PathLike[str], ucs_list: dict[str, tuple[str, str, str]] | None = None) -> None:
        self.db_path = Path(db_path)
        self.db_path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(str(self.db_path))
            self.db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.Error as exc:
            raise InputFileError(f"cannot open the library index {self.db_path} ({exc}); choose another --library-db path.") from exc
        self.ucs = ucs_list or {}
        self.fts = _has_fts5(self.db)
        self._create()
        self.synonyms = _synonym_lookup(bundled_synonyms())

    def __enter__(self) -> "LibraryIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.db.close()

    def _create(self) -> None:
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
            CREATE TABLE IF NOT EXISTS files (
                id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, root TEXT NOT NULL,
                size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL, name TEXT NOT NULL,
                cat_id TEXT, category TEXT, subcategory TEXT, fx_name TEXT, creator_id TEXT, source_id TEXT,
                description TEXT, title TEXT, keywords TEXT,
                duration_s REAL, sample_rate INTEGER, channels INTEGER, format TEXT, error TEXT,
                words TEXT NOT NULL);
            CREATE INDEX IF NOT EXISTS files_root ON files(root);
            """
        )
        if self.fts:
            self.db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS files_fts USING fts5(words, tokenize='unicode61 remove_diacritics 2')")
        self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        self.db.commit()

    def update(self, roots: Iterable[str | os.PathLike[str]], progress: ProgressFn | None = None) -> IndexStats:
        """Bring the index up to date with the audio files under `roots` (recursively)."""
        started = time.perf_counter()
        added = updated = unchanged = removed = failed = 0
        for root in roots:
            root_path = Path(root).expanduser().resolve()
            if not root_path.is_dir():
                raise InputFileError(f"library folder not found: {root_path}. Give a folder of WAV, FLAC or AIFF files.")
            known = {row[0]: (row[1], row[2], row[3]) for row in self.db.execute("SELECT path, size, mtime_ns, id FROM files WHERE root = ?", (str(root_path),))}
            seen: set[str] = set()
            rows: list[tuple] = []
            stale: list[int] = []
            found = list(_scan(root_path))
            for count, (path, size, mtime_ns) in enumerate(found, start=1):
                seen.add(path)
                old = known.get(path)
                if old is not None and old[0] == size and old[1] == mtime_ns:
                    unchanged += 1
                    continue
                if old is not None:
                    stale.append(old[2])
                    updated += 1
                else:
                    added += 1
                header = read_header(path)
                failed += bool(header.error)
                rows.append(self._row(path, root_path, size, mtime_ns, header))
                if progress is not None and count % 500 == 0:
                    progress(count, len(found), str(root_path))
            gone = [known[p][2] for p in known.keys() - seen]
            removed += len(gone)
            with self.db:
                self._delete(stale + gone)
                self._insert(rows)
            if progress is not None:
                progress(len(found), len(found), str(root_path))
        return IndexStats(added, updated, unchanged, removed, failed, time.perf_counter() - started)

    def _row(self, path: str, root: Path, size: int, mtime_ns: int, header: HeaderInfo) -> tuple:
        stem = os.path.splitext(os.path.basename(path))[0]
        ucs = parse_ucs(stem, self.ucs)
        cat_id = category = subcategory = fx = creator = source = ""
        extra = ""
        if ucs is not None:
            cat_id, fx, creator, source = ucs.cat_id, ucs.fx_name, ucs.creator_id, ucs.source_id
            category, subcategory, extra = self.ucs.get(cat_id, (ucs.category_code, ucs.subcategory_code, ""))
            extra = " ".join([extra, ucs.user_category, ucs.vendor_category, ucs.user_data])
        folders = os.path.relpath(os.path.dirname(path), root)
        text = " ".join([stem, category, subcategory, fx, extra, header.description, header.title, header.keywords, "" if folders == "." else folders])
        return (
            path,
            str(root),
            size,
            mtime_ns,
            stem,
            cat_id,
            category,
            subcategory,
            fx,
            creator,
            source,
            header.description,
            header.title,
            header.keywords,
            header.duration_s,
            header.sample_rate,
            header.channels,
            header.format,
            header.error,
            " ".join(words(text)),
        )

    def _delete(self, ids: list[int]) -> None:
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            self.db.execute(f"DELETE FROM files WHERE id IN ({marks})", chunk)
            if self.fts:
                self.db.execute(f"DELETE FROM files_fts WHERE rowid IN ({marks})", chunk)

    def _insert(self, rows: list[tuple]) -> None:
        sql = (
            "INSERT OR REPLACE INTO files (path, root, size, mtime_ns, name, cat_id, category, subcategory, fx_name,"
            " creator_id, source_id, description, title, keywords, duration_s, sample_rate, channels, format, error, words)"
            " VALUES (" + ",".join("?" * 20) + ")"
        )
        self.db.executemany(sql, rows)
        if self.fts and rows:
            self.db.execute("INSERT INTO files_fts (rowid, words) SELECT id, words FROM files WHERE id NOT IN (SELECT rowid FROM files_fts)")

    def count(self) -> int:
        """How many files are indexed (readable or not)."""
        return int(self.db.execute("SELECT COUNT(*) FROM files").fetchone()[0])

    def search(self, query: str, limit: int = 20, min_duration_s: float = 0.0, roots: Sequence[str | os.PathLike[str]] | None = None) -> list[LibraryFile]:
        """Readable files matching `query` (with synonyms), best first; with `roots`, only files
        indexed under those folders whose path lies inside one of them (a shared index may list
        other folders, or rows that point anywhere: those are never returned)."""
        groups = [self.synonyms.get(w, [w]) for w in dict.fromkeys(words(query))]
        if not groups:
            return []
        folders = None if roots is None else [str(Path(r).expanduser().resolve()) for r in roots]
        found = self._search(groups, True, limit, min_duration_s, folders)
        if not found and len(groups) > 1:
            found = self._search(groups, False, limit, min_duration_s, folders)
        return found

    def _search(self, groups: list[list[str]], every: bool, limit: int, min_duration_s: float, folders: list[str] | None) -> list[LibraryFile]:
        columns = "f.path, f.name, f.cat_id, f.category, f.subcategory, f.fx_name, f.description, f.duration_s, f.sample_rate, f.channels"
        within, within_params = ("", []) if folders is None else (f" AND f.root IN ({','.join('?' * len(folders))})", folders)
        if self.fts:
            match = (" AND " if every else " OR ").join("(" + " OR ".join(f'"{w}"*' for w in group) + ")" for group in groups)
            sql = f"SELECT {columns}, bm25(files_fts) AS rank FROM files_fts JOIN files f ON f.id = files_fts.rowid WHERE files_fts MATCH ? AND f.error = '' AND f.duration_s >= ?{within} ORDER BY rank LIMIT ?"
            rows = self.db.execute(sql, [match, min_duration_s, *within_params, limit]).fetchall()
            return [LibraryFile(*row[:10], score=-float(row[10])) for row in rows if _under(row[0], folders)]
        clauses, params = [], []
        for group in groups:
            clauses.append("(" + " OR ".join("(' ' || f.words) LIKE ?" for _ in group) + ")")
            params += [f"% {w}%" for w in group]
        where = (" AND " if every else " OR ").join(clauses)
        score = " + ".join(f"({c})" for c in clauses)
        sql = f"SELECT {columns}, {score} AS hits FROM files f WHERE ({where}) AND f.error = '' AND f.duration_s >= ?{within} ORDER BY hits DESC, f.name LIMIT ?"
        rows = self.db.execute(sql, params + params + [min_duration_s, *within_params, limit]).fetchall()
        return [LibraryFile(*row[:10], score=float(row[10])) for row in rows if _under(row[0], folders)]


def _under(path: str, folders: list[str] | None) -> bool:
    """Whether `path` (made absolute, '..' resolved, links not followed: a link the editor put in
    a library folder is theirs) lies inside one of `folders` (any path when None)."""
    if folders is None:
        return True
    normal = os.path.normpath(os.path.abspath(str(path)))
    return any(normal.startswith(folder.rstrip(os.sep) + os.sep) for folder in folders)


def _scan(root: Path) -> Iterator[tuple[str, int, int]]:
    """(path, size, mtime_ns) of every audio file under root, by os.scandir (no file is opened)."""
    stack = [str(root)]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in sorted(entries, key=lambda e: e.name):
            if entry.name.startswith("."):
                continue
            if entry.is_dir(follow_symlinks=False):
                stack.append(entry.path)
            elif os.path.splitext(entry.name)[1].lower() in AUDIO_SUFFIXES:
                stat = entry.stat()
                yield entry.path, stat.st_size, stat.st_mtime_ns


def _has_fts5(db: sqlite3.Connection) -> bool:
    try:
        db.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts5_probe USING fts5(x)")
        db.execute("DROP TABLE temp.fts5_probe")
        return True
    except sqlite3.OperationalError:
        return False


def _synonym_lookup(groups: list[list[str]]) -> dict[str, list[str]]:
    """word -> its whole group (the word first)."""
    lookup: dict[str, list[str]] = {}
    for group in groups:
        for word in group:
            lookup[word] = [word] + [w for w in group if w != word]
    return lookup
