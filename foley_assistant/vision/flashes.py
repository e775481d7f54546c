"""Flashes and strobes: light that jumps and comes back within a few frames is not a thing.

A photographer's flash, lightning, a muzzle flash or a flickering light changes a frame's
brightness at once and gives it back within a few frames. Such frames are neither a cut (the cut
detector's persistence test refuses them) nor an object: the motion detector would see the whole
picture move, and a track through them would break. `flash_frames` finds them from the frames'
mean brightness; analysis then takes no motion or detection from them (tracks coast across),
and the report says a flash was seen (it may deserve a sound of its own: the editor decides).
"""

from __future__ import annotations

import numpy as np

#: The least jump of a frame's mean brightness (8-bit levels) from the frame before that is a flash.
FLASH_JUMP = 18.0
#: Within this many levels of the frame before the flash, the light has come back.
FLASH_RETURN = 6.0
#: The longest flash, in frames (a strobe burst longer than this is lighting, not a flash).
FLASH_FRAMES = 3


def frame_brightness(thumbnail: np.ndarray) -> float:
    """The mean level (0..255) of a frame's thumbnail."""
    return float(np.mean(thumbnail))


def flash_frames(brightness: list[float] | np.ndarray) -> set[int]:
    """Positions of the frames that belong to a flash: a run of at most `FLASH_FRAMES` frames whose
    brightness stands `FLASH_JUMP` or more from the frame before the run (brighter or darker), after
    which it comes back within `FLASH_RETURN` of it."""
    levels = np.asarray(brightness, dtype=np.float64)
    found: set[int] = set()
    for start in range(1, len(levels)):
        before = levels[start - 1]
        if abs(levels[start] - before) < FLASH_JUMP or start - 1 in found:
            continue
        for end in range(start + 1, min(start + FLASH_FRAMES, len(levels) - 1) + 1):
            if abs(levels[end] - before) <= FLASH_RETURN:
                if all(abs(levels[k] - before) >= FLASH_JUMP / 2 for k in range(start, end)):
                    found.update(range(start, end))
                break
    return found
