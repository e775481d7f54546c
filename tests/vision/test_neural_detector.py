"""The optional neural detector: local weights only, COCO -> sound labels, and a clear fallback."""

from __future__ import annotations

import numpy as np
import pytest

from foley_assistant.pipeline.spine.analyze import choose_detector
from foley_assistant.vision.labels import coco_labels
from foley_assistant.vision.neural.detector import DetectorUnavailable, find_weights, load_detector, to_detections


def test_coco_classes_map_to_sound_labels():
    labels = coco_labels()
    assert len(labels.categories) == 91
    assert [labels.sound_labels[labels.categories[i]] for i in (1, 3, 37)] == ["person", "car", "ball"]
    assert not labels.sounds(labels.categories[64])  # potted plant: no sound
    assert labels.group_of("truck") == "vehicle" and labels.group_of("sheep") == "animal"


def test_model_output_becomes_normalized_detections_named_by_class():
    boxes = np.array([[32, 18, 64, 90], [0, 0, 10, 10], [100, 50, 160, 80], [5, 5, 20, 20]], float)
    found = to_detections(boxes, np.array([1, 64, 3, 12]), np.array([0.9, 0.99, 0.3, 0.95]), 320, 180, coco_labels(), min_score=0.4)
    assert [d.label for d in found] == ["person", "potted plant"]  # the car is under the score; id 12 is unused
    assert found[0].score == pytest.approx(0.9)
    assert found[0].box.as_list() == pytest.approx([0.1, 0.1, 0.2, 0.5])


def test_weights_come_from_the_hub_cache_and_are_never_downloaded(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(DetectorUnavailable, match="nothing is downloaded"):
        find_weights("ssdlite320_mobilenet_v3_large")
    folder = tmp_path / "hub" / "checkpoints"
    folder.mkdir(parents=True)
    cached = folder / "ssdlite320_mobilenet_v3_large_coco-a79551df.pth"
    cached.write_bytes(b"")
    assert find_weights("ssdlite320_mobilenet_v3_large") == cached
    with pytest.raises(DetectorUnavailable, match="not found"):
        find_weights("ssdlite320_mobilenet_v3_large", tmp_path / "missing.pth")


def test_without_weights_the_classical_detector_runs_and_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    detector, note = choose_detector("auto", "ssdlite320_mobilenet_v3_large")
    assert detector is None and "classical" in note and str(tmp_path) in note
    assert choose_detector("none", "ssdlite320_mobilenet_v3_large") == (None, "detector: none (motion only; objects are not named)")


def test_randomly_initialised_model_from_a_temporary_file(tmp_path):
    torch = pytest.importorskip("torch")
    try:
        from torchvision.models.detection import ssdlite320_mobilenet_v3_large
    except Exception as exc:  # noqa: BLE001 - the PyPI torchvision wheel needs CUDA torch libraries
        pytest.skip(f"torchvision cannot be loaded with this torch: {type(exc).__name__}: {exc}")
    torch.manual_seed(0)
    model = ssdlite320_mobilenet_v3_large(weights=None, weights_backbone=None, num_classes=91)
    path = tmp_path / "ssdlite.pth"
    torch.save(model.state_dict(), path)
    detector = load_detector("ssdlite320_mobilenet_v3_large", path, min_score=0.0)
    frames = [np.random.default_rng(1).integers(0, 255, (180, 320, 3), dtype=np.uint8)] * 2
    found = detector.detect(frames)
    assert len(found) == 2
    for detections in found:
        for d in detections:
            assert d.label in set(coco_labels().sound_labels.values())
            assert 0.0 <= d.box.x0 <= d.box.x1 <= 1.0


def test_a_file_that_is_not_the_model_is_refused(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "other.pth"
    torch.save({"weight": torch.zeros(3)}, path)
    with pytest.raises(DetectorUnavailable) as caught:
        load_detector("ssdlite320_mobilenet_v3_large", path)
    message = str(caught.value)
    assert "torchvision" in message or "does not hold" in message
