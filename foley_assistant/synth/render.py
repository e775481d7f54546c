"""Rendering a `SceneSpec`: ground truth up front, pictures lazily.

Frame n shows the scene at t = n / rate: the background at the camera's yaw, then the layers
(see `layers`) far to near, each composited through its sprite's alpha, then a global brightness
gain (lighting drift) and gaussian sensor noise. Visibility comes from the very same alpha masks,
composited near to far into an occupancy map.
"""

from __future__ import annotations

import math
from typing import Iterator

import cv2
import numpy as np

from foley_assistant.core.tracks import Box, TrackedFrame
from foley_assistant.synth.background import Background
from foley_assistant.synth.camera import Camera
from foley_assistant.synth.layers import draw_orders, object_layers, object_motion, occluder_layers
from foley_assistant.synth.spec import SceneSpec
from foley_assistant.synth.sprites import pixel_roi
from foley_assistant.synth.truth import ObjectTruth, SceneTruth

_NOISE_MARGIN = 32
#: Above this many frame areas, an unclipped object is not rasterised to measure its full area.
_MAX_FULL_AREA_FRAMES = 4


def frame_times(spec: SceneSpec) -> np.ndarray:
    """t = n / rate for every frame n of the shot (float seconds)."""
    n = np.arange(spec.frame_count, dtype=np.float64)
    return n * spec.rate.denominator / spec.rate.numerator


