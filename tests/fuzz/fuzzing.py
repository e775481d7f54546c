"""Fuzzing the product's readers: mutations of real input files, the targets (each reader and
the command-line entry point that uses it, with the files its mutations start from) and the rule
that judges a case. Used by tests/fuzz/test_fuzz_inputs.py (hypothesis) and benchmarks/fuzz.py
(a longer campaign, driven by a seeded `random.Random`).

Mutations: timelines and tracks files are also built from scratch (plausible values, each
sometimes hostile). JSON files (OTIO, tracks, project, recovery) are parsed, and one to three nodes are
replaced by a hostile value (NaN, infinities, 0, negatives, 1e308, 2**31, strings with ``../``
or NUL or very long, the wrong JSON type), deleted or duplicated. Text files (EDL, FCP XML) have
numbers, timecodes and lines replaced, removed, duplicated or cut short. An .otioz is a zip of a
mutated OTIO file, sometimes with a member named outside the bundle or with its bytes damaged. AAF
files have bytes flipped, filled, removed, repeated or cut off. The app's open path
(`EditSession.open`) is fuzzed with mutated projects, judged as the recovery reader is.

Judging: a case is `ok` (exit 0), `refused` (exit 2, no traceback, and on stderr only lines
``error: ...``: one refusal, or one per failed shot and the summary; for the recovery reader, which the app calls directly, a `FoleyError`
of one line) or `traceback` (anything else: exit 1, an exception escaping `main`, a refusal of
several lines).
"""

from __future__ import annotations

import contextlib
import io
import json
import random
import re
import shutil
import tempfile
import traceback
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Protocol, Sequence, TypeVar

import numpy as np

T = TypeVar("T")

HOSTILE_NUMBERS: tuple[Any, ...] = (
    float("nan"),
    float("inf"),
    float("-inf"),
    0,
    0.0,
    -1,
    -0.5,
    -1e308,
    1e308,
    1e-300,
    2**31,
    -(2**31),
    2**63,
    10**30,
    0.5,
    1,
)
HOSTILE_STRINGS: tuple[str, ...] = (
    "",
    "../../../../escaped",
    "O1/../../x",
    "/etc/passwd",
    "a\x00b",
    "x" * 5000,
    "1/0",
    "-1/1",
    "nan",
    "inf",
    "C:\\Windows\\x",
    "\u202e\u0000\ud7ff",
    "file:///../../etc/passwd",
    "S001",
    "O1",
)
WRONG_TYPES: tuple[Any, ...] = (None, True, False, [], {}, [1, 2], [None], {"a": 1}, "0", [0, 0, 0, 0, 0])
HOSTILE_TEXT_NUMBERS: tuple[str, ...] = ("nan", "inf", "-1", "0", "-0", "1e308", "2147483648", "99999999999999999999", "1e-300", "0.0001", "-25", "abc")
HOSTILE_TIMECODES: tuple[str, ...] = ("99:99:99:99", "00:00:00:00", "-1:00:00:00", "23:59:59:99", "00:00:00;00", "01:00:00", "1:2:3:4:5")

_NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
_TIMECODE = re.compile(r"\d{2}:\d{2}:\d{2}[:;]\d{2}")


class Chooser(Protocol):
    """Where the choices come from."""

    def pick(self, options: Sequence[T]) -> T:
        """One of `options`."""

    def integer(self, low: int, high: int) -> int:
        """An integer in [low, high]."""

    def text(self) -> str:
        """A short arbitrary string (any code point)."""


class RandomChooser:
    """Choices from a seeded `random.Random` (benchmarks/fuzz.py)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, options: Sequence[T]) -> T:
        return options[self.rng.randrange(len(options))]

    def integer(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def text(self) -> str:
        return "".join(chr(self.rng.choice((self.rng.randint(0, 0x7F), self.rng.randint(0, 0x10FFFF)))) for _ in range(self.rng.randint(0, 12))).encode("utf-8", "replace").decode("utf-8", "replace")


class HypothesisChooser:
    """Choices drawn from hypothesis's `st.data()` (shrinks to the smallest failing case)."""

    def __init__(self, data: Any) -> None:
        from hypothesis import strategies as st

        self.data, self.st = data, st

    def pick(self, options: Sequence[T]) -> T:
        return self.data.draw(self.st.sampled_from(list(options)))

    def integer(self, low: int, high: int) -> int:
        return self.data.draw(self.st.integers(low, high))

    def text(self) -> str:
        return self.data.draw(self.st.text(max_size=12))


