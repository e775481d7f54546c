"""The pre_adapter_write hook's logic: add the foley tracks to a timeline as OTIO writes it.

Inert unless asked, so that every other OTIO write on the machine is untouched: the hook acts when
its argument map has `foley` (`otioconvert -H foley=...`) or $FOLEY_ASSISTANT_OTIO_HOOK is set.
The value is either

- `generate`: run the assistant on the timeline being written (all shots, or `-H foley_shots=S001,S003`;
  engine `-H foley_engine=procedural|library|neural`), into `-H foley_out=FOLDER` (default: a folder
  `<output name>_foley` beside the file written), then add its stems; or
- the path of an existing generate folder (or its foley_project.json): add its stems.

The stems go on one new audio track per lane, at their record positions: counted in samples when
the file written is OTIO (.otio, .otioz, .otiod), in frames of the timeline otherwise (FCP XML, EDL,
AAF...), or in frames with `-H foley_nle=resolve|kdenlive`. Foley tracks already in the timeline are
replaced, not doubled. Relative media paths in the timeline start at `-H foley_media_root=FOLDER`
(default: the current folder). The hook returns a new timeline; the caller's object is not changed.
A problem is raised as an OTIO error, which `otioconvert` prints on one line.
"""

from __future__ import annotations

import contextvars
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlparse

import opentimelineio as otio

from foley_assistant.core.errors import FoleyError
from foley_assistant.core.lanes import assign_lanes
from foley_assistant.io.writeback import METADATA_KEY, with_stem_tracks

log = logging.getLogger(__name__)

HOOK_ENV = "FOLEY_ASSISTANT_OTIO_HOOK"
OTIO_SUFFIXES = frozenset({".otio", ".otioz", ".otiod"})
_RUNNING = contextvars.ContextVar("foley_assistant_hook_running", default=False)


class FoleyHookError(otio.exceptions.OTIOError):
    """A request of the hook that cannot be carried out (bad folder, unreadable media...)."""


def requested(arguments: Mapping[str, object]) -> str | None:
    """What the hook was asked for (`generate` or a folder), or None when it should do nothing."""
    value = arguments.get("foley", os.environ.get(HOOK_ENV))
    return None if value in (None, "", False) else str(value)


def add_foley_tracks(timeline: object, arguments: Mapping[str, object]) -> object:
    """The hook: `timeline` with the foley tracks, or unchanged when not asked (or re-entered by
    the assistant's own writes while it runs)."""
    what = requested(arguments)
    if what is None or _RUNNING.get() or not isinstance(timeline, otio.schema.Timeline):
        return timeline
    token = _RUNNING.set(True)
    try:
        return _with_foley(timeline, what, arguments)
    except FoleyError as exc:
        raise FoleyHookError(f"foley assistant: {exc}") from exc
    finally:
        _RUNNING.reset(token)


def _written_path(arguments: Mapping[str, object]) -> Path | None:
    path = arguments.get("_filepath")
    return Path(str(path)) if path else None


def _with_foley(timeline: otio.schema.Timeline, what: str, arguments: Mapping[str, object]) -> otio.schema.Timeline:
    from foley_assistant.pipeline.handoff.export import open_project

    folder = _generate(timeline, arguments) if what == "generate" else Path(what)
    if not folder.exists():
        raise FoleyError(f"no generate folder at {folder}: give -H foley=generate, or the folder `foley-assistant generate` wrote.")
    project, root, loaded = open_project(folder)
    if loaded.name != (timeline.name or loaded.name):
        log.warning("the stems of %s were made for timeline %r, not %r", folder, loaded.name, timeline.name)
    written = _written_path(arguments)
    in_frames = bool(arguments.get("foley_nle")) or (written is not None and written.suffix.lower() not in OTIO_SUFFIXES)
    result = without_foley_tracks(timeline)
    curves = {(c.shot_id, c.object_id): c for c in project.curves}
    return with_stem_tracks(result, assign_lanes(list(project.stems)), root, curves, frame_rate=loaded.rate if in_frames else None)


def without_foley_tracks(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    """A copy of the timeline without the tracks an earlier run of the assistant added."""
    result = timeline.deepcopy()
    for index in reversed(range(len(result.tracks))):
        track = result.tracks[index]
        if METADATA_KEY in list(track.metadata):
            del result.tracks[index]
    return result


def _absolute_media(timeline: otio.schema.Timeline, media_root: Path) -> otio.schema.Timeline:
    """A copy whose relative media paths start at `media_root` (the pipeline reads it from elsewhere)."""
    result = without_foley_tracks(timeline)
    for clip in result.find_clips():
        reference = clip.media_reference
        if isinstance(reference, otio.schema.ExternalReference) and reference.target_url:
            url = reference.target_url
            if not urlparse(url).scheme and not os.path.isabs(url):
                reference.target_url = (media_root / url).resolve().as_uri()
    return result


def _generate(timeline: otio.schema.Timeline, arguments: Mapping[str, object]) -> Path:
    """Run generate on the timeline; returns the output folder."""
    from foley_assistant.io.writeback import write_timeline
    from foley_assistant.pipeline.generate import GenerateRequest, run_generate

    written = _written_path(arguments)
    out = arguments.get("foley_out")
    if out:
        folder = Path(str(out))
    elif written is not None:
        folder = written.with_name(f"{written.stem}_foley")
    else:
        raise FoleyError("say where the stems go: -H foley_out=FOLDER")
    source = folder / "source" / "timeline.otio"
    source.parent.mkdir(parents=True, exist_ok=True)
    write_timeline(_absolute_media(timeline, Path(str(arguments.get("foley_media_root") or Path.cwd()))), source)
    shots = tuple(s.strip() for s in str(arguments.get("foley_shots") or "").split(",") if s.strip())
    request = GenerateRequest(timeline_path=source, out_dir=folder, shot_ids=shots, engine=str(arguments.get("foley_engine") or "procedural"))
    result = run_generate(request)
    log.info("foley assistant: %d stems in %s", len(result.stems), folder)
    return folder
