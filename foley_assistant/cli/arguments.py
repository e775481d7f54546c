"""Argument types shared by the CLI's parsers."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from foley_assistant.core.timebase import FrameRate


def frame_rate(text: str) -> "FrameRate":
    """A frame rate typed on the command line (25, 23.976, 30000/1001), or argparse's refusal."""
    from foley_assistant.core.timebase import FrameRate

    try:
        return FrameRate.parse(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a frame rate: {text!r} (give e.g. 25, 23.976, 30000/1001)") from exc
