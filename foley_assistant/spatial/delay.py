"""Variable fractional delay (a delay line read with linear interpolation): Doppler and the
interchannel delay."""

from __future__ import annotations

import numpy as np


def fractional_delay(signal: np.ndarray, delay_samples: np.ndarray) -> np.ndarray:
    """y[n] = x(n - D[n]) for per-sample delays D >= 0, linearly interpolated between the two
    neighbouring samples; silence before the signal starts. float32 out."""
    n = signal.shape[0]
    delay = np.asarray(delay_samples, dtype=np.float32)
    if n == 0:
        return np.zeros(0, dtype=np.float32)
    whole = np.floor(delay)
    frac = delay - whole
    lead = int(whole.max()) + 2  # zeros before the signal, so every index is valid
    padded = np.zeros(n + lead, dtype=np.float32)
    padded[lead:] = signal
    index = np.arange(lead, n + lead, dtype=np.int32 if n + lead < 2**31 else np.int64) - whole.astype(np.int32)
    newer = padded[index]  # x[n - whole]
    older = padded[index - 1]  # x[n - whole - 1]
    return newer + frac * (older - newer)
