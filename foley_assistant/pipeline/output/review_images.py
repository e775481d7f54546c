"""The pictures of the review sheet, drawn from data: a shot's contact sheet and a stem's waveform.

Pure functions: pictures and tracks in, an RGB uint8 array out (nothing is read or written here).
A contact sheet is a grid of tiles, one per chosen frame, each with every tracked object's box in
its own colour and a tag "O3 car 0.82" (id, label, the box's confidence), and under the picture
the tile number, the media frame and the record timecode. A waveform shows the peak level of each
channel on a dB scale, with a line at each sound event, coloured by its kind, and ticks where the
contact sheet's frames fall.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from foley_assistant.core.tracks import Box, ShotTracks

# Distinct, saturated colours (RGB) that read on dark and light pictures, one per object of a shot.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (255, 59, 48),
    (52, 199, 255),
    (255, 204, 0),
    (76, 217, 100),
    (255, 64, 255),
    (0, 255, 204),
    (255, 149, 0),
    (175, 130, 255),
    (200, 255, 60),
    (255, 140, 170),
    (0, 122, 255),
    (255, 255, 255),
    (190, 120, 60),
    (120, 255, 255),
)
EVENT_COLOURS: dict[str, tuple[int, int, int]] = {
    "footfall": (255, 204, 0),
    "impact": (255, 59, 48),
    "swish": (52, 199, 255),
    "entrance": (76, 217, 100),
    "exit": (175, 130, 255),
}
OTHER_EVENT_COLOUR = (220, 220, 220)
BACKGROUND = (28, 28, 30)
TEXT = (235, 235, 235)
FONT = cv2.FONT_HERSHEY_SIMPLEX
GAP = 4  # pixels between tiles
CAPTION = 16  # pixels under each picture for its number, frame and timecode
MIN_TILE_WIDTH = 256  # smaller pictures (176x144 test sequences...) are scaled up to this, so tags stay legible
FLOOR_DB = -60.0  # the bottom of the waveform's dB scale


def object_colours(tracks: ShotTracks) -> dict[str, tuple[int, int, int]]:
    """The colour (RGB) of each object of a shot, in the order the shot lists them."""
    return {obj.id: PALETTE[i % len(PALETTE)] for i, obj in enumerate(tracks.objects)}


def css_colour(rgb: tuple[int, int, int]) -> str:
    """An RGB triple as a CSS hex colour."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def tile_size(width: int, height: int) -> tuple[int, int]:
    """The size of a width x height picture on the contact sheet: as decoded, or scaled up to
    MIN_TILE_WIDTH when narrower (aspect kept)."""
    if width >= MIN_TILE_WIDTH:
        return width, height
    return MIN_TILE_WIDTH, max(1, round(height * MIN_TILE_WIDTH / width))


