"""How synthetic objects move: piecewise-linear paths, a walker's gait, a ball's bounces.

All functions are vectorised over time (seconds, float arrays) and analytic: event instants
(footfalls, impacts) are solved exactly from the motion, never read off the frame grid.

Gait: the step count phi(t) grows at the cadence c = clip(1.6 + 0.25 * v, 1.4, 2.6) steps/s for a
path speed v >= 0.1 m/s (0 when standing), starting from `step_phase` at t = 0. A footfall happens
each time phi crosses a whole number; the figure's elevation is A * sin^2(pi * phi) with
A = 0.03 m, so it is lowest (on the ground) exactly at each footfall.

Bounce: the ball's bottom falls from rest at `drop_height_m` at the first keypoint's time under
g = 9.81 m/s^2; at each ground contact with speed u it leaves with restitution * u, and it rests
on the ground once that is below 0.3 m/s.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from foley_assistant.synth.spec import Keypoint

GRAVITY_M_S2 = 9.81
BOB_AMPLITUDE_M = 0.03
STANDING_SPEED_M_S = 0.1
REST_SPEED_M_S = 0.3
#: An impact at this speed (a fall from about 2.5 m) has strength 1.
REFERENCE_IMPACT_SPEED_M_S = 7.0


def cadence_steps_per_s(speed_m_s: np.ndarray | float) -> np.ndarray:
    """Walking cadence for a path speed: clip(1.6 + 0.25 v, 1.4, 2.6) steps/s, 0 when standing."""
    speed = np.asarray(speed_m_s, dtype=np.float64)
    walking = np.clip(1.6 + 0.25 * speed, 1.4, 2.6)
    return np.where(speed >= STANDING_SPEED_M_S, walking, 0.0)


def footfall_strength(speed_m_s: float) -> float:
    """Loudness 0..1 of a footfall at a walking speed (faster steps land harder)."""
    return float(np.clip(0.3 + 0.3 * speed_m_s, 0.1, 1.0))


@dataclass(frozen=True)
class Path:
    """A piecewise-linear path (t, X, Z), held before the first and after the last keypoint."""

    keypoints: tuple[Keypoint, ...]

    @property
    def times(self) -> np.ndarray:
        """The keypoint times (seconds)."""
        return np.array([k[0] for k in self.keypoints])

    def position(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(X, Z) in metres at times t."""
        t = np.asarray(t, dtype=np.float64)
        keys = np.array(self.keypoints)
        if len(keys) == 1:
            return np.full(t.shape, keys[0, 1]), np.full(t.shape, keys[0, 2])
        return np.interp(t, keys[:, 0], keys[:, 1]), np.interp(t, keys[:, 0], keys[:, 2])

    def velocity(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(dX/dt, dZ/dt) in m/s at times t; a keypoint time takes the segment that starts there."""
        t = np.asarray(t, dtype=np.float64)
        keys = np.array(self.keypoints)
        if len(keys) == 1:
            return np.zeros(t.shape), np.zeros(t.shape)
        segment = np.searchsorted(keys[:, 0], t, side="right") - 1
        inside = (segment >= 0) & (segment < len(keys) - 1)
        seg = np.clip(segment, 0, len(keys) - 2)
        span = keys[seg + 1, 0] - keys[seg, 0]
        vx = np.where(inside, (keys[seg + 1, 1] - keys[seg, 1]) / span, 0.0)
        vz = np.where(inside, (keys[seg + 1, 2] - keys[seg, 2]) / span, 0.0)
        return vx, vz

    def speed(self, t: np.ndarray) -> np.ndarray:
        """Ground speed in m/s at times t."""
        vx, vz = self.velocity(t)
        return np.hypot(vx, vz)

    def heading_sign(self, t: np.ndarray) -> np.ndarray:
        """+1 where the object last moved right (or never moved sideways), -1 where it last moved left."""
        t = np.asarray(t, dtype=np.float64)
        keys = np.array(self.keypoints)
        signs = np.ones(t.shape)
        if len(keys) == 1:
            return signs
        dx = np.diff(keys[:, 1])
        seg_sign = np.where(dx > 0, 1.0, np.where(dx < 0, -1.0, 0.0))
        # carry the last non-zero direction forward through segments without lateral motion
        first_nonzero = next((s for s in seg_sign if s != 0), 1.0)
        last = first_nonzero
        carried = []
        for s in seg_sign:
            last = s if s != 0 else last
            carried.append(last)
        carried_arr = np.array(carried)
        segment = np.clip(np.searchsorted(keys[:, 0], t, side="right") - 1, -1, len(keys) - 2)
        return np.where(segment < 0, first_nonzero, carried_arr[np.maximum(segment, 0)])


@dataclass(frozen=True)
class Gait:
    """A walker's step count over [0, end_s]: piecewise linear, with breakpoints at the path keypoints."""

    breakpoints_s: tuple[float, ...]
    phases: tuple[float, ...]
    cadences: tuple[float, ...]  # steps/s in each interval between breakpoints
    speeds: tuple[float, ...]  # path speed in each interval

    @classmethod
    def from_path(cls, path: Path, step_phase: float, end_s: float) -> "Gait":
        """The gait of a walker following `path` from t = 0 to `end_s`."""
        inner = [t for t in path.times if 0.0 < t < end_s]
        points = [0.0, *inner, end_s]
        mids = np.array([(a + b) / 2 for a, b in zip(points, points[1:])])
        speeds = path.speed(mids)
        cadences = cadence_steps_per_s(speeds)
        phases = [float(step_phase)]
        for (a, b), c in zip(zip(points, points[1:]), cadences):
            phases.append(phases[-1] + float(c) * (b - a))
        return cls(tuple(points), tuple(phases), tuple(float(c) for c in cadences), tuple(float(v) for v in speeds))

    def phase(self, t: np.ndarray) -> np.ndarray:
        """Steps taken (plus the starting phase) at times t."""
        return np.interp(np.asarray(t, dtype=np.float64), self.breakpoints_s, self.phases)

    def elevation(self, t: np.ndarray) -> np.ndarray:
        """Height of the figure's bottom above the ground (m): A sin^2(pi phi), 0 at footfalls."""
        return BOB_AMPLITUDE_M * np.sin(np.pi * self.phase(t)) ** 2

    def footfalls(self) -> list[tuple[float, float]]:
        """(time_s, walking speed) of every footfall in [0, end_s), solved exactly."""
        found: list[tuple[float, float]] = []
        end = self.breakpoints_s[-1]
        for i, cadence in enumerate(self.cadences):
            if cadence <= 0:
                continue
            start, phase_a, phase_b = self.breakpoints_s[i], self.phases[i], self.phases[i + 1]
            step = math.floor(phase_a) + 1
            while step <= phase_b:
                time = start + (step - phase_a) / cadence
                if time < end:
                    found.append((time, self.speeds[i]))
                step += 1
        return found


@dataclass(frozen=True)
class Bounce:
    """A ball's vertical motion: free-flight arcs (start time, start height, upward speed) then rest."""

    arcs: tuple[tuple[float, float, float], ...]
    rest_from_s: float
    impacts: tuple[tuple[float, float], ...]  # (time_s, impact speed m/s)
    initial_height_m: float

    @classmethod
    def drop(cls, start_s: float, drop_height_m: float, restitution: float, end_s: float) -> "Bounce":
        """A ball released from rest `drop_height_m` above the ground at `start_s`, followed to `end_s`."""
        if drop_height_m <= 0:
            return cls((), start_s, (), 0.0)
        arcs = [(start_s, drop_height_m, 0.0)]
        impacts: list[tuple[float, float]] = []
        while True:
            t0, h0, v0 = arcs[-1]
            impact_speed = math.sqrt(v0 * v0 + 2.0 * GRAVITY_M_S2 * h0)
            t_hit = t0 + (v0 + impact_speed) / GRAVITY_M_S2
            impacts.append((t_hit, impact_speed))
            launch = restitution * impact_speed
            if launch < REST_SPEED_M_S or t_hit >= end_s:
                return cls(tuple(arcs), t_hit, tuple(impacts), drop_height_m)
            arcs.append((t_hit, 0.0, launch))

    def _arc_terms(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        starts = np.array([a[0] for a in self.arcs])
        index = np.clip(np.searchsorted(starts, t, side="right") - 1, 0, len(self.arcs) - 1)
        arcs = np.array(self.arcs)
        tau = t - arcs[index, 0]
        return tau, arcs[index, 1], arcs[index, 2], (t >= starts[0]) & (t < self.rest_from_s)

    def height(self, t: np.ndarray) -> np.ndarray:
        """Height of the ball's bottom above the ground (m) at times t."""
        t = np.asarray(t, dtype=np.float64)
        if not self.arcs:
            return np.zeros(t.shape)
        tau, h0, v0, flying = self._arc_terms(t)
        flight = np.maximum(0.0, h0 + v0 * tau - 0.5 * GRAVITY_M_S2 * tau**2)
        before = t < self.arcs[0][0]
        return np.where(flying, flight, np.where(before, self.initial_height_m, 0.0))

    def vertical_velocity(self, t: np.ndarray) -> np.ndarray:
        """Upward speed (m/s) at times t (0 before the drop and at rest)."""
        t = np.asarray(t, dtype=np.float64)
        if not self.arcs:
            return np.zeros(t.shape)
        tau, _, v0, flying = self._arc_terms(t)
        return np.where(flying, v0 - GRAVITY_M_S2 * tau, 0.0)

    def impact_events(self, end_s: float) -> list[tuple[float, float]]:
        """(time_s, strength 0..1) of the ground contacts within [0, end_s)."""
        return [(t, min(1.0, speed / REFERENCE_IMPACT_SPEED_M_S)) for t, speed in self.impacts if 0.0 <= t < end_s]
