"""Engine voice: a combustion engine whose firing rate follows the object's speed.

RPM = idle + k * speed (clamped to max, lagging the speed by ~0.2 s like a real engine), firing
frequency = rpm / 60 * cylinders / (strokes / 2). The tone is synthesised by phase accumulation
(the phase is the running sum of the instantaneous frequency, so pitch changes never click):
a harmonic series of the firing frequency, band-limited by fading each harmonic out smoothly as it
approaches the cap (4 kHz x brightness), with a little half-order content (cylinder imbalance),
plus band-passed noise pulsed by the firing phase. The harmonics are computed at a reduced sample
rate (they hold nothing above the cap) and upsampled with a polyphase filter.

Under acceleration (load) it gets louder (up to +4 dB) and brighter, under deceleration slightly
quieter; load follows the acceleration through a short lag, so a sudden change of acceleration
never switches the level or the tone abruptly. Peaks above -6 dBFS are bent by a soft limiter.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import signal

from foley_assistant.generators.procedural.dsp import bandpass_noise, db_to_gain

RMS_DBFS = -18.0  # RMS of the engine at steady speed over the rendered span
MAX_HARMONICS = 64
CONTROL_BLOCK = 32  # samples between updates of the harmonic amplitudes
BLOCK = 8192  # samples synthesised at a time
HARMONIC_CAP_HZ = 4000.0
RPM_LAG_S = 0.2
LOAD_LAG_S = 0.05  # throttle lag (applied twice, so load changes are smooth, not just continuous)
LOAD_FULL_M_S2 = 2.0  # acceleration at which the engine is at full load
LOAD_GAIN_DB = 4.0  # louder by this much at full load
RPM_GAIN_DB = 2.0  # louder by this much at max_rpm than at idle


@dataclass(frozen=True)
class EngineSpec:
    """An engine's character: RPM range, how RPM follows speed, cylinders, tone."""

    idle_rpm: float = 800.0
    rpm_per_mps: float = 110.0
    max_rpm: float = 5500.0
    cylinders: int = 4
    strokes: int = 4
    brightness: float = 1.0  # > 1 brighter (slower harmonic roll-off), < 1 darker
    noise: float = 0.3  # share of the firing-pulsed noise, 0..1

    def __post_init__(self) -> None:
        if not 0 < self.idle_rpm <= self.max_rpm:
            raise ValueError(f"an engine needs 0 < idle_rpm <= max_rpm, got {self.idle_rpm} and {self.max_rpm}")
        if self.cylinders < 1 or self.strokes not in (2, 4):
            raise ValueError(f"an engine needs >= 1 cylinder and 2 or 4 strokes, got {self.cylinders}, {self.strokes}")
        if self.rpm_per_mps < 0 or self.brightness <= 0 or not 0 <= self.noise <= 1:
            raise ValueError("engine rpm_per_mps must be >= 0, brightness > 0 and noise within 0..1")


def rpm_for_speed(speed_m_s: np.ndarray, spec: EngineSpec) -> np.ndarray:
    """Engine RPM for a ground speed (no lag): idle + rpm_per_mps * speed, at most max_rpm."""
    return np.clip(spec.idle_rpm + spec.rpm_per_mps * np.asarray(speed_m_s, dtype=np.float64), spec.idle_rpm, spec.max_rpm)


def firing_hz(rpm: np.ndarray | float, spec: EngineSpec) -> np.ndarray:
    """Firing frequency: rpm / 60 * cylinders / (strokes / 2)."""
    return np.asarray(rpm, dtype=np.float64) / 60.0 * spec.cylinders / (spec.strokes / 2.0)


def render_engine(
    speed_m_s: np.ndarray, accel_m_s2: np.ndarray, spec: EngineSpec, rng: np.random.Generator, sample_rate: int
) -> np.ndarray:
    """Engine sound for per-sample speed and acceleration; float64, RMS about RMS_DBFS at steady speed."""
    n = len(speed_m_s)
    if n == 0:
        return np.zeros(0)
    rpm = _lagged(rpm_for_speed(speed_m_s, spec), sample_rate, RPM_LAG_S)
    rpm *= 1.0 + 0.006 * _wander(rng, n, sample_rate)
    f = firing_hz(rpm, spec)
    phase = 2 * np.pi * np.cumsum(f) / sample_rate
    throttle = np.clip(np.asarray(accel_m_s2, dtype=np.float64) / LOAD_FULL_M_S2, -1.0, 1.0)
    load = _lagged(_lagged(throttle, sample_rate, LOAD_LAG_S), sample_rate, LOAD_LAG_S)
    push = np.maximum(load, 0.0)

    tone = _harmonics_resampled(phase, f, push, spec, rng, sample_rate)
    pulse = ((1.0 + np.cos(phase + rng.uniform(0, 2 * np.pi))) / 2.0) ** 2
    noise = bandpass_noise(rng, n, sample_rate, 900.0 * spec.brightness, 0.5)
    noise = 2.5 * np.tanh(noise / (2.5 * (np.std(noise) + 1e-12))) * pulse
    noise /= np.sqrt(np.mean(noise**2)) + 1e-12
    mix = np.clip(spec.noise * (1.0 + 0.6 * push), 0.0, 0.95)
    core = np.sqrt(1.0 - mix**2) * tone + mix * noise
    rev = (rpm - spec.idle_rpm) / max(spec.max_rpm - spec.idle_rpm, 1.0)
    core *= 10.0 ** (RPM_GAIN_DB * rev / 20.0)
    core *= db_to_gain(RMS_DBFS) / (np.sqrt(np.mean(core**2)) + 1e-12)
    gain_db = LOAD_GAIN_DB * push - 2.0 * np.maximum(-load, 0.0)
    return soft_limit(core * 10.0 ** (gain_db / 20.0))


