"""The recent-files list of the app: newest first, no duplicates, bounded."""

from __future__ import annotations

RECENT_LIMIT = 10


def push_recent(paths: list[str], path: str, limit: int = RECENT_LIMIT) -> list[str]:
    """`paths` with `path` moved (or added) to the front, at most `limit` long."""
    return [path, *(p for p in paths if p != path)][:limit]
