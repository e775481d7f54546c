import numpy as np
import pytest

from foley_assistant.eval.levels import SILENCE_DB, level_difference_db, peak_dbfs, rms_dbfs, stem_levels


def test_levels_of_known_signals():
    t = np.arange(48000) / 48000
    sine = np.sin(2 * np.pi * 1000 * t)
    assert peak_dbfs(sine) == pytest.approx(0.0, abs=1e-3)
    assert rms_dbfs(sine) == pytest.approx(-3.0103, abs=1e-3)
    assert peak_dbfs(np.zeros(10)) == SILENCE_DB


def test_level_difference_sign_and_size():
    stereo = np.stack([np.ones(100), np.full(100, 0.5)])
    assert level_difference_db(stereo) == pytest.approx(6.0206, abs=1e-3)
    assert level_difference_db(stereo[::-1]) == pytest.approx(-6.0206, abs=1e-3)
    assert level_difference_db(np.zeros((2, 10))) == 0.0
    assert stem_levels(stereo)["level_difference_db"] == pytest.approx(6.02)
