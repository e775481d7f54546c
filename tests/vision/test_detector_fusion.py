"""Detector boxes linked into tracks through camera motion, and fused with motion evidence."""

from __future__ import annotations

import numpy as np
import pytest

from foley_assistant.core.tracks import Box
from foley_assistant.vision.detector_tracks import DetectorTrack, LinkSettings, link_detections, without_loose
from foley_assistant.vision.fusion import fuse
from foley_assistant.vision.labels import UNKNOWN, coco_labels
from foley_assistant.vision.motion import Detection
from foley_assistant.vision.tracker import TrackedBoxes

W, H, FPS = 320, 180, 25.0


def _det(x0: float, y0: float, x1: float, y1: float, label: str, score: float = 0.8) -> Detection:
    return Detection(Box(x0, y0, x1, y1), fill=score, label=label, score=score)


def _pan(px_per_frame: float):
    """to_reference of a camera panning right: a frame's pixel x is x + px_per_frame * frame in the first frame."""

    def to_reference(frame: int) -> np.ndarray:
        return np.array([[1.0, 0.0, px_per_frame * frame], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])

    return to_reference


def _samples(stride: int, count: int, objects):
    """Detections every `stride` frames; `objects(frame)` gives the frame's detections."""
    return [(f, objects(f)) for f in range(0, stride * count, stride)]


def test_a_pan_moves_nothing_and_a_walker_travels():
    # The camera pans 2 px a frame: a parked car slides left in the picture, a walker keeps pace
    # with the camera (still in the picture) but travels in the world.
    def objects(frame):
        shift = 2.0 * frame / W
        return [_det(0.6 - shift, 0.5, 0.8 - shift, 0.7, "car"), _det(0.3, 0.3, 0.36, 0.7, "person")]

    tracks = link_detections(_samples(3, 20, objects), _pan(2.0), W, H, FPS)
    assert len(tracks) == 2
    car = next(t for t in tracks if t.classes[0] == "car")
    walker = next(t for t in tracks if t.classes[0] == "person")
    assert len(car.frames) == 20 and len(walker.frames) == 20
    car_reach = np.ptp(car.stabilized_centres(), axis=0).max()
    walker_reach = np.ptp(walker.stabilized_centres(), axis=0).max()
    assert car_reach < 1.0  # pixels: the pan is taken out
    assert walker_reach == pytest.approx(2.0 * 57, abs=1.0)


def test_two_people_crossing_keep_their_identities():
    def objects(frame):
        a = 0.1 + 0.012 * frame
        b = 0.8 - 0.012 * frame
        return [_det(a, 0.3, a + 0.08, 0.8, "person"), _det(b, 0.32, b + 0.08, 0.82, "person")]

    tracks = link_detections(_samples(3, 22, objects), _pan(0.0), W, H, FPS)
    assert len(tracks) == 2
    for track in tracks:
        xs = [b[0] for b in track.boxes]
        assert np.all(np.diff(xs) > 0) or np.all(np.diff(xs) < 0)  # never swapped at the crossing


def test_boxes_between_samples_are_interpolated_per_frame():
    tracks = link_detections([(0, [_det(0.1, 0.1, 0.2, 0.3, "car")]), (4, [_det(0.14, 0.1, 0.24, 0.3, "car")])], _pan(0.0), W, H, FPS)
    frames, boxes = tracks[0].per_frame()
    assert list(frames) == [0, 1, 2, 3, 4]
    assert boxes[2] == pytest.approx([0.12, 0.1, 0.22, 0.3])


def _motion_track(frames, box, fill=0.7) -> TrackedBoxes:
    frames = np.asarray(frames)
    return TrackedBoxes(frames, np.tile(np.asarray(box, float), (len(frames), 1)), np.ones(len(frames), bool), fill)