# --- JSON ----------------------------------------------------------------------------------------


def _paths(node: Any, prefix: tuple[Any, ...] = (), limit: int = 4000) -> list[tuple[Any, ...]]:
    """Every path (keys and indexes) to a node of a JSON document, the root excluded, at most `limit`."""
    found: list[tuple[Any, ...]] = []
    stack = [(node, prefix)]
    while stack and len(found) < limit:
        value, here = stack.pop()
        children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        for key, child in children:
            found.append((*here, key))
            stack.append((child, (*here, key)))
    return found


def hostile_value(chooser: Chooser, old: Any) -> Any:
    """A value to put where `old` was: a hostile number, string or wrong type, or `old` scaled."""
    kind = chooser.pick(("number", "string", "type", "text", "scaled") if isinstance(old, (int, float)) and not isinstance(old, bool) else ("number", "string", "type", "text"))
    if kind == "number":
        return chooser.pick(HOSTILE_NUMBERS)
    if kind == "string":
        return chooser.pick(HOSTILE_STRINGS)
    if kind == "type":
        return chooser.pick(WRONG_TYPES)
    if kind == "text":
        return chooser.text()
    return old * chooser.pick((-1, 0, 1e6, 1e-6, 2**31, 1e300))


def mutate_json(document: Any, chooser: Chooser) -> Any:
    """One to three hostile edits of a parsed JSON document (changed in place and returned)."""
    for _ in range(chooser.integer(1, 3)):
        paths = _paths(document)
        if not paths:
            return hostile_value(chooser, document)
        path = chooser.pick(paths)
        parent = document
        for key in path[:-1]:
            parent = parent[key]
        key = path[-1]
        action = chooser.pick(("replace", "replace", "replace", "delete", "duplicate"))
        if action == "replace":
            parent[key] = hostile_value(chooser, parent[key])
        elif action == "delete":
            del parent[key]
        elif isinstance(parent, list):
            parent.insert(key, json.loads(json.dumps(parent[key])))
        else:
            parent[key] = [parent[key], parent[key]]
    return document


def mutated_json_text(text: str, chooser: Chooser) -> str:
    """A JSON file's text after `mutate_json`, sometimes cut short or made of another document."""
    action = chooser.pick(("edit", "edit", "edit", "edit", "truncate", "other"))
    if action == "truncate":
        return text[: chooser.integer(0, len(text))]
    if action == "other":
        return json.dumps(chooser.pick(WRONG_TYPES + HOSTILE_STRINGS[:6] + (1e308, -1)))
    return json.dumps(mutate_json(json.loads(text), chooser))


# --- text ----------------------------------------------------------------------------------------


def mutated_text(text: str, chooser: Chooser) -> str:
    """A text file (EDL, XML) with one to three hostile edits."""
    for _ in range(chooser.integer(1, 3)):
        action = chooser.pick(("number", "number", "timecode", "drop line", "repeat line", "insert", "truncate"))
        lines = text.splitlines(keepends=True)
        if action in ("number", "timecode"):
            pattern, values = (_NUMBER, HOSTILE_TEXT_NUMBERS) if action == "number" else (_TIMECODE, HOSTILE_TIMECODES)
            spans = [m.span() for m in pattern.finditer(text)][:2000]
            if spans:
                start, end = chooser.pick(spans)
                text = text[:start] + chooser.pick(values) + text[end:]
        elif action in ("drop line", "repeat line") and lines:
            index = chooser.integer(0, len(lines) - 1)
            lines[index : index + 1] = [] if action == "drop line" else [lines[index]] * chooser.integer(2, 4)
            text = "".join(lines)
        elif action == "insert":
            at = chooser.integer(0, len(text))
            text = text[:at] + chooser.pick(HOSTILE_STRINGS + ("\n", "<", "&", "]]>")) + text[at:]
        else:
            text = text[: chooser.integer(0, len(text))]
    return text


# --- otioz ---------------------------------------------------------------------------------------


