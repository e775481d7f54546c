"""What kind of detector an ONNX file is, read from its input and output shapes.

A user may bring a stronger COCO detector than the shipped NanoDet-g, exported to ONNX by its
own tools. The common exports differ in how they want the picture and in what they give back;
this module tells them apart from the model itself (one input `[1, 3, H, W]`, and the shapes of
one probe run) and says clearly when a file is none of them:

| format | output | boxes | scores |
| --- | --- | --- | --- |
| `yolov8` (ultralytics YOLOv8 / YOLO11) | `[1, 4+80, N]` | cx, cy, w, h input px | class |
| `yolov5` (YOLOv5 / YOLOv7) | `[1, 3 x cells, 5+80]` | cx, cy, w, h input px | objectness x class |
| `yolox` (YOLOX, `--decode_in_inference`) | `[1, cells, 5+80]` | cx, cy, w, h input px | objectness x class |
| `yolox-raw` (YOLOX, default export) | `[1, cells, 5+80]` | grid offsets, log sizes | objectness x class |
| `yolo-nms` (YOLOv10, YOLO26, `nms=True`) | `[1, K, 6]` | x0, y0, x1, y1 input px | score, class id |
| `rtdetr` (ultralytics RT-DETR) | `[1, Q, 4+80]` | cx, cy, w, h, 0..1 | class |
| `nanodet-plus` (NanoDet-Plus) | `[1, cells, 80+4 x bins]` | side distributions | class |

`cells` counts the grid cells of strides 8, 16 and 32 (NanoDet-Plus: and 64, grids rounded up).
YOLOX's two exports have the same shape: a decoded output's box centres follow the grid (on a
blank picture, their correlation with the cells' x is near 1), a raw one's offsets do not.
Only 80-class (COCO) models are taken: their class names are known.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from foley_assistant.vision.perception.shipped import ModelUnavailable

FORMATS = ("yolov8", "yolov5", "yolox", "yolox-raw", "yolo-nms", "rtdetr", "nanodet-plus")
COCO_CLASSES = 80
YOLO_STRIDES = (8, 16, 32)
NANODET_PLUS_STRIDES = (8, 16, 32, 64)
#: The input side used for a model whose input size is not fixed in the file.
DEFAULT_INPUT_SIZE = 640
#: On a blank picture, a decoded YOLOX output's box centres correlate with the cells' x above this.
DECODED_CORRELATION = 0.9
_DTYPES = {"tensor(float)": np.float32, "tensor(float16)": np.float16}


@dataclass(frozen=True)
class ModelLayout:
    """How to feed a detector and read it: its `format` (one of FORMATS), its input's name,
    height and width (`fixed`: set in the file; otherwise chosen and the model takes others),
    element type, the output read, and for NanoDet-Plus the bins per box side."""

    format: str
    input_name: str
    height: int
    width: int
    fixed: bool
    dtype: Any
    output_name: str
    bins: int = 0

    def describe(self) -> str:
        """One line: the format and the input size."""
        size = f"{self.width}x{self.height}" if self.fixed else f"any size (runs at {max(self.height, self.width)} on the longer side)"
        return f"{self.format}, input {size}"


def yolo_cells(height: int, width: int, strides: tuple[int, ...] = YOLO_STRIDES) -> int:
    """Grid cells of a YOLO head on a `height` x `width` input (sides divided by each stride)."""
    return sum((height // s) * (width // s) for s in strides)


def nanodet_plus_cells(height: int, width: int) -> int:
    """Grid cells of NanoDet-Plus on a `height` x `width` input (grids rounded up)."""
    return sum(math.ceil(height / s) * math.ceil(width / s) for s in NANODET_PLUS_STRIDES)


def grid_points(height: int, width: int, strides: tuple[int, ...], ceil: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(cells, 2) column, row of every cell of the grids of `strides`, level after level, each
    row-major; and (cells,) the stride of each. `ceil`: grids rounded up, not down."""
    points, steps = [], []
    for stride in strides:
        rows, cols = (math.ceil(height / stride), math.ceil(width / stride)) if ceil else (height // stride, width // stride)
        row, col = np.divmod(np.arange(rows * cols), cols)
        points.append(np.stack([col, row], axis=1))
        steps.append(np.full(rows * cols, stride))
    return np.concatenate(points).astype(np.float32), np.concatenate(steps).astype(np.float32)


def _input(session: Any, input_size: int) -> tuple[str, int, int, bool, Any]:
    inputs = session.get_inputs()
    if len(inputs) != 1:
        names = ", ".join(f"{i.name} {i.shape}" for i in inputs)
        raise ModelUnavailable(
            f"the model has {len(inputs)} inputs ({names}); only exports with one image input [1, 3, H, W] are supported (export without extra inputs, e.g. ultralytics `yolo export format=onnx`)."
        )
    shape, kind = inputs[0].shape, inputs[0].type
    if len(shape) != 4 or shape[1] != 3:
        raise ModelUnavailable(f"the model's input {inputs[0].name} is {shape}; expected an NCHW image [1, 3, H, W] (channels-last exports are not supported).")
    if kind not in _DTYPES:
        raise ModelUnavailable(f"the model's input is {kind}; expected float32 or float16 pixels.")
    height, width = shape[2], shape[3]
    fixed = isinstance(height, int) and isinstance(width, int) and height > 0 and width > 0
    return inputs[0].name, (height if fixed else input_size), (width if fixed else input_size), fixed, _DTYPES[kind]


def _shape_format(shape: tuple[int, ...], height: int, width: int) -> tuple[str, int] | None:
    """The format (and NanoDet-Plus bins) an output of this shape is on a `height` x `width`
    input, "yolox?" for YOLOX's shape (raw or decoded), None when no format has it."""
    if len(shape) != 3 or shape[0] != 1:
        return None
    rows, last = shape[1], shape[2]
    if rows == 4 + COCO_CLASSES and last != 4 + COCO_CLASSES:
        return "yolov8", 0
    if last == 6:
        return "yolo-nms", 0
    if last == 4 + COCO_CLASSES:
        return "rtdetr", 0
    if last == 5 + COCO_CLASSES and rows == 3 * yolo_cells(height, width):
        return "yolov5", 0
    if last == 5 + COCO_CLASSES and rows == yolo_cells(height, width):
        return "yolox?", 0
    if last > 5 + COCO_CLASSES and (last - COCO_CLASSES) % 4 == 0 and rows == nanodet_plus_cells(height, width):
        return "nanodet-plus", (last - COCO_CLASSES) // 4
    return None


def _yolox_is_decoded(output: np.ndarray, height: int, width: int) -> bool:
    points, strides = grid_points(height, width, YOLO_STRIDES)
    centres = output.reshape(-1, 5 + COCO_CLASSES)[:, 0].astype(np.float64)
    if centres.std() == 0:
        return False
    return float(np.corrcoef(centres, (points[:, 0] + 0.5) * strides)[0, 1]) > DECODED_CORRELATION


def identify(session: Any, wanted: str = "auto", input_size: int = DEFAULT_INPUT_SIZE) -> ModelLayout:
    """The layout of the detector in an onnxruntime `session`: the `wanted` format (checked
    against the model's output shapes) or, with "auto", the one the shapes say. A model that fits
    none is refused with its shapes and the formats supported."""
    if wanted != "auto" and wanted not in FORMATS:
        raise ModelUnavailable(f"unknown detector format {wanted!r}; choose auto or one of {', '.join(FORMATS)}.")
    name, height, width, fixed, dtype = _input(session, input_size)
    try:
        outputs = session.run(None, {name: np.zeros((1, 3, height, width), dtype=dtype)})
    except Exception as exc:  # onnxruntime raises its own types for a graph that cannot run
        raise ModelUnavailable(f"the model does not run on a {width}x{height} picture ({exc}); give --input-size if it was exported for another size.") from exc
    found = []
    for meta, value in zip(session.get_outputs(), outputs):
        shape = _shape_format(tuple(np.shape(value)), height, width)
        if shape is not None:
            kind, bins = shape
            if kind == "yolox?":
                kind = wanted if wanted in ("yolox", "yolox-raw") else ("yolox" if _yolox_is_decoded(np.asarray(value), height, width) else "yolox-raw")
            found.append(ModelLayout(kind, name, height, width, fixed, dtype, meta.name, bins))
    matching = [layout for layout in found if wanted in ("auto", layout.format)]
    if len(matching) == 1:
        return matching[0]
    shapes = ", ".join(f"{meta.name} {list(np.shape(value))}" for meta, value in zip(session.get_outputs(), outputs))
    if len(matching) > 1:
        raise ModelUnavailable(f"the model has several outputs that could be detections ({shapes}); name the format with --format.")
    what = "a supported detector export" if wanted == "auto" else f"laid out as {wanted}"
    raise ModelUnavailable(
        f"the model's outputs ({shapes} on a {width}x{height} input) are not {what}. Supported: 80-class COCO detectors as "
        f"{', '.join(FORMATS)} (see docs/vision.md, 'Bring your own detector'); YOLOX must be exported at a size divisible by 32."
    )
