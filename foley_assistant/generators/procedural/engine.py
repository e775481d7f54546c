"""Engine voice: a combustion engine whose firing rate follows the object's speed, under load.

RPM = idle + k * speed (clamped to max, lagging the speed by ~0.2 s like a real engine), firing
frequency = rpm / 60 * cylinders / (strokes / 2). The phase is the running sum of the
instantaneous frequency, so pitch changes never click.

Tone: a harmonic series of the firing frequency with a little half-order content (cylinder
imbalance), amplitude order^-rolloff (rolloff = 1.1 / brightness, less under load), each
harmonic faded out smoothly as it nears the cap (4 kHz x brightness), one random phase per order.
It is read from wavetables: one period of that spectrum, built by inverse FFT for firing
frequencies a half octave apart, at no load and at full load; each sample crossfades the two
tables around its frequency (in log frequency) and the two loads. The tone, with its gain, is
computed at a reduced rate (it holds nothing above its cap) and upsampled with a polyphase
Kaiser filter whose transition band is the gap between the cap and the first image, so it
rejects the images as well as a textbook resampler with half the taps.

Noise: band-passed noise pulsed by the firing phase (exhaust), and road/tyre noise that grows
as speed^1.5 (tyre_noise: its share at 20 m/s). Both come from one uniform white noise (after
their band-pass filters it is as Gaussian as Gaussian white noise would be); the firing pulse is
read at the tone's reduced rate with its gain and interpolated (it holds nothing above twice the
firing rate).

Under acceleration (load) it gets louder (up to +4 dB) and brighter, under deceleration slightly
quieter; load follows the acceleration through a short lag, so a sudden change of acceleration
never switches the level or the tone abruptly. Peaks above -6 dBFS are bent by a soft limiter.
Control values (rpm, load, gains) are computed every CONTROL_BLOCK samples and ramped linearly.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Mapping

import numpy as np
from scipy import signal

from foley_assistant.generators.procedural.dsp import (
    MeanSquare,
    StatefulFilter,
    bandpass_sos,
    chunks,
    control_points,
    db_to_gain,
    one_pole_sos,
    ramp_span,
    soft_limit_into,
    stat_spans,
)

RMS_DBFS = -18.0  # RMS of the engine at steady speed over the rendered span
CONTROL_BLOCK = 48  # samples between control values (rpm, load): 1 ms at 48 kHz; a multiple of every reduced-rate factor 1..4, 6, 8
TABLE_SIZE = 2048  # samples per wavetable (two firing periods: half orders fit)
HARMONIC_CAP_HZ = 4000.0
RPM_LAG_S = 0.2
LOAD_LAG_S = 0.05  # throttle lag (applied twice, so load changes are smooth, not just continuous)
LOAD_FULL_M_S2 = 2.0  # acceleration at which the engine is at full load
LOAD_GAIN_DB = 4.0  # louder by this much at full load
RPM_GAIN_DB = 2.0  # louder by this much at max_rpm than at idle
TYRE_REFERENCE_M_S = 20.0
PULSE_SIZE = 4096
_PULSE = (((1.0 + np.cos(2 * np.pi * np.arange(PULSE_SIZE) / PULSE_SIZE)) / 2.0) ** 2).astype(np.float32)  # one firing's noise pulse
EXHAUST_DRIVE = 2.5  # the exhaust noise enters its saturation with a standard deviation of 1 / this
UNIFORM_SD = float(np.sqrt(1.0 / 12.0))  # of uniform noise on [0, 1)
UPSAMPLER_REJECTION_DB = 60.0  # image rejection of the tone's upsampler (scipy's resample_poly default: about 55 dB)


@dataclass(frozen=True)
class EngineSpec:
    """An engine's character: RPM range, how RPM follows speed, cylinders, tone."""

    idle_rpm: float = 800.0
    rpm_per_mps: float = 110.0
    max_rpm: float = 5500.0
    cylinders: int = 4
    strokes: int = 4
    brightness: float = 1.0  # > 1 brighter (slower harmonic roll-off), < 1 darker
    noise: float = 0.3  # share of the firing-pulsed (exhaust) noise, 0..1
    tyre_noise: float = 0.0  # share of road/tyre noise at 20 m/s, 0..1

    def __post_init__(self) -> None:
        if not 0 < self.idle_rpm <= self.max_rpm:
            raise ValueError(f"an engine needs 0 < idle_rpm <= max_rpm, got {self.idle_rpm} and {self.max_rpm}")
        if self.cylinders < 1 or self.strokes not in (2, 4):
            raise ValueError(f"an engine needs >= 1 cylinder and 2 or 4 strokes, got {self.cylinders}, {self.strokes}")
        if self.rpm_per_mps < 0 or self.brightness <= 0 or not 0 <= self.noise <= 1 or not 0 <= self.tyre_noise <= 1:
            raise ValueError("engine rpm_per_mps must be >= 0, brightness > 0, noise and tyre_noise within 0..1")


