"""Running a trained model: a model folder (codec/ + generator/ checkpoints) loaded once, then
stereo stems for the objects of any shot (any length, any frame rate).

Out of memory on the GPU: the windows are retried in smaller batches (down to one window at a
time), then a `ModelMemoryError` says what happened and what to do.
"""

from __future__ import annotations

import logging
import math
import os
import time
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from foley_assistant.core.errors import FoleyError
from foley_assistant.core.progress import CancelToken
from foley_assistant.core.tracks import ShotTracks
from foley_assistant.model.checkpoint import CheckpointError, load_checkpoint
from foley_assistant.model.codec import StereoCodec
from foley_assistant.model.config import CodecConfig, GeneratorConfig
from foley_assistant.model.device import autocast, inference_dtype, pick_device
from foley_assistant.model.features import OBJECT_FEATURES, ShotConditioning, latent_to_video_frames, shot_conditioning, slots_for
from foley_assistant.model.generator import Conditioning, FlowGenerator
from foley_assistant.model.graphs import StepGraphs
from foley_assistant.model.sampler import sample_long

log = logging.getLogger(__name__)

MIX_TARGET = "mix"
#: Set to 0 to run the sampler's steps eagerly on CUDA (no CUDA graphs).
GRAPHS_ENV = "FOLEY_ASSISTANT_CUDA_GRAPHS"
DECODE_CHUNK_FRAMES = 1500  # 30 s of latent frames per decoder pass
DECODE_CONTEXT_FRAMES = 16
#: Generated audio is high-passed here (second order, forwards and backwards).
SUBSONIC_HZ = 20.0
SUBSONIC_PAD_S = 0.25  # edge padding (reflected) of the zero-phase filter

ProgressFn = Callable[[int, int], None]


class ModelMemoryError(FoleyError):
    """The model did not fit in the device's memory even at the smallest batch."""


def load_codec(folder: str | os.PathLike[str], device: torch.device | str = "cpu") -> StereoCodec:
    """A codec checkpoint as an evaluation-mode model on `device`."""
    checkpoint = load_checkpoint(folder, "codec")
    model = StereoCodec(CodecConfig.from_dict(checkpoint.config))
    model.load_state_dict(checkpoint.weights)
    return model.to(device).eval()


def load_generator(folder: str | os.PathLike[str], device: torch.device | str = "cpu") -> FlowGenerator:
    """A generator checkpoint as an evaluation-mode model on `device`."""
    checkpoint = load_checkpoint(folder, "generator")
    config = GeneratorConfig.from_dict(checkpoint.config)
    if config.object_features != OBJECT_FEATURES:
        raise CheckpointError(f"{folder} was trained on {config.object_features} features per object; this version makes {OBJECT_FEATURES}. Train a new generator (`foley-assistant train generator`).")
    model = FlowGenerator(config)
    model.load_state_dict(checkpoint.weights)
    return model.to(device).eval()


def find_model_parts(model_dir: str | os.PathLike[str]) -> tuple[Path, Path]:
    """(codec folder, generator folder) of a model folder; a clear error when either is missing."""
    root = Path(model_dir)
    codec, generator = root / "codec", root / "generator"
    for part in (codec, generator):
        if not part.is_dir():
            raise CheckpointError(f"{root} has no {part.name}/ checkpoint. A model folder holds codec/ and generator/ (train them with `foley-assistant train codec|generator --model DIR`).")
    return codec, generator


@torch.no_grad()
def decode_latents(codec: StereoCodec, latent: torch.Tensor, chunk_frames: int = DECODE_CHUNK_FRAMES) -> torch.Tensor:
    """(B, D, T) latents -> (B, 2, T * hop) audio, in chunks of `chunk_frames` with
    DECODE_CONTEXT_FRAMES of context on each side (more than the decoder's reach), so the result
    matches a single pass while memory stays bounded for long shots."""
    length = latent.shape[-1]
    if length <= chunk_frames:
        return codec.decode(latent).float()
    hop, parts = codec.hop, []
    for start in range(0, length, chunk_frames):
        end = min(length, start + chunk_frames)
        lo, hi = max(0, start - DECODE_CONTEXT_FRAMES), min(length, end + DECODE_CONTEXT_FRAMES)
        audio = codec.decode(latent[..., lo:hi]).float()
        parts.append(audio[..., (start - lo) * hop : (end - lo) * hop])
    return torch.cat(parts, dim=-1)


