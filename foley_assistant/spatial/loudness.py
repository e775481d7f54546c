"""Loudness of a mix: BS.1770 integrated loudness (pyloudnorm), true peak (4x oversampled), and
the one gain that brings the mix to a target without passing a true-peak ceiling.

The mix measured is a shot's or a whole reel's (`LoudnessSettings.scope`); the gain is applied
to every stem alike, so the stems still sum exactly to the mix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.signal import resample_poly

from foley_assistant.core.errors import FoleyError

SILENT_LUFS = -float("inf")
OVERSAMPLING = 4


@dataclass(frozen=True)
class LoudnessSettings:
    """Delivery targets: EBU R128 by default (-23 LUFS integrated, -1 dBTP), measured on the
    reel's mix (`scope` "reel": one gain for every shot) or on each shot's ("shot")."""

    target_lufs: float | None = -23.0  # None: no loudness normalisation, the ceiling still holds
    true_peak_ceiling_dbtp: float = -1.0
    scope: str = "reel"

    def __post_init__(self) -> None:
        if self.scope not in ("reel", "shot"):
            raise FoleyError(f"the loudness scope must be reel or shot (got {self.scope!r}).")
        if self.target_lufs is not None and not -70.0 <= self.target_lufs <= 0.0:
            raise FoleyError(f"the loudness target must be between -70 and 0 LUFS (got {self.target_lufs:g}).")
        if not -20.0 <= self.true_peak_ceiling_dbtp <= 0.0:
            raise FoleyError(f"the true-peak ceiling must be between -20 and 0 dBTP (got {self.true_peak_ceiling_dbtp:g}).")


@dataclass(frozen=True)
class LoudnessResult:
    """What the loudness step measured and did to one shot."""

    gain_db: float
    input_lufs: float
    output_lufs: float
    input_true_peak_dbtp: float
    output_true_peak_dbtp: float
    target_lufs: float | None
    ceiling_dbtp: float
    limited_by_true_peak: bool
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        """For report.json (silence reads as null)."""

        def number(value: float | None) -> float | None:
            return None if value is None or not math.isfinite(value) else round(value, 2)

        return {
            "gain_db": round(self.gain_db, 2),
            "input_lufs": number(self.input_lufs),
            "loudness_lufs": number(self.output_lufs),
            "input_true_peak_dbtp": number(self.input_true_peak_dbtp),
            "true_peak_dbtp": number(self.output_true_peak_dbtp),
            "target_lufs": self.target_lufs,
            "true_peak_ceiling_dbtp": self.ceiling_dbtp,
            "limited_by_true_peak": self.limited_by_true_peak,
            **({"note": self.note} if self.note else {}),
        }


def integrated_loudness(audio: np.ndarray, sample_rate: int) -> float:
    """BS.1770-4 integrated loudness (LUFS) of (channels, n) audio; -inf for silence or audio
    shorter than one 400 ms gating block."""
    import pyloudnorm  # imported here: it takes most of a second to load

    if audio.shape[-1] < int(0.4 * sample_rate):
        return SILENT_LUFS
    meter = pyloudnorm.Meter(sample_rate)
    with np.errstate(divide="ignore"):
        value = float(meter.integrated_loudness(np.asarray(audio, dtype=np.float64).T))
    return value if math.isfinite(value) else SILENT_LUFS


def true_peak_dbtp(audio: np.ndarray) -> float:
    """Highest absolute value of the signal oversampled 4x (polyphase, scipy.signal.resample_poly), dBTP."""
    if audio.size == 0:
        return SILENT_LUFS
    oversampled = resample_poly(np.asarray(audio, dtype=np.float64), OVERSAMPLING, 1, axis=-1)
    peak = max(float(np.max(np.abs(oversampled))), float(np.max(np.abs(audio))))
    return 20.0 * math.log10(peak) if peak > 0 else SILENT_LUFS


def loudness_gain(mix: np.ndarray, sample_rate: int, settings: LoudnessSettings) -> LoudnessResult:
    """The one gain (dB) for a shot: to the target loudness, lowered where needed so the true peak
    stays at or under the ceiling. A silent mix gets 0 dB."""
    lufs = integrated_loudness(mix, sample_rate)
    peak = true_peak_dbtp(mix)
    note = ""
    if not math.isfinite(peak):
        return LoudnessResult(0.0, lufs, lufs, peak, peak, settings.target_lufs, settings.true_peak_ceiling_dbtp, False, "silent mix")
    gain = 0.0
    if settings.target_lufs is not None:
        if math.isfinite(lufs):
            gain = settings.target_lufs - lufs
        else:
            note = "too short or too quiet for a gated loudness measurement; only the true-peak ceiling was applied"
    limited = peak + gain > settings.true_peak_ceiling_dbtp
    if limited:
        gain = settings.true_peak_ceiling_dbtp - peak
    # Measured again rather than lufs + gain: the absolute gate (-70 LUFS) is not scale-invariant.
    output_lufs = integrated_loudness(mix * 10 ** (gain / 20), sample_rate) if gain else lufs
    return LoudnessResult(gain, lufs, output_lufs, peak, peak + gain, settings.target_lufs, settings.true_peak_ceiling_dbtp, limited, note)
