"""Shots from a rough camera: whip pans, rolls, fast zooms and handheld shake over a flat world.

A large textured image (the world, in world pixels) is filmed by a camera whose view is the
homography world -> frame `T(W/2, H/2) R(roll) S(zoom) T(-cx, -cy)`: (cx, cy) is the world point
at the picture's centre, `zoom` frame pixels per world pixel, `roll` the picture's rotation. A
flat textured object (a coloured box) moves across the world at a steady speed. Each frame
averages four renders over half a frame interval (a 180-degree shutter), so fast moves blur as
they would. Everything follows from the seed.

Moves (`ROUGH_MOVES`), over `seconds` at `fps`:
    whip_pan   held still, then whipped 2.5 frame widths sideways in 0.3 s, back, and away again
               (at 1.2, 2.8 and 4.2 s; up to half the width a frame), held between whips.
    roll       a steady roll of 120 degrees a second while panning slowly.
    fast_zoom  zoomed 1 -> 3 in 0.5 s, held, out to 0.6 in 0.7 s, held, back to 1.
    shake      handheld shake: jitter of about 3 % of the width and 1.5 degrees (standard
               deviations), changing direction a few times a second.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from foley_assistant.synth.noise import fractal_noise, smoothstep

ROUGH_MOVES = ("whip_pan", "roll", "fast_zoom", "shake")
_SUBFRAMES = 4


@dataclass(frozen=True)
class RoughShot:
    """A rough-camera shot: RGB frames, per frame the homography world -> frame of the camera
    (at the frame's mid-exposure) and the moving object's box in frame pixels (x0, y0, x1, y1),
    or None where under half of it is in the picture."""

    frames: list[np.ndarray]
    world_to_frame: list[np.ndarray]
    boxes: list[tuple[float, float, float, float] | None]


def _texture(rng: np.random.Generator, height: int, width: int, scale: float) -> np.ndarray:
    channels = [fractal_noise(rng, (height, width), [1.5 * scale, 6 * scale, 24 * scale], [0.6, 1.0, 1.0]) for _ in range(3)]
    return np.clip(128 + 42 * np.dstack(channels), 0, 255).astype(np.float32)


def _view(cx: float, cy: float, zoom: float, roll_deg: float, width: int, height: int) -> np.ndarray:
    angle = np.deg2rad(roll_deg)
    rotate = np.array([[np.cos(angle), -np.sin(angle), 0.0], [np.sin(angle), np.cos(angle), 0.0], [0.0, 0.0, 1.0]])
    centre = np.array([[1.0, 0.0, width / 2], [0.0, 1.0, height / 2], [0.0, 0.0, 1.0]])
    look = np.array([[zoom, 0.0, -zoom * cx], [0.0, zoom, -zoom * cy], [0.0, 0.0, 1.0]])
    return centre @ rotate @ look


def _path(move: str, t: float, width: int, height: int, shake: tuple[np.ndarray, np.ndarray, np.ndarray]) -> tuple[float, float, float, float]:
    """(cx, cy, zoom, roll) of the camera at time t, relative to the world's centre."""
    if move == "whip_pan":
        travel = 2.5 * width * (smoothstep(1.2, 1.5, np.float32(t)) - smoothstep(2.8, 3.1, np.float32(t)) + smoothstep(4.2, 4.5, np.float32(t)))
        return float(travel), 0.0, 1.0, 0.0
    if move == "roll":
        return 0.05 * width * t, 0.0, 1.0, 120.0 * t
    if move == "fast_zoom":
        ramp = float(smoothstep(0.8, 1.3, np.float32(t)))
        out = float(smoothstep(2.5, 3.2, np.float32(t)))
        back = float(smoothstep(4.5, 5.0, np.float32(t)))
        zoom = 3.0**ramp * (0.2**out) * (1 / 0.6) ** back
        return 0.0, 0.0, zoom, 0.0
    if move == "shake":
        dx, dy, droll = (float(np.interp(t, np.linspace(0, 1e3, len(s)), s)) for s in shake)
        return 0.03 * width * dx, 0.03 * width * dy, 1.0, 1.5 * droll
    raise ValueError(f"unknown camera move {move!r}; one of {', '.join(ROUGH_MOVES)}")


def rough_camera_shot(move: str, width: int = 320, height: int = 180, seconds: float = 6.0, fps: float = 25.0, seed: int = 0) -> RoughShot:
    """Render a rough-camera shot (see the module docstring); `move` is one of `ROUGH_MOVES`."""
    if move not in ROUGH_MOVES:
        raise ValueError(f"unknown camera move {move!r}; one of {', '.join(ROUGH_MOVES)}")
    rng = np.random.default_rng(seed)
    world_w, world_h = 8 * width, 4 * height
    world = _texture(rng, world_h, world_w, width / 320)
    object_w, object_h = int(0.14 * width), int(0.3 * height)
    sprite = np.clip(_texture(rng, object_h, object_w, width / 640) * 0.6 + np.float32([150, 40, 30]) * 0.6, 0, 255)
    # Handheld shake: smoothed random values, 6 a second (for up to 1000 s), interpolated.
    shake_steps = 6000
    shake = tuple(cv2.GaussianBlur(rng.standard_normal((shake_steps, 1)), (1, 0), 0.8).ravel() * 1.6 for _ in range(3))
    origin = np.array([world_w / 2, world_h / 2])
    count = int(round(seconds * fps))
    frames, views, boxes = [], [], []
    corners = np.float32([[0, 0], [object_w, 0], [object_w, object_h], [0, object_h]]).reshape(-1, 1, 2)
    for n in range(count):
        picture = np.zeros((height, width, 3), np.float32)
        for k in range(_SUBFRAMES):
            t = (n + 0.5 * k / _SUBFRAMES) / fps
            cx, cy, zoom, roll = _path(move, t, width, height, shake)
            view = _view(origin[0] + cx, origin[1] + cy, zoom, roll, width, height)
            layer = cv2.warpPerspective(world, view, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
            place = view @ np.array([[1.0, 0.0, origin[0] - 0.45 * width + 0.2 * width * t], [0.0, 1.0, origin[1] - 0.1 * height], [0.0, 0.0, 1.0]])
            thing = cv2.warpPerspective(sprite, place, (width, height), flags=cv2.INTER_LINEAR)
            alpha = cv2.warpPerspective(np.ones((object_h, object_w), np.float32), place, (width, height), flags=cv2.INTER_LINEAR)[..., None]
            picture += layer * (1 - alpha) + thing * alpha
            if k == _SUBFRAMES // 2:
                views.append(view)
                placed = cv2.perspectiveTransform(corners, place).reshape(-1, 2)
                low, high = placed.min(axis=0), placed.max(axis=0)
                clipped = np.clip(high, 0, [width, height]) - np.clip(low, 0, [width, height])
                inside = float(np.prod(np.maximum(clipped, 0))) / float(np.prod(high - low))
                boxes.append((float(low[0]), float(low[1]), float(high[0]), float(high[1])) if inside >= 0.5 else None)
        frames.append(np.clip(picture / _SUBFRAMES, 0, 255).astype(np.uint8))
    return RoughShot(frames, views, boxes)
