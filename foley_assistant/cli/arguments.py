"""Argument types shared by the CLI's parsers."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from foley_assistant.core.timebase import FrameRate


def frame_rate(text: str) -> "FrameRate":
    """A frame rate typed on the command line (25, 23.976, 30000/1001), or argparse's refusal."""
    from foley_assistant.core.timebase import FrameRate

    try:
        return FrameRate.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a frame rate: {text!r} (give e.g. 25, 23.976, 30000/1001)") from exc


def number_within(low: float, high: float, unit: str) -> Callable[[str], float]:
    """An argument type: a number from `low` to `high` (in `unit`), or argparse's refusal."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = float("nan")
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{text!r} is not {low:g} to {high:g} {unit}")
        return value

    return parse
