"""Training the codec and the generator: from scratch, resuming, or fine-tuning a checkpoint.

Both loops take an iterator of collated batches (`data.collate`), train for `steps` optimizer
steps in total (a resumed run continues from the step its checkpoint reached) or until
`time_budget_s` has passed, whichever comes first, write the
checkpoint every `save_every` steps and at the end, and append their losses to
`<checkpoint>.log.jsonl` (one JSON object per logged step). bf16 autocast on CUDA.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import torch

from foley_assistant.model.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from foley_assistant.model.codec import StereoCodec
from foley_assistant.model.config import CodecConfig, GeneratorConfig
from foley_assistant.model.data import batch_conditioning
from foley_assistant.model.device import autocast
from foley_assistant.model.generator import FlowGenerator
from foley_assistant.model.losses import channel_weights, codec_loss, flow_matching_loss

LogCallback = Callable[[dict[str, Any]], None]


@dataclass(frozen=True)
class TrainSettings:
    """How long and how fast to train."""

    steps: int = 1000
    learning_rate: float = 3e-4
    warmup_steps: int = 100
    weight_decay: float = 0.01
    grad_clip: float = 1.0
    log_every: int = 10
    save_every: int = 500
    seed: int = 0
    time_budget_s: float | None = None


def _schedule(step: int, settings: TrainSettings, elapsed_s: float = 0.0) -> float:
    """Linear warm-up, then cosine decay to a tenth of the rate, over the steps or the time budget
    (whichever runs out first)."""
    if step < settings.warmup_steps:
        return (step + 1) / settings.warmup_steps
    progress = (step - settings.warmup_steps) / max(1, settings.steps - settings.warmup_steps)
    if settings.time_budget_s:
        progress = max(progress, elapsed_s / settings.time_budget_s)
    return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))


class _Run:
    """What both loops share: optimizer, schedule, resume, logging, checkpoints."""

    def __init__(
        self,
        kind: str,
        folder: Path,
        model: torch.nn.Module,
        config: dict[str, Any],
        settings: TrainSettings,
        resume: bool,
        log: LogCallback | None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.kind, self.folder, self.model, self.config, self.settings = kind, Path(folder), model, config, settings
        self.extra = extra or {}
        self.optimizer = torch.optim.AdamW(model.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
        self.step = 0
        self.history: list[dict[str, Any]] = []
        if resume:
            previous = load_checkpoint(self.folder, kind, with_optimizer=True)
            model.load_state_dict(previous.weights)
            if previous.optimizer is not None:
                self.optimizer.load_state_dict(previous.optimizer)
            self.step = int(previous.training.get("step", 0))
            self.history = list(previous.training.get("losses", []))
        self.log = log
        self.log_path = self.folder.with_name(self.folder.name + ".log.jsonl")
        self.started = time.perf_counter()

    @property
    def elapsed_s(self) -> float:
        return time.perf_counter() - self.started

    @property
    def done(self) -> bool:
        out_of_time = self.settings.time_budget_s is not None and self.elapsed_s >= self.settings.time_budget_s
        return self.step >= self.settings.steps or out_of_time

    def update(self, loss: torch.Tensor, parts: dict[str, torch.Tensor]) -> None:
        lr = self.settings.learning_rate * _schedule(self.step, self.settings, self.elapsed_s)
        for group in self.optimizer.param_groups:
            group["lr"] = lr
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.settings.grad_clip)
        self.optimizer.step()
        self.step += 1
        if self.step % self.settings.log_every == 0 or self.step == 1 or self.done:
            record = {"kind": self.kind, "step": self.step, "loss": round(float(loss.detach()), 6)}
            record.update({k: round(float(v), 6) for k, v in parts.items() if k != "total"})
            record["lr"] = lr
            record["seconds"] = round(self.elapsed_s, 2)
            self.history.append(record)
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.log_path, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(record) + "\n")
            if self.log is not None:
                self.log(record)
        if self.step % self.settings.save_every == 0 or self.done:
            self.save()

    def save(self) -> None:
        training = {"step": self.step, "settings": asdict(self.settings), "losses": self.history[-2000:], **self.extra}
        weights = {k: v for k, v in self.model.state_dict().items()}
        save_checkpoint(self.folder, Checkpoint(self.kind, self.config, weights, training, self.optimizer.state_dict()))


def _start_weights(model: torch.nn.Module, start: Checkpoint | None) -> None:
    if start is not None:
        model.load_state_dict(start.weights)


#: The codec trains on each item at a random gain in this range (dB), never above a peak of PEAK_LIMIT:
#: real stems come at any level, the synthetic ones mostly around -40 dBFS.
GAIN_AUGMENT_DB = (-24.0, 18.0)
PEAK_LIMIT = 0.99


def random_gain(audio: torch.Tensor, low_db: float = GAIN_AUGMENT_DB[0], high_db: float = GAIN_AUGMENT_DB[1]) -> torch.Tensor:
    """(B, C, n) audio, each item scaled by a gain drawn uniformly in dB, its peak kept under PEAK_LIMIT."""
    b = audio.shape[0]
    gain_db = torch.empty(b, 1, 1, device=audio.device).uniform_(low_db, high_db)
    peak = audio.abs().amax(dim=(1, 2), keepdim=True).clamp_min(1e-9)
    return audio * torch.minimum(torch.pow(10.0, gain_db / 20.0), PEAK_LIMIT / peak)


def train_codec(
    folder: str | Path,
    config: CodecConfig,
    batches: Iterator[dict[str, Any]],
    settings: TrainSettings,
    device: torch.device,
    start: Checkpoint | None = None,
    resume: bool = False,
    log: LogCallback | None = None,
) -> StereoCodec:
    """Train the codec on batches of {"audio": (B, 2, n)}, each item at a random gain
    (`random_gain`); returns the trained model (on `device`)."""
    torch.manual_seed(settings.seed)
    model = StereoCodec(config)
    _start_weights(model, start)
    model.to(device).train()
    run = _Run("codec", Path(folder), model, config.to_dict(), settings, resume, log)
    while not run.done:
        audio = random_gain(next(batches)["audio"].to(device, non_blocking=True))
        with autocast(device):
            estimate, latent = model(audio)
        parts = codec_loss(estimate.float(), audio, latent, config)
        run.update(parts["total"], parts)
    return model.eval()


STATISTICS_ITEMS = 64


@torch.no_grad()
def latent_statistics(codec: StereoCodec, audio: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-channel mean and standard deviation of the codec's latents of `audio` (B, 2, n); no
    channel's deviation is taken below a tenth of the median one (a channel that barely varies in
    these items, such as the balance of mostly centred sounds, must not blow up later)."""
    latent = torch.cat([codec.encode(chunk).float() for chunk in audio.split(16)])
    mean = latent.mean(dim=(0, 2))
    std = latent.std(dim=(0, 2))
    return mean, std.clamp_min(max(1e-4, 0.1 * float(std.median())))


