"""The optional pretrained image encoder: a frozen ResNet-18 trunk on each video frame, from weights
the user already has on disk (torchvision's `resnet18-f37072fd.pth` from the torch hub cache, or a
.safetensors export of it). Nothing is ever downloaded.

The architecture is written here in plain torch (torchvision is not a dependency); its parameter
names are exactly those of torchvision's `resnet18` state dict, so that file loads strictly (the
classifier head `fc.*`, which is not used, is dropped; a missing BatchNorm `num_batches_tracked`
counter, absent from older exports, is filled in as PyTorch itself does).

Why a .pth is read here when the project's own checkpoints refuse every pickle (`checkpoint`):
our checkpoints are ours to write, so they are safetensors only and a pickle in a checkpoint
folder is a sign of something wrong. Torchvision's weights exist only as a torch zip-pickle, so
they are read with `torch.load(weights_only=True)`, torch's restricted unpickler that rebuilds
tensors and plain containers and refuses any other object (an arbitrary pickled object, the kind
that can run code, is refused with an `ImageWeightsError`). The file's sha256 is recorded in the
generator's config and checked at every load, and the trunk's weights are never copied into our
checkpoints. A .safetensors file is read with safetensors.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Mapping
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file
from torch import nn
from torch.nn import functional as F

from foley_assistant.core.digest import file_sha256
from foley_assistant.model.checkpoint import CheckpointError

#: The one architecture supported, and the file name torchvision gives its ImageNet weights.
RESNET18 = "resnet18"
RESNET18_FILE = "resnet18-f37072fd.pth"
IMAGE_FEATURES = 512
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class ImageWeightsError(CheckpointError):
    """The image encoder's weights file is missing, changed, unsafe or of another architecture."""


def hub_checkpoint_dir() -> Path:
    """Where torch keeps downloaded weights: $TORCH_HOME/hub/checkpoints (TORCH_HOME defaults to
    $XDG_CACHE_HOME/torch, then ~/.cache/torch)."""
    home = os.environ.get("TORCH_HOME")
    if home is None:
        cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        home = os.path.join(cache, "torch")
    return Path(home) / "hub" / "checkpoints"


def resolve_weights(spec: str | os.PathLike[str]) -> Path:
    """The weights file named by `--image-encoder`: a path, or "auto" for the torch hub cache's
    `resnet18-f37072fd.pth`. Never downloads; a clear error when the file is not there."""
    if str(spec) == "auto":
        path = hub_checkpoint_dir() / RESNET18_FILE
        if not path.is_file():
            raise ImageWeightsError(
                f"--image-encoder auto: no {RESNET18_FILE} in the torch hub cache ({path.parent}). Nothing is downloaded: "
                "copy torchvision's ResNet-18 ImageNet weights there (or set TORCH_HOME), or pass the file's path."
            )
        return path.resolve()
    path = Path(spec).expanduser()
    if not path.is_file():
        raise ImageWeightsError(f"--image-encoder: no weights file at {path} (a torchvision resnet18 .pth or a .safetensors export of it).")
    return path.resolve()


def find_recorded_weights(recorded: str, sha256: str) -> Path:
    """The weights file a generator was trained with: the recorded path, else a file of the same name
    in the torch hub cache; its sha256 must be the recorded one."""
    recorded_path = Path(recorded)
    candidates = [recorded_path, hub_checkpoint_dir() / recorded_path.name]
    for path in candidates:
        if path.is_file():
            actual = file_sha256(path)
            if actual != sha256:
                raise ImageWeightsError(
                    f"the image encoder's weights at {path} are not the ones this generator was trained with "
                    f"(sha256 {actual[:12]}..., expected {sha256[:12]}...). Put the original {recorded_path.name} back."
                )
            return path
    raise ImageWeightsError(
        f"this generator uses a pretrained image encoder whose weights are not stored in the model: it needs "
        f"{recorded_path.name} (sha256 {sha256[:12]}...), looked for at {' and '.join(str(p) for p in candidates)}."
    )


