"""The synthetic camera: a level pinhole at a fixed height that may pan at a constant rate.

World: X metres to the right, Z metres in front (depth), heights in metres above flat ground.
The camera sits `height_m` above the ground looking horizontally; the horizon is the middle row.
With f = (W/2) / tan(hfov/2) pixels (square pixels) and yaw(t) = pan_rate * t (radians, + right):

    screen x of (X, Z)         = W/2 + f * tan(atan2(X, Z) - yaw(t))
    screen y of a point at height e above the ground at depth Z = H/2 + f * (height_m - e) / Z
    pixel height / width of an object of H_obj x W_obj metres   = f * H_obj / Z,  f * W_obj / Z

Pixel coordinates are continuous, origin at the top-left corner of the frame, pixel (i, j) covering
[j, j+1) x [i, i+1). Directions off by 89 degrees or more from the view axis are not drawn.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from foley_assistant.synth.spec import SceneSpec

#: Objects this far (degrees) or farther from the view direction are behind the camera plane.
MAX_OFF_AXIS_DEG = 89.0


@dataclass(frozen=True)
class ScreenBoxes:
    """Unclipped pixel boxes of one object over many times (float arrays of one length)."""

    x0: np.ndarray
    y0: np.ndarray
    x1: np.ndarray
    y1: np.ndarray
    valid: np.ndarray  # False where the object is too far off-axis to be drawn

    def in_frame(self, width: int, height: int) -> np.ndarray:
        """Where some of the box lies inside the frame (and it can be drawn)."""
        return self.valid & (self.x0 < width) & (self.x1 > 0) & (self.y0 < height) & (self.y1 > 0)


@dataclass(frozen=True)
class Camera:
    """A level pinhole camera (see the module docstring for the projection)."""

    width: int
    height: int
    hfov_deg: float
    height_m: float
    pan_deg_per_s: float = 0.0

    @classmethod
    def from_spec(cls, spec: SceneSpec) -> "Camera":
        """The camera of a scene."""
        return cls(spec.width, spec.height, spec.hfov_deg, spec.camera_height_m, spec.camera_pan_deg_per_s)

    @property
    def focal_px(self) -> float:
        """f = (W/2) / tan(hfov/2), in pixels, for both axes."""
        return (self.width / 2) / math.tan(math.radians(self.hfov_deg) / 2)

    def yaw(self, t: np.ndarray | float) -> np.ndarray:
        """Pan angle in radians (+ right) at times t (seconds)."""
        return np.radians(self.pan_deg_per_s) * np.asarray(t, dtype=np.float64)

    def relative_angle(self, x_m: np.ndarray, z_m: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Angle of (X, Z) from the view direction at time t, radians, + right."""
        return np.arctan2(x_m, z_m) - self.yaw(t)

    def screen_x(self, x_m: np.ndarray, z_m: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Screen x (pixels) of world points; not meaningful where the angle reaches 89 degrees."""
        angle = self.relative_angle(x_m, z_m, t)
        return self.width / 2 + self.focal_px * np.tan(np.clip(angle, -1.56, 1.56))

    def ground_y(self, z_m: np.ndarray, elevation_m: np.ndarray | float = 0.0) -> np.ndarray:
        """Screen y (pixels) of a point `elevation_m` above the ground at depth Z."""
        return self.height / 2 + self.focal_px * (self.height_m - np.asarray(elevation_m)) / np.asarray(z_m)

    def boxes(
        self,
        x_m: np.ndarray,
        z_m: np.ndarray,
        t: np.ndarray,
        size_m: tuple[float, float],
        elevation_m: np.ndarray | float = 0.0,
    ) -> ScreenBoxes:
        """Pixel boxes of an object of (height, width) metres whose bottom is `elevation_m` above the ground."""
        x_m, z_m, t = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (x_m, z_m, t)))
        f = self.focal_px
        centre = self.screen_x(x_m, z_m, t)
        bottom = self.ground_y(z_m, elevation_m)
        height_px = f * size_m[0] / z_m
        half_width = 0.5 * f * size_m[1] / z_m
        valid = np.abs(self.relative_angle(x_m, z_m, t)) < math.radians(MAX_OFF_AXIS_DEG)
        return ScreenBoxes(centre - half_width, bottom - height_px, centre + half_width, bottom, valid)
