"""Placed stems: a stem rendered a block at a time each time it is read, value for value the stem
`render_stem` gives; summed and written without ever holding a stem whole."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from foley_assistant.core.curves import Curve, SpatialCurves
from foley_assistant.io.audio import read_audio, write_bwf
from foley_assistant.spatial.render import MixedStems, PlacedStem, mix, mix_blocks, render_stem
from foley_assistant.spatial.settings import StereoSettings

from .conftest import SR, noise_burst
from .test_blocks import RENDERERS, SECONDS, _flyby


@pytest.mark.parametrize("name", list(RENDERERS))
def test_a_placed_stem_reads_as_the_rendered_stem(name):
    settings = RENDERERS[name][1]
    dry, curves = noise_burst(SECONDS).astype(np.float32), _flyby()
    placed = PlacedStem(dry, curves, settings)
    blocks = list(placed.blocks())
    whole = render_stem(dry, curves, settings)
    assert len(blocks) > 1 and placed.shape == whole.shape
    np.testing.assert_array_equal(np.concatenate(blocks, axis=1), whole)
    np.testing.assert_array_equal(np.asarray(placed), whole)


def test_the_mix_of_placed_stems_is_the_mix_of_their_renders():
    settings = StereoSettings(doppler=True)
    placed = [PlacedStem(noise_burst(SECONDS, seed).astype(np.float32), _flyby(), settings) for seed in (1, 2)]
    rendered = [render_stem(p.dry, p.curves, settings) for p in placed]
    start, n = 12_345, 40_000  # a handle before the cut, then the cut
    expected = mix([r[:, start : start + n] for r in rendered], n)
    np.testing.assert_array_equal(np.concatenate(list(mix_blocks(placed, n, start=start)), axis=1), expected)
    source = MixedStems((placed[0], rendered[1]), n, start)  # a placed stem and an array mix alike
    assert source.shape == (2, n)
    np.testing.assert_array_equal(np.concatenate(list(source.blocks()), axis=1), expected)


def _write_peak(folder, seconds: int) -> tuple[int, np.ndarray]:
    dry = (np.random.default_rng(seconds).standard_normal(seconds * SR) * 0.1).astype(np.float32)
    curves = SpatialCurves("S", "O", Curve.constant(30.0), Curve.constant(5.0))
    path = folder / f"stem_{seconds}.wav"
    tracemalloc.start()
    try:
        write_bwf(path, PlacedStem(dry, curves, StereoSettings()), SR)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak, dry


def test_writing_a_placed_stem_holds_no_whole_stem(tmp_path):
    """A stem four times longer: the writer's peak grows by under 3 bytes per extra sample (the
    smoothed curves at control rate, 1/32 of the audio rate), where a whole float32 stereo stem
    would take 8; and the file holds the rendered stem."""
    short, _ = _write_peak(tmp_path, 10)
    long, dry = _write_peak(tmp_path, 40)
    assert (long - short) / (30 * SR) < 3.0
    assert long < 0.5 * 8 * 40 * SR
    written, _ = read_audio(tmp_path / "stem_40.wav")
    expected = render_stem(dry, SpatialCurves("S", "O", Curve.constant(30.0), Curve.constant(5.0)), StereoSettings())
    assert float(np.max(np.abs(written - expected))) <= 2.0**-23
