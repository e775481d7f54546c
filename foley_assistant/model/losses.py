"""Codec losses: multi-resolution STFT (spectral convergence + log magnitude) on left, right, mid
and side, the energy envelope in 5 ms frames (when the sound is: onsets and decays), an L1
waveform term, the left/right balance per latent frame (where the sound is); all measured on the
signals divided by the target's RMS, so quiet and loud items count alike. And the flow-matching
loss of the generator."""

from __future__ import annotations

import torch
from torch.nn import functional as F

from foley_assistant.model.codec import MEASURED_CHANNELS, to_mid_side
from foley_assistant.model.config import CodecConfig

EPS = 1e-5
LOG_FLOOR = 1e-4
#: Items quieter than this RMS (-80 dBFS) are scaled as if they were this loud.
LEVEL_FLOOR_RMS = 1e-4
#: Envelope frames more than this far under the item's loudest frame count less and less (soft gate).
ENVELOPE_GATE = 1e-4  # -40 dB
ENVELOPE_FLOOR = 1e-6  # -60 dB: log energies are compared above this (relative to the loudest frame)


def stft_magnitude(signal: torch.Tensor, size: int) -> torch.Tensor:
    """|STFT| of (N, n) signals, Hann window of `size`, hop size / 4."""
    window = torch.hann_window(size, device=signal.device, dtype=signal.dtype)
    spec = torch.stft(signal, size, hop_length=size // 4, window=window, return_complex=True)
    return spec.abs().clamp_min(EPS)


def spectral_loss(estimate: torch.Tensor, target: torch.Tensor, sizes: tuple[int, ...], rms: torch.Tensor | None = None) -> torch.Tensor:
    """Mean over resolutions of spectral convergence + L1 of log magnitudes (floored at -80 dB), for
    (N, n) signals. The convergence is relative to the target's own spectrum, or when `rms` is given
    to a signal of that RMS level (the side of a centred source is silent, so mid and side are
    measured against the left/right level: by Parseval a Hann-windowed bin holds rms^2 sum(w^2))."""
    total = estimate.new_zeros(())
    for size in sizes:
        est, ref = stft_magnitude(estimate.float(), size), stft_magnitude(target.float(), size)
        if rms is None:
            norm = torch.linalg.norm(ref)
        else:
            window_energy = float(torch.hann_window(size).pow(2).sum())
            norm = rms * (window_energy * ref.numel()) ** 0.5
        convergence = torch.linalg.norm(ref - est) / (norm + EPS)
        log_mag = F.l1_loss(torch.log(est.clamp_min(LOG_FLOOR)), torch.log(ref.clamp_min(LOG_FLOOR)))
        total = total + convergence + log_mag
    return total / len(sizes)


def balance_loss(estimate: torch.Tensor, target: torch.Tensor, frame: int) -> torch.Tensor:
    """Mean absolute error of the left/right balance (E_L - E_R) / (E_L + E_R) per frame of `frame`
    samples, weighted by the target's energy in that frame (silence has no position)."""

    def energies(audio: torch.Tensor) -> torch.Tensor:
        n = audio.shape[-1] // frame * frame
        return audio[..., :n].float().pow(2).unflatten(-1, (-1, frame)).mean(-1)

    est, ref = energies(estimate), energies(target)
    b_est = (est[:, 0] - est[:, 1]) / (est.sum(1) + 1e-8)
    b_ref = (ref[:, 0] - ref[:, 1]) / (ref.sum(1) + 1e-8)
    weight = ref.sum(1)
    return ((b_est - b_ref).abs() * weight).sum() / (weight.sum() + 1e-12)


def envelope_loss(estimate: torch.Tensor, target: torch.Tensor, frame: int) -> torch.Tensor:
    """Mean absolute difference of log energy (natural log: 1 is 4.3 dB) per frame of `frame`
    samples, for (B, C, n) signals (energy summed over channels). Each item is compared above
    ENVELOPE_FLOOR of its loudest target frame, and each frame weighted by e / (e + ENVELOPE_GATE
    peak): the frames within about 40 dB of the peak count alike, silence does not."""
    n = target.shape[-1] // frame * frame

    def energies(audio: torch.Tensor) -> torch.Tensor:
        return audio[..., :n].float().pow(2).sum(1).unflatten(-1, (-1, frame)).mean(-1)

    est, ref = energies(estimate), energies(target)
    peak = ref.amax(dim=-1, keepdim=True).detach()
    floor = ENVELOPE_FLOOR * peak + 1e-12
    difference = (torch.log(est + floor) - torch.log(ref + floor)).abs()
    weight = ref / (ref + ENVELOPE_GATE * peak + 1e-12)
    return (difference * weight).sum() / weight.sum().clamp_min(1e-8)


def codec_loss(estimate: torch.Tensor, target: torch.Tensor, latent: torch.Tensor, config: CodecConfig) -> dict[str, torch.Tensor]:
    """Losses of a reconstruction (B, 2, n) against its input; "total" is what is minimised.
    Both are divided by the target's RMS per item first (the losses do not depend on the level)."""
    scale = target.float().pow(2).mean(dim=(1, 2), keepdim=True).sqrt().clamp_min(LEVEL_FLOOR_RMS)
    est, ref = estimate.float() / scale, target.float() / scale
    lr = spectral_loss(est.flatten(0, 1), ref.flatten(0, 1), config.stft_sizes)
    ms_est, ms_ref = to_mid_side(est), to_mid_side(ref)
    unit = ref.new_ones(())
    mid = spectral_loss(ms_est[:, 0], ms_ref[:, 0], config.stft_sizes, unit)
    side = spectral_loss(ms_est[:, 1], ms_ref[:, 1], config.stft_sizes, unit)
    envelope = envelope_loss(ms_est, ms_ref, config.envelope_frame)
    wave = F.l1_loss(est, ref) + F.l1_loss(ms_est[:, 1], ms_ref[:, 1])
    balance = balance_loss(est, ref, config.hop)
    penalty = latent[:, MEASURED_CHANNELS:].float().pow(2).mean()
    total = lr + mid + config.side_weight * side + config.envelope_weight * envelope + config.waveform_weight * wave + config.balance_weight * balance + config.latent_penalty * penalty
    parts = {"stft": lr, "mid": mid, "side": side, "envelope": envelope, "wave": wave, "balance": balance}
    return {"total": total, **{name: value.detach() for name, value in parts.items()}}


def flow_matching_loss(velocity: torch.Tensor, noise: torch.Tensor, data: torch.Tensor, weights: torch.Tensor | None = None) -> torch.Tensor:
    """Rectified flow: the model's velocity at x_t = (1 - t) noise + t data should be data - noise.
    Mean squared error over (B, T, D) tokens, each channel weighted by `weights` (D,) when given
    (normalised to a mean of 1)."""
    error = (velocity.float() - (data - noise).float()).pow(2)
    if weights is None:
        return error.mean()
    return (error * (weights / weights.mean())).mean()


def channel_weights(latent_dim: int, measured_weight: float, device: torch.device | str = "cpu") -> torch.Tensor:
    """(latent_dim,) flow-loss weights: `measured_weight` for the codec's measured channels (balance
    and level), 1 for the learned ones."""
    weights = torch.ones(latent_dim, device=device)
    weights[:MEASURED_CHANNELS] = measured_weight
    return weights