def test_moving_parts_inside_a_detected_person_make_one_mover():
    # A man at a desk scratches his neck: the detector sees the whole man, the motion detector his
    # arm, on most frames. One object, the person, a mover; the arm is not an object of its own.
    person = [(f, [_det(0.2, 0.2, 0.5, 0.9, "person", 0.7)]) for f in range(0, 60, 3)]
    tracks = link_detections(person, _pan(0.0), W, H, FPS)
    arm = _motion_track(range(0, 60), [0.35, 0.25, 0.45, 0.45])
    blobs = {f: np.array([[0.35, 0.25, 0.45, 0.45]]) for f in range(0, 60, 2)}
    objects = fuse(tracks, [arm], blobs, FPS, stride=3)
    assert len(objects) == 1
    (man,) = objects
    assert man.label == "person" and man.mover and man.source == "detector"
    assert man.boxes[0] == pytest.approx([0.2, 0.2, 0.5, 0.9])
    assert man.confidence > 0.5


def test_a_parked_car_is_a_candidate_without_a_stem():
    parked = [(f, [_det(0.6, 0.5, 0.8, 0.7, "car", 0.9)]) for f in range(0, 60, 3)]
    objects = fuse(link_detections(parked, _pan(0.0), W, H, FPS), [], {}, FPS, stride=3)
    assert len(objects) == 1 and objects[0].label == "car"
    assert not objects[0].mover and objects[0].confidence < 0.3
    assert "moving parts on 0%" in objects[0].evidence


def test_a_fast_pass_by_sampled_once_takes_its_motion_boxes_and_the_detector_name():
    # A car crosses the frame in 4 frames; the detector (every 3rd frame) sees it once.
    motion = TrackedBoxes(np.arange(102, 106), np.array([[x, 0.4, x + 0.3, 0.7] for x in (0.0, 0.25, 0.5, 0.7)]), np.ones(4, bool), 0.8)
    samples = [(102, []), (105, [_det(0.7, 0.4, 1.0, 0.7, "car", 0.75)])]
    objects = fuse(link_detections(samples, _pan(0.0), W, H, FPS), [motion], {}, FPS, stride=3)
    assert len(objects) == 1
    car = objects[0]
    assert car.label == "car" and car.mover
    assert list(car.frames) == [102, 103, 104, 105]


def test_motion_no_detector_saw_as_a_thing_is_a_candidate_ranked_by_its_strength():
    # On real pictures such motion is mostly scenery in a window, an effect, a reflection.
    long_solid = _motion_track(range(0, 50), [0.1, 0.1, 0.4, 0.6], fill=0.8)
    brief_faint = _motion_track(range(0, 12), [0.7, 0.1, 0.75, 0.2], fill=0.3)
    objects = fuse([], [long_solid, brief_faint], {}, FPS)
    assert [o.label for o in objects] == [UNKNOWN, UNKNOWN]
    assert [o.mover for o in objects] == [False, False]
    assert objects[0].confidence > 0.5 > objects[1].confidence
    assert "a candidate" in objects[0].evidence


def test_a_weak_brief_vehicle_in_a_shaky_close_up_is_no_pass_by():
    # Two weak looks at a "bus" that does not travel: a detector's fancy, not a car passing.
    samples = [(0, [_det(0.3, 0.6, 0.5, 0.9, "bus", 0.35)]), (3, [_det(0.31, 0.6, 0.5, 0.9, "bus", 0.3)])]
    blobs = {f: np.array([[0.3, 0.6, 0.5, 0.9]]) for f in range(4)}
    (bus,) = fuse(link_detections(samples, _pan(0.0), W, H, FPS), [], blobs, FPS, stride=3, frame_height=H)
    assert not bus.mover


def test_motion_on_a_thing_that_makes_no_sound_is_not_a_mover():
    # A bollard that "moves" with a pan the homography does not model: the detector calls it a
    # fire hydrant, and that class makes no sound.
    hydrant = [(f, [_det(0.45, 0.5, 0.5, 0.7, "fire hydrant", 0.6)]) for f in range(0, 45, 3)]
    blobs = {f: np.array([[0.45, 0.5, 0.5, 0.7]]) for f in range(45)}
    objects = fuse(link_detections(hydrant, _pan(0.0), W, H, FPS), [_motion_track(range(45), [0.45, 0.5, 0.5, 0.7])], blobs, FPS)
    assert len(objects) == 1
    assert objects[0].label == UNKNOWN and not objects[0].mover


def test_a_loose_box_around_two_people_is_neither():
    def objects(frame):
        return [_det(0.1, 0.2, 0.3, 0.9, "person", 0.7), _det(0.5, 0.2, 0.7, 0.9, "person", 0.7), _det(0.05, 0.1, 0.75, 0.95, "person", 0.5)]

    tracks = link_detections(_samples(3, 10, objects), _pan(0.0), W, H, FPS)
    assert sorted(round(t.boxes[0][0], 2) for t in tracks) == [0.1, 0.5]


