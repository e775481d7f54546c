"""Ready-made scenes for the demo, tests and benchmarks.

Every preset takes a seed (appearance: background, textures, colours, gait phase) and the common
overrides (duration, rate, size, camera pan, sensor noise, lighting drift, occluder); the motion
comes from the keyword arguments only, so it is the same for every seed. Objects crossing the
frame pass the centre of the picture's view direction (X = 0) at mid-shot.
"""

from __future__ import annotations

import numpy as np

from foley_assistant.core.timebase import FrameRate
from foley_assistant.synth.spec import ObjectSpec, SceneSpec


def _scene(
    seed: int,
    objects: tuple[ObjectSpec, ...],
    duration_s: float,
    rate: FrameRate | int | str,
    width: int,
    height: int,
    pan_deg_per_s: float,
    noise_sigma: float,
    lighting_drift: float,
    occluder: bool,
) -> SceneSpec:
    return SceneSpec(
        duration_s=duration_s,
        rate=FrameRate.parse(rate),
        width=width,
        height=height,
        objects=objects,
        camera_pan_deg_per_s=pan_deg_per_s,
        occluder=occluder,
        noise_sigma=noise_sigma,
        lighting_drift=lighting_drift,
        seed=seed,
    )


def _crossing(
    duration_s: float,
    speed_m_s: float,
    direction: int,
    depth_start: float,
    depth_end: float | None = None,
    centre_s: float | None = None,
) -> tuple[tuple[float, float, float], ...]:
    """Keypoints at t = 0 and t = duration of a straight walk passing X = 0 at `centre_s`."""
    centre = duration_s / 2 if centre_s is None else centre_s
    sign = 1.0 if direction >= 0 else -1.0
    end_depth = depth_start if depth_end is None else depth_end
    return (
        (0.0, sign * speed_m_s * (0.0 - centre), depth_start),
        (duration_s, sign * speed_m_s * (duration_s - centre), end_depth),
    )


def _phase(seed: int, salt: int) -> float:
    """A walker's starting step phase, from the seed."""
    return float(np.random.default_rng([seed, 9, salt]).uniform(0.0, 1.0))


def walker_scene(
    seed: int = 0,
    *,
    distance_m: float = 6.0,
    end_distance_m: float | None = None,
    speed_m_s: float = 1.4,
    direction: int = 1,
    duration_s: float = 4.0,
    rate: FrameRate | int | str = FrameRate(25),
    width: int = 640,
    height: int = 360,
    pan_deg_per_s: float = 0.0,
    noise_sigma: float = 0.0,
    lighting_drift: float = 0.0,
    occluder: bool = False,
) -> SceneSpec:
    """One person walking sideways (`direction` +1 = to the right) at `speed_m_s`, `distance_m` away
    (moving to `end_distance_m` by the end if given), passing the view axis at mid-shot."""
    path = _crossing(duration_s, speed_m_s, direction, distance_m, end_distance_m)
    walker = ObjectSpec("walker", path, step_phase=_phase(seed, 1))
    return _scene(seed, (walker,), duration_s, rate, width, height, pan_deg_per_s, noise_sigma, lighting_drift, occluder)


def crossing_scene(
    seed: int = 0,
    *,
    near_distance_m: float = 5.0,
    far_distance_m: float = 8.0,
    speed_m_s: float = 1.4,
    duration_s: float = 4.0,
    rate: FrameRate | int | str = FrameRate(25),
    width: int = 640,
    height: int = 360,
    pan_deg_per_s: float = 0.0,
    noise_sigma: float = 0.0,
    lighting_drift: float = 0.0,
    occluder: bool = False,
) -> SceneSpec:
    """Two people crossing in opposite directions at mid-shot: O1 near (walking right) passes in
    front of O2 far (walking left)."""
    near = ObjectSpec("walker", _crossing(duration_s, speed_m_s, 1, near_distance_m), step_phase=_phase(seed, 1))
    far = ObjectSpec("walker", _crossing(duration_s, speed_m_s * 0.9, -1, far_distance_m), step_phase=_phase(seed, 2))
    return _scene(seed, (near, far), duration_s, rate, width, height, pan_deg_per_s, noise_sigma, lighting_drift, occluder)


def street_scene(
    seed: int = 0,
    *,
    car_distance_m: float = 12.0,
    car_speed_m_s: float = 8.0,
    walker_distance_m: float = 6.0,
    walker_speed_m_s: float = 1.3,
    duration_s: float = 4.0,
    rate: FrameRate | int | str = FrameRate(25),
    width: int = 640,
    height: int = 360,
    pan_deg_per_s: float = 0.0,
    noise_sigma: float = 0.0,
    lighting_drift: float = 0.0,
    occluder: bool = False,
) -> SceneSpec:
    """A car (O1) passing left to right behind a person (O2) walking right to left; the car crosses
    the view axis at mid-shot, the walker a little later."""
    car = ObjectSpec("car", _crossing(duration_s, car_speed_m_s, 1, car_distance_m))
    walker = ObjectSpec(
        "walker",
        _crossing(duration_s, walker_speed_m_s, -1, walker_distance_m, centre_s=0.6 * duration_s),
        step_phase=_phase(seed, 1),
    )
    return _scene(seed, (car, walker), duration_s, rate, width, height, pan_deg_per_s, noise_sigma, lighting_drift, occluder)


def bouncing_ball_scene(
    seed: int = 0,
    *,
    distance_m: float = 6.0,
    drop_height_m: float = 1.2,
    lateral_speed_m_s: float = 0.6,
    restitution: float = 0.7,
    duration_s: float = 4.0,
    rate: FrameRate | int | str = FrameRate(25),
    width: int = 640,
    height: int = 360,
    pan_deg_per_s: float = 0.0,
    noise_sigma: float = 0.0,
    lighting_drift: float = 0.0,
    occluder: bool = False,
) -> SceneSpec:
    """A ball dropped from `drop_height_m` at t = 0, bouncing lower each time while rolling sideways."""
    path = _crossing(duration_s, lateral_speed_m_s, 1, distance_m)
    ball = ObjectSpec("ball", path, drop_height_m=drop_height_m, restitution=restitution)
    return _scene(seed, (ball,), duration_s, rate, width, height, pan_deg_per_s, noise_sigma, lighting_drift, occluder)