#: Named starting points for the voice map's "preset" key (any field can still be overridden).
ENGINE_PRESETS: dict[str, EngineSpec] = {
    "car": EngineSpec(800.0, 110.0, 5500.0, 4, 4, 1.0, 0.3, 0.35),
    "truck": EngineSpec(600.0, 70.0, 2500.0, 6, 4, 0.7, 0.4, 0.45),
    "motorbike": EngineSpec(1200.0, 250.0, 9000.0, 2, 4, 1.3, 0.35, 0.15),
    "scooter": EngineSpec(1600.0, 300.0, 8500.0, 1, 2, 1.4, 0.45, 0.1),
}


def engine_spec_from(params: Mapping[str, Any]) -> EngineSpec:
    """An EngineSpec from a voice entry: its "preset" (default car's plain defaults) plus overrides."""
    preset = params.get("preset")
    base = EngineSpec() if preset is None else ENGINE_PRESETS[str(preset)]
    names = {f.name for f in fields(EngineSpec)}
    return replace(base, **{k: v for k, v in params.items() if k in names})


def rpm_for_speed(speed_m_s: np.ndarray, spec: EngineSpec) -> np.ndarray:
    """Engine RPM for a ground speed (no lag): idle + rpm_per_mps * speed, at most max_rpm."""
    return np.clip(spec.idle_rpm + spec.rpm_per_mps * np.asarray(speed_m_s, dtype=np.float64), spec.idle_rpm, spec.max_rpm)


def firing_hz(rpm: np.ndarray | float, spec: EngineSpec) -> np.ndarray:
    """Firing frequency: rpm / 60 * cylinders / (strokes / 2)."""
    return np.asarray(rpm, dtype=np.float64) / 60.0 * spec.cylinders / (spec.strokes / 2.0)