def mutated_otioz(otio_text: str, chooser: Chooser) -> bytes:
    """An .otioz bundle holding a mutated OTIO file; sometimes with a hostile member name, an
    empty or missing content.otio, or damaged bytes."""
    content = mutated_json_text(otio_text, chooser) if chooser.pick((True, True, False)) else otio_text
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("version.txt", "1.0.0")
        member = chooser.pick(("content.otio", "content.otio", "content.otio", "other.otio", "../content.otio"))
        bundle.writestr(member, content)
        if chooser.pick((False, False, True)):
            bundle.writestr(chooser.pick(("media/../../../escaped.txt", "/abs/escaped.txt", "media/a\\..\\..\\b.mp4", "media/x.mp4")), b"x" * 64)
    data = buffer.getvalue()
    if chooser.pick((False, False, False, True)):
        at = chooser.integer(0, len(data) - 1)
        data = data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1 :] if chooser.pick((True, False)) else data[:at]
    return data


# --- binary files (AAF) ---------------------------------------------------------------------------


def mutated_bytes(data: bytes, chooser: Chooser) -> bytes:
    """A binary file (an AAF: a compound file of sectors) with one to three changes: bytes flipped,
    a run overwritten with 0x00 or 0xFF (a sector number or a length gone wild), a run removed or
    repeated, or the file cut short."""
    for _ in range(chooser.integer(1, 3)):
        if not data:
            return data
        at = chooser.integer(0, len(data) - 1)
        run = chooser.pick((1, 2, 4, 8, 64, 512))
        kind = chooser.pick(("flip", "fill", "remove", "repeat", "cut"))
        if kind == "flip":
            data = data[:at] + bytes(b ^ 0xFF for b in data[at : at + run]) + data[at + run :]
        elif kind == "fill":
            data = data[:at] + bytes([chooser.pick((0x00, 0xFF))]) * len(data[at : at + run]) + data[at + run :]
        elif kind == "remove":
            data = data[:at] + data[at + run :]
        elif kind == "repeat":
            data = data[: at + run] + data[at : at + run] + data[at + run :]
        else:
            data = data[:at]
    return data


# --- generated structures ------------------------------------------------------------------------


def _value(chooser: Chooser, plausible: Sequence[Any]) -> Any:
    """Mostly a plausible value, sometimes a hostile number, string or wrong type."""
    pool = chooser.pick(("plausible",) * 24 + ("number", "string", "type"))
    if pool == "plausible":
        return chooser.pick(plausible)
    return chooser.pick({"number": HOSTILE_NUMBERS, "string": HOSTILE_STRINGS, "type": WRONG_TYPES}[pool])


def _rational(chooser: Chooser, values: Sequence[Any]) -> dict[str, Any]:
    return {"OTIO_SCHEMA": "RationalTime.1", "rate": _value(chooser, (24.0, 25.0, 29.97, 30.0, 48000.0)), "value": _value(chooser, values)}


def generated_otio(chooser: Chooser, media: Path) -> str:
    """An OTIO timeline built from scratch: one to three clips and gaps whose rates, starts,
    durations, speeds, names and media are plausible or hostile."""
    children = []
    for index in range(chooser.integer(1, 3)):
        if chooser.pick((False, False, False, True)):
            children.append({"OTIO_SCHEMA": "Gap.1", "name": "", "source_range": {"OTIO_SCHEMA": "TimeRange.1", "start_time": _rational(chooser, (0.0,)), "duration": _rational(chooser, (5.0, 25.0))}})
            continue
        effects = [{"OTIO_SCHEMA": "LinearTimeWarp.1", "name": "", "effect_name": "LinearTimeWarp", "time_scalar": _value(chooser, (1.0, 2.0, 0.5, -1.0))}] if chooser.pick((False, True)) else []
        url = _value(chooser, (media.as_uri(), str(media), media.name, "missing.mov"))
        children.append(
            {
                "OTIO_SCHEMA": "Clip.1",
                "name": _value(chooser, (f"clip{index}", "a/b", "")),
                "source_range": {"OTIO_SCHEMA": "TimeRange.1", "start_time": _rational(chooser, (0.0, 10.0, 90000.0)), "duration": _rational(chooser, (10.0, 25.0, 1.0))},
                "media_reference": {
                    "OTIO_SCHEMA": "ExternalReference.1",
                    "target_url": url,
                    "available_range": _value(chooser, ({"OTIO_SCHEMA": "TimeRange.1", "start_time": _rational(chooser, (0.0,)), "duration": _rational(chooser, (100.0, 50.0))}, None)),
                },
                "effects": effects,
                "enabled": _value(chooser, (True, True, False)),
            }
        )
    track = {"OTIO_SCHEMA": "Track.1", "name": "V1", "kind": _value(chooser, ("Video", "Video", "Audio")), "children": children}
    timeline = {
        "OTIO_SCHEMA": "Timeline.1",
        "name": _value(chooser, ("cut",)),
        "global_start_time": _value(chooser, (None, _rational(chooser, (0.0, 90000.0)))),
        "tracks": {"OTIO_SCHEMA": "Stack.1", "name": "tracks", "children": [track]},
    }
    return json.dumps(timeline)


