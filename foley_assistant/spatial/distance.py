"""Distance: gain models (Web Audio PannerNode / OpenAL clamped) and air absorption."""

from __future__ import annotations

import numpy as np

from foley_assistant.spatial.settings import DistanceModel, StereoSettings

AIR_ABSORPTION_GAIN_HF_PER_M = 0.99426  # OpenAL Soft: high-frequency gain per metre (about -0.05 dB)
AIR_ABSORPTION_REFERENCE_HZ = 5000.0  # OpenAL Soft's reference frequency for the HF gain


def distance_gain(
    distance_m: np.ndarray | float,
    model: DistanceModel = DistanceModel.INVERSE,
    reference_m: float = 2.0,
    max_m: float = 100.0,
    rolloff: float = 1.0,
) -> np.ndarray:
    """Gain of a source at a distance, 1 at (or inside) the reference distance; d is clamped to
    [reference, max] (OpenAL's *_CLAMPED models).

    inverse: ref / (ref + rolloff (d - ref)); linear: 1 - rolloff (d - ref) / (max - ref), never
    below 0; exponential: (d / ref) ** -rolloff.
    """
    d = np.clip(np.asarray(distance_m, dtype=np.float64), reference_m, max_m)
    if model is DistanceModel.INVERSE:
        return reference_m / (reference_m + rolloff * (d - reference_m))
    if model is DistanceModel.LINEAR:
        return np.clip(1.0 - rolloff * (d - reference_m) / (max_m - reference_m), 0.0, 1.0)
    if model is DistanceModel.EXPONENTIAL:
        return (d / reference_m) ** (-rolloff)
    raise ValueError(f"unknown distance model {model!r}")


def settings_distance_gain(distance_m: np.ndarray | float, settings: StereoSettings) -> np.ndarray:
    """`distance_gain` with the model and parameters of these settings."""
    return distance_gain(distance_m, settings.distance_model, settings.reference_distance_m, settings.max_distance_m, settings.rolloff)


def air_absorption_gain_hf(distance_m: np.ndarray | float, settings: StereoSettings) -> np.ndarray:
    """High-frequency gain 0.99426 ** (factor x metres beyond the reference distance), d clamped."""
    d = np.clip(np.asarray(distance_m, dtype=np.float64), settings.reference_distance_m, settings.max_distance_m)
    return AIR_ABSORPTION_GAIN_HF_PER_M ** (settings.air_absorption * (d - settings.reference_distance_m))
