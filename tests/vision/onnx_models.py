"""Tiny real ONNX detector files for the tests: one image input, outputs fixed tensors laid out as
each export family lays them out, so the boxes a detector must report are known exactly.

Each graph is built with the `onnx` package's helper API: Constant nodes give the outputs, and
the image input is summed into none of them (a real model's answer would depend on the picture;
these test the reading of the answer, not a network).
"""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

CLASSES = 80
CAR, PERSON = 2, 0


def write_model(path: Path, outputs: dict[str, np.ndarray], input_shape: Sequence[int | str] = (1, 3, 640, 640), inputs: Sequence[str] = ("images",), elem: int = TensorProto.FLOAT) -> Path:
    """An ONNX file whose inputs are float images of `input_shape` and whose outputs are the
    given constant tensors."""
    nodes, values = [], []
    for name, value in outputs.items():
        nodes.append(helper.make_node("Constant", [], [name], value=numpy_helper.from_array(np.asarray(value, np.float32), name=f"{name}_value")))
        values.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, list(np.shape(value))))
    graph = helper.make_graph(nodes, "tiny_detector", [helper.make_tensor_value_info(n, elem, list(input_shape)) for n in inputs], values)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="foley-assistant tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def grid(height: int, width: int, strides: Sequence[int], ceil: bool = False) -> list[tuple[int, int, int]]:
    """(stride, row, col) of every grid cell, level after level, row-major."""
    cells = []
    for stride in strides:
        rows, cols = (-(-height // stride), -(-width // stride)) if ceil else (height // stride, width // stride)
        cells.extend((stride, r, c) for r in range(rows) for c in range(cols))
    return cells


def scores(best: int, value: float) -> np.ndarray:
    """80 class scores: `value` for class `best`, 0.01 elsewhere."""
    row = np.full(CLASSES, 0.01, np.float32)
    row[best] = value
    return row


def yolov8(boxes: Sequence[tuple[tuple[float, float, float, float], int, float]], cells: int = 8400) -> np.ndarray:
    """[1, 84, cells]: columns cx, cy, w, h (input px) and class scores; the given (box x0, y0,
    x1, y1; class; score) first, the rest background (tiny boxes, scores 0.01)."""
    out = np.zeros((1, 4 + CLASSES, cells), np.float32)
    out[0, :4] = np.array([[320], [320], [4], [4]])
    out[0, 4:] = 0.01
    for i, ((x0, y0, x1, y1), cls, score) in enumerate(boxes):
        out[0, :4, i] = [(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0]
        out[0, 4:, i] = scores(cls, score)
    return out


def objectness_rows(cells: Sequence[tuple[int, int, int]], boxes: dict[int, tuple[tuple[float, float, float, float], int, float, float]]) -> np.ndarray:
    """[1, N, 85] decoded rows (cx, cy, w, h input px, objectness, 80 scores); background rows sit
    on their cell's centre with objectness 0; `boxes` maps a row to (box, class, objectness, score)."""
    out = np.zeros((1, len(cells), 5 + CLASSES), np.float32)
    for i, (stride, row, col) in enumerate(cells):
        out[0, i, :4] = [(col + 0.5) * stride, (row + 0.5) * stride, stride, stride]
        out[0, i, 5:] = 0.01
    for i, ((x0, y0, x1, y1), cls, objectness, score) in boxes.items():
        out[0, i, :5] = [(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0, objectness]
        out[0, i, 5:] = scores(cls, score)
    return out