def generated_tracks(chooser: Chooser, media: Path) -> str:
    """A tracks file built from scratch for the seed cut (shot S001, 25 frames at 25 fps): objects
    and frames whose ids, labels, frame numbers, boxes, confidences and distances are plausible or
    hostile."""
    objects = []
    for index in range(chooser.integer(0, 3)):
        frames = []
        for frame in range(chooser.integer(0, 6)):
            box = [_value(chooser, (0.1, 0.2)), _value(chooser, (0.3,)), _value(chooser, (0.5, 0.6)), _value(chooser, (0.9,))]
            frames.append({"frame": _value(chooser, (frame * 4, frame * 4 + 1)), "box": box, "confidence": _value(chooser, (0.9, None)), "distance_m": _value(chooser, (8.0, None, 0.5))})
        objects.append(
            {"id": _value(chooser, (f"O{index + 1}",)), "label": _value(chooser, ("person", "car", "ball", "unknown")), "source": _value(chooser, ("tracker", "detector", "manual")), "frames": frames}
        )
    shot = {
        "id": _value(chooser, ("S001",)),
        "media": _value(chooser, (str(media),)),
        "fps": _value(chooser, ([25, 1], 25)),
        "frame_range": _value(chooser, ([0, 25],)),
        "width": _value(chooser, (320,)),
        "height": _value(chooser, (180,)),
        "objects": objects,
    }
    return json.dumps({"schema": _value(chooser, ("foley_assistant.tracks/1",)), "shots": [shot]})


# --- targets ---------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
CORPORA = (ROOT / "tests" / "fixtures" / "timelines", ROOT.parent / "shared" / "corpus" / "timelines")
OK, REFUSED, TRACEBACK = "ok", "refused", "traceback"
OUTCOMES = (OK, REFUSED, TRACEBACK)
#: Lines on stderr that are not the refusal: log records and the detector's one-line notice.
NOTICES = ("WARNING:", "INFO:", "DEBUG:", "detector: ", "note: ")
TARGETS = ("otio", "fcp-xml", "edl", "otioz", "aaf", "analyze", "tracks", "project", "open", "recovery")


@dataclass(frozen=True)
class Outcome:
    """How one case ended, with what the product said."""

    kind: str
    detail: str


@dataclass(frozen=True)
class Seeds:
    """The files mutations start from (built once per session in `folder`)."""

    folder: Path
    otio: tuple[Path, ...]
    xml: tuple[Path, ...]
    edl: tuple[Path, ...]
    cut: Path  # a one-shot cut of an (empty) media file, for generate --tracks
    analyze_cut: Path  # a one-shot cut of a real 4-second video, for analyze
    tracks: Path  # a valid tracks file of `cut`
    project_dir: Path  # a generate folder made from `cut` and `tracks`
    recovery: Path  # a valid recovery file of that project
    aaf: tuple[Path, ...] = ()  # the corpus AAF files


def _corpus(suffix: str) -> tuple[Path, ...]:
    """The corpus files of one suffix, one of each name (the shared corpus repeats the fixtures)."""
    found: dict[str, Path] = {}
    for folder in CORPORA:
        for path in sorted(folder.glob(f"*{suffix}")) if folder.is_dir() else []:
            found.setdefault(path.name, path)
    return tuple(found.values())


