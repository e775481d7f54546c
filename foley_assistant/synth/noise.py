"""Procedural noise: smooth, periodic random fields used for every texture of the synthetic scenes.

A field is white gaussian noise shaped in the frequency domain by gaussian low-pass kernels (one
per scale, weighted), so it tiles seamlessly: it is periodic in both directions. Random
coefficients are drawn only where the kernel is not negligible, which keeps coarse fields cheap.
Everything is drawn from the generator passed in, never from global state.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import scipy.fft

Sigma = float | tuple[float, float]
_NEGLIGIBLE = 1e-3  # kernel values below this fraction of the peak are left out


def _gaussian(freqs: np.ndarray, sigma: float) -> np.ndarray:
    return np.exp(-2.0 * np.pi**2 * (sigma * freqs) ** 2)


def fractal_noise(
    rng: np.random.Generator,
    shape: tuple[int, int],
    sigmas: Sequence[Sigma],
    weights: Sequence[float],
) -> np.ndarray:
    """A periodic random field (float32, mean 0) mixing several blur scales.

    `sigmas` are blur radii in pixels, each one number or (rows, columns) for streaky textures;
    `weights` set each scale's share. The result has standard deviation sqrt(sum(weights^2)).
    """
    if len(sigmas) != len(weights) or not sigmas:
        raise ValueError("fractal_noise needs one weight per scale, and at least one scale")
    rows, cols = shape
    fy = np.fft.fftfreq(rows)
    fx = np.fft.rfftfreq(cols)
    kernel = np.zeros((rows, len(fx)), np.float64)
    for sigma, weight in zip(sigmas, weights):
        sigma_y, sigma_x = (sigma, sigma) if isinstance(sigma, (int, float)) else sigma
        scale = np.outer(_gaussian(fy, sigma_y), _gaussian(fx, sigma_x))
        kernel += weight * scale / max(np.sqrt((scale**2).sum()), 1e-12)
    peak = np.abs(kernel).max()
    keep_rows = np.flatnonzero(np.abs(kernel[:, 0]) > _NEGLIGIBLE * peak)
    keep_cols = np.flatnonzero(np.abs(kernel[0, :]) > _NEGLIGIBLE * peak)
    block = rng.standard_normal((len(keep_rows), len(keep_cols), 2), dtype=np.float32)
    spectrum = np.zeros((rows, len(fx)), np.complex64)
    spectrum[np.ix_(keep_rows, keep_cols)] = block.view(np.complex64)[..., 0] * kernel[np.ix_(keep_rows, keep_cols)]
    spectrum[0, 0] = 0.0
    field = scipy.fft.irfft2(spectrum, s=(rows, cols))
    std = float(field.std())
    if std > 1e-12:
        field *= np.sqrt(float(np.sum(np.square(weights)))) / std
    return np.ascontiguousarray(field, dtype=np.float32)


def smooth_noise(rng: np.random.Generator, shape: tuple[int, int], sigma: Sigma) -> np.ndarray:
    """A periodic random field of `shape` (rows, columns), float32, mean 0, standard deviation 1,
    blurred by `sigma` pixels (one number, or (rows, columns))."""
    return fractal_noise(rng, shape, [sigma], [1.0])


def smoothstep(edge0: float, edge1: float, x: np.ndarray) -> np.ndarray:
    """0 below `edge0`, 1 above `edge1`, a smooth cubic ramp between (float32)."""
    u = np.clip((x - edge0) / (edge1 - edge0), 0.0, 1.0)
    return (u * u * (3.0 - 2.0 * u)).astype(np.float32)
