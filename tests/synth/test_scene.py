"""The synthetic scene generator: determinism, truth that matches the pixels, camera model, events,
occlusion, camera pan, and the written files."""

from __future__ import annotations

import hashlib
import math
from dataclasses import replace

import cv2
import numpy as np
import pytest

from foley_assistant.core.timebase import FrameRate
from foley_assistant.io.video import read_frames
from foley_assistant.synth import (
    ObjectSpec,
    SceneRenderer,
    SceneSpec,
    bouncing_ball_scene,
    crossing_scene,
    render_scene,
    street_scene,
    walker_scene,
    write_reel,
    write_scene,
)
from foley_assistant.synth.motion import BOB_AMPLITUDE_M, cadence_steps_per_s

W, H = 320, 180
SMALL = dict(width=W, height=H)
F = (W / 2) / math.tan(math.radians(30.0))  # focal length in pixels at hfov 60


def frames_of(spec: SceneSpec) -> np.ndarray:
    """All frames of a scene as one int16 array (n, H, W, 3)."""
    frames, _ = render_scene(spec)
    return np.stack(list(frames)).astype(np.int16)


def object_pixels(spec: SceneSpec, threshold: int = 0) -> np.ndarray:
    """(n, H, W) bool: where the scene differs from the same scene without its objects."""
    return np.abs(frames_of(spec) - frames_of(replace(spec, objects=()))).max(axis=-1) > threshold


def pixel_box(box, width: int = W, height: int = H) -> tuple[float, float, float, float]:
    return box.x0 * width, box.y0 * height, box.x1 * width, box.y1 * height


def local_maxima(values: np.ndarray) -> list[int]:
    """Indices of strict-then-plateau local maxima (interior points only)."""
    return [i for i in range(1, len(values) - 1) if values[i] > values[i - 1] and values[i] >= values[i + 1]]


# --- determinism --------------------------------------------------------------------------------------


def test_same_spec_gives_identical_frames_and_truth_and_another_seed_differs():
    spec = street_scene(11, duration_s=1.0, pan_deg_per_s=6.0, noise_sigma=2.0, lighting_drift=0.1, occluder=True, **SMALL)

    def digest(s: SceneSpec) -> tuple[list[str], object]:
        frames, truth = render_scene(s)
        return [hashlib.sha256(f.tobytes()).hexdigest() for f in frames], truth

    hashes_a, truth_a = digest(spec)
    hashes_b, truth_b = digest(spec)
    assert hashes_a == hashes_b
    assert truth_a == truth_b
    assert len(hashes_a) == truth_a.frame_count == 25
    assert len(set(hashes_a)) == len(hashes_a)  # the picture changes every frame
    # random access gives the same pixels as sequential rendering
    renderer = SceneRenderer(spec)
    frame_7 = renderer.frame(7)
    assert hashlib.sha256(frame_7.tobytes()).hexdigest() == hashes_a[7]
    assert frame_7.dtype == np.uint8 and frame_7.shape == (H, W, 3)

    hashes_c, truth_c = digest(replace(spec, seed=12))
    assert not set(hashes_c) & set(hashes_a)
    # motion does not depend on the seed: same boxes (up to visibility, which the occluder changes)
    assert [f.box for f in truth_c.objects[0].frames] == [f.box for f in truth_a.objects[0].frames]


def test_render_is_lazy_and_truth_is_available_first():
    spec = walker_scene(0, duration_s=60.0, **SMALL)
    frames, truth = render_scene(spec)
    assert truth.frame_count == 1500
    first = next(frames)
    assert first.shape == (H, W, 3)


