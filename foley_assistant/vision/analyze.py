"""From decoded frames to object tracks: detect moving blobs, track them, label them, range them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

import numpy as np

from foley_assistant.core.timebase import FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, TrackedFrame, quantized, renumber_objects
from foley_assistant.vision.distance import distances_from_boxes
from foley_assistant.vision.labels import label_from_shape
from foley_assistant.vision.motion import MotionSettings, detect_chunk
from foley_assistant.vision.tracker import MultiObjectTracker, TrackedBoxes, TrackerSettings


@dataclass(frozen=True)
class AnalysisSettings:
    """Everything analysis can be tuned by; the defaults suit 320-pixel-wide analysis frames."""

    hfov_deg: float = 60.0
    chunk_s: float = 8.0
    motion: MotionSettings = field(default_factory=MotionSettings)
    tracker: TrackerSettings = field(default_factory=TrackerSettings)


def track_objects(
    frames: Iterable[tuple[int, np.ndarray]],
    rate: FrameRate,
    source_width: int,
    source_height: int,
    settings: AnalysisSettings | None = None,
) -> tuple[ObjectTrack, ...]:
    """Moving objects in a run of RGB frames given as (media frame index, array) pairs.

    `source_width/height` are the media's pixel size (distance uses the real aspect and the
    camera's field of view). Returns tracks with ids O1, O2... in order of appearance.
    """
    settings = settings or AnalysisSettings()
    tracker = MultiObjectTracker(float(rate), settings.tracker)
    chunk_length = max(8, int(round(settings.chunk_s * float(rate))))
    indices: list[int] = []
    images: list[np.ndarray] = []
    for index, image in frames:
        indices.append(index)
        images.append(image)
        if len(images) == chunk_length:
            _feed(tracker, indices, images, settings)
            indices, images = [], []
    if images:
        _feed(tracker, indices, images, settings)
    tracked = tracker.finish()
    return renumber_objects(_to_object(t, source_width, source_height, settings) for t in tracked)


def _feed(tracker: MultiObjectTracker, indices: list[int], images: list[np.ndarray], settings: AnalysisSettings) -> None:
    for index, detections in zip(indices, detect_chunk(images, settings.motion)):
        tracker.step(index, detections)


def _to_object(tracked: TrackedBoxes, width: int, height: int, settings: AnalysisSettings) -> ObjectTrack:
    label = label_from_shape(tracked.boxes[tracked.observed], width, height)
    distances = distances_from_boxes(tracked.boxes, label, width, height, settings.hfov_deg)
    confidence = float(np.clip(tracked.mean_fill, 0.05, 1.0))
    frames = []
    for frame, box, observed, distance in zip(tracked.frames, tracked.boxes, tracked.observed, distances):
        x0, y0, x1, y1 = (float(v) for v in box)
        frames.append(
            quantized(
                TrackedFrame(
                    frame=int(frame),
                    box=Box(x0, y0, max(x0, x1), max(y0, y1)),
                    confidence=confidence if observed else confidence * 0.5,
                    distance_m=float(distance),
                )
            )
        )
    return ObjectTrack(id="O0", label=label, source="tracker", frames=tuple(frames))
