"""`generate MEDIA --out DIR` on each kind of camera file: the cut and the mover's entrance at the
right sample, and the mover's pan in display space.

Each kind (tests/media/media_kinds.py) goes through the command line as a user runs it: `generate
FILE --out A` takes the file as a reel (split at its cuts, each shot analysed from the file). The
synthetic square is no COCO class, so the analysis finds it by motion alone and keeps it as a
candidate with no stem (`vision/fusion.py`); the editor's way to give it a sound is to accept it:
`"mover": true` in A/tracks.json, then `generate A/reel.otio --tracks tracks.json --out B`. The
square is the mover here (rather than a detector-named sprite) because its display-space truth is
exact in every kind, so a failure points at the reading of the file, not at the detector missing a
rotated or squeezed sprite; and its boxes come from the analysis of the file in A.

In this scene the square is on screen from the first picture of each shot, so its entrance is the
shot's start: sample 0 for the first shot and the cut for the second.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

sys.path.insert(0, str(Path(__file__).parent))
import media_kinds as kinds  # noqa: E402

from foley_assistant.cli.main import main  # noqa: E402

SAMPLE_RATE = 48_000
CUT_SAMPLE = int(kinds.CUT_S * SAMPLE_RATE)  # 57 600, exact
SILENT = 1e-4  # a sample quieter than -80 dBFS on both channels is silence


def _generate(media: Path, folder: Path) -> dict:
    """Both runs of a kind: A (the file as a reel) and B (its square accepted as a mover)."""
    analysed, placed = folder / "A", folder / "B"
    assert main(["generate", str(media), "--out", str(analysed)]) == 0
    tracks = json.loads((analysed / "tracks.json").read_text())
    accepted = {}  # shot id: the id of its longest object (the square), accepted as a mover
    for shot in tracks["shots"]:
        if shot["objects"]:
            square = max(shot["objects"], key=lambda o: len(o["frames"]))
            square["mover"], accepted[shot["id"]] = True, square["id"]
    (folder / "accepted.json").write_text(json.dumps(tracks))
    assert main(["generate", str(analysed / "reel.otio"), "--tracks", str(folder / "accepted.json"), "--out", str(placed)]) == 0
    placed_report = json.loads((placed / "report.json").read_text())
    return {
        "tracks": tracks,
        "reel": json.loads((analysed / "report.json").read_text()),
        "stems": {s["shot"]: (s, sf.read(placed / s["path"], always_2d=True)[0]) for s in placed_report["stems"] if accepted.get(s["shot"]) == s["object"]},
        "fps": tracks["shots"][0]["fps"][0] / tracks["shots"][0]["fps"][1],
    }


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generate_kinds")
    done, controls = {}, {}
    for name, (write, size, rate) in kinds.KINDS.items():
        written = write(folder / f"{name}{kinds.SUFFIX.get(name, '.mp4')}")
        done[name] = _generate(written.path, folder / name)
        if (size, rate) not in controls:
            control = kinds.square_pixel(folder / f"control_{size[0]}x{size[1]}_{rate}.mp4", *size, rate)
            controls[size, rate] = _generate(control.path, folder / control.path.stem)
    return done, controls


def _half_frame(run: dict) -> float:
    return SAMPLE_RATE / run["fps"] / 2


def _balance(stereo: np.ndarray) -> float:
    """(R - L) / (R + L) of the RMS levels: -1 hard left, +1 hard right."""
    left, right = np.sqrt(np.mean(stereo**2, axis=0))
    return float((right - left) / (right + left))


@pytest.mark.parametrize("name", list(kinds.KINDS))
def test_reel_split_into_two_shots_at_the_cut(generated, name):
    run = generated[0][name]
    shots = run["reel"]["shots"]
    assert [s["id"] for s in shots] == ["S001", "S002"], shots
    first_length = round(shots[0]["duration_s"] * SAMPLE_RATE)
    print(name, "first shot", first_length, "samples; true cut", CUT_SAMPLE, "half frame", _half_frame(run))
    assert abs(first_length - CUT_SAMPLE) <= _half_frame(run)
    if "S002" in run["stems"]:  # the second shot's stem is placed from the cut
        assert abs(run["stems"]["S002"][0]["record_start_sample"] - CUT_SAMPLE) <= _half_frame(run)
    assert round((shots[0]["duration_s"] + shots[1]["duration_s"]) * SAMPLE_RATE) == int(kinds.DURATION_S * SAMPLE_RATE)


@pytest.mark.parametrize("name", list(kinds.KINDS))
def test_mover_enters_at_its_sample(generated, name):
    run = generated[0][name]
    # The first shot's square is always found; the second shot (0.8 s) is too short for the
    # motion evidence at 320x180 25 fps, the square-pixel control included (see docs/media.md).
    assert "S001" in run["stems"], sorted(run["stems"])
    for shot_id, true_entrance in (("S001", 0), ("S002", CUT_SAMPLE)):
        if shot_id not in run["stems"]:
            print(name, shot_id, "no object found by the analysis")
            continue
        stem, audio = run["stems"][shot_id]
        entrances = [e["sample"] for e in stem["event_log"] if e["kind"] == "entrance" and "layer" not in e]
        assert len(entrances) == 1, stem["event_log"]
        entrance = stem["record_start_sample"] + entrances[0]
        sounding = stem["record_start_sample"] + int(np.argmax(np.max(np.abs(audio), axis=1) > SILENT))
        print(name, shot_id, "entrance event at", entrance, "first sound at", sounding, "true", true_entrance)
        assert abs(entrance - true_entrance) <= _half_frame(run)
        assert 0 <= sounding - true_entrance <= _half_frame(run)


@pytest.mark.parametrize("name", list(kinds.KINDS))
def test_pan_follows_the_mover_in_display_space(generated, name):
    """The square crosses left to right in display space: its first shot's stem starts left of
    centre and moves right, and pans as the square-pixel control of the same display size does."""
    done, controls = generated
    _, audio = done[name]["stems"]["S001"]
    _, control = controls[kinds.KINDS[name][1:]]["stems"]["S001"]
    halves = [_balance(part) for part in np.array_split(audio, 2)]
    expected = [_balance(part) for part in np.array_split(control, 2)]
    print(name, "balance first/second half", np.round(halves, 3), "control", np.round(expected, 3))
    assert halves[0] < -0.1 and halves[1] > halves[0] + 0.1
    assert halves == pytest.approx(expected, abs=0.05)
