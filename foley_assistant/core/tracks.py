"""Object tracks: per-frame boxes of the things that make sound, and the tracks document.

Boxes are normalized image coordinates [x0, y0, x1, y1] in 0..1, origin top-left. Frame numbers
count from the first frame of the media file. The dict form is the versioned tracks file of
CONTRACTS.md ("foley_assistant.tracks/1"); readers ignore unknown fields.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Any, Iterable

from foley_assistant.core.errors import ProjectFileError
from foley_assistant.core.picture import PictureGeometry
from foley_assistant.core.safe_paths import check_plain_id
from foley_assistant.core.timebase import FrameRange, FrameRate

TRACKS_SCHEMA = "foley_assistant.tracks/1"
TRACK_SOURCES = ("tracker", "detector", "manual")
BOX_DECIMALS = 6  # 1e-6 of the frame: far below a pixel at any resolution
DISTANCE_DECIMALS = 3
CONFIDENCE_DECIMALS = 4


@dataclass(frozen=True)
class Box:
    """An axis-aligned box in normalized image coordinates."""

    x0: float
    y0: float
    x1: float
    y1: float

    def __post_init__(self) -> None:
        if not (self.x1 >= self.x0 and self.y1 >= self.y0):
            raise ValueError(f"box corners are out of order: {self.as_list()}")

    @property
    def center_x(self) -> float:
        """Horizontal centre, 0 = left edge of frame, 1 = right edge."""
        return (self.x0 + self.x1) / 2

    @property
    def center_y(self) -> float:
        """Vertical centre, 0 = top of frame."""
        return (self.y0 + self.y1) / 2

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @property
    def area(self) -> float:
        return self.width * self.height

    def as_list(self) -> list[float]:
        """[x0, y0, x1, y1]."""
        return [self.x0, self.y0, self.x1, self.y1]

    def iou(self, other: "Box") -> float:
        """Intersection over union with another box (0 when they do not touch)."""
        ix = max(0.0, min(self.x1, other.x1) - max(self.x0, other.x0))
        iy = max(0.0, min(self.y1, other.y1) - max(self.y0, other.y0))
        inter = ix * iy
        union = self.area + other.area - inter
        return inter / union if union > 0 else 0.0

    def clipped(self) -> "Box":
        """The part of the box inside the frame."""
        x0, x1 = min(max(self.x0, 0.0), 1.0), min(max(self.x1, 0.0), 1.0)
        y0, y1 = min(max(self.y0, 0.0), 1.0), min(max(self.y1, 0.0), 1.0)
        return Box(x0, y0, max(x0, x1), max(y0, y1))


@dataclass(frozen=True)
class TrackedFrame:
    """Where an object is in one frame."""

    frame: int
    box: Box
    confidence: float = 1.0
    distance_m: float | None = None
    feet: tuple[float, float, float, float] | None = None  # (x, y) of two ankles, normalized, from a pose model


def quantized(frame: TrackedFrame) -> TrackedFrame:
    """The frame at the precision of the tracks file, so that what is saved is what was used."""
    return TrackedFrame(
        frame=frame.frame,
        box=Box(*(round(v, BOX_DECIMALS) for v in frame.box.as_list())),
        confidence=round(frame.confidence, CONFIDENCE_DECIMALS),
        distance_m=None if frame.distance_m is None else round(frame.distance_m, DISTANCE_DECIMALS),
        feet=None if frame.feet is None else tuple(round(v, BOX_DECIMALS) for v in frame.feet),
    )


@dataclass(frozen=True)
class ObjectTrack:
    """One object through a shot: a label and its boxes, sorted by frame.

    `mover` says whether it gets a stem: analysis marks the objects that really move (or make
    their own sound) as movers and keeps the others (a parked car, a motion it cannot name with
    confidence) as candidates the editor can accept. `confidence` (0..1, None when not measured)
    is how sure analysis is of the object as a sound source; `evidence` says why, in words."""

    id: str
    label: str
    source: str
    frames: tuple[TrackedFrame, ...]
    mover: bool = True
    confidence: float | None = None
    evidence: str = ""

    def __post_init__(self) -> None:
        if self.source not in TRACK_SOURCES:
            raise ValueError(f"track source must be one of {TRACK_SOURCES}, got {self.source!r}")
        ordered = tuple(sorted(self.frames, key=lambda f: f.frame))
        numbers = [f.frame for f in ordered]
        if len(set(numbers)) != len(numbers):
            raise ValueError(f"object {self.id} has two boxes for the same frame")
        object.__setattr__(self, "frames", ordered)

    @property
    def first_frame(self) -> int:
        return self.frames[0].frame

    @property
    def last_frame(self) -> int:
        return self.frames[-1].frame

    def frame_numbers(self) -> list[int]:
        return [f.frame for f in self.frames]

    def with_label(self, label: str) -> "ObjectTrack":
        """The same track under another label."""
        return replace(self, label=label)


@dataclass(frozen=True)
class DetectorRecord:
    """Which object detector named a shot's objects, so that a result can be traced and redone:
    `name` is what `--detector` took (nanodet, none, an installed model's name, a file's path),
    `format` the model's layout (nanodet-g, yolov8, rtdetr, torchvision:<architecture>...),
    `sha256` the hex digest of its weights file (None when there is no file: motion alone)."""

    name: str
    format: str
    sha256: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form: {"name", "format", "sha256"}."""
        return {"name": self.name, "format": self.format, "sha256": self.sha256}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "DetectorRecord":
        """Read the JSON form."""
        digest = data.get("sha256")
        return cls(str(data["name"]), str(data["format"]), None if digest is None else str(digest))


