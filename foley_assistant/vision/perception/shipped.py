"""Open a perception model shipped in `resources/perception/`, checked against its manifest.

A model is `<name>.onnx` with a manifest `<name>.json`:
`{"name", "file", "sha256", "licence", "source", "inputs", "outputs", "notes"}`. The file's sha256
is checked once per process before the first session is made; a missing or altered file is a
clear `ModelUnavailable` error naming the folder. Sessions run on the CPU with a bounded number of
threads (analysis shares the machine with decoding and the UI).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

from foley_assistant.core.digest import file_sha256
from foley_assistant.core.errors import FoleyError

_lock = threading.Lock()


class ModelUnavailable(FoleyError):
    """A shipped or user-supplied model file is missing, altered or cannot be loaded."""


@dataclass(frozen=True)
class ModelManifest:
    """What the manifest beside a shipped model says of it."""

    name: str
    path: Path
    sha256: str
    licence: str
    source: str
    details: dict[str, Any]


def perception_folder() -> Path:
    """The folder of the shipped perception models."""
    return Path(str(files("foley_assistant.resources") / "perception"))


def manifest(name: str) -> ModelManifest:
    """The manifest of the shipped model `name` (without extension)."""
    folder = perception_folder()
    path = folder / f"{name}.json"
    if not path.is_file():
        raise ModelUnavailable(f"no shipped model {name!r}: {path} is missing. Reinstall Foley Assistant (the models ship inside it).")
    data = json.loads(path.read_text(encoding="utf-8"))
    return ModelManifest(
        name=name,
        path=folder / data["file"],
        sha256=str(data["sha256"]).lower(),
        licence=str(data["licence"]),
        source=str(data["source"]),
        details=data,
    )


@lru_cache(maxsize=None)
def verified_path(name: str) -> Path:
    """The shipped model's file, after checking it exists and matches its manifest's sha256."""
    info = manifest(name)
    if not info.path.is_file():
        raise ModelUnavailable(f"shipped model file {info.path} is missing. Reinstall Foley Assistant (the models ship inside it).")
    actual = file_sha256(info.path)
    if actual != info.sha256:
        raise ModelUnavailable(f"{info.path} does not match its manifest (sha256 {actual}, expected {info.sha256}); it was altered. Reinstall Foley Assistant.")
    return info.path


def open_session(path: Path, threads: int = 1) -> Any:
    """An onnxruntime CPU session of the model at `path`, on at most `threads` threads."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    try:
        return onnxruntime.InferenceSession(str(path), sess_options=options, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own exception types for a bad file
        raise ModelUnavailable(f"{path} could not be loaded as an ONNX model ({exc}).") from exc


def session(name: str, threads: int = 1) -> Any:
    """A session of the shipped model `name`, its file verified against its manifest.

    Sessions are cached per (name, threads): a model is loaded once per process."""
    with _lock:
        return _cached_session(name, threads)


@lru_cache(maxsize=None)
def _cached_session(name: str, threads: int) -> Any:
    return open_session(verified_path(name), threads)
