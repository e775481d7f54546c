"""Pass-bys: something that sweeps across the lens in a few frames (a car passing close).

A thing that passes close to the camera covers most of the picture for a frame or two, blurred,
and is gone: the camera-motion estimate loses the frame (the background it follows is hidden),
the motion detector finds no foreground on a frame it cannot register, and a detector sampled
every few frames sees it once, if at all, under whatever class a smear of colour resembles. Yet
it is the loudest moment of the shot.

Such an episode is recognised from the picture itself, frame by frame as the sub-shot streams:

- a short run of frames whose motion from the previous one is unknown (camera-motion breaks;
  flash frames are not part of it), at most `PassBySettings.max_covered_s` long;
- after which the picture returns: the last clean frame before the run (the one before the frame
  the thing entered on) and the first clear frame after it register with one plausible camera
  step (a whip pan or a cut does not return);
- and something covers part of the picture, travelling across it: on the run's frames and the
  clear frame on either side, the largest connected region that differs from the clean picture
  before the episode fills at least `min_cover` of the frame at its widest, and its centre
  travels at least
  `min_travel` of the frame's width or height (a flicker or a flash lights the whole frame on
  every frame and travels nowhere).

Each episode becomes one object (`claim_pass_bys`): it takes the detector's looks on its frames
that lie on the covering region (and belong to no object seen well outside the episode), and its
label is voted from them like any track's; its boxes are the covering region's, frame by frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import cv2
import numpy as np

from foley_assistant.vision.boxes import area, intersection, iou
from foley_assistant.vision.camera_motion import step_homography
from foley_assistant.vision.detector_tracks import DetectorTrack
from foley_assistant.vision.fusion import FusedObject
from foley_assistant.vision.labels import LabelVote, coco_labels, vote_label
from foley_assistant.vision.motion import Detection

Samples = list[tuple[int, list[Detection]]]
#: A look this much on a look of an object seen outside the episode is that object's.
OWNED_IOU = 0.5


@dataclass(frozen=True)
class PassBySettings:
    """What makes a pass-by; shares are of the frame's area, width or height."""

    max_covered_s: float = 0.4
    min_cover: float = 0.3
    min_travel: float = 0.25
    min_region: float = 0.02
    difference: float = 30.0
    own_outside_looks: int = 3
    claim_iou: float = 0.3
    claim_inside: float = 0.6


@dataclass(frozen=True)
class PassBy:
    """One episode: its frames (the clear frame before the covered run, the run, and the clear
    frame after it, where the covering region shows) and, per frame, the region's normalized box."""

    frames: np.ndarray
    boxes: np.ndarray

    @property
    def first(self) -> int:
        """The episode's first frame."""
        return int(self.frames[0])

    @property
    def last(self) -> int:
        """The episode's last frame."""
        return int(self.frames[-1])

    def box_at(self, frame: int) -> np.ndarray | None:
        """The covering region's box on `frame`, if it shows there."""
        hits = np.flatnonzero(self.frames == frame)
        return self.boxes[int(hits[0])] if len(hits) else None


@dataclass
class PassByFinder:
    """Watches a sub-shot's frames in order (`observe`) and collects its pass-bys (`found`)."""

    fps: float
    settings: PassBySettings = field(default_factory=PassBySettings)
    found: list[PassBy] = field(default_factory=list)
    _clean: tuple[int, np.ndarray] | None = None  # the last clear frame before the current one
    _previous: tuple[int, np.ndarray] | None = None
    _run: list[tuple[int, np.ndarray]] = field(default_factory=list)
    _before: tuple[int, np.ndarray] | None = None
    _reference: tuple[int, np.ndarray] | None = None
    _spoiled: bool = False

    def observe(self, index: int, image: np.ndarray, broken: bool) -> None:
        """Take in one RGB frame; `broken` says the camera's motion from the previous frame is
        unknown (a flash frame should be given as not broken: it is not something passing)."""
        small = _small(image)
        limit = max(1, int(round(self.settings.max_covered_s * self.fps)))
        if broken and self._previous is not None:
            if not self._run and not self._spoiled:
                self._before, self._reference = self._previous, self._clean or self._previous
            if not self._spoiled:
                self._run.append((index, small))
            if len(self._run) > limit:
                # Covered too long: a whip pan or a blur, not something passing; wait for a clear frame.
                self._run, self._before, self._reference, self._spoiled = [], None, None, True
        elif self._run:
            self._close((index, small))
            self._clean = None
        else:
            self._clean = None if self._spoiled else self._previous
            self._spoiled = False
        self._previous = (index, small)

    def _close(self, after: tuple[int, np.ndarray]) -> None:
        run, before, reference = self._run, self._before, self._reference
        self._run, self._before, self._reference = [], None, None
        if before is None or reference is None:
            return
        back = step_homography(_gray(reference[1]), _gray(after[1]))
        if back is None:
            return  # the picture after is not the clean picture before: a whip pan, a cut, an effect
        frames = [before, *run, after]
        regions = []
        for k, (index, small) in enumerate(frames):
            # The camera may drift a little over the episode: each frame is carried onto the clean
            # picture by its share of the step from the clean frame to the frame after.
            share = (k + 1) / len(frames)
            regions.append((index, _covering_regions(reference[1], _warped(small, np.eye(3) + share * (back - np.eye(3))), self.settings)))
        chosen = _follow(regions)
        if chosen is None:
            return
        frames_shown, boxes, widest = chosen
        centres = np.column_stack([(boxes[:, 0] + boxes[:, 2]) / 2, (boxes[:, 1] + boxes[:, 3]) / 2])
        travel = float(np.max(centres.max(axis=0) - centres.min(axis=0)))
        if widest >= self.settings.min_cover and travel >= self.settings.min_travel:
            self.found.append(PassBy(frames_shown, boxes))


