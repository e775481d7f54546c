"""Scoring a `generate` output against hand annotations of real footage.

Annotations are the `real-footage-annotations/1` files of `../shared/footage/annotations` (see the
README there): per shot a frame range, objects with keyed boxes (normalised [x0, y0, x1, y1],
linearly interpolated between keys, no box inside an `occluded` range [f0, f1], both ends
included) and contact events. Frames are 0-based in decode order, as the product's tracks.

Definitions (docs/metrics.md says the same):

- **Overlap on a frame**: a track's box overlaps an object's box when their IoU is at least
  `IOU_MATCH` (0.3), or when the centre of the track's box lies inside the object's box and
  their IoU is at least `IOU_PART` (0.1): a track on a walker's legs or a car's front still names
  that object, a track on a hand, a mirror or a patch of window inside a large box does not.
- **Match**: a track matches an object when, on the frames where both have a box (*shared*
  frames), they overlap on at least half, and they share at least `MIN_SHARED_FRAMES` (5) frames
  or at least `MIN_SHARED_SHARE` (30 %) of the object's visible frames (a car visible for 3
  frames can be matched). A track stands for one thing: it is assigned to the one object it
  matches on the most frames (ties: higher mean IoU over the shared frames, then annotation
  order). Near-static objects take part, so a track on a seated person is not false.
- **Cuts**: the annotated cuts are the first frames of every annotated shot after the first; the
  product's are the first frames of its shots after the first. A cut is found when a product cut
  lies within `CUT_TOLERANCE` (1) frame of it, each product cut serving one annotated cut (the
  nearest first); product cuts left over are false cuts.
- **Movers found**: annotated objects with motion "moving" that have at least one track assigned.
- **Tracks** are the objects the product gives a stem (`mover` in tracks.json); candidates it
  keeps without a stem for the editor to accept are not scored.
- **False tracks**: among tracks of at least `LONG_TRACK_FRAMES` (10) frames, those that overlap no
  annotated object (moving or near-static) on most of their frames (overlapping frames x 2 <
  frames); reported as a count and a share of those tracks.
- **Tracks per mover**: the mean number of tracks assigned to a found mover.
- **Labels**: per found mover, the label of its best track (most overlapping frames): *right* if
  the label, or its sound-class group (`canonical_label`: pedestrian -> person, motorcycle ->
  motorbike, dog/horse/... -> animal), is the object's label or one of its `alt_labels`;
  *unknown* if the label is generic (`GENERIC_LABELS`: "unknown", "object", none); else *wrong*.
- **Contact events**: annotated events of kind footfall, landing or impact. One is hit when a
  product event of a contact kind (footfall, impact, landing; `event_log` of report.json, main
  voice only, not the layers) on a stem of a track assigned to that object lies within 1 frame
  (certainty "sure") or 2 frames ("approximate"). An event's frame is its shot's first media frame
  plus round(time_s x the shot's tracks fps).
- **Silent stems**: object stems (not ambience beds) whose peak is below `SILENT_DBFS` (-60 dBFS).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

from foley_assistant.core.errors import InputFileError
from foley_assistant.core.tracks import TracksDocument

SCHEMA = "real-footage-annotations/1"
IOU_MATCH = 0.3
IOU_PART = 0.1
MIN_SHARED_FRAMES = 5
MIN_SHARED_SHARE = 0.3
LONG_TRACK_FRAMES = 10
CUT_TOLERANCE = 1
EVENT_TOLERANCE = {"sure": 1, "approximate": 2}
CONTACT_KINDS = frozenset({"footfall", "landing", "impact"})
GENERIC_LABELS = frozenset({"", "unknown", "object"})
SILENT_DBFS = -60.0
_GROUPS = {
    "person": ("pedestrian", "man", "woman", "child", "people"),
    "motorbike": ("motorcycle", "scooter"),
    "ball": ("sports ball",),
    "animal": ("dog", "horse", "sheep", "cow", "bird", "cat", "elephant", "bear", "zebra", "giraffe", "llama"),
}
_CANONICAL = {member: group for group, members in _GROUPS.items() for member in members}

BoxT = tuple[float, float, float, float]


def canonical_label(label: str) -> str:
    """A product label in the annotations' vocabulary ("pedestrian" -> "person", "dog" -> "animal")."""
    plain = label.strip().lower().replace("_", " ").replace("-", " ")
    return _CANONICAL.get(plain, plain)


