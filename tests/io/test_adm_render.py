"""ADM BWF rendered by the EBU reference renderer (`ear-render --strict`), as a mixer's tools would.

Two objects at sample positions that no decimal time holds exactly (n/48000 s), one hard left and
one hard right, each moving through blocks on a 24 fps grid (1/24 s has no finite decimal form
either): strict rendering to 0+2+0 and 0+5+0 must accept the file (blocks tile each object, no
overlap), put each object in its own loudspeaker at its own level, and start it on its sample.
"""

from __future__ import annotations

import re
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from foley_assistant.io.exports.adm import TIME_DECIMALS, AdmBed, AdmObject, AdmPoint, ear_available, write_adm_bwf

pytestmark = pytest.mark.skipif(not ear_available(), reason="the EBU ear package is not installed (make installs it with --no-deps)")

SR = 48000
TONE_S = 0.7
SECOND_START = int(0.9 * SR) + 7  # after the first object, on no decimal grid


def render(adm: Path, system: str, out: Path) -> np.ndarray:
    """The ADM file rendered by ear-render in strict mode to a BS.2051 layout (fails on refusal)."""
    renderer = Path(sys.executable).with_name("ear-render")
    done = subprocess.run([str(renderer), "--strict", "-s", system, str(adm), str(out)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]
    audio, rate = sf.read(out)
    assert rate == SR
    return audio


@pytest.fixture(scope="module")
def two_objects(tmp_path_factory) -> Path:
    t = np.arange(int(TONE_S * SR)) / SR
    tone = 0.25 * np.sin(2 * np.pi * 500 * t)

    def points(x: float) -> tuple[AdmPoint, ...]:
        return tuple(AdmPoint(Fraction(k, 24), x, 1.0, 0.0, 1.0) for k in range(16))

    path = tmp_path_factory.mktemp("adm") / "two.wav"
    objects = [AdmObject("left", tone, 12345, points(-1.0)), AdmObject("right", tone, 12345 + SECOND_START, points(1.0))]
    write_adm_bwf(path, objects, timeline_start_since_midnight=0, programme="two")
    return path


def test_times_are_written_in_the_bs2076_format_with_five_decimals(two_objects):
    axml = two_objects.read_bytes()
    times = re.findall(rb'(?:rtime|duration|start|end)="([^"]+)"', axml)
    assert times and all(re.fullmatch(rb"\d\d:\d\d:\d\d\.\d{%d}" % TIME_DECIMALS, t) for t in times), times[:5]


@pytest.mark.parametrize(("system", "left", "right"), [("0+2+0", 0, 1), ("0+5+0", 0, 1)])
def test_the_reference_renderer_accepts_it_strictly_and_places_each_object(two_objects, tmp_path, system, left, right):
    audio = render(two_objects, system, tmp_path / "out.wav")
    first = slice(0, int(TONE_S * SR))
    second = slice(SECOND_START, SECOND_START + int(TONE_S * SR))
    for span, speaker in ((first, left), (second, right)):
        rms = np.sqrt(np.mean(audio[span] ** 2, axis=0))
        assert rms[speaker] == pytest.approx(0.25 / np.sqrt(2), rel=0.01)  # gain 1 at a loudspeaker
        assert np.delete(rms, speaker).max() < 1e-3 * rms[speaker]  # hard left / right: nothing elsewhere
    sounding = np.flatnonzero(np.abs(audio).max(axis=1) > 1e-6)
    assert sounding[0] == 1  # the sine's first non-zero sample: the file starts on the first object
    assert sounding[sounding > SECOND_START - 100][0] == SECOND_START + 1  # the second starts on its sample


# --- the Dolby Atmos master structure: programme, a content per object, a 2.0 bed -------------------

BED_S = 1.2
BED_START = 4800  # the bed starts 0.1 s into the timeline, the object 0.2 s after it


@pytest.fixture(scope="module")
def bed_and_object(tmp_path_factory) -> Path:
    """A 2.0 bed with a 300 Hz tone in its left channel only, and an object hard right (500 Hz)."""
    n = int(BED_S * SR)
    bed = np.zeros((2, n))
    bed[0] = 0.1 * np.sin(2 * np.pi * 300 * np.arange(n) / SR)
    t = np.arange(int(TONE_S * SR)) / SR
    obj = AdmObject("S001 O1 car", 0.25 * np.sin(2 * np.pi * 500 * t), BED_START + 9600, tuple(AdmPoint(Fraction(k, 24), 1.0, 1.0, 0.0, 1.0) for k in range(16)))
    path = tmp_path_factory.mktemp("adm_bed") / "bed.wav"
    write_adm_bwf(path, [obj], bed=AdmBed("Ambience bed", bed, BED_START), timeline_start_since_midnight=0, programme="bed")
    return path


def test_the_file_has_a_programme_a_content_per_object_and_the_bed_first(bed_and_object):
    from ear.fileio import openBw64Adm

    with openBw64Adm(str(bed_and_object)) as adm_file:
        adm = adm_file.adm
        (programme,) = adm.audioProgrammes
        assert programme.id == "APR_1001"
        contents = programme.audioContents
        assert [(c.audioContentName, c.dialogue, [o.audioObjectName for o in c.audioObjects]) for c in contents] == [
            ("Ambience bed", 0, ["Ambience bed"]),
            ("S001 O1 car", 0, ["S001 O1 car"]),
        ]
        bed, car = (c.audioObjects[0] for c in contents)
        (bed_pack,) = bed.audioPackFormats
        assert (bed_pack.id, bed_pack.type.name) == ("AP_00010002", "DirectSpeakers")  # the common definitions' stereo pack
        assert [c.audioBlockFormats[0].speakerLabel for c in bed_pack.audioChannelFormats] == [["urn:itu:bs:2051:0:speaker:M+030"], ["urn:itu:bs:2051:0:speaker:M-030"]]
        assert [t.trackIndex for t in bed.audioTrackUIDs] == [1, 2] and [t.trackIndex for t in car.audioTrackUIDs] == [3]
        assert car.audioPackFormats[0].type.name == "Objects"
        assert (bed.start, bed.duration) == (0, Fraction(BED_S).limit_denominator(100)) and car.start == Fraction(9600, SR)
        assert adm_file.channels == 3


@pytest.mark.parametrize("system", ["0+2+0", "0+5+0"])
def test_the_bed_renders_strictly_to_its_loudspeakers_beside_the_object(bed_and_object, tmp_path, system):
    audio = render(bed_and_object, system, tmp_path / "out.wav")
    assert audio.shape[0] == int(BED_S * SR)
    before = slice(0, 9600)  # the bed alone: its left channel in the left loudspeaker (M+030), at its level
    rms = np.sqrt(np.mean(audio[before] ** 2, axis=0))
    assert rms[0] == pytest.approx(0.1 / np.sqrt(2), rel=0.01)
    assert np.delete(rms, 0).max() < 1e-6
    both = slice(9600, 9600 + int(TONE_S * SR))  # then the object hard right, the bed still left
    rms = np.sqrt(np.mean(audio[both] ** 2, axis=0))
    assert rms[0] == pytest.approx(0.1 / np.sqrt(2), rel=0.01) and rms[1] == pytest.approx(0.25 / np.sqrt(2), rel=0.01)
    if rms.size > 2:  # 0+5+0: the centre and surrounds stay silent
        assert np.delete(rms, (0, 1)).max() < 1e-6
