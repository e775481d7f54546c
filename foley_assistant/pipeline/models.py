"""The `models` job: list, verify, install and remove the perception models analysis may use.

The shipped models (NanoDet-g, MoveNet, TransNetV2) live inside the product and are listed with
their state against their manifests. A user's detectors live in the model store
(`io.model_store`); installing one checks that it is a model analysis can run: an ONNX export of
a supported layout (opened with onnxruntime, its format found from its shapes, see
`vision.perception.onnx_layouts`), or torchvision weights (a torch zip archive or a safetensors
file; torch itself is optional and not loaded here).
"""

from __future__ import annotations

import json
import struct
import urllib.parse
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foley_assistant.core.digest import file_sha256
from foley_assistant.core.errors import FoleyError
from foley_assistant.io import model_store
from foley_assistant.io.model_store import ModelStoreError, UserModel

#: Shipped model: the name users see -> its manifest's name, and what it does.
SHIPPED = {
    "nanodet": ("nanodet_g_int8", "nanodet-g detector, 8-bit (default)"),
    "nanodet-float": ("nanodet_g", "nanodet-g detector, float"),
    "movenet": ("movenet_lightning", "movenet pose"),
    "transnet": ("transnetv2_int8", "transnetv2 cuts, 8-bit (used)"),
    "transnet-float": ("transnetv2", "transnetv2 cuts, float"),
}
#: Words `--detector` already takes: no installed model may be named so.
RESERVED = ("nanodet", "nanodet-float", "nanodet-int8", "none", "auto", "movenet", "transnet", "transnet-float")
TORCHVISION_SUFFIXES = (".pth", ".safetensors")


@dataclass(frozen=True)
class ModelRow:
    """One line of `models list`: where the model comes from ("shipped" or "installed"), its
    name, format, sha256, state ("ok" or what is wrong), source and licence."""

    origin: str
    name: str
    format: str
    sha256: str
    state: str
    source: str
    licence: str | None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form printed by `models list --json`."""
        return {"origin": self.origin, "name": self.name, "format": self.format, "sha256": self.sha256, "state": self.state, "source": self.source, "licence": self.licence}


def shipped_rows() -> list[ModelRow]:
    """The shipped models, each checked against its manifest's sha256."""
    from foley_assistant.vision.perception import shipped

    rows = []
    for name, (manifest_name, role) in SHIPPED.items():
        try:
            info = shipped.manifest(manifest_name)
            if not info.path.is_file():
                state = f"missing: {info.path} is not there; reinstall Foley Assistant"
            elif file_sha256(info.path) != info.sha256:
                state = f"altered: {info.path} does not match its sha256; reinstall Foley Assistant"
            else:
                state = "ok"
            rows.append(ModelRow("shipped", name, role, info.sha256, state, info.source, info.licence))
        except FoleyError as exc:
            rows.append(ModelRow("shipped", name, manifest_name, "", f"missing: {exc}", "", None))
    return rows


def user_row(model: UserModel) -> ModelRow:
    """An installed model's line, its file checked against its sha256."""
    problem = model_store.integrity_problem(model)
    return ModelRow("installed", model.name, model.format, model.sha256, problem or "ok", model.source, model.licence)


def list_models() -> tuple[list[ModelRow], list[str]]:
    """Every model: the shipped ones, then the installed ones; and the store's unreadable manifests."""
    installed, problems = model_store.installed_models()
    return shipped_rows() + [user_row(m) for m in installed], problems


def verify_models(name: str | None = None) -> list[ModelRow]:
    """The rows of the model `name` (shipped or installed), or of every model; each row's state
    says whether its file matches its sha256."""
    rows, problems = list_models()
    if name is None:
        if problems:
            raise ModelStoreError(problems[0])
        return rows
    chosen = [row for row in rows if row.name == name]
    if not chosen:
        known = ", ".join(row.name for row in rows)
        raise ModelStoreError(f"no model named {name!r} (models: {known}); see `foley-assistant models list`.")
    return chosen


def describe_onnx(path: Path, wanted: str, input_size: int) -> dict[str, Any]:
    """The manifest fields of an ONNX detector: opened with onnxruntime and identified (format,
    input size, COCO classes); a file that is no model, or of no supported layout, is refused."""
    from foley_assistant.vision.perception import onnx_detectors, onnx_layouts, shipped

    try:
        session = shipped.open_session(path, threads=1)
    except shipped.ModelUnavailable as exc:
        reason = str(exc.__cause__ or exc).strip().splitlines()[0].replace(str(path), "the file")
        raise ModelStoreError(f"onnxruntime cannot load it as an ONNX model ({reason}); export the detector to ONNX (see docs/vision.md, 'Bring your own detector').") from exc
    layout = onnx_layouts.identify(session, wanted, input_size)
    return {"format": layout.format, "input": {"height": layout.height, "width": layout.width, "fixed": layout.fixed}, "classes": onnx_detectors.coco_classes()}


