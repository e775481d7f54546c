"""Shot boundaries inside one file: hard cuts and dissolves between synthetic shots, no false
boundaries from a pan or a lighting change, and tracks that never cross a boundary."""

from __future__ import annotations

import numpy as np

from foley_assistant.core.timebase import FrameRate
from foley_assistant.synth import render_scene, street_scene, walker_scene
from foley_assistant.vision.analyze import analyze_frames
from foley_assistant.vision.cuts import find_transitions, sub_shots, thumbnail

RATE = FrameRate(25)
SIZE = {"width": 320, "height": 180}


def frames_of(spec) -> list[np.ndarray]:
    return list(render_scene(spec)[0])


def dissolve(a: list[np.ndarray], b: list[np.ndarray], length: int) -> list[np.ndarray]:
    """The end of `a` blended into the start of `b` over `length` frames (a linear cross-fade)."""
    blend = [np.clip((1 - (k + 1) / (length + 1)) * a[len(a) - length + k].astype(np.float32) + (k + 1) / (length + 1) * b[k].astype(np.float32) + 0.5, 0, 255).astype(np.uint8) for k in range(length)]
    return a[: len(a) - length] + blend + b[length:]


def test_hard_cuts_between_similar_shots_and_no_boundary_in_a_pan():
    first = frames_of(walker_scene(1, duration_s=2.0, pan_deg_per_s=8.0, **SIZE))
    second = frames_of(street_scene(2, duration_s=2.0, lighting_drift=0.15, **SIZE))
    third = frames_of(walker_scene(3, duration_s=2.0, **SIZE))
    found = find_transitions([thumbnail(f) for f in first + second + third], 25.0)
    assert [(t.kind, t.start) for t in found] == [("cut", 50), ("cut", 100)]


def test_dissolve_found_with_its_extent():
    a = frames_of(street_scene(4, duration_s=3.0, **SIZE))
    b = frames_of(walker_scene(5, duration_s=3.0, pan_deg_per_s=4.0, **SIZE))
    joined = dissolve(a, b, 20)  # blend frames 55..74
    found = find_transitions([thumbnail(f) for f in joined], 25.0)
    assert len(found) == 1 and found[0].kind == "dissolve"
    assert abs(found[0].start - 55) <= 3 and abs(found[0].end - 75) <= 3
    shots = sub_shots(found, 0, len(joined))
    assert [(s.start, s.end) for s in shots] == [(0, found[0].split), (found[0].split, len(joined))]
    assert shots[0].clean_end == found[0].start and shots[1].clean_start == found[0].end


def test_a_flash_is_not_a_cut():
    frames = frames_of(walker_scene(6, duration_s=2.0, **SIZE))
    frames[30] = np.full_like(frames[30], 250)
    assert find_transitions([thumbnail(f) for f in frames], 25.0) == []


def test_tracks_never_cross_a_cut():
    # The walker of the first shot leaves frame right at the cut; the second shot's walker enters
    # where the first one was: one continuous track would be the wrong answer.
    first = walker_scene(7, duration_s=2.0, speed_m_s=1.4, direction=1, **SIZE)
    second = walker_scene(8, duration_s=2.0, speed_m_s=1.4, direction=1, **SIZE)
    frames = frames_of(first) + frames_of(second)
    parts = analyze_frames(enumerate(frames), RATE, 320, 180)
    assert [(p.sub_shot.start, p.sub_shot.end, p.sub_shot.transition_in) for p in parts] == [(0, 50, "start"), (50, 100, "cut")]
    for part in parts:
        assert len(part.objects) == 1
        obj = part.objects[0]
        assert part.sub_shot.start <= obj.first_frame and obj.last_frame < part.sub_shot.end


def test_a_slow_tilt_is_not_a_dissolve():
    # At thumbnail size a tilt of a degree or so moves the horizon by about a pixel, which looks
    # exactly like a cross-fade; the camera-move check must see that it is a move.
    from foley_assistant.synth.footage import CameraMove, moved_scene
    from foley_assistant.vision.cuts import CutSettings

    frames, _ = moved_scene(walker_scene(1, duration_s=4.0, **SIZE), CameraMove(zoom_start=1.3, tilt_start_deg=-3.0, tilt_deg_per_s=1.0))
    thumbs = [thumbnail(f) for f in frames]
    assert find_transitions(thumbs, 25.0) == []
    # without the check the same frames hold false dissolves (so this scene does test it)
    unchecked = find_transitions(thumbs, 25.0, CutSettings(camera_move_residual=0.0))
    assert unchecked and all(t.kind == "dissolve" for t in unchecked)