#: The record of analysis without an object detector (motion alone).
NO_DETECTOR = DetectorRecord("none", "none")


@dataclass(frozen=True)
class ShotTracks:
    """All tracked objects of one shot, with the geometry needed to read their boxes.

    `width` and `height` are the picture as displayed (square pixels, display rotation applied);
    `picture` records how the media's coded pictures were turned into it (None: not recorded);
    `detector` the object detector analysis ran (None: not recorded, as in older files)."""

    shot_id: str
    media: str
    fps: FrameRate
    frame_range: FrameRange
    width: int
    height: int
    objects: tuple[ObjectTrack, ...] = ()
    picture: PictureGeometry | None = None
    detector: DetectorRecord | None = None

    def object(self, object_id: str) -> ObjectTrack:
        """The object with this id; a clear error names the ones that exist."""
        for obj in self.objects:
            if obj.id == object_id:
                return obj
        known = ", ".join(o.id for o in self.objects) or "none"
        raise KeyError(f"shot {self.shot_id} has no object {object_id!r} (objects: {known})")


@dataclass(frozen=True)
class TracksDocument:
    """The tracks of several shots: what `analyze` writes and `generate --tracks` reads."""

    shots: tuple[ShotTracks, ...] = field(default_factory=tuple)

    def shot(self, shot_id: str) -> ShotTracks:
        for shot in self.shots:
            if shot.shot_id == shot_id:
                return shot
        known = ", ".join(s.shot_id for s in self.shots) or "none"
        raise KeyError(f"no tracks for shot {shot_id!r} (shots: {known})")

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form of CONTRACTS.md."""
        return {"schema": TRACKS_SCHEMA, "shots": [_shot_to_dict(s) for s in self.shots]}

    @classmethod
    def from_dict(cls, data: Any) -> "TracksDocument":
        """Read the JSON form; unknown fields are ignored, a wrong schema is refused clearly."""
        if not isinstance(data, dict):
            raise ProjectFileError('the tracks file is not a JSON object; expected {"schema": ..., "shots": [...]}')
        schema = data.get("schema")
        if schema != TRACKS_SCHEMA:
            raise ProjectFileError(f"the tracks file has schema {schema!r}; this version reads {TRACKS_SCHEMA!r}. Re-run `foley-assistant analyze` to write a current one.")
        shots = data.get("shots", [])
        if not isinstance(shots, list):
            raise ProjectFileError(f'the tracks file is malformed: "shots" must be a list, got {shots!r:.60}')
        try:
            return cls(tuple(_shot_from_dict(s, number) for number, s in enumerate(shots, start=1)))
        except ValueError as exc:
            raise ProjectFileError(f"the tracks file is malformed: {exc}") from exc


def _shot_to_dict(shot: ShotTracks) -> dict[str, Any]:
    data = {
        "id": shot.shot_id,
        "media": shot.media,
        "fps": list(shot.fps.as_tuple()),
        "frame_range": [shot.frame_range.start, shot.frame_range.end],
        "width": shot.width,
        "height": shot.height,
        "objects": [
            {
                "id": obj.id,
                "label": obj.label,
                "source": obj.source,
                "mover": obj.mover,
                "confidence": obj.confidence,
                "evidence": obj.evidence,
                "frames": [_frame_to_dict(q) for q in map(quantized, obj.frames)],
            }
            for obj in shot.objects
        ],
    }
    if shot.picture is not None:
        data["picture"] = shot.picture.to_dict()
    if shot.detector is not None:
        data["detector"] = shot.detector.to_dict()
    return data


def _frame_to_dict(frame: TrackedFrame) -> dict[str, Any]:
    data: dict[str, Any] = {"frame": frame.frame, "box": frame.box.as_list(), "confidence": frame.confidence, "distance_m": frame.distance_m}
    if frame.feet is not None:
        data["feet"] = list(frame.feet)
    return data


#: What a tracks file may hold: anything else is refused when it is read, naming where.
MAX_FRAME = 2**24  # frame numbers (about 7.7 days at 25 fps)
MAX_PICTURE_SIZE = 100_000  # pixels, either side
BOX_LIMIT = 10.0  # box and feet coordinates, in frames: a box may reach past the edges, not to infinity
MAX_DISTANCE_M = 1_000_000.0
_READ_ERRORS = (KeyError, TypeError, ValueError, OverflowError, ZeroDivisionError, IndexError, AttributeError)


def _problem(exc: BaseException) -> str:
    """What is wrong, in words, from the exception a reader raised."""
    if isinstance(exc, KeyError):
        return f"{exc.args[0]!r} is missing"
    return str(exc) or type(exc).__name__


def _located(where: str, exc: BaseException) -> ValueError:
    """The exception again as a ValueError whose message starts with where it happened."""
    return ValueError(f"{where}: {_problem(exc)}")


def _whole_number(value: Any, name: str, low: int, high: int) -> int:
    """An integer (an integral float is accepted) within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not value.is_integer()):
        raise ValueError(f"{name} {value!r} is not a whole number")
    if not low <= value <= high:
        raise ValueError(f"{name} {value!r} is outside {low}..{high}")
    return int(value)


