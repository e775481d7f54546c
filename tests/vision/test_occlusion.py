"""Occlusions and crossings on small rendered scenes: one track per object through a post, through
a pass behind another object and out of the picture, identities never swapped."""

from __future__ import annotations

from dataclasses import replace

from foley_assistant.core.timebase import FrameRate
from foley_assistant.synth import ObjectSpec, SceneSpec, crossing_scene, render_scene
from foley_assistant.vision.analyze import track_objects

SIZE = {"width": 320, "height": 180}


def analyze(spec):
    frames, truth = render_scene(spec)
    return track_objects(enumerate(frames), spec.rate, spec.width, spec.height), truth


def followed(obj, truth_obj, min_visible: float = 0.5, tolerance: float = 0.03) -> tuple[int, int]:
    """(frames where `obj`'s box centre is within `tolerance` of the truth's, truth frames at
    least `min_visible` visible)."""
    truth = {f.frame: f.box.center_x for f in truth_obj.frames if f.confidence >= min_visible}
    hits = sum(1 for f in obj.frames if f.frame in truth and abs(f.box.center_x - truth[f.frame]) < tolerance)
    return hits, len(truth)


def test_walkers_crossing_behind_a_post_keep_their_identities():
    # The near walker goes behind the post while the far one passes it the other way: each must
    # come out of the post as the same track, and the two tracks never swap walkers.
    spec = replace(crossing_scene(seed=1, duration_s=5.0, occluder=True, **SIZE), occluder_x=0.47)
    objects, truth = analyze(spec)
    owners = []
    for truth_obj in truth.objects:
        best = max(objects, key=lambda o: followed(o, truth_obj)[0])
        hits, visible = followed(best, truth_obj)
        assert hits >= 0.9 * visible, (truth_obj.id, hits, visible)
        owners.append(best.id)
    assert owners[0] != owners[1]
    people = [o for o in objects if o.label == "person"]
    assert len(people) == 2, [(o.id, o.label, o.first_frame, o.last_frame) for o in objects]


def test_car_followed_behind_a_walker_and_out_of_the_picture():
    # The car passes behind a walker and leaves the picture while its blob and the walker's are
    # still one: its track must follow it to the edge, not stop where the blobs met.
    rate = FrameRate(25)
    car = ObjectSpec("car", ((0.0, 13.0, 15.0), (3.4, -13.0, 15.0)))
    walker = ObjectSpec("walker", ((0.0, -5.0, 11.0), (3.4, -2.7, 8.5)))
    spec = SceneSpec(duration_s=3.4, rate=rate, objects=(car, walker), seed=21, **SIZE)
    objects, truth = analyze(spec)
    cars = [o for o in objects if o.label == "car"]
    assert len(cars) == 1, [(o.id, o.label, o.first_frame, o.last_frame) for o in objects]
    hits, visible = followed(cars[0], truth.objects[0])
    assert hits >= 0.95 * visible, (hits, visible)
    last_seen = max(f.frame for f in truth.objects[0].frames if f.confidence >= 0.3)
    assert cars[0].last_frame >= last_seen - 2
    walker_hits, walker_visible = followed(next(o for o in objects if o.label == "person"), truth.objects[1])
    assert walker_hits >= 0.95 * walker_visible