def test_two_boxes_a_detector_gave_one_thing_become_one_track():
    def objects(frame):
        jitter = 0.01 * (frame % 2)
        return [_det(0.2, 0.2, 0.4, 0.9, "person", 0.6), _det(0.21 + jitter, 0.22, 0.41, 0.88, "person", 0.4)]

    tracks = link_detections(_samples(3, 10, objects), _pan(0.0), W, H, FPS)
    assert len(tracks) == 1
    assert len(tracks[0].votes()) == 20  # both boxes still count in the vote


def test_a_thing_no_class_names_that_moves_on_most_frames_is_an_unknown_mover():
    # A robot's head, called a car or a bus, weakly, on 3 of 7 looks, moving against the background.
    samples = [(f, [_det(0.2, 0.1, 0.9, 0.95, "bus" if f == 18 else "car", 0.35)] if f in (0, 9, 18) else []) for f in range(0, 21, 3)]
    blobs = {f: np.array([[0.4, 0.3, 0.6, 0.6]]) for f in range(21)}
    (robot,) = fuse(link_detections(samples, _pan(0.0), W, H, FPS), [], blobs, FPS, stride=3)
    assert robot.label == UNKNOWN and robot.mover
    assert "too seldom" in robot.evidence


def test_a_new_moving_thing_makes_the_detector_look_around_it():
    from foley_assistant.vision.analyze import _new_mover

    car = _det(0.1, 0.4, 0.4, 0.7, "car", 0.6)
    blob = [_det(0.12, 0.42, 0.38, 0.68, "", 1.0)]
    assert _new_mover(car, [], blob)
    assert not _new_mover(car, [_det(0.12, 0.4, 0.42, 0.7, "truck", 0.5)], blob)  # seen at the last sample
    assert not _new_mover(car, [], [])  # not moving
    assert not _new_mover(_det(0.1, 0.4, 0.4, 0.7, "car", 0.2), [], blob)  # too unsure
    assert not _new_mover(_det(0.1, 0.4, 0.4, 0.7, "bottle", 0.9), [], blob)  # no sounding group


def test_detector_tracks_along_one_motion_track_are_one_object():
    # The detector loses a ball for a few samples while it bounces; the motion tracker does not.
    motion = TrackedBoxes(np.arange(0, 60), np.array([[0.1 + 0.01 * f, 0.5, 0.16 + 0.01 * f, 0.6] for f in range(60)]), np.ones(60, bool), 0.8)
    samples = [(f, [_det(0.1 + 0.01 * f, 0.5, 0.16 + 0.01 * f, 0.6, "sports ball", 0.6)] if f < 15 or f > 40 else []) for f in range(0, 60, 3)]
    tracks = link_detections(samples, _pan(0.0), W, H, FPS, settings=LinkSettings(max_gap_s=0.4))
    assert len(tracks) == 2  # the detector alone: two pieces
    objects = fuse(tracks, [motion], {}, FPS, stride=3)
    assert len(objects) == 1 and objects[0].label == "ball"
    assert (objects[0].frames[0], objects[0].frames[-1]) == (0, 59)


def test_a_short_box_around_a_walker_and_the_car_passing_him_is_neither():
    from foley_assistant.vision.detector_tracks import DetectorTrack, without_covered

    def track(boxes: dict[int, tuple[float, float, float, float]], label: str) -> DetectorTrack:
        made = DetectorTrack()
        for frame, box in boxes.items():
            made.add(frame, np.array(box), np.array(box) * [W, H, W, H], _det(*box, label, 0.6), 0.5)
        return made

    walker = track({f: (0.15, 0.47, 0.21, 0.77) for f in range(0, 40, 2)}, "person")
    car = track({f: (0.40 - 0.01 * f, 0.52, 0.65 - 0.01 * f, 0.67) for f in range(0, 40, 2)}, "car")
    both = track({f: (0.13, 0.47, 0.46 - 0.01 * f, 0.76) for f in (20, 21, 22, 23)}, "person")
    kept = without_covered([walker, car, both], max_samples=8, share=0.7)
    assert len(kept) == 2 and both not in kept
    assert len(walker.votes()) + len(car.votes()) == 44  # its four looks still vote
    alone = track({f: (0.7, 0.1, 0.8, 0.3) for f in (20, 21, 22, 23)}, "person")
    assert alone in without_covered([walker, car, alone], max_samples=8, share=0.7)


