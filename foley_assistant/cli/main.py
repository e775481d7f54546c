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
from foley_assistant.cli.arguments import frame_rate, number_within
from foley_assistant.cli.eval_sync import add_sync_parser
from foley_assistant.cli.library import add_library_parser
from foley_assistant.cli.model_commands import add_model_commands
from foley_assistant.cli.models import add_models_parser
from foley_assistant.cli.plugin_commands import add_plugin_commands
from foley_assistant.core.errors import Cancelled, FoleyError

EXIT_OK, EXIT_INTERNAL, EXIT_USER, EXIT_CANCELLED = 0, 1, 2, 130


def _add_detector(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--detector",
        default="nanodet",
        metavar="nanodet|nanodet-float|none|auto|NAME|FILE",
        help="the object detector that names what moves: nanodet (shipped NanoDet-g in 8 bits, default); nanodet-float "
        "(the same network in float, slower); NAME, a model installed with "
        "`models install`; an ONNX detector export (.onnx: YOLO family, YOLOX, RT-DETR, NanoDet-Plus); a torchvision "
        "state dict (.pth/.safetensors) or auto (the torch hub cache; never downloads); none: motion alone, "
        "objects unnamed. An unusable choice falls back to motion alone and says so.",
    )
    parser.add_argument(
        "--detector-model",
        default="ssdlite320_mobilenet_v3_large",
        choices=("ssdlite320_mobilenet_v3_large", "fasterrcnn_mobilenet_v3_large_320_fpn", "fasterrcnn_mobilenet_v3_large_fpn", "fasterrcnn_resnet50_fpn", "retinanet_resnet50_fpn"),
        help="torchvision architecture of --detector weights",
    )


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-q", "--quiet", action="store_true", help="no progress bars")


def _add_placement(parser: argparse.ArgumentParser) -> None:
    """Options of how stems are placed (generate and render)."""
    placement = parser.add_argument_group("placement")
    placement.add_argument(
        "--pan-law",
        choices=("constant-power", "-4.5db", "linear", "tangent"),
        default="constant-power",
        help="pan law: constant power (-3 dB centre, default), -4.5 dB, linear (-6 dB), tangent (speakers at +-30 deg)",
    )
    placement.add_argument("--distance-model", choices=("inverse", "linear", "exponential"), default="inverse", help="level against distance, clamped to [2 m, 100 m] (default inverse)")
    placement.add_argument("--smoothing-ms", type=float, default=20.0, help="time constant of the automation smoothing, 10-50 ms (default 20)")
    placement.add_argument("--offscreen", choices=("hold", "fade", "keep-panning"), default="hold", help="what a sound does when its object is out of frame (default hold)")
    placement.add_argument("--doppler", action="store_true", help="pitch follows the change of distance (a delay line)")
    placement.add_argument("--binaural", action="store_true", help="binaural stems for headphones (spherical-head model unless --sofa)")
    placement.add_argument("--sofa", type=Path, metavar="FILE", help="binaural through the HRIRs of this SOFA file (implies --binaural)")


def _add_eval(commands: argparse._SubParsersAction) -> None:
    """The `eval` group: one subcommand per family of metrics."""
    evaluate = commands.add_parser("eval", help="measure stems against the picture: spatial object-awareness, sync")
    metrics = evaluate.add_subparsers(dest="eval_command", metavar="METRIC", required=True)
    spatial = metrics.add_parser("spatial", help="object-awareness of a stereo (or binaural) stem against one object's track")
    spatial.add_argument("stem", type=Path, help="the stem (WAV); its first sample is the shot's first frame")
    spatial.add_argument("--tracks", type=Path, required=True, help="tracks file")
    spatial.add_argument("--object", required=True, metavar="ID", help="object id, e.g. O1")
    spatial.add_argument("--shot", metavar="ID", help="shot id (needed when the tracks file has several shots)")
    spatial.add_argument("--hfov", type=float, default=60.0, help="camera horizontal field of view in degrees (default 60)")
    spatial.add_argument("--pan-law", choices=("constant-power", "-4.5db", "linear", "tangent"), default="constant-power", help="pan law the stem was rendered with (default constant-power)")
    spatial.add_argument("--binaural", action="store_true", help="the stem is binaural: angles from the ITD, plus ITD and ILD errors")
    spatial.add_argument("--json", action="store_true", help="print JSON")
    add_sync_parser(metrics)


