"""Autosave recovery files, and the audio output's refusal on a machine without sound."""

from __future__ import annotations

import json

import pytest

from foley_assistant.core.project import Project
from foley_assistant.io.playback import AudioDeviceError, open_output
from foley_assistant.io.recovery import RecoveryStore


def test_unsaved_work_is_kept_found_and_discarded(tmp_path):
    store = RecoveryStore(tmp_path / "recovery")
    assert store.pending() == []
    first = Project("a.otio", selected_shots=("S001",))
    second = Project("b.otio")
    store.write(tmp_path / "a" / "foley_project.json", first)
    store.write(tmp_path / "b" / "foley_project.json", second)
    (tmp_path / "recovery" / "junk.json").write_text("{not json")
    pending = store.pending()
    assert [e.project_file.parent.name for e in pending] == ["b", "a"]  # newest first
    assert store.load(pending[1]) == first
    assert "autosaved" in pending[0].describe()
    store.write(tmp_path / "a" / "foley_project.json", second)  # one file per project, replaced
    assert len(store.pending()) == 2
    store.discard(tmp_path / "a" / "foley_project.json")
    assert [e.project_file.parent.name for e in store.pending()] == ["b"]
    assert (tmp_path / "recovery" / "junk.json").exists()  # never deleted, only skipped
    data = json.loads(pending[0].path.read_text())
    assert data["schema"] == "foley_assistant.recovery/1"


def test_no_audio_device_gives_a_clear_message():
    sounddevice = pytest.importorskip("sounddevice", exc_type=OSError)
    try:
        sounddevice.query_devices(kind="output")
    except Exception:  # noqa: BLE001 - this machine has no output: the path under test
        with pytest.raises(AudioDeviceError, match="playing picture only"):
            open_output(lambda frames, time: None, 48000)
        return
    pytest.skip("this machine has an audio output device; the no-device message cannot be checked here")
