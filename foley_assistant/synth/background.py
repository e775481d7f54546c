"""The background of a synthetic scene: a sky with clouds and a far tree line, and a textured ground.

Both are fixed in the world and drawn through the true camera (see `camera`): every frame is an
exact inverse mapping of the scene through a level pinhole turned by the camera's yaw, so two frames
of a panning shot differ by the homography K R K^-1 (up to bilinear resampling). Each pixel centre
has a precomputed ray direction in the camera frame, d = ((u - W/2) / f, (H/2 - v) / f, 1) (x right,
y up, z forward), which a frame turns by its yaw (only the ray's azimuth changes):

* Rays above the horizon (the top half of the frame) look at the sky at infinity: a full-turn
  panorama of sky, clouds and tree line indexed by direction, column = azimuth (about one column
  per pixel at the centre of the picture), row = f * tan(elevation) above the horizon. Its row r is
  exactly screen row r at the centre column, so at yaw 0 the middle of the picture looks like a
  plain screen-aligned sky; towards the sides rows bend slightly, as a real camera sees them.
* Rays below the horizon (the bottom half) hit the ground plane at camera-frame depth
  t = camera_height / (-d_y), i.e. at the world point (X, Z) = R(yaw)^T (t d_x, t); the pixel shows
  the periodic ground texture there, read from a mip level chosen by the ground range
  sqrt(X^2 + Z^2) (which turning does not change, so a ground point looks the same in every frame)
  and hazed by that range. Objects standing at (X, Z) have their bottom on exactly that ground point,
  so they never slide over the ground.

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
MIP_SMALLEST = 8  # texels across the smallest (most blurred) copy of the ground texture
HAZE_DISTANCE_M = 70.0
MAX_PANORAMA_COLUMNS = 32000  # OpenCV's remap takes images under 32767 pixels wide


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
    while levels[-1].shape[0] > MIP_SMALLEST:
        size = levels[-1].shape[0] // 2
        levels.append(cv2.resize(levels[-1], (size, size), interpolation=cv2.INTER_AREA))
    return tuple(levels)


@lru_cache(maxsize=8)
def sky_panorama(seed: int, width: int, height: int, hfov_deg: float) -> np.ndarray:
    """The sky and tree line all around the camera, indexed by direction: uint8 (height/2, columns, 3).

    Column c looks at azimuth 2 pi c / columns (+ right of the initial view; columns = round(2 pi f),
    periodic, so the full turn has no seam), row r at the elevation whose f * tan is H/2 - (r + 0.5)
    (row r is screen row r in the middle column of a level camera)."""
    rng = np.random.default_rng([seed, 1])
    f, cols = _panorama_columns(width, hfov_deg)
    fx = f * cols / _natural_columns(f)  # columns per radian of azimuth (f unless capped)
    rows = height // 2
    elevation = np.arctan((height / 2 - (np.arange(rows, dtype=np.float32) + 0.5)) / f)
    blend = np.clip(elevation / 0.6, 0, 1)[:, None, None] ** 0.7
    sky = HORIZON * (1 - blend) + ZENITH * blend
    sky = np.broadcast_to(sky, (rows, cols, 3)).astype(np.float32)
    clouds = fractal_noise(rng, (rows, cols), [(0.03 * f, 0.09 * fx), (0.008 * f, 0.02 * fx)], [0.8, 0.35])
    cover = (0.85 * smoothstep(0.35, 1.4, clouds) * np.clip(elevation / 0.04, 0, 1)[:, None])[..., None]
    shade = 1.0 - 0.06 * smooth_noise(rng, (rows, cols), (0.01 * f, 0.01 * fx))[..., None]
    sky = sky * (1 - cover) + CLOUD * shade * cover
    profile = fractal_noise(rng, (1, cols), [0.05 * fx, 0.012 * fx, 0.003 * fx], [0.6, 0.3, 0.12])[0]
    tree_height = f * np.clip(0.04 + 0.02 * profile, 0.008, 0.1)
    above = height / 2 - (np.arange(rows, dtype=np.float32) + 0.5)
    coverage = np.clip(tree_height[None, :] - above[:, None] + 0.5, 0, 1)[..., None]
    leaf_sizes = [(0.006 * f, 0.006 * fx), (0.0015 * f, 0.0015 * fx)]
    leaves = fractal_noise(rng, (rows, cols), leaf_sizes, [0.14, 0.1])[..., None]
    trees = np.clip(TREES * (1.0 + leaves), 0, 255)
    sky = sky * (1 - coverage) + trees * coverage
    return np.ascontiguousarray(np.clip(sky, 0, 255), dtype=np.uint8)


def _natural_columns(focal: float) -> int:
    """Columns of a full-turn panorama at about one column per pixel at the centre of the picture."""
    return max(64, round(2 * math.pi * focal))


def _panorama_columns(width: int, hfov_deg: float) -> tuple[float, int]:
    """(focal length in pixels, columns of the full-turn sky panorama): about one column per pixel,
    at most MAX_PANORAMA_COLUMNS (OpenCV cannot remap wider images; only very narrow fields of view
    reach it, and their sky is then magnified)."""
    f = (width / 2) / math.tan(math.radians(hfov_deg) / 2)
    return f, min(_natural_columns(f), MAX_PANORAMA_COLUMNS)


def _mip_level(range_m: np.ndarray, focal: float, camera_height_m: float, levels: int) -> np.ndarray:
    """The mip level (int) for ground seen at a horizontal range (m): log2 of the texels one pixel
    covers (those of the centre column at that depth: a weighted geometric mean of the foreshortened
    extent along the line of sight and the extent across it), rounded to the nearest level. It
    depends on the range only, so a ground point is read from the same level whatever the yaw."""
    along = GROUND_TEXELS_PER_M * range_m**2 / (focal * camera_height_m)  # texels per pixel, vertically
    across = GROUND_TEXELS_PER_M * range_m / focal
    footprint = np.maximum(1.0, along ** (2 / 3) * across ** (1 / 3))
    return np.clip(np.floor(np.log2(footprint) + 0.5), 0, levels - 1).astype(np.int64)


def _atlas(levels: tuple[np.ndarray, ...]) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """The mip levels side by side in one RGBA image, each with one texel of wrapped border (so
    bilinear reads across a tile edge see the periodic continuation): (atlas, the (x, y) index of
    each level's first texel). Level 0 on the left, the others stacked to its right."""
    padded = [cv2.copyMakeBorder(level, 1, 1, 1, 1, cv2.BORDER_WRAP) for level in levels]
    height = max(padded[0].shape[0], sum(level.shape[0] for level in padded[1:]))
    width = padded[0].shape[1] + (padded[1].shape[1] if len(padded) > 1 else 0)
    atlas = np.zeros((height, width, 4), np.uint8)
    origins = []
    x, y = 0, 0
    for index, level in enumerate(padded):
        if index == 1:
            x, y = padded[0].shape[1], 0
        h, w = level.shape[:2]
        atlas[y : y + h, x : x + w, :3] = level
        origins.append((x + 1, y + 1))
        y += h
    return atlas, origins


class Background:
    """Renders the background seen at a camera yaw (radians, + right); caches the last yaw.

    Per pixel ray directions, sky rows, ground ranges, mip levels and haze are computed once; a
    frame is then one remap of the sky panorama (columns shifted by the yaw) and one remap of the
    ground texture atlas (hit points rotated by the yaw).
    """

    def __init__(self, seed: int, width: int, height: int, hfov_deg: float, camera_height_m: float) -> None:
        self.width, self.height = width, height
        self.focal, self.columns = _panorama_columns(width, hfov_deg)
        f, half = self.focal, height // 2
        x_n = (np.arange(width, dtype=np.float64) + 0.5 - width / 2) / f  # ray x / z per column
        slant = np.sqrt(1.0 + x_n**2)  # horizontal length of the ray (x_n, ., 1)

        # sky: column from the azimuth atan(x_n) + yaw, row from f * tan(elevation)
        sky = sky_panorama(seed, width, height, hfov_deg)
        sky = np.dstack([sky, np.zeros(sky.shape[:2], np.uint8)])  # RGBA: OpenCV remaps 4 channels faster
        sky = np.concatenate([sky, sky[:, :1]], axis=1)  # the column after the last is the first
        self._sky = np.ascontiguousarray(np.concatenate([sky, sky[-1:]], axis=0))  # and a row below the last
        above = half - (np.arange(half, dtype=np.float64) + 0.5)  # f * y_n of the sky rows
        self._sky_y = np.ascontiguousarray(half - 0.5 - above[:, None] / slant[None, :], dtype=np.float32)
        self._sky_x0 = np.arctan(x_n) / (2 * math.pi) * self.columns - 0.5

        # ground: the ray of row v hits the ground at camera depth t; world point = R(yaw)^T (t x_n, t)
        pyramid = ground_pyramid(seed)
        self._atlas, origins = _atlas(pyramid)
        below = np.arange(half, height, dtype=np.float64) + 0.5 - height / 2  # f * (-y_n) of the ground rows
        depth = (f * camera_height_m / below)[:, None]
        lateral = depth * x_n[None, :]
        ground_range = depth * slant[None, :]
        level = _mip_level(ground_range, f, camera_height_m, len(pyramid))
        texels = GROUND_TEXELS_PER_M  # level-0 texels per metre
        self._lateral = np.ascontiguousarray(lateral * texels, dtype=np.float32)
        self._depth = np.ascontiguousarray(np.broadcast_to(depth * texels, lateral.shape), dtype=np.float32)
        self._period = float(GROUND_TILE)
        self._scale = np.ascontiguousarray(1.0 / (1 << level), dtype=np.float32)
        origin = np.array(origins, np.float64)[level]  # (rows, cols, 2)
        self._offset_x = np.ascontiguousarray(origin[..., 0] - 0.5, dtype=np.float32)
        self._offset_y = np.ascontiguousarray(origin[..., 1] - 0.5, dtype=np.float32)
        # haze: ground * (1 - haze) + HORIZON * haze, as two 8-bit operations (1 - haze in 255ths)
        haze = (1.0 - np.exp(-ground_range / HAZE_DISTANCE_M))[..., None]
        clear = np.rint(255.0 * (1.0 - haze)).astype(np.uint8)
        self._clear = np.ascontiguousarray(np.broadcast_to(clear, (*haze.shape[:2], 4)))
        self._haze = np.ascontiguousarray(np.rint(np.append(HORIZON, 0) * haze).astype(np.uint8))
        self._cached: tuple[float, np.ndarray] | None = None

    def _ground_maps(self, yaw: float) -> tuple[np.ndarray, np.ndarray]:
        """Atlas coordinates (OpenCV convention) of the ground seen by every ground pixel at this yaw."""
        cos, sin = math.cos(yaw), math.sin(yaw)
        maps = []
        tiles = np.empty_like(self._lateral)
        for a, b, offset in ((cos, sin, self._offset_x), (-sin, cos, self._offset_y)):
            texel = cv2.addWeighted(self._lateral, a, self._depth, b, 0.0)  # world X or Z, level-0 texels
            np.multiply(texel, 1.0 / self._period, out=tiles)
            np.floor(tiles, out=tiles)
            np.multiply(tiles, self._period, out=tiles)
            np.subtract(texel, tiles, out=texel)  # modulo the tile (np.mod is far slower)
            np.multiply(texel, self._scale, out=texel)
            np.add(texel, offset, out=texel)
            maps.append(texel)
        return maps[0], maps[1]

    def render(self, yaw: float) -> np.ndarray:
        """The background at this yaw: uint8 (height, width, 3). The returned array is shared; copy it
        before drawing on it."""
        if self._cached is not None and self._cached[0] == yaw:
            return self._cached[1]
        half = self.height // 2
        rgba = np.empty((self.height, self.width, 4), np.uint8)
        shift = yaw / (2 * math.pi) * self.columns
        column = np.mod(self._sky_x0 + shift, self.columns).astype(np.float32)
        sky_x = np.ascontiguousarray(np.broadcast_to(column, self._sky_y.shape))
        cv2.remap(self._sky, sky_x, self._sky_y, cv2.INTER_LINEAR, dst=rgba[:half], borderMode=cv2.BORDER_REPLICATE)
        ground_x, ground_y = self._ground_maps(yaw)
        ground = cv2.remap(self._atlas, ground_x, ground_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
        cv2.multiply(ground, self._clear, dst=ground, scale=1 / 255)
        cv2.add(ground, self._haze, dst=rgba[half:])
        out = cv2.cvtColor(rgba, cv2.COLOR_RGBA2RGB)
        self._cached = (yaw, out)
        return out
