"""How curves become sound: the rendering settings shared by the stereo and binaural renderers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from foley_assistant.acoustics.head import HEAD_RADIUS_M
from foley_assistant.acoustics.panning import PanLaw
from foley_assistant.core.errors import FoleyError
from foley_assistant.spatial.hrir_set import HrirSet

SMOOTHING_RANGE_MS = (10.0, 50.0)


class DistanceModel(str, Enum):
    """Gain against distance, as Web Audio's PannerNode and OpenAL's *_CLAMPED models."""

    INVERSE = "inverse"
    LINEAR = "linear"
    EXPONENTIAL = "exponential"


@dataclass(frozen=True)
class BinauralSettings:
    """Binaural rendering: the spherical-head model, or measured HRIRs when `hrirs` is given."""

    head_radius_m: float = HEAD_RADIUS_M
    hrirs: HrirSet | None = None
    hrir_block: int = 512  # samples between HRIR updates; each update is a cross-fade over 2 blocks


@dataclass(frozen=True)
class StereoSettings:
    """Everything that turns an object's curves into a two-channel stem.

    `pan_reference_deg` is the azimuth that pans hard left/right; half the camera's field of view
    makes the pan screen-locked. `air_absorption` is OpenAL's factor (0 turns it off).
    `interchannel_delay_ms` is the most the far channel is delayed at hard pan (0 turns it off).
    `smoothing_ms` is the one-pole time constant of every automated parameter. With `binaural`
    set, the stem is binaural (for headphones) instead of panned.
    """

    sample_rate: int = 48000
    pan_law: PanLaw = PanLaw.CONSTANT_POWER
    pan_reference_deg: float = 30.0
    distance_model: DistanceModel = DistanceModel.INVERSE
    reference_distance_m: float = 2.0
    rolloff: float = 1.0
    max_distance_m: float = 100.0
    air_absorption: float = 1.0
    doppler: bool = False
    speed_of_sound_m_s: float = 343.3
    interchannel_delay_ms: float = 0.0
    smoothing_ms: float = 20.0
    control_interval: int = 32
    binaural: BinauralSettings | None = None

    def __post_init__(self) -> None:
        low, high = SMOOTHING_RANGE_MS
        if not low <= self.smoothing_ms <= high:
            raise FoleyError(f"the smoothing time constant must be {low:g} to {high:g} ms (got {self.smoothing_ms:g}).")
        if not 0 < self.reference_distance_m < self.max_distance_m:
            raise FoleyError(f"distances need 0 < reference ({self.reference_distance_m:g} m) < maximum ({self.max_distance_m:g} m).")
        if self.rolloff < 0 or self.air_absorption < 0:
            raise FoleyError("rolloff and air absorption cannot be negative.")
        if not 0 <= self.interchannel_delay_ms <= 2.0:
            raise FoleyError(f"the interchannel delay must be 0 to 2 ms (got {self.interchannel_delay_ms:g}).")
        if not 0 < self.pan_reference_deg < 90:
            raise FoleyError(f"the pan reference azimuth must be between 0 and 90 degrees (got {self.pan_reference_deg:g}).")
        if self.control_interval < 1 or self.sample_rate < 8000:
            raise FoleyError("the control interval must be >= 1 sample and the sample rate >= 8 kHz.")
