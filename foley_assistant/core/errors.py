"""The one family of exceptions for problems a user can cause and fix.

Every message says what is wrong and what to do about it. The CLI prints the message
without a traceback and exits with code 2.
"""

from __future__ import annotations


class FoleyError(Exception):
    """A problem with the user's input or request; the message says what to do."""


class InputFileError(FoleyError):
    """A file given by the user is missing, unreadable or of the wrong kind."""


class TimelineError(FoleyError):
    """A timeline cannot be read or holds nothing usable."""


class MediaError(FoleyError):
    """A media file referenced by a shot is missing or cannot be decoded."""


class ProjectFileError(FoleyError):
    """A project or tracks file is malformed or from an unknown version."""


class OutputError(FoleyError):
    """An output location cannot be written, or would overwrite an input."""


class UnsafePathError(OutputError):
    """A name or path from an input would lead outside the folder it belongs in (nothing is
    read or written there)."""


class Cancelled(Exception):
    """A job was cancelled through its cancel token (not a user error)."""
