"""Pass-bys: a thing that sweeps across the lens in a few frames is one object, named by the
detector's looks on it, and nothing else (a flicker, a whip pan, a long cover) is."""

from __future__ import annotations

import cv2
import numpy as np

from foley_assistant.core.tracks import Box
from foley_assistant.vision.analyze import AnalysisSettings, analyze_frames
from foley_assistant.vision.detector_tracks import DetectorTrack
from foley_assistant.vision.motion import Detection
from foley_assistant.vision.pass_by import PassBy, PassByFinder, claim_pass_bys

W, H, FPS = 320, 180, 24.0


def _background(seed: int = 3) -> np.ndarray:
    """A textured, static scene (something a camera tracker can follow)."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 255, (H // 6, W // 6, 3), dtype=np.uint8)
    return cv2.resize(noise, (W, H), interpolation=cv2.INTER_CUBIC)


def _covered(frame: np.ndarray, x0: float, x1: float) -> np.ndarray:
    """The frame with a smooth dark shape over columns [x0, x1) of its width, most of its height."""
    out = frame.copy()
    a, b = int(x0 * W), int(x1 * W)
    out[int(0.05 * H) : H, a:b] = (40, 45, 60)
    return out


#: Where the passing shape is, per frame: entering at the right edge, filling the picture, leaving left.
SWEEP = {20: (0.8, 1.0), 21: (0.0, 1.0), 22: (0.0, 0.45)}


def _pass_by_clip(sweep: dict[int, tuple[float, float]] = SWEEP, frames: int = 48) -> list[tuple[int, np.ndarray]]:
    scene = _background()
    return [(i, _covered(scene, *sweep[i]) if i in sweep else scene.copy()) for i in range(frames)]


def _feed(clip: list[tuple[int, np.ndarray]], broken: set[int]) -> PassByFinder:
    finder = PassByFinder(FPS)
    for index, image in clip:
        finder.observe(index, image, index in broken)
    return finder


def test_a_shape_sweeping_across_the_lens_is_one_pass_by_whose_box_travels_right_to_left():
    finder = _feed(_pass_by_clip(), broken={21, 22})
    assert len(finder.found) == 1
    passing = finder.found[0]
    assert passing.frames.tolist() == [20, 21, 22]
    centres = (passing.boxes[:, 0] + passing.boxes[:, 2]) / 2
    assert centres[0] > 0.85 and centres[-1] < 0.3  # enters on the right, leaves on the left
    assert np.all(np.diff(centres) < 0)
    assert passing.boxes[1, 2] - passing.boxes[1, 0] > 0.95  # it filled the picture


def test_a_flicker_a_long_cover_and_a_whip_pan_are_no_pass_by():
    scene = _background()
    flicker = [(i, np.clip(scene.astype(int) + (90 if i in (20, 21) else 0), 0, 255).astype(np.uint8)) for i in range(40)]
    assert _feed(flicker, broken={20, 21, 22}).found == []  # lights everything, travels nowhere
    long_cover = {i: (0.0, 1.0) for i in range(20, 40)} | {19: (0.7, 1.0)}
    assert _feed(_pass_by_clip(long_cover, 60), broken=set(range(20, 41))).found == []  # covered for 0.8 s: tracked as a thing
    elsewhere = _background(seed=9)
    pan = [(i, scene.copy() if i < 20 else elsewhere.copy()) for i in range(40)]
    assert _feed(pan, broken={20, 21}).found == []  # the picture after is another picture (a whip pan)


def _det(box: tuple[float, float, float, float], label: str, score: float) -> Detection:
    return Detection(Box(*box), fill=score, label=label, score=score)


def test_a_pass_by_takes_the_looks_on_it_and_leaves_the_object_it_passes_in_front_of():
    passing = PassBy(np.array([20, 21, 22]), np.array([[0.8, 0.05, 1.0, 1.0], [0.0, 0.05, 1.0, 1.0], [0.0, 0.05, 0.45, 1.0]]))
    llama_box = (0.3, 0.3, 0.5, 0.8)
    samples = [
        (18, [_det(llama_box, "dog", 0.5)]),
        (20, [_det((0.82, 0.1, 1.0, 0.95), "truck", 0.4), _det(llama_box, "dog", 0.5), _det((0.31, 0.3, 0.5, 0.8), "person", 0.35)]),
        (21, [_det((0.0, 0.0, 1.0, 1.0), "person", 0.35)]),
        (22, [_det((0.0, 0.1, 0.44, 1.0), "car", 0.45), _det(llama_box, "dog", 0.5)]),
        (24, [_det(llama_box, "dog", 0.5)]),
        (27, [_det(llama_box, "dog", 0.5)]),
    ]
    llama = DetectorTrack()
    for frame in (18, 20, 22, 24, 27):
        llama.add(frame, np.array(llama_box), np.array(llama_box) * 100, _det(llama_box, "dog", 0.5), 0.5)
    made, remaining = claim_pass_bys([passing], samples, [llama])
    assert len(made) == 1
    assert sorted(made[0].looks) == [("car", 0.45), ("person", 0.35), ("truck", 0.4)]
    assert made[0].vote.label == "car"  # vehicles hold 73 % of the evidence
    fused = made[0].as_fused()
    assert fused.mover and fused.frames.tolist() == [20, 21, 22] and fused.confidence == 0.45
    unnamed, _ = claim_pass_bys([passing], [(21, [_det((0.0, 0.0, 1.0, 1.0), "dining table", 0.5)])], [])
    assert not unnamed[0].looks and not unnamed[0].as_fused().mover  # nothing that sounds was seen on it
    left = {frame: [d.label for d in found] for frame, found in remaining}
    assert left == {18: ["dog"], 20: ["dog", "person"], 21: [], 22: ["dog"], 24: ["dog"], 27: ["dog"]}


def test_analysis_finds_the_pass_by_through_the_camera_motion_it_breaks():
    """The whole path: the camera tracker loses the covered frames, the finder sees the picture
    return, and the sub-shot gets one object on the sweep; with no detector to name anything on
    it, an unnamed candidate the editor can accept, not a stem."""
    clip = _pass_by_clip()
    parts = analyze_frames(clip, FPS, W, H, AnalysisSettings(detector="none"), None)
    assert len(parts) == 1  # a pass-by is not a cut
    passing = [o for o in parts[0].objects if "passes close to the lens" in o.evidence]
    assert len(passing) == 1
    assert not passing[0].mover and passing[0].label == "unknown"
    frames = [f.frame for f in passing[0].frames]
    assert frames[0] == 20 and frames[-1] >= 22
    assert passing[0].frames[0].box.x0 > 0.75 and passing[0].frames[-1].box.x1 < 0.6
