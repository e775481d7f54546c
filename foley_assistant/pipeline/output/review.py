"""The review sheet: `review.html` in the output folder, with PNG pictures in `review/`.

For each shot, a contact sheet (a few frames spread over the shot, with every tracked object's box,
id, label and confidence) and its objects; for each stem, its waveform with the sound events
marked, and its voice, engine and levels; then the notes and the shots that failed. The page is
a pure function of the report and the tracks (`review_html`), escapes every string it shows, and
links only the PNGs and stems inside the output folder, by relative paths. `write_review` makes
the pictures one shot at a time (a bounded number of decoded frames each) and writes the page.
"""

from __future__ import annotations

import html
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any
from urllib.parse import quote

from foley_assistant.core.errors import FoleyError
from foley_assistant.core.safe_paths import safe_file_part
from foley_assistant.core.shot import Shot
from foley_assistant.core.timebase import Rounding, frames_to_timecode
from foley_assistant.core.tracks import ShotTracks, TracksDocument
from foley_assistant.eval.levels import SILENCE_DB
from foley_assistant.io.atomic import write_text_atomic
from foley_assistant.io.review_sheets import read_peak_envelope, read_picture_frames, write_png
from foley_assistant.pipeline.output.review_images import contact_sheet, css_colour, object_colours, sheet_frames, waveform_image

log = logging.getLogger(__name__)

REVIEW_PAGE = "review.html"
REVIEW_DIR = "review"
FRAMES_PER_SHOT = 10  # spread evenly over the shot
MOST_FRAMES_PER_SHOT = 15  # with a frame of each object that none of those shows
SHEET_WIDTH = 320  # pixels per contact-sheet picture (never scaled up)
WAVEFORM_WIDTH = 800
SILENT_PEAK_DBFS = -60.0  # a stem whose peak stays below this is flagged: nothing a mix would let you hear


@dataclass(frozen=True)
class ObjectRow:
    """One tracked object of a shot, as the page lists it."""

    id: str
    label: str
    source: str
    colour: str
    first_frame: int
    last_frame: int
    boxes: int
    mean_confidence: float


@dataclass
class ShotSection:
    """What the page shows of one shot: its report entry, its contact sheet and objects, its stems."""

    entry: dict[str, Any]
    sheet: str | None = None
    picture_note: str | None = None
    objects: list[ObjectRow] = field(default_factory=list)
    stems: list[tuple[dict[str, Any], str | None]] = field(default_factory=list)  # (report stem, waveform PNG)


@dataclass(frozen=True)
class ReviewOutput:
    """What `write_review` made: the page, the pictures it links, and how long it took."""

    page: Path
    images: tuple[str, ...]
    seconds: float


def object_rows(tracks: ShotTracks) -> list[ObjectRow]:
    """The objects of a shot with their colour on the contact sheet and a summary of their boxes."""
    colours = object_colours(tracks)
    return [
        ObjectRow(
            obj.id,
            obj.label,
            obj.source,
            css_colour(colours[obj.id]),
            obj.first_frame,
            obj.last_frame,
            len(obj.frames),
            sum(f.confidence for f in obj.frames) / len(obj.frames),
        )
        for obj in tracks.objects
        if obj.frames
    ]


def _record_seconds(shot: Shot, tracks: ShotTracks, frame: int) -> Fraction:
    """Seconds from the shot's first record frame to the picture of media frame `frame`."""
    return tracks.fps.seconds(frame - tracks.frame_range.start) / shot.speed


def frame_timecode(shot: Shot, tracks: ShotTracks, frame: int) -> str:
    """The record timecode at which media frame `frame` of the shot is seen."""
    offset = shot.timeline_rate.frames(_record_seconds(shot, tracks, frame), Rounding.FLOOR)
    return frames_to_timecode(shot.global_start_frame + shot.record_range.start + max(0, offset), shot.timeline_rate)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _href(relative: str) -> str:
    return _e(quote(relative, safe="/"))


def _swatch(colour: str | None) -> str:
    return f"<span class='swatch' style='background:{_e(colour)}'></span>" if colour else ""


def _db(value: object, unit: str) -> str:
    """A level with its unit; "silence" for the floor of eval.levels, "–" when not measured."""
    if not isinstance(value, (int, float)):
        return "–"
    return f"{value:.1f} {unit}" if value > SILENCE_DB else "silence"


