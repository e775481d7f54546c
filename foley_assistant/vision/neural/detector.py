"""A torchvision detection model (SSDlite, Faster R-CNN or RetinaNet, COCO classes) as the
analysis detector, from local weights only.

Weights are never downloaded. They come from a file the user names (a torchvision state dict,
`.pth` read with `torch.load(weights_only=True)`, which refuses pickled code, or `.safetensors`),
or from the standard torch hub cache (`$TORCH_HOME/hub/checkpoints`, default
`~/.cache/torch/hub/checkpoints`) under torchvision's own file name for the architecture. The
model is built with `weights=None, weights_backbone=None` and the state dict loaded into it.
Detections carry the COCO class name; analysis votes a track's sound label from them
(`vision.labels.vote_label`, through resources/coco_labels.json).
"""

from __future__ import annotations

import logging
import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from foley_assistant.core.digest import file_sha256
from foley_assistant.core.errors import FoleyError
from foley_assistant.core.tracks import Box, DetectorRecord
from foley_assistant.vision.labels import CocoLabels, coco_labels
from foley_assistant.vision.motion import Detection

log = logging.getLogger(__name__)

#: torchvision builder name -> the file-name prefix of its COCO weights in the torch hub cache.
ARCHITECTURES = {
    "ssdlite320_mobilenet_v3_large": "ssdlite320_mobilenet_v3_large_coco-",
    "fasterrcnn_mobilenet_v3_large_320_fpn": "fasterrcnn_mobilenet_v3_large_320_fpn-",
    "fasterrcnn_mobilenet_v3_large_fpn": "fasterrcnn_mobilenet_v3_large_fpn-",
    "fasterrcnn_resnet50_fpn": "fasterrcnn_resnet50_fpn_coco-",
    "retinanet_resnet50_fpn": "retinanet_resnet50_fpn_coco-",
}


class DetectorUnavailable(FoleyError):
    """The neural detector cannot run here (no torch/torchvision, or no weights)."""


def hub_checkpoints() -> Path:
    """The torch hub cache's checkpoint folder, found as torch finds it (without importing torch)."""
    home = os.environ.get("TORCH_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "torch")
    return Path(home) / "hub" / "checkpoints"


def find_weights(architecture: str, weights: str | os.PathLike[str] | None = None) -> Path:
    """The weights file to use: `weights` if given (it must exist), else the architecture's file in
    the torch hub cache. Never downloads; a clear error names where it looked."""
    if architecture not in ARCHITECTURES:
        raise DetectorUnavailable(f"unknown detector {architecture!r}; choose one of {', '.join(ARCHITECTURES)}")
    if weights is not None:
        path = Path(weights)
        if not path.is_file():
            raise DetectorUnavailable(f"detector weights not found at {path}. Give the path of a torchvision {architecture} state dict (.pth or .safetensors).")
        return path
    folder = hub_checkpoints()
    found = sorted(folder.glob(ARCHITECTURES[architecture] + "*.pth")) if folder.is_dir() else []
    if not found:
        raise DetectorUnavailable(
            f"no {architecture} weights in {folder} (looked for {ARCHITECTURES[architecture]}*.pth); nothing is downloaded. "
            "Put torchvision's COCO weights there or pass their path; the classical motion detector is used meanwhile."
        )
    return found[-1]


def to_detections(boxes: np.ndarray, classes: np.ndarray, scores: np.ndarray, width: int, height: int, labels: CocoLabels, min_score: float) -> list[Detection]:
    """A model's output for one frame (pixel boxes [x0, y0, x1, y1], class ids, scores) as
    detections named by their COCO class, normalized, at least `min_score`."""
    found = []
    for box, class_id, score in zip(np.asarray(boxes, dtype=np.float64).reshape(-1, 4), np.asarray(classes).ravel(), np.asarray(scores).ravel()):
        label = labels.categories[int(class_id)] if 0 < int(class_id) < len(labels.categories) else "N/A"
        if label == "N/A" or float(score) < min_score:
            continue
        x0, y0, x1, y1 = np.clip(box / [width, height, width, height], 0.0, 1.0)
        if x1 <= x0 or y1 <= y0:
            continue
        found.append(Detection(Box(float(x0), float(y0), float(x1), float(y1)), fill=float(score), label=label, score=float(score)))
    return found


def _load_state(torch: Any, path: Path) -> dict[str, Any]:
    if path.suffix == ".safetensors":
        try:
            from safetensors.torch import load_file
        except ImportError as exc:
            raise DetectorUnavailable(f"{path.name} is a safetensors file but the safetensors package is not installed") from exc
        return load_file(str(path))
    return torch.load(str(path), map_location="cpu", weights_only=True)


@dataclass
class NeuralDetector:
    """A loaded detection model; `detect` runs it on RGB uint8 frames (batched, no gradients).
    `record` names it (weights file and sha256) in the tracks."""

    model: Any
    torch: Any
    labels: CocoLabels
    min_score: float = 0.4
    batch: int = 4
    record: DetectorRecord | None = None

    def detect(self, frames: list[np.ndarray]) -> list[list[Detection]]:
        """Detections of sounding objects in each frame."""
        torch = self.torch
        results: list[list[Detection]] = []
        with torch.inference_mode():
            for start in range(0, len(frames), self.batch):
                chunk = frames[start : start + self.batch]
                tensors = [torch.from_numpy(np.ascontiguousarray(f)).permute(2, 0, 1).float().div(255.0) for f in chunk]
                for frame, output in zip(chunk, self.model(tensors)):
                    height, width = frame.shape[:2]
                    results.append(to_detections(output["boxes"].numpy(), output["labels"].numpy(), output["scores"].numpy(), width, height, self.labels, self.min_score))
        return results


def load_detector(architecture: str = "ssdlite320_mobilenet_v3_large", weights: str | os.PathLike[str] | None = None, min_score: float = 0.4) -> NeuralDetector:
    """Build the model without weights, load the local weights into it, and return the detector.

    Raises `DetectorUnavailable` with the reason when torch or torchvision cannot be loaded, or
    no weights are found (see `find_weights`)."""
    path = find_weights(architecture, weights)
    try:
        import torch
        from torchvision.models import detection
    except (ImportError, OSError, RuntimeError) as exc:
        raise DetectorUnavailable(
            f"the neural detector needs torch and a torchvision built for it ({type(exc).__name__}: {exc}); install them with `pip install torch==2.13.0 torchvision` or use the classical detector"
        ) from exc
    model = getattr(detection, architecture)(weights=None, weights_backbone=None, num_classes=91)
    try:
        model.load_state_dict(_load_state(torch, path))
    except (RuntimeError, ValueError, KeyError, EOFError, OSError, pickle.UnpicklingError) as exc:  # torch.load of a file that is no state dict
        raise DetectorUnavailable(f"{path} does not hold {architecture} weights ({exc})") from exc
    model.eval()
    log.info("neural detector %s loaded from %s", architecture, path)
    return NeuralDetector(model, torch, coco_labels(), min_score, record=DetectorRecord(str(path), f"torchvision:{architecture}", file_sha256(path)))
