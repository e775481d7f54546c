"""Pan laws and the screen-to-azimuth mapping: the rules the renderer places by and the metrics
measure by (so both sides share one definition, while the metrics read only the audio).

Conventions
- Azimuth is in degrees, 0 straight ahead, **positive to the right**.
- Pan is -1 (hard left) .. 0 (centre) .. +1 (hard right); p = (pan + 1) / 2 runs 0 .. 1.
- Screen-locked pan: pan = tan(az) / tan(reference), clipped to [-1, 1]. With the reference equal
  to half the camera's horizontal field of view, the frame edges land on the loudspeakers and pan is
  linear in screen x (a pinhole camera gives tan(az) = (2x - 1) tan(hfov / 2)).
- Tangent law (loudspeakers at +-30 degrees): tan(phi) / tan(30 deg) = (gR - gL) / (gR + gL) with
  phi **positive to the right**, i.e. the textbook form (gL - gR) / (gL + gR) with phi positive to
  the left, mirrored. Pan is that ratio, so gR / gL = (1 + pan) / (1 - pan), normalised to
  gL^2 + gR^2 = 1.
"""

from __future__ import annotations

import math
from enum import Enum

import numpy as np

TANGENT_LAW_SPEAKER_DEG = 30.0


class PanLaw(str, Enum):
    """How a pan position becomes left and right gains."""

    CONSTANT_POWER = "constant-power"  # -3 dB at the centre, gL^2 + gR^2 = 1
    COMPROMISE = "-4.5db"  # geometric mean of constant power and linear
    LINEAR = "linear"  # -6 dB at the centre, gL + gR = 1
    TANGENT = "tangent"  # phantom source for loudspeakers at +-30 degrees, power-normalised

    @property
    def centre_db(self) -> float:
        """Gain of each channel at the centre, in dB."""
        left, _ = pan_gains(0.0, self)
        return 20.0 * math.log10(float(left))


def pan_gains(pan: np.ndarray | float, law: PanLaw = PanLaw.CONSTANT_POWER) -> tuple[np.ndarray, np.ndarray]:
    """(gL, gR) of pan positions in [-1, 1] (clipped) under a pan law."""
    pan = np.clip(np.asarray(pan, dtype=np.float64), -1.0, 1.0)
    p = (pan + 1.0) / 2.0
    if law is PanLaw.CONSTANT_POWER:
        return np.cos(np.pi * p / 2), np.sin(np.pi * p / 2)
    if law is PanLaw.LINEAR:
        return 1.0 - p, p
    if law is PanLaw.COMPROMISE:
        return np.sqrt((1.0 - p) * np.cos(np.pi * p / 2)), np.sqrt(p * np.sin(np.pi * p / 2))
    if law is PanLaw.TANGENT:
        norm = np.sqrt(2.0 * (1.0 + pan * pan))
        return (1.0 - pan) / norm, (1.0 + pan) / norm
    raise ValueError(f"unknown pan law {law!r}")


_TABLE_P = np.linspace(0.0, 1.0, 8193)


def pan_from_gains(left: np.ndarray | float, right: np.ndarray | float, law: PanLaw = PanLaw.CONSTANT_POWER) -> np.ndarray:
    """The pan position whose gains have this right/left amplitude ratio (inverse of `pan_gains`).

    Only the ratio matters, so channel amplitudes (RMS) of a panned signal can be passed directly.
    Where both are zero the result is 0 (centre).
    """
    left = np.abs(np.asarray(left, dtype=np.float64))
    right = np.abs(np.asarray(right, dtype=np.float64))
    angle = np.arctan2(right, left)  # 0 (all left) .. pi/2 (all right), monotonic in pan for every law
    if law is PanLaw.CONSTANT_POWER:
        p = angle / (np.pi / 2)
    elif law is PanLaw.LINEAR:
        total = left + right
        p = np.divide(right, total, out=np.full(np.broadcast(left, right).shape, 0.5), where=total > 0)
    elif law is PanLaw.TANGENT:
        total = left + right
        return np.divide(right - left, total, out=np.zeros(np.broadcast(left, right).shape), where=total > 0)
    elif law is PanLaw.COMPROMISE:
        gl, gr = pan_gains(2 * _TABLE_P - 1, law)
        p = np.interp(angle, np.arctan2(gr, gl), _TABLE_P)
    else:
        raise ValueError(f"unknown pan law {law!r}")
    return 2.0 * p - 1.0


def pan_from_azimuth(azimuth_deg: np.ndarray | float, reference_deg: float = 30.0) -> np.ndarray:
    """Screen-locked pan of a direction: tan(az) / tan(reference), clipped to [-1, 1].

    Directions at or beyond 90 degrees are hard left or right.
    """
    az = np.clip(np.asarray(azimuth_deg, dtype=np.float64), -90.0, 90.0)
    ratio = np.tan(np.radians(az)) / math.tan(math.radians(reference_deg))
    return np.clip(ratio, -1.0, 1.0)


def azimuth_from_pan(pan: np.ndarray | float, reference_deg: float = 30.0) -> np.ndarray:
    """Inverse of `pan_from_azimuth` on [-1, 1]: atan(pan tan(reference)), degrees."""
    pan = np.clip(np.asarray(pan, dtype=np.float64), -1.0, 1.0)
    return np.degrees(np.arctan(pan * math.tan(math.radians(reference_deg))))


def azimuth_from_screen_x(x: np.ndarray | float, hfov_deg: float = 60.0) -> np.ndarray:
    """Azimuth (degrees, + right) of normalised screen x through a pinhole camera:
    az = atan((2x - 1) tan(hfov / 2)). x outside 0..1 is off screen (|az| > hfov / 2)."""
    x = np.asarray(x, dtype=np.float64)
    return np.degrees(np.arctan((2 * x - 1) * math.tan(math.radians(hfov_deg) / 2)))


def screen_x_from_azimuth(azimuth_deg: np.ndarray | float, hfov_deg: float = 60.0) -> np.ndarray:
    """Inverse of `azimuth_from_screen_x`: x = (tan(az) / tan(hfov / 2) + 1) / 2."""
    az = np.clip(np.asarray(azimuth_deg, dtype=np.float64), -89.999, 89.999)
    return (np.tan(np.radians(az)) / math.tan(math.radians(hfov_deg) / 2) + 1.0) / 2.0


def pan_position_label(pan: float) -> str:
    """A pan (-1 left .. +1 right) as a console reads it: "L100" .. "C" .. "R100"."""
    percent = round(float(np.clip(pan, -1.0, 1.0)) * 100)
    return "C" if percent == 0 else (f"L{-percent}" if percent < 0 else f"R{percent}")
