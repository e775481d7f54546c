"""User-supplied ONNX detectors (YOLO family, YOLOX, RT-DETR, NanoDet-Plus) as analysis detectors.

Each export wants the picture its own way and gives its answer in its own layout
(`onnx_layouts` tells them apart). The picture:

- ultralytics YOLO (`yolov8`, `yolov5`, `yolo-nms`): letterboxed *centred*, padded with grey 114,
  RGB / 255; a model of fixed input size gets exactly that size, a dynamic one the frame with its
  longer side at the chosen size and the sides rounded up to 32.
- YOLOX (`yolox`, `yolox-raw`): letterboxed at the *top-left*, padded with 114, BGR 0..255.
- RT-DETR (`rtdetr`): *stretched* to the input (ultralytics' scale-fill), RGB / 255; its boxes are
  fractions of the input, so of the frame.
- NanoDet-Plus (`nanodet-plus`): stretched, BGR, (pixel - mean) / std as the shipped NanoDet.

The answer becomes boxes in input pixels, one class per box (the best), kept at a minimum score;
the dense heads (every format but `rtdetr` and `yolo-nms`, which give a final set) go through
per-class NMS; the boxes go back through the placement to the frame. Class ids are COCO's 80.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from foley_assistant.core.tracks import DetectorRecord
from foley_assistant.vision.motion import Detection
from foley_assistant.vision.perception import nanodet, shipped
from foley_assistant.vision.perception.onnx_layouts import COCO_CLASSES, DEFAULT_INPUT_SIZE, NANODET_PLUS_STRIDES, YOLO_STRIDES, ModelLayout, grid_points, identify, nanodet_plus_cells
from foley_assistant.vision.perception.placement import Placement, detections_in_frame, letterbox, per_class_nms, stretch
from foley_assistant.vision.perception.shipped import ModelUnavailable

YOLO_PAD = (114, 114, 114)
#: Formats whose output is already a final set (no NMS).
SET_FORMATS = ("rtdetr", "yolo-nms")
DYNAMIC_MULTIPLE = 32


@dataclass(frozen=True)
class Candidates:
    """Boxes (N, 4) x0, y0, x1, y1 in input pixels, their scores (N,) and class ids (N,)."""

    boxes: np.ndarray
    scores: np.ndarray
    classes: np.ndarray


def _best_class(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    classes = scores.argmax(axis=1)
    return scores[np.arange(len(scores)), classes], classes


def _corners(cxcywh: np.ndarray) -> np.ndarray:
    half = cxcywh[:, 2:4] / 2
    return np.concatenate([cxcywh[:, :2] - half, cxcywh[:, :2] + half], axis=1)


def decode_yolov8(output: np.ndarray, height: int, width: int) -> Candidates:
    """ultralytics YOLOv8 / YOLO11: (4+80, N), rows cx, cy, w, h then 80 class scores."""
    rows = output.reshape(4 + COCO_CLASSES, -1).T
    scores, classes = _best_class(rows[:, 4:])
    return Candidates(_corners(rows[:, :4]), scores, classes)


def decode_objectness(output: np.ndarray, height: int, width: int) -> Candidates:
    """YOLOv5 and decoded YOLOX: (N, 5+80) rows cx, cy, w, h, objectness, 80 class scores;
    a box's score is objectness times its best class score."""
    rows = output.reshape(-1, 5 + COCO_CLASSES)
    scores, classes = _best_class(rows[:, 5:])
    return Candidates(_corners(rows[:, :4]), rows[:, 4] * scores, classes)


def decode_yolox_raw(output: np.ndarray, height: int, width: int) -> Candidates:
    """YOLOX's raw head: per cell of the stride 8, 16, 32 grids, x and y offsets from the cell's
    corner and log width and height, in strides; then as `decode_objectness`."""
    rows = output.reshape(-1, 5 + COCO_CLASSES).astype(np.float64)
    points, strides = grid_points(height, width, YOLO_STRIDES)
    if len(rows) != len(points):
        raise ModelUnavailable(f"the YOLOX output has {len(rows)} rows; a {width}x{height} input has {len(points)} grid cells. Re-export the model at a size divisible by 32.")
    rows[:, :2] = (rows[:, :2] + points) * strides[:, None]
    rows[:, 2:4] = np.exp(np.minimum(rows[:, 2:4], 20.0)) * strides[:, None]
    return decode_objectness(rows, height, width)


def decode_yolo_nms(output: np.ndarray, height: int, width: int) -> Candidates:
    """End-to-end YOLO (YOLOv10, YOLO26, exports with NMS): (K, 6) rows x0, y0, x1, y1, score, class."""
    rows = output.reshape(-1, 6)
    return Candidates(rows[:, :4], rows[:, 4], rows[:, 5].astype(np.int64))


def decode_rtdetr(output: np.ndarray, height: int, width: int) -> Candidates:
    """ultralytics RT-DETR: (Q, 4+80) rows cx, cy, w, h as fractions of the input, 80 class scores."""
    rows = output.reshape(-1, 4 + COCO_CLASSES).astype(np.float64)
    scores, classes = _best_class(rows[:, 4:])
    return Candidates(_corners(rows[:, :4]) * [width, height, width, height], scores, classes)