def describe_torchvision(path: Path, architecture: str) -> dict[str, Any]:
    """The manifest fields of torchvision weights, after checking the file's container (a torch
    zip archive, or a safetensors header); the weights themselves load at analysis, with torch."""
    from foley_assistant.vision.neural.detector import ARCHITECTURES
    from foley_assistant.vision.perception.onnx_detectors import coco_classes

    if architecture not in ARCHITECTURES:
        raise ModelStoreError(f"unknown torchvision architecture {architecture!r}; choose one of {', '.join(ARCHITECTURES)}.")
    if path.suffix == ".safetensors":
        if not _is_safetensors(path):
            raise ModelStoreError("the file is not a safetensors file (its header is not readable); give the weights as saved by safetensors.")
    elif not zipfile.is_zipfile(path):
        raise ModelStoreError("the file is not a torch state dict (torch.save writes a zip archive); save the weights with torch.save(model.state_dict(), PATH).")
    return {"format": f"torchvision:{architecture}", "architecture": architecture, "classes": coco_classes()}


def _is_safetensors(path: Path) -> bool:
    with open(path, "rb") as handle:
        prefix = handle.read(8)
        if len(prefix) != 8:
            return False
        (length,) = struct.unpack("<Q", prefix)
        if length > 100_000_000:
            return False
        try:
            return isinstance(json.loads(handle.read(length)), dict)
        except (UnicodeDecodeError, json.JSONDecodeError):
            return False


def default_name(source: str) -> str:
    """The name a model installed from `source` gets when none is given: its file name without
    the extension, in lower case (`YOLOv8s.onnx` -> yolov8s), if that can name a model."""
    stem = Path(urllib.parse.urlsplit(source).path if model_store.is_url(source) else source).stem.lower()
    if not model_store.NAME_PATTERN.match(stem):
        raise ModelStoreError(f"{stem!r} (from the file name) cannot name a model; give --name (lower-case letters, digits, - and _).")
    return stem


def install(source: str, name: str | None = None, format: str = "auto", sha256: str | None = None, input_size: int = 640, architecture: str | None = None, licence: str | None = None) -> UserModel:
    """Install a detector from a path or URL into the model store under `name` (see
    `io.model_store.install_model`). `format`: auto (ONNX: found from its shapes; `.pth` and
    `.safetensors`: torchvision), an ONNX layout, or torchvision (with `architecture`). `name`
    defaults to the file's name (`default_name`)."""
    from foley_assistant.vision.neural.detector import ARCHITECTURES
    from foley_assistant.vision.perception.onnx_layouts import FORMATS

    name = default_name(source) if name is None else name
    if name in RESERVED:
        raise ModelStoreError(f"{name!r} is a word --detector already takes ({', '.join(RESERVED)}); choose another --name.")
    if format not in ("auto", "torchvision", *FORMATS):
        raise ModelStoreError(f"unknown --format {format!r}; choose auto, torchvision or one of {', '.join(FORMATS)}.")
    if not 32 <= input_size <= 4096:
        raise ModelStoreError(f"--input-size {input_size} is out of range; give the side the model was exported for (32-4096, e.g. 640).")
    suffix = Path(source.split("?")[0]).suffix.lower()
    torchvision = format == "torchvision" or (format == "auto" and suffix in TORCHVISION_SUFFIXES)
    if torchvision:
        if suffix not in TORCHVISION_SUFFIXES:
            raise ModelStoreError(f"torchvision weights must be a .pth or .safetensors file, not {source}.")
        chosen = architecture or "ssdlite320_mobilenet_v3_large"
        if chosen not in ARCHITECTURES:
            raise ModelStoreError(f"unknown torchvision architecture {chosen!r}; choose one of {', '.join(ARCHITECTURES)}.")
        return model_store.install_model(source, name, suffix, lambda path: describe_torchvision(path, chosen), sha256, licence)
    if architecture is not None:
        raise ModelStoreError("--architecture is for torchvision weights; an ONNX model says what it is.")
    return model_store.install_model(source, name, ".onnx", lambda path: describe_onnx(path, format, input_size), sha256, licence)


def remove(name: str) -> UserModel:
    """Remove an installed model (shipped models cannot be removed)."""
    if name in SHIPPED:
        raise ModelStoreError(f"{name!r} ships with Foley Assistant and cannot be removed; choose `--detector none` to run without a detector.")
    return model_store.remove_model(name)
