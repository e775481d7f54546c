"""The sha256 of a file: the one checksum the product records for models, checkpoints and
detectors (standard library only, so every layer can check what it loads)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def file_sha256(path: str | Path) -> str:
    """The sha256 of a file's bytes, as hex."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
