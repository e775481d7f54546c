"""A set of measured HRIR pairs on a horizontal ring, and the interpolation between them (the
data that `hrir.load_hrirs` reads from a SOFA file and `hrir.render_hrirs` renders with)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True, eq=False)
class HrirSet:
    """HRIR pairs on a horizontal ring: azimuths (degrees, + right, sorted, in [-180, 180)),
    impulse responses (directions, 2 ears [left, right], taps) at `sample_rate`."""

    azimuth_deg: np.ndarray
    hrirs: np.ndarray
    sample_rate: int
    source: str = ""
    elevation_deg: float = 0.0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def interpolation(self, azimuth_deg: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each azimuth: the two neighbouring measured directions (indices) and the weight of
        the second (0 = exactly the first), wrapping around the circle."""
        ring = self.azimuth_deg
        az = (np.asarray(azimuth_deg, dtype=np.float64) + 180.0) % 360.0 - 180.0
        upper = np.searchsorted(ring, az, side="right") % len(ring)
        lower = (upper - 1) % len(ring)
        span = (ring[upper] - ring[lower]) % 360.0
        offset = (az - ring[lower]) % 360.0
        weight = np.divide(offset, span, out=np.zeros_like(offset), where=span > 0)
        return lower, upper, np.clip(weight, 0.0, 1.0)

    def at(self, azimuth_deg: float) -> np.ndarray:
        """The interpolated HRIR pair (2, taps) for one azimuth."""
        lower, upper, weight = self.interpolation(np.array([azimuth_deg]))
        return (1 - weight[0]) * self.hrirs[lower[0]] + weight[0] * self.hrirs[upper[0]]
