"""The product's own temporary folders (an .otioz unpacked for reading), named so that they can
be told apart and cleaned up whatever way a run ended.

A folder is `<temp>/foley-assistant-<kind>-<pid>-<random>`: removed when the process exits
(atexit, which also runs when an exception ends it), or at once by `discard` when the work that
needed it failed. A process killed outright (kill -9, a crash) cannot remove its own, so each new
one first removes the folders of processes that are no longer running. Only folders with this
prefix are ever touched.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import shutil
import tempfile
import time
from pathlib import Path

log = logging.getLogger(__name__)

PREFIX = "foley-assistant-"
#: `foley-assistant-<kind>-<pid>-<random>`; before pids were recorded: `foley-assistant-<kind>-<random>`.
_NAMED = re.compile(rf"^{PREFIX}(?P<kind>[a-z]+)-(?:(?P<pid>\d+)-)?[A-Za-z0-9_]+$")
#: A folder of the older form (no pid) is taken as abandoned once this old.
UNOWNED_AGE_S = 24 * 3600


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # someone else's process, alive
    return True


def sweep_stale(kind: str, root: Path | None = None) -> list[Path]:
    """Remove this kind's folders left by processes that are no longer running (and folders of
    the form without a pid older than a day); returns what was removed."""
    root = Path(root or tempfile.gettempdir())
    removed = []
    try:
        entries = list(root.iterdir())
    except OSError:
        return removed
    for entry in entries:
        match = _NAMED.match(entry.name)
        if match is None or match["kind"] != kind or not entry.is_dir() or entry.is_symlink():
            continue
        try:
            stale = not _running(int(match["pid"])) if match["pid"] else time.time() - entry.stat().st_mtime > UNOWNED_AGE_S
        except OSError:
            continue
        if stale:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
            log.info("removed %s, left by a run that did not finish", entry)
    return removed


def product_temp_dir(kind: str, root: Path | None = None) -> Path:
    """A new temporary folder of this kind, removed when the process exits; stale ones of the
    same kind are removed first."""
    sweep_stale(kind, root)
    folder = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{kind}-{os.getpid()}-", dir=root))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def discard(folder: Path) -> None:
    """Remove a temporary folder now (the work that needed it failed)."""
    shutil.rmtree(folder, ignore_errors=True)
