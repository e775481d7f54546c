"""Deterministic synthetic scenes with exact ground truth: pictures, object boxes, visibility, sounds.

Used by the demo, the tests, the benchmarks and as training data. Everything follows from a
`SceneSpec` and its seed (numpy generators only, no global random state).

World and camera
    X metres to the right, Y up, Z metres forward (the view direction at t = 0), heights above a
    flat ground (Y = 0). A level pinhole camera stands `camera_height_m` (1.6) above the ground
    with horizontal field of view `hfov_deg` (60) and f = (W/2) / tan(hfov/2) pixels for both
    axes. `camera_pan_deg_per_s` turns it about the vertical axis through its centre: yaw(t) =
    pan_rate * t (radians, + = turning right), no pitch or roll, so the horizon stays the middle
    row. A world point goes into the camera frame by x_c = X cos(yaw) - Z sin(yaw),
    z_c = X sin(yaw) + Z cos(yaw) (z_c: the depth in front of the camera, = Z at yaw 0) and onto
    the screen at u = W/2 + f * x_c / z_c, v = H/2 + f * (camera_height - Y) / z_c (continuous
    pixel coordinates, origin at the frame's top-left corner); points less than 0.1 m in front of
    the camera are not drawn. Any two frames of the static world are related exactly by the
    homography K R(yaw_b - yaw_a) K^-1 (`Camera.homography`). Objects are flat cut-outs facing the
    camera at their camera-frame depth: an object at (X, Z) whose bottom is e metres above the
    ground is the box centred horizontally at u, bottom at v = H/2 + f * (camera_height - e) / z_c,
    f * H_obj / z_c pixels high and f * W_obj / z_c wide; the car is always seen from the side.

Objects (kind -> label, real size)
    walker -> "person", 1.75 x 0.5 m; bobs 0..3 cm with the gait, lowest at each footfall
    ("footfall" events), cadence clip(1.6 + 0.25 v, 1.4, 2.6) steps/s.
    car -> "car", 1.45 x 4.2 m; no discrete events, speed per frame in the truth.
    ball -> "ball", 0.3 m; parabolic bounces with restitution, "impact" events with strength =
    impact speed / 7 m/s (capped at 1).
    Each follows a piecewise-linear path of keypoints (t, X, Z), held outside its time range.

Scene
    A sky with clouds and a far tree line at infinity, and a textured ground plane, both fixed in
    the world and drawn per pixel through the turned camera (see `background`), so a panning
    camera reveals new sky and ground exactly as a real one would; an optional foreground post
    (the occluder); a global brightness drift and gaussian sensor noise. Frame n is the scene at
    t = n / rate.

Truth
    Per object and frame in the picture: the clipped normalized box, `distance_m` = the camera-frame
    depth z_c (the world Z while the camera has not turned) and visibility (the visible fraction
    of the full sprite area, from the very alpha masks that are drawn); per frame of the shot, the
    azimuth atan2(x_c, z_c) (degrees, + right of the view direction) and the same depth z_c; exact
    event times in seconds from the first frame.
"""

from foley_assistant.synth.camera import Camera
from foley_assistant.synth.presets import bouncing_ball_scene, crossing_scene, street_scene, walker_scene
from foley_assistant.synth.render import SceneRenderer, render_scene
from foley_assistant.synth.spec import KINDS, ObjectSpec, SceneSpec
from foley_assistant.synth.truth import ObjectTruth, SceneTruth

__all__ = [
    "KINDS",
    "Camera",
    "ObjectSpec",
    "ObjectTruth",
    "SceneRenderer",
    "SceneSpec",
    "SceneTruth",
    "bouncing_ball_scene",
    "crossing_scene",
    "render_scene",
    "street_scene",
    "walker_scene",
    "write_reel",
    "write_scene",
]


def __getattr__(name: str):  # noqa: ANN202 - module attribute hook
    """`write_scene` / `write_reel` are imported on first use: they need PyAV (H.264 encoding), while
    rendering scenes in memory (training data on a machine without PyAV) does not."""
    if name in ("write_reel", "write_scene"):
        from foley_assistant.synth import writer

        return getattr(writer, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