def _finite(value: Any, name: str, low: float, high: float) -> float:
    """A finite number within [low, high]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{name} {value!r} is not a number within {low:g}..{high:g}")
    return float(value)


def _list(value: Any, name: str, length: int | None = None) -> list[Any]:
    if not isinstance(value, list) or (length is not None and len(value) != length):
        raise ValueError(f"{name} must be a list" + (f" of {length}" if length is not None else "") + f", got {value!r:.60}")
    return value


def _picture_rate(value: Any) -> FrameRate:
    rate = FrameRate.parse(value)
    if not 1 <= rate.numerator / rate.denominator <= 1000 or rate.denominator > 10**7:
        raise ValueError(f"fps {value!r} is not a picture rate (1 to 1000 frames per second)")
    return rate


def _shot_from_dict(data: dict[str, Any], number: int) -> ShotTracks:
    where = f"shot {data.get('id', number)!r:.70}" if isinstance(data, dict) else f"shot {number}"
    try:
        if not isinstance(data, dict):
            raise TypeError(f"a shot must be a JSON object, got {data!r:.60}")
        first, end = (_whole_number(v, "frame_range", 0, MAX_FRAME) for v in _list(data["frame_range"], "frame_range", 2))
        if end <= first:
            raise ValueError(f"frame_range [{first}, {end}) is empty; it is [first, end) in media frames")
        shot_id = check_plain_id(str(data["id"]), "shot id")
        frame_range = FrameRange(first, end - first)
        fps = _picture_rate(data["fps"])
        width = _whole_number(data["width"], "width", 1, MAX_PICTURE_SIZE)
        height = _whole_number(data["height"], "height", 1, MAX_PICTURE_SIZE)
        picture = PictureGeometry.from_dict(data["picture"]) if isinstance(data.get("picture"), dict) else None
        detector = DetectorRecord.from_dict(data["detector"]) if isinstance(data.get("detector"), dict) else None
        objects = _list(data.get("objects", []), "objects")
    except _READ_ERRORS as exc:
        raise _located(where, exc) from exc
    parsed = []
    for index, obj in enumerate(objects, start=1):
        try:
            parsed.append(_object_from_dict(obj, index, frame_range))
        except _READ_ERRORS as exc:
            raise _located(where, exc) from exc
    try:
        return ShotTracks(shot_id=shot_id, media=str(data["media"]), fps=fps, frame_range=frame_range, width=width, height=height, objects=tuple(parsed), picture=picture, detector=detector)
    except _READ_ERRORS as exc:
        raise _located(where, exc) from exc


def _object_from_dict(data: dict[str, Any], number: int, frame_range: FrameRange) -> ObjectTrack:
    where = f"object {data.get('id', number)!r:.70}" if isinstance(data, dict) else f"object {number}"
    try:
        if not isinstance(data, dict):
            raise TypeError(f"an object must be a JSON object, got {data!r:.60}")
        object_id = check_plain_id(str(data["id"]), "object id")
        confidence = data.get("confidence")
        frames = []
        for index, frame in enumerate(_list(data["frames"], "frames"), start=1):
            try:
                frames.append(_frame_from_dict(frame, frame_range))
            except _READ_ERRORS as exc:
                label = frame.get("frame", index) if isinstance(frame, dict) else f"#{index}"
                raise _located(f"frame {label!r:.30}", exc) from exc
        if not frames:
            raise ValueError("it has no frames; an object needs at least one box (add its frames or remove the object)")
        return ObjectTrack(
            id=object_id,
            label=str(data["label"]),
            source=str(data.get("source", "tracker")),
            frames=tuple(frames),
            mover=bool(data.get("mover", True)),
            confidence=None if confidence is None else _finite(confidence, "confidence", 0.0, 1.0),
            evidence=str(data.get("evidence", "")),
        )
    except _READ_ERRORS as exc:
        raise _located(where, exc) from exc


def _frame_from_dict(data: dict[str, Any], frame_range: FrameRange) -> TrackedFrame:
    if not isinstance(data, dict):
        raise TypeError(f'a frame must be a JSON object like {{"frame": 0, "box": [x0, y0, x1, y1]}}, got {data!r:.60}')
    frame = _whole_number(data["frame"], "frame", 0, MAX_FRAME)
    if not frame_range.start <= frame < frame_range.end:
        raise ValueError(f"frame {frame} is outside the shot's frame_range [{frame_range.start}, {frame_range.end})")
    distance = data.get("distance_m")
    feet = data.get("feet")
    return TrackedFrame(
        frame=frame,
        box=Box(*(_finite(v, "box value", -BOX_LIMIT, BOX_LIMIT) for v in _list(data["box"], "box", 4))),
        confidence=_finite(data.get("confidence", 1.0), "confidence", 0.0, 1.0),
        distance_m=None if distance is None else _finite(distance, "distance_m", 0.0, MAX_DISTANCE_M),
        feet=None if feet is None else tuple(_finite(v, "feet value", -BOX_LIMIT, BOX_LIMIT) for v in _list(feet, "feet", 4)),
    )


def renumber_objects(objects: Iterable[ObjectTrack]) -> tuple[ObjectTrack, ...]:
    """Give objects the ids O1, O2... in order of first appearance."""
    ordered = sorted(objects, key=lambda o: (o.first_frame, o.frames[0].box.center_x))
    return tuple(replace(obj, id=f"O{i}") for i, obj in enumerate(ordered, start=1))