def test_a_seat_with_scenery_moving_behind_it_is_not_a_mover_but_a_thrown_ball_is():
    # Motion inside a chair's box is the window behind it; a ball sounds when it moves as a whole.
    seat = [(f, [_det(0.6, 0.6, 0.95, 0.98, "chair", 0.5)]) for f in range(0, 60, 3)]
    blobs = {f: np.array([[0.7, 0.62, 0.9, 0.8]]) for f in range(60)}
    (chair,) = fuse(link_detections(seat, _pan(0.0), W, H, FPS), [], blobs, FPS, stride=3, frame_height=H)
    assert chair.label == "chair" and not chair.mover
    thrown = [(f, [_det(0.1 + 0.01 * f, 0.4, 0.16 + 0.01 * f, 0.5, "sports ball", 0.6)]) for f in range(0, 60, 3)]
    ball_blobs = {f: np.array([[0.1 + 0.01 * f, 0.4, 0.16 + 0.01 * f, 0.5]]) for f in range(60)}
    (ball,) = fuse(link_detections(thrown, _pan(0.0), W, H, FPS), [], ball_blobs, FPS, stride=3, frame_height=H)
    assert ball.label == "ball" and ball.mover


def test_a_passing_person_box_does_not_jump_onto_a_small_animal_three_times_smaller():
    # A tall "person" box sweeps right to left across the frame (a passing car misnamed), then
    # the only box near where it is heading is a dog a third its height: not the same thing.
    samples = [
        (0, [_det(0.80, 0.10, 0.98, 0.95, "person", 0.35)]),
        (3, [_det(0.60, 0.10, 0.90, 0.95, "person", 0.35)]),
        (5, [_det(0.35, 0.55, 0.48, 0.83, "dog", 0.55)]),
        (8, [_det(0.35, 0.55, 0.48, 0.83, "dog", 0.55)]),
    ]
    tracks = link_detections(samples, _pan(0.0), W, H, FPS)
    assert sorted((t.frames[0], t.frames[-1], t.main_class()) for t in tracks) == [(0, 3, "person"), (5, 8, "dog")]


def test_a_car_passing_close_to_the_camera_may_change_size_fast():
    # A vehicle's box may halve in a frame as it passes the lens and drives off: still one car.
    samples = [(0, [_det(0.0, 0.0, 0.8, 0.95, "car", 0.4)]), (1, [_det(0.15, 0.0, 1.0, 0.75, "car", 0.4)]), (2, [_det(0.75, 0.15, 1.0, 0.6, "car", 0.6)])]
    tracks = link_detections(samples, _pan(0.0), W, H, FPS)
    assert [t.frames for t in tracks] == [[0, 1, 2]]


def _track(looks) -> DetectorTrack:
    """A detector track from (frame, box, class) looks, with image and stabilized boxes alike."""
    track = DetectorTrack()
    for frame, box, label in looks:
        track.add(frame, np.array(box), np.array(box) * [W, H, W, H], _det(*box, label, 0.5), 0.5)
    return track


def test_a_wandering_box_around_a_seated_man_and_his_neighbour_is_no_object():
    # The seated man, seen on 20 looks; a second "person" track of 5 looks now spans him and his
    # neighbour, now a strip of his shoulder: its votes go to him, it is no track.
    man = _track([(f, [0.60, 0.0, 0.95, 1.0], "person") for f in range(0, 60, 3)])
    wide, strip = [0.05, 0.0, 0.97, 1.0], [0.72, 0.2, 0.86, 0.6]
    loose = _track([(f, box, "person") for f, box in zip(range(6, 60, 12), [wide, strip, wide, wide, strip])])
    kept = without_loose([man, loose], coco_labels())
    assert kept == [man]
    assert len(man.votes()) == 25
    # The same box of a steady size (a passer-by's) is an object of its own.
    steady = _track([(f, wide, "person") for f in range(6, 60, 12)])
    assert len(without_loose([_track([(f, [0.60, 0.0, 0.95, 1.0], "person") for f in range(0, 60, 3)]), steady], coco_labels())) == 2