def train_generator(
    folder: str | Path,
    config: GeneratorConfig,
    codec: StereoCodec,
    batches: Iterator[dict[str, Any]],
    settings: TrainSettings,
    device: torch.device,
    start: Checkpoint | None = None,
    resume: bool = False,
    log: LogCallback | None = None,
) -> FlowGenerator:
    """Train the generator with rectified flow on codec latents of the batches' target audio."""
    torch.manual_seed(settings.seed)
    model = FlowGenerator(config)
    _start_weights(model, start)
    model.to(device).train()
    codec = codec.to(device).eval()
    for parameter in codec.parameters():
        parameter.requires_grad_(False)
    first = [next(batches)]
    if start is None and not resume:
        while sum(len(b["audio"]) for b in first) < STATISTICS_ITEMS and len(first) < 8:
            first.append(next(batches))
        mean, std = latent_statistics(codec, torch.cat([b["audio"] for b in first]).to(device))
        model.latent_mean.copy_(mean)
        model.latent_std.copy_(std)
    run = _Run("generator", Path(folder), model, config.to_dict(), settings, resume, log)
    weights = channel_weights(config.latent_dim, config.measured_weight, device)
    while not run.done:
        batch = first.pop(0) if first else next(batches)
        audio = batch["audio"].to(device, non_blocking=True)
        cond = batch_conditioning(batch).to(device)
        b = audio.shape[0]
        with torch.no_grad(), autocast(device):
            data = model.normalise(codec.encode(audio).float())
        cond.has_frames = cond.has_frames & (torch.rand(b, device=device) >= config.visual_dropout)
        drop = torch.rand(b, device=device) < config.cond_dropout
        noise = torch.randn_like(data)
        t = torch.sigmoid(torch.randn(b, device=device))  # logit-normal flow times
        x_t = (1 - t)[:, None, None] * noise + t[:, None, None] * data
        with autocast(device):
            velocity = model(x_t, t, cond, drop)
        loss = flow_matching_loss(velocity, noise, data, weights)
        run.update(loss, {})
    return model.eval()