# --- truth matches the pixels ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "spec",
    [
        walker_scene(1, duration_s=2.0, **SMALL),
        crossing_scene(2, duration_s=2.4, **SMALL),
        street_scene(3, duration_s=2.0, **SMALL),
        bouncing_ball_scene(4, duration_s=2.0, **SMALL),
        street_scene(5, duration_s=2.0, pan_deg_per_s=-9.0, occluder=True, **SMALL),
    ],
    ids=["walker", "crossing", "street", "ball", "street-panning"],
)
def test_object_pixels_lie_in_the_truth_boxes_and_fill_them(spec):
    changed = object_pixels(spec)
    solid = object_pixels(spec, threshold=12)
    _, truth = render_scene(spec)
    slack = 2
    checked_edges = 0
    for n in range(truth.frame_count):
        allowed = np.zeros((H, W), bool)
        for obj in truth.objects:
            tracked = obj.frame(n)
            if tracked is None:
                continue
            x0, y0, x1, y1 = pixel_box(tracked.box)
            rows = slice(max(0, math.floor(y0) - slack), math.ceil(y1) + slack)
            allowed[rows, max(0, math.floor(x0) - slack) : math.ceil(x1) + slack] = True
            if tracked.confidence == 1.0:
                a, b, c, d = math.floor(x0), math.floor(y0), math.ceil(x1), math.ceil(y1)
                inside = solid[n, b:d, a:c]
                for edge in (inside[:2], inside[-2:], inside[:, :2], inside[:, -2:]):
                    assert edge.any(), f"frame {n}, object {obj.id}: no object pixels along an edge of its box"
                checked_edges += 1
        stray = changed[n] & ~allowed
        assert not stray.any(), f"frame {n}: {stray.sum()} changed pixels outside every truth box"
    assert changed.any()
    assert checked_edges > truth.frame_count // 2


def test_visibility_matches_the_visible_pixels():
    walker = ObjectSpec("walker", ((0.0, -1.5, 7.0), (2.4, 1.5, 7.0)))
    spec = SceneSpec(duration_s=2.4, objects=(walker,), occluder=True, occluder_x=0.5, seed=5, **SMALL)
    alone = object_pixels(replace(spec, occluder=False), threshold=8).sum(axis=(1, 2))
    frames = frames_of(spec)
    post_only = frames_of(replace(spec, objects=()))
    seen = (np.abs(frames - post_only).max(axis=-1) > 8).sum(axis=(1, 2))
    _, truth = render_scene(spec)
    visibility = np.array([truth.objects[0].visibility(n) for n in range(truth.frame_count)])
    assert visibility.min() < 0.1  # the walker (0.5 m wide at 7 m) passes fully behind the 0.2 m post at 2 m
    assert visibility.max() == 1.0
    measured = seen / np.maximum(alone, 1)
    assert np.abs(measured - visibility).max() < 0.06


# --- camera model ------------------------------------------------------------------------------------


@pytest.mark.parametrize("rate", [FrameRate(25), FrameRate(30000, 1001)])
def test_pinhole_projection_of_a_walker(rate):
    depth = 7.0
    walker = ObjectSpec("walker", ((0.0, -1.0, depth), (2.0, 1.2, depth)))
    spec = SceneSpec(duration_s=2.0, rate=rate, objects=(walker,), seed=3, **SMALL)
    assert spec.focal_px == pytest.approx(F)
    _, truth = render_scene(spec)
    obj = truth.objects[0]
    assert (obj.label, obj.kind, obj.id) == ("person", "walker", "O1")
    assert len(obj.frames) == truth.frame_count == round(2.0 * float(rate))
    expected_height = F * 1.75 / depth
    pixels = object_pixels(spec, threshold=12)
    for tracked in obj.frames:
        t = tracked.frame * rate.denominator / rate.numerator
        x = -1.0 + 2.2 * t / 2.0
        x0, y0, x1, y1 = pixel_box(tracked.box)
        assert tracked.distance_m == depth
        assert y1 - y0 == pytest.approx(expected_height, abs=1e-6)
        assert x1 - x0 == pytest.approx(F * 0.5 / depth, abs=1e-6)
        assert (x0 + x1) / 2 == pytest.approx(W / 2 + F * math.tan(math.atan2(x, depth)), abs=1e-6)
        ground = H / 2 + F * 1.6 / depth
        assert ground - F * BOB_AMPLITUDE_M / depth - 1e-9 <= y1 <= ground + 1e-9
        rows = np.flatnonzero(pixels[tracked.frame].any(axis=1))
        cols = np.flatnonzero(pixels[tracked.frame].any(axis=0))
        assert abs(rows[0] - y0) <= 1.5 and abs(rows[-1] + 1 - y1) <= 1.5
        assert abs(cols[0] - x0) <= 1.5 and abs(cols[-1] + 1 - x1) <= 1.5


