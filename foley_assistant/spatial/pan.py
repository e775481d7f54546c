"""Pan laws. Pan position is -1 (hard left) .. 0 (centre) .. +1 (hard right)."""

from __future__ import annotations

import numpy as np


def pan_from_azimuth(azimuth_deg: np.ndarray | float, reference_deg: float = 30.0) -> np.ndarray:
    """Pan position of a direction, screen-locked: tan(az) / tan(reference), clipped to [-1, 1].

    With `reference_deg` equal to half the camera's field of view (30 for the default 60), the
    frame edges land on the loudspeakers and pan is linear in screen x, since a pinhole camera
    gives tan(az) = (2x - 1) tan(hfov / 2). Azimuth is positive to the right.
    """
    ratio = np.tan(np.radians(np.asarray(azimuth_deg, dtype=np.float64))) / np.tan(np.radians(reference_deg))
    return np.clip(ratio, -1.0, 1.0)


def constant_power_gains(pan: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Constant-power (-3 dB centre) gains: gL = cos(pi p / 2), gR = sin(pi p / 2), p = (pan + 1) / 2."""
    p = (np.clip(np.asarray(pan, dtype=np.float64), -1.0, 1.0) + 1.0) / 2.0
    return np.cos(np.pi * p / 2), np.sin(np.pi * p / 2)
