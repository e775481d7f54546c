"""Sprites: an object's picture drawn once at a reference size, then warped into each frame.

A `Sprite` holds a premultiplied RGBA image (RGB 0..255, alpha 0..1, float32) whose shape touches
all four edges of the image, so the image's extent *is* the object's box. It keeps a pyramid of
halved copies and draws with one affine warp from the smallest copy at least as large as the box
(sub-pixel placement, optional rotation and mirroring), into a region of interest only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from foley_assistant.synth.noise import fractal_noise, smooth_noise

Rgb = tuple[int, int, int]
PixelBox = tuple[float, float, float, float]  # x0, y0, x1, y1 in continuous pixel coordinates
Roi = tuple[int, int, int, int]  # x0, y0, x1, y1 in whole pixels, end exclusive

#: Saturated colours, far from the sky's blue and the ground's green; objects of a scene take distinct ones.
OBJECT_PALETTE: tuple[Rgb, ...] = (
    (205, 45, 40),
    (235, 135, 30),
    (200, 50, 150),
    (230, 205, 45),
    (125, 60, 190),
    (235, 232, 225),
    (240, 110, 150),
    (150, 35, 60),
)
_TROUSERS: tuple[Rgb, ...] = ((45, 55, 105), (40, 38, 42), (150, 128, 88), (105, 105, 112))
_SKIN: tuple[Rgb, ...] = ((232, 192, 160), (200, 148, 108), (140, 96, 66))
_HAIR: tuple[Rgb, ...] = ((40, 30, 24), (95, 60, 30), (200, 170, 100))
_FLAGS = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP


class Sprite:
    """A premultiplied RGBA picture with a mip pyramid, drawn into frames by affine warps."""

    def __init__(self, rgba: np.ndarray) -> None:
        """`rgba`: float32 (h, w, 4), straight RGB 0..255 and alpha 0..1."""
        image = np.ascontiguousarray(rgba, dtype=np.float32).copy()
        image[..., :3] *= image[..., 3:4]
        levels = [image]
        while min(levels[-1].shape[:2]) >= 8:
            h, w = levels[-1].shape[:2]
            half = (max(1, round(w / 2)), max(1, round(h / 2)))
            levels.append(cv2.resize(levels[-1], half, interpolation=cv2.INTER_AREA))
        self.levels = levels
        self.alpha_levels = [np.ascontiguousarray(level[..., 3]) for level in levels]
        self.alpha_fraction = float(image[..., 3].mean())

    @property
    def shape(self) -> tuple[int, int]:
        """(height, width) of the reference picture."""
        return self.levels[0].shape[:2]

    def _level(self, box: PixelBox) -> int:
        width, height = box[2] - box[0], box[3] - box[1]
        chosen = 0
        for index, level in enumerate(self.levels):
            if level.shape[1] >= width and level.shape[0] >= height:
                chosen = index
        return chosen

    def _matrix(self, level: int, box: PixelBox, roi: Roi, angle: float, mirror: bool) -> np.ndarray:
        h, w = self.levels[level].shape[:2]
        kx = w / max(box[2] - box[0], 1e-6)
        ky = h / max(box[3] - box[1], 1e-6)
        cos, sin = math.cos(angle), math.sin(angle)
        scale = np.array([[-kx if mirror else kx, 0.0], [0.0, ky]])
        linear = scale @ np.array([[cos, sin], [-sin, cos]])  # frame offset -> sprite offset
        centre_box = np.array([(box[0] + box[2]) / 2, (box[1] + box[3]) / 2])
        origin = np.array([roi[0] + 0.5, roi[1] + 0.5])
        offset = np.array([w / 2 - 0.5, h / 2 - 0.5]) + linear @ (origin - centre_box)
        return np.hstack([linear, offset[:, None]])

    def render(self, box: PixelBox, roi: Roi, angle: float = 0.0, mirror: bool = False) -> np.ndarray:
        """Premultiplied RGBA (roi height, roi width, 4) of the sprite filling `box`, rotated by
        `angle` radians (clockwise on screen) about the box centre, mirrored left-right if asked."""
        level = self._level(box)
        matrix = self._matrix(level, box, roi, angle, mirror)
        size = (roi[2] - roi[0], roi[3] - roi[1])
        return cv2.warpAffine(self.levels[level], matrix, size, flags=_FLAGS, borderMode=cv2.BORDER_CONSTANT)

    def render_alpha(self, box: PixelBox, roi: Roi, angle: float = 0.0, mirror: bool = False) -> np.ndarray:
        """The alpha channel of `render` alone (same values), (roi height, roi width) float32."""
        level = self._level(box)
        matrix = self._matrix(level, box, roi, angle, mirror)
        size = (roi[2] - roi[0], roi[3] - roi[1])
        return cv2.warpAffine(self.alpha_levels[level], matrix, size, flags=_FLAGS, borderMode=cv2.BORDER_CONSTANT)


def pixel_roi(box: PixelBox, width: int | None = None, height: int | None = None) -> Roi | None:
    """Whole pixels a box can touch (one pixel of margin), clipped to the frame when its size is
    given; None when nothing is left."""
    x0, y0 = math.floor(box[0]) - 1, math.floor(box[1]) - 1
    x1, y1 = math.ceil(box[2]) + 1, math.ceil(box[3]) + 1
    if width is not None:
        x0, x1 = max(0, x0), min(width, x1)
    if height is not None:
        y0, y1 = max(0, y0), min(height, y1)
    if x1 <= x0 or y1 <= y0:
        return None
    return (x0, y0, x1, y1)


# --- shapes: antialiased coverage masks from signed distances (pixels), float32 0..1 ---------------


def _grid(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    ys = np.arange(shape[0], dtype=np.float32)[:, None] + 0.5
    xs = np.arange(shape[1], dtype=np.float32)[None, :] + 0.5
    return xs, ys


def _coverage(distance: np.ndarray) -> np.ndarray:
    return np.clip(0.5 - distance, 0.0, 1.0).astype(np.float32)


def rounded_rect_mask(shape: tuple[int, int], x0: float, y0: float, x1: float, y1: float, radius: float) -> np.ndarray:
    """Coverage of the rounded rectangle [x0, x1] x [y0, y1] (continuous pixel coordinates)."""
    xs, ys = _grid(shape)
    radius = min(radius, (x1 - x0) / 2, (y1 - y0) / 2)
    qx = np.abs(xs - (x0 + x1) / 2) - ((x1 - x0) / 2 - radius)
    qy = np.abs(ys - (y0 + y1) / 2) - ((y1 - y0) / 2 - radius)
    outside = np.hypot(np.maximum(qx, 0), np.maximum(qy, 0))
    inside = np.minimum(np.maximum(qx, qy), 0)
    return _coverage(outside + inside - radius)


def ellipse_mask(shape: tuple[int, int], cx: float, cy: float, rx: float, ry: float) -> np.ndarray:
    """Coverage of an axis-aligned ellipse (approximate distance, exact for circles)."""
    xs, ys = _grid(shape)
    norm = np.sqrt(((xs - cx) / rx) ** 2 + ((ys - cy) / ry) ** 2)
    return _coverage((norm - 1.0) * min(rx, ry))


def polygon_mask(shape: tuple[int, int], points: list[tuple[float, float]]) -> np.ndarray:
    """Coverage of a polygon given in continuous pixel coordinates (antialiased)."""
    mask = np.zeros(shape, dtype=np.uint8)
    shift = 4
    pts = np.array([[(x - 0.5) * (1 << shift), (y - 0.5) * (1 << shift)] for x, y in points], dtype=np.int32)
    cv2.fillPoly(mask, [pts], 255, lineType=cv2.LINE_AA, shift=shift)
    return mask.astype(np.float32) / 255.0


# --- textures ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Grain:
    """The noise fields one sprite's paints share: a coarse and a fine luminance field, and a
    chroma field per colour channel (drawn once per sprite, float32)."""

    coarse: np.ndarray
    fine: np.ndarray
    chroma: np.ndarray  # (h, w, 3)

    @classmethod
    def draw(cls, rng: np.random.Generator, shape: tuple[int, int]) -> "Grain":
        """Fresh fields for a sprite of `shape`, with feature sizes proportional to the sprite."""
        scale = max(shape) / 256.0
        chroma = np.dstack([smooth_noise(rng, shape, 4.0 * scale) for _ in range(3)])
        return cls(smooth_noise(rng, shape, 10.0 * scale), smooth_noise(rng, shape, 2.0 * scale), chroma)


def textured(grain: Grain, colour: Rgb, contrast: float = 0.22, fine: float = 0.1) -> np.ndarray:
    """`colour` modulated by coloured noise at a coarse and a fine scale, float32 (h, w, 3) 0..255."""
    luminance = contrast * grain.coarse + fine * grain.fine
    out = np.asarray(colour, dtype=np.float32) * (1.0 + luminance[..., None]) + 6.0 * grain.chroma
    return np.clip(out, 0, 255)


def _layer(canvas: np.ndarray, alpha: np.ndarray, mask: np.ndarray, paint: np.ndarray) -> None:
    """Paint `paint` over the canvas where `mask` covers it (in place)."""
    m = mask[..., None]
    canvas[...] = canvas * (1 - m) + paint * m
    alpha[...] = np.maximum(alpha, mask)


def _rgba(canvas: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    return np.dstack([canvas, alpha]).astype(np.float32)


def _pick(rng: np.random.Generator, options: tuple[Rgb, ...]) -> Rgb:
    return options[int(rng.integers(len(options)))]


# --- the objects ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SpriteLayout:
    """Reference picture size for an object of a real size: `pixels_long` on its longer side."""

    pixels_long: int

    def shape(self, size_m: tuple[float, float]) -> tuple[int, int]:
        """(height, width) in pixels of the picture of an object of (height, width) metres."""
        height_m, width_m = size_m
        if height_m >= width_m:
            return self.pixels_long, max(8, round(self.pixels_long * width_m / height_m))
        return max(8, round(self.pixels_long * height_m / width_m)), self.pixels_long


def walker_sprite(rng: np.random.Generator, colour: Rgb, size_m: tuple[float, float] = (1.75, 0.5)) -> Sprite:
    """A standing figure: head, shirt (`colour`) with arms at the sides, trousers, shoes."""
    h, w = SpriteLayout(512).shape(size_m)
    shape = (h, w)
    canvas = np.zeros((h, w, 3), np.float32)
    alpha = np.zeros(shape, np.float32)
    skin, hair, trousers = _pick(rng, _SKIN), _pick(rng, _HAIR), _pick(rng, _TROUSERS)
    grain = Grain.draw(rng, shape)
    shirt = textured(grain, colour)
    legs = textured(grain, trousers, contrast=0.18)
    for x0, x1 in ((0.17, 0.49), (0.51, 0.83)):
        _layer(canvas, alpha, rounded_rect_mask(shape, x0 * w, 0.52 * h, x1 * w, h, 0.06 * w), legs)
    shoes = rounded_rect_mask(shape, 0.15 * w, 0.962 * h, 0.85 * w, h, 0.02 * w) * (alpha > 0.5)
    _layer(canvas, alpha, shoes.astype(np.float32), textured(grain, (35, 32, 30), contrast=0.1))
    skin_paint = textured(grain, skin, contrast=0.08, fine=0.04)
    _layer(canvas, alpha, rounded_rect_mask(shape, 0.41 * w, 0.1 * h, 0.59 * w, 0.17 * h, 0.02 * w), skin_paint)
    for x0, x1 in ((0.0, 0.17), (0.83, 1.0)):
        _layer(canvas, alpha, ellipse_mask(shape, (x0 + x1) / 2 * w, 0.5 * h, 0.075 * w, 0.03 * h), skin_paint)
        _layer(canvas, alpha, rounded_rect_mask(shape, x0 * w, 0.155 * h, x1 * w, 0.5 * h, 0.08 * w), shirt * 0.9)
    _layer(canvas, alpha, rounded_rect_mask(shape, 0.13 * w, 0.145 * h, 0.87 * w, 0.56 * h, 0.16 * w), shirt)
    head = ellipse_mask(shape, 0.5 * w, 0.065 * h, 0.2 * w, 0.065 * h)
    _layer(canvas, alpha, head, skin_paint)
    _, ys = _grid(shape)
    hair_mask = head * np.clip((0.04 * h - ys) / 2.0 + 0.5, 0, 1)
    _layer(canvas, alpha, hair_mask, textured(grain, hair, contrast=0.2))
    return Sprite(_rgba(canvas, alpha))


def car_sprite(rng: np.random.Generator, colour: Rgb, size_m: tuple[float, float] = (1.45, 4.2)) -> Sprite:
    """A side-view car facing right: body (`colour`), cabin with windows, two dark wheels, lights."""
    h, w = SpriteLayout(768).shape(size_m)
    shape = (h, w)
    canvas = np.zeros((h, w, 3), np.float32)
    alpha = np.zeros(shape, np.float32)
    grain = Grain.draw(rng, shape)
    paint = textured(grain, colour, contrast=0.16, fine=0.06)
    cabin = [(0.2 * w, 0.36 * h), (0.33 * w, 0.0), (0.68 * w, 0.0), (0.84 * w, 0.36 * h)]
    _layer(canvas, alpha, polygon_mask(shape, cabin), paint * 0.92)
    _layer(canvas, alpha, rounded_rect_mask(shape, 0.0, 0.33 * h, w, 0.8 * h, 0.12 * h), paint)
    glass = textured(grain, (120, 150, 178), contrast=0.12, fine=0.03)
    for window in (
        [(0.235 * w, 0.34 * h), (0.345 * w, 0.06 * h), (0.497 * w, 0.06 * h), (0.497 * w, 0.34 * h)],
        [(0.517 * w, 0.34 * h), (0.517 * w, 0.06 * h), (0.665 * w, 0.06 * h), (0.8 * w, 0.34 * h)],
    ):
        _layer(canvas, alpha, polygon_mask(shape, window), glass)
    dark = textured(grain, (28, 28, 30), contrast=0.1)
    _layer(canvas, alpha, rounded_rect_mask(shape, 0.499 * w, 0.36 * h, 0.507 * w, 0.76 * h, 1.0), dark)
    headlight = rounded_rect_mask(shape, 0.965 * w, 0.42 * h, w, 0.51 * h, 0.02 * h)
    _layer(canvas, alpha, headlight, textured(grain, (250, 240, 200), 0.05))
    taillight = rounded_rect_mask(shape, 0.0, 0.42 * h, 0.03 * w, 0.51 * h, 0.02 * h)
    _layer(canvas, alpha, taillight, textured(grain, (200, 25, 25), 0.05))
    radius = 0.33 / 1.45 * h
    hub = textured(grain, (150, 150, 156), contrast=0.12)
    for cx in (0.19 * w, 0.8 * w):
        _layer(canvas, alpha, ellipse_mask(shape, cx, h - radius, radius, radius), dark)
        _layer(canvas, alpha, ellipse_mask(shape, cx, h - radius, 0.5 * radius, 0.5 * radius), hub)
    return Sprite(_rgba(canvas, alpha))


def ball_sprite(rng: np.random.Generator, colour: Rgb, size_m: tuple[float, float] = (0.3, 0.3)) -> Sprite:
    """A ball (`colour`) with a contrasting band through its centre, so its spin is visible."""
    h, w = SpriteLayout(256).shape(size_m)
    shape = (h, w)
    canvas = np.zeros((h, w, 3), np.float32)
    alpha = np.zeros(shape, np.float32)
    grain = Grain.draw(rng, shape)
    disc = ellipse_mask(shape, w / 2, h / 2, w / 2, h / 2)
    _layer(canvas, alpha, disc, textured(grain, colour, contrast=0.15))
    light = sum(colour) / 3 > 170
    band = disc * rounded_rect_mask(shape, -1.0, 0.42 * h, w + 1.0, 0.58 * h, 0.0)
    _layer(canvas, alpha, band, textured(grain, (40, 40, 70) if light else (245, 245, 240), contrast=0.08))
    spot = ellipse_mask(shape, 0.3 * w, 0.25 * h, 0.1 * w, 0.1 * h)
    _layer(canvas, alpha, spot, textured(grain, (30, 30, 40), contrast=0.05))
    return Sprite(_rgba(canvas, alpha))


def post_sprite(rng: np.random.Generator, size_m: tuple[float, float]) -> Sprite:
    """A tall tree trunk / post with vertical bark streaks (the foreground occluder)."""
    h, w = SpriteLayout(2880).shape(size_m)
    shape = (h, w)
    streaks = fractal_noise(rng, shape, [(60.0, 2.0), (12.0, 0.8)], [0.22, 0.12])
    shade = 0.75 + 0.35 * np.sin(np.linspace(0.15, np.pi - 0.15, w, dtype=np.float32))[None, :]
    base = np.array([105, 74, 48], np.float32)
    canvas = np.clip(base * (shade + streaks)[..., None], 0, 255)
    return Sprite(_rgba(canvas, np.ones(shape, np.float32)))


def object_sprite(kind: str, rng: np.random.Generator, colour: Rgb, size_m: tuple[float, float]) -> Sprite:
    """The sprite of one object kind ("walker", "car", "ball")."""
    makers = {"walker": walker_sprite, "car": car_sprite, "ball": ball_sprite}
    return makers[kind](rng, colour, size_m)
