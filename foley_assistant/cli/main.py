"""Entry point of `foley-assistant`: argument parsing, error handling and exit codes.

Exit codes: 0 success, 2 a user error (one line on stderr, no traceback), 1 an internal error,
130 cancelled by the user (Ctrl-C).
"""

from __future__ import annotations

import argparse
import logging
import sys
import traceback
from pathlib import Path
from typing import Sequence

from foley_assistant import __version__
from foley_assistant.cli.eval_sync import add_sync_parser
from foley_assistant.cli.library import add_library_parser
from foley_assistant.core.errors import Cancelled, FoleyError

EXIT_OK, EXIT_INTERNAL, EXIT_USER, EXIT_CANCELLED = 0, 1, 2, 130


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")


def build_parser() -> argparse.ArgumentParser:
    """The full command-line grammar."""
    parser = argparse.ArgumentParser(
        prog="foley-assistant",
        description="Object-aware foley: one 48 kHz stereo stem per sound-making object of each shot, "
        "placed where the object is, written back into the timeline and into a REAPER session.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log messages on stderr (-vv for debug)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser("demo", help="build the demo cut and run generate on it")
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder (default: demo-output)")
    demo.add_argument("--seed", type=int, default=7, help="seed of the synthetic scenes")
    _add_common(demo)

    shots = commands.add_parser("shots", help="list the shots of a timeline")
    shots.add_argument("timeline", type=Path, help="timeline file (.otio, .otioz, .otiod)")
    shots.add_argument("--json", action="store_true", help="print JSON instead of a table")
    _add_common(shots)

    analyze = commands.add_parser("analyze", help="detect and track the moving objects; write a tracks file")
    source = analyze.add_mutually_exclusive_group(required=True)
    source.add_argument("timeline", type=Path, nargs="?", help="timeline file")
    source.add_argument("--media", type=Path, help="analyze one media file instead of a timeline")
    analyze.add_argument("--shot", action="append", default=[], metavar="ID", help="only this shot (repeatable)")
    analyze.add_argument("--out", type=Path, required=True, help="tracks file to write (JSON)")
    analyze.add_argument("--hfov", type=float, default=60.0, help="camera horizontal field of view in degrees (default 60)")
    _add_common(analyze)

    generate = commands.add_parser("generate", help="analyze, generate and place the sound of every object")
    generate.add_argument("timeline", type=Path, help="timeline file")
    generate.add_argument("--out", type=Path, required=True, help="output folder")
    generate.add_argument("--shot", action="append", default=[], metavar="ID", help="only this shot (repeatable)")
    generate.add_argument("--tracks", type=Path, help="use this tracks file instead of analyzing")
    generate.add_argument("--engine", choices=("procedural", "library", "neural"), default="procedural")
    generate.add_argument("--hfov", type=float, default=60.0, help="camera horizontal field of view in degrees (default 60)")
    generate.add_argument("--seed", type=int, default=0, help="seed of the sound variations")
    generate.add_argument("--library", type=Path, action="append", default=[], metavar="FOLDER", help="SFX library folder for --engine library (repeatable)")
    generate.add_argument("--library-db", type=Path, metavar="FILE", help="library index file (default: ~/.cache/foley-assistant/sfx-library.sqlite)")
    _add_common(generate)

    render = commands.add_parser("render", help="place one dry sound along one object's curves")
    render.add_argument("--tracks", type=Path, required=True, help="tracks file")
    render.add_argument("--source", type=Path, required=True, help="dry sound (WAV/FLAC/AIFF); its start is the shot's first frame")
    render.add_argument("--object", required=True, metavar="ID", help="object id, e.g. O1")
    render.add_argument("--shot", metavar="ID", help="shot id (needed when the tracks file has several shots)")
    render.add_argument("--out", type=Path, required=True, help="stereo stem to write (WAV)")
    render.add_argument("--hfov", type=float, default=60.0, help="camera horizontal field of view in degrees (default 60)")
    _add_common(render)

    gui = commands.add_parser("gui", help="open the desktop app (also installed as foley-assistant-gui)")
    gui.add_argument("timeline", type=Path, nargs="?", help="timeline to open")

    add_library_parser(commands)

    evaluate = commands.add_parser("eval", help="measure stems against the picture (sync)")
    eval_commands = evaluate.add_subparsers(dest="eval_command", metavar="METRIC", required=True)
    add_sync_parser(eval_commands)

    export = commands.add_parser("export", help="write one interchange format from a generate folder or project file")
    export.add_argument("project", type=Path, help="output folder of generate, or its foley_project.json")
    export.add_argument("--format", required=True, choices=("otio", "otioz", "rpp"))
    export.add_argument("--out", type=Path, required=True, help="file to write")
    _add_common(export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=[logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)],
        format="%(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    from foley_assistant.cli import commands

    try:
        return commands.run(args)
    except FoleyError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USER
    except (Cancelled, KeyboardInterrupt):
        print("cancelled: finished shots were kept; see report.json in the output folder", file=sys.stderr)
        return EXIT_CANCELLED
    except Exception:  # noqa: BLE001 - the last line of defence reports and exits 1
        traceback.print_exc(file=sys.stderr)
        print("internal error: this is a bug in Foley Assistant; please report it with the lines above", file=sys.stderr)
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
