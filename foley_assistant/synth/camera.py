"""The synthetic camera: a level pinhole at a fixed height that may turn (yaw) at a constant rate.

World frame: X metres to the right, Y metres up (the ground is Y = 0), Z metres forward, all as
seen by the camera at yaw 0. The camera's centre is at (0, `height_m`, 0) and never moves; it
turns about the vertical axis by yaw(t) = pan_rate * t (radians, + = turning right), with no pitch
or roll, so the horizon is always the middle row. A world point goes into the camera frame by

    x_c = X cos(yaw) - Z sin(yaw),    y_c = Y - height_m,    z_c = X sin(yaw) + Z cos(yaw)

(z_c is the depth in front of the camera; it equals Z at yaw 0) and onto the screen by

    u = W/2 + f * x_c / z_c,    v = H/2 - f * y_c / z_c,    f = (W/2) / tan(hfov/2) pixels

in continuous pixel coordinates (origin at the frame's top-left corner, pixel (i, j) covering
[j, j+1) x [i, i+1)). Points with z_c below `NEAR_PLANE_M` are behind the camera and not drawn.
Two frames of the static world are therefore related exactly by the homography
K R(yaw_b - yaw_a) K^-1 (see `Camera.homography`).

Objects are flat cut-outs kept facing the camera (parallel to the picture plane) at their
camera-frame depth: an object of H_obj x W_obj metres standing at (X, Z) with its bottom e metres
above the ground is the box centred horizontally at u(X, Z), bottom at v = H/2 + f * (height_m - e)
/ z_c, f * H_obj / z_c pixels high and f * W_obj / z_c wide (the exact image of that card).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from foley_assistant.synth.spec import SceneSpec

#: Points closer than this in front of the camera (camera-frame depth, metres) are not drawn.
NEAR_PLANE_M = 0.1


@dataclass(frozen=True)
class ScreenBoxes:
    """Unclipped pixel boxes of one object over many times (float arrays of one length)."""

    x0: np.ndarray
    y0: np.ndarray
    x1: np.ndarray
    y1: np.ndarray
    valid: np.ndarray  # False where the object is behind the camera (not drawn)

    def in_frame(self, width: int, height: int) -> np.ndarray:
        """Where some of the box lies inside the frame (and it can be drawn)."""
        return self.valid & (self.x0 < width) & (self.x1 > 0) & (self.y0 < height) & (self.y1 > 0)


def yaw_rotation(yaw: float) -> np.ndarray:
    """The 3x3 rotation taking world directions (X, Y, Z) to camera directions at this yaw (radians).

    It acts on x and z only, so it is the same whether the second axis points up (world) or down
    (image rows)."""
    c, s = math.cos(yaw), math.sin(yaw)
    return np.array([[c, 0.0, -s], [0.0, 1.0, 0.0], [s, 0.0, c]])


@dataclass(frozen=True)
class Camera:
    """A level pinhole camera turning about its centre (see the module docstring for the model)."""

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

    @property
    def intrinsics(self) -> np.ndarray:
        """K = [[f, 0, W/2], [0, f, H/2], [0, 0, 1]] for continuous pixel coordinates (image y down).

        OpenCV puts pixel centres at whole numbers; its K has the principal point at (W/2 - 0.5, H/2 - 0.5).
        """
        f = self.focal_px
        return np.array([[f, 0.0, self.width / 2], [0.0, f, self.height / 2], [0.0, 0.0, 1.0]])

    def yaw(self, t: np.ndarray | float) -> np.ndarray:
        """Pan angle in radians (+ right) at times t (seconds)."""
        return np.radians(self.pan_deg_per_s) * np.asarray(t, dtype=np.float64)

    def to_camera(self, x_m: np.ndarray, z_m: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(x_c, z_c): world ground positions (X, Z) in the camera frame at times t (lateral, depth)."""
        yaw = self.yaw(t)
        cos, sin = np.cos(yaw), np.sin(yaw)
        x_m, z_m = np.asarray(x_m, dtype=np.float64), np.asarray(z_m, dtype=np.float64)
        return x_m * cos - z_m * sin, x_m * sin + z_m * cos

    def depth(self, x_m: np.ndarray, z_m: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Camera-frame depth z_c (metres in front of the camera) of world points at times t."""
        return self.to_camera(x_m, z_m, t)[1]

    def relative_angle(self, x_m: np.ndarray, z_m: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Direction of (X, Z) from the view direction at time t: atan2(x_c, z_c), radians, + right."""
        x_c, z_c = self.to_camera(x_m, z_m, t)
        return np.arctan2(x_c, z_c)

    def project(self, x_m: np.ndarray, y_m: np.ndarray, z_m: np.ndarray, t: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(u, v, in_front): screen position (continuous pixels) of world points (X, Y up, Z) at
        times t; u and v are meaningless where `in_front` is False."""
        x_c, z_c = self.to_camera(x_m, z_m, t)
        in_front = z_c >= NEAR_PLANE_M
        safe = np.where(in_front, z_c, 1.0)
        f = self.focal_px
        u = self.width / 2 + f * x_c / safe
        v = self.height / 2 - f * (np.asarray(y_m, dtype=np.float64) - self.height_m) / safe
        return u, v, in_front

    def screen_x(self, x_m: np.ndarray, z_m: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Screen x (pixels) of world points; meaningless where they are behind the camera."""
        return self.project(x_m, 0.0, z_m, t)[0]

    def ground_y(self, depth_m: np.ndarray, elevation_m: np.ndarray | float = 0.0) -> np.ndarray:
        """Screen y (pixels) of a point `elevation_m` above the ground at camera-frame depth z_c."""
        return self.height / 2 + self.focal_px * (self.height_m - np.asarray(elevation_m)) / np.asarray(depth_m)

    def homography(self, t_from: float, t_to: float) -> np.ndarray:
        """The 3x3 homography K R(yaw(t_to) - yaw(t_from)) K^-1 taking the continuous pixel
        coordinates of a static world point in the frame at `t_from` to those in the frame at `t_to`."""
        k = self.intrinsics
        delta = float(self.yaw(t_to)) - float(self.yaw(t_from))
        return k @ yaw_rotation(delta) @ np.linalg.inv(k)

    def boxes(
        self,
        x_m: np.ndarray,
        z_m: np.ndarray,
        t: np.ndarray,
        size_m: tuple[float, float],
        elevation_m: np.ndarray | float = 0.0,
    ) -> ScreenBoxes:
        """Pixel boxes of a camera-facing object of (height, width) metres standing at (X, Z) with its
        bottom `elevation_m` above the ground."""
        x_m, z_m, t = np.broadcast_arrays(*(np.asarray(a, dtype=np.float64) for a in (x_m, z_m, t)))
        f = self.focal_px
        x_c, z_c = self.to_camera(x_m, z_m, t)
        valid = z_c >= NEAR_PLANE_M
        depth = np.where(valid, z_c, 1.0)  # placeholder where not drawn
        centre = self.width / 2 + f * x_c / depth
        bottom = self.ground_y(depth, elevation_m)
        height_px = f * size_m[0] / depth
        half_width = 0.5 * f * size_m[1] / depth
        return ScreenBoxes(centre - half_width, bottom - height_px, centre + half_width, bottom, valid)
