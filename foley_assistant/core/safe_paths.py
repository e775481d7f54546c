"""Names and paths that come from inputs, made safe for the file system or refused.

Every file the product writes is named from something an input gave it: a shot id, an object
id or label from a tracks file, a clip or timeline name, a stem path from a project file. Any
of them may hold a '/', a '..', a drive letter or a name longer than the file system allows.
This module is the one place that turns such text into a file name or refuses it:

- `check_plain_id`: ids (shots, objects) are refused unless they are plain names;
- `safe_file_part`: free text (labels, clip and timeline names) becomes a file-name part;
- `check_stem_path` / `check_relative_path`: paths a project file records, refused unless they
  are plain relative paths inside the project folder;
- `resolve_inside`: a relative path joined to a folder, refused when it (or a link on the way)
  leads out of it; `is_inside`: the same test for a path that is already absolute.
"""

from __future__ import annotations

import os
import re
from pathlib import Path, PurePosixPath

from foley_assistant.core.errors import UnsafePathError

MAX_ID_LENGTH = 64
MAX_PART_LENGTH = 60  # bytes (UTF-8): a stem's name is three parts and a suffix, far below 255 bytes
_PLAIN_ID = re.compile(r"[A-Za-z0-9_-]+")
_STEM_NAME = re.compile(r"[^/\\\x00]+\.wav")


def check_plain_id(value: str, what: str) -> str:
    """`value` when it is a plain name (ASCII letters, digits, '-' and '_', at most MAX_ID_LENGTH
    characters: `safe_file_part` keeps it as it is); otherwise ValueError saying what is wrong."""
    if not isinstance(value, str) or not _PLAIN_ID.fullmatch(value) or len(value) > MAX_ID_LENGTH:
        shown = repr(value) if len(str(value)) <= 80 else repr(str(value)[:77] + "...")
        raise ValueError(f"{what} {shown} is not a plain name: use letters, digits, '-' or '_' (at most {MAX_ID_LENGTH})")
    return value


def safe_file_part(text: str, fallback: str = "item", max_length: int = MAX_PART_LENGTH) -> str:
    """A file-name part made from free text: letters and digits (any script), '-' and '_' are
    kept, every other run of characters becomes one '-'; at most `max_length` bytes in UTF-8,
    never empty (`fallback`), never '.' or '..', never with a separator."""
    kept = "".join(c if (c.isalnum() or c in "-_") and c.isprintable() else "-" for c in str(text)[: 4 * max_length].strip())
    part = re.sub(r"-{2,}", "-", kept).strip("-")[:max_length]
    while len(part.encode("utf-8")) > max_length:
        part = part[:-1]
    return part.rstrip("-") or fallback


def check_relative_path(relative: str, what: str) -> PurePosixPath:
    """A plain relative POSIX path (no root, drive, backslash, NUL, '.' or '..' part, no empty
    part); otherwise ValueError saying what is wrong."""
    text = str(relative)
    parts = text.split("/")
    if not text or text.startswith("/") or "\\" in text or "\x00" in text or re.match(r"[A-Za-z]:", text) or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"{what} {text!r} is not a plain path inside the project folder (no '..', no absolute path)")
    return PurePosixPath(text)


def check_stem_path(relative: str) -> str:
    """A stem path as a project records it: `stems/<name>.wav`, nothing else (so an edit can
    never rewrite the project file, the timeline or anything outside stems/)."""
    path = check_relative_path(relative, "stem path")
    if len(path.parts) != 2 or path.parts[0] != "stems" or not _STEM_NAME.fullmatch(path.name) or path.name.startswith("."):
        raise ValueError(f"stem path {relative!r} is not a file of the project's stems folder (stems/NAME.wav)")
    return str(relative)


def is_inside(root: str | os.PathLike[str], path: str | os.PathLike[str]) -> bool:
    """Whether `path`, with links followed, is `root` itself or lies under it."""
    base = Path(root).resolve()
    target = Path(path).resolve()
    return target == base or base in target.parents


def resolve_inside(root: str | os.PathLike[str], relative: str, what: str = "path") -> Path:
    """`root / relative`, refused (UnsafePathError) unless it is a plain relative path that stays
    inside `root` once links are followed."""
    try:
        check_relative_path(relative, what)
    except ValueError as exc:
        raise UnsafePathError(f"{exc}; nothing was read or written there.") from exc
    target = Path(root) / relative
    if not is_inside(root, target) or Path(target).resolve() == Path(root).resolve():
        raise UnsafePathError(f"{what} {relative!r} leads outside {Path(root)} (through a link); nothing was read or written there.")
    return target
