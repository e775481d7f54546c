"""Atomic writes: a file appears complete under its final name, or not at all, and stays so.

The written file is flushed to the disk (fsync) before it is renamed onto its name, and the
folder after the rename, so that a power cut or a kill right after a save leaves the old file or
the new one, never an empty or torn one under the final name.

The temporary file is `.<name>.partial-<8 hex digits><suffix>` beside the target. It is removed
when the block fails; a process killed mid-write leaves it, and `remove_partials` clears what
such a kill left in a folder (every run of `generate` does so on start and on its way out).
"""

from __future__ import annotations

import json
import os
import re
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

from foley_assistant.core.errors import OutputError


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside `target`; rename it onto `target` when the block succeeds.

    The temporary name keeps the suffix, so writers that choose a format by extension still work.
    On any exception the temporary file is removed and `target` is left as it was.
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder {target.parent}: {exc.strerror}. Choose another output folder.") from exc
    temporary = target.with_name(f".{target.stem}.partial-{secrets.token_hex(4)}{target.suffix}")
    try:
        yield temporary
        _flush(temporary)
        os.replace(temporary, target)
        _flush_folder(target.parent)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def _flush(path: Path) -> None:
    """Make a written file's bytes durable (fsync)."""
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _flush_folder(folder: Path) -> None:
    """Make a rename in `folder` durable (fsync of the folder, where the system allows it)."""
    if not hasattr(os, "O_DIRECTORY"):
        return  # Windows: a folder cannot be opened for fsync
    descriptor = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


_PARTIAL = re.compile(r"\..+\.partial-[0-9a-f]{8}(\.[A-Za-z0-9]+)?")


def is_partial(name: str) -> bool:
    """Whether a file name is one of `atomic_path`'s temporary names."""
    return _PARTIAL.fullmatch(name) is not None


def remove_partials(folder: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files of interrupted atomic writes under `folder` (links are not
    followed into other folders); returns what was removed."""
    removed = []
    for root, folders, names in os.walk(folder):
        folders[:] = [f for f in folders if not os.path.islink(os.path.join(root, f))]
        for name in names:
            if is_partial(name):
                path = Path(root) / name
                path.unlink(missing_ok=True)
                removed.append(path)
    return removed


def write_text_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write a UTF-8 text file atomically."""
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


def write_json_atomic(path: str | os.PathLike[str], data: Any) -> None:
    """Write pretty-printed JSON atomically, encoded and written a piece at a time (a project of a
    long shot, with its curves' keyframes on every frame, is never one string in memory); the
    same text as `json.dumps(data, indent=2, ensure_ascii=False)` and a newline."""
    with atomic_path(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, ensure_ascii=False)
            handle.write("\n")
