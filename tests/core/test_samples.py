"""Samples made a block at a time: a short sound is a plain array, a long one lives in an
anonymous temporary file and reads back, rescales and pickles as the same float32 values."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from foley_assistant.core.samples import SampleWriter, SpilledSamples, one_channel, sample_blocks, samples_peak


def _written(x: np.ndarray, spill: int, block: int = 1000) -> object:
    writer = SampleWriter(len(x), spill=spill)
    for start in range(0, len(x), block):
        writer.write(x[start : start + block])
    return writer.finish()


def test_a_short_sound_is_the_array_it_was_given():
    x = np.random.default_rng(1).standard_normal(2500).astype(np.float32)
    made = _written(x, spill=10_000, block=2500)
    assert isinstance(made, np.ndarray)
    np.testing.assert_array_equal(made, x)
    np.testing.assert_array_equal(_written(x, spill=10_000), x)  # several blocks joined


def test_a_long_sound_is_read_back_from_its_file_span_by_span():
    x = np.random.default_rng(2).standard_normal(25_001).astype(np.float32)
    made = _written(x, spill=1000, block=777)
    assert isinstance(made, SpilledSamples)
    assert len(made) == made.shape[0] == 25_001 and made.dtype == np.float32
    np.testing.assert_array_equal(made[3:9000], x[3:9000])
    np.testing.assert_array_equal(made[-5:], x[-5:])
    np.testing.assert_array_equal(np.concatenate(list(sample_blocks(made, 4096))), x)
    np.testing.assert_array_equal(np.asarray(made), x)
    assert samples_peak(made) == float(np.max(np.abs(x)))
    audio = one_channel(made)
    assert audio.shape == (1, 25_001)
    np.testing.assert_array_equal(np.concatenate(list(audio.blocks()), axis=1)[0], x)


def test_spilled_samples_scale_in_place_as_an_array_would_and_pickle_as_an_array():
    x = np.random.default_rng(3).standard_normal(9_999).astype(np.float32)
    made = _written(x, spill=100)
    made.scale(0.3712)
    expected = x.copy()
    expected *= 0.3712
    np.testing.assert_array_equal(np.asarray(made), expected)
    again = pickle.loads(pickle.dumps(made))
    assert isinstance(again, np.ndarray)
    np.testing.assert_array_equal(again, expected)


def test_a_writer_refuses_too_many_or_too_few_samples():
    writer = SampleWriter(10, spill=5)
    writer.write(np.zeros(8))
    with pytest.raises(ValueError, match="11 samples written to a sound of 10"):
        writer.write(np.zeros(3))
    with pytest.raises(ValueError, match="given 8"):
        writer.finish()
    writer.restart()
    writer.write(np.ones(10))
    np.testing.assert_array_equal(np.asarray(writer.finish()), np.ones(10, dtype=np.float32))
    with pytest.raises(TypeError):
        _written(np.zeros(50, dtype=np.float32), spill=10)[::2]