def iou(a: BoxT, b: BoxT) -> float:
    """Intersection over union of two [x0, y0, x1, y1] boxes (0 when they do not touch)."""
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def overlaps(track_box: BoxT, object_box: BoxT) -> bool:
    """Whether a track's box overlaps an object's box on one frame (see the module docstring)."""
    cx, cy = (track_box[0] + track_box[2]) / 2, (track_box[1] + track_box[3]) / 2
    inside = object_box[0] <= cx <= object_box[2] and object_box[1] <= cy <= object_box[3]
    share = iou(track_box, object_box)
    return share >= IOU_MATCH or (inside and share >= IOU_PART)


@dataclass(frozen=True)
class AnnotatedObject:
    """One annotated object: keyed boxes, interpolated between keys, none while occluded."""

    id: str
    label: str
    alt_labels: tuple[str, ...]
    motion: str
    first: int
    last: int
    occluded: tuple[tuple[int, int], ...]
    keys: tuple[tuple[int, BoxT], ...]

    def box(self, frame: int) -> BoxT | None:
        """The object's box on a frame, or None where it has none (outside its keys, occluded)."""
        if frame < max(self.first, self.keys[0][0]) or frame > min(self.last, self.keys[-1][0]):
            return None
        if any(a <= frame <= b for a, b in self.occluded):
            return None
        frames = [k[0] for k in self.keys]
        i = int(np.searchsorted(frames, frame))
        if frames[i] == frame:
            return self.keys[i][1]
        (f0, b0), (f1, b1) = self.keys[i - 1], self.keys[i]
        t = (frame - f0) / (f1 - f0)
        return tuple(v0 + (v1 - v0) * t for v0, v1 in zip(b0, b1))  # type: ignore[return-value]

    def boxes(self) -> dict[int, BoxT]:
        """Every visible frame's box."""
        found = {f: self.box(f) for f in range(self.first, self.last + 1)}
        return {f: b for f, b in found.items() if b is not None}

    def label_verdict(self, label: str) -> str:
        """ "right", "unknown" or "wrong" for a product label of this object."""
        plain = label.strip().lower()
        if plain in GENERIC_LABELS:
            return "unknown"
        accepted = {self.label.lower(), *(a.lower() for a in self.alt_labels)}
        return "right" if plain in accepted or canonical_label(plain) in accepted else "wrong"


@dataclass(frozen=True)
class AnnotatedEvent:
    """A moment an object makes a sound (a contact or other)."""

    object: str
    frame: int
    kind: str
    certainty: str


@dataclass(frozen=True)
class Annotations:
    """One clip's annotations."""

    video: str
    frames: int
    shot_starts: tuple[int, ...]
    objects: tuple[AnnotatedObject, ...]
    events: tuple[AnnotatedEvent, ...]

    @property
    def cuts(self) -> list[int]:
        """First frames of the shots after the first."""
        return sorted(self.shot_starts)[1:]

    @property
    def movers(self) -> list[AnnotatedObject]:
        return [o for o in self.objects if o.motion == "moving"]


def load_annotations(path: str | Path) -> Annotations:
    """Read a `real-footage-annotations/1` file; a wrong schema or a malformed file is refused."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputFileError(f"cannot read the annotations {path}: {exc}. Give a {SCHEMA} JSON file.") from exc
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise InputFileError(f"{path.name} is not a {SCHEMA} file (schema {data.get('schema') if isinstance(data, dict) else None!r}).")
    try:
        objects, events, starts = [], [], []
        for shot in data["shots"]:
            starts.append(int(shot["frame_range"][0]))
            for o in shot.get("objects", []):
                keys = tuple(sorted((int(k["frame"]), tuple(float(v) for v in k["box"])) for k in o["keys"]))
                occluded = tuple((int(a), int(b)) for a, b in o.get("occluded", []))
                objects.append(
                    AnnotatedObject(str(o["id"]), str(o["label"]), tuple(o.get("alt_labels") or ()), str(o["motion"]), int(o["first"]), int(o["last"]), occluded, keys)  # type: ignore[arg-type]
                )
            events.extend(AnnotatedEvent(str(e["object"]), int(e["frame"]), str(e["kind"]), str(e["certainty"])) for e in shot.get("events", []))
        return Annotations(str(data["video"]), int(data["frames"]), tuple(starts), tuple(objects), tuple(events))
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise InputFileError(f"the annotations {path.name} are malformed ({exc!r}); see the schema in the footage README.") from exc


@dataclass(frozen=True)
class ProductTrack:
    """One track of the product's output: (shot, id) names it, boxes by media frame."""

    shot_id: str
    id: str
    label: str
    boxes: dict[int, BoxT]


