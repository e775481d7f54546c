"""`foley-assistant models` on tiny real ONNX detectors, and the detector each analysis records."""

from __future__ import annotations

import hashlib
import json
import re

import pytest

from foley_assistant.cli.main import main
from foley_assistant.io.json_files import read_project, read_tracks
from foley_assistant.pipeline.spine.detectors import choose_detector
from foley_assistant.vision.perception import shipped
from tests.vision.onnx_models import CAR, write_model, yolov8

NANODET_SHA = shipped.manifest("nanodet_g").sha256
NANODET_INT8_SHA = shipped.manifest("nanodet_g_int8").sha256


@pytest.fixture
def store(tmp_path, monkeypatch):
    folder = tmp_path / "store"
    monkeypatch.setenv("FOLEY_ASSISTANT_MODELS", str(folder))
    return folder


@pytest.fixture
def v8_model(tmp_path):
    """A YOLOv8-layout export that sees one car in the middle of every frame."""
    folder = tmp_path / "exports"
    folder.mkdir()
    path = write_model(folder / "car.onnx", {"output0": yolov8([((220, 260, 420, 380), CAR, 0.9)])})
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_shows_the_shipped_models_verified(capsys, store):
    code, out, _ = run(capsys, "models", "list")
    assert code == 0
    for name in ("nanodet", "nanodet-float", "movenet", "transnet", "transnet-float"):
        assert re.search(rf"^{name} +shipped .* ok$", out, re.M), out
    assert f"installed models: {store}" in out
    code, out, _ = run(capsys, "models", "list", "--json")
    data = json.loads(out)
    assert data["store"] == str(store) and {m["name"]: m["state"] for m in data["models"]} == {"nanodet": "ok", "nanodet-float": "ok", "movenet": "ok", "transnet": "ok", "transnet-float": "ok"}
    assert data["models"][0]["sha256"] == NANODET_INT8_SHA and data["models"][1]["sha256"] == NANODET_SHA


def test_install_from_a_file_url_verify_list_and_remove(capsys, store, v8_model):
    path, digest = v8_model
    code, out, err = run(capsys, "models", "install", path.as_uri(), "--name", "car8", "--sha256", digest, "--licence", "AGPL-3.0")
    assert code == 0, err
    assert f"installed car8 (yolov8, input 640x640, sha256 {digest}) -> {store / 'car8.onnx'}" in out
    manifest = json.loads((store / "car8.json").read_text())
    assert manifest["source"] == path.as_uri() and manifest["licence"] == "AGPL-3.0" and manifest["classes"][CAR] == "car"
    code, out, _ = run(capsys, "models", "list", "--json")
    (mine,) = [m for m in json.loads(out)["models"] if m["origin"] == "installed"]
    assert mine == {"origin": "installed", "name": "car8", "format": "yolov8", "sha256": digest, "state": "ok", "source": path.as_uri(), "licence": "AGPL-3.0"}
    assert run(capsys, "models", "verify", "car8")[:2] == (0, f"car8: ok (sha256 {digest})\n")
    # the stored file is damaged: verify and list say so, analysis will not use it
    with open(store / "car8.onnx", "r+b") as handle:
        handle.seek(100)
        handle.write(b"\x00\x01\x02")
    code, out, err = run(capsys, "models", "verify")
    assert code == 2 and "nanodet: ok" in out
    assert re.search(r"^error: car8: .*car8.onnx does not match its manifest \(sha256 [0-9a-f]{64}, installed as " + digest + r"\)", err, re.M)
    assert "does not match its manifest" in run(capsys, "models", "list")[1]
    code, out, _ = run(capsys, "models", "remove", "car8")
    assert code == 0 and out == f"removed car8 ({store / 'car8.onnx'})\n" and sorted(p.name for p in store.iterdir()) == []
    code, _, err = run(capsys, "models", "verify", "car8")
    assert code == 2 and err.startswith("error: no model named 'car8'")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--sha256", "0" * 64], r"has sha256 [0-9a-f]{64}, not the pinned 0{64}: .*nothing was installed"),
        (["--sha256", "xyz"], "'xyz' is not a sha256: give the 64 hex digits"),
        (["--name", "nanodet"], "'nanodet' is a word --detector already takes"),
        (["--format", "rtdetr"], r"was not installed: the model's outputs \(output0 \[1, 84, 8400\] on a 640x640 input\) are not laid out as rtdetr"),
        (["--architecture", "fasterrcnn_resnet50_fpn"], "--architecture is for torchvision weights"),
    ],
)
def test_install_refusals_are_one_line_and_keep_nothing(capsys, store, v8_model, argv, message):
    path, _ = v8_model
    arguments = ["models", "install", path.as_uri(), "--name", "car8"]
    for flag, value in zip(argv[::2], argv[1::2]):
        if flag in arguments:
            arguments[arguments.index(flag) + 1] = value
        else:
            arguments += [flag, value]
    code, out, err = run(capsys, *arguments)
    assert code == 2 and out == "" and err.count("\n") == 1 and err.startswith("error: ")
    assert re.search(message, err), err
    assert not store.exists() or list(store.iterdir()) == []


