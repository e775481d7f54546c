"""`foley-assistant eval sync`: audio-visual sync of an audio file against a tracks file."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any


def add_sync_parser(eval_commands: Any) -> None:
    """Register `eval sync` under the `eval` command's subparsers."""
    sync = eval_commands.add_parser(
        "sync",
        help="audio-visual sync: audio onsets against the objects' motion peaks (AV-Align, median offset)",
        description="Measure how well the sounds of AUDIO fall on the visible motion of the tracked objects. "
        "The audio's first sample is the shot's first frame (as the stems, dry sources and mixes of generate). "
        "Definitions: docs/metrics.md (Sync).",
    )
    sync.add_argument("audio", type=Path, help="audio file (WAV, FLAC, AIFF): a stem, dry source or mix")
    sync.add_argument("--tracks", type=Path, required=True, help="tracks file (from analyze, or tracks.json of generate)")
    sync.add_argument("--object", metavar="ID", help="only this object's motion (default: every object of the shot)")
    sync.add_argument("--shot", metavar="ID", help="shot id (needed when the tracks file has several shots)")
    sync.add_argument(
        "--video",
        type=Path,
        help="also judge against the optical flow of the shot's pictures in this media file: the motion of the pixels inside each object's box, and SAVGBench's whole-picture flow peaks",
    )
    sync.add_argument("--json", action="store_true", help="print JSON")
    sync.add_argument("-q", "--quiet", action="store_true", help="no progress bars")


def run_sync(args: argparse.Namespace) -> int:
    """Print the sync figures as a table or JSON."""
    from foley_assistant.pipeline.evaluation.sync_eval import evaluate_sync

    report = evaluate_sync(args.audio, args.tracks, args.shot, args.object, args.video)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    align = report["av_align"]
    offset = report["median_offset_ms"]
    print(f"{args.audio.name} against shot {report['shot']} {'object ' + args.object if args.object else 'all objects'}")
    print(f"  AV-Align (one-frame window): {'n/a' if align is None else f'{align:.3f}'}")
    print(f"  median |onset - motion peak|: {'n/a' if offset is None else f'{offset:.1f} ms'}")
    print(f"  onsets: {len(report['onsets'])} ({report['onsets_judged']} where the motion can be read)   motion peaks: {len(report['motion_peaks'])}")
    if "flow_av_align" in report:
        flow, whole = report["flow_av_align"], report["frame_flow_av_align"]
        print(f"  AV-Align against the objects' optical flow: {'n/a' if flow is None else f'{flow:.3f}'} ({len(report['flow_motion_peaks'])} flow peaks)")
        print(f"  AV-Align against the whole picture's flow (SAVGBench): {'n/a' if whole is None else f'{whole:.3f}'} ({len(report['frame_flow_peaks'])} peaks)")
    return 0