def _follow(regions: list[tuple[int, list[tuple[np.ndarray, float]]]]) -> tuple[np.ndarray, np.ndarray, float] | None:
    """The passing thing through an episode's frames: from the first frame that shows a region,
    its largest; then, frame by frame, the region that overlaps the last one most (none that
    does not overlap it: the thing has gone, what is left is dust, or a neighbour that moved),
    ending where its centre turns back against the sweep. Returns the frames, the boxes and the
    largest share of the picture it filled."""
    frames: list[int] = []
    boxes: list[np.ndarray] = []
    widest = 0.0
    for index, found in regions:
        if not boxes:
            if found:
                box, share = max(found, key=lambda item: item[1])
                frames.append(index)
                boxes.append(box)
                widest = share
            continue
        overlapping = [(iou(box, boxes[-1]), box, share) for box, share in found if intersection(box, boxes[-1]) > 0]
        if not overlapping:
            break
        _, box, share = max(overlapping, key=lambda item: item[0])
        if len(boxes) >= 2 and _turns_back(boxes[0], boxes[-1], box):
            break
        frames.append(index)
        boxes.append(box)
        widest = max(widest, share)
    if not boxes:
        return None
    return np.array(frames), np.array(boxes), widest


def _turns_back(first: np.ndarray, last: np.ndarray, new: np.ndarray, slack: float = 0.05) -> bool:
    """Whether `new` moves against the way the boxes went from `first` to `last`, along the axis
    they travelled most on (by more than `slack` of the frame)."""
    start, end, then = (np.array([(b[0] + b[2]) / 2, (b[1] + b[3]) / 2]) for b in (first, last, new))
    axis = int(np.argmax(np.abs(end - start)))
    way = np.sign(end[axis] - start[axis])
    return bool(way != 0 and way * (then[axis] - end[axis]) < -slack)


def _warped(image: np.ndarray, homography: np.ndarray) -> np.ndarray:
    if np.allclose(homography, np.eye(3)):
        return image
    height, width = image.shape[:2]
    return cv2.warpPerspective(image, homography, (width, height), borderMode=cv2.BORDER_REPLICATE)


def _small(image: np.ndarray) -> np.ndarray:
    """The frame at no more than 160 pixels wide (enough to outline something covering a share of it)."""
    height, width = image.shape[:2]
    if width <= 160:
        return image
    return cv2.resize(image, (160, max(1, int(round(height * 160 / width)))), interpolation=cv2.INTER_AREA)


def _gray(image: np.ndarray) -> np.ndarray:
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def _covering_regions(reference: np.ndarray, frame: np.ndarray, settings: PassBySettings) -> list[tuple[np.ndarray, float]]:
    """The connected regions where `frame` differs from the clean `reference` (largest
    difference over the colour channels, after a blur) that fill at least `min_region` of the
    frame: each region's normalized box and the share of the frame it fills (a camera that shook
    leaves thin edges, which fill little)."""
    a = cv2.GaussianBlur(reference, (5, 5), 0).astype(np.int16)
    b = cv2.GaussianBlur(frame, (5, 5), 0).astype(np.int16)
    difference = np.abs(a - b)
    if difference.ndim == 3:
        difference = difference.max(axis=2)
    mask = (difference > settings.difference).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    height, width = mask.shape
    found = []
    for x, y, w, h, pixels in stats[1:count]:
        share = int(pixels) / float(width * height)
        if share >= settings.min_region:
            found.append((np.array([x / width, y / height, (x + w) / width, (y + h) / height], dtype=np.float64), share))
    return _merged(found)