def build_seeds(folder: Path) -> Seeds:
    """A cut, a tracks file, a generate folder and a recovery file made by the product itself,
    plus the corpus timelines (read in place, never written)."""
    from foley_assistant.cli.main import main
    from foley_assistant.core.timebase import FrameRange, FrameRate
    from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame, TracksDocument
    from foley_assistant.io.cut_writer import CutClip, write_cut
    from foley_assistant.io.json_files import read_project, write_tracks
    from foley_assistant.io.recovery import RecoveryStore
    from foley_assistant.io.video import write_video

    folder.mkdir(parents=True, exist_ok=True)
    video = folder / "v.mp4"
    write_video(video, (_square_picture(i) for i in range(100)), FrameRate(25))
    analyze_cut = folder / "analyze.otio"
    write_cut(analyze_cut, "moving square", FrameRate(25), [CutClip("sq", video, 100, FrameRange(10, 90))])
    media = folder / "m.mp4"
    media.write_bytes(b"")
    cut = folder / "cut.otio"
    write_cut(cut, "cut", FrameRate(25), [CutClip("a", media, 100, FrameRange(0, 25))], start_frame=90000)
    frames = tuple(TrackedFrame(i, Box(0.1 + 0.02 * i, 0.3, 0.3 + 0.02 * i, 0.8), 0.9, 8.0) for i in range(25))
    tracks = folder / "tracks.json"
    write_tracks(tracks, TracksDocument((ShotTracks("S001", str(media), FrameRate(25), FrameRange(0, 25), 320, 180, (ObjectTrack("O1", "person", "tracker", frames),)),)))
    project_dir = folder / "made"
    with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
        code = main(["generate", str(cut), "--tracks", str(tracks), "--out", str(project_dir), "-q"])
    if code != 0:
        raise RuntimeError(f"the seed project could not be made (exit {code})")
    store = RecoveryStore(folder / "recovery")
    recovery = store.write(project_dir / "foley_project.json", read_project(project_dir / "foley_project.json"))
    return Seeds(folder, _corpus(".otio") + (cut,), _corpus(".xml"), _corpus(".edl"), cut, analyze_cut, tracks, project_dir, recovery, _corpus(".aaf"))


def _square_picture(index: int) -> np.ndarray:
    """A 96x64 grey picture with a white square crossing it (frame `index` of 100)."""
    picture = np.full((64, 96, 3), 60, dtype=np.uint8)
    x = 4 + int(index * 0.8)
    picture[24:40, x : x + 12] = 230
    return picture


def run_cli(argv: list[str]) -> Outcome:
    """Run the command line in-process and judge how it ended."""
    from foley_assistant.cli.main import main

    err, out = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            code = main(argv)
    except BaseException as exc:  # noqa: BLE001 - anything escaping main is the failure we look for
        if isinstance(exc, KeyboardInterrupt):
            raise
        return Outcome(TRACEBACK, f"{type(exc).__name__} escaped main: {''.join(traceback.format_exception(exc))[-3000:]}")
    text = err.getvalue()
    said = [line for line in text.splitlines() if line.strip() and not line.startswith(NOTICES)]
    if code == 0 and "Traceback" not in text:
        return Outcome(OK, "")
    if code == 2 and "Traceback" not in text and said and all(line.startswith("error: ") for line in said):
        return Outcome(REFUSED, "\n".join(said))
    return Outcome(TRACEBACK, f"exit {code}: {text[-3000:]}")


def run_direct(call: Callable[[], object]) -> Outcome:
    """Judge a reader the app calls directly: it reads, or refuses with a `FoleyError` of one line."""
    from foley_assistant.core.errors import FoleyError

    try:
        call()
    except FoleyError as exc:
        message = str(exc)
        return Outcome(REFUSED, message) if "\n" not in message else Outcome(TRACEBACK, f"a refusal of several lines: {message[:3000]}")
    except Exception as exc:  # noqa: BLE001 - the failure we look for
        return Outcome(TRACEBACK, "".join(traceback.format_exception(exc))[-3000:])
    return Outcome(OK, "")


def run_recovery(path: Path) -> Outcome:
    """The app's recovery reader on a folder holding one (mutated) recovery file."""
    from foley_assistant.io.recovery import RecoveryStore

    def read() -> None:
        store = RecoveryStore(path.parent)
        for entry in store.pending():
            store.load(entry)

    return run_direct(read)


def run_open(path: Path) -> Outcome:
    """The app's open path (`EditSession.open`, what File > Open and `gui PROJECT` call) on a
    folder holding a (mutated) project."""
    from foley_assistant.pipeline.editing.session import EditSession

    return run_direct(lambda: EditSession.open(path))


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    return path


