"""The foreground detector's building blocks: lighting compensation and warped-frame borders."""

from __future__ import annotations

import numpy as np
import pytest

from foley_assistant.vision.motion import ChunkBackground, MotionSettings, blurred, recent_motion_mask
from foley_assistant.vision.tones import channel_change, match_tones


def textured(seed: int, height: int = 120, width: int = 200) -> np.ndarray:
    """A smooth random colour texture, uint8 RGB, values well inside 0..255 but for a bright band."""
    rng = np.random.default_rng(seed)
    coarse = rng.uniform(40, 200, size=(height // 8, width // 8, 3)).astype(np.float32)
    image = np.kron(coarse, np.ones((8, 8, 1), np.float32))
    image[:20] = 250.0  # a nearly white sky: clips under any gain above 1.02
    return np.clip(blurred(image), 0, 255)


def test_gain_and_clip_are_measured_per_channel_despite_an_object():
    reference = textured(1)
    gains = np.array([1.08, 1.0, 0.93], np.float32)
    current = np.minimum(reference * gains, 255.0)
    current[40:100, 60:130] = 10.0  # a dark object over 17 % of the picture, absent from the reference
    sample = np.ones(reference.shape[:2], bool)
    for channel, gain in enumerate(gains):
        measured = channel_change(reference[..., channel][sample], current[..., channel][sample])
        assert measured is not None
        assert measured[0] == pytest.approx(gain, abs=0.004)
    matched = match_tones(reference, current, sample)
    background = np.ones(reference.shape[:2], bool)
    background[40:100, 60:130] = False
    assert np.abs(matched - current)[background].max() < 0.5  # the clipped sky included
    assert np.abs(reference - current)[background].max() > 15  # what a plain difference would see


def test_no_lighting_change_leaves_the_reference_untouched():
    reference = textured(2)
    sample = np.ones(reference.shape[:2], bool)
    assert match_tones(reference, reference.copy(), sample) is reference


def pan_pair(shift_px: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A frame, the same world seen `shift_px` further right (a pan), and the homography taking the
    first frame's pixels to the second's."""
    world = textured(3, width=260)
    first = world[:, :200].copy()
    second = world[:, int(shift_px) : int(shift_px) + 200].copy()
    first_to_second = np.array([[1.0, 0.0, -shift_px], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    return first, second, first_to_second


def test_recent_motion_ignores_the_edge_a_pan_reveals():
    """Where the earlier frame saw nothing (the strip a pan brings in) there is no motion, in every
    colour channel: OpenCV fills only the first channel with a bare-number border value."""
    first, second, first_to_second = pan_pair(12)
    mask = recent_motion_mask(second, first, first_to_second, MotionSettings())
    assert not mask.any(), np.flatnonzero(mask.any(axis=0))


def test_panning_background_canvas_has_no_dark_seam():
    """The median canvas of a pan is the world itself up to its reliable edge, in every channel."""
    frames, homographies = [], []
    world = textured(4, width=300)
    for step in range(12):
        shift = 6 * step
        frames.append(world[:, shift : shift + 200].astype(np.uint8))
        homographies.append(np.array([[1.0, 0.0, shift], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]]))
    background = ChunkBackground(frames, homographies, MotionSettings())
    for index in (0, 6, 11):
        view, reliable = background.view(index)
        error = np.abs(view - blurred(frames[index])).max(axis=-1)
        error[:, :2] = error[:, -2:] = 0.0  # the frame's own blur reflects at its edges; the canvas's does not
        assert reliable.mean() > 0.5
        assert error[reliable].max() < 3.0, (index, np.flatnonzero((error * reliable).max(axis=0) >= 3.0))