def remove_subsonic(audio: torch.Tensor, sample_rate: int) -> torch.Tensor:
    """Audio (B, channels, n) without what lies under `SUBSONIC_HZ`: the response of a second-order
    Butterworth high-pass run forwards and backwards (zero-phase, so no onset moves), applied in
    the frequency domain on the audio's own device (a few milliseconds on a GPU; scipy's
    `sosfiltfilt` on the host took 20-125 ms per 8 s stem, as long as the whole generation on an
    H100), each item on its own (bounded memory), edges padded by reflection. The decoder can
    drift off zero when the generator's latents are off its training manifold: a neural ball stem
    had 99 % of its energy under 20 Hz, where the procedural stems it learned from have none; that
    offset ate the stem's headroom and stepped at its ends."""
    n = audio.shape[-1]
    pad = min(n - 1, int(SUBSONIC_PAD_S * sample_rate))
    if pad < 1:
        return audio
    size = 1 << (n + 2 * pad - 1).bit_length()  # a power of two: the zeros past the padding take the wrap-around
    ratio = (torch.fft.rfftfreq(size, 1.0 / sample_rate, device=audio.device) / SUBSONIC_HZ) ** 4
    response = ratio / (1.0 + ratio)
    out = torch.empty_like(audio, dtype=torch.float32)
    for row in range(audio.shape[0]):
        x = F.pad(audio[row : row + 1].float(), (pad, pad), mode="reflect")
        out[row] = torch.fft.irfft(torch.fft.rfft(x, n=size, dim=-1) * response, n=size, dim=-1)[0, :, pad : pad + n]
    return out


def target_noise(seed: int, target: str, length: int, dim: int) -> torch.Tensor:
    """The starting noise of one target: fixed by the seed and the target's name, so an object's
    stem does not change when other objects are generated with it."""
    generator = torch.Generator().manual_seed(zlib.crc32(f"{seed}/{target}".encode()))
    return torch.randn(length, dim, generator=generator)


class _Stages:
    """Seconds spent per stage of one generation, added to `timings` (the device is synchronised
    at each mark, so only when timings are asked for)."""

    def __init__(self, device: torch.device, timings: dict[str, float] | None) -> None:
        self.device, self.timings = device, timings
        self.last = time.perf_counter()

    def mark(self, stage: str) -> None:
        if self.timings is None:
            return
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)
        now = time.perf_counter()
        self.timings[stage] = self.timings.get(stage, 0.0) + now - self.last
        self.last = now


