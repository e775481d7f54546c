"""Level measurements of stems: peak, RMS and the left/right level difference."""

from __future__ import annotations

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


def stem_levels(stereo: np.ndarray) -> dict[str, float]:
    """Peak, RMS and left/right difference of a stereo stem, rounded for reports."""
    return {
        "peak_dbfs": round(peak_dbfs(stereo), 2),
        "rms_dbfs": round(rms_dbfs(stereo), 2),
        "level_difference_db": round(level_difference_db(stereo), 2),
    }