def test_approaching_walker_grows_as_one_over_distance():
    spec = walker_scene(2, distance_m=12.0, end_distance_m=4.0, speed_m_s=0.3, duration_s=2.0, **SMALL)
    _, truth = render_scene(spec)
    obj = truth.objects[0]
    for tracked in obj.frames:
        t = tracked.frame / 25
        depth = 12.0 - 8.0 * t / 2.0
        assert tracked.distance_m == pytest.approx(depth)
        assert tracked.box.height * H == pytest.approx(F * 1.75 / depth, abs=1e-6) or tracked.box.y1 == 1.0
    assert obj.frames[-1].box.height > 2.5 * obj.frames[0].box.height


# --- sound events ------------------------------------------------------------------------------------


def test_footfalls_follow_the_cadence_and_the_lowest_points_of_the_bob():
    speed = 1.4
    spec = walker_scene(6, distance_m=5.2, speed_m_s=speed, duration_s=4.0, **SMALL)
    _, truth = render_scene(spec)
    obj = truth.objects[0]
    times = np.array([e.time_s for e in obj.events])
    assert all(e.kind == "footfall" and e.object_id == "O1" for e in obj.events)
    cadence = float(cadence_steps_per_s(speed))
    assert cadence == pytest.approx(1.95)
    assert np.diff(times) == pytest.approx(np.full(len(times) - 1, 1 / cadence), abs=1e-9)
    assert len(times) in (math.floor(4.0 * cadence), math.ceil(4.0 * cadence))
    event_frames = np.rint(times * 25).astype(int)

    # the truth: the box bottom is lowest on screen (largest y) at the footfalls
    bottoms = np.array([obj.frame(n).box.y1 if obj.frame(n) else np.nan for n in range(truth.frame_count)])
    peaks = local_maxima(bottoms)
    assert len(peaks) >= len(times) - 2
    for peak in peaks:
        assert np.abs(event_frames - peak).min() <= 1

    # the pixels: the drawn figure's vertical centre bobs with the truth, with no lag
    pixels = object_pixels(spec, threshold=12)
    seen = np.array([obj.visibility(n) == 1.0 for n in range(truth.frame_count)])
    centre_y = np.array([np.nonzero(p)[0].mean() for p in pixels[seen]])
    truth_y = bottoms[seen] * H
    frames = np.flatnonzero(seen)
    centre_y = centre_y - np.polyval(np.polyfit(frames, centre_y, 1), frames)  # remove slow drift
    truth_y = truth_y - truth_y.mean()

    def correlation(lag: int) -> float:
        a, b = (centre_y[lag:], truth_y[: len(truth_y) - lag]) if lag >= 0 else (centre_y[:lag], truth_y[-lag:])
        return float(np.corrcoef(a, b)[0, 1])

    lags = {lag: correlation(lag) for lag in range(-3, 4)}
    assert lags[0] > 0.75
    assert max(lags, key=lags.get) in (-1, 0, 1)
    assert lags[3] < 0.5 and lags[-3] < 0.5  # a third of a step off is clearly worse


