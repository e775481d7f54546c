"""The background of a synthetic scene: a sky with clouds and a far tree line, and a textured ground.

Both are fixed in the world, so a panning camera sees them move consistently with the objects.
They form one full-turn panorama whose rows are screen rows and whose columns are viewing angles
(about one column per pixel at the centre of the picture); screen column x looks at the angle
yaw + atan((x + 0.5 - W/2) / f), so each frame is one horizontal resampling of the panorama.

* Sky and tree line are at infinity: a panorama row is simply a screen row above the horizon.
* The ground is a periodic texture laid on the ground plane: the pixel at row y (below the
  horizon) and viewing angle theta shows the ground point at depth Z = f * h_cam / (y + 0.5 - H/2)
  and X = Z * tan(theta), exactly where the camera model puts the foot of an object standing at
  (X, Z), so objects do not slide over the ground when the camera pans. This holds within 50
  degrees of the initial view direction; beyond, the texture continues smoothly (increasingly
  sheared) all the way round. Far rows read from blurred copies (a mip pyramid) and fade into haze.

Everything is drawn from numpy generators seeded from the scene seed; the same (seed, size,
field of view, camera height) always gives the same pictures."""

from __future__ import annotations

import math
from functools import lru_cache

import cv2
import numpy as np

from foley_assistant.synth.noise import fractal_noise, smooth_noise, smoothstep

ZENITH = np.array([92, 148, 214], np.float32)
HORIZON = np.array([196, 212, 228], np.float32)
CLOUD = np.array([246, 246, 249], np.float32)
TREES = np.array([78, 100, 84], np.float32)
GRASS = np.array([92, 128, 60], np.float32)
DIRT = np.array([138, 114, 80], np.float32)

GROUND_TILE = 1024
GROUND_TEXELS_PER_M = 48.0
HAZE_DISTANCE_M = 70.0
SEAM_HALF_WIDTH = math.radians(10.0)  # cross-fade of the ground texture behind the camera
PLANAR_LIMIT = math.radians(50.0)  # the ground is the exact plane within this angle of the initial view


@lru_cache(maxsize=4)
def ground_pyramid(seed: int) -> tuple[np.ndarray, ...]:
    """The periodic ground texture of a seed (uint8 RGB, GROUND_TILE square) and its halvings."""
    rng = np.random.default_rng([seed, 2])
    shape = (GROUND_TILE, GROUND_TILE)
    brightness = fractal_noise(rng, shape, [48.0, 8.0, 1.5], [0.16, 0.1, 0.08])
    dirt = smoothstep(0.7, 1.4, smooth_noise(rng, shape, 110.0))[..., None]
    chroma = np.dstack([smooth_noise(rng, shape, 3.0) for _ in range(3)])
    colour = GRASS * (1 - dirt) + DIRT * dirt
    tile = np.ascontiguousarray(np.clip(colour * (1.0 + brightness[..., None]) + 7.0 * chroma, 0, 255), dtype=np.uint8)
    levels = [tile]
    while levels[-1].shape[0] > 32:
        size = levels[-1].shape[0] // 2
        levels.append(cv2.resize(levels[-1], (size, size), interpolation=cv2.INTER_AREA))
    return tuple(levels)


@lru_cache(maxsize=8)
def sky_panorama(seed: int, width: int, height: int, hfov_deg: float) -> np.ndarray:
    """The sky and tree line all around the camera: uint8 (height/2, round(2 pi f), 3)."""
    rng = np.random.default_rng([seed, 1])
    f, cols = _panorama_columns(width, hfov_deg)
    rows = height // 2
    elevation = np.arctan((height / 2 - (np.arange(rows, dtype=np.float32) + 0.5)) / f)
    blend = np.clip(elevation / 0.6, 0, 1)[:, None, None] ** 0.7
    sky = HORIZON * (1 - blend) + ZENITH * blend
    sky = np.broadcast_to(sky, (rows, cols, 3)).astype(np.float32)
    clouds = fractal_noise(rng, (rows, cols), [(0.03 * f, 0.09 * f), (0.008 * f, 0.02 * f)], [0.8, 0.35])
    cover = (0.85 * smoothstep(0.35, 1.4, clouds) * np.clip(elevation / 0.04, 0, 1)[:, None])[..., None]
    shade = 1.0 - 0.06 * smooth_noise(rng, (rows, cols), 0.01 * f)[..., None]
    sky = sky * (1 - cover) + CLOUD * shade * cover
    profile = fractal_noise(rng, (1, cols), [0.05 * f, 0.012 * f, 0.003 * f], [0.6, 0.3, 0.12])[0]
    tree_height = f * np.clip(0.04 + 0.02 * profile, 0.008, 0.1)
    above = height / 2 - (np.arange(rows, dtype=np.float32) + 0.5)
    coverage = np.clip(tree_height[None, :] - above[:, None] + 0.5, 0, 1)[..., None]
    leaves = fractal_noise(rng, (rows, cols), [0.006 * f, 0.0015 * f], [0.14, 0.1])[..., None]
    trees = np.clip(TREES * (1.0 + leaves), 0, 255)
    sky = sky * (1 - coverage) + trees * coverage
    return np.ascontiguousarray(np.clip(sky, 0, 255), dtype=np.uint8)


def _panorama_columns(width: int, hfov_deg: float) -> tuple[float, int]:
    """(focal length in pixels, columns of a full-turn panorama at about one column per pixel)."""
    f = (width / 2) / math.tan(math.radians(hfov_deg) / 2)
    return f, max(64, round(2 * math.pi * f))