def spread_frames(first: int, count: int, wanted: int) -> list[int]:
    """`wanted` frame numbers evenly spread over `count` frames from `first` (first and last
    included), fewer when the shot is shorter."""
    if count <= 0:
        return []
    n = max(1, min(wanted, count))
    if n == 1:
        return [first + (count - 1) // 2]
    return sorted({first + round(i * (count - 1) / (n - 1)) for i in range(n)})


def sheet_frames(tracks: ShotTracks, wanted: int, most: int) -> list[int]:
    """The frames of a shot's contact sheet: `wanted` spread evenly over the shot, plus the middle
    frame of each object seen in none of them (a short track between two tiles), up to `most`."""
    frames = spread_frames(tracks.frame_range.start, tracks.frame_range.duration, wanted)
    for obj in sorted(tracks.objects, key=lambda o: -len(o.frames)):
        numbers = [f.frame for f in obj.frames if f.frame in tracks.frame_range]
        if len(frames) >= most:
            break
        if numbers and not set(numbers) & set(frames):
            frames.append(numbers[len(numbers) // 2])
    return sorted(frames)


@dataclass(frozen=True)
class Tile:
    """Where one frame's picture lies in a contact sheet (pixels, top-left origin)."""

    number: int
    frame: int
    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True)
class ContactSheet:
    """A contact sheet's image (RGB uint8) and where each frame's picture is in it."""

    image: np.ndarray
    tiles: tuple[Tile, ...]


def _ascii(text: str) -> str:
    """What the Hershey font can draw: printable ASCII, anything else as '?'."""
    return "".join(c if 32 <= ord(c) < 127 else "?" for c in text)


def _put_text(image: np.ndarray, text: str, x: int, y: int, colour: tuple[int, int, int], scale: float = 0.38) -> None:
    cv2.putText(image, _ascii(text), (x, y), FONT, scale, colour, 1, cv2.LINE_AA)


def _tag(picture: np.ndarray, text: str, x: int, y: int, colour: tuple[int, int, int], taken: list[tuple[int, int, int, int]]) -> None:
    """A filled tag in the object's colour with dark text, kept inside the picture; (x, y) is
    the box's top-left corner: the tag sits above it, or inside when there is no room, and moves
    down past the tags already drawn (`taken`, updated) rather than cover them."""
    (w, h), base = cv2.getTextSize(_ascii(text), FONT, 0.38, 1)
    height, width = picture.shape[:2]
    tall = h + base + 3
    top = y - tall if y - tall >= 0 else y
    left = min(max(0, x), max(0, width - w - 4))
    right = left + w + 4
    while top + tall < height and any(left < x1 and x0 < right and top < y1 and y0 < top + tall for x0, y0, x1, y1 in taken):
        top += tall
    taken.append((left, top, right, top + tall))
    cv2.rectangle(picture, (left, top), (right, top + tall), colour, cv2.FILLED)
    _put_text(picture, text, left + 2, top + h + 1, (0, 0, 0))


def box_pixels(box: Box, width: int, height: int) -> tuple[int, int, int, int]:
    """A normalized box's corners (x0, y0, x1, y1) in the pixels of a width x height picture."""
    clipped = box.clipped()

    def px(value: float, size: int) -> int:
        return min(size - 1, int(round(value * size)))

    return px(clipped.x0, width), px(clipped.y0, height), px(clipped.x1, width), px(clipped.y1, height)


def annotate_picture(picture: np.ndarray, tracks: ShotTracks, frame: int, colours: dict[str, tuple[int, int, int]]) -> np.ndarray:
    """A copy of one frame's picture with the box and tag of each object tracked in that frame
    (all boxes first, then the tags, so that no box line crosses a tag's text). Candidates (no
    stem unless the editor accepts them) are drawn first, thin, and tagged "candidate"; the
    movers are drawn over them."""
    drawn = np.ascontiguousarray(picture.copy())
    height, width = drawn.shape[:2]
    objects = sorted(tracks.objects, key=lambda o: o.mover)  # candidates under the movers
    hits = [(obj, hit) for obj in objects for hit in obj.frames if hit.frame == frame]
    corners = [box_pixels(hit.box, width, height) for _, hit in hits]
    for (obj, _), (x0, y0, x1, y1) in zip(hits, corners):
        cv2.rectangle(drawn, (x0, y0), (x1, y1), colours[obj.id], 2 if obj.mover else 1)
    taken: list[tuple[int, int, int, int]] = []
    for (obj, hit), (x0, y0, _, _) in zip(hits, corners):
        kind = "" if obj.mover else " candidate"
        _tag(drawn, f"{obj.id} {obj.label} {hit.confidence:.2f}{kind}", x0, y0, colours[obj.id], taken)
    return drawn


def contact_sheet(
    pictures: list[tuple[int, np.ndarray]],
    tracks: ShotTracks,
    captions: dict[int, str],
    columns: int = 5,
) -> ContactSheet:
    """A grid of the given (frame, RGB picture) pairs, each annotated with the shot's tracks and
    captioned "#n f<frame> <captions[frame]>". Every picture is shown at the first one's `tile_size`."""
    if not pictures:
        raise ValueError("a contact sheet needs at least one picture")
    width, height = tile_size(pictures[0][1].shape[1], pictures[0][1].shape[0])
    columns = max(1, min(columns, len(pictures)))
    rows = math.ceil(len(pictures) / columns)
    sheet = np.empty((GAP + rows * (height + CAPTION + GAP), GAP + columns * (width + GAP), 3), dtype=np.uint8)
    sheet[:] = BACKGROUND
    colours = object_colours(tracks)
    tiles = []
    for number, (frame, picture) in enumerate(pictures, start=1):
        row, column = divmod(number - 1, columns)
        x, y = GAP + column * (width + GAP), GAP + row * (height + CAPTION + GAP)
        if picture.shape[:2] != (height, width):
            picture = cv2.resize(picture, (width, height), interpolation=cv2.INTER_LINEAR)
        sheet[y : y + height, x : x + width] = annotate_picture(picture, tracks, frame, colours)
        _put_text(sheet, f"#{number}  f{frame}  {captions.get(frame, '')}".rstrip(), x + 2, y + height + CAPTION - 4, TEXT)
        tiles.append(Tile(number, frame, x, y, width, height))
    return ContactSheet(sheet, tuple(tiles))


def waveform_image(
    peaks: np.ndarray,
    length_samples: int,
    sample_rate: int,
    events: list[dict[str, object]],
    frame_marks: list[tuple[int, int]] | None = None,
    lane_height: int = 56,
) -> np.ndarray:
    """A stem's waveform: per channel (rows of `peaks`, linear peak per column) a lane mirrored
    about its centre on a dB scale from FLOOR_DB to 0 dBFS; a line per event (records with
    "sample" and "kind", as in report.json's event_log) in its kind's colour; under the lanes a
    time axis in seconds, ticks numbered like the contact sheet's tiles (`frame_marks`: tile
    number, sample from the stem's start), and a legend of the event kinds shown."""
    channels, width = peaks.shape
    axis, legend = 16, 16
    image = np.empty((channels * lane_height + axis + legend, width, 3), dtype=np.uint8)
    image[:] = BACKGROUND
    level = np.clip((20 * np.log10(np.maximum(peaks, 1e-9)) - FLOOR_DB) / -FLOOR_DB, 0.0, 1.0)
    names = ["L", "R"] if channels == 2 else [str(c + 1) for c in range(channels)]
    for channel in range(channels):
        top = channel * lane_height
        centre = top + lane_height // 2
        image[centre, :] = (70, 70, 76)
        half = (level[channel] * (lane_height // 2 - 2)).round().astype(int)
        for x in np.flatnonzero(half):
            image[centre - half[x] : centre + half[x] + 1, x] = (120, 190, 255)
        _put_text(image, names[channel], 3, top + 13, TEXT)
    lanes = channels * lane_height
    image[lanes, :] = (90, 90, 96)
    kinds: list[str] = []
    for event in events:
        sample = int(event.get("sample", -1))  # type: ignore[call-overload]
        if not 0 <= sample < max(1, length_samples):
            continue
        kind = str(event.get("kind", ""))
        x = min(width - 1, sample * width // max(1, length_samples))
        image[:lanes, x : x + 2] = EVENT_COLOURS.get(kind, OTHER_EVENT_COLOUR)  # 2 px: visible at the edges too
        if kind not in kinds:
            kinds.append(kind)
    seconds = length_samples / sample_rate if sample_rate else 0.0
    step = next((s for s in (0.5, 1, 2, 5, 10, 30, 60, 300) if seconds / s <= 12), 600)
    tick = 0.0
    while tick <= seconds:
        x = min(width - 1, int(tick * sample_rate * width / max(1, length_samples)))
        image[lanes : lanes + 4, x] = TEXT
        _put_text(image, f"{tick:g}s", min(x + 2, width - 24), lanes + 13, TEXT, 0.33)
        tick += step
    for number, sample in frame_marks or []:
        if 0 <= sample < length_samples:
            x = sample * width // length_samples
            image[:lanes:3, x] = (160, 160, 160)
            _put_text(image, f"#{number}", min(x + 1, width - 24), lanes - 3, (190, 190, 190), 0.3)
    x = 4
    for kind in kinds:
        colour = EVENT_COLOURS.get(kind, OTHER_EVENT_COLOUR)
        top = lanes + axis
        cv2.rectangle(image, (x, top + 4), (x + 10, top + 12), colour, cv2.FILLED)
        _put_text(image, kind, x + 14, top + 12, TEXT, 0.33)
        x += 24 + cv2.getTextSize(_ascii(kind), FONT, 0.33, 1)[0][0]
    if not kinds:
        _put_text(image, "no events", 4, lanes + axis + 12, (150, 150, 150), 0.33)
    return image
