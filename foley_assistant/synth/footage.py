"""Rendered scenes made harder, with their truth kept exact: tilt and zoom, and low light.

Tilt and zoom are camera rotations and focal-length changes about the camera's centre, so every
output frame is an exact homography of the rendered one: a virtual camera with focal length
f * zoom(t), pitched by tilt(t) (degrees, + = looking up), sees pixel p of the rendered frame at

    H(t) p,   H(t) = K_out R_x(tilt) K^-1,   K_out = K with f scaled by zoom(t)

(continuous pixel coordinates as in `camera`). zoom(t) = zoom_start + zoom_per_s * t and
tilt(t) = tilt_start_deg + tilt_deg_per_s * t. Zooming in (zoom >= 1) with enough margin for the
tilt keeps the output inside the rendered picture (`CameraMove.check` says when it would not).
The truth boxes go through the same H (bounding box of the moved corners, clipped); visibility is
scaled by the share of the moved box left inside the frame; distances are unchanged (a pitch of a
few degrees changes the depth along the view direction by under 0.2 %).

Low light: the picture is darkened by a gain and given gaussian sensor noise afterwards, as an
underexposed camera pushed in the grade would show it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Iterator

import cv2
import numpy as np

from foley_assistant.core.tracks import Box, TrackedFrame
from foley_assistant.synth.camera import Camera
from foley_assistant.synth.render import SceneRenderer
from foley_assistant.synth.spec import SceneSpec
from foley_assistant.synth.truth import SceneTruth

#: OpenCV puts pixel centres at whole numbers; continuous coordinates put them at halves.
_TO_CONTINUOUS = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])


@dataclass(frozen=True)
class CameraMove:
    """A zoom and a tilt over the shot (see the module docstring)."""

    zoom_start: float = 1.0
    zoom_per_s: float = 0.0
    tilt_start_deg: float = 0.0
    tilt_deg_per_s: float = 0.0

    def zoom(self, t: float) -> float:
        return self.zoom_start + self.zoom_per_s * t

    def tilt_deg(self, t: float) -> float:
        return self.tilt_start_deg + self.tilt_deg_per_s * t

    def homography(self, camera: Camera, t: float) -> np.ndarray:
        """H(t): rendered-frame continuous pixels -> output continuous pixels."""
        k = camera.intrinsics
        k_out = k.copy()
        k_out[0, 0] = k_out[1, 1] = camera.focal_px * self.zoom(t)
        pitch = math.radians(self.tilt_deg(t))
        c, s = math.cos(pitch), math.sin(pitch)
        # Image rows grow downwards: looking up moves the scene down in the picture.
        rotation = np.array([[1.0, 0.0, 0.0], [0.0, c, s], [0.0, -s, c]])
        return k_out @ rotation @ np.linalg.inv(k)

    def check(self, spec: SceneSpec) -> None:
        """Refuse a move whose output would show outside the rendered picture."""
        camera = Camera.from_spec(spec)
        corners = np.array([[0, 0, 1], [spec.width, 0, 1], [spec.width, spec.height, 1], [0, spec.height, 1]], float).T
        for n in (0, spec.frame_count - 1):
            t = n / float(spec.rate)
            seen = np.linalg.inv(self.homography(camera, t)) @ corners
            seen = seen[:2] / seen[2]
            if seen.min() < -0.5 or seen[0].max() > spec.width + 0.5 or seen[1].max() > spec.height + 0.5:
                raise ValueError(f"at t = {t:.2f} s the move shows outside the rendered frame: zoom in more or tilt less")


def moved_scene(spec: SceneSpec, move: CameraMove) -> tuple[Iterator[np.ndarray], SceneTruth]:
    """The frames of `spec` seen through the moving virtual camera, and the moved truth."""
    move.check(spec)
    renderer = SceneRenderer(spec)
    camera = renderer.camera
    times = [n / float(spec.rate) for n in range(spec.frame_count)]
    warps = [np.linalg.inv(_TO_CONTINUOUS) @ move.homography(camera, t) @ _TO_CONTINUOUS for t in times]

    def frames() -> Iterator[np.ndarray]:
        for n, warp in enumerate(warps):
            yield cv2.warpPerspective(renderer.frame(n), warp, (spec.width, spec.height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)

    truth = renderer.truth
    objects = tuple(replace(obj, frames=tuple(f for f in (_moved_frame(f, move.homography(camera, times[f.frame]), spec) for f in obj.frames) if f is not None)) for obj in truth.objects)
    return frames(), replace(truth, objects=objects)


def _moved_frame(frame: TrackedFrame, homography: np.ndarray, spec: SceneSpec) -> TrackedFrame | None:
    w, h = spec.width, spec.height
    b = frame.box
    corners = np.array([[b.x0 * w, b.y0 * h, 1], [b.x1 * w, b.y0 * h, 1], [b.x1 * w, b.y1 * h, 1], [b.x0 * w, b.y1 * h, 1]]).T
    moved = homography @ corners
    xs, ys = moved[0] / moved[2], moved[1] / moved[2]
    full = Box(xs.min() / w, ys.min() / h, xs.max() / w, ys.max() / h)
    clipped = full.clipped()
    if clipped.area <= 0:
        return None
    share = clipped.area / full.area if full.area > 0 else 0.0
    return replace(frame, box=clipped, confidence=frame.confidence * share)


def low_light(frames: Iterator[np.ndarray], gain: float = 0.35, noise_sigma: float = 5.0, seed: int = 0) -> Iterator[np.ndarray]:
    """Frames darkened by `gain` with gaussian sensor noise of `noise_sigma` levels added after."""
    rng = np.random.default_rng([seed, 11])
    for frame in frames:
        dark = frame.astype(np.float32) * gain + rng.normal(0.0, noise_sigma, frame.shape).astype(np.float32)
        yield np.clip(dark + 0.5, 0, 255).astype(np.uint8)