@dataclass(frozen=True)
class ProductEvent:
    """One event the product sounded on a stem, at a media frame."""

    shot_id: str
    object_id: str
    frame: int
    kind: str


@dataclass
class ProductOutput:
    """What scoring needs from a `generate` output folder."""

    shot_starts: list[int]
    tracks: list[ProductTrack]
    events: list[ProductEvent] = field(default_factory=list)
    stem_peaks_dbfs: dict[str, float] = field(default_factory=dict)

    @property
    def cuts(self) -> list[int]:
        return sorted(self.shot_starts)[1:]


def peak_dbfs_of_file(path: Path) -> float:
    """The peak of a WAV file in dBFS (-inf for digital silence)."""
    audio, _ = soundfile.read(str(path), dtype="float32", always_2d=True)
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def read_product_output(out_dir: str | Path) -> ProductOutput:
    """Tracks (tracks.json), events and object stems (report.json, stems/*.wav) of a `generate` folder."""
    out = Path(out_dir)
    try:
        document = TracksDocument.from_dict(json.loads((out / "tracks.json").read_text(encoding="utf-8")))
        report: dict[str, Any] = json.loads((out / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputFileError(f"{out} is not a complete generate output ({exc}).") from exc
    shots = {s.shot_id: s for s in document.shots}
    # What the editor hears: the objects that get a stem. Candidates (`mover` false: kept in the
    # project for the editor to accept, no stem) are not scored as tracks.
    tracks = [ProductTrack(s.shot_id, o.id, o.label, {f.frame: (f.box.x0, f.box.y0, f.box.x1, f.box.y1) for f in o.frames}) for s in document.shots for o in s.objects if o.mover]
    events, peaks = [], {}
    for stem in report.get("stems", []):
        if stem.get("kind", "object") != "object":
            continue
        peaks[stem["path"]] = peak_dbfs_of_file(out / stem["path"])
        shot = shots.get(stem["shot"])
        if shot is None:
            continue
        for record in stem.get("event_log", []):
            if "layer" not in record:
                frame = shot.frame_range.start + int(round(float(record["time_s"]) * float(shot.fps)))
                events.append(ProductEvent(stem["shot"], stem["object"], frame, str(record["kind"])))
    return ProductOutput([s.frame_range.start for s in document.shots], tracks, events, peaks)


@dataclass
class ClipScore:
    """The figures of one clip (see the module docstring for each)."""

    cuts_total: int = 0
    cuts_found: int = 0
    false_cuts: int = 0
    movers_total: int = 0
    movers_found: int = 0
    long_tracks: int = 0
    false_tracks: int = 0
    tracks_per_mover: float | None = None
    labels_right: int = 0
    labels_unknown: int = 0
    labels_wrong: int = 0
    sure_hits: int = 0
    sure_total: int = 0
    approximate_hits: int = 0
    approximate_total: int = 0
    stems: int = 0
    silent_stems: int = 0
    assigned: dict[str, list[str]] = field(default_factory=dict)  # object id -> "shot/track" ids

    @property
    def false_track_share(self) -> float | None:
        return self.false_tracks / self.long_tracks if self.long_tracks else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready figures."""
        return {**{k: v for k, v in self.__dict__.items()}, "false_track_share": self.false_track_share}


def _match(track: ProductTrack, obj: AnnotatedObject, object_boxes: dict[int, BoxT]) -> tuple[int, float] | None:
    """(overlapping frames, mean IoU over shared frames) when the track matches the object, else None."""
    shared = [f for f in track.boxes if f in object_boxes]
    if not shared:
        return None
    hits = sum(overlaps(track.boxes[f], object_boxes[f]) for f in shared)
    enough = len(shared) >= MIN_SHARED_FRAMES or len(shared) >= MIN_SHARED_SHARE * len(object_boxes)
    if not enough or 2 * hits < len(shared):
        return None
    return hits, sum(iou(track.boxes[f], object_boxes[f]) for f in shared) / len(shared)


def assign_tracks(annotations: Annotations, tracks: list[ProductTrack]) -> dict[str, list[tuple[ProductTrack, int]]]:
    """Each track given to the one object it matches best: object id -> [(track, overlapping frames)]."""
    boxes = {o.id: o.boxes() for o in annotations.objects}
    assigned: dict[str, list[tuple[ProductTrack, int]]] = {o.id: [] for o in annotations.objects}
    for track in tracks:
        best: tuple[int, float, int] | None = None
        best_id = ""
        for order, obj in enumerate(annotations.objects):
            found = _match(track, obj, boxes[obj.id])
            if found is not None and (best is None or (found[0], found[1], -order) > best):
                best, best_id = (found[0], found[1], -order), obj.id
        if best is not None:
            assigned[best_id].append((track, best[0]))
    return assigned


def match_cuts(annotated: list[int], product: list[int]) -> tuple[int, int]:
    """(annotated cuts found, false product cuts), each product cut serving one annotated cut."""
    free = sorted(product)
    found = 0
    for cut in sorted(annotated):
        near = [p for p in free if abs(p - cut) <= CUT_TOLERANCE]
        if near:
            free.remove(min(near, key=lambda p: (abs(p - cut), p)))
            found += 1
    return found, len(free)


def _is_false(track: ProductTrack, boxes: list[dict[int, BoxT]]) -> bool:
    hits = sum(any(f in b and overlaps(box, b[f]) for b in boxes) for f, box in track.boxes.items())
    return 2 * hits < len(track.boxes)


def score_clip(annotations: Annotations, output: ProductOutput) -> ClipScore:
    """Every figure of one clip (see the module docstring)."""
    score = ClipScore()
    score.cuts_total = len(annotations.cuts)
    score.cuts_found, score.false_cuts = match_cuts(annotations.cuts, output.cuts)
    assigned = assign_tracks(annotations, output.tracks)
    score.assigned = {k: [f"{t.shot_id}/{t.id}" for t, _ in v] for k, v in assigned.items() if v}
    movers = annotations.movers
    score.movers_total = len(movers)
    found = [o for o in movers if assigned[o.id]]
    score.movers_found = len(found)
    if found:
        score.tracks_per_mover = sum(len(assigned[o.id]) for o in found) / len(found)
    for obj in found:
        best = max(assigned[obj.id], key=lambda pair: pair[1])[0]
        verdict = obj.label_verdict(best.label)
        setattr(score, f"labels_{verdict}", getattr(score, f"labels_{verdict}") + 1)
    all_boxes = [o.boxes() for o in annotations.objects]
    long_tracks = [t for t in output.tracks if len(t.boxes) >= LONG_TRACK_FRAMES]
    score.long_tracks = len(long_tracks)
    score.false_tracks = sum(_is_false(t, all_boxes) for t in long_tracks)
    for event in annotations.events:
        if event.kind not in CONTACT_KINDS:
            continue
        mine = {(t.shot_id, t.id) for t, _ in assigned.get(event.object, [])}
        tolerance = EVENT_TOLERANCE.get(event.certainty, EVENT_TOLERANCE["approximate"])
        hit = any((e.shot_id, e.object_id) in mine and e.kind in CONTACT_KINDS and abs(e.frame - event.frame) <= tolerance for e in output.events)
        prefix = "sure" if event.certainty == "sure" else "approximate"
        setattr(score, f"{prefix}_total", getattr(score, f"{prefix}_total") + 1)
        setattr(score, f"{prefix}_hits", getattr(score, f"{prefix}_hits") + int(hit))
    score.stems = len(output.stem_peaks_dbfs)
    score.silent_stems = sum(p < SILENT_DBFS for p in output.stem_peaks_dbfs.values())
    return score