def soft_limit(x: np.ndarray, knee: float = 0.5) -> np.ndarray:
    """Unchanged below `knee`; above it, peaks bend smoothly towards (never reach) 1."""
    magnitude = np.abs(x)
    over = magnitude > knee
    bent = knee + (1.0 - knee) * np.tanh((magnitude[over] - knee) / (1.0 - knee))
    out = x.copy()
    out[over] = np.sign(x[over]) * bent
    return out


def _harmonics_resampled(
    phase: np.ndarray, f: np.ndarray, push: np.ndarray, spec: EngineSpec, rng: np.random.Generator, sample_rate: int
) -> np.ndarray:
    """The harmonic series computed at a lower rate (it holds nothing above its cap) and upsampled."""
    cap = min(HARMONIC_CAP_HZ * spec.brightness, 0.4 * sample_rate)
    factor = max(1, int(sample_rate // (2.5 * cap)))
    if factor == 1 or len(phase) < 64 * factor:
        return _harmonics(phase, f, push, spec, rng, sample_rate)
    low = _harmonics(phase[::factor], f[::factor], push[::factor], spec, rng, sample_rate // factor, cap)
    return signal.resample_poly(low, factor, 1)[: len(phase)]


def _harmonics(
    phase: np.ndarray,
    f: np.ndarray,
    push: np.ndarray,
    spec: EngineSpec,
    rng: np.random.Generator,
    sample_rate: int,
    cap: float | None = None,
) -> np.ndarray:
    """Band-limited harmonic series of the firing phase, RMS ~1; `push` (0..1) slows the roll-off.

    e^(i k phase) is built by repeated multiplication (no sin per harmonic); amplitudes, which
    move slowly, are computed every CONTROL_BLOCK samples and interpolated linearly. Work goes in
    blocks of BLOCK samples so it stays in cache.
    """
    n = len(phase)
    if cap is None:
        cap = min(HARMONIC_CAP_HZ * spec.brightness, 0.4 * sample_rate)
    count = int(min(MAX_HARMONICS, np.ceil(cap / max(float(np.min(f)), 1e-3))))
    orders = np.concatenate([[0.5, 1.5], np.arange(1, count + 1, dtype=np.float64)])
    rotations = np.exp(1j * rng.uniform(0, 2 * np.pi, len(orders)))  # a random phase per order
    weights = np.where(orders % 1 > 0, 0.08, 1.0)
    control = np.minimum(np.arange(0, n + CONTROL_BLOCK, CONTROL_BLOCK), n - 1)
    fade = np.clip((cap - orders[:, None] * f[control][None, :]) / (0.2 * cap), 0.0, 1.0)
    rolloff = 1.1 / spec.brightness - 0.35 * push[control]
    amplitude = weights[:, None] * fade * np.exp(-np.log(np.maximum(orders, 1.0))[:, None] * rolloff[None, :])
    norm = np.sqrt(0.5 * np.sum(amplitude**2, axis=0)) + 1e-12
    tone = np.zeros(n)
    for lo in range(0, n, BLOCK):
        hi = min(n, lo + BLOCK)
        index = np.arange(lo, hi)
        unit = np.exp(1j * phase[lo:hi])
        half = np.exp(0.5j * phase[lo:hi])
        block = np.zeros(hi - lo)
        harmonic = np.ones(hi - lo, dtype=np.complex128)
        for j, order in enumerate(orders):
            if order == 0.5:
                carrier = half
            elif order == 1.5:
                carrier = half * unit
            else:
                harmonic = harmonic * unit  # e^(i k phase), k = 1, 2, 3...
                carrier = harmonic
            if np.any(amplitude[j]):
                block += np.interp(index, control, amplitude[j]) * (carrier * rotations[j]).imag
        tone[lo:hi] = block / np.interp(index, control, norm)
    return tone


def _lagged(target: np.ndarray, sample_rate: int, lag_s: float) -> np.ndarray:
    """A value following its target with a one-pole lag (time constant `lag_s`), starting on it."""
    a = np.exp(-1.0 / (lag_s * sample_rate))
    zi = signal.lfilter_zi([1.0 - a], [1.0, -a]) * target[0]
    out, _ = signal.lfilter([1.0 - a], [1.0, -a], target, zi=zi)
    return out


def _wander(rng: np.random.Generator, n: int, sample_rate: int) -> np.ndarray:
    """Slow random wobble (~1 Hz), about unit amplitude, for idle unsteadiness."""
    control_rate = 50
    m = n * control_rate // sample_rate + 4
    sos = signal.butter(2, 1.0, fs=control_rate, output="sos")
    slow = signal.sosfilt(sos, rng.standard_normal(m + 200))[200:]
    slow /= np.std(slow) + 1e-12
    return np.interp(np.arange(n) / sample_rate, np.arange(m) / control_rate, slow)