class BasicBlock(nn.Module):
    """ResNet's two-convolution residual block (torchvision's names: conv1, bn1, conv2, bn2, downsample)."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU(inplace=True)
        self.downsample: nn.Module | None = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shortcut = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(y)) + shortcut)


class ResNet18Trunk(nn.Module):
    """ResNet-18 without its classifier: (N, 3, H, W) normalised images -> (N, 512) pooled features."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        self.layer1 = nn.Sequential(BasicBlock(64, 64, 1), BasicBlock(64, 64, 1))
        self.layer2 = nn.Sequential(BasicBlock(64, 128, 2), BasicBlock(128, 128, 1))
        self.layer3 = nn.Sequential(BasicBlock(128, 256, 2), BasicBlock(256, 256, 1))
        self.layer4 = nn.Sequential(BasicBlock(256, 512, 2), BasicBlock(512, 512, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return x.mean(dim=(2, 3))


def read_weights(path: str | os.PathLike[str]) -> dict[str, torch.Tensor]:
    """A state dict from a .safetensors file (safetensors) or a .pth/.pt file (torch.load with
    weights_only=True: tensors and plain containers only, never arbitrary objects)."""
    path = Path(path)
    if path.suffix.lower() == ".safetensors":
        try:
            return load_file(str(path), device="cpu")
        except (SafetensorError, OSError, ValueError) as exc:
            raise ImageWeightsError(f"{path} is not a safetensors file ({exc}).") from exc
    try:
        loaded = torch.load(path, map_location="cpu", weights_only=True)
    except (pickle.UnpicklingError, RuntimeError, EOFError, OSError, ValueError, AttributeError) as exc:
        raise ImageWeightsError(
            f"{path} was refused: only plain tensors are read from a .pth (torch.load weights_only=True), and this file holds "
            f"something else or is damaged ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__})."
        ) from exc
    if isinstance(loaded, Mapping) and isinstance(loaded.get("state_dict"), Mapping):
        loaded = loaded["state_dict"]
    if not isinstance(loaded, Mapping) or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in loaded.items()):
        raise ImageWeightsError(f"{path} is not a state dict (names to tensors); save the model's state_dict(), not the model.")
    return dict(loaded)


def load_trunk(path: str | os.PathLike[str]) -> ResNet18Trunk:
    """A frozen ResNet-18 trunk (evaluation mode, no gradients) with the weights of `path`, loaded
    strictly: any missing or unexpected tensor, or a tensor of another shape, is refused."""
    state = {k: v for k, v in read_weights(path).items() if not k.startswith("fc.")}
    trunk = ResNet18Trunk()
    expected = trunk.state_dict()
    for name, tensor in expected.items():
        if name.endswith("num_batches_tracked") and name not in state:
            state[name] = torch.zeros_like(tensor)
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        detail = "; ".join(
            part
            for part in (
                f"missing {', '.join(missing[:4])}{' ...' if len(missing) > 4 else ''}" if missing else "",
                f"unexpected {', '.join(unexpected[:4])}{' ...' if len(unexpected) > 4 else ''}" if unexpected else "",
            )
            if part
        )
        raise ImageWeightsError(f"{path} does not hold torchvision resnet18 weights ({detail}).")
    wrong = [name for name, tensor in expected.items() if state[name].shape != tensor.shape]
    if wrong:
        raise ImageWeightsError(f"{path} does not hold torchvision resnet18 weights ({wrong[0]} is {tuple(state[wrong[0]].shape)}, expected {tuple(expected[wrong[0]].shape)}).")
    trunk.load_state_dict({k: v.to(expected[k].dtype) for k, v in state.items()}, strict=True)
    for parameter in trunk.parameters():
        parameter.requires_grad_(False)
    return trunk.eval()


class FrozenImageEncoder:
    """Per-frame 512-d features of a frozen trunk: uint8 frames resized so their short side is
    `size` (aspect kept), ImageNet-normalised, `chunk` frames at a time, without gradients.

    Deliberately not an nn.Module: its weights belong to the user's file, not to the generator's
    checkpoint, and it stays in evaluation mode whatever mode the generator is in."""

    chunk = 64

    def __init__(self, trunk: ResNet18Trunk, size: int) -> None:
        self.trunk = trunk.eval()
        self.size = size
        self.mean = torch.tensor(IMAGENET_MEAN).view(1, 3, 1, 1)
        self.std = torch.tensor(IMAGENET_STD).view(1, 3, 1, 1)

    def apply_to_tensors(self, fn) -> None:  # type: ignore[no-untyped-def]
        """Apply a module's tensor function (moving or casting, as `nn.Module._apply` does)."""
        self.trunk._apply(fn)
        self.mean, self.std = fn(self.mean), fn(self.std)

    def _resized(self, images: torch.Tensor) -> torch.Tensor:
        h, w = images.shape[-2:]
        scale = self.size / min(h, w)
        if scale == 1.0:
            return images
        target = (max(1, round(h * scale)), max(1, round(w * scale)))
        return F.interpolate(images, size=target, mode="bilinear", align_corners=False, antialias=scale < 1.0)

    @torch.no_grad()
    def __call__(self, frames: torch.Tensor) -> torch.Tensor:
        """(B, T, 3, H, W) uint8 -> (B, T, 512) float."""
        b, t = frames.shape[:2]
        flat = frames.flatten(0, 1)
        pooled = []
        for start in range(0, flat.shape[0], self.chunk):
            x = self._resized(flat[start : start + self.chunk].to(self.mean.dtype) / 255.0)
            pooled.append(self.trunk((x - self.mean) / self.std).float())
        return torch.cat(pooled).view(b, t, IMAGE_FEATURES)
