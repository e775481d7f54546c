"""Model configurations (plain frozen dataclasses, JSON round trip; no torch).

A model folder holds two checkpoints, `codec/` and `generator/`, each with its own config.json
(see `checkpoint`). The sizes below are the defaults of a small model; `tiny()` gives the sizes
the CPU tests and the smoke run use.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, TypeVar

from foley_assistant.core.errors import FoleyError

#: Labels the generator knows; anything else maps to "object".
LABELS: tuple[str, ...] = ("object", "person", "car", "ball")

T = TypeVar("T", bound="_JsonConfig")


class CodecVersionError(FoleyError):
    """A codec checkpoint of an older latent layout."""


#: The codec's latent layout: 2 = balance and level channels, then the learned ones.
CODEC_VERSION = 2


class _JsonConfig:
    """JSON round trip for a frozen dataclass of numbers, strings and tuples."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any]) -> T:
        """Build from a dict; unknown keys are ignored, lists become tuples."""
        known = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        values = {k: tuple(v) if isinstance(v, list) else v for k, v in data.items() if k in known}
        return cls(**values)


@dataclass(frozen=True)
class CodecConfig(_JsonConfig):
    """Stereo 48 kHz autoencoder to a continuous latent.

    The encoder sees mid/side ((L+R)/2, (L-R)/2); latent channel 0 is the stereo balance and
    channel 1 the level of each frame (see `codec`); strides multiply to the hop (samples per
    latent frame): 4 * 4 * 6 * 10 = 960, i.e. 50 latent frames per second at 48 kHz. `version`
    names the latent layout (2: balance and level; 1, without the level channel, is no longer
    read). The loss weights and `envelope_frame` (samples per frame of the envelope loss) are
    training settings kept with the model.
    """

    sample_rate: int = 48000
    channels: tuple[int, ...] = (16, 32, 64, 128)
    strides: tuple[int, ...] = (4, 4, 6, 10)
    latent_dim: int = 32
    stft_sizes: tuple[int, ...] = (2048, 512, 128)
    side_weight: float = 1.0
    waveform_weight: float = 1.0
    balance_weight: float = 1.0
    latent_penalty: float = 1e-3
    envelope_weight: float = 1.0
    envelope_frame: int = 240
    version: int = CODEC_VERSION

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "CodecConfig":
        """Build from a dict; a codec of another latent layout is refused with what to do."""
        version = data.get("version", 1)
        if version != CODEC_VERSION:
            raise CodecVersionError(
                f"this codec has latent layout {version}; this version of Foley Assistant reads layout {CODEC_VERSION} "
                "(balance and level channels). Train a new model (`foley-assistant train codec`, then `train generator`)."
            )
        return super().from_dict(data)

    def __post_init__(self) -> None:
        if self.latent_dim < 3:
            raise ValueError(f"the codec needs at least 3 latent channels (balance, level, one learned), got {self.latent_dim}")
        if len(self.channels) != len(self.strides):
            raise ValueError("codec channels and strides must have the same length")
        if any(s % 2 for s in self.strides):
            raise ValueError(f"codec strides must be even, got {self.strides}")

    @property
    def hop(self) -> int:
        """Audio samples per latent frame."""
        return math.prod(self.strides)

    @property
    def latent_rate(self) -> float:
        """Latent frames per second."""
        return self.sample_rate / self.hop


@dataclass(frozen=True)
class GeneratorConfig(_JsonConfig):
    """Flow-matching transformer over codec latents, conditioned on picture and object tracks.

    `window_frames` latent frames make one training window (and one generation window; longer
    shots are generated in overlapping windows, `overlap_frames` long, crossfaded). `frame_size` is
    the (height, width) the video encoder sees. Object features per video frame come from
    `features.object_features` (`object_features` values each). `measured_weight` is the weight
    of the codec's measured channels (balance and level: where and when) in the flow-matching loss,
    against 1 for each learned channel.

    `image_encoder` names an optional second visual stream, a frozen pretrained image encoder
    ("resnet18", see `image_encoder`; None: the from-scratch video encoder alone). Its weights are
    the user's own file, not part of the checkpoint: `image_weights` is where it was found and
    `image_weights_sha256` its hash, checked at every load. It sees each frame resized to a short
    side of `image_size` pixels.
    """

    latent_dim: int = 32
    latent_rate: float = 50.0
    width: int = 160
    depth: int = 4
    heads: int = 4
    mlp_ratio: float = 4.0
    max_objects: int = 4
    labels: tuple[str, ...] = LABELS
    object_features: int = 14
    frame_size: tuple[int, int] = (72, 128)
    video_channels: tuple[int, ...] = (16, 32, 64, 96)
    window_frames: int = 128
    overlap_frames: int = 32
    cond_dropout: float = 0.1
    visual_dropout: float = 0.2
    cfg_scale: float = 2.5
    steps: int = 16
    measured_weight: float = 4.0
    image_encoder: str | None = None
    image_weights: str | None = None
    image_weights_sha256: str | None = None
    image_size: int = 112

    def __post_init__(self) -> None:
        if self.image_encoder is not None and (self.image_weights is None or self.image_weights_sha256 is None):
            raise ValueError("a generator with an image encoder needs its weights file and that file's sha256")

    @property
    def window_seconds(self) -> float:
        return self.window_frames / self.latent_rate


def tiny_codec() -> CodecConfig:
    """A codec small enough to train for a few steps on a CPU in a test (hop 960, 50 frames/s)."""
    return CodecConfig(channels=(8, 12, 16, 24), latent_dim=8, stft_sizes=(512, 128))


def tiny_generator(codec: CodecConfig) -> GeneratorConfig:
    """A generator small enough for CPU tests: 2 blocks of width 48, 32 x 56 frames (also the image
    encoder's size, when it has one), 1.28 s windows."""
    return GeneratorConfig(
        latent_dim=codec.latent_dim,
        latent_rate=codec.latent_rate,
        width=48,
        depth=2,
        heads=4,
        mlp_ratio=2.0,
        frame_size=(32, 56),
        video_channels=(8, 16, 24),
        window_frames=64,
        overlap_frames=16,
        steps=4,
        image_size=32,
    )


def matched_generator(codec: CodecConfig, generator: GeneratorConfig) -> GeneratorConfig:
    """The generator config with the codec's latent size and rate."""
    return replace(generator, latent_dim=codec.latent_dim, latent_rate=codec.latent_rate)