def run_case(target: str, seeds: Seeds, chooser: Chooser) -> tuple[Outcome, str]:
    """Make one mutated input for `target`, run it in a fresh folder, and return how it ended and
    a description of the case (the command line)."""
    work = Path(tempfile.mkdtemp(prefix="fuzz-", dir=seeds.folder))
    shown = ""
    try:
        argv: list[str]
        if target in ("otio", "fcp-xml", "edl"):
            source = chooser.pick({"otio": seeds.otio, "fcp-xml": seeds.xml, "edl": seeds.edl}[target])
            text = source.read_text(encoding="utf-8", errors="replace")
            if target == "otio" and chooser.pick((False, False, True)):
                text = generated_otio(chooser, seeds.folder / "v.mp4")
            mutated = mutated_json_text(text, chooser) if target == "otio" and chooser.pick((True, True, False)) else text if target == "otio" else mutated_text(text, chooser)
            timeline, shown = _write(work / f"case{source.suffix}", mutated), f"{source.name} mutated: {mutated}"
            argv = ["shots", str(timeline), "--json"] + (["--rate", chooser.pick(("25", "23.976", "29.97"))] if target == "edl" and chooser.pick((True, False)) else [])
        elif target == "otioz":
            source = chooser.pick(seeds.otio)
            bundle = work / "case.otioz"
            data = mutated_otioz(source.read_text(encoding="utf-8"), chooser)
            bundle.write_bytes(data)
            shown = f"{source.name} bundled: {data!r}"
            argv = ["shots", str(bundle)]
        elif target == "aaf":
            source = chooser.pick(seeds.aaf)
            data = mutated_bytes(source.read_bytes(), chooser)
            timeline = work / "case.aaf"
            timeline.write_bytes(data)
            shown = f"{source.name} with bytes changed ({len(data)} bytes)"
            argv = ["shots", str(timeline), "--json"]
        elif target == "open":
            folder = work / "project"
            shutil.copytree(seeds.project_dir, folder)
            project = folder / "foley_project.json"
            _write(project, mutated_json_text(project.read_text(), chooser))
            return run_open(folder), f"open {folder}\n--- project ---\n{project.read_text(errors='replace')[:3000]}"
        elif target == "analyze":
            shown = generated_otio(chooser, seeds.folder / "v.mp4") if chooser.pick((False, False, True)) else mutated_json_text(seeds.analyze_cut.read_text(), chooser)
            timeline = _write(work / "case.otio", shown)
            argv = ["analyze", str(timeline), "--out", str(work / "tracks.json"), "-q", "--detector", "none"]
        elif target == "tracks":
            shown = generated_tracks(chooser, seeds.folder / "m.mp4") if chooser.pick((False, True)) else mutated_json_text(seeds.tracks.read_text(), chooser)
            tracks = _write(work / "tracks.json", shown)
            argv = ["generate", str(seeds.cut), "--tracks", str(tracks), "--out", str(work / "out"), "-q"]
        elif target == "project":
            folder = work / "project"
            shutil.copytree(seeds.project_dir, folder)
            project = folder / "foley_project.json"
            shown = mutated_json_text(project.read_text(), chooser)
            _write(project, shown)
            fmt = chooser.pick(("otio", "rpp", "edl", "fcp7"))
            argv = ["export", str(folder), "--format", fmt, "--out", str(work / f"x.{'xml' if fmt == 'fcp7' else fmt}"), "-q"]
        elif target == "recovery":
            folder = work / "recovery"
            folder.mkdir()
            recovery = _write(folder / seeds.recovery.name, mutated_json_text(seeds.recovery.read_text(), chooser))
            return run_recovery(recovery), f"recovery file {recovery.read_text(errors='replace')[:2000]}"
        else:
            raise ValueError(f"unknown fuzz target {target!r}")
        return run_cli(argv), f"{' '.join(argv)}\n--- input ---\n{shown[:3000]}"
    finally:
        shutil.rmtree(work, ignore_errors=True)


def describe_failure(target: str, outcome: Outcome, case: str) -> str:
    """The message a failing case prints."""
    return f"{target}: {case[:500]}\n{outcome.detail}"
