"""The generator: a transformer trained with flow matching over codec latents, conditioned on the
picture and on the objects' tracks.

Conditioning (all aligned to latent frames through `features.latent_to_video_frames`):
- visual: a small video encoder trained from scratch sees each frame with its difference from the
  previous one (motion) and gives one vector per video frame; optionally (`image_encoder` in the
  config) a frozen pretrained ResNet-18 from the user's local weights adds, per frame, a learned
  projection of its 512 pooled features (`image_encoder`); dropping the picture drops both;
- objects: per slot (up to `max_objects`) and frame, the track features of `features` (box,
  distance, visibility, velocities, in-box motion energy), the label, and the target mask saying
  whether this object's sound is wanted (one object: its stem; every object: the mix).
The target objects' features and the visual vector are added to the latent tokens frame by frame
(sync); every block also cross-attends to all objects' tokens (what is where, including the ones
not wanted). Classifier-free guidance: in training the whole conditioning (and separately the
picture) is dropped at random; a dropped item sees learned "null" vectors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from foley_assistant.model.config import GeneratorConfig
from foley_assistant.model.features import OBJECT_FEATURES
from foley_assistant.model.image_encoder import IMAGE_FEATURES, RESNET18, FrozenImageEncoder, ImageWeightsError, find_recorded_weights, load_trunk


@dataclass
class Conditioning:
    """A batch of conditioning, at latent frame rate except `frames`.

    frames (B, Tv, 3, H, W) uint8 or None (a batch of one is shared by every item);
    frame_index (B, T) video frame per latent frame;
    has_frames (B,) bool; objects (B, K, T, F); labels (B, K); present (B, K) bool;
    target (B, K) float 0/1; visual (B, T, width): the video encoder's output already taken at
    each latent frame (`FlowGenerator.encode_visual`), used instead of `frames` when given.
    """

    frames: torch.Tensor | None
    frame_index: torch.Tensor
    has_frames: torch.Tensor
    objects: torch.Tensor
    labels: torch.Tensor
    present: torch.Tensor
    target: torch.Tensor
    visual: torch.Tensor | None = None

    def to(self, device: torch.device | str) -> "Conditioning":
        return Conditioning(
            frames=None if self.frames is None else self.frames.to(device, non_blocking=True),
            frame_index=self.frame_index.to(device),
            has_frames=self.has_frames.to(device),
            objects=self.objects.to(device, non_blocking=True),
            labels=self.labels.to(device),
            present=self.present.to(device),
            target=self.target.to(device),
            visual=None if self.visual is None else self.visual.to(device),
        )

    def repeat(self, times: int) -> "Conditioning":
        """The batch repeated `times` (for guidance: conditional and unconditional in one pass)."""

        def rep(t: torch.Tensor) -> torch.Tensor:
            return t.repeat(times, *([1] * (t.dim() - 1)))

        return Conditioning(
            frames=None if self.frames is None or self.frames.shape[0] == 1 else rep(self.frames),
            frame_index=rep(self.frame_index),
            has_frames=rep(self.has_frames),
            objects=rep(self.objects),
            labels=rep(self.labels),
            present=rep(self.present),
            target=rep(self.target),
            visual=None if self.visual is None else rep(self.visual),
        )


class VideoEncoder(nn.Module):
    """Per-frame features from RGB and the change from the previous frame: strided 3x3 convolutions,
    then the mean over the picture, then a temporal convolution across frames. Frames go through
    the convolutions `chunk` at a time, so a long shot needs little memory."""

    chunk = 256

    def __init__(self, channels: tuple[int, ...], out_dim: int) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_in = 6
        for c_out in channels:
            layers += [nn.Conv2d(c_in, c_out, 3, stride=2, padding=1), nn.GroupNorm(1, c_out), nn.GELU()]
            c_in = c_out
        self.convs = nn.Sequential(*layers)
        self.temporal = nn.Conv1d(c_in, out_dim, 3, padding=1)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """(B, T, 3, H, W) uint8 -> (B, T, out_dim)."""
        b, t = frames.shape[:2]
        flat = frames.flatten(0, 1)
        previous = torch.cat([frames[:, :1], frames[:, :-1]], dim=1).flatten(0, 1)
        pooled = []
        for start in range(0, flat.shape[0], self.chunk):
            x = flat[start : start + self.chunk].float() / 127.5 - 1.0
            x_prev = previous[start : start + self.chunk].float() / 127.5 - 1.0
            pooled.append(self.convs(torch.cat([x, x - x_prev], dim=1)).mean(dim=(2, 3)))
        x = torch.cat(pooled).view(b, t, -1)
        return self.temporal(x.transpose(1, 2)).transpose(1, 2)


def timestep_embedding(t: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embedding of flow times in [0, 1] (B,) -> (B, dim)."""
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    angles = 1000.0 * t.float()[:, None] * freqs[None]
    return torch.cat([angles.sin(), angles.cos()], dim=1)


