"""The media linker's logic: find a moved stem again from the path its clip remembers.

Every stem clip the assistant writes keeps, under the `foley_assistant` metadata key, the stem's
path relative to its generate folder (`relative_path`). When the absolute path in the clip's
reference no longer exists (the folder was moved, copied to another machine, or mounted
elsewhere), the linker looks for that relative path under each root it is given, in order:
the `root` argument (`-M root=FOLDER`, several joined with the OS path separator),
$FOLEY_ASSISTANT_STEMS_ROOT, then the current folder. References that still resolve, clips that
are not ours, and stems found nowhere are left as they are (the last with a warning).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import unquote, urlparse

import opentimelineio as otio

from foley_assistant.io.writeback import METADATA_KEY

log = logging.getLogger(__name__)

ROOT_ENV = "FOLEY_ASSISTANT_STEMS_ROOT"


def search_roots(arguments: Mapping[str, object]) -> list[Path]:
    """The folders to look in, in order (see the module docstring)."""
    roots: list[Path] = []
    for value in (arguments.get("root"), os.environ.get(ROOT_ENV)):
        if value:
            roots.extend(Path(part) for part in str(value).split(os.pathsep) if part)
    roots.append(Path.cwd())
    return roots


def _file_of(reference: object) -> Path | None:
    if not isinstance(reference, otio.schema.ExternalReference) or not reference.target_url:
        return None
    parsed = urlparse(reference.target_url)
    if parsed.scheme not in ("", "file"):
        return None
    return Path(unquote(parsed.path))


def _candidates(relative: str, current: Path | None, root: Path) -> list[Path]:
    """Where the file may be under `root`: the stem's own relative path when the clip points at
    the stem itself, else (a split or dry file beside it) the same file name one level down."""
    if current is None or current.name == Path(relative).name:
        return [root / relative, root / Path(relative).name]
    found = [root / current.name]
    if root.is_dir():
        found.extend(sorted(child / current.name for child in root.iterdir() if child.is_dir()))
    return found


def relinked_reference(clip: otio.schema.Clip, arguments: Mapping[str, object]) -> otio.core.MediaReference:
    """The clip's media reference, pointed at its stem again when it was one of ours and moved."""
    reference = clip.media_reference
    info = clip.metadata.get(METADATA_KEY) if METADATA_KEY in list(clip.metadata) else None
    if not isinstance(info, Mapping) or not info.get("relative_path"):
        return reference
    current = _file_of(reference)
    if current is not None and current.exists():
        return reference
    relative = str(info["relative_path"])
    for root in search_roots(arguments):
        for candidate in _candidates(relative, current, root):
            if candidate.is_file():
                available = reference.available_range if isinstance(reference, otio.schema.ExternalReference) else None
                metadata = dict(reference.metadata) if reference is not None else {}
                return otio.schema.ExternalReference(target_url=candidate.resolve().as_uri(), available_range=available, metadata=metadata)
    log.warning("stem %s of clip %r was found under none of %s", relative, clip.name, ", ".join(str(r) for r in search_roots(arguments)))
    return reference