def _silent_flag(stem: dict[str, Any]) -> str:
    return f"<span class='warn'>silent (peak under {SILENT_PEAK_DBFS:g} dBFS)</span> " if is_silent(stem) else ""


def is_silent(stem: dict[str, Any]) -> bool:
    """Whether a report stem's peak is below SILENT_PEAK_DBFS (or it has no levels)."""
    peak = (stem.get("levels") or {}).get("peak_dbfs")
    return not isinstance(peak, (int, float)) or peak < SILENT_PEAK_DBFS


CSS = """
body{font:14px/1.45 system-ui,sans-serif;background:#1c1c1e;color:#e6e6e6;margin:0 2em 3em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em;border-top:1px solid #444;padding-top:1em}
table{border-collapse:collapse;margin:.5em 0}td,th{padding:2px 10px;text-align:left;border-bottom:1px solid #333}
img{max-width:100%;display:block;margin:.4em 0}.swatch{display:inline-block;width:.9em;height:.9em;vertical-align:middle;margin-right:.3em}
.warn{color:#ffb340}.muted{color:#999}.stem{margin:1em 0 1.5em}code{color:#9cf}audio{height:28px}
"""


def _plural(count: object, noun: str) -> str:
    return f"{_e(count)} {noun}{'' if count == 1 else 's'}"


def _loudness_line(loudness: dict[str, Any] | None) -> str:
    if not loudness:
        return "<p class='muted'>no loudness measured (no stems)</p>"
    limited = " (held by the true-peak ceiling)" if loudness.get("limited_by_true_peak") else ""
    return (
        f"<p>Loudness {_db(loudness.get('loudness_lufs'), 'LUFS')} (was {_db(loudness.get('input_lufs'), 'LUFS')}, "
        f"gain {_db(loudness.get('gain_db'), 'dB')}{_e(limited)}), true peak {_db(loudness.get('true_peak_dbtp'), 'dBTP')}</p>"
    )


def _stem_html(stem: dict[str, Any], waveform: str | None, colour: str | None) -> str:
    log_entries = [e for e in stem.get("event_log", []) if isinstance(e, dict)]
    kinds = Counter(str(e.get("kind", "")) for e in log_entries)
    sources = list(dict.fromkeys(str(e.get("source", "")) for e in log_entries if e.get("source")))
    levels = stem.get("levels") or {}
    parts = [
        f"<div class='stem'><h3>{_swatch(colour)}{_e(stem.get('object', ''))} {_e(stem.get('label', ''))} <span class='muted'>({_e(stem.get('kind', 'object'))})</span></h3>",
        "<table>",
        f"<tr><th>voice</th><td>{_e(stem.get('voice', '–'))}</td></tr>",
        f"<tr><th>engine</th><td>{_e(stem.get('engine', '–'))} (asked: {_e(stem.get('engine_requested', '–'))})</td></tr>",
        f"<tr><th>levels</th><td>{_silent_flag(stem)}peak {_db(levels.get('peak_dbfs'), 'dBFS')}, RMS {_db(levels.get('rms_dbfs'), 'dBFS')}, L/R difference {_db(levels.get('level_difference_db'), 'dB')}</td></tr>",
        f"<tr><th>events</th><td>{_e(', '.join(f'{n} {k}' for k, n in kinds.items()) or 'none')}</td></tr>",
    ]
    if sources:
        shown = ", ".join(sources[:6]) + (f" and {len(sources) - 6} more" if len(sources) > 6 else "")
        parts.append(f"<tr><th>sounded by</th><td>{_e(shown)}</td></tr>")
    parts.append(f"<tr><th>file</th><td><a href='{_href(stem['path'])}'><code>{_e(stem['path'])}</code></a></td></tr></table>")
    parts.append(f"<audio controls preload='none' src='{_href(stem['path'])}'></audio>")
    if waveform:
        parts.append(f"<img src='{_href(waveform)}' alt='waveform of {_e(stem['path'])}'>")
    else:
        parts.append("<p class='warn'>waveform unavailable: the stem could not be read</p>")
    parts.append("</div>")
    return "\n".join(parts)


