"""NanoDet-g, the shipped COCO object detector: frames in, labelled boxes out.

The model (`resources/perception/nanodet_g.onnx`, Apache-2.0) takes any input height and width
that are multiples of 32. The frame is scaled so that its longer side is 416 (aspect kept) and
placed top-left in the smallest multiple-of-32 rectangle that holds it, padded with the mean
colour (a 16:9 frame: 416x256, not the 416x416 square, which is 40 % padding), in BGR normalised
by NanoDet's mean and std. For each of its three grids (strides 8, 16, 32; H/stride rows of
W/stride cells, row-major) it gives per cell 80 class scores (already sigmoid) and, per box side
(left, top, right, bottom), a distribution over 11 distance bins: the softmax's expected bin
times the stride is the side's distance from the cell centre. Candidates over a minimum score go
through per-class non-maximum suppression and are mapped back to the frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from foley_assistant.core.tracks import DetectorRecord
from foley_assistant.vision.motion import Detection
from foley_assistant.vision.perception import shipped
from foley_assistant.vision.perception.placement import Placement, detections_in_frame, per_class_nms
from foley_assistant.vision.perception.placement import letterbox as place_letterbox

MODEL = "nanodet_g"
#: The same network with its convolutions in 8 bits (packaging/perception/quantize_models.py):
#: about 2.5x faster on a CPU, scores within about 0.03 of the float model's. The default; the
#: float model is `--detector nanodet-float`.
MODEL_INT8 = "nanodet_g_int8"
INPUT_SIZE = 416  # the frame's longer side in the model's input
STRIDES = (8, 16, 32)
GRID_MULTIPLE = 32  # input sides must be multiples of the largest stride
BINS = 11  # reg_max 10: distances 0..10 strides
MEAN_BGR = np.array([103.53, 116.28, 123.675], dtype=np.float32)
STD_BGR = np.array([57.375, 57.12, 58.395], dtype=np.float32)


@dataclass(frozen=True)
class RawDetections:
    """Decoded candidates in model-input pixels: boxes (N, 4) as x0, y0, x1, y1; scores (N,);
    class indices (N,)."""

    boxes: np.ndarray
    scores: np.ndarray
    classes: np.ndarray


def letterbox(frame: np.ndarray, size: int = INPUT_SIZE, multiple: int = GRID_MULTIPLE) -> tuple[np.ndarray, Placement]:
    """The RGB `frame` scaled so that its longer side is `size` (aspect kept), placed top-left in
    a canvas whose sides are the scaled sides rounded up to `multiple` (`multiple=size`: the
    `size` square), padded with NanoDet's mean colour; and the placement, to map boxes back."""
    return place_letterbox(frame, size, multiple, pad=tuple(int(v) for v in np.round(MEAN_BGR[::-1])))


def model_input(canvas_rgb: np.ndarray) -> np.ndarray:
    """NanoDet's input tensor (1, 3, H, W) of an RGB letterbox canvas: BGR, (pixel - mean) / std."""
    bgr = canvas_rgb[..., ::-1].astype(np.float32)
    return ((bgr - MEAN_BGR) / STD_BGR).transpose(2, 0, 1)[None].copy()


def cell_centres(stride: int, height: int = INPUT_SIZE, width: int = INPUT_SIZE, offset: float = 0.5, rows: int | None = None, cols: int | None = None) -> np.ndarray:
    """(cells, 2) x, y centres of the grid of `stride` on a `height` x `width` input: `rows`
    (default height / stride) rows of `cols` (default width / stride) cells, row-major, in input
    pixels; a cell's point is `offset` strides into it (NanoDet-g: its centre; NanoDet-Plus: 0)."""
    rows = height // stride if rows is None else rows
    cols = width // stride if cols is None else cols
    row, col = np.divmod(np.arange(rows * cols), cols)
    return np.stack([(col + offset) * stride, (row + offset) * stride], axis=1).astype(np.float32)


def side_distances(raw: np.ndarray, stride: int, bins: int = BINS) -> np.ndarray:
    """(N, 4) distances (left, top, right, bottom) in input pixels of raw (N, 4 x `bins`) bin
    logits: per side, the softmax's expected bin times the stride."""
    logits = raw.reshape(-1, 4, bins).astype(np.float64)
    logits -= logits.max(axis=2, keepdims=True)
    weights = np.exp(logits)
    weights /= weights.sum(axis=2, keepdims=True)
    return (weights @ np.arange(bins, dtype=np.float64) * stride).astype(np.float32)


