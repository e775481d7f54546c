"""The `eval` subcommands: measure a stem, print the figures (a table, or JSON with --json).

EVAL_COMMANDS maps each subcommand of `eval` to its handler; add new metric families there.
"""

from __future__ import annotations

import argparse
import json
from typing import Any, Callable


def _print(figures: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps(figures, indent=2))
        return
    for key, value in figures.items():
        shown = "n/a" if value is None else (f"{value:.4g}" if isinstance(value, float) else value)
        print(f"{key:<22} {shown}")


def spatial(args: argparse.Namespace) -> int:
    """Object-awareness of a stem against one object's track."""
    from foley_assistant.acoustics.panning import PanLaw
    from foley_assistant.pipeline.evaluation.spatial_eval import evaluate_spatial

    figures = evaluate_spatial(args.stem, args.tracks, args.object, args.shot, args.hfov, PanLaw(args.pan_law), args.binaural)
    _print(figures, args.json)
    return 0


def sync(args: argparse.Namespace) -> int:
    """Audio-visual sync of a stem or mix against the tracks (see cli.eval_sync)."""
    from foley_assistant.cli.eval_sync import run_sync

    return run_sync(args)


EVAL_COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {"spatial": spatial, "sync": sync}