def _add_timeline_reading(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rate",
        type=frame_rate,
        metavar="FPS",
        help="frame rate of an EDL, which does not store one (e.g. 25, 23.976, 29.97); without it the rate is inferred from the timecodes or 24 is assumed, and said",
    )
    parser.add_argument(
        "--search", action="append", default=[], type=Path, metavar="DIR", help="folder to search (recursively) for missing media, by file name, name without extension, reel or clip name (repeatable)"
    )


def build_parser() -> argparse.ArgumentParser:
    """The full command-line grammar."""
    parser = argparse.ArgumentParser(
        prog="foley-assistant",
        description="Object-aware foley: one 48 kHz stereo stem per sound-making object of each shot, placed where the object is, written back into the timeline and into a REAPER session.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log messages on stderr (-vv for debug)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    demo = commands.add_parser("demo", help="build the demo cut and run generate on it")
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder (default: demo-output)")
    demo.add_argument("--seed", type=int, default=7, help="seed of the synthetic scenes")
    _add_common(demo)

    shots = commands.add_parser("shots", help="list the shots of a timeline")
    shots.add_argument("timeline", type=Path, help="timeline file (.otio, .otioz, .otiod, .aaf, .xml, .fcpxml, .edl)")
    shots.add_argument("--json", action="store_true", help="print JSON instead of a table")
    _add_timeline_reading(shots)
    _add_common(shots)

    analyze = commands.add_parser("analyze", help="detect and track the moving objects; write a tracks file")
    source = analyze.add_mutually_exclusive_group(required=True)
    source.add_argument("timeline", type=Path, nargs="?", help="timeline file")
    source.add_argument("--media", type=Path, help="analyze one media file instead of a timeline")
    analyze.add_argument("--shot", action="append", default=[], metavar="ID", help="only this shot (repeatable)")
    analyze.add_argument("--out", type=Path, required=True, help="tracks file to write (JSON)")
    analyze.add_argument("--hfov", type=float, default=60.0, help="camera horizontal field of view in degrees (default 60)")
    _add_timeline_reading(analyze)
    _add_detector(analyze)
    _add_batch(analyze, resume=False)
    _add_common(analyze)

    generate = commands.add_parser("generate", help="analyze, generate and place the sound of every object")
    generate.add_argument("timeline", type=Path, help="timeline file, or a media file (.mp4, .mov, .mxf...) taken as a reel: one shot per detected cut")
    generate.add_argument("--out", type=Path, required=True, help="output folder")
    generate.add_argument("--shot", action="append", default=[], metavar="ID", help="only this shot (repeatable)")
    generate.add_argument("--tracks", type=Path, help="use this tracks file instead of analyzing")
    generate.add_argument("--engine", choices=("procedural", "library", "neural"), default="procedural")
    generate.add_argument("--hfov", type=float, default=60.0, help="camera horizontal field of view in degrees (default 60)")
    generate.add_argument("--seed", type=int, default=0, help="seed of the sound variations")
    generate.add_argument(
        "--ambience",
        choices=("none", "auto", "room", "street", "wind", "rain"),
        default="none",
        help="an ambience bed under each shot, as its own stereo stem <shot>_AMB_<bed>.wav: auto picks it from the objects' labels (a car: street; none of note: room); default none",
    )
    _add_placement(generate)
    _add_detector(generate)
    generate.add_argument("--loudness-target", type=float, default=-23.0, metavar="LUFS", help="integrated loudness of the mix, one gain for all its stems (default -23)")
    generate.add_argument("--true-peak", type=float, default=-1.0, metavar="DBTP", help="true-peak ceiling of the mix (default -1)")
    generate.add_argument(
        "--handles",
        type=number_within(0.0, 60.0, "seconds"),
        default=1.0,
        metavar="SECONDS",
        help="each stem runs on this far past both ends of the cut where the media has picture there (default 1; 0: none); exports trim the items to the cut",
    )
    generate.add_argument(
        "--fade-ms", type=number_within(0.0, 1000.0, "milliseconds"), default=10.0, metavar="MS", help="fade at each edit of an exported item, milliseconds (default 10; recorded in the project)"
    )
    generate.add_argument(
        "--loudness-scope",
        choices=("reel", "shot"),
        default="reel",
        help="reel (default): one gain for every shot, measured on the reel's mix, so levels match across cuts; shot: each shot's mix normalised on its own",
    )
    _add_timeline_reading(generate)
    generate.add_argument("--library", type=Path, action="append", default=[], metavar="FOLDER", help="SFX library folder for --engine library (repeatable)")
    generate.add_argument("--library-db", type=Path, metavar="FILE", help="library index file (default: ~/.cache/foley-assistant/sfx-library.sqlite)")
    generate.add_argument("--model", type=Path, help="neural model folder for --engine neural (default: $FOLEY_ASSISTANT_MODEL, then the bundled one)")
    generate.add_argument("--force", action="store_true", help="overwrite files in --out that Foley Assistant did not write (refused otherwise, naming them)")
    _add_batch(generate)
    _add_common(generate)

    render = commands.add_parser("render", help="place one dry sound along one object's curves")
    render.add_argument("--tracks", type=Path, required=True, help="tracks file")
    render.add_argument("--source", type=Path, required=True, help="dry sound (WAV/FLAC/AIFF); its start is the shot's first frame")
    render.add_argument("--object", required=True, metavar="ID", help="object id, e.g. O1")
    render.add_argument("--shot", metavar="ID", help="shot id (needed when the tracks file has several shots)")
    render.add_argument("--out", type=Path, required=True, help="stereo stem to write (WAV)")
    render.add_argument("--hfov", type=float, default=60.0, help="camera horizontal field of view in degrees (default 60)")
    _add_placement(render)
    _add_common(render)

    _add_eval(commands)

    gui = commands.add_parser("gui", help="open the desktop app (also installed as foley-assistant-gui)")
    gui.add_argument("timeline", type=Path, nargs="?", help="timeline, foley_project.json or generate folder to open")
    gui.add_argument("--smoke-test", action="store_true", help="open the window offscreen, print how long it took to show, and exit")

    add_library_parser(commands)

    export = commands.add_parser("export", help="write one interchange format from a generate folder or project file")
    export.add_argument("project", type=Path, help="output folder of generate, or its foley_project.json")
    export.add_argument(
        "--format",
        required=True,
        choices=("otio", "otioz", "rpp", "aaf", "fcp7", "edl", "adm"),
        help="otio/otioz: timeline (+ stems); rpp: REAPER; aaf: Avid/Pro Tools; fcp7: FCP 7 XML (.xml); edl: one CMX 3600 EDL per lane; adm: ADM BWF for Dolby Atmos (.wav)",
    )
    export.add_argument("--out", type=Path, required=True, help="file to write (for edl: the base name of the per-lane EDLs)")
    export.add_argument(
        "--stereo",
        "--aaf-stereo",
        dest="aaf_stereo",
        choices=("split", "automation"),
        default="split",
        help="AAF: each stereo stem as two hard-panned mono tracks (split, default), or the dry source on one track with pan automation; "
        "FCP 7 XML: the stereo stems (split), or the dry sources with pan and level keyframes (automation)",
    )
    export.add_argument(
        "--all-takes",
        action="store_true",
        help="with --format rpp, otio, otioz, fcp7 or aaf: every take of each stem, as REAPER takes of its item, muted alternates on tracks '<lane> alt N', "
        "or (AAF) the alternates of a Selector around the chosen take (the chosen one plays)",
    )
    export.add_argument("--nle", choices=("resolve", "kdenlive", "otio-0.14"), help="with --format otio: for this editor's own OTIO import (stems in frames, schemas of the OTIO it reads)")
    _add_common(export)
    add_model_commands(commands)
    add_models_parser(commands)
    add_plugin_commands(commands)
    return parser


def _add_batch(parser: argparse.ArgumentParser, resume: bool = True) -> None:
    """Where the shots run (analyze, generate), and resuming a run (generate)."""
    batch = parser.add_argument_group("batch")
    batch.add_argument(
        "--executor",
        choices=("serial", "local", "ray"),
        default="serial",
        help="where shots are made: serial (one after another, default), local (worker processes on this machine), ray (Ray tasks: pip install 'foley-assistant[ray]'); the files are the same byte for byte",
    )
    batch.add_argument("--workers", type=int, metavar="N", help="shots at once with --executor local or ray (default: one per core of this machine, or of the Ray cluster)")
    batch.add_argument("--ray-address", metavar="ADDR", help="the Ray cluster to join (host:port or auto); default: a local cluster started for the run")
    if resume:
        batch.add_argument("--resume", action="store_true", help="keep the shots the folder's foley_manifest.json lists as made from the same inputs; make only the others")


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