def decode(
    scores: Sequence[np.ndarray],
    boxes: Sequence[np.ndarray],
    min_score: float,
    nms_iou: float = 0.6,
    max_detections: int = 100,
    height: int = INPUT_SIZE,
    width: int = INPUT_SIZE,
) -> RawDetections:
    """Candidates of NanoDet's raw outputs on a `height` x `width` input (per stride of STRIDES:
    scores (cells, 80), boxes (cells, 44), cells = (height / stride) x (width / stride)
    row-major) with a class score >= `min_score`, after per-class NMS, best first; boxes clipped
    to the input."""
    all_boxes, all_scores, all_classes = [], [], []
    for stride, level_scores, level_boxes in zip(STRIDES, scores, boxes, strict=True):
        level_scores = level_scores.reshape(-1, level_scores.shape[-1])
        if len(level_scores) != (height // stride) * (width // stride):
            raise ValueError(f"{len(level_scores)} cells at stride {stride} do not fit a {height}x{width} input")
        cells, classes = np.nonzero(level_scores >= min_score)
        if cells.size == 0:
            continue
        keep = np.unique(cells)
        distances = side_distances(level_boxes.reshape(-1, 4 * BINS)[keep], stride)
        centres = cell_centres(stride, height, width)[keep]
        decoded = np.concatenate([centres - distances[:, :2], centres + distances[:, 2:]], axis=1)
        decoded = np.clip(decoded, 0.0, [float(width), float(height)] * 2)
        row_of = np.searchsorted(keep, cells)
        all_boxes.append(decoded[row_of])
        all_scores.append(level_scores[cells, classes])
        all_classes.append(classes)
    if not all_boxes:
        return RawDetections(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, np.int64))
    cand_boxes = np.concatenate(all_boxes).astype(np.float32)
    cand_scores = np.concatenate(all_scores).astype(np.float32)
    cand_classes = np.concatenate(all_classes).astype(np.int64)
    kept = per_class_nms(cand_boxes, cand_scores, cand_classes, nms_iou, max_detections)
    return RawDetections(cand_boxes[kept], cand_scores[kept], cand_classes[kept])


class NanoDet:
    """The shipped NanoDet-g detector on onnxruntime's CPU, `threads` threads at most; `record`
    names it (and its file's sha256) in the tracks.

    `min_score`: the lowest class score kept (0.3 keeps most real objects and some false
    classes, which the caller filters by motion and class groups). `int8`: the 8-bit model
    (the default, `--detector nanodet`), else the float one (`--detector nanodet-float`)."""

    def __init__(self, min_score: float = 0.3, nms_iou: float = 0.6, threads: int = 1, int8: bool = True) -> None:
        if not 0.0 < min_score <= 1.0:
            raise ValueError(f"min_score must be in (0, 1], got {min_score}")
        self.min_score = min_score
        self.nms_iou = nms_iou
        model = MODEL_INT8 if int8 else MODEL
        self.session = shipped.session(model, threads)
        info = shipped.manifest(model)
        self.classes: list[str] = list(info.details["classes"])
        self.record = DetectorRecord("nanodet" if int8 else "nanodet-float", "nanodet-g-int8" if int8 else "nanodet-g", info.sha256)
        self.output_names = [f"scores_s{s}" for s in STRIDES] + [f"boxes_s{s}" for s in STRIDES]

    def raw(self, frame: np.ndarray, multiple: int = GRID_MULTIPLE) -> tuple[RawDetections, Placement]:
        """The decoded candidates of one RGB frame in model-input pixels, and its letterbox (sides
        rounded up to `multiple`, a multiple of 32; INPUT_SIZE gives the old 416 square)."""
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 frame (H, W, 3), got {frame.dtype} {frame.shape}")
        canvas, placement = letterbox(frame, multiple=multiple)
        outputs = self.session.run(self.output_names, {"image": model_input(canvas)})
        height, width = canvas.shape[:2]
        found = decode([o[0] for o in outputs[:3]], [o[0] for o in outputs[3:]], self.min_score, self.nms_iou, height=height, width=width)
        return found, placement

    def detect_one(self, frame: np.ndarray) -> list[Detection]:
        """The objects found in one RGB uint8 frame, best first; boxes normalised to the frame."""
        return self.in_frame(*self.raw(frame))

    def in_frame(self, found: RawDetections, placement: Placement) -> list[Detection]:
        """Raw candidates as labelled detections, boxes mapped back and normalised to the frame."""
        return detections_in_frame(found.boxes, found.scores, found.classes, self.classes, placement)

    def detect(self, frames: list[np.ndarray]) -> list[list[Detection]]:
        """`detect_one` of each frame."""
        return [self.detect_one(frame) for frame in frames]
