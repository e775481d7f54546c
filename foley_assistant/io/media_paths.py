"""Where a timeline's clips' media is: file paths from OTIO media references (local paths, file
URLs, Windows paths kept as written), and the file name a clip's media goes by (for relinking)."""

from __future__ import annotations

import os
import re
from pathlib import Path, PureWindowsPath
from urllib.parse import unquote, urlparse

import opentimelineio as otio

_WINDOWS_PATH = re.compile(r"^(?:[A-Za-z]:[\\/]|\\\\)")
#: Media paths are POSIX paths here (an absolute one that Path keeps as written needs no parsing).
_PLAIN_POSIX = os.sep == "/"


def media_path_of(clip: otio.schema.Clip, media_root: Path) -> str | None:
    """Path of a clip's media file, or None when its reference is not a file (or names none).

    Relative paths start at `media_root`. A Windows path (C:\\..., \\\\server\\...) is kept as written,
    so that relinking can search for its file name.
    """
    reference = clip.media_reference
    if not isinstance(reference, otio.schema.ExternalReference) or not reference.target_url:
        return None
    return url_path(reference.target_url, media_root)


def url_path(url: str, media_root: Path) -> str | None:
    """The file path a media reference's URL names, or None for a URL of another scheme."""
    if _PLAIN_POSIX and url[:1] == "/" and "%" not in url and "//" not in url and "/./" not in url and not url.endswith(("/", "/.")):
        return url  # an absolute path that Path would give back unchanged (the common case, without parsing)
    if _WINDOWS_PATH.match(url):
        return url
    parsed = urlparse(url)
    if parsed.scheme == "file":
        raw = unquote(parsed.path)
        if len(raw) > 2 and raw[0] == "/" and raw[2] == ":":  # file:///C:/... on Windows
            raw = raw[1:]
        return str(Path(raw))
    if parsed.scheme and len(parsed.scheme) > 1:  # http:, s3: ... (a one-letter scheme is a drive)
        return None
    candidate = Path(unquote(url))
    return str(candidate if candidate.is_absolute() else (media_root / candidate))


class MediaFiles:
    """Each media reference's file path and status (found / missing / not a file), every URL
    looked up once (a cut uses the same media file many times)."""

    def __init__(self, media_root: Path) -> None:
        self.media_root = media_root
        self._by_url: dict[str, tuple[str | None, str]] = {}

    def lookup(self, reference: otio.core.MediaReference | None) -> tuple[str | None, str]:
        """(path, status) of a clip's media reference; see `media_path_of`."""
        if isinstance(reference, otio.schema.ExternalReference):
            url = reference.target_url
            if not url:
                return None, "missing"
            known = self._by_url.get(url)
            if known is None:
                path = url_path(url, self.media_root)
                status = "not a file" if path is None else ("found" if os.path.isfile(path) else "missing")
                known = self._by_url[url] = (path, status)
            return known
        if isinstance(reference, otio.schema.GeneratorReference):
            return None, "not a file"
        return None, "missing"


def media_file_name(path: str) -> str:
    """The file name of a media path written on any system (POSIX or Windows separators)."""
    return PureWindowsPath(path).name if ("\\" in path or _WINDOWS_PATH.match(path)) else Path(path).name
