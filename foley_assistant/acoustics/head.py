"""The spherical-head model of binaural hearing: Woodworth's interaural time difference and the
Brown-Duda head-shadow filter. Shared by the binaural renderer and the binaural metrics.

Conventions: azimuth in degrees, + right. ITD = arrival time at the left ear minus at the right
ear (positive: the right ear hears it first, the source is on the right). ILD = level at the right
ear minus level at the left ear, in dB (positive: louder on the right).
"""

from __future__ import annotations

import math

import numpy as np

HEAD_RADIUS_M = 0.0875
SPEED_OF_SOUND_M_S = 343.0
SHADOW_ALPHA_MIN = 0.1
SHADOW_THETA_MIN_DEG = 150.0


def lateral_angle_rad(azimuth_deg: np.ndarray | float) -> np.ndarray:
    """Angle from the median plane, folded front/back into [-pi/2, pi/2] (120 deg -> 60 deg)."""
    return np.arcsin(np.clip(np.sin(np.radians(np.asarray(azimuth_deg, dtype=np.float64))), -1.0, 1.0))


def woodworth_itd(
    azimuth_deg: np.ndarray | float,
    head_radius_m: float = HEAD_RADIUS_M,
    speed_of_sound: float = SPEED_OF_SOUND_M_S,
) -> np.ndarray:
    """ITD in seconds, (a / c)(theta + sin theta) with theta the lateral angle; about 0.66 ms at 90 deg."""
    theta = lateral_angle_rad(azimuth_deg)
    return (head_radius_m / speed_of_sound) * (theta + np.sin(theta))


_TABLE_AZ = np.linspace(-90.0, 90.0, 3601)


def azimuth_from_itd(
    itd_s: np.ndarray | float,
    head_radius_m: float = HEAD_RADIUS_M,
    speed_of_sound: float = SPEED_OF_SOUND_M_S,
) -> np.ndarray:
    """Inverse of `woodworth_itd` onto the frontal half-plane [-90, 90] degrees (clipped at the ends)."""
    table = woodworth_itd(_TABLE_AZ, head_radius_m, speed_of_sound)
    return np.interp(np.asarray(itd_s, dtype=np.float64), table, _TABLE_AZ)


def ear_angles_deg(azimuth_deg: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Angle between the source and each ear's axis (0 = on that ear's axis, 180 = opposite),
    for the left (at -90 deg) and the right ear (at +90 deg)."""
    az = np.radians(np.asarray(azimuth_deg, dtype=np.float64))
    left = np.degrees(np.arccos(np.clip(-np.sin(az), -1.0, 1.0)))
    right = np.degrees(np.arccos(np.clip(np.sin(az), -1.0, 1.0)))
    return left, right


def head_shadow_alpha(angle_from_ear_deg: np.ndarray | float) -> np.ndarray:
    """Brown-Duda alpha(theta) = (1 + a_min/2) + (1 - a_min/2) cos(theta / theta_min * 180 deg):
    2 on the ear's axis (+6 dB at high frequencies), a_min = 0.1 at theta_min = 150 deg."""
    theta = np.asarray(angle_from_ear_deg, dtype=np.float64)
    return (1 + SHADOW_ALPHA_MIN / 2) + (1 - SHADOW_ALPHA_MIN / 2) * np.cos(np.radians(theta / SHADOW_THETA_MIN_DEG * 180.0))


def head_shadow_corner_rad_s(head_radius_m: float = HEAD_RADIUS_M, speed_of_sound: float = SPEED_OF_SOUND_M_S) -> float:
    """w0 = c / a, the corner of the head-shadow filter in rad/s."""
    return speed_of_sound / head_radius_m


def head_shadow_gain_db(
    frequency_hz: np.ndarray | float,
    angle_from_ear_deg: np.ndarray | float,
    head_radius_m: float = HEAD_RADIUS_M,
    speed_of_sound: float = SPEED_OF_SOUND_M_S,
) -> np.ndarray:
    """|H(jw)| in dB of H(s) = (1 + alpha s / (2 w0)) / (1 + s / (2 w0)) (the analogue prototype)."""
    w = 2 * math.pi * np.asarray(frequency_hz, dtype=np.float64)
    x = w / (2 * head_shadow_corner_rad_s(head_radius_m, speed_of_sound))
    alpha = head_shadow_alpha(angle_from_ear_deg)
    return 10 * np.log10((1 + (alpha * x) ** 2) / (1 + x**2))


def expected_ild_db(
    frequency_hz: np.ndarray | float,
    azimuth_deg: np.ndarray | float,
    head_radius_m: float = HEAD_RADIUS_M,
    speed_of_sound: float = SPEED_OF_SOUND_M_S,
) -> np.ndarray:
    """ILD (right minus left, dB) of the head-shadow model at these frequencies and azimuths."""
    left, right = ear_angles_deg(azimuth_deg)
    return head_shadow_gain_db(frequency_hz, right, head_radius_m, speed_of_sound) - head_shadow_gain_db(frequency_hz, left, head_radius_m, speed_of_sound)