def test_cadence_depends_on_speed():
    _, slow = render_scene(walker_scene(0, speed_m_s=0.8, duration_s=3.0, **SMALL))
    _, fast = render_scene(walker_scene(0, speed_m_s=2.4, duration_s=3.0, **SMALL))
    slow_gap = np.diff([e.time_s for e in slow.events]).mean()
    fast_gap = np.diff([e.time_s for e in fast.events]).mean()
    assert 1 / slow_gap == pytest.approx(1.8)
    assert 1 / fast_gap == pytest.approx(2.2)


def test_ball_impacts_are_the_lowest_points_and_weaken_by_restitution():
    spec = bouncing_ball_scene(7, distance_m=6.0, drop_height_m=1.2, restitution=0.7, duration_s=3.0, **SMALL)
    _, truth = render_scene(spec)
    obj = truth.objects[0]
    assert obj.label == "ball"
    times = np.array([e.time_s for e in obj.events])
    strengths = np.array([e.strength for e in obj.events])
    assert times[0] == pytest.approx(math.sqrt(2 * 1.2 / 9.81))
    assert strengths[0] == pytest.approx(math.sqrt(2 * 9.81 * 1.2) / 7.0)
    assert strengths[1:] / strengths[:-1] == pytest.approx(np.full(len(strengths) - 1, 0.7))
    gaps = np.diff(times)
    assert gaps[1:] / gaps[:-1] == pytest.approx(np.full(len(gaps) - 1, 0.7))  # flight time scales with launch speed

    bottoms = np.array([obj.frame(n).box.y1 for n in range(truth.frame_count)])
    pixels = object_pixels(spec, threshold=12)
    drawn_bottom = np.array([np.flatnonzero(p.any(axis=1))[-1] for p in pixels], float)
    strong = times[strengths * 7.0 > 2.0]  # bounces tall enough to see in pixels
    assert len(strong) >= 3
    for t in strong:
        frame = round(t * 25)
        window = slice(max(0, frame - 4), frame + 5)
        assert abs(np.argmax(bottoms[window]) + window.start - frame) <= 1
        lowest_drawn = np.flatnonzero(drawn_bottom[window] == drawn_bottom[window].max()) + window.start
        assert np.abs(lowest_drawn - t * 25).min() <= 1.0
    speed = np.array(obj.speed_m_s)
    assert speed.max() == pytest.approx(math.hypot(0.6, math.sqrt(2 * 9.81 * 1.2)), rel=0.05)


# --- occlusion ---------------------------------------------------------------------------------------


def test_near_walker_hides_the_far_one_while_passing():
    spec = crossing_scene(8, near_distance_m=5.0, far_distance_m=8.0, duration_s=4.0, **SMALL)
    _, truth = render_scene(spec)
    near, far = truth.object("O1"), truth.object("O2")
    assert near.frames[0].distance_m == 5.0 and far.frames[0].distance_m == 8.0
    far_vis = np.array([far.visibility(n) for n in range(truth.frame_count)])
    middle = truth.frame_count // 2
    assert far_vis[0] == 1.0 and far_vis[-1] == 1.0
    assert far_vis[middle] < 0.2
    hidden = np.flatnonzero(far_vis < 1.0)
    assert hidden.min() > 0 and hidden.max() < truth.frame_count - 1
    assert np.all(np.diff(hidden) == 1)  # one contiguous pass
    for n in range(truth.frame_count):  # the far one is hidden exactly while the boxes overlap
        overlap = near.frame(n).box.iou(far.frame(n).box) > 0 if near.frame(n) and far.frame(n) else False
        assert (far_vis[n] < 1.0) == overlap or far.frame(n).box.x0 == 0.0 or far.frame(n).box.x1 == 1.0
    # the near one is never hidden while fully inside the frame
    for tracked in near.frames:
        if 0.0 < tracked.box.x0 and tracked.box.x1 < 1.0 and tracked.box.y1 < 1.0:
            assert tracked.confidence == 1.0


