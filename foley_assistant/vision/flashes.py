"""Flashes and strobes: light that jumps and comes back within a few frames is not a thing.

A photographer's flash, lightning, a muzzle flash or a flickering light changes a frame's
brightness at once and gives it back within a few frames. Such frames are neither a cut (the cut
detector's persistence test refuses them) nor an object: the motion detector would see the whole
picture move, and a track through them would break. `flash_frames` finds them from the frames'
mean brightness; analysis then takes no motion or detection from them (tracks coast across),
and the report says a flash was seen (it may deserve a sound of its own: the editor decides).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

#: The least jump of a frame's mean brightness (8-bit levels) from the frame before that is a flash.
FLASH_JUMP = 18.0
#: Within this many levels of the frame before the flash, the light has come back.
FLASH_RETURN = 6.0
#: The longest flash, in frames (a strobe burst longer than this is lighting, not a flash).
FLASH_FRAMES = 3
#: The least correlation of a flash frame's picture with the frame before it (see `same_picture`).
SAME_PICTURE = 0.5
#: The least share of the picture a flash's light change covers (see `same_picture`).
LIT_SHARE = 0.7


def frame_brightness(thumbnail: np.ndarray) -> float:
    """The mean level (0..255) of a frame's thumbnail."""
    return float(np.mean(thumbnail))


def same_picture(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether thumbnail `a` shows the picture of `b` under other light: their grey levels, each
    taken from its mean and scaled by its spread, correlate by `SAME_PICTURE` or more, and the
    light changed over most of the picture (`LIT_SHARE` of a 6x6 grid of cells moved by at least
    40 % of the whole picture's change, the same way). A flash lights the scene it finds; a car
    that fills half the frame for a frame replaces part of it."""
    x = np.asarray(a, dtype=np.float64).mean(axis=-1) if np.ndim(a) == 3 else np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64).mean(axis=-1) if np.ndim(b) == 3 else np.asarray(b, dtype=np.float64)
    change = x - y
    whole = float(change.mean())
    rows, cols = np.array_split(np.arange(x.shape[0]), 6), np.array_split(np.arange(x.shape[1]), 6)
    cells = np.array([[change[np.ix_(r, c)].mean() for c in cols] for r in rows])
    if float(np.mean(np.sign(whole) * cells >= 0.4 * abs(whole))) < LIT_SHARE:
        return False
    x, y = x - x.mean(), y - y.mean()
    spread = float(np.sqrt((x * x).sum() * (y * y).sum()))
    return spread > 0 and float((x * y).sum()) / spread >= SAME_PICTURE


def flash_frames(brightness: list[float] | np.ndarray, alike: Callable[[int, int], bool] | None = None) -> set[int]:
    """Positions of the frames that belong to a flash: a run of at most `FLASH_FRAMES` frames whose
    brightness stands `FLASH_JUMP` or more from the frame before the run (brighter or darker), after
    which it comes back within `FLASH_RETURN` of it; with `alike(k, j)` (do positions k and j show
    the same picture?), each frame of the run must also show the picture of the frame before it."""
    levels = np.asarray(brightness, dtype=np.float64)
    found: set[int] = set()
    for start in range(1, len(levels)):
        before = levels[start - 1]
        if abs(levels[start] - before) < FLASH_JUMP or start - 1 in found:
            continue
        for end in range(start + 1, min(start + FLASH_FRAMES, len(levels) - 1) + 1):
            if abs(levels[end] - before) <= FLASH_RETURN:
                lit = all(abs(levels[k] - before) >= FLASH_JUMP / 2 for k in range(start, end))
                if lit and (alike is None or all(alike(k, start - 1) for k in range(start, end))):
                    found.update(range(start, end))
                break
    return found
