"""The cost of the optional pretrained image stream (frozen ResNet-18, `model/image_encoder.py`)
per video frame, against the from-scratch video encoder measured in the same run.

    PYTHONPATH=. python benchmarks/image_encoder.py [--device cpu|cuda] [--seconds 8] [--fps 25]

Frames at the small generator's encoder size (72 x 128, as the pipeline gives them), an 8 s clip at
25 fps (200 frames) by default; the image encoder at short sides 72 (the frames as they are), 112
(the default) and 128. Random weights (the speed does not depend on their values; nothing is
downloaded). Prints milliseconds per frame, the clip's seconds of picture per second of compute,
and the ratio to the video encoder. Nothing passes or fails.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from foley_assistant.model.config import GeneratorConfig
from foley_assistant.model.generator import VideoEncoder
from foley_assistant.model.image_encoder import FrozenImageEncoder, ResNet18Trunk


def _seconds(run, device: torch.device, repeats: int) -> float:
    """Median wall time of `run()` after one warm-up call."""
    times = []
    for index in range(repeats + 1):
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        start = time.perf_counter()
        run()
        if device.type == "cuda":
            torch.cuda.synchronize(device)
        if index:
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--fps", type=float, default=25.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    device = torch.device(args.device)
    config = GeneratorConfig()
    n = round(args.seconds * args.fps)
    frames = torch.randint(0, 256, (1, n, 3, *config.frame_size), dtype=torch.uint8, device=device)
    print(f"{n} frames ({args.seconds:g} s at {args.fps:g} fps) of {config.frame_size[1]}x{config.frame_size[0]}, device {device}, {torch.get_num_threads()} CPU threads")
    video = VideoEncoder(config.video_channels, config.width).to(device).eval()
    with torch.no_grad():
        reference = _seconds(lambda: video(frames), device, args.repeats)
    print(f"  from-scratch video encoder:       {1000 * reference / n:7.2f} ms/frame  {args.seconds / reference:8.1f}x real time  (reference)")
    trunk = ResNet18Trunk().to(device).eval()
    for size in (72, 112, 128):
        encoder = FrozenImageEncoder(trunk, size)
        encoder.apply_to_tensors(lambda t: t.to(device))
        spent = _seconds(lambda: encoder(frames), device, args.repeats)
        print(f"  ResNet-18 image stream, {size:3d} px:   {1000 * spent / n:7.2f} ms/frame  {args.seconds / spent:8.1f}x real time  {spent / reference:6.1f}x the video encoder")


if __name__ == "__main__":
    main()
