"""The stereo audio codec: 48 kHz stereo <-> a continuous latent at `latent_rate` frames/s.

Mid/side aware: the encoder sees mid (L+R)/2 and side (L-R)/2, the decoder produces mid and side,
and left/right are mid +- side, so a centred source has exactly zero side and the balance between
channels is carried explicitly. Convolutional (residual dilated units, strided convolutions of
kernel 2 x stride), so it encodes and decodes any length that is a multiple of the hop, and
decoding a long latent in one go has no seams.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from foley_assistant.model.config import CodecConfig


def to_mid_side(stereo: torch.Tensor) -> torch.Tensor:
    """(B, 2, n) left/right -> (B, 2, n) mid/side."""
    left, right = stereo[:, 0:1], stereo[:, 1:2]
    return torch.cat([(left + right) / 2, (left - right) / 2], dim=1)


def to_left_right(mid_side: torch.Tensor) -> torch.Tensor:
    """(B, 2, n) mid/side -> (B, 2, n) left/right."""
    mid, side = mid_side[:, 0:1], mid_side[:, 1:2]
    return torch.cat([mid + side, mid - side], dim=1)


class ResidualUnit(nn.Module):
    """x + conv1x1(elu(conv7_dilated(elu(x))))."""

    def __init__(self, channels: int, dilation: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, 7, padding=3 * dilation, dilation=dilation)
        self.mix = nn.Conv1d(channels, channels, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.mix(F.elu(self.conv(F.elu(x))))


class EncoderBlock(nn.Module):
    """Residual units at 1 and 3 dilation, then a strided convolution down by `stride`."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.units = nn.Sequential(ResidualUnit(c_in, 1), ResidualUnit(c_in, 3))
        self.down = nn.Conv1d(c_in, c_out, 2 * stride, stride=stride, padding=stride // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.down(F.elu(self.units(x)))


class DecoderBlock(nn.Module):
    """A transposed convolution up by `stride`, then residual units."""

    def __init__(self, c_in: int, c_out: int, stride: int) -> None:
        super().__init__()
        self.up = nn.ConvTranspose1d(c_in, c_out, 2 * stride, stride=stride, padding=stride // 2)
        self.units = nn.Sequential(ResidualUnit(c_out, 1), ResidualUnit(c_out, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.units(self.up(F.elu(x)))


class StereoCodec(nn.Module):
    """Autoencoder: `encode` (B, 2, n) -> (B, latent_dim, n / hop), `decode` back."""

    def __init__(self, config: CodecConfig) -> None:
        super().__init__()
        self.config = config
        channels = config.channels
        self.encoder_in = nn.Conv1d(2, channels[0], 7, padding=3)
        downs = []
        for i, stride in enumerate(config.strides):
            downs.append(EncoderBlock(channels[i], channels[min(i + 1, len(channels) - 1)], stride))
        self.encoder = nn.Sequential(*downs)
        self.encoder_out = nn.Conv1d(channels[-1], config.latent_dim, 3, padding=1)
        self.decoder_in = nn.Conv1d(config.latent_dim, channels[-1], 7, padding=3)
        ups = []
        for i in reversed(range(len(config.strides))):
            ups.append(DecoderBlock(channels[min(i + 1, len(channels) - 1)], channels[i], config.strides[i]))
        self.decoder = nn.Sequential(*ups)
        self.decoder_out = nn.Conv1d(channels[0], 2, 7, padding=3)

    @property
    def hop(self) -> int:
        return self.config.hop

    def encode(self, stereo: torch.Tensor) -> torch.Tensor:
        """(B, 2, n) with n a multiple of the hop -> (B, latent_dim, n / hop)."""
        if stereo.shape[-1] % self.hop:
            raise ValueError(f"codec input length {stereo.shape[-1]} is not a multiple of the hop {self.hop}")
        x = self.encoder_in(to_mid_side(stereo))
        return self.encoder_out(F.elu(self.encoder(x)))

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        """(B, latent_dim, T) -> (B, 2, T * hop) left/right."""
        x = self.decoder(self.decoder_in(latent))
        return to_left_right(self.decoder_out(F.elu(x)))

    def forward(self, stereo: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        latent = self.encode(stereo)
        return self.decode(latent), latent


def pad_to_hop(stereo: torch.Tensor, hop: int) -> torch.Tensor:
    """Zero-pad the last axis up to a multiple of `hop`."""
    extra = (-stereo.shape[-1]) % hop
    return F.pad(stereo, (0, extra)) if extra else stereo
