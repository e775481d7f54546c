"""Variable fractional delay (a delay line read with linear interpolation): Doppler, the
interchannel delay and the far ear's ITD. Fed block by block; it keeps the input samples the next
block may still read."""

from __future__ import annotations

import math

import numpy as np


class DelayLine:
    """y[n] = x(n - D[n]) for per-sample delays 0 <= D <= `max_delay_samples`, linearly
    interpolated between the two neighbouring samples, silence before the signal starts. Feed
    consecutive blocks of x with their delays to `process`; the result is the same, sample for
    sample, as one call on the whole signal."""

    def __init__(self, max_delay_samples: float) -> None:
        # One sample of margin over floor(max): a float32 ramp may round a hair above its end point.
        self._lead = int(math.ceil(max(float(max_delay_samples), 0.0))) + 2
        self._history = np.zeros(self._lead, dtype=np.float32)

    def process(self, block: np.ndarray, delay_samples: np.ndarray) -> np.ndarray:
        """The delayed signal (float32) for the next block of input and its per-sample delays."""
        lead, m = self._lead, block.shape[0]
        buffer = np.empty(lead + m, dtype=np.float32)
        buffer[:lead] = self._history
        buffer[lead:] = block
        self._history = buffer[m:].copy()
        delay = np.asarray(delay_samples, dtype=np.float32)
        whole = np.floor(delay)
        frac = delay - whole
        # older[j] = x[n - whole - 1] = buffer[index], newer[j] = x[n - whole] = buffer[index + 1]
        index = np.arange(lead - 1, lead - 1 + m, dtype=np.int32 if lead + m < 2**31 else np.int64)
        index -= whole.astype(index.dtype)
        newer = buffer[1:][index]
        older = buffer[index]
        older -= newer
        older *= frac
        older += newer
        return older
