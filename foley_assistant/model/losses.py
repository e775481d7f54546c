"""Codec losses: multi-resolution STFT (spectral convergence + log magnitude) on left, right, mid
and side, an L1 waveform term, the left/right balance per latent frame (where the sound is); and
the flow-matching loss of the generator."""

from __future__ import annotations

import torch
from torch.nn import functional as F

from foley_assistant.model.codec import to_mid_side
from foley_assistant.model.config import CodecConfig

EPS = 1e-5
LOG_FLOOR = 1e-4


def stft_magnitude(signal: torch.Tensor, size: int) -> torch.Tensor:
    """|STFT| of (N, n) signals, Hann window of `size`, hop size / 4."""
    window = torch.hann_window(size, device=signal.device, dtype=signal.dtype)
    spec = torch.stft(signal, size, hop_length=size // 4, window=window, return_complex=True)
    return spec.abs().clamp_min(EPS)


def spectral_loss(
    estimate: torch.Tensor, target: torch.Tensor, sizes: tuple[int, ...], rms: torch.Tensor | None = None
) -> torch.Tensor:
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


def codec_loss(estimate: torch.Tensor, target: torch.Tensor, latent: torch.Tensor, config: CodecConfig) -> dict[str, torch.Tensor]:
    """Losses of a reconstruction (B, 2, n) against its input; "total" is what is minimised."""
    lr = spectral_loss(estimate.flatten(0, 1), target.flatten(0, 1), config.stft_sizes)
    ms_est, ms_ref = to_mid_side(estimate), to_mid_side(target)
    level = target.float().pow(2).mean().sqrt().detach()
    mid = spectral_loss(ms_est[:, 0], ms_ref[:, 0], config.stft_sizes, level)
    side = spectral_loss(ms_est[:, 1], ms_ref[:, 1], config.stft_sizes, level)
    wave = F.l1_loss(estimate, target) + F.l1_loss(ms_est[:, 1], ms_ref[:, 1])
    balance = balance_loss(estimate, target, config.hop)
    penalty = latent.float().pow(2).mean()
    total = lr + mid + config.side_weight * side + config.waveform_weight * wave + config.balance_weight * balance + config.latent_penalty * penalty
    return {"total": total, "stft": lr.detach(), "mid": mid.detach(), "side": side.detach(), "wave": wave.detach(), "balance": balance.detach()}


def flow_matching_loss(velocity: torch.Tensor, noise: torch.Tensor, data: torch.Tensor) -> torch.Tensor:
    """Rectified flow: the model's velocity at x_t = (1 - t) noise + t data should be data - noise."""
    return F.mse_loss(velocity.float(), (data - noise).float())