def _ground_depths(height: int, focal: float, camera_height_m: float) -> np.ndarray:
    """Depth (m) seen by each screen row below the horizon (pixel centres)."""
    rows = np.arange(height // 2, height, dtype=np.float64) + 0.5 - height / 2
    return focal * camera_height_m / rows


def _mip_bands(depth: np.ndarray, focal: float, camera_height_m: float, levels: int) -> list[tuple[int, int, int]]:
    """Contiguous row ranges of the ground sharing one mip level: (start, end, level)."""
    along = GROUND_TEXELS_PER_M * depth**2 / (focal * camera_height_m)  # texels per pixel, vertically
    across = GROUND_TEXELS_PER_M * depth / focal
    footprint = np.maximum(1.0, along ** (2 / 3) * across ** (1 / 3))
    chosen = np.clip(np.floor(np.log2(footprint)), 0, levels - 1).astype(int)
    bands: list[tuple[int, int, int]] = []
    start = 0
    for i in range(1, len(chosen) + 1):
        if i == len(chosen) or chosen[i] != chosen[start]:
            bands.append((start, i, int(chosen[start])))
            start = i
    return bands


def ground_lateral(theta: np.ndarray) -> np.ndarray:
    """X / Z of the ground point seen at angle theta (radians, + right of the initial view).

    tan(theta) within PLANAR_LIMIT of the initial view, where the ground is the exact ground plane
    of the camera model (objects stand still on it); beyond, it continues linearly with the same
    slope so the ground stays finite all the way round (it looks more and more sheared there).
    """
    limit = PLANAR_LIMIT
    slope = 1.0 / math.cos(limit) ** 2
    inside = np.tan(np.clip(theta, -limit, limit))
    return inside + slope * (theta - np.clip(theta, -limit, limit))


@lru_cache(maxsize=8)
def ground_panorama(seed: int, width: int, height: int, hfov_deg: float, camera_height_m: float) -> np.ndarray:
    """The ground all around the camera as seen from its height: uint8 (height/2, columns, 3).

    Row r looks at depth Z_r, column c at angle theta_c = 2 pi (c + 0.5) / columns; the pixel shows
    the ground texture at (X, Z) = (Z_r * ground_lateral(theta), Z_r) (from the mip level that suits
    the row), hazed by depth. Behind the camera (theta near pi) the right-hand and left-hand
    readings cross-fade so the full turn joins without a seam.
    """
    focal, cols = _panorama_columns(width, hfov_deg)
    pyramid = ground_pyramid(seed)
    depth = _ground_depths(height, focal, camera_height_m)
    theta = 2 * math.pi * (np.arange(cols, dtype=np.float64) + 0.5) / cols
    fade = smoothstep(math.pi - SEAM_HALF_WIDTH, math.pi + SEAM_HALF_WIDTH, theta)[None, :, None]
    ground = np.empty((len(depth), cols, 3), np.float32)
    for start, end, level in _mip_bands(depth, focal, camera_height_m, len(pyramid)):
        texels = GROUND_TEXELS_PER_M / (1 << level)
        size = pyramid[level].shape[0]
        z = depth[start:end, None]
        gy = np.broadcast_to(np.mod(z * texels - 0.5, size), (end - start, cols)).astype(np.float32)
        sides = []
        for turn in (0.0, -2 * math.pi):  # the right-hand (theta) and left-hand (theta - 2 pi) readings
            gx = np.mod(ground_lateral(theta + turn)[None, :] * z * texels - 0.5, size).astype(np.float32)
            reading = cv2.remap(pyramid[level], gx, gy, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
            sides.append(reading.astype(np.float32))
        ground[start:end] = sides[0] * (1 - fade) + sides[1] * fade
    haze = (1.0 - np.exp(-depth / HAZE_DISTANCE_M)).astype(np.float32)[:, None, None]
    hazed = ground * (1 - haze) + HORIZON * haze
    return np.ascontiguousarray(np.clip(hazed + 0.5, 0, 255), dtype=np.uint8)


class Background:
    """Renders the background seen at a camera yaw (radians, + right); caches the last yaw.

    Sky and ground are one panorama (rows = screen rows, columns = viewing angle), so each frame is
    a single horizontal resampling of it.
    """

    def __init__(self, seed: int, width: int, height: int, hfov_deg: float, camera_height_m: float) -> None:
        self.width, self.height = width, height
        self.focal, self.columns = _panorama_columns(width, hfov_deg)
        sky = sky_panorama(seed, width, height, hfov_deg)
        ground = ground_panorama(seed, width, height, hfov_deg, camera_height_m)
        rgb = np.concatenate([sky, ground], axis=0)
        # four channels: OpenCV resamples RGBA rows noticeably faster than RGB
        self.panorama = np.ascontiguousarray(np.dstack([rgb, np.zeros(rgb.shape[:2], np.uint8)]))
        self._column_angle = np.arctan((np.arange(width, dtype=np.float64) + 0.5 - width / 2) / self.focal)
        rows = np.arange(height, dtype=np.float32)[:, None]
        self._map_y = np.ascontiguousarray(np.broadcast_to(rows, (height, width)))
        self._cached: tuple[float, np.ndarray] | None = None

    def render(self, yaw: float) -> np.ndarray:
        """The background at this yaw: uint8 (height, width, 3). The returned array is shared; copy it
        before drawing on it."""
        if self._cached is not None and self._cached[0] == yaw:
            return self._cached[1]
        angle = yaw + self._column_angle
        column = np.mod(angle / (2 * math.pi) * self.columns - 0.5, self.columns).astype(np.float32)
        map_x = np.ascontiguousarray(np.broadcast_to(column, (self.height, self.width)))
        rgba = cv2.remap(self.panorama, map_x, self._map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
        out = cv2.cvtColor(rgba, cv2.COLOR_RGBA2RGB)
        self._cached = (yaw, out)
        return out
