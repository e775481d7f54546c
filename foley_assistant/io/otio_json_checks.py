"""Checks of an OTIO JSON document's clips before OpenTimelineIO reads it.

OTIO's reader is C++; a few shapes of a clip's media references make it crash the process with
a segmentation fault instead of raising (found by tests/fuzz): a version-1 clip whose
`media_reference` is a list or another value that is not a reference, or that also has the
version-2 `media_references`. No exception can be caught from that, so these shapes
are refused here, in Python, with the clip named, before the document reaches OTIO.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from foley_assistant.core.errors import TimelineError

#: The member of an .otioz bundle that holds its timeline (as OTIO's otioz adapter reads it).
BUNDLE_TIMELINE = "content.otio"


def check_otio_file(path: Path) -> None:
    """Refuse (TimelineError) an .otio, .otioz or .otiod whose clips OTIO's reader would crash on.
    A document Python cannot parse is left to OTIO, which refuses it with its own message."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".otioz":
            with zipfile.ZipFile(path) as bundle:
                raw = bundle.read(BUNDLE_TIMELINE)
        else:
            raw = (path / BUNDLE_TIMELINE if suffix == ".otiod" else path).read_bytes()
        document = json.loads(raw)
    except Exception:  # noqa: BLE001 - unreadable (a damaged zip raises zlib, EOF and other errors): OTIO's reader refuses it
        return
    check_otio_document(document, path.name)


def check_otio_document(document: Any, name: str) -> None:
    """Walk a parsed OTIO JSON document (iteratively, however deep) and refuse the first clip
    whose media references OTIO's reader would crash on."""
    stack = [document]
    clips = 0
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
            continue
        if not isinstance(node, dict):
            continue
        schema = node.get("OTIO_SCHEMA")
        if schema == "Clip.1":
            clips += 1
            problem = clip_reference_problem(node)
            if problem is not None:
                label = node.get("name")
                where = f"clip {clips}" + (f" '{label:.60}'" if isinstance(label, str) and label else "")
                raise TimelineError(f"'{name}': {where}: {problem}. OpenTimelineIO cannot read that; export the cut again or fix the clip.")
        stack.extend(reversed(list(node.values())))


def _is_reference(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("OTIO_SCHEMA"), str)


def clip_reference_problem(clip: dict[str, Any]) -> str | None:
    """What is wrong with a version-1 clip's media reference, in words, or None. OTIO upgrades a
    Clip.1 by moving its `media_reference` into `media_references`; that step is what crashes on
    a reference that is not one, or on a Clip.1 that already has the version-2 fields. Later
    versions are read safely (an unusable reference there is an ordinary error)."""
    if clip.get("OTIO_SCHEMA") != "Clip.1":
        return None
    if "media_references" in clip or "active_media_reference_key" in clip:
        return "it is a Clip.1 with media_references, which only a Clip.2 has (a Clip.1 has one media_reference)"
    single = clip.get("media_reference")
    if single is None or _is_reference(single):
        return None
    return f"its media_reference is a {type(single).__name__}, not a media reference"