def _merged(regions: list[tuple[np.ndarray, float]]) -> list[tuple[np.ndarray, float]]:
    """Regions whose boxes overlap joined into one (a car's body and its bonnet, split by a
    windscreen that looks like the sky behind), their shares added."""
    regions = list(regions)
    joined = True
    while joined:
        joined = False
        for i in range(len(regions)):
            for j in range(i + 1, len(regions)):
                if intersection(regions[i][0], regions[j][0]) > 0:
                    (a, sa), (b, sb) = regions[i], regions[j]
                    regions[i] = (np.concatenate([np.minimum(a[:2], b[:2]), np.maximum(a[2:], b[2:])]), sa + sb)
                    del regions[j]
                    joined = True
                    break
            if joined:
                break
    return regions


@dataclass(frozen=True)
class PassByObject:
    """A pass-by with the detector's looks it took and the label they vote for."""

    passing: PassBy
    looks: list[tuple[str, float]]
    vote: LabelVote

    def as_fused(self) -> FusedObject:
        """The pass-by as one of the sub-shot's objects, named by its looks' vote or `unknown`,
        its confidence its best look's score. A mover (it crossed the picture) when the detector
        saw something that sounds on it at least once; else a candidate for the editor: a blur
        of the whole picture that no look names (a shaken camera) is not worth a stem unasked."""
        best = max((score for _, score in self.looks), default=0.0)
        frames = self.passing.frames
        mover = bool(self.looks)
        why = self.evidence() + ("" if mover else ": a candidate")
        return FusedObject(frames, self.passing.boxes, np.ones(len(frames), dtype=bool), self.vote.label, "detector", mover, round(float(best), 4), why, self.vote)

    def evidence(self) -> str:
        """One line for the report: why this is an object and why it has its label."""
        return (
            f"passes close to the lens: frames {self.passing.first}-{self.passing.last}, the camera loses the picture "
            f"and finds it again; {len(self.looks)} detector looks on it; {self.vote.describe()}"
        )


def claim_pass_bys(
    passes: list[PassBy],
    samples: Samples,
    linked: list[DetectorTrack],
    settings: PassBySettings | None = None,
    vote: Callable[..., LabelVote] = vote_label,
) -> tuple[list[PassByObject], Samples]:
    """Each pass-by with the detector's looks that are of it, and the samples less those looks.

    A look is of the pass-by when it lies on the covering region of its frame (IoU at least
    `claim_iou`, or `claim_inside` of the look inside the region), whatever its class (a smear
    is named a person, a laptop, an airplane), unless it belongs to a track of the first linking
    (`linked`) seen at least `own_outside_looks` times outside the episode (the llama the car
    passes in front of)."""
    settings = settings or PassBySettings()
    labels = coco_labels()
    claimed: set[tuple[int, int]] = set()
    made: list[PassByObject] = []
    for passing in passes:
        owned = _owned_looks(linked, passing, settings.own_outside_looks)
        looks: list[tuple[str, float]] = []
        for frame, detections in samples:
            region = passing.box_at(frame)
            if region is None:
                continue
            for k, detection in enumerate(detections):
                box = np.array(detection.box.as_list())
                if (frame, k) in claimed or any(iou(box, mine) >= OWNED_IOU for mine in owned.get(frame, [])):
                    continue  # the object's own look, or another class's box on it (folded when linked)
                inside = intersection(box, region) >= settings.claim_inside * max(area(box), 1e-9)
                if iou(box, region) >= settings.claim_iou or inside:
                    claimed.add((frame, k))
                    if labels.sounds(detection.label or ""):
                        looks.append((detection.label or "", float(detection.score)))
        # No density of evidence per look is asked: on the covered frames the thing is a smear the
        # detector is not expected to name; the looks it does name must still agree.
        made.append(PassByObject(passing, looks, vote(looks)))
    remaining = [(frame, [d for k, d in enumerate(detections) if (frame, k) not in claimed]) for frame, detections in samples]
    return made, remaining


def _owned_looks(linked: list[DetectorTrack], passing: PassBy, outside: int) -> dict[int, list[np.ndarray]]:
    """Per frame inside the episode, the boxes of the looks that belong to tracks seen `outside`
    times or more outside it."""
    owned: dict[int, list[np.ndarray]] = {}
    for track in linked:
        away = sum(not passing.first <= f <= passing.last for f in track.frames)
        if away >= outside:
            for f, b in zip(track.frames, track.boxes):
                if passing.first <= f <= passing.last:
                    owned.setdefault(int(f), []).append(np.asarray(b))
    return owned
