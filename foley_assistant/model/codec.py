"""The stereo audio codec: 48 kHz stereo <-> a continuous latent at `latent_rate` frames/s.

Two latent channels are not learned but measured, so that the two things the generator must get
right, where a sound is and when it happens, are explicit numbers per latent frame that the codec
cannot blur or lose:

- channel 0, the balance c = <S, M> / <M, M> of each frame (mid M = (L+R)/2, side S = (L-R)/2,
  clipped to -1..1), which for a panned source (L = gL d, R = gR d) is exactly (gL - gR) / (gL + gR);
- channel 1, the level: the frame's energy mean(M^2 + S^2) in dB (floored at LEVEL_FLOOR_DB),
  as (dB - LEVEL_REFERENCE_DB) / LEVEL_SCALE_DB.

The other channels are learned, from the input brought to unit level frame by frame (divided by
an envelope that never falls below the level of the frame or its neighbours, so an onset is never
divided by the silence before it). The decoder makes a unit-level mid and a side residual; side
= c * mid + residual (c interpolated per sample); the pair is then scaled, frame by frame, to the
level channel's energy, the gain interpolated per sample in dB (and corrected once more per frame,
since the interpolation moves energy between neighbouring frames). So whatever the learned part has
(or has not yet) learned, the output is a sound with the input's envelope, at its place; the
learned part adds the timbre and the shape of the attack within a frame. (A first codec without
the level channel collapsed on quiet stems to the same stationary noise for every input.)

Convolutional (residual dilated units, strided convolutions of kernel 2 x stride), so it encodes
and decodes any length that is a multiple of the hop, and decoding a long latent in one go has no
seams.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from foley_assistant.model.config import CodecConfig

BALANCE_CHANNEL = 0
LEVEL_CHANNEL = 1
MEASURED_CHANNELS = 2
LEVEL_FLOOR_DB = -90.0
#: Frame energy of a full-scale signal: a generated level above it is a miss, not a loud sound.
LEVEL_CEILING_DB = 0.0
LEVEL_REFERENCE_DB = -45.0
LEVEL_SCALE_DB = 15.0
#: The decoder's learned output counts as unit level within this many dB (a frame it makes nearly
#: silent is not blown up, and its gain cannot leak into the neighbouring frames through the
#: per-sample interpolation).
UNIT_RANGE_DB = 20.0
SILENCE_DB = -200.0


def to_mid_side(stereo: torch.Tensor) -> torch.Tensor:
    """(B, 2, n) left/right -> (B, 2, n) mid/side."""
    left, right = stereo[:, 0:1], stereo[:, 1:2]
    return torch.cat([(left + right) / 2, (left - right) / 2], dim=1)


def to_left_right(mid_side: torch.Tensor) -> torch.Tensor:
    """(B, 2, n) mid/side -> (B, 2, n) left/right."""
    mid, side = mid_side[:, 0:1], mid_side[:, 1:2]
    return torch.cat([mid + side, mid - side], dim=1)


def frame_level_db(mid_side: torch.Tensor, hop: int, floor_db: float = LEVEL_FLOOR_DB) -> torch.Tensor:
    """(B, 2, n) mid/side -> (B, n / hop) energy per frame, mean(M^2 + S^2), in dB (at least `floor_db`)."""
    energy = mid_side.double().pow(2).sum(1).unflatten(-1, (-1, hop)).mean(-1)  # float64: no overflow
    return (10.0 * torch.log10(energy.clamp_min(10.0 ** (floor_db / 10.0)))).float()


def tamed(unit: torch.Tensor, hop: int) -> torch.Tensor:
    """The decoder's learned output (B, 2, n) with every frame louder than UNIT_RANGE_DB brought
    down to it, frame by frame, and non-finite samples zeroed. A latent off the codec's training
    manifold (a briefly trained generator's) can make the decoder's output overflow by twenty
    orders of magnitude in a few frames; the level shaping that follows assumes unit range.

    The cut is interpolated per sample in dB, like every other gain of the decoder: a gain held
    per frame stepped at each frame boundary where the excess changed, and on real footage those
    steps were clicks up to 50 dB above the stem's RMS."""
    unit = torch.nan_to_num(unit, nan=0.0, posinf=0.0, neginf=0.0)
    excess = (frame_level_db(unit, hop, SILENCE_DB) - UNIT_RANGE_DB).clamp_min(0.0)
    return unit * db_gain(-excess, hop)


def level_to_channel(level_db: torch.Tensor) -> torch.Tensor:
    """Frame levels in dB -> the level channel's values (about -3..3)."""
    return (level_db - LEVEL_REFERENCE_DB) / LEVEL_SCALE_DB


def channel_to_level(channel: torch.Tensor) -> torch.Tensor:
    """The level channel's values -> frame levels in dB (between the floor and full scale)."""
    return (channel.float() * LEVEL_SCALE_DB + LEVEL_REFERENCE_DB).clamp(LEVEL_FLOOR_DB, LEVEL_CEILING_DB)


def per_sample(frames: torch.Tensor, hop: int) -> torch.Tensor:
    """(B, T) values at frame centres -> (B, 1, T * hop) linearly interpolated per sample (held at the ends)."""
    return F.interpolate(frames[:, None].float(), scale_factor=hop, mode="linear", align_corners=False)


def db_gain(level_db: torch.Tensor, hop: int) -> torch.Tensor:
    """(B, T) dB per frame -> (B, 1, T * hop) amplitude gain per sample, interpolated in dB (so a
    rise from silence stays steep)."""
    return torch.pow(10.0, per_sample(level_db, hop) / 20.0)


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
        self.encoder_out = nn.Conv1d(channels[-1], config.latent_dim - MEASURED_CHANNELS, 3, padding=1)
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
        # the side residual starts at zero: an untrained or briefly trained codec places a sound
        # exactly by its balance, and training adds width only where the input has it
        with torch.no_grad():
            self.decoder_out.weight[1].zero_()
            self.decoder_out.bias[1].zero_()

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
        """(B, 2, n) with n a multiple of the hop -> (B, latent_dim, n / hop): the balance, the
        level, then the learned channels."""
        if stereo.shape[-1] % self.hop:
            raise ValueError(f"codec input length {stereo.shape[-1]} is not a multiple of the hop {self.hop}")
        mid_side = to_mid_side(stereo.float())
        level = frame_level_db(mid_side, self.hop)
        ceiling = F.max_pool1d(level[:, None], 3, stride=1, padding=1)[:, 0]
        unit = mid_side / db_gain(ceiling, self.hop)
        learned = self.encoder_out(F.elu(self.encoder(self.encoder_in(unit.to(self.encoder_in.weight.dtype)))))
        measured = torch.cat([self.balance(mid_side), level_to_channel(level)[:, None]], dim=1)
        return torch.cat([measured.to(learned.dtype), learned], dim=1)

    def decode(self, latent: torch.Tensor) -> torch.Tensor:
        """(B, latent_dim, T) -> (B, 2, T * hop) left/right, float32."""
        x = self.decoder(self.decoder_in(latent))
        mid, residual = self.decoder_out(F.elu(x)).float().chunk(2, dim=1)
        balance = per_sample(latent[:, BALANCE_CHANNEL].float().clamp(-1.0, 1.0), self.hop)
        unit = tamed(torch.cat([mid, balance * mid + residual], dim=1), self.hop)
        made = frame_level_db(unit, self.hop, -UNIT_RANGE_DB)  # within +-UNIT_RANGE_DB: tamed above
        wanted = channel_to_level(latent[:, LEVEL_CHANNEL])
        shaped = unit * db_gain(wanted - made, self.hop)
        # the per-sample interpolation moves energy between frames (an isolated click loses about
        # 5 dB to its silent neighbours): one more pass brings each frame back to its level
        again = (wanted - frame_level_db(shaped, self.hop, SILENCE_DB)).clamp_max(UNIT_RANGE_DB)
        return to_left_right(shaped * db_gain(again, self.hop))

    def forward(self, stereo: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        latent = self.encode(stereo)
        return self.decode(latent), latent


def pad_to_hop(stereo: torch.Tensor, hop: int) -> torch.Tensor:
    """Zero-pad the last axis up to a multiple of `hop`."""
    extra = (-stereo.shape[-1]) % hop
    return F.pad(stereo, (0, extra)) if extra else stereo