def position_embedding(length: int, dim: int, device: torch.device) -> torch.Tensor:
    """Sinusoidal positions (length, dim)."""
    return timestep_embedding(torch.arange(length, device=device, dtype=torch.float32) / 1000.0, dim)


class Block(nn.Module):
    """Self-attention, cross-attention to object tokens, MLP; each modulated by the flow time (adaLN)."""

    def __init__(self, width: int, heads: int, mlp_ratio: float) -> None:
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width, elementwise_affine=False)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width, elementwise_affine=False)
        self.q_cross = nn.Linear(width, width)
        self.kv_cross = nn.Linear(width, 2 * width)
        self.proj_cross = nn.Linear(width, width)
        self.norm3 = nn.LayerNorm(width, elementwise_affine=False)
        hidden = int(width * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(width, hidden), nn.GELU(), nn.Linear(hidden, width))
        self.modulation = nn.Linear(width, 9 * width)
        nn.init.zeros_(self.modulation.weight)
        nn.init.zeros_(self.modulation.bias)

    def _heads(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        return x.view(b, n, self.heads, c // self.heads).transpose(1, 2)

    def cross_keys(self, context: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Keys and values (B, heads, S, width / heads) of the cross-attention to `context`
        (B, S, width): they do not change between sampler steps, so they are made once."""
        k, v = self.kv_cross(context).chunk(2, dim=2)
        return self._heads(k), self._heads(v)

    def null_cross(self, null_token: torch.Tensor) -> torch.Tensor:
        """(width,) the cross-attention's output for a query that may attend to the null token
        alone (a softmax over one key is that key's value, whatever the query)."""
        value = self.kv_cross(null_token.reshape(1, -1)).chunk(2, dim=1)[1]
        return self.proj_cross(value)[0]

    def forward(self, x: torch.Tensor, time: torch.Tensor, cross: tuple[torch.Tensor, torch.Tensor], context_mask: torch.Tensor, null: torch.Tensor | None = None) -> torch.Tensor:
        """x (B, T, width) at flow-time embedding `time` (B, width); `cross` from `cross_keys`,
        `context_mask` (B', 1, 1, S) bool, True where a context token may be attended to. When
        `cross` covers only the first B' < B rows, the others see the null token alone and get
        `null` (`null_cross`) as their cross-attention's output, without computing it."""
        b, n, c = x.shape
        mods = self.modulation(time)[:, None].chunk(9, dim=2)
        h = self.norm1(x) * (1 + mods[0]) + mods[1]
        q, k, v = self.qkv(h).chunk(3, dim=2)
        attended = F.scaled_dot_product_attention(self._heads(q), self._heads(k), self._heads(v))
        x = x + mods[2] * self.proj(attended.transpose(1, 2).reshape(b, n, c))
        h = self.norm2(x) * (1 + mods[3]) + mods[4]
        rows = cross[0].shape[0]
        attended = F.scaled_dot_product_attention(self._heads(self.q_cross(h[:rows])), *cross, attn_mask=context_mask)
        crossed = self.proj_cross(attended.transpose(1, 2).reshape(rows, n, c))
        if rows < b:
            if null is None:
                raise ValueError(f"cross-attention keys for {rows} of {b} rows and no null output for the others")
            crossed = torch.cat([crossed, null.to(crossed.dtype).expand(b - rows, n, c)])
        x = x + mods[5] * crossed
        h = self.norm3(x) * (1 + mods[6]) + mods[7]
        return x + mods[8] * self.mlp(h)


class FlowGenerator(nn.Module):
    """Velocity field v(x_t, t | conditioning) over normalised latents (B, T, latent_dim)."""

    def __init__(self, config: GeneratorConfig) -> None:
        super().__init__()
        self.config = config
        width = config.width
        self.video = VideoEncoder(config.video_channels, width)
        self.image: FrozenImageEncoder | None = None
        if config.image_encoder is not None:
            if config.image_encoder != RESNET18:
                raise ImageWeightsError(f"unknown image encoder {config.image_encoder!r}; this version knows {RESNET18!r}.")
            assert config.image_weights is not None and config.image_weights_sha256 is not None  # GeneratorConfig checks
            weights = find_recorded_weights(config.image_weights, config.image_weights_sha256)
            self.image = FrozenImageEncoder(load_trunk(weights), config.image_size)
            self.image_proj = nn.Linear(IMAGE_FEATURES, width)
        self.null_visual = nn.Parameter(torch.zeros(width))
        if config.object_features != OBJECT_FEATURES:
            raise ValueError(f"the generator config has {config.object_features} object features; the features module makes {OBJECT_FEATURES}")
        self.object_in = nn.Sequential(nn.Linear(OBJECT_FEATURES, width), nn.GELU(), nn.Linear(width, width))
        self.label = nn.Embedding(len(config.labels), width)
        self.slot = nn.Embedding(config.max_objects, width)
        self.wanted = nn.Embedding(2, width)
        self.null_token = nn.Parameter(torch.zeros(1, 1, width))
        self.target_frames = nn.Linear(width, width)
        self.visual_frames = nn.Linear(width, width)
        self.latent_in = nn.Linear(config.latent_dim, width)
        self.time = nn.Sequential(nn.Linear(width, width), nn.SiLU(), nn.Linear(width, width))
        self.blocks = nn.ModuleList(Block(width, config.heads, config.mlp_ratio) for _ in range(config.depth))
        self.norm_out = nn.LayerNorm(width, elementwise_affine=False)
        self.out_modulation = nn.Linear(width, 2 * width)
        self.latent_out = nn.Linear(width, config.latent_dim)
        nn.init.zeros_(self.out_modulation.weight)
        nn.init.zeros_(self.out_modulation.bias)
        nn.init.zeros_(self.latent_out.weight)
        nn.init.zeros_(self.latent_out.bias)
        self.register_buffer("latent_mean", torch.zeros(config.latent_dim))
        self.register_buffer("latent_std", torch.ones(config.latent_dim))

    def _apply(self, fn, recurse=True):  # type: ignore[no-untyped-def]
        """Moves and casts (`to`, `cuda`, ...) reach the frozen image encoder too, which is kept out
        of the module tree so that its weights stay out of the state dict and the optimizer."""
        super()._apply(fn, recurse)
        if self.image is not None:
            self.image.apply_to_tensors(fn)
        return self

    def normalise(self, latent: torch.Tensor) -> torch.Tensor:
        """Codec latents (B, latent_dim, T) -> normalised tokens (B, T, latent_dim)."""
        return ((latent.transpose(1, 2) - self.latent_mean) / self.latent_std).contiguous()

    def denormalise(self, tokens: torch.Tensor) -> torch.Tensor:
        """Normalised tokens (B, T, latent_dim) -> codec latents (B, latent_dim, T)."""
        return (tokens * self.latent_std + self.latent_mean).transpose(1, 2).contiguous()

    def encode_visual(self, cond: Conditioning) -> torch.Tensor | None:
        """(B, T, width) video encoder output at each latent frame (None without frames). Frames
        with a batch of one are encoded once and shared by every item."""
        if cond.visual is not None:
            return cond.visual
        if cond.frames is None:
            return None
        per_frame = self.video(cond.frames)
        if self.image is not None:
            per_frame = per_frame + self.image_proj(self.image(cond.frames).to(per_frame.dtype))
        if per_frame.shape[0] != cond.frame_index.shape[0]:
            per_frame = per_frame.expand(cond.frame_index.shape[0], -1, -1)
        return torch.gather(per_frame, 1, cond.frame_index[..., None].expand(-1, -1, per_frame.shape[-1]))

    def visual_features(self, cond: Conditioning, drop: torch.Tensor) -> torch.Tensor:
        """(B, T, width) visual vector per latent frame; the null vector where dropped or absent."""
        b, t = cond.frame_index.shape
        null = self.null_visual.expand(b, t, -1)
        gathered = self.encode_visual(cond)
        if gathered is None:
            return null
        keep = (cond.has_frames & ~drop)[:, None, None]
        return torch.where(keep, gathered, null)

    def object_tokens(self, cond: Conditioning) -> torch.Tensor:
        """(B, K, T, width) object tokens: features + label + slot + wanted/not wanted."""
        k = cond.objects.shape[1]
        tokens = self.object_in(cond.objects.float())
        tokens = tokens + self.label(cond.labels)[:, :, None] + self.slot.weight[:k][None, :, None]
        return tokens + self.wanted(cond.target.long())[:, :, None]

    def prepare(self, cond: Conditioning, drop: torch.Tensor | None = None, unconditioned: int = 0) -> "Prepared":
        """Everything the conditioning contributes, computed once for all sampler steps; `drop` (B,)
        bool marks the items that see no conditioning at all (the unconditional branch of guidance).

        `unconditioned`: the last rows that many are dropped ones (as guidance lays them out), and
        their cross-attention is not computed at every step but taken as its constant (see
        `Block.null_cross`): the same velocities, about a sixth less work per step on a CPU."""
        b, n = cond.frame_index.shape
        device = cond.frame_index.device
        drop = torch.zeros(b, dtype=torch.bool, device=device) if drop is None else drop
        if unconditioned:
            drop = drop.clone()
            drop[b - unconditioned :] = True
        positions = position_embedding(n, self.config.width, device)
        objects = self.object_tokens(cond)
        present = cond.present & ~drop[:, None]
        wanted = cond.target * present.float()
        target_sum = (objects * wanted[:, :, None, None]).sum(dim=1) / wanted.sum(dim=1).clamp_min(1.0)[:, None, None]
        frames = positions + self.visual_frames(self.visual_features(cond, drop)) + self.target_frames(target_sum)
        context = (objects + positions[None, None]).flatten(1, 2)
        context = torch.cat([self.null_token.expand(b, 1, -1), context], dim=1)
        mask = torch.cat([torch.ones(b, 1, dtype=torch.bool, device=device), present.repeat_interleave(n, dim=1)], dim=1)
        rows = b - unconditioned
        cross = [block.cross_keys(context[:rows]) for block in self.blocks]
        nulls = [block.null_cross(self.null_token) for block in self.blocks] if unconditioned else None
        return Prepared(frames, cross, mask[:rows, None, None, :], nulls)

    def forward(self, x: torch.Tensor, t: torch.Tensor, cond: Conditioning | None = None, drop: torch.Tensor | None = None, prepared: "Prepared | None" = None) -> torch.Tensor:
        """Velocity for tokens x (B, T, latent_dim) at flow times t (B,), given the conditioning
        (`cond` and `drop`, see `prepare`) or its `prepared` form."""
        if prepared is None:
            if cond is None:
                raise ValueError("the generator needs its conditioning (cond) or its prepared form")
            prepared = self.prepare(cond, drop)
        time = self.time(timestep_embedding(t, self.config.width))
        h = self.latent_in(x) + prepared.frames
        nulls = prepared.nulls or [None] * len(self.blocks)
        for block, cross, null in zip(self.blocks, prepared.cross, nulls):
            h = block(h, time, cross, prepared.mask, null)
        shift, scale = self.out_modulation(time)[:, None].chunk(2, dim=2)
        return self.latent_out(self.norm_out(h) * (1 + scale) + shift)


@dataclass
class Prepared:
    """The conditioning's share of the generator: per-frame vectors added to the latent tokens
    (B, T, width), each block's cross-attention keys and values (`Block.cross_keys`) and their
    mask (B', 1, 1, S); when B' < B, `nulls` holds each block's cross-attention output for the
    other rows, which see no conditioning (`Block.null_cross`)."""

    frames: torch.Tensor
    cross: list[tuple[torch.Tensor, torch.Tensor]]
    mask: torch.Tensor
    nulls: list[torch.Tensor] | None = None

    def tensors(self) -> list[torch.Tensor]:
        """Every tensor, in a fixed order (for copying into a captured graph's inputs)."""
        return [self.frames, *(t for pair in self.cross for t in pair), self.mask]