def test_objects_partly_outside_the_frame_have_clipped_boxes_and_partial_visibility():
    spec = street_scene(9, duration_s=4.0, **SMALL)
    _, truth = render_scene(spec)
    car = truth.object("O1")
    assert car.label == "car" and not car.events
    entering = car.frames[0]
    assert entering.box.x0 == 0.0 and 0.0 < entering.confidence < 0.5
    full_width = F * 4.2 / 12.0 / W
    assert entering.box.width < full_width
    assert all(0.0 <= b <= 1.0 for f in car.frames for b in f.box.as_list())
    assert car.speed_m_s[0] == pytest.approx(8.0)


# --- camera pan --------------------------------------------------------------------------------------


def rotated(x: float, z: float, yaw: float) -> tuple[float, float]:
    """(x_c, z_c): a world ground position in the frame of the camera turned right by `yaw` radians."""
    return x * math.cos(yaw) - z * math.sin(yaw), x * math.sin(yaw) + z * math.cos(yaw)


def opencv_homography(yaw: float) -> np.ndarray:
    """K R(yaw) K^-1 with OpenCV's pixel convention (centres at whole numbers): frame-0 pixels to the
    pixels of a frame turned right by `yaw`."""
    k = np.array([[F, 0.0, W / 2 - 0.5], [0.0, F, H / 2 - 0.5], [0.0, 0.0, 1.0]])
    c, s = math.cos(yaw), math.sin(yaw)
    return k @ np.array([[c, 0.0, -s], [0.0, 1.0, 0.0], [s, 0.0, c]]) @ np.linalg.inv(k)