def _shot_html(section: ShotSection) -> str:
    entry = section.entry
    done = "" if entry.get("done", True) else " <span class='warn'>(not finished)</span>"
    parts = [
        f"<h2 id='shot-{_e(safe_file_part(str(entry.get('id', ''))))}'>{_e(entry.get('id', ''))} · {_e(entry.get('clip', ''))}{done}</h2>",
        f"<p>Track {_e(entry.get('track', ''))}, record {_e(entry.get('record_tc_in', ''))} – {_e(entry.get('record_tc_out', ''))} "
        f"({_e(entry.get('duration_s', ''))} s), {_plural(entry.get('objects', 0), 'object stem')}"
        + (f", ambience {_e((entry.get('ambience') or {}).get('bed', ''))}" if entry.get("ambience") else "")
        + "</p>",
        _loudness_line(entry.get("loudness")),
    ]
    if section.sheet:
        parts.append(f"<img src='{_href(section.sheet)}' alt='frames of shot {_e(entry.get('id', ''))} with the tracked boxes'>")
    if section.picture_note:
        parts.append(f"<p class='warn'>{_e(section.picture_note)}</p>")
    if section.objects:
        parts.append("<table><tr><th>object</th><th>label</th><th>source</th><th>frames</th><th>boxes</th><th>mean confidence</th></tr>")
        for row in section.objects:
            parts.append(
                f"<tr><td>{_swatch(row.colour)}{_e(row.id)}</td><td>{_e(row.label)}</td>"
                f"<td>{_e(row.source)}</td><td>{row.first_frame}–{row.last_frame}</td><td>{row.boxes}</td><td>{row.mean_confidence:.2f}</td></tr>"
            )
        parts.append("</table>")
    elif section.picture_note is None:
        parts.append("<p class='muted'>no objects tracked in this shot</p>")
    colours = {row.id: row.colour for row in section.objects}
    parts.extend(_stem_html(stem, waveform, colours.get(str(stem.get("object")))) for stem, waveform in section.stems)
    return "\n".join(parts)


def review_html(report: dict[str, Any], sections: list[ShotSection]) -> str:
    """The page: a header from the report, each shot's section, then the notes and failed shots."""
    timeline = Path(str(report.get("timeline", ""))).name
    notes = [str(n) for n in report.get("notes", [])]
    skipped = [s for s in report.get("skipped_shots", []) if isinstance(s, dict)]
    unfinished = [s.entry for s in sections if not s.entry.get("done", True)]
    parts = [
        "<!DOCTYPE html>",
        "<html lang='en'><head><meta charset='utf-8'>",
        f"<title>Foley review · {_e(timeline)}</title><style>{CSS}</style></head><body>",
        f"<h1>Foley review · {_e(timeline)}</h1>",
        f"<p>{_e(report.get('tool', 'foley-assistant'))} {_e(report.get('version', ''))} · status {_e(report.get('status', ''))} · "
        f"{len(sections)} shots, {len(report.get('stems', []))} stems, {_e(report.get('picture_seconds', ''))} s of picture · "
        f"engine asked: {_e(report.get('engine_requested', ''))}</p>",
        "<p>" + " · ".join(f"<a href='#shot-{_e(safe_file_part(str(s.entry.get('id', ''))))}'>{_e(s.entry.get('id', ''))}</a>" for s in sections) + "</p>",
    ]
    silent = [stem for section in sections for stem, _ in section.stems if is_silent(stem)]
    if silent:
        listing = ", ".join(f"<a href='#shot-{_e(safe_file_part(str(stem.get('shot', ''))))}'>{_e(stem.get('shot', ''))} {_e(stem.get('object', ''))}</a>" for stem in silent)
        parts.append(f"<p class='warn'>{len(silent)} silent {'stem' if len(silent) == 1 else 'stems'}: {listing}</p>")
    if skipped or unfinished:
        parts.append(f"<p class='warn'>{len(skipped) + len(unfinished)} shots without sound: see <a href='#notes'>notes and failed shots</a></p>")
    parts.extend(_shot_html(section) for section in sections)
    parts.append("<h2 id='notes'>Notes and failed shots</h2>")
    if not (notes or skipped or unfinished):
        parts.append("<p class='muted'>no notes; every shot was made</p>")
    if notes:
        parts.append("<ul>" + "".join(f"<li>{_e(n)}</li>" for n in notes) + "</ul>")
    if skipped or unfinished:
        parts.append("<table><tr><th>shot</th><th>why it has no sound</th></tr>")
        parts.extend(f"<tr><td>{_e(s.get('id', ''))}</td><td class='warn'>{_e(s.get('reason', ''))}</td></tr>" for s in skipped)
        parts.extend(f"<tr><td>{_e(s.get('id', ''))}</td><td class='warn'>not finished: the run was {_e(report.get('status', ''))}</td></tr>" for s in unfinished)
        parts.append("</table>")
    parts.append("</body></html>\n")
    return "\n".join(parts)


