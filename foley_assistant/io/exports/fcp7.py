"""FCP 7 XML (xmeml) for Premiere Pro, Resolve and Final Cut Pro 7, through otio-fcp-adapter.

The XML counts in frames of the sequence, so the stem tracks are placed in frames (the sample
offset stays in the clip metadata, which the adapter writes into the clip's XML). The adapter
does not write track names: the lane shows in each clip's name.
"""

from __future__ import annotations

import os
from pathlib import Path

import opentimelineio as otio

from foley_assistant.core.errors import OutputError
from foley_assistant.io.atomic import atomic_path


def write_fcp7(timeline: otio.schema.Timeline, path: str | os.PathLike[str]) -> None:
    """Write a timeline as FCP 7 XML, atomically."""
    path = Path(path)
    try:
        with atomic_path(path) as temporary:
            otio.adapters.write_to_file(timeline, str(temporary), adapter_name="fcp_xml")
    except (otio.exceptions.OTIOError, ValueError, KeyError, AttributeError) as exc:
        raise OutputError(f"the FCP 7 XML writer could not write {path.name}: {exc}. Use --format otio or aaf instead.") from exc