class SceneRenderer:
    """A scene ready to render: geometry and truth are computed on construction; `frame(n)` draws one
    picture (any order, any number of times, always the same pixels)."""

    def __init__(self, spec: SceneSpec) -> None:
        self.spec = spec
        self.camera = Camera.from_spec(spec)
        self.times = frame_times(spec)
        self.end_s = spec.frame_count * spec.rate.denominator / spec.rate.numerator
        self._motions = [object_motion(obj, oid, self.times, self.end_s) for obj, oid in zip(spec.objects, spec.object_ids)]
        self.layers = object_layers(spec, self.camera, self.times, self._motions)
        self.layers += occluder_layers(spec, self.camera, self.times)
        self._order = draw_orders(self.layers, spec.frame_count)
        self._background: Background | None = None
        self._noise: np.ndarray | None = None
        drift_rng = np.random.default_rng([spec.seed, 8])
        self._drift_period_phase = (float(drift_rng.uniform(5.0, 9.0)), float(drift_rng.uniform(0.0, 2 * math.pi)))
        self.truth = self._truth()

    # --- truth --------------------------------------------------------------------------------------

    def _visibilities(self) -> np.ndarray:
        """(objects, frames) visible fraction of each object's full area."""
        spec = self.spec
        width, height = spec.width, spec.height
        result = np.zeros((len(spec.objects), spec.frame_count))
        occupancy = np.zeros((height, width), np.float32)
        for n, order in enumerate(self._order):
            occupancy[:] = 0.0
            for i in reversed(order):  # near to far
                layer = self.layers[i]
                box = layer.box(n)
                clipped = pixel_roi(box, width, height)
                if clipped is None:
                    continue
                angle, mirror = float(layer.angle[n]), bool(layer.mirror[n])
                full_roi = pixel_roi(box) or clipped
                full_area = (full_roi[2] - full_roi[0]) * (full_roi[3] - full_roi[1])
                if layer.object_index is not None and full_area <= _MAX_FULL_AREA_FRAMES * width * height:
                    alpha_full = layer.sprite.render_alpha(box, full_roi, angle, mirror)
                    total = float(alpha_full.sum(dtype=np.float64))
                    alpha = alpha_full[
                        clipped[1] - full_roi[1] : clipped[3] - full_roi[1],
                        clipped[0] - full_roi[0] : clipped[2] - full_roi[0],
                    ]
                else:
                    alpha = layer.sprite.render_alpha(box, clipped, angle, mirror)
                    total = layer.sprite.alpha_fraction * (box[2] - box[0]) * (box[3] - box[1])
                region = occupancy[clipped[1] : clipped[3], clipped[0] : clipped[2]]
                seen = alpha * (1.0 - region)
                if layer.object_index is not None and total > 1e-9:
                    fraction = float(seen.sum(dtype=np.float64)) / total
                    result[layer.object_index, n] = round(min(1.0, max(0.0, fraction)), 6)
                region += seen
        return result

    def _truth(self) -> SceneTruth:
        spec = self.spec
        width, height = spec.width, spec.height
        visibility = self._visibilities()
        objects = []
        for index, (obj, oid, motion) in enumerate(zip(spec.objects, spec.object_ids, self._motions)):
            layer = self.layers[index]
            frames = []
            for n in np.flatnonzero(layer.shown):
                box = Box(
                    max(0.0, layer.x0[n]) / width,
                    max(0.0, layer.y0[n]) / height,
                    min(float(width), layer.x1[n]) / width,
                    min(float(height), layer.y1[n]) / height,
                )
                frames.append(TrackedFrame(int(n), box, float(visibility[index, n]), float(layer.depth[n])))
            azimuth = np.degrees(self.camera.relative_angle(motion.x, motion.z, self.times))
            objects.append(
                ObjectTruth(
                    id=oid,
                    label=obj.label,
                    kind=obj.kind,
                    frames=tuple(frames),
                    events=motion.events,
                    speed_m_s=tuple(float(v) for v in motion.speed),
                    azimuth_deg=tuple(float(a) for a in azimuth),
                    depth_m=tuple(float(z) for z in layer.depth),
                )
            )
        return SceneTruth(spec, tuple(objects), spec.rate, width, height, spec.frame_count)

    # --- pictures -----------------------------------------------------------------------------------

    def _background_at(self, t: float) -> np.ndarray:
        if self._background is None:
            spec = self.spec
            self._background = Background(spec.seed, spec.width, spec.height, spec.hfov_deg, spec.camera_height_m)
        return self._background.render(float(self.camera.yaw(t)))

    def _gain(self, t: float) -> float:
        """Global brightness factor at time t: 1 + drift * sin(2 pi t / period + phase)."""
        period, phase = self._drift_period_phase
        return 1.0 + self.spec.lighting_drift * math.sin(2 * math.pi * t / period + phase)

    def _sensor_noise(self, n: int) -> np.ndarray:
        spec = self.spec
        if self._noise is None:
            rng = np.random.default_rng([spec.seed, 3])
            shape = (spec.height + _NOISE_MARGIN, spec.width + _NOISE_MARGIN, 3)
            self._noise = np.rint(rng.standard_normal(shape, dtype=np.float32) * spec.noise_sigma).astype(np.int16)
        dy, dx = np.random.default_rng([spec.seed, 4, n]).integers(0, _NOISE_MARGIN + 1, size=2)
        return self._noise[dy : dy + spec.height, dx : dx + spec.width]

    def frame(self, n: int) -> np.ndarray:
        """The RGB uint8 picture (height, width, 3) of frame n."""
        spec = self.spec
        if not 0 <= n < spec.frame_count:
            raise IndexError(f"frame {n} is outside the scene (0..{spec.frame_count - 1})")
        t = float(self.times[n])
        out = self._background_at(t).copy()
        for i in self._order[n]:
            layer = self.layers[i]
            box = layer.box(n)
            roi = pixel_roi(box, spec.width, spec.height)
            if roi is None:
                continue
            rgba = layer.sprite.render(box, roi, float(layer.angle[n]), bool(layer.mirror[n]))
            target = out[roi[1] : roi[3], roi[0] : roi[2]]
            mixed = target.astype(np.float32) * (1.0 - rgba[..., 3:4]) + rgba[..., :3]
            target[...] = np.clip(mixed + 0.5, 0, 255).astype(np.uint8)
        if spec.lighting_drift:
            lut = np.clip(np.arange(256) * self._gain(t) + 0.5, 0, 255).astype(np.uint8)
            out = cv2.LUT(out, lut)
        if spec.noise_sigma:
            out = cv2.add(out, self._sensor_noise(n), dtype=cv2.CV_8U)
        return out

    def frames(self) -> Iterator[np.ndarray]:
        """Every frame in order, drawn one at a time."""
        for n in range(self.spec.frame_count):
            yield self.frame(n)


def render_scene(spec: SceneSpec) -> tuple[Iterator[np.ndarray], SceneTruth]:
    """The frames of a scene (RGB uint8 (H, W, 3), drawn lazily as the iterator is consumed) and its
    ground truth (computed up front)."""
    renderer = SceneRenderer(spec)
    return renderer.frames(), renderer.truth
