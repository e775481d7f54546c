"""Cloth and body movement: the rustle of clothes and the soft shifts of a moving body.

Rustle: high-band noise (two bands near 3 and 6 kHz) chopped by a crackle of tiny decaying bursts
(a Poisson stream, 150-400 per second while moving, 1.5-4 ms each), times an activity curve.
Body: a low, soft band of noise (near 350 Hz) following the same activity.
Activity: a share of the speed (0.35 at 1.5 m/s), plus a swish per step (the legs brushing, 40 %
of a step after each footfall, a raised-cosine bump lasting half a step, +-30 % in size), plus
sudden changes of speed (|acceleration|). Each step's bump, the crackle and the noise are drawn
anew, so no two steps rustle alike. Gains are computed at the control rate and ramped.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from foley_assistant.generators.procedural.dsp import bandpass_sos, chunks, control_points, db_to_gain, decaying_bursts, ramp_span

CONTROL_BLOCK = 32
RMS_DBFS = -40.0  # RMS of the rustle at full activity (steps of a walk are about -36 dBFS RMS)
STEP_SWISH_DELAY = 0.4  # of a step period after the footfall


def render_cloth(
    speed_m_s: np.ndarray,
    accel_m_s2: np.ndarray,
    footfalls_s: list[float],
    rng: np.random.Generator,
    sample_rate: int,
    floor: float = 0.0,
) -> np.ndarray:
    """Cloth rustle and body movement for per-sample speed and acceleration and the step times (s).

    `floor` is the least activity while the object is there (0..1): the generic voice of a
    thing that moves in place (an arm, a head) keeps a soft movement sound even at no speed."""
    n = len(speed_m_s)
    out = np.zeros(n)
    if n:
        at = control_points(n, CONTROL_BLOCK)
        cloth_into(out, np.asarray(speed_m_s, dtype=np.float64)[at], np.asarray(accel_m_s2, dtype=np.float64)[at], footfalls_s, rng, sample_rate, floor)
    return out


def cloth_into(
    out: np.ndarray,
    speed_c: np.ndarray,
    accel_c: np.ndarray,
    footfalls_s: list[float],
    rng: np.random.Generator,
    sample_rate: int,
    floor: float = 0.0,
) -> None:
    """`render_cloth` into `out` (float64, n samples) from the speed and acceleration at its control
    points (`dsp.control_points(n, CONTROL_BLOCK)`); the gains are ramped and applied a chunk at a time."""
    n = len(out)
    control_rate = sample_rate / CONTROL_BLOCK
    count = len(speed_c)
    speed = speed_c
    accel = np.abs(accel_c)
    activity = 0.35 * np.clip(speed / 1.5, 0.0, 2.0) + 0.15 * np.clip(accel / 2.0, 0.0, 2.0)
    t = np.arange(count) / control_rate
    steps = np.asarray(sorted(footfalls_s))
    periods = np.diff(steps) if len(steps) > 1 else np.array([0.5])
    for j, step in enumerate(steps):
        period = float(np.clip(periods[min(j, len(periods) - 1)], 0.25, 1.0))
        centre = step + STEP_SWISH_DELAY * period
        half = 0.25 * period
        inside = np.abs(t - centre) < half
        activity[inside] += rng.uniform(0.45, 0.85) * 0.5 * (1 + np.cos(np.pi * (t[inside] - centre) / half))
    activity = np.clip(np.maximum(activity, floor), 0.0, 1.5)

    rate = 150.0 + 250.0 * float(np.clip(np.mean(activity), 0.0, 1.0))
    bursts = rng.uniform(0, n / sample_rate, rng.poisson(rate * n / sample_rate))
    crackle = decaying_bursts(bursts, rng.uniform(0.2, 1.0, len(bursts)) ** 2, n, sample_rate, rng.uniform(0.0015, 0.004))
    crackle /= np.std(crackle) + 1e-12
    crackle += 0.35
    crackle = crackle.astype(np.float32)
    rustle = signal.sosfilt(bandpass_sos(3000.0, 1.0, sample_rate).astype(np.float32), rng.standard_normal(n, dtype=np.float32))
    rustle += 0.6 * signal.sosfilt(bandpass_sos(6000.0, 1.2, sample_rate).astype(np.float32), rng.standard_normal(n, dtype=np.float32))
    rustle *= crackle
    rustle /= np.sqrt(np.mean(rustle**2)) + 1e-12
    body = signal.sosfilt(bandpass_sos(350.0, 0.8, sample_rate).astype(np.float32), rng.standard_normal(n, dtype=np.float32))
    body /= np.sqrt(np.mean(body**2)) + 1e-12
    gain = db_to_gain(RMS_DBFS) * activity
    for start, stop in chunks(n):
        out[start:stop] = ramp_span(gain, CONTROL_BLOCK, start, stop) * (rustle[start:stop] + 0.5 * body[start:stop])
