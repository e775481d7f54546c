"""OTIO files for editors that read an older OpenTimelineIO than the one installed here.

DaVinci Resolve (18.5 and later) and Kdenlive (25.04 and later) import OTIO natively, each with the
OTIO it was built with. A file is readable there when every schema in it is at most the version
that OTIO knows; OTIO's own version maps (`otio.versioning.fetch_map`) say which versions each
release wrote, and its JSON writer downgrades to them (`target_schema_versions`).

| target | OTIO release whose schemas it reads | why |
| --- | --- | --- |
| resolve | 0.15.0 | Resolve's own OTIO exports use Clip.2 (media_references), introduced in 0.15 |
| kdenlive | 0.17.0 | Kdenlive's native importer is built on the OTIO C++ library of 0.17 (OTIO_NS) |
| otio-0.14 | 0.14.0 | older readers (Clip.1, one media reference) |
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import opentimelineio as otio

from foley_assistant.core.errors import OutputError
from foley_assistant.io.atomic import atomic_path

#: Editor (or reader) -> the OTIO_CORE release label of the schemas it reads.
NLE_SCHEMA_RELEASES = {"resolve": "0.15.0", "kdenlive": "0.17.0", "otio-0.14": "0.14.0"}
_SCHEMA_TAG = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)\.(\d+)$")
#: Value types, not versioned like the objects (not in the version maps).
_VALUE_SCHEMAS = frozenset({"RationalTime", "TimeRange", "TimeTransform"})


def schema_versions_for(target: str) -> dict[str, int]:
    """The schema versions the target reads (OTIO's version map of its release)."""
    if target not in NLE_SCHEMA_RELEASES:
        raise OutputError(f"unknown editor {target!r} for OTIO: choose {', '.join(NLE_SCHEMA_RELEASES)}.")
    return dict(otio.versioning.fetch_map("OTIO_CORE", NLE_SCHEMA_RELEASES[target]))


def write_nle_otio(timeline: otio.schema.Timeline, path: str | os.PathLike[str], target: str) -> None:
    """Write `timeline` as .otio JSON that `target` can read (schemas downgraded), atomically."""
    path = Path(path)
    if path.suffix.lower() != ".otio":
        raise OutputError(f"an OTIO file for {target} must end in .otio (got {path.name}).")
    versions = schema_versions_for(target)
    try:
        with atomic_path(path) as temporary:
            otio.adapters.write_to_file(timeline, str(temporary), adapter_name="otio_json", target_schema_versions=versions)
    except otio.exceptions.OTIOError as exc:
        raise OutputError(f"writing {path} for {target} failed: {exc}") from exc


def schemas_in(document: object) -> set[tuple[str, int]]:
    """Every (schema name, version) tagged in a parsed OTIO JSON document."""
    found: set[tuple[str, int]] = set()
    stack = [document]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            tag = item.get("OTIO_SCHEMA")
            match = _SCHEMA_TAG.match(tag) if isinstance(tag, str) else None
            if match:
                found.add((match.group(1), int(match.group(2))))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


def unreadable_schemas(path: str | os.PathLike[str], target: str) -> list[str]:
    """Schemas in the file that `target` cannot read (newer than its release, or unknown to it)."""
    versions = schema_versions_for(target)
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    problems = []
    for name, version in sorted(schemas_in(document)):
        if name in _VALUE_SCHEMAS:
            continue
        if name not in versions:
            problems.append(f"{name}.{version} (unknown to OTIO {NLE_SCHEMA_RELEASES[target]})")
        elif version > versions[name]:
            problems.append(f"{name}.{version} (OTIO {NLE_SCHEMA_RELEASES[target]} reads up to {name}.{versions[name]})")
    return problems
