"""Commands the NLE plugins call: `placements` (where each stem goes in a host that counts in
frames, with its pan and level automation). Parsing and printing only; the work is in
pipeline.handoff.host_placement."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from foley_assistant.cli.arguments import frame_rate


def add_plugin_commands(commands: Any) -> None:
    """Add `placements` to the CLI's subparsers."""
    placements_parser = commands.add_parser("placements", help="where each stem of a generate folder goes in frames, with pan/level automation (for NLE plugins)")
    placements_parser.add_argument("project", type=Path, help="output folder of generate, or its foley_project.json")
    placements_parser.add_argument("--rate", type=frame_rate, metavar="FPS", help="frame grid of the host (default: the timeline's rate)")
    placements_parser.add_argument("--json", action="store_true", help="print JSON (schema foley_assistant.placements/1)")


def placements(args: argparse.Namespace) -> int:
    """Print the placement plan of a generate folder."""
    from foley_assistant.pipeline.handoff.host_placement import host_plan

    plan = host_plan(args.project, args.rate)
    if args.json:
        print(json.dumps(plan.to_dict(), indent=1))
        return 0
    print(f"{plan.timeline_name} at {plan.rate} fps, start frame {plan.global_start_frame}")
    for lane, clips in plan.lanes:
        print(f"  {lane}")
        for clip in clips:
            print(f"    {clip.shot_id} {clip.object_id} {clip.label}: frame {clip.record_frame} +{clip.length_frames}  {clip.stem_path.name}")
    return 0
