"""An ADM export whose stems leave a long stretch where nothing sounds is refused before a byte
is written (a 10-hour gap was written as 26 GB of silence); a short gap is written as silence."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from foley_assistant.core.errors import OutputError
from foley_assistant.io.exports.adm import MAX_GAP_S, AdmObject, AdmPoint, check_gaps, ear_available, write_adm_bwf

RATE = 48000
POINT = (AdmPoint(Fraction(0), 0.0, 1.0, 0.0, 1.0),)


def _object(name: str, start_s: float, seconds: float = 1.0) -> AdmObject:
    return AdmObject(name, np.full(int(seconds * RATE), 0.1, dtype=np.float32), int(start_s * RATE), POINT)


def test_a_ten_hour_gap_is_refused_naming_the_stems_on_either_side_and_the_size(tmp_path):
    objects = [_object("S001 O1 person", 0.0), _object("S001 O2 car", 0.5), _object("S002 O1 ball", 10 * 3600.0)]
    out = tmp_path / "x.wav"
    with pytest.raises(OutputError, match=r"no stem sounds for 9 h 59 min between 'S001 O2 car' and 'S002 O1 ball'.* all 3 channels \(14\.5 GB\)"):
        write_adm_bwf(out, objects, timeline_start_since_midnight=0, programme="cut")
    assert list(tmp_path.iterdir()) == []


def test_overlaps_count_as_sound_and_a_gap_up_to_the_limit_passes():
    long_one = _object("S001 O1 person", 0.0, seconds=3.0)
    check_gaps([long_one, _object("S001 O2 car", 1.0), _object("S002 O1 ball", 3.0 + MAX_GAP_S)], RATE)  # the car ends inside the person
    with pytest.raises(OutputError, match="between 'S001 O1 person' and 'S002 O1 ball'"):
        check_gaps([long_one, _object("S001 O2 car", 1.0), _object("S002 O1 ball", 3.0 + MAX_GAP_S + 0.1)], RATE)
    check_gaps([], RATE)


@pytest.mark.skipif(not ear_available(), reason="the EBU 'ear' package is not installed (make installs it)")
def test_a_short_gap_is_written_as_silence(tmp_path):
    import soundfile as sf

    out = tmp_path / "x.wav"
    write_adm_bwf(out, [_object("a", 0.0), _object("b", 3.0)], timeline_start_since_midnight=0, programme="cut")
    audio, rate = sf.read(out, always_2d=True)
    assert rate == RATE and audio.shape == (4 * RATE, 2)
    assert np.all(audio[RATE : 3 * RATE] == 0.0) and np.allclose(audio[:RATE, 0], 0.1, atol=1e-6)
