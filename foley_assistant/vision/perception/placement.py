"""How a frame is put into a detector's input, how boxes come back out, and per-class NMS.

Detectors take a fixed-size (or multiple-of-stride) picture. A *letterbox* scales the frame with
its aspect kept and pads the rest with one colour, the frame at the top-left corner (NanoDet,
YOLOX) or centred (the ultralytics YOLO models); a *stretch* scales each axis to the input's
size (RT-DETR, NanoDet-Plus). `Placement` records either, so that boxes in input pixels map back
to the frame exactly, whatever the model.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from foley_assistant.core.tracks import Box
from foley_assistant.vision.motion import Detection


@dataclass(frozen=True)
class Placement:
    """How a frame (`width` x `height` pixels) was placed in a model's input: scaled by
    `scale_x` and `scale_y`, then shifted right by `left` and down by `top` pixels."""

    scale_x: float
    scale_y: float
    left: int
    top: int
    width: int
    height: int

    @property
    def scale(self) -> float:
        """The letterbox's one scale (both axes); for a stretch, the horizontal one."""
        return self.scale_x

    def to_frame(self, boxes: np.ndarray) -> np.ndarray:
        """(N, 4) boxes x0, y0, x1, y1 in input pixels as normalised frame coordinates, unclipped."""
        boxes = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
        xs = (boxes[:, [0, 2]] - self.left) / self.scale_x / self.width
        ys = (boxes[:, [1, 3]] - self.top) / self.scale_y / self.height
        return np.stack([xs[:, 0], ys[:, 0], xs[:, 1], ys[:, 1]], axis=1)


def _resized(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    shrinking = width * height < frame.shape[0] * frame.shape[1]
    return cv2.resize(np.ascontiguousarray(frame), (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def letterbox(frame: np.ndarray, size: int, multiple: int, pad: tuple[int, int, int], centred: bool = False, canvas_hw: tuple[int, int] | None = None) -> tuple[np.ndarray, Placement]:
    """The RGB `frame` scaled with its aspect kept and padded with the RGB colour `pad`, at the
    top-left corner or `centred` (an odd padding puts the extra pixel right and below, as
    ultralytics does). Into a fixed `canvas_hw` (height, width) when given, as large as fits;
    otherwise with its longer side `size`, in a canvas whose sides are the scaled sides rounded
    up to `multiple` (`multiple=size`: the `size` square)."""
    height, width = frame.shape[:2]
    scale = size / max(height, width) if canvas_hw is None else min(canvas_hw[0] / height, canvas_hw[1] / width)
    new_w, new_h = max(1, round(width * scale)), max(1, round(height * scale))
    canvas_h, canvas_w = canvas_hw if canvas_hw is not None else (-(-new_h // multiple) * multiple, -(-new_w // multiple) * multiple)
    left, top = ((canvas_w - new_w) // 2, (canvas_h - new_h) // 2) if centred else (0, 0)
    canvas = np.empty((canvas_h, canvas_w, 3), dtype=np.uint8)
    canvas[:] = np.asarray(pad, dtype=np.uint8)
    canvas[top : top + new_h, left : left + new_w] = _resized(frame, new_w, new_h)
    return canvas, Placement(scale, scale, left, top, width, height)


def stretch(frame: np.ndarray, width: int, height: int) -> tuple[np.ndarray, Placement]:
    """The RGB `frame` resized to exactly `width` x `height` (each axis scaled on its own)."""
    frame_h, frame_w = frame.shape[:2]
    return _resized(frame, width, height), Placement(width / frame_w, height / frame_h, 0, 0, frame_w, frame_h)


def per_class_nms(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, iou: float, max_detections: int) -> np.ndarray:
    """Indices of the candidates kept by per-class non-maximum suppression at `iou` (boxes
    (N, 4) x0, y0, x1, y1), best score first, at most `max_detections`."""
    if len(boxes) == 0:
        return np.zeros(0, dtype=np.int64)
    boxes = np.asarray(boxes, dtype=np.float32)
    xywh = np.concatenate([boxes[:, :2], boxes[:, 2:] - boxes[:, :2]], axis=1)
    kept = cv2.dnn.NMSBoxesBatched(xywh.tolist(), np.asarray(scores, np.float32).tolist(), np.asarray(classes).tolist(), 0.0, float(iou))
    kept = np.asarray(kept, dtype=np.int64).reshape(-1)
    return kept[np.argsort(-np.asarray(scores)[kept], kind="stable")][:max_detections]


def detections_in_frame(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, names: list[str], placement: Placement) -> list[Detection]:
    """Candidates in input pixels as labelled detections, boxes mapped back through `placement`,
    normalised and clipped to the frame; a box squeezed under a pixel against the edge is dropped."""
    detections = []
    for (x0, y0, x1, y1), score, cls in zip(placement.to_frame(boxes), scores, classes, strict=True):
        box = Box(float(x0), float(y0), float(x1), float(y1)).clipped()
        if box.width * placement.width < 1 or box.height * placement.height < 1:
            continue
        detections.append(Detection(box=box, fill=float(score), label=names[int(cls)], score=float(score)))
    return detections
