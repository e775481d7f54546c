"""Optical-flow references on rendered synthetic scenes whose contacts are known exactly."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from foley_assistant.core.timebase import FrameRange, FrameRate
from foley_assistant.core.tracks import Box, ObjectTrack, ShotTracks, TrackedFrame
from foley_assistant.eval.flow import measure_flow
from foley_assistant.eval.sync import (
    av_align,
    count_matches,
    flow_motion_curve,
    flow_motion_peaks,
    flow_readable_spans,
    frame_flow_peaks,
    motion_peaks,
)
from foley_assistant.synth import SceneRenderer, bouncing_ball_scene, walker_scene

FPS = 25


def _pictures(renderer: SceneRenderer, width: int = 320) -> list[tuple[int, np.ndarray]]:
    spec = renderer.spec
    height = int(round(spec.height * width / spec.width / 2)) * 2
    return [(n, cv2.resize(renderer.frame(n), (width, height), interpolation=cv2.INTER_AREA)) for n in range(spec.frame_count)]


def _jittered(shot: ShotTracks, pixels: float, seed: int) -> ShotTracks:
    """The shot with every box edge moved by independent noise of `pixels` (at 320 px) per frame."""
    rng = np.random.default_rng(seed)
    objects = []
    for obj in shot.objects:
        frames = []
        for f in obj.frames:
            dx0, dx1 = rng.normal(0, pixels / 320, 2)
            dy0, dy1 = rng.normal(0, pixels / 180, 2)
            b = f.box
            frames.append(TrackedFrame(f.frame, Box(b.x0 + dx0, b.y0 + dy0, max(b.x0 + dx0, b.x1 + dx1), max(b.y0 + dy0, b.y1 + dy1)), f.confidence, f.distance_m))
        objects.append(ObjectTrack(obj.id, obj.label, "tracker", tuple(frames)))
    return ShotTracks(shot.shot_id, shot.media, shot.fps, shot.frame_range, shot.width, shot.height, tuple(objects))


@pytest.fixture(scope="module")
def walker() -> tuple[SceneRenderer, list[tuple[int, np.ndarray]]]:
    renderer = SceneRenderer(walker_scene(11, duration_s=3.0, speed_m_s=1.4, distance_m=6.0))
    return renderer, _pictures(renderer)


def test_flow_peaks_of_a_walker_are_its_footfalls_even_from_jittery_boxes(walker) -> None:
    renderer, pictures = walker
    truth = renderer.truth
    steps = np.array([e.time_s for e in truth.objects[0].events])
    exact = truth.as_shot_tracks()
    shaky = _jittered(exact, 1.0, seed=3)  # a pixel of jitter on every edge: more than the 0.7 px bob
    for shot in (exact, shaky):
        trace = measure_flow(pictures, shot, whole_frame=False)
        peaks = flow_motion_peaks(trace)
        spans = flow_readable_spans(trace)
        seen = np.array([t for t in steps if any(a <= t <= b for a, b in spans)])
        assert len(seen) >= 4
        assert count_matches(seen, peaks, 1.0 / FPS) >= len(seen) - 1
        assert len(peaks) <= len(seen) + 1
    assert av_align(steps, peaks, FPS) >= 0.8  # from the shaky boxes
    assert av_align(steps, motion_peaks(shaky), FPS) < 0.5  # the boxes' own motion drowns the bob in that jitter


def test_flow_peaks_of_a_bouncing_ball_are_its_visible_bounces() -> None:
    renderer = SceneRenderer(bouncing_ball_scene(20, duration_s=2.4, drop_height_m=1.2, restitution=0.7))
    truth = renderer.truth
    trace = measure_flow(_pictures(renderer), truth.as_shot_tracks(), whole_frame=False)
    peaks = flow_motion_peaks(trace)
    bounces = [e.time_s for e in truth.objects[0].events][:4]  # each rebound rises 3 px or more at 320 px
    assert count_matches(np.array(bounces), peaks, 1.0 / FPS) == len(bounces)
    assert len(peaks) <= len(truth.objects[0].events)
    times, motion, floor = flow_motion_curve(trace, truth.objects[0].id)
    assert len(times) == len(motion) == len(floor) and np.all(floor > 0)


def test_the_camera_motion_is_removed_and_a_steady_object_has_no_peaks() -> None:
    rate = FrameRate(FPS)
    pictures, frames = [], []
    rng = np.random.default_rng(0)
    texture = cv2.GaussianBlur(rng.uniform(0, 255, (220, 420)).astype(np.float32), (0, 0), 1.5).astype(np.uint8)
    block = cv2.GaussianBlur(rng.uniform(0, 255, (40, 30)).astype(np.float32), (0, 0), 1.0).astype(np.uint8)
    for k in range(40):
        camera = int(round(1.5 * k + (3.0 * np.sin(1.7 * k) if k % 3 == 0 else 0.0)))  # a pan with jolts
        picture = texture[20:200, camera + 4 : camera + 324].copy()
        x = 60 + 2 * k - camera  # the object moves 2 px per frame over the scene
        picture[70:110, x : x + 30] = block
        pictures.append((k, picture))
        frames.append(TrackedFrame(k, Box(x / 320, 70 / 180, (x + 30) / 320, 110 / 180), 0.9, 5.0))
    shot = ShotTracks("S1", "", rate, FrameRange(0, 40), 320, 180, (ObjectTrack("O1", "thing", "tracker", tuple(frames)),))
    trace = measure_flow(pictures, shot)
    velocity = trace.velocity["O1"]
    assert np.isnan(velocity[0]).all()
    assert np.abs(velocity[1:, 0] - 2.0).max() < 0.3 and np.abs(velocity[1:, 1]).max() < 0.3  # its own motion, jolts removed
    assert len(flow_motion_peaks(trace)) == 0


def test_frame_flow_peaks_are_where_the_whole_picture_moves_most() -> None:
    pictures = []
    x = 20.0
    for k in range(40):
        x += 1.0 if k not in (10, 25) else 12.0  # two jerks
        image = np.zeros((90, 160), np.uint8)
        image[30:60, int(x) : int(x) + 20] = 255
        image[10:20, 5:15] = 128
        pictures.append((k, image))
    shot = ShotTracks("S1", "", FrameRate(FPS), FrameRange(0, 40), 160, 90, ())
    trace = measure_flow(pictures, shot)
    assert trace.frame_magnitude[0] == 0.0
    peaks = list(np.round(frame_flow_peaks(trace.frame_magnitude, FPS, threshold=0.3) * FPS).astype(int))
    assert peaks == [10, 25]


def test_a_dropped_frame_leaves_its_flows_unknown(walker) -> None:
    renderer, pictures = walker
    shot = renderer.truth.as_shot_tracks()
    trace = measure_flow([p for p in pictures if 25 <= p[0] < 40 and p[0] != 30], shot, whole_frame=False)
    velocity = trace.velocity[shot.objects[0].id]
    assert np.isnan(velocity[30]).all() and np.isnan(velocity[31]).all()
    assert np.isfinite(velocity[29]).all() and np.isfinite(velocity[32]).all()
    assert not trace.frame_magnitude.any()