def decode_nanodet_plus(output: np.ndarray, height: int, width: int, bins: int) -> Candidates:
    """NanoDet-Plus: per cell of the stride 8, 16, 32, 64 grids (rounded up; the cell's point is
    its corner), 80 class scores then 4 sides x `bins` distance logits (as the shipped NanoDet's)."""
    rows = output.reshape(-1, COCO_CLASSES + 4 * bins)
    if len(rows) != nanodet_plus_cells(height, width):
        raise ModelUnavailable(f"the NanoDet-Plus output has {len(rows)} rows; a {width}x{height} input has {nanodet_plus_cells(height, width)} grid cells.")
    points, strides = grid_points(height, width, NANODET_PLUS_STRIDES, ceil=True)
    distances = np.concatenate([nanodet.side_distances(rows[strides == s, COCO_CLASSES:], int(s), bins) for s in NANODET_PLUS_STRIDES])
    corners = points * strides[:, None]
    scores, classes = _best_class(rows[:, :COCO_CLASSES])
    return Candidates(np.concatenate([corners - distances[:, :2], corners + distances[:, 2:]], axis=1), scores, classes)


DECODERS: dict[str, Callable[[np.ndarray, int, int], Candidates]] = {
    "yolov8": decode_yolov8,
    "yolov5": decode_objectness,
    "yolox": decode_objectness,
    "yolox-raw": decode_yolox_raw,
    "yolo-nms": decode_yolo_nms,
    "rtdetr": decode_rtdetr,
}


def model_picture(frame: np.ndarray, layout: ModelLayout) -> tuple[np.ndarray, Placement]:
    """The RGB uint8 `frame` as the layout's input tensor (1, 3, H, W), and how it was placed."""
    fixed = (layout.height, layout.width) if layout.fixed else None
    size = max(layout.height, layout.width)
    if layout.format in ("rtdetr", "nanodet-plus"):
        canvas, placement = stretch(frame, layout.width, layout.height)
    else:
        centred = not layout.format.startswith("yolox")
        canvas, placement = letterbox(frame, size, DYNAMIC_MULTIPLE, YOLO_PAD, centred=centred, canvas_hw=fixed)
    if layout.format == "nanodet-plus":
        tensor = nanodet.model_input(canvas)
    elif layout.format.startswith("yolox"):
        tensor = canvas[..., ::-1].astype(np.float32).transpose(2, 0, 1)[None]
    else:
        tensor = (canvas.astype(np.float32) / 255.0).transpose(2, 0, 1)[None]
    return np.ascontiguousarray(tensor, dtype=layout.dtype), placement


def decode(layout: ModelLayout, output: np.ndarray, height: int, width: int, min_score: float, nms_iou: float, max_detections: int) -> Candidates:
    """The layout's `output` on a `height` x `width` input as candidates of at least `min_score`,
    after per-class NMS for dense heads, best first, at most `max_detections`."""
    output = np.asarray(output, dtype=np.float64)[0]
    if layout.format == "nanodet-plus":
        found = decode_nanodet_plus(output, height, width, layout.bins)
    else:
        found = DECODERS[layout.format](output, height, width)
    keep = np.nonzero((found.scores >= min_score) & (found.classes >= 0) & (found.classes < COCO_CLASSES))[0]
    boxes, scores, classes = found.boxes[keep], found.scores[keep], found.classes[keep].astype(np.int64)
    if layout.format in SET_FORMATS:
        order = np.argsort(-scores, kind="stable")[:max_detections]
    else:
        order = per_class_nms(boxes, scores, classes, nms_iou, max_detections)
    return Candidates(boxes[order].astype(np.float32), scores[order].astype(np.float32), classes[order])


class OnnxDetector:
    """A user's ONNX detector on onnxruntime's CPU: `detect(frames)` gives each frame's COCO
    objects, best first, boxes normalised to the frame. `record` says which model it is."""

    def __init__(self, session: Any, layout: ModelLayout, classes: list[str], record: DetectorRecord, min_score: float = 0.3, nms_iou: float = 0.6, max_detections: int = 100) -> None:
        if not 0.0 < min_score <= 1.0:
            raise ValueError(f"min_score must be in (0, 1], got {min_score}")
        if len(classes) != COCO_CLASSES:
            raise ValueError(f"expected the {COCO_CLASSES} COCO class names, got {len(classes)}")
        self.session = session
        self.layout = layout
        self.classes = list(classes)
        self.record = record
        self.min_score = min_score
        self.nms_iou = nms_iou
        self.max_detections = max_detections

    def detect_one(self, frame: np.ndarray) -> list[Detection]:
        """The objects found in one RGB uint8 frame, best first; boxes normalised to the frame."""
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 frame (H, W, 3), got {frame.dtype} {frame.shape}")
        tensor, placement = model_picture(frame, self.layout)
        (output,) = self.session.run([self.layout.output_name], {self.layout.input_name: tensor})
        found = decode(self.layout, output, tensor.shape[2], tensor.shape[3], self.min_score, self.nms_iou, self.max_detections)
        return detections_in_frame(found.boxes, found.scores, found.classes, self.classes, placement)

    def detect(self, frames: list[np.ndarray]) -> list[list[Detection]]:
        """`detect_one` of each frame."""
        return [self.detect_one(frame) for frame in frames]


def coco_classes() -> list[str]:
    """The 80 COCO class names in the order of their ids (from the shipped NanoDet's manifest)."""
    return list(shipped.manifest(nanodet.MODEL).details["classes"])


def open_detector(path: str | Path, name: str, sha256: str, wanted: str = "auto", input_size: int = DEFAULT_INPUT_SIZE, threads: int = 1, min_score: float = 0.3) -> OnnxDetector:
    """The ONNX detector in the file at `path` (format `wanted`, or found from its shapes; see
    `onnx_layouts.identify`), on at most `threads` CPU threads; the tracks record it as `name`
    with the file's `sha256` (which the caller has checked)."""
    session = shipped.open_session(Path(path), threads)
    layout = identify(session, wanted, input_size)
    return OnnxDetector(session, layout, coco_classes(), DetectorRecord(name, layout.format, sha256), min_score)