def _stem_order(stem: dict[str, Any]) -> tuple[bool, int, str]:
    """Objects first, by their number (O2 before O10), then the ambience bed."""
    object_id = str(stem.get("object", ""))
    digits = "".join(c for c in object_id if c.isdigit())
    return stem.get("kind") == "ambience", int(digits) if digits else 0, object_id


def _unique(name: str, used: set[str]) -> str:
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{name}-{n}", n + 1
    used.add(candidate)
    return candidate


def _shot_pictures(root: Path, section: ShotSection, shot: Shot | None, tracks: ShotTracks, used: set[str]) -> list[tuple[int, int]]:
    """Write a shot's contact sheet; returns (tile number, frame) of its tiles (none on failure)."""
    frames = sheet_frames(tracks, FRAMES_PER_SHOT, MOST_FRAMES_PER_SHOT)
    try:
        pictures = read_picture_frames(tracks.media, frames, SHEET_WIDTH)
    except FoleyError as exc:
        section.picture_note = f"picture unavailable for the contact sheet: {exc}"
        return []
    if not pictures:
        section.picture_note = "picture unavailable for the contact sheet: no frames could be decoded"
        return []
    captions = {frame: frame_timecode(shot, tracks, frame) for frame, _ in pictures} if shot else {}
    sheet = contact_sheet(pictures, tracks, captions)
    name = _unique(safe_file_part(str(section.entry.get("id", "")), "shot") + "_frames", used)
    section.sheet = write_png(root, f"{REVIEW_DIR}/{name}.png", sheet.image)
    return [(tile.number, tile.frame) for tile in sheet.tiles]


def _stem_waveform(root: Path, stem: dict[str, Any], marks: list[tuple[int, int]], used: set[str]) -> str | None:
    try:
        envelope = read_peak_envelope(root / stem["path"], WAVEFORM_WIDTH)
    except FoleyError as exc:
        log.warning("review: %s", exc)
        return None
    handle = int(stem.get("handle_start_samples", 0))  # events count from the cut; the file starts with its handle
    events = [{**event, "sample": int(event.get("sample", -1)) + handle} for event in stem.get("event_log", [])]
    image = waveform_image(envelope.peaks, envelope.length_samples, envelope.sample_rate, events, marks)
    name = _unique(safe_file_part(Path(str(stem["path"])).stem, "stem") + "_wave", used)
    return write_png(root, f"{REVIEW_DIR}/{name}.png", image)


def write_review(root: Path, shots: list[Shot], tracks: TracksDocument, report: dict[str, Any]) -> ReviewOutput:
    """Write review/ (a contact sheet per analyzed shot, a waveform per stem) and review.html.

    One shot's pictures are in memory at a time. A shot whose picture cannot be decoded gets a
    note on the page instead of a sheet; nothing here stops the run that called it.
    """
    started = time.perf_counter()
    by_id = {s.id: s for s in shots}
    tracked = {t.shot_id: t for t in tracks.shots}
    stems = [s for s in report.get("stems", []) if isinstance(s, dict) and "path" in s]
    used: set[str] = set()
    images: list[str] = []
    sections = []
    for entry in report.get("shots", []):
        section = ShotSection(entry)
        shot, shot_tracks = by_id.get(entry.get("id")), tracked.get(entry.get("id"))
        tiles: list[tuple[int, int]] = []
        if shot_tracks is not None:
            section.objects = object_rows(shot_tracks)
            tiles = _shot_pictures(root, section, shot, shot_tracks, used)
            images.extend([section.sheet] if section.sheet else [])
        for stem in sorted((s for s in stems if s.get("shot") == entry.get("id")), key=_stem_order):
            marks = []
            if shot is not None and shot_tracks is not None:
                rate = int(report.get("sample_rate", 48000))
                start = shot.record_start_sample(rate) - int(stem.get("record_start_sample", 0)) + int(stem.get("handle_start_samples", 0))  # the file starts with its handle
                marks = [(n, start + round(_record_seconds(shot, shot_tracks, f) * rate)) for n, f in tiles]
            waveform = _stem_waveform(root, stem, marks, used)
            images.extend([waveform] if waveform else [])
            section.stems.append((stem, waveform))
        sections.append(section)
    page = root / REVIEW_PAGE
    write_text_atomic(page, review_html(report, sections))
    return ReviewOutput(page, tuple(images), time.perf_counter() - started)
