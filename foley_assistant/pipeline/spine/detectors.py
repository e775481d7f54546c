"""Which object detector analysis runs: the shipped NanoDet-g, a model the user installed, an
ONNX file, torchvision weights, or none; and the record of it kept with the tracks.

`--detector` takes: `nanodet` (the default: NanoDet-g in 8 bits; `nanodet-int8` is another name
for it), `nanodet-float` (the same network in float, about 2.5x slower), `none` (motion alone), `auto` (torchvision weights
in the torch hub cache), the name of a model installed with `foley-assistant models install`
(checked against its sha256 before use), the path of an ONNX detector export (its format found
from its shapes), or the path of torchvision weights. A choice that cannot run falls back to
motion alone, with a line saying why.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from foley_assistant.core.digest import file_sha256
from foley_assistant.core.errors import FoleyError
from foley_assistant.core.tracks import NO_DETECTOR, DetectorRecord
from foley_assistant.io import model_store
from foley_assistant.vision.analyze import FrameDetector

SHIPPED_DETECTOR = "nanodet"
#: The shipped detector in float (about 2.5x slower than the default 8-bit one).
SHIPPED_FLOAT_DETECTOR = "nanodet-float"
#: Another name of the default (8-bit) shipped detector, as earlier versions called it.
SHIPPED_INT8_ALIAS = "nanodet-int8"
DEFAULT_ARCHITECTURE = "ssdlite320_mobilenet_v3_large"
#: Threads each shipped or user model may use: the detector runs on a worker thread beside the
#: motion analysis (and decoding), so one thread each keeps two cores busy without oversubscribing them.
ANALYSIS_THREADS = 1
log = logging.getLogger(__name__)


def choose_detector(weights: str | None, architecture: str = DEFAULT_ARCHITECTURE) -> tuple[FrameDetector | None, str]:
    """The object detector analysis runs beside the motion detector, with a line saying which
    runs and why (see the module docstring for what `weights` may be). torch is imported only
    for torchvision weights."""
    if weights == "none":
        return None, "detector: none (motion only; objects are not named)"
    try:
        if weights in (None, SHIPPED_DETECTOR, SHIPPED_FLOAT_DETECTOR, SHIPPED_INT8_ALIAS):
            int8 = weights != SHIPPED_FLOAT_DETECTOR
            return _shipped_detector(int8), f"detector: NanoDet-g ({'8-bit' if int8 else 'float'}, shipped)"
        installed = model_store.find_model(weights) if weights != "auto" else None
        if installed is not None:
            detector = installed_detector(installed)
            return detector, f"detector: {installed.name} ({installed.format}, installed, sha256 {installed.sha256[:12]}...)"
        if weights.lower().endswith(".onnx"):
            path = Path(weights).expanduser()
            if not path.is_file():
                raise FoleyError(f"no ONNX model at {path}")
            detector = _onnx_detector(str(path.resolve()), file_digest(path), "auto", None, str(path))
            return detector, f"detector: {path.name} ({detector.layout.format}, sha256 {detector.record.sha256[:12]}...)"
        if weights != "auto" and model_store.NAME_PATTERN.match(weights) and not Path(weights).exists():
            raise FoleyError(f"no installed model named {weights!r} and no file by that name; see `foley-assistant models list`")
        return _torchvision(architecture, None if weights == "auto" else weights, None)
    except FoleyError as exc:
        return None, f"detector: none (motion only), because {exc}"


def installed_detector(model: model_store.UserModel) -> FrameDetector:
    """The detector of an installed model, after checking its file against its sha256."""
    problem = model_store.integrity_problem(model, file_digest(model.path))
    if problem is not None:
        raise FoleyError(f"the installed model {model.name!r} cannot be used: {problem}. Reinstall it (`foley-assistant models remove {model.name}`, then install).")
    if model.format.startswith("torchvision"):
        return _torchvision(model.architecture or DEFAULT_ARCHITECTURE, str(model.path), model.name)[0]
    size = max(int(model.input["height"]), int(model.input["width"])) if model.input else None
    return _onnx_detector(str(model.path), model.sha256, model.format, size, model.name)


def record_of(detector: FrameDetector | None) -> DetectorRecord | None:
    """What the tracks record of the detector analysis ran: its `record`, the record of no
    detector for None, None for a detector that does not say what it is."""
    return NO_DETECTOR if detector is None else getattr(detector, "record", None)


def file_digest(path: Path) -> str | None:
    """The sha256 of a model file (None when there is no file), hashed once per size and
    modification time: analysis asks per shot."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return _digest(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=8)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    return file_sha256(Path(path))


@lru_cache(maxsize=4)
def _onnx_detector(path: str, sha256: str, wanted: str, input_size: int | None, name: str) -> Any:
    """An ONNX detector, loaded once per (file, digest, format): analysis asks for it per shot."""
    from foley_assistant.vision.perception.onnx_detectors import open_detector
    from foley_assistant.vision.perception.onnx_layouts import DEFAULT_INPUT_SIZE

    detector = open_detector(path, name, sha256, wanted, input_size or DEFAULT_INPUT_SIZE, ANALYSIS_THREADS)
    detector.detect_one(np.zeros((64, 64, 3), dtype=np.uint8))  # fail now, not mid-shot
    return detector


def _torchvision(architecture: str, weights: str | None, name: str | None) -> tuple[FrameDetector, str]:
    from foley_assistant.vision.neural.detector import load_detector

    detector = load_detector(architecture, weights)
    if name is not None and detector.record is not None:
        detector.record = DetectorRecord(name, detector.record.format, detector.record.sha256)
    return detector, f"detector: {name or architecture} (torchvision {architecture})"


@lru_cache(maxsize=2)
def _shipped_detector(int8: bool) -> FrameDetector:
    """The shipped detector (8-bit or float), loaded once per process (its model is checked
    against its sha256)."""
    from foley_assistant.vision.perception.nanodet import NanoDet

    detector = NanoDet(threads=ANALYSIS_THREADS, int8=int8)
    detector.detect_one(np.zeros((64, 64, 3), dtype=np.uint8))  # load and verify now, not mid-shot
    return detector
