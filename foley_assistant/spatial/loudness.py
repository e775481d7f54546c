"""Loudness of a mix: BS.1770 integrated loudness (pyloudnorm's, measured in blocks by
`spatial.block_loudness`), true peak (4x oversampled), and the one gain that brings the mix to a
target without passing a true-peak ceiling. A mix is measured from its blocks, so the memory used
does not grow with its length.

The mix measured is a shot's or a whole reel's (`LoudnessSettings.scope`); the gain is applied
to every stem alike, so the stems still sum exactly to the mix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np

from foley_assistant.core.errors import FoleyError
from foley_assistant.spatial.block_loudness import BlockMeter

SILENT_LUFS = -float("inf")


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


#: Samples per block when a mix is measured from its stems (about 0.7 s at 48 kHz).
MEASURE_BLOCK = 2**15

#: A re-iterable source of a signal's consecutive (channels, m) blocks (it is read twice).
Blocks = Callable[[], Iterable[np.ndarray]]


def _measure(blocks: Iterable[np.ndarray], n_samples: int, sample_rate: int, channels: int) -> BlockMeter:
    meter = BlockMeter(n_samples, sample_rate, channels)
    for block in blocks:
        meter.add(block)
    return meter


def _whole(audio: np.ndarray) -> Blocks:
    signal = np.atleast_2d(audio)
    return lambda: (signal[:, start : start + MEASURE_BLOCK] for start in range(0, signal.shape[1], MEASURE_BLOCK))


def integrated_loudness(audio: np.ndarray, sample_rate: int) -> float:
    """BS.1770-4 integrated loudness (LUFS) of (channels, n) audio; -inf for silence or audio
    shorter than one 400 ms gating block (pyloudnorm's figure, measured in blocks)."""
    signal = np.atleast_2d(audio)
    return _measure(_whole(signal)(), signal.shape[1], sample_rate, signal.shape[0]).integrated_lufs()


def integrated_loudness_of_blocks(blocks: Iterable[np.ndarray], n_samples: int, sample_rate: int, channels: int = 2) -> float:
    """`integrated_loudness` of a signal given as its consecutive (channels, m) blocks, `n_samples` in all."""
    return _measure(blocks, n_samples, sample_rate, channels).integrated_lufs()


def true_peak_dbtp(audio: np.ndarray) -> float:
    """Highest absolute value of the signal oversampled 4x (polyphase, scipy.signal.resample_poly), dBTP."""
    signal = np.atleast_2d(audio)
    return _measure(_whole(signal)(), signal.shape[1], 48000, signal.shape[0]).true_peak_dbtp() if signal.size else SILENT_LUFS


def loudness_gain(mix: np.ndarray, sample_rate: int, settings: LoudnessSettings) -> LoudnessResult:
    """The one gain (dB) for a shot: to the target loudness, lowered where needed so the true peak
    stays at or under the ceiling. A silent mix gets 0 dB."""
    signal = np.atleast_2d(mix)
    return loudness_gain_of_blocks(_whole(signal), signal.shape[1], sample_rate, settings, signal.shape[0])


def loudness_gain_of_blocks(blocks: Blocks, n_samples: int, sample_rate: int, settings: LoudnessSettings, channels: int = 2) -> LoudnessResult:
    """`loudness_gain` of a mix given as consecutive float32 blocks (read twice: as it is, and
    with the gain), so a mix of any length is measured in memory of one block."""
    measured = _measure(blocks(), n_samples, sample_rate, channels)
    lufs, peak = measured.integrated_lufs(), measured.true_peak_dbtp()
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
    scale = 10 ** (gain / 20)
    output_lufs = _measure((block * scale for block in blocks()), n_samples, sample_rate, channels).integrated_lufs() if gain else lufs
    return LoudnessResult(gain, lufs, output_lufs, peak, peak + gain, settings.target_lufs, settings.true_peak_ceiling_dbtp, limited, note)
