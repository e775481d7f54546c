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


@pytest.mark.parametrize(
    "damage,phrase",
    [
        (lambda d: d.update(project=[1]), "this is not a Foley Assistant project"),
        (lambda d: d.pop("project"), "'project'"),
        (lambda d: d["project"].update(curves=[{"shot": "S1", "object": "O1", "azimuth_deg": [{"t": "1/0", "v": 0}], "distance_m": [{"t": "0", "v": 1}]}]), "divides by zero"),
    ],
)
def test_a_damaged_recovery_file_is_a_clear_error_not_a_crash(damage, phrase, tmp_path):
    from foley_assistant.core.errors import FoleyError

    store = RecoveryStore(tmp_path / "recovery")
    path = store.write(tmp_path / "a" / "foley_project.json", Project("a.otio"))
    data = json.loads(path.read_text())
    damage(data)
    path.write_text(json.dumps(data))
    (entry,) = store.pending()
    with pytest.raises(FoleyError, match="the recovery file .* the work in it is lost") as raised:
        store.load(entry)
    assert phrase in str(raised.value)