@dataclass
class NeuralModel:
    """A loaded codec + generator on one device, computing at `dtype` (autocast; float32 is full
    precision); on CUDA the sampler's steps run as CUDA graphs (`graphs`, None to run them
    eagerly; at bf16 only)."""

    codec: StereoCodec
    generator: FlowGenerator
    device: torch.device
    graphs: StepGraphs | None = field(default=None)
    dtype: torch.dtype | None = field(default=None)
    #: Sampler steps of a generation that does not ask for its own (None: the model's config).
    steps: int | None = field(default=None)

    def __post_init__(self) -> None:
        if self.dtype is None:
            self.dtype = inference_dtype(self.device)
        if self.steps is not None and self.steps < 1:
            raise ValueError(f"sampler steps must be at least 1, got {self.steps}")
        if self.graphs is None and self.device.type == "cuda" and self.dtype == torch.bfloat16 and os.environ.get(GRAPHS_ENV, "1") != "0":
            self.graphs = StepGraphs()

    @classmethod
    def load(cls, model_dir: str | os.PathLike[str], device: str = "auto", precision: str = "auto") -> "NeuralModel":
        """Load both checkpoints of a model folder (verified, safetensors only); `precision` as
        `device.inference_dtype` takes it."""
        codec_dir, generator_dir = find_model_parts(model_dir)
        target = pick_device(device)
        dtype = inference_dtype(target, precision)
        return cls(load_codec(codec_dir, target), load_generator(generator_dir, target), target, dtype=dtype)

    @property
    def sample_rate(self) -> int:
        return self.codec.config.sample_rate

    @property
    def dtype_name(self) -> str:
        return str(self.dtype).removeprefix("torch.")

    def conditioning(self, shot: ShotTracks, frames: np.ndarray | None) -> ShotConditioning:
        config = self.generator.config
        return shot_conditioning(shot, frames, config.frame_size, config.labels, None if frames is not None else shot.frame_range.duration)

    def _batch(self, cond: ShotConditioning, targets: list[int | None], n_latent: int) -> Conditioning:
        """Conditioning of one shot for several targets (object index or None = mix)."""
        config = self.generator.config
        index = latent_to_video_frames(n_latent, config.latent_rate, cond.fps, cond.n_video)
        b, k_max = len(targets), config.max_objects
        objects = np.zeros((b, k_max, n_latent, cond.objects.shape[-1]), np.float32)
        labels = np.zeros((b, k_max), np.int64)
        present = np.zeros((b, k_max), bool)
        wanted = np.zeros((b, k_max), np.float32)
        for row, target in enumerate(targets):
            for slot, obj in enumerate(slots_for(cond, target, k_max)):
                objects[row, slot] = cond.objects[obj][index]
                labels[row, slot] = cond.labels[obj]
                present[row, slot] = True
                wanted[row, slot] = 1.0 if target is None or obj == target else 0.0
        frames = None
        if cond.frames is not None:
            frames = torch.from_numpy(np.ascontiguousarray(cond.frames.transpose(0, 3, 1, 2)))[None]
        return Conditioning(
            frames=frames,
            frame_index=torch.from_numpy(np.repeat(index[None], b, axis=0)),
            has_frames=torch.full((b,), cond.frames is not None),
            objects=torch.from_numpy(objects),
            labels=torch.from_numpy(labels),
            present=torch.from_numpy(present),
            target=torch.from_numpy(wanted),
        ).to(self.device)

    @torch.no_grad()
    def generate(
        self,
        shot: ShotTracks,
        frames: np.ndarray | None,
        n_samples: int,
        targets: list[str] | None = None,
        seed: int = 0,
        steps: int | None = None,
        cfg_scale: float | None = None,
        on_progress: ProgressFn | None = None,
        cancel: CancelToken | None = None,
        timings: dict[str, float] | None = None,
    ) -> dict[str, np.ndarray]:
        """Stereo stems (2, n_samples) float32 at the codec's rate, sample 0 at the shot's first frame.

        `targets`: object ids of `shot` and/or "mix" (default: every object). `frames`: the shot's
        RGB frames (any size) or None to generate from the tracks alone. `timings`: when given,
        the seconds of each stage are added to it ("features", "video", "sampler", "decode"),
        synchronising the device between stages.
        """
        config = self.generator.config
        stages = _Stages(self.device, timings)
        cond = self.conditioning(shot, frames)
        wanted = list(targets) if targets is not None else list(cond.object_ids)
        unknown = [t for t in wanted if t != MIX_TARGET and t not in cond.object_ids]
        if unknown:
            raise FoleyError(f"shot {shot.shot_id} has no object {', '.join(unknown)} (objects: {', '.join(cond.object_ids) or 'none'})")
        if not wanted:
            return {}
        if not cond.object_ids:
            return {t: np.zeros((2, n_samples), np.float32) for t in wanted}
        indices = [None if t == MIX_TARGET else cond.object_ids.index(t) for t in wanted]
        n_latent = max(1, math.ceil(n_samples / self.codec.hop))
        batch = self._batch(cond, indices, n_latent)

        def step(done: int, total: int) -> None:
            if cancel is not None:
                cancel.check()
            if on_progress is not None:
                on_progress(done, total)

        noise = torch.stack([target_noise(seed, target, max(n_latent, config.window_frames), config.latent_dim) for target in wanted])
        stages.mark("features")
        per_batch = 64
        while True:
            try:
                with autocast(self.device, self.dtype):
                    batch.visual = self.generator.encode_visual(batch)
                    stages.mark("video")
                    tokens = sample_long(
                        self.generator,
                        batch,
                        n_latent,
                        steps or self.steps or config.steps,
                        config.cfg_scale if cfg_scale is None else cfg_scale,
                        noise,
                        step,
                        per_batch,
                        graphs=self.graphs,
                    )
                    stages.mark("sampler")
                    audio = decode_latents(self.codec, self.generator.denormalise(tokens.float()))
                break
            except torch.cuda.OutOfMemoryError as exc:
                torch.cuda.empty_cache()
                if per_batch == 1:
                    raise ModelMemoryError(
                        f"the model ran out of GPU memory on shot {shot.shot_id} even one window at a time ({exc}). Close other GPU programs, or run the worker on the CPU (--device cpu)."
                    ) from exc
                per_batch = max(1, per_batch // 4)
                log.warning("out of GPU memory; retrying with %d windows per batch", per_batch)
        out = remove_subsonic(audio[..., :n_samples], self.sample_rate).cpu().numpy().astype(np.float32)
        if out.shape[-1] < n_samples:
            out = np.pad(out, ((0, 0), (0, 0), (0, n_samples - out.shape[-1])))
        stages.mark("decode")
        return {target: out[row] for row, target in enumerate(wanted)}
