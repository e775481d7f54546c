"""The stereo audio codec: 48 kHz stereo <-> a continuous latent at `latent_rate` frames/s.

Mid/side aware, with parametric stereo: the encoder sees mid M = (L+R)/2 and side S = (L-R)/2.
Latent channel 0 is not learned: it is the balance c = <S, M> / <M, M> of each latent frame
(clipped to -1..1), which for a panned source (L = gL d, R = gR d) is exactly (gL - gR) / (gL + gR).
The other channels are learned. The decoder produces mid, and side as c(t) * mid + a learned
residual, with c interpolated per sample; left/right are mid +- side. So an object's position is
one explicit number per latent frame that the codec cannot blur, and that the generator has to
get right. Convolutional (residual dilated units, strided convolutions of
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


def _variance_preserving(module: nn.Module) -> None:
    """Weights with variance 1 / (inputs summed per output sample), zero biases: the signal keeps
    its level through the stack at initialisation (PyTorch's default shrinks it by about 1/sqrt(3)
    per layer, so after twenty layers the output would be the biases alone, deaf to the input)."""
    if isinstance(module, nn.ConvTranspose1d):
        fan_in = module.in_channels * module.kernel_size[0] / module.stride[0]
    elif isinstance(module, nn.Conv1d):
        fan_in = module.in_channels * module.kernel_size[0]
    else:
        return
    nn.init.normal_(module.weight, 0.0, fan_in**-0.5)
    if module.bias is not None:
        nn.init.zeros_(module.bias)


class ResidualUnit(nn.Module):
    """x + conv1x1(elu(conv7_dilated(elu(x)))); the 1x1 starts at zero, so the unit starts as the identity."""

    def __init__(self, channels: int, dilation: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(channels, channels, 7, padding=3 * dilation, dilation=dilation)
        self.mix = nn.Conv1d(channels, channels, 1)
        _variance_preserving(self.conv)
        nn.init.zeros_(self.mix.weight)
        nn.init.zeros_(self.mix.bias)

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
        self.encoder_out = nn.Conv1d(channels[-1], config.latent_dim - 1, 3, padding=1)
        self.decoder_in = nn.Conv1d(config.latent_dim, channels[-1], 7, padding=3)
        ups = []
        for i in reversed(range(len(config.strides))):
            ups.append(DecoderBlock(channels[min(i + 1, len(channels) - 1)], channels[i], config.strides[i]))
        self.decoder = nn.Sequential(*ups)
        self.decoder_out = nn.Conv1d(channels[0], 2, 7, padding=3)
        for module in (self.encoder_in, self.encoder_out, self.decoder_in, self.decoder_out, *downs, *ups):
            if isinstance(module, nn.Conv1d):
                _variance_preserving(module)
        for block in (*downs, *ups):
            _variance_preserving(block.down if isinstance(block, EncoderBlock) else block.up)

    @property
    def hop(self) -> int:
        return self.config.hop

    def balance(self, mid_side: torch.Tensor) -> torch.Tensor:
        """(B, 1, n / hop): <S, M> / <M, M> per latent frame, clipped to -1..1 (0 in silence)."""
        frames = mid_side.float().unflatten(-1, (-1, self.hop))
        mid, side = frames[:, 0], frames[:, 1]
        energy = mid.pow(2).sum(-1)
        ratio = (side * mid).sum(-1) / energy.clamp_min(1e-10)
        return torch.where(energy > 1e-10, ratio, torch.zeros_like(ratio)).clamp(-1.0, 1.0)[:, None]

    def encode(self, stereo: torch.Tensor) -> torch.Tensor:
        """(B, 2, n) with n a multiple of the hop -> (B, latent_dim, n / hop); channel 0 is the balance."""
        if stereo.shape[-1] % self.hop:
            raise ValueError(f"codec input length {stereo.shape[-1]} is not a multiple of the hop {self.hop}")
        mid_side = to_mid_side(stereo)
        learned = self.encoder_out(F.elu(self.encoder(self.encoder_in(mid_side))))
        return torch.cat([self.balance(mid_side).to(learned.dtype), learned], dim=1)

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        """(B, latent_dim, T) -> (B, 2, T * hop) left/right."""
        x = self.decoder(self.decoder_in(latent))
        mid, residual = self.decoder_out(F.elu(x)).chunk(2, dim=1)
        balance = F.interpolate(latent[:, :1].clamp(-1.0, 1.0), scale_factor=self.hop, mode="linear", align_corners=False)
        return to_left_right(torch.cat([mid, balance * mid + residual], dim=1))

    def forward(self, stereo: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        latent = self.encode(stereo)
        return self.decode(latent), latent


def pad_to_hop(stereo: torch.Tensor, hop: int) -> torch.Tensor:
    """Zero-pad the last axis up to a multiple of `hop`."""
    extra = (-stereo.shape[-1]) % hop
    return F.pad(stereo, (0, extra)) if extra else stereo