def test_install_refuses_what_is_not_a_detector(capsys, store, tmp_path):
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x00garbage, not protobuf" * 50)
    code, _, err = run(capsys, "models", "install", str(junk), "--name", "junk")
    assert code == 2 and err.count("\n") == 1 and "was not installed: onnxruntime cannot load it as an ONNX model" in err
    odd = write_model(tmp_path / "odd.onnx", {"out": yolov8([])[:, :30]})
    code, _, err = run(capsys, "models", "install", str(odd), "--name", "odd")
    assert code == 2 and "are not a supported detector export" in err
    code, _, err = run(capsys, "models", "install", "https://example.invalid/yolov8s.onnx", "--name", "web")
    assert code == 2 and "a download needs its sha256 pinned" in err
    weights = tmp_path / "frcnn.pth"
    weights.write_bytes(b"not a zip")
    code, _, err = run(capsys, "models", "install", str(weights), "--name", "frcnn")
    assert code == 2 and "not a torch state dict" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["models", "install", str(odd), "--name", "odd", "--format", "yolo9000"])
    assert exit_info.value.code == 2 and "invalid choice: 'yolo9000'" in capsys.readouterr().err
    assert not store.exists() or list(store.iterdir()) == []


def test_torchvision_weights_are_kept_with_their_architecture(capsys, store, tmp_path):
    import zipfile

    weights = tmp_path / "frcnn.pth"
    with zipfile.ZipFile(weights, "w") as archive:
        archive.writestr("archive/data.pkl", b"state")
    code, out, err = run(capsys, "models", "install", str(weights), "--name", "frcnn", "--architecture", "fasterrcnn_resnet50_fpn")
    assert code == 0, err
    manifest = json.loads((store / "frcnn.json").read_text())
    assert manifest["format"] == "torchvision:fasterrcnn_resnet50_fpn" and manifest["file"] == "frcnn.pth" and manifest["input"] is None
    # analysis loads it with torchvision, by name; these weights are no model, so it says why and runs on motion
    detector, note = choose_detector("frcnn")
    assert detector is None and note.startswith("detector: none (motion only), because")
    assert "torchvision" in note or "does not hold fasterrcnn_resnet50_fpn weights" in note


def _detectors(path):
    return [json.loads(path.read_text())["shots"][i].get("detector") for i in range(len(read_tracks(path).shots))]


def test_analysis_records_the_detector_it_ran(capsys, store, v8_model, small_cut, tmp_path):
    path, digest = v8_model
    media = small_cut.timeline_path.parent / "media" / "shot_02.mp4"
    assert run(capsys, "models", "install", str(path), "--name", "car8")[0] == 0
    out = tmp_path / "named.json"
    code, _, err = run(capsys, "analyze", "--media", str(media), "--out", str(out), "--detector", "car8", "-q")
    assert code == 0 and f"detector: car8 (yolov8, installed, sha256 {digest[:12]}...)" in err
    assert _detectors(out) == [{"name": "car8", "format": "yolov8", "sha256": digest}]
    assert any(obj.label == "car" for obj in read_tracks(out).shots[0].objects)  # the model's car was seen
    direct = tmp_path / "direct.json"
    assert run(capsys, "analyze", "--media", str(media), "--out", str(direct), "--detector", str(path), "-q")[0] == 0
    assert _detectors(direct) == [{"name": str(path), "format": "yolov8", "sha256": digest}]
    bare = tmp_path / "none.json"
    assert run(capsys, "analyze", "--media", str(media), "--out", str(bare), "--detector", "none", "-q")[0] == 0
    assert _detectors(bare) == [{"name": "none", "format": "none", "sha256": None}]
    # a damaged installed model is not used: analysis says why and records motion alone
    (store / "car8.onnx").write_bytes(path.read_bytes() + b"\x00")
    damaged = tmp_path / "damaged.json"
    code, _, err = run(capsys, "analyze", "--media", str(media), "--out", str(damaged), "--detector", "car8", "-q")
    assert code == 0 and "detector: none (motion only), because the installed model 'car8' cannot be used:" in err and "does not match its manifest" in err
    assert _detectors(damaged) == [{"name": "none", "format": "none", "sha256": None}]
    code, _, err = run(capsys, "analyze", "--media", str(media), "--out", str(damaged), "--detector", "car9", "-q")
    assert "no installed model named 'car9' and no file by that name" in err


def test_generate_keeps_the_detector_in_the_tracks_and_the_project(generated_small):
    for path in (generated_small / "tracks.json", generated_small / "foley_project.json"):
        data = json.loads(path.read_text())
        shots = data["shots"] if "shots" in data else data["tracks"]["shots"]
        assert [s["detector"] for s in shots] == [{"name": "nanodet", "format": "nanodet-g-int8", "sha256": NANODET_INT8_SHA}] * 2
    assert read_project(generated_small / "foley_project.json").tracks.shots[0].detector.sha256 == NANODET_INT8_SHA


def test_the_name_defaults_to_the_file_name(capsys, store, v8_model, tmp_path):
    path, digest = v8_model
    code, out, _ = run(capsys, "models", "install", path.as_uri())
    assert code == 0 and out.startswith(f"installed car (yolov8, input 640x640, sha256 {digest})")
    odd = tmp_path / "My Model.onnx"
    odd.write_bytes(path.read_bytes())
    code, _, err = run(capsys, "models", "install", str(odd))
    assert code == 2 and "'my model' (from the file name) cannot name a model; give --name" in err
