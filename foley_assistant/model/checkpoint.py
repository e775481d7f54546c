"""Checkpoints: a folder with config.json, *.safetensors and a sha256 manifest. Never a pickle.

    CHECKPOINT/
      config.json            {"format": "foley_assistant.checkpoint/1", "kind": "codec"|"generator",
                              "config": {...}, "training": {"step": ..., "losses": [...], ...}}
      weights.safetensors    the model's tensors
      optimizer.safetensors  the optimizer's tensors (for resuming; optional)
      sha256.json            {"files": {"config.json": "<hex>", "weights.safetensors": "<hex>", ...}}

Loading checks the manifest first (every listed file present with its hash, nothing else of
interest in the folder), then reads tensors with safetensors, which cannot run code. A folder
holding pickles (.pt, .pth, .bin, .ckpt, .pkl) or a .safetensors file that is not one is refused
with a `CheckpointError`. Saving writes a new folder beside the old one and swaps it in, so a
crash never leaves half a checkpoint.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from foley_assistant.core.digest import file_sha256
from foley_assistant.core.errors import FoleyError

FORMAT = "foley_assistant.checkpoint/1"
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.safetensors"
OPTIMIZER_FILE = "optimizer.safetensors"
MANIFEST_FILE = "sha256.json"
PICKLE_SUFFIXES = (".pt", ".pth", ".bin", ".ckpt", ".pkl", ".pickle")


class CheckpointError(FoleyError):
    """A checkpoint folder is missing, damaged, of the wrong kind, or not in the safe format."""


@dataclass
class Checkpoint:
    """A loaded checkpoint: kind, its model config (dict), weights, optional optimizer state and the
    training record (step, loss history, anything JSON)."""

    kind: str
    config: dict[str, Any]
    weights: dict[str, torch.Tensor]
    training: dict[str, Any] = field(default_factory=dict)
    optimizer: dict[str, Any] | None = None


def _optimizer_tensors(state: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    """Split `optimizer.state_dict()` into flat tensors and a JSON part."""
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for index, values in state["state"].items():
        for name, value in values.items():
            if isinstance(value, torch.Tensor):
                tensors[f"state.{index}.{name}"] = value.detach().cpu().contiguous()
            else:
                scalars.setdefault(str(index), {})[name] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def _optimizer_state(tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> dict[str, Any]:
    """The inverse of `_optimizer_tensors`."""
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        _, index, name = key.split(".", 2)
        state.setdefault(int(index), {})[name] = value
    for index, values in meta.get("scalars", {}).items():
        state.setdefault(int(index), {}).update(values)
    return {"state": state, "param_groups": meta["param_groups"]}


def save_checkpoint(folder: str | os.PathLike[str], checkpoint: Checkpoint) -> Path:
    """Write `checkpoint` to `folder` (replacing an older checkpoint there, atomically)."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        weights = {k: v.detach().cpu().contiguous() for k, v in checkpoint.weights.items()}
        save_file(weights, str(staging / WEIGHTS_FILE), metadata={"format": FORMAT, "kind": checkpoint.kind})
        document: dict[str, Any] = {"format": FORMAT, "kind": checkpoint.kind, "config": checkpoint.config, "training": checkpoint.training}
        if checkpoint.optimizer is not None:
            tensors, meta = _optimizer_tensors(checkpoint.optimizer)
            save_file(tensors, str(staging / OPTIMIZER_FILE), metadata={"format": FORMAT})
            document["optimizer"] = meta
        (staging / CONFIG_FILE).write_text(json.dumps(document, indent=1), encoding="utf-8")
        files = sorted(p.name for p in staging.iterdir())
        manifest = {"files": {name: file_sha256(staging / name) for name in files}}
        (staging / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
        old = None
        if folder.exists():
            old = folder.with_name(f".{folder.name}.old")
            if old.exists():
                shutil.rmtree(old)
            os.replace(folder, old)
        os.replace(staging, folder)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def export_checkpoint(source: str | os.PathLike[str], target: str | os.PathLike[str], dtype: torch.dtype = torch.float16) -> Path:
    """A copy of a checkpoint to ship: floating-point weights stored as `dtype` (float16 halves
    the size), no optimizer state, the training record kept. Loading casts back to the model's
    precision."""
    checkpoint = load_checkpoint(source)
    weights = {k: v.to(dtype) if v.is_floating_point() else v for k, v in checkpoint.weights.items()}
    training = {**checkpoint.training, "exported_as": str(dtype).replace("torch.", "")}
    return save_checkpoint(target, Checkpoint(checkpoint.kind, checkpoint.config, weights, training))


def verify_checkpoint(folder: str | os.PathLike[str]) -> dict[str, str]:
    """Check the folder against its manifest; returns the manifest. Refuses pickles outright."""
    folder = Path(folder)
    if not folder.is_dir():
        raise CheckpointError(f"no checkpoint folder at {folder}. Train one with `foley-assistant train`, or point to an existing one.")
    pickles = sorted(p.name for p in folder.iterdir() if p.suffix.lower() in PICKLE_SUFFIXES)
    if pickles:
        raise CheckpointError(f"{folder} holds {', '.join(pickles)}: pickled weights are never loaded (they can run code). Convert them to safetensors with the tool that made them.")
    manifest_path = folder / MANIFEST_FILE
    if not manifest_path.is_file():
        raise CheckpointError(f"{folder} has no {MANIFEST_FILE}; it is not a Foley Assistant checkpoint (or it was not fully written).")
    try:
        listed = json.loads(manifest_path.read_text(encoding="utf-8"))["files"]
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"{manifest_path} is not a valid manifest ({exc}).") from exc
    for name in (CONFIG_FILE, WEIGHTS_FILE):
        if name not in listed:
            raise CheckpointError(f"{folder}: the manifest does not list {name}.")
    for name, expected in listed.items():
        path = folder / name
        if Path(name).name != name or not path.is_file():
            raise CheckpointError(f"{folder}: {name} is listed in the manifest but missing.")
        if file_sha256(path) != expected:
            raise CheckpointError(f"{folder}: {name} does not match its sha256 in the manifest; the file is damaged or was changed.")
    unlisted = sorted(p.name for p in folder.glob("*.safetensors") if p.name not in listed)
    if unlisted:
        raise CheckpointError(f"{folder}: {', '.join(unlisted)} not in the manifest; refusing unknown weight files.")
    return listed


