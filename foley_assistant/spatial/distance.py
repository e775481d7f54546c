"""Distance models: gain as a function of distance (inverse model, as Web Audio / OpenAL clamped)."""

from __future__ import annotations

import numpy as np


def inverse_distance_gain(
    distance_m: np.ndarray | float,
    reference_m: float = 2.0,
    rolloff: float = 1.0,
    max_m: float = 100.0,
) -> np.ndarray:
    """ref / (ref + rolloff * (d - ref)) with d clamped to [ref, max]: 1 at the reference distance."""
    d = np.clip(np.asarray(distance_m, dtype=np.float64), reference_m, max_m)
    return reference_m / (reference_m + rolloff * (d - reference_m))