def test_pan_moves_the_background_and_static_objects_by_the_expected_amount():
    pan = 10.0
    walker = ObjectSpec("walker", ((0.0, 0.6, 6.0),))  # standing still
    spec = SceneSpec(duration_s=1.0, objects=(walker,), camera_pan_deg_per_s=pan, seed=4, **SMALL)
    empty = frames_of(replace(spec, objects=()))
    lag = 10
    assert np.abs(empty[lag] - empty[0]).mean() > 5.0

    # the tree line (rows just above the horizon) shifts left by about f * tan(pan * t) near the centre
    band = slice(H // 2 - 8, H // 2 - 1)
    a = empty[0, band, :, :].mean(axis=(0, 2))
    b = empty[lag, band, :, :].mean(axis=(0, 2))
    centre = slice(W // 2 - 60, W // 2 + 60)
    errors = {s: np.abs(a[centre] - b[centre.start - s : centre.stop - s]).mean() for s in range(0, 40)}
    shift = min(errors, key=errors.get)
    expected = F * math.tan(math.radians(pan * lag / 25))
    assert abs(shift - expected) <= 1.5

    # the object: the exact rotation of the camera, a card facing it at its camera-frame depth
    _, truth = render_scene(spec)
    obj = truth.objects[0]
    pixels = object_pixels(spec, threshold=12)
    for tracked in obj.frames:
        yaw = math.radians(pan * tracked.frame / 25)
        x_c, z_c = rotated(0.6, 6.0, yaw)
        x0, y0, x1, y1 = pixel_box(tracked.box)
        assert (x0 + x1) / 2 == pytest.approx(W / 2 + F * x_c / z_c, abs=1e-6)
        assert tracked.distance_m == pytest.approx(z_c, abs=1e-9)
        assert obj.depth_m[tracked.frame] == pytest.approx(z_c, abs=1e-9)
        assert obj.azimuth_deg[tracked.frame] == pytest.approx(math.degrees(math.atan2(x_c, z_c)), abs=1e-9)
        if tracked.confidence == 1.0:
            assert x1 - x0 == pytest.approx(F * 0.5 / z_c, abs=1e-6)
            assert y1 - y0 == pytest.approx(F * 1.75 / z_c, abs=1e-6)
            ground = H / 2 + F * 1.6 / z_c  # the foot on the ground plane, at the camera-frame depth
            assert ground - F * BOB_AMPLITUDE_M / z_c - 1e-9 <= y1 <= ground + 1e-9
            cols = np.flatnonzero(pixels[tracked.frame].any(axis=0))
            assert (cols[0] + cols[-1] + 1) / 2 == pytest.approx(W / 2 + F * x_c / z_c, abs=1.0)
    moved = obj.frames[0].box.center_x * W - obj.frames[-1].box.center_x * W
    start = math.atan2(0.6, 6.0)
    end_yaw = math.radians(pan * obj.frames[-1].frame / 25)
    assert moved == pytest.approx(F * (math.tan(start) - math.tan(start - end_yaw)), abs=1e-6)
    assert moved > 40  # about 9 degrees of pan over the second
    # turning towards the object (it is to the right) brings it nearer the view axis: its
    # camera-frame depth grows from Z = 6 towards its range sqrt(0.6^2 + 6^2)
    assert obj.frames[0].distance_m == 6.0 < obj.frames[-1].distance_m < math.hypot(0.6, 6.0)


def test_panning_frames_are_related_by_the_rotation_homography():
    """Frames of a panning camera are exact perspective images of one world: warping frame k onto
    frame 0 with K R(yaw_k - yaw_0) K^-1 reproduces frame 0 wherever both see the static background
    (sky, tree line and ground, right out to the sides of the picture)."""
    pan = 6.0
    spec = street_scene(13, duration_s=1.0, pan_deg_per_s=pan, **SMALL)
    frames = frames_of(spec)
    objects = object_pixels(spec, threshold=0)
    renderer = SceneRenderer(spec)
    first = frames[0].astype(np.float32)
    errors = []
    for k in (8, 16, 24):
        yaw = math.radians(pan * k / 25)
        homography = opencv_homography(yaw)
        # the library's homography is the same map in continuous pixel coordinates
        shift = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
        library = renderer.camera.homography(0.0, float(renderer.times[k]))
        np.testing.assert_allclose(np.linalg.inv(shift) @ library @ shift, homography, atol=1e-9)

        def onto_first(image: np.ndarray, interpolation: int) -> np.ndarray:
            """Frame k's `image` seen from frame 0 (the homography maps frame-0 pixels into frame k)."""
            flags = interpolation | cv2.WARP_INVERSE_MAP
            return cv2.warpPerspective(image, homography, (W, H), flags=flags, borderValue=0)

        warped = onto_first(frames[k].astype(np.uint8), cv2.INTER_LINEAR)
        seen = onto_first(np.full((H, W), 255, np.uint8), cv2.INTER_NEAREST)
        moved_objects = onto_first(objects[k].astype(np.uint8), cv2.INTER_NEAREST)
        dropped = cv2.dilate(((objects[0] > 0) | (moved_objects > 0)).astype(np.uint8), np.ones((5, 5), np.uint8))
        overlap = (cv2.erode(seen, np.ones((3, 3), np.uint8), borderValue=0) > 0) & (dropped == 0)
        error = np.abs(warped.astype(np.float32) - first).mean(axis=-1)
        assert overlap.mean() > 0.6
        errors.append(float(error[overlap].mean()))
        sides = overlap.copy()
        sides[:, W // 4 : 3 * W // 4] = False  # where a cylindrical (angle-shift) pan misregisters most
        horizon = overlap.copy()
        horizon[: H // 2 - 10] = False
        horizon[H // 2 + 10 :] = False
        ground = overlap.copy()
        ground[: H // 2] = False
        assert error[sides].mean() < 2.0
        assert error[horizon].mean() < 2.5
        assert error[ground].mean() < 2.5
    assert max(errors) < 2.0, errors


def test_a_full_turn_comes_back_to_the_same_picture():
    walker = ObjectSpec("walker", ((0.0, -0.8, 6.0),))
    spec = SceneSpec(duration_s=3.04, objects=(walker,), camera_pan_deg_per_s=120.0, seed=2, **SMALL)
    frames = frames_of(spec)
    _, truth = render_scene(spec)
    obj = truth.objects[0]
    assert np.abs(frames[75] - frames[0]).mean() < 0.5  # yaw 360 degrees at t = 3 s
    first, back = pixel_box(obj.frame(0).box), pixel_box(obj.frame(75).box)
    assert back == pytest.approx(first, abs=1e-6)
    # behind the camera the object is not drawn, and its azimuth keeps turning round
    azimuth = np.array(obj.azimuth_deg)
    behind = [n for n in range(truth.frame_count) if np.array(obj.depth_m)[n] < 0.1]
    assert behind and all(obj.frame(n) is None for n in behind)
    assert azimuth.max() > 170 and azimuth.min() < -170
    assert len(set(np.round(np.abs(np.diff(frames.mean(axis=(1, 2, 3)))), 6))) > 10  # the view changes


# --- files -------------------------------------------------------------------------------------------


def test_write_scene_round_trips_through_the_video_reader(tmp_path):
    spec = walker_scene(1, duration_s=1.0, **SMALL)
    path = tmp_path / "walker.mp4"
    truth = write_scene(spec, path)
    decoded = list(read_frames(path, analysis_width=None, gray=False))
    assert [i for i, _ in decoded] == list(range(truth.frame_count))
    assert decoded[0][1].shape == (H, W, 3)
    rendered = frames_of(spec)
    error = np.abs(np.stack([f for _, f in decoded]).astype(np.int16) - rendered).mean()
    assert error < 4.0
    assert not list(tmp_path.glob(".*partial*"))


def test_write_reel_reports_where_each_shot_starts(tmp_path):
    specs = [
        walker_scene(21, duration_s=0.6, **SMALL),
        bouncing_ball_scene(22, duration_s=0.8, **SMALL),
        street_scene(23, duration_s=0.4, **SMALL),
    ]
    path = tmp_path / "reel.mp4"
    shots = write_reel(specs, path)
    assert [start for start, _ in shots] == [0, 15, 35]
    assert [truth.frame_count for _, truth in shots] == [15, 20, 10]
    assert shots[1][1].objects[0].frames[0].frame == 0  # truth counts from the shot's own start
    frames = np.stack([f for _, f in read_frames(path, analysis_width=None, gray=True)]).astype(np.int16)
    assert frames.shape == (45, H, W)
    change = np.abs(np.diff(frames, axis=0)).mean(axis=(1, 2))  # change[i]: frame i -> i + 1
    cuts = sorted(int(i) + 1 for i in np.argsort(change)[-2:])
    assert cuts == [15, 35]
    assert change[[14, 34]].min() > 4 * np.median(change)


def test_reel_refuses_shots_of_different_sizes(tmp_path):
    with pytest.raises(ValueError, match="must match"):
        write_reel([walker_scene(0, **SMALL), walker_scene(0, width=640, height=360)], tmp_path / "x.mp4")


def test_spec_validation_and_truth_helpers():
    with pytest.raises(ValueError, match="even"):
        SceneSpec(width=321, height=180)
    with pytest.raises(ValueError, match="kind"):
        ObjectSpec("dog", ((0.0, 0.0, 5.0),))
    with pytest.raises(ValueError, match="increasing"):
        ObjectSpec("walker", ((1.0, 0.0, 5.0), (0.5, 1.0, 5.0)))
    _, truth = render_scene(street_scene(0, duration_s=2.0, **SMALL))
    times = [e.time_s for e in truth.events]
    assert times == sorted(times) and len(times) == len(truth.object("O2").events)
    tracks = truth.as_shot_tracks("S1", "street.mp4", first_frame=100)
    assert tracks.frame_range.start == 100 and tracks.frame_range.duration == truth.frame_count
    assert tracks.objects[0].frames[0].frame == truth.objects[0].frames[0].frame + 100
    assert tracks.objects[1].label == "person"