def _read_tensors(path: Path) -> dict[str, torch.Tensor]:
    try:
        return load_file(str(path), device="cpu")
    except (SafetensorError, OSError, ValueError) as exc:
        raise CheckpointError(f"{path} is not a safetensors file ({exc}); it is refused.") from exc


def load_checkpoint(folder: str | os.PathLike[str], kind: str | None = None, with_optimizer: bool = False) -> Checkpoint:
    """Read a verified checkpoint (tensors on the CPU); `kind` checks that it is a codec or a generator."""
    folder = Path(folder)
    listed = verify_checkpoint(folder)
    try:
        document = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))
    except ValueError as exc:
        raise CheckpointError(f"{folder / CONFIG_FILE} is not valid JSON ({exc}).") from exc
    if document.get("format") != FORMAT:
        raise CheckpointError(f"{folder} is in format {document.get('format')!r}; this version reads {FORMAT!r}.")
    if kind is not None and document.get("kind") != kind:
        raise CheckpointError(f"{folder} is a {document.get('kind')} checkpoint, but a {kind} checkpoint is needed here.")
    optimizer = None
    if with_optimizer and OPTIMIZER_FILE in listed and "optimizer" in document:
        optimizer = _optimizer_state(_read_tensors(folder / OPTIMIZER_FILE), document["optimizer"])
    return Checkpoint(
        kind=document["kind"],
        config=document["config"],
        weights=_read_tensors(folder / WEIGHTS_FILE),
        training=document.get("training", {}),
        optimizer=optimizer,
    )