def render_engine(speed_m_s: np.ndarray, accel_m_s2: np.ndarray, spec: EngineSpec, rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    """Engine sound for per-sample speed and acceleration; float64, RMS about RMS_DBFS at steady speed."""
    n = len(speed_m_s)
    out = np.zeros(n)
    if n:
        at = control_points(n, CONTROL_BLOCK)
        engine_into(out, np.asarray(speed_m_s, dtype=np.float64)[at], np.asarray(accel_m_s2, dtype=np.float64)[at], spec, rng, sample_rate)
    return out


def engine_into(out: np.ndarray, speed_c: np.ndarray, accel_c: np.ndarray, spec: EngineSpec, rng: np.random.Generator, sample_rate: int) -> None:
    """`render_engine` into `out` (float64, n samples) from the speed and acceleration at its control
    points (`dsp.control_points(n, CONTROL_BLOCK)`), a chunk at a time (`EngineVoice`)."""
    voice = EngineVoice(len(out), speed_c, accel_c, spec, rng, sample_rate)
    for start, stop in chunks(len(out)):
        out[start:stop] = voice.block(start, stop)


class EngineVoice:
    """The engine of `render_engine` over n samples, a span at a time (`block`, asked for in
    order from sample 0). Only control-rate curves are whole-sound arrays: the reduced-rate tone
    and pulses are computed for the span asked for (their power over the whole sound, which sets
    the level, in a first pass), the upsampling, noise, mix and limiter run a chunk at a time."""

    def __init__(self, n: int, speed_c: np.ndarray, accel_c: np.ndarray, spec: EngineSpec, rng: np.random.Generator, sample_rate: int) -> None:
        count = n // CONTROL_BLOCK + 2
        control_rate = sample_rate / CONTROL_BLOCK
        rpm_c = _lagged(rpm_for_speed(speed_c, spec), control_rate, RPM_LAG_S)
        rpm_c *= 1.0 + 0.006 * _wander(rng, count, control_rate)
        throttle = np.clip(accel_c / LOAD_FULL_M_S2, -1.0, 1.0)
        load_c = _lagged(_lagged(throttle, control_rate, LOAD_LAG_S), control_rate, LOAD_LAG_S)
        push_c = np.maximum(load_c, 0.0)

        f_c = firing_hz(rpm_c, spec)
        phase_c = np.concatenate([[0.0], np.cumsum(0.5 * (f_c[1:] + f_c[:-1]))]) * (2 * np.pi * CONTROL_BLOCK / sample_rate)
        mix_c = np.clip(spec.noise * (1.0 + 0.6 * push_c), 0.0, 0.95)
        rev_c = (rpm_c - spec.idle_rpm) / max(spec.max_rpm - spec.idle_rpm, 1.0)
        rev_gain_c = 10.0 ** (RPM_GAIN_DB * rev_c / 20.0)
        load_db_c = LOAD_GAIN_DB * push_c - 2.0 * np.maximum(-load_c, 0.0)
        gain_c = rev_gain_c * 10.0 ** (load_db_c / 20.0)
        offset = rng.uniform(0, 2 * np.pi)
        self._tone = _ReducedTone(phase_c, f_c, push_c, gain_c * np.sqrt(1.0 - mix_c**2), gain_c * mix_c, offset, n, spec, rng, sample_rate)
        tone_power, pulse_power = self._tone.powers()
        steady = np.sqrt(np.mean((1.0 - mix_c**2) * tone_power + mix_c**2) * np.mean(rev_gain_c**2))
        level = db_to_gain(RMS_DBFS) / (steady + 1e-12)
        self._level = np.float32(level)
        self._pulse_level = np.float32(level / np.sqrt(SATURATED_POWER * pulse_power))

        # One uniform white noise (exhaust and road share it: their filters remove its mean), its
        # first 512 samples only warming the filters up, drawn and filtered a chunk at a time.
        exhaust_sos = bandpass_sos(900.0 * spec.brightness, 0.5, sample_rate, 2)
        self._drive = np.float32(1.0 / (EXHAUST_DRIVE * UNIFORM_SD * noise_gain(exhaust_sos)))  # standard deviation 1 / EXHAUST_DRIVE
        self._filters = [StatefulFilter(exhaust_sos)]
        self._road_gain = None
        if spec.tyre_noise > 0:
            tyre_sos = np.vstack([bandpass_sos(700.0, 0.35, sample_rate, 1), one_pole_sos(2500.0, sample_rate)])  # a hump near 700 Hz
            tyre_c = spec.tyre_noise * db_to_gain(RMS_DBFS) * np.clip(speed_c / TYRE_REFERENCE_M_S, 0.0, 2.0) ** 1.5
            self._road_gain = np.asarray(tyre_c * 10.0 ** (load_db_c / 40.0) / (UNIFORM_SD * noise_gain(tyre_sos)), dtype=np.float32)
            self._filters.append(StatefulFilter(tyre_sos))
        warm = rng.random(512, dtype=np.float32)
        for stage in self._filters:
            stage(warm)
        self._rng = rng
        self._done = 0

    def block(self, start: int, stop: int) -> np.ndarray:
        """Samples [start, stop) of the engine (float64; spans asked for in order from 0)."""
        if start != self._done:
            raise ValueError(f"engine spans must follow each other: asked for {start}, next is {self._done}")
        out = np.empty(stop - start)
        for first, last in chunks(stop - start):
            a, b = start + first, start + last
            white = self._rng.random(b - a, dtype=np.float32)
            exhaust = self._filters[0](white)
            exhaust *= self._drive
            exhaust /= 1.0 + np.abs(exhaust)  # a soft saturation, then pulsed: RMS 1 (pulse and noise are independent)
            pulses = self._tone.pulses(a, b)
            pulses *= self._pulse_level
            exhaust *= pulses
            piece = self._tone.tone(a, b)
            piece *= self._level
            piece += exhaust
            if self._road_gain is not None:
                road = self._filters[1](white)
                road *= ramp_span(self._road_gain, CONTROL_BLOCK, a, b)
                piece += road
            soft_limit_into(piece, out[first:last])
        self._done = stop
        return out


def noise_gain(sos: np.ndarray) -> float:
    """The RMS gain of a filter on white noise: the root of the energy of its impulse response."""
    impulse = np.zeros(8192)
    impulse[0] = 1.0
    return float(np.sqrt(np.sum(signal.sosfilt(sos, impulse) ** 2)))


def _saturated_power(drive: float) -> float:
    """E[y^2] for y = x / (1 + |x|), x Gaussian with standard deviation 1 / drive (numerically)."""
    x = np.linspace(-12.0, 12.0, 24001) / drive
    weight = np.exp(-0.5 * (x * drive) ** 2)
    return float(np.sum((x / (1.0 + np.abs(x))) ** 2 * weight) / np.sum(weight))


SATURATED_POWER = _saturated_power(EXHAUST_DRIVE)  # of the saturated exhaust noise


def soft_limit(x: np.ndarray, knee: float = 0.5) -> np.ndarray:
    """Unchanged below `knee`; above it, peaks bend smoothly towards (never reach) 1. Float64 out."""
    out = np.empty(np.shape(x))
    soft_limit_into(np.asarray(x), out, knee)
    return out


class _ReducedTone:
    """The tone (times its gain) and the firing pulses (times theirs), computed at a reduced rate
    for the span asked for and read at the full rate: the tone through the polyphase upsampler
    (given the input samples each output needs, so a span is value for value that of the whole
    signal), the pulses ramped linearly.

    Phase, frequency, load and gains come at the control rate. Both are computed at a reduced
    rate (a run a little past the end, so the upsampler's own edge falls outside the output).
    """

    def __init__(
        self,
        phase_c: np.ndarray,
        f_c: np.ndarray,
        push_c: np.ndarray,
        gain_c: np.ndarray,
        pulse_gain_c: np.ndarray,
        pulse_offset: float,
        n: int,
        spec: EngineSpec,
        rng: np.random.Generator,
        sample_rate: int,
    ) -> None:
        cap = min(HARMONIC_CAP_HZ * spec.brightness, 0.4 * sample_rate)
        factor = max(1, int(sample_rate // (2.5 * cap)))
        if n < 64 * factor:
            factor = 1
        self._factor, self._pad = factor, 16 if factor > 1 else 0
        self._low_n = -(-n // factor) + self._pad
        levels = _table_frequencies(float(np.min(f_c)), float(np.max(f_c)))
        self._levels = len(levels)
        position_c = np.interp(np.log(np.maximum(f_c, 1e-3)), np.log(levels), np.arange(len(levels)))
        self._curves = _ReducedCurves((phase_c, position_c, push_c, gain_c, pulse_gain_c), factor, self._low_n)
        rotations = rng.uniform(0, 2 * np.pi, 2 * int(cap / levels[0]) + 4)
        tables = np.array([[_wavetable(fl, p, cap, spec, rotations) for p in (0.0, 1.0)] for fl in levels])  # (L, 2, N)
        self._stride = TABLE_SIZE + 1  # each table with its first sample again at the end: no wrap when interpolating
        self._flat = np.concatenate([tables, tables[..., :1]], axis=-1).astype(np.float32).ravel()
        self._offset = pulse_offset
        self._loaded = any(bool(np.any(self._curves.span(a, b)[2] > 1e-3)) for a, b in chunks(self._low_n))
        self._fir = _upsampler(factor, cap, sample_rate) if factor > 1 else np.ones(1, dtype=np.float32)

    def powers(self) -> tuple[float, float]:
        """The mean squares of the tone (about 1) and of the pulse before their gains, over the
        whole run (the tone without the run past the end)."""
        tone_power, pulse_power = MeanSquare(), MeanSquare()
        for a, b in stat_spans(self._low_n):
            tone, pulse = self._span(a, b, gains=False)
            tone_power.add(tone[: max(0, min(b, self._low_n - self._pad) - a)])
            pulse_power.add(pulse)
        return float(tone_power.value()), float(pulse_power.value())

    def _span(self, a: int, b: int, gains: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Reduced-rate samples [a, b) of the tone and the pulse (float32), times their gains when `gains`."""
        low_phase, position, push, gain, pulse_gain = self._curves.span(a, b)
        stride, flat = self._stride, self._flat
        lower = np.minimum(position.astype(np.int64), self._levels - 2)
        blend = np.clip(position - lower, 0.0, 1.0).astype(np.float32)
        read = low_phase * (TABLE_SIZE / (4 * np.pi))  # a table holds two firing periods
        whole = read.astype(np.int64)
        frac = (read - whole).astype(np.float32)
        index = lower * (2 * stride) + (whole & (TABLE_SIZE - 1))

        def look(offset: int) -> np.ndarray:  # table (level lower + offset // 2, load offset % 2), interpolated
            here = np.take(flat[offset * stride :], index)
            return here + (np.take(flat[offset * stride + 1 :], index) - here) * frac

        quiet = look(0)
        tone = quiet + (look(2) - quiet) * blend
        if self._loaded:  # under load somewhere: the brighter tables too
            loud = look(1)
            loud += (look(3) - loud) * blend
            tone += (loud - tone) * push.astype(np.float32)
        pulse = _PULSE[((low_phase + self._offset) * (PULSE_SIZE / (2 * np.pi))).astype(np.int64) & (PULSE_SIZE - 1)]
        if gains:
            tone *= gain.astype(np.float32)
            pulse *= pulse_gain.astype(np.float32)
        return tone, pulse

    def tone(self, start: int, stop: int) -> np.ndarray:
        """Full-rate samples [start, stop) of the tone (float32, a new array)."""
        factor, taps = self._factor, len(self._fir)
        if factor == 1:
            return self._span(start, stop)[0]
        first, last = start + taps // 2, stop + taps // 2  # outputs of the filter, its delay skipped
        low = max(0, (first - taps + 1) // factor)
        high = min(self._low_n, last // factor + 1)
        out = signal.upfirdn(self._fir, self._span(low, high)[0], factor)
        return out[first - low * factor : last - low * factor]

    def pulses(self, start: int, stop: int) -> np.ndarray:
        """Full-rate samples [start, stop) of the pulses (float32, a new array)."""
        if self._factor == 1:
            return self._span(start, stop)[1]
        first = start // self._factor
        held = self._span(first, min(self._low_n, -(-stop // self._factor) + 1))[1]
        return ramp_span(held, self._factor, start - first * self._factor, stop - first * self._factor)


class _ReducedCurves:
    """Control-rate curves read every `factor` samples, `count` values each, linearly interpolated,
    for any span [a, b) of them: value for value the whole run at once.

    The first curve (the phase) is continued past its end at its last slope and kept in float64;
    the others are held past their end and come out in float32 (in float64 where the factor does
    not divide the control block: then they are read by `np.interp`).
    """

    def __init__(self, curves: tuple[np.ndarray, ...], factor: int, count: int) -> None:
        self._factor = factor
        self._per = CONTROL_BLOCK // factor if CONTROL_BLOCK % factor == 0 else 0
        if self._per:
            blocks = -(-count // self._per) + 1
            self._values = []
            for index, curve in enumerate(curves):
                extra = blocks + 1 - len(curve)
                if extra > 0:
                    tail = curve[-1] + (curve[-1] - curve[-2]) * np.arange(1, extra + 1) if index == 0 else np.full(extra, curve[-1])
                    curve = np.concatenate([curve, tail])
                self._values.append(curve[: blocks + 1].astype(np.float64 if index == 0 else np.float32))
        else:
            self._values = list(curves)

    def span(self, a: int, b: int) -> list[np.ndarray]:
        """Values [a, b) of every curve."""
        if self._per:
            return [ramp_span(values, self._per, a, b) for values in self._values]
        at = np.arange(a, b) * self._factor / CONTROL_BLOCK  # positions in control steps
        steps = np.arange(len(self._values[0]))
        out = []
        for index, curve in enumerate(self._values):
            values = np.interp(at, steps, curve)
            if index == 0:
                beyond = at > steps[-1]
                values[beyond] = curve[-1] + (curve[-1] - curve[-2]) * (at[beyond] - steps[-1])
            out.append(values)
        return out


def _upsampler(factor: int, cap: float, sample_rate: int) -> np.ndarray:
    """The polyphase Kaiser FIR (float32, an odd number of taps) that upsamples by `factor` a signal
    with nothing above `cap` at sample_rate / factor.

    The passband ends at the cap and the stopband starts where the first image begins
    (sample_rate / factor - cap), so the filter needs only as many taps as that gap asks for.
    """
    low_rate = sample_rate / factor
    width = max(low_rate - 2 * cap, 0.02 * low_rate)  # Hz between the cap and the first image
    taps, beta = signal.kaiserord(UPSAMPLER_REJECTION_DB, width / (0.5 * sample_rate))
    taps |= 1
    return (signal.firwin(taps, 0.5 * low_rate, window=("kaiser", beta), fs=sample_rate) * factor).astype(np.float32)


def _table_frequencies(f_min: float, f_max: float) -> np.ndarray:
    """Firing frequencies a half octave apart covering f_min..f_max (at least two)."""
    count = max(2, int(np.ceil(2 * np.log2(max(f_max, f_min * 1.001) / f_min))) + 1)
    return f_min * 2.0 ** (np.arange(count) / 2.0)


def _wavetable(firing: float, push: float, cap: float, spec: EngineSpec, rotations: np.ndarray) -> np.ndarray:
    """Two firing periods of the tone at one firing frequency and load, RMS 1.

    Bin m of the table is order m / 2 of the firing frequency: whole orders weigh 1, half orders
    0.08; amplitude order^-rolloff, faded out linearly over the last 20 % below the cap.
    """
    bins = np.arange(1, TABLE_SIZE // 2)
    orders = bins / 2.0
    weights = np.where(bins % 2 == 1, 0.08, 1.0)
    weights[orders > 1.5] *= bins[orders > 1.5] % 2 == 0  # half orders only at 0.5 and 1.5
    fade = np.clip((cap - orders * firing) / (0.2 * cap), 0.0, 1.0)
    rolloff = 1.1 / spec.brightness - 0.35 * push
    amplitude = weights * fade * np.exp(-np.log(np.maximum(orders, 1.0)) * rolloff)
    spectrum = np.zeros(TABLE_SIZE // 2 + 1, dtype=np.complex128)
    count = min(len(bins), len(rotations))
    spectrum[1 : count + 1] = amplitude[:count] * np.exp(1j * rotations[:count])
    table = np.fft.irfft(spectrum, TABLE_SIZE)
    return table / (np.sqrt(np.mean(table**2)) + 1e-12)


def _lagged(target: np.ndarray, rate: float, lag_s: float) -> np.ndarray:
    """A value following its target with a one-pole lag (time constant `lag_s`), starting on it."""
    a = np.exp(-1.0 / (lag_s * rate))
    zi = signal.lfilter_zi([1.0 - a], [1.0, -a]) * target[0]
    out, _ = signal.lfilter([1.0 - a], [1.0, -a], target, zi=zi)
    return out


def _wander(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """Slow random wobble (~1 Hz), about unit amplitude, for idle unsteadiness; n values at `rate`."""
    control_rate = 50
    m = int(n * control_rate / rate) + 4
    sos = signal.butter(2, 1.0, fs=control_rate, output="sos")
    slow = signal.sosfilt(sos, rng.standard_normal(m + 200))[200:]
    slow /= np.std(slow) + 1e-12
    return np.interp(np.arange(n) / rate, np.arange(m) / control_rate, slow)
