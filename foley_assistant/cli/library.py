"""`foley-assistant library index|search`: the editor's SFX library, indexed for the library engine."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def add_library_parser(commands: Any) -> None:
    """Register `library index` and `library search`."""
    library = commands.add_parser("library", help="index and search your SFX library (for generate --engine library)")
    actions = library.add_subparsers(dest="library_command", metavar="ACTION", required=True)
    index = actions.add_parser(
        "index",
        help="index folders of WAV/FLAC/AIFF files (incremental: unchanged files are skipped)",
        description="Read the headers (never the audio) of every WAV, FLAC and AIFF file under the folders into a "
        "SQLite index: name, UCS category (CatID_FXName_CreatorID_SourceID), BWF description, duration.",
    )
    index.add_argument("folders", type=Path, nargs="+", help="library folders")
    index.add_argument("--db", type=Path, help="index file (default: ~/.cache/foley-assistant/sfx-library.sqlite)")
    index.add_argument("--ucs-list", type=Path, help="the UCS category list exported as CSV, to name categories in full")
    index.add_argument("--json", action="store_true", help="print JSON")
    index.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    search = actions.add_parser("search", help="search the index (synonyms included)")
    search.add_argument("query", nargs="+", help="words, e.g. footsteps gravel")
    search.add_argument("--db", type=Path, help="index file (default: ~/.cache/foley-assistant/sfx-library.sqlite)")
    search.add_argument("--limit", type=int, default=20, help="at most this many results (default 20)")
    search.add_argument("--json", action="store_true", help="print JSON")
    search.add_argument("-q", "--quiet", action="store_true", help="no progress bars")


def run_library(args: argparse.Namespace) -> int:
    """Index or search, printing a summary or JSON."""
    from foley_assistant.cli.progress_bar import TerminalProgress
    from foley_assistant.core.errors import FoleyError
    from foley_assistant.core.progress import ProgressEvent
    from foley_assistant.generators.library import LibraryIndex, default_index_path, read_ucs_list

    db = args.db or default_index_path()
    if args.library_command == "index":
        ucs = read_ucs_list(args.ucs_list) if args.ucs_list else None
        bar = TerminalProgress(enabled=False if args.quiet else None)
        try:
            with LibraryIndex(db, ucs) as index:
                stats = index.update(args.folders, lambda done, total, what: bar(ProgressEvent("index", done, total, what)))
                total = index.count()
        finally:
            bar.close()
        if args.json:
            print(json.dumps({"db": str(db), "indexed": total, **stats.to_dict()}, indent=2))
        else:
            print(
                f"{stats.files} files under {len(args.folders)} folder(s) in {stats.seconds:.1f} s: {stats.added} new, "
                f"{stats.updated} changed, {stats.unchanged} unchanged, {stats.removed} removed, {stats.failed} unreadable"
            )
            print(f"index: {db} ({total} files)")
        return 0
    if not Path(db).is_file():
        raise FoleyError(f"no library index at {db}; run `foley-assistant library index FOLDER` first.")
    with LibraryIndex(db) as index:
        found = index.search(" ".join(args.query), limit=args.limit)
    if args.json:
        print(json.dumps([f.__dict__ for f in found], indent=2))
        return 0
    for f in found:
        category = f"{f.category}/{f.subcategory}" if f.category else "-"
        print(f"{f.duration_s:7.2f} s  {category:<20} {f.path}")
    if not found:
        print("nothing found")
    return 0
