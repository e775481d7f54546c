"""What the user-detector adapters add per frame, against the shipped NanoDet-g in the same run.

For each ONNX layout (`vision/perception/onnx_layouts.py`) a tiny real ONNX file of that layout
at 640x640 is built (tests/vision/onnx_models.py: constant outputs, so the model call itself costs
almost nothing) with 100 boxes over the minimum score scattered over the picture (NMS has work to
do), and `OnnxDetector.detect_one` runs on a 1280x720 frame: letterbox or stretch, the tensor,
decoding, NMS and mapping back. NanoDet-g's whole `detect_one` (network included) on the same
frame is the reference. A real user model adds its own network's time on top (see docs/vision.md).

    .venv/bin/python benchmarks/detector_adapters.py [--frames 40] [--repeat 3]

Prints per layout the median CPU milliseconds per frame (one thread) and the ratio to NanoDet-g.
Needs the `onnx` package (dev extras).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "vision"))
from onnx_models import CLASSES, grid, objectness_rows, scores, write_model, yolov8  # noqa: E402

from foley_assistant.vision.perception.nanodet import NanoDet  # noqa: E402
from foley_assistant.vision.perception.onnx_detectors import open_detector  # noqa: E402

BOXES = 100


def random_boxes(rng: np.random.Generator, size: float = 640.0) -> list[tuple[tuple[float, float, float, float], int, float]]:
    """BOXES boxes inside the input, each of a random class, scoring 0.35-0.95."""
    corners = rng.uniform(0, size * 0.8, (BOXES, 2))
    sides = rng.uniform(20, size * 0.2, (BOXES, 2))
    return [((*c, *(c + s)), int(rng.integers(CLASSES)), float(rng.uniform(0.35, 0.95))) for c, s in zip(corners, sides)]


def layouts(folder: Path, rng: np.random.Generator) -> dict[str, Path]:
    """One model file per layout, each with the same kind of crowded answer."""
    boxes = random_boxes(rng)
    cells = grid(640, 640, (8, 16, 32))
    dense = {i * 83: (box, cls, 1.0, score) for i, (box, cls, score) in enumerate(boxes)}
    nms_rows = np.zeros((1, 300, 6), np.float32)
    detr = np.zeros((1, 300, 4 + CLASSES), np.float32)
    detr[0, :, 4:] = 0.01
    for i, ((x0, y0, x1, y1), cls, score) in enumerate(boxes):
        nms_rows[0, i] = [x0, y0, x1, y1, score, cls]
        detr[0, i, :4] = np.array([(x0 + x1) / 2, (y0 + y1) / 2, x1 - x0, y1 - y0]) / 640
        detr[0, i, 4:] = scores(cls, score)
    return {
        "yolov8": write_model(folder / "v8.onnx", {"output0": yolov8(boxes)}),
        "yolov5": write_model(folder / "v5.onnx", {"output": objectness_rows(cells * 3, dense)}),
        "yolox": write_model(folder / "yolox.onnx", {"output": objectness_rows(cells, dense)}),
        "yolo-nms": write_model(folder / "v10.onnx", {"output0": nms_rows}),
        "rtdetr": write_model(folder / "rtdetr.onnx", {"output0": detr}),
    }


def cpu_ms_per_frame(detect, frame: np.ndarray, frames: int, repeat: int) -> float:
    """Median over `repeat` runs of the process CPU milliseconds per `detect(frame)`."""
    detect(frame)
    runs = []
    for _ in range(repeat):
        start = time.process_time()
        for _ in range(frames):
            detect(frame)
        runs.append((time.process_time() - start) / frames * 1000)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (720, 1280, 3), dtype=np.uint8)
    reference = cpu_ms_per_frame(NanoDet(threads=1).detect_one, frame, args.frames, args.repeat)
    print(f"{'layout':<12} {'CPU ms/frame':>12} {'x NanoDet-g':>12}  detections")
    print(f"{'nanodet-g':<12} {reference:>12.2f} {1.0:>12.2f}  (shipped model in 8 bits, network included)")
    with tempfile.TemporaryDirectory() as folder:
        for name, path in layouts(Path(folder), rng).items():
            detector = open_detector(path, name, "0" * 64, threads=1)
            assert detector.layout.format == name, (name, detector.layout.format)
            cost = cpu_ms_per_frame(detector.detect_one, frame, args.frames, args.repeat)
            print(f"{name:<12} {cost:>12.2f} {cost / reference:>12.2f}  {len(detector.detect_one(frame))}")


if __name__ == "__main__":
    main()
