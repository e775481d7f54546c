"""MoveNet Lightning, the shipped single-person pose model: 17 COCO keypoints inside a person box.

The model (`resources/perception/movenet_lightning.onnx`, Apache-2.0) sees a 192x192 int32 RGB
square. We give it a square crop centred on the person's box, its side the box's longer side plus
`pad` on each side (parts of the crop outside the frame are black), and map its keypoints, given
as (y, x, score) in the crop, back to the whole frame. Left and right can swap on side views.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from foley_assistant.core.tracks import Box
from foley_assistant.vision.perception import shipped

MODEL = "movenet_lightning"
INPUT_SIZE = 192

KEYPOINT_NAMES = (
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
)
NOSE = 0
LEFT_SHOULDER, RIGHT_SHOULDER = 5, 6
LEFT_WRIST, RIGHT_WRIST = 9, 10
LEFT_HIP, RIGHT_HIP = 11, 12
LEFT_KNEE, RIGHT_KNEE = 13, 14
LEFT_ANKLE, RIGHT_ANKLE = 15, 16


@dataclass(frozen=True)
class Crop:
    """A square crop of a frame, in frame pixels: its top-left corner and its side."""

    x0: float
    y0: float
    side: float


def square_crop(width: int, height: int, box: Box, pad: float) -> Crop:
    """The square around `box` (normalised) with `pad` of its longer side added on each side."""
    bw, bh = box.width * width, box.height * height
    side = max(bw, bh, 1.0) * (1.0 + 2.0 * pad)
    cx, cy = box.center_x * width, box.center_y * height
    return Crop(x0=cx - side / 2, y0=cy - side / 2, side=side)


def crop_pixels(frame: np.ndarray, crop: Crop, size: int = INPUT_SIZE) -> np.ndarray:
    """The `crop` of the RGB `frame` resized to size x size; outside the frame is black."""
    scale = size / crop.side
    if scale < 1:
        return _shrunk_crop(frame, crop, size)
    # output pixel u covers frame x = crop.x0 + (u + 0.5) / scale - 0.5 (pixel centres)
    shift_x = scale * (0.5 - crop.x0) - 0.5
    shift_y = scale * (0.5 - crop.y0) - 0.5
    matrix = np.array([[scale, 0.0, shift_x], [0.0, scale, shift_y]])
    return cv2.warpAffine(np.ascontiguousarray(frame), matrix, (size, size), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))


def _shrunk_crop(frame: np.ndarray, crop: Crop, size: int) -> np.ndarray:
    """`crop_pixels` for a crop larger than `size`: area-averaged, so fine detail does not alias."""
    height, width = frame.shape[:2]
    side = max(1, round(crop.side))
    x0, y0 = round(crop.x0), round(crop.y0)
    canvas = np.zeros((side, side, 3), dtype=np.uint8)
    fx0, fy0 = max(0, x0), max(0, y0)
    fx1, fy1 = min(width, x0 + side), min(height, y0 + side)
    if fx1 > fx0 and fy1 > fy0:
        canvas[fy0 - y0 : fy1 - y0, fx0 - x0 : fx1 - x0] = frame[fy0:fy1, fx0:fx1]
    return cv2.resize(canvas, (size, size), interpolation=cv2.INTER_AREA)


def to_frame(raw: np.ndarray, crop: Crop, width: int, height: int) -> np.ndarray:
    """(17, 3) x, y normalised to the frame, score; from the model's (17, 3) y, x, score in the crop."""
    out = np.empty((raw.shape[0], 3), dtype=np.float32)
    out[:, 0] = (crop.x0 + raw[:, 1] * crop.side) / width
    out[:, 1] = (crop.y0 + raw[:, 0] * crop.side) / height
    out[:, 2] = raw[:, 2]
    return out


class PoseModel:
    """The shipped MoveNet Lightning on onnxruntime's CPU, `threads` threads at most.

    `pad`: the margin added around a person box on each side, as a share of its longer side."""

    def __init__(self, pad: float = 0.2, threads: int = 1) -> None:
        if not 0.0 <= pad <= 1.0:
            raise ValueError(f"pad must be in [0, 1], got {pad}")
        self.pad = pad
        self.session = shipped.session(MODEL, threads)

    def keypoints(self, frame: np.ndarray, box: Box) -> np.ndarray:
        """(17, 3) keypoints (x, y, score) of the person in `box` (normalised) of the RGB uint8
        `frame`; x and y normalised to the whole frame, in COCO order (see KEYPOINT_NAMES)."""
        if frame.ndim != 3 or frame.shape[2] != 3 or frame.dtype != np.uint8:
            raise ValueError(f"expected an RGB uint8 frame (H, W, 3), got {frame.dtype} {frame.shape}")
        height, width = frame.shape[:2]
        crop = square_crop(width, height, box, self.pad)
        pixels = crop_pixels(frame, crop).astype(np.int32)[None]
        raw = self.session.run(["keypoints"], {"image": pixels})[0].reshape(17, 3)
        return to_frame(raw, crop, width, height)