def test_someone_passing_in_front_of_a_tracked_person_stays_a_track():
    # A nearer walker (a steady size) crosses in front of a farther person: two tracks.
    def objects(frame):
        found = [_det(0.45, 0.30, 0.55, 0.70, "person", 0.7)]
        if 12 <= frame <= 36:
            x = 0.2 + 0.02 * (frame - 12)
            found.append(_det(x, 0.1, x + 0.4, 1.0, "person", 0.6))
        return found

    tracks = link_detections(_samples(3, 20, objects), _pan(0.0), W, H, FPS)
    assert len(tracks) == 2


def _boxed_track(frames, box_at, label: str, score: float) -> DetectorTrack:
    """A detector track with its boxes on `frames` (no camera motion: stabilized = pixels)."""
    boxes = [np.array(box_at(f)) for f in frames]
    return DetectorTrack(list(frames), boxes, [b * [W, H, W, H] for b in boxes], [label] * len(frames), [score] * len(frames))


def test_one_car_boxed_twice_is_one_object_but_a_dog_before_a_bus_is_two():
    # The detector boxed one passing car as a truck and, a little tighter, as an airplane, and the
    # two were linked into two tracks: the shorter, inside the mover's box, is the same thing.
    def car(f):
        x = 0.05 + 0.02 * f
        return (x, 0.5, x + 0.25, 0.7)

    def tighter(f):
        x0, y0, x1, y1 = car(f)
        return (x0 + 0.01, y0 + 0.01, x1 - 0.02, y1)

    frames = range(0, 30, 3)
    blobs = {f: np.array([car(f)]) for f in range(28)}  # it moves against the background
    objects = fuse([_boxed_track(frames, car, "truck", 0.7), _boxed_track(frames[:6], tighter, "airplane", 0.6)], [], blobs, FPS, stride=3, frame_height=H)
    assert [(o.label, o.mover, len(o.frames)) for o in objects] == [("truck", True, 28)]
    # A dog trotting before a passing bus lies inside its box too, but it is another thing.
    dog = _boxed_track(frames[:6], lambda f: (car(f)[0] + 0.05, 0.6, car(f)[0] + 0.1, 0.7), "dog", 0.7)
    objects = fuse([_boxed_track(frames, car, "bus", 0.7), dog], [], blobs, FPS, stride=3, frame_height=H)
    assert sorted(o.label for o in objects) == ["bus", "dog"]


def test_an_animal_boxed_whole_then_by_its_body_is_one_track_but_two_walkers_side_by_side_are_two():
    # A llama walks slowly: boxed whole (a "giraffe") from frame 0, then by its body (a "dog")
    # from frame 42 while the first box is still on it; at frame 60 the first box slides onto a
    # car passing in front, and ends. One object, from the first frame to the last.
    def whole(f):
        x = 0.30 + 0.001 * f
        return (x, 0.25, x + 0.18, 0.78) if f < 60 else (0.70, 0.45, 0.85, 0.85)

    def body(f):
        x = 0.30 + 0.001 * f
        return (x, 0.36, x + 0.16, 0.76)

    blobs = {f: np.array([body(f)]) for f in range(120)}
    giraffe = _boxed_track(list(range(0, 60, 3)) + [61], whole, "giraffe", 0.4)
    dog = _boxed_track(range(42, 120, 3), body, "dog", 0.4)
    (llama,) = fuse([giraffe, dog], [], blobs, FPS, stride=3, frame_height=H)
    assert llama.label == "animal" and int(llama.frames[0]) == 0 and int(llama.frames[-1]) == 117
    assert np.all(llama.boxes[:, 2] < 0.7)  # never on the car
    # Two people walking side by side, one joining the other and staying after: two objects.
    left = _boxed_track(range(0, 60, 3), lambda f: (0.30, 0.3, 0.36, 0.8), "person", 0.7)
    right = _boxed_track(range(30, 120, 3), lambda f: (0.35, 0.3, 0.41, 0.8), "person", 0.7)
    assert len(fuse([left, right], [], {}, FPS, stride=3, frame_height=H)) == 2
