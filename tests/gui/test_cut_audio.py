"""The cut's own audio (issue 16, item 2): the audio clips of a timeline's audio tracks, read with
PyAV at the right place of their media, heard under the foley at their record time with their
own level and mute."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import opentimelineio as otio
import pytest

from foley_assistant.io.audio import write_wav
from foley_assistant.io.cut_audio import decode_clip, list_cut_audio
from foley_assistant.io.timeline import read_timeline

from .conftest import FakeClock

RATE = 48000


def _guide_track(folder: Path, seconds: float = 6.0) -> tuple[Path, np.ndarray]:
    """A guide-track WAV: a 0.1 click every 0.5 s of file time, and a marker of 0.8 at 1.3 s."""
    audio = np.zeros((2, int(seconds * RATE)), dtype=np.float32)
    audio[:, :: RATE // 2] = 0.1
    audio[:, int(1.3 * RATE)] = 0.8
    path = folder / "guide.wav"
    write_wav(path, audio, RATE, bit_depth=24)
    return path, audio


def _cut_with_sound(small_cut, folder: Path) -> Path:
    """The small cut with an audio track: the guide WAV from 1.0 s of the file, placed at 0.5 s."""
    wav, _ = _guide_track(folder)
    timeline = otio.adapters.read_from_file(str(small_cut.timeline_path))
    track = otio.schema.Track(name="Guide", kind=otio.schema.TrackKind.Audio)
    track.append(otio.schema.Gap(source_range=otio.opentime.TimeRange(duration=otio.opentime.RationalTime(12, 25))))
    reference = otio.schema.ExternalReference(target_url=wav.resolve().as_uri(), available_range=otio.opentime.TimeRange(otio.opentime.RationalTime(0, 25), otio.opentime.RationalTime(150, 25)))
    track.append(otio.schema.Clip(name="guide", media_reference=reference, source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(25, 25), otio.opentime.RationalTime(100, 25))))
    timeline.tracks.append(track)
    path = folder / "with_sound.otio"
    otio.adapters.write_to_file(timeline, str(path))
    return path


def test_audio_clips_are_listed_at_their_record_time_and_decoded_from_their_source(small_cut, tmp_path):
    path = _cut_with_sound(small_cut, tmp_path)
    clips = list_cut_audio(read_timeline(path))
    assert len(clips) == 1
    clip = clips[0]
    assert (clip.track_name, clip.record_start, clip.source_start, clip.duration) == ("Guide", Fraction(12, 25), Fraction(1), Fraction(4))
    assert clip.found
    audio = decode_clip(clip, RATE)
    assert audio.shape == (2, 4 * RATE)
    marker = int(np.argmax(audio[0]))
    assert marker == int(0.3 * RATE)  # 1.3 s into the file is 0.3 s into the clip
    assert audio[0, marker] == pytest.approx(0.8, abs=1e-4)
    assert audio[0, RATE // 2] == pytest.approx(0.1, abs=1e-4)  # the clicks keep their sample


def test_the_cut_audio_plays_under_the_foley_with_its_level_and_mute(open_window, small_cut, tmp_path, qtbot):
    clock = FakeClock()

    class FakeOutput:
        latency_s = 0.0

        def __init__(self, render, rate):
            self.render = render

        def time(self):
            return clock.now

        def close(self):
            pass

    window = open_window(_cut_with_sound(small_cut, tmp_path), clock=clock, output_factory=FakeOutput)
    assert window.cut_audio_button.isEnabled() and window.cut_audio_button.isChecked()
    qtbot.waitUntil(lambda: window.audition.engine.cut.keys() == {0})  # decoded in the background
    window.cut_level.setValue(0.0)
    marker_at = 12 / 25 + 0.3  # the clip's record start + the marker's place in the clip
    window.audition.seek_record(marker_at - 0.01)
    window.audition.play()
    block = window.audition.output.render(960, clock.now)
    assert int(np.argmax(block[:, 0])) == 480  # heard exactly at its record time
    assert block[480, 0] == pytest.approx(0.8, abs=1e-4)
    window.cut_level.setValue(-6.0)
    window.audition.seek_record(marker_at - 0.01)
    block = window.audition.output.render(960, clock.now)
    assert block[480, 0] == pytest.approx(0.8 * 10 ** (-6 / 20), abs=1e-4)
    window.cut_audio_button.click()  # muted
    window.audition.seek_record(marker_at - 0.01)
    assert not window.audition.output.render(960, clock.now).any()
