"""User ONNX detectors: each export layout found from its shapes, read, and its boxes mapped back
through the letterbox or stretch to the exact frame pixels they stand for.

The models are tiny real ONNX files (tests/vision/onnx_models.py) whose outputs are fixed tensors
laid out as each export family lays them out; the expected frame boxes are worked out by hand in
each test from the letterbox the family uses.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from onnx import TensorProto

from foley_assistant.vision.perception import onnx_layouts, shipped
from foley_assistant.vision.perception.onnx_detectors import model_picture, open_detector
from foley_assistant.vision.perception.shipped import ModelUnavailable
from tests.vision.onnx_models import CAR, CLASSES, PERSON, grid, objectness_rows, scores, write_model, yolov8

FRAME_W, FRAME_H = 1280, 720
FRAME = np.full((FRAME_H, FRAME_W, 3), 90, np.uint8)
# A car and a person in frame pixels, and where a centred 640 letterbox puts them: scale 0.5, the
# 640x360 picture 140 rows down.
CAR_FRAME = (200, 300, 600, 500)
PERSON_FRAME = (900, 100, 1000, 700)
CAR_CENTRED = (100, 290, 300, 390)
PERSON_CENTRED = (450, 190, 500, 490)


def detector(path, wanted="auto", input_size=640):
    return open_detector(path, "test", "0" * 64, wanted, input_size)


def found(det, frame=FRAME):
    """(label, box in frame pixels, score) of each detection."""
    height, width = frame.shape[:2]
    return [(d.label, (d.box.x0 * width, d.box.y0 * height, d.box.x1 * width, d.box.y1 * height), d.score) for d in det.detect([frame])[0]]


def assert_found(actual, expected, atol=1e-3):
    assert [a[0] for a in actual] == [e[0] for e in expected]
    for (_, box, score), (_, want_box, want_score) in zip(actual, expected):
        np.testing.assert_allclose(box, want_box, atol=atol)
        assert score == pytest.approx(want_score, abs=1e-5)


def test_yolov8_boxes_come_back_through_the_centred_letterbox(tmp_path):
    duplicate = (104, 292, 304, 392)  # the same car from the next anchor: NMS keeps the better
    out = yolov8([(CAR_CENTRED, CAR, 0.9), (duplicate, CAR, 0.8), (PERSON_CENTRED, PERSON, 0.7), ((10, 150, 60, 200), 16, 0.2)])
    det = detector(write_model(tmp_path / "v8.onnx", {"output0": out}))
    assert det.layout.format == "yolov8" and det.layout.fixed and (det.layout.height, det.layout.width) == (640, 640)
    assert det.record.format == "yolov8" and det.record.name == "test"
    assert_found(found(det), [("car", CAR_FRAME, 0.9), ("person", PERSON_FRAME, 0.7)])


def test_yolov8_with_a_dynamic_input_runs_on_the_tightest_multiple_of_32(tmp_path):
    """A 16:9 frame at 640 wide is 360 high, padded to 384: the picture starts 12 rows down."""
    out = yolov8([((100, 162, 300, 262), CAR, 0.9)])
    det = detector(write_model(tmp_path / "dyn.onnx", {"output0": out}, input_shape=("n", 3, "h", "w")))
    assert det.layout.format == "yolov8" and not det.layout.fixed
    tensor, placement = model_picture(FRAME, det.layout)
    assert tensor.shape == (1, 3, 384, 640) and (placement.left, placement.top) == (0, 12)
    assert_found(found(det), [("car", CAR_FRAME, 0.9)])


def test_yolov5_scores_are_objectness_times_class(tmp_path):
    cells = grid(640, 640, (8, 16, 32)) * 3  # three anchors per cell
    out = objectness_rows(cells, {10: (CAR_CENTRED, CAR, 0.9, 0.8), 11: (PERSON_CENTRED, PERSON, 0.5, 0.5)})
    det = detector(write_model(tmp_path / "v5.onnx", {"output": out}))
    assert det.layout.format == "yolov5"
    # the person's class score is 0.5 but its objectness halves it: under the minimum of 0.3
    assert_found(found(det), [("car", CAR_FRAME, 0.72)])


def test_yolox_decoded_export_is_told_from_its_box_centres_and_letterboxed_top_left(tmp_path):
    """Top-left letterbox: scale 0.5, no offset, so the car is at half its frame pixels."""
    out = objectness_rows(grid(640, 640, (8, 16, 32)), {5000: ((100, 150, 300, 250), CAR, 0.95, 0.9)})
    det = detector(write_model(tmp_path / "yolox.onnx", {"output": out}))
    assert det.layout.format == "yolox"
    assert_found(found(det), [("car", CAR_FRAME, 0.855)])


def test_yolox_raw_head_is_decoded_on_its_grid(tmp_path):
    """Raw YOLOX rows are offsets from the cell's corner and log sizes, in strides: the car's
    centre (200, 200) in the stride-16 cell at row 10, column 12 is offset (0.5, 2.5); its
    200 x 100 size is (ln 12.5, ln 6.25)."""
    out = np.zeros((1, 8400, 5 + CLASSES), np.float32)
    out[0, :, 5:] = 0.01
    row = 80 * 80 + 10 * 40 + 12
    out[0, row, :5] = [0.5, 2.5, math.log(12.5), math.log(6.25), 0.95]
    out[0, row, 5:] = scores(CAR, 0.9)
    path = write_model(tmp_path / "yolox_raw.onnx", {"output": out})
    det = detector(path)
    assert det.layout.format == "yolox-raw"
    assert_found(found(det), [("car", CAR_FRAME, 0.855)])
    assert detector(path, "yolox").layout.format == "yolox"  # the user may say which it is


def test_end_to_end_yolo_output_is_a_final_set(tmp_path):
    """YOLOv10-style [1, 300, 6] rows x0, y0, x1, y1, score, class: no NMS (the model did it),
    so two overlapping cars both stay; empty rows score 0."""
    out = np.zeros((1, 300, 6), np.float32)
    out[0, 0] = [*CAR_CENTRED, 0.9, CAR]
    out[0, 1] = [*PERSON_CENTRED, 0.7, PERSON]
    out[0, 2] = [104, 292, 304, 392, 0.8, CAR]
    det = detector(write_model(tmp_path / "v10.onnx", {"output0": out}))
    assert det.layout.format == "yolo-nms"
    assert_found(found(det), [("car", CAR_FRAME, 0.9), ("car", (208, 304, 608, 504), 0.8), ("person", PERSON_FRAME, 0.7)])


def test_rtdetr_boxes_are_fractions_of_the_stretched_picture(tmp_path):
    out = np.zeros((1, 300, 4 + CLASSES), np.float32)
    out[0, :, :4] = [0.5, 0.5, 0.01, 0.01]
    out[0, :, 4:] = 0.01
    out[0, 7, :4] = [0.375, 0.625, 0.25, 0.25]
    out[0, 7, 4:] = scores(CAR, 0.9)
    det = detector(write_model(tmp_path / "rtdetr.onnx", {"output0": out}))
    assert det.layout.format == "rtdetr"
    tensor, placement = model_picture(FRAME, det.layout)
    assert tensor.shape == (1, 3, 640, 640) and (placement.scale_x, placement.scale_y) == (0.5, 640 / 720)
    assert_found(found(det), [("car", (320, 360, 640, 540), 0.9)])


def test_nanodet_plus_distributions_from_cell_corners_on_four_grids(tmp_path):
    """416 x 416, strides 8-64 (52, 26, 13 and 7 cells a side): 3598 rows of 80 scores + 4 x 8
    bins. The stride-16 cell at row 5, column 7 has its point at (112, 80); bins (2, 3, 4, 1)
    put the sides 32, 48, 64, 16 px away: (80, 32, 176, 96). A 1664 x 832 frame is stretched by
    0.25 across and 0.5 down."""
    out = np.zeros((1, 3598, CLASSES + 32), np.float32)
    out[0, :, :CLASSES] = 0.01
    row = 52 * 52 + 5 * 26 + 7
    out[0, row, :CLASSES] = scores(CAR, 0.9)
    logits = np.full((4, 8), -30.0, np.float32)
    logits[np.arange(4), [2, 3, 4, 1]] = 30.0
    out[0, row, CLASSES:] = logits.reshape(32)
    det = detector(write_model(tmp_path / "nanodet_plus.onnx", {"output": out}, input_shape=(1, 3, 416, 416)))
    assert det.layout.format == "nanodet-plus" and det.layout.bins == 8
    frame = np.full((832, 1664, 3), 90, np.uint8)
    assert_found(found(det, frame), [("car", (320, 64, 704, 192), 0.9)])


def _layout(fmt: str, height: int = 640, width: int = 640) -> onnx_layouts.ModelLayout:
    return onnx_layouts.ModelLayout(fmt, "images", height, width, True, np.float32, "output")


def test_pictures_are_fed_as_each_family_wants():
    """RGB (200, 100, 50) frame: ultralytics gets RGB / 255 centred on grey 114; YOLOX BGR 0..255
    at the top-left; RT-DETR the whole input; NanoDet-Plus BGR normalised by its mean and std."""
    frame = np.empty((FRAME_H, FRAME_W, 3), np.uint8)
    frame[:] = (200, 100, 50)
    rgb, grey = np.array([200, 100, 50]) / 255, np.full(3, 114 / 255)
    tensor, _ = model_picture(frame, _layout("yolov8"))
    for row, expected in ((139, grey), (140, rgb), (499, rgb), (500, grey)):
        np.testing.assert_allclose(tensor[0, :, row, 320], expected, atol=1e-6)
    tensor, placement = model_picture(frame, _layout("yolox"))
    assert (placement.left, placement.top, placement.scale) == (0, 0, 0.5)
    np.testing.assert_array_equal(tensor[0, :, 0, 0], [50, 100, 200])
    np.testing.assert_array_equal(tensor[0, :, 359, 639], [50, 100, 200])
    np.testing.assert_array_equal(tensor[0, :, 360, 0], [114, 114, 114])
    tensor, _ = model_picture(frame, _layout("rtdetr"))
    np.testing.assert_allclose(tensor[0, :, [0, 639], [0, 639]].T, np.stack([rgb, rgb], axis=1), atol=1e-6)
    tensor, _ = model_picture(frame, _layout("nanodet-plus", 416, 416))
    expected = (np.array([50, 100, 200]) - [103.53, 116.28, 123.675]) / [57.375, 57.12, 58.395]
    np.testing.assert_allclose(tensor[0, :, 200, 200], expected, atol=1e-5)
    tensor, _ = model_picture(frame, onnx_layouts.ModelLayout("yolov8", "images", 640, 640, True, np.float16, "output"))
    assert tensor.dtype == np.float16  # a half-precision export gets half-precision pixels


def _identify(path, wanted="auto"):
    return onnx_layouts.identify(shipped.open_session(path), wanted)


@pytest.mark.parametrize(
    "outputs, input_shape, inputs, elem, message",
    [
        ({"out": np.zeros((1, 10, 7))}, (1, 3, 640, 640), ("images",), TensorProto.FLOAT, r"outputs \(out \[1, 10, 7\] on a 640x640 input\) are not a supported detector export"),
        ({"out": np.zeros((1, 95, 8400))}, (1, 3, 640, 640), ("images",), TensorProto.FLOAT, "80-class COCO detectors"),
        ({"out": yolov8([])}, (1, 3, 640, 640), ("images", "orig_target_sizes"), TensorProto.FLOAT, "has 2 inputs"),
        ({"out": yolov8([])}, (1, 640, 640, 3), ("images",), TensorProto.FLOAT, r"expected an NCHW image"),
        ({"out": yolov8([])}, (1, 3, 640, 640), ("images",), TensorProto.UINT8, "expected float32 or float16 pixels"),
    ],
)
def test_models_of_no_supported_layout_are_refused_with_their_shapes(tmp_path, outputs, input_shape, inputs, elem, message):
    path = write_model(tmp_path / "odd.onnx", outputs, input_shape, inputs, elem)
    with pytest.raises(ModelUnavailable, match=message):
        _identify(path)


def test_a_format_given_must_fit_the_shapes(tmp_path):
    path = write_model(tmp_path / "v8.onnx", {"output0": yolov8([])})
    assert _identify(path, "yolov8").format == "yolov8"
    with pytest.raises(ModelUnavailable, match="not laid out as rtdetr"):
        _identify(path, "rtdetr")
    with pytest.raises(ModelUnavailable, match="unknown detector format 'yolo9000'"):
        _identify(path, "yolo9000")


def test_min_score_is_checked():
    from foley_assistant.vision.perception.onnx_detectors import OnnxDetector

    with pytest.raises(ValueError, match="min_score"):
        OnnxDetector(None, _layout("yolov8"), ["x"] * 80, None, min_score=0.0)
