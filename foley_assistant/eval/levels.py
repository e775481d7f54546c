"""Level measurements of stems: peak, RMS and the left/right level difference."""

from __future__ import annotations

from typing import Any

import numpy as np

SILENCE_DB = -200.0


def _db(power: float) -> float:
    return 10.0 * float(np.log10(power)) if power > 0 else SILENCE_DB


def peak_dbfs(audio: np.ndarray) -> float:
    """Highest absolute sample value, in dB relative to full scale."""
    peak = float(np.max(np.abs(audio))) if audio.size else 0.0
    return _db(peak * peak)


def rms_dbfs(audio: np.ndarray) -> float:
    """RMS over all channels and samples, dBFS."""
    return _db(float(np.mean(np.square(audio, dtype=np.float64)))) if audio.size else SILENCE_DB


def level_difference_db(stereo: np.ndarray) -> float:
    """Energy of the left channel over the right, in dB (positive: louder on the left)."""
    left = float(np.sum(np.square(stereo[0], dtype=np.float64)))
    right = float(np.sum(np.square(stereo[1], dtype=np.float64)))
    if left == 0.0 and right == 0.0:
        return 0.0
    return _db(left) - _db(right)


def stem_levels(stereo: Any) -> dict[str, float]:
    """Peak, RMS and left/right difference of a stereo stem, rounded for reports: a (2, n) array,
    or a stem given by its blocks (any object with `blocks()`, read once, a block at a time)."""
    if isinstance(stereo, np.ndarray) or not hasattr(stereo, "blocks"):
        return {
            "peak_dbfs": round(peak_dbfs(stereo), 2),
            "rms_dbfs": round(rms_dbfs(stereo), 2),
            "level_difference_db": round(level_difference_db(stereo), 2),
        }
    peak, energy, count = 0.0, np.zeros(2), 0
    for block in stereo.blocks():
        if block.size:
            peak = max(peak, float(np.max(np.abs(block))))
            energy += np.sum(np.square(block, dtype=np.float64), axis=1)
            count += block.size
    left, right = float(energy[0]), float(energy[1])
    return {
        "peak_dbfs": round(_db(peak * peak), 2),
        "rms_dbfs": round(_db((left + right) / count) if count else SILENCE_DB, 2),
        "level_difference_db": round(0.0 if left == 0.0 and right == 0.0 else _db(left) - _db(right), 2),
    }
