"""Deterministic synthetic scenes with exact ground truth: pictures, object boxes, visibility, sounds.

Used by the demo, the tests, the benchmarks and as training data. Everything follows from a
`SceneSpec` and its seed (numpy generators only, no global random state).

World and camera
    X metres to the right, Z metres in front of the camera (depth), heights above a flat ground.
    A level pinhole camera stands `camera_height_m` (1.6) above the ground, looking horizontally
    with horizontal field of view `hfov_deg` (60); the horizon is the middle row. With
    f = (W/2) / tan(hfov/2) pixels for both axes and the pan angle yaw(t) = pan_rate * t
    (radians, + right), an object at (X, Z) whose bottom is e metres above the ground is drawn as
    the box centred horizontally at x = W/2 + f * tan(atan2(X, Z) - yaw), bottom at
    y = H/2 + f * (camera_height - e) / Z, f * H_obj / Z pixels high and f * W_obj / Z wide
    (continuous pixel coordinates, origin at the frame's top-left corner). Objects are flat
    sprites facing the camera; the car is always seen from the side.

Objects (kind -> label, real size)
    walker -> "person", 1.75 x 0.5 m; bobs 0..3 cm with the gait, lowest at each footfall
    ("footfall" events), cadence clip(1.6 + 0.25 v, 1.4, 2.6) steps/s.
    car -> "car", 1.45 x 4.2 m; no discrete events, speed per frame in the truth.
    ball -> "ball", 0.3 m; parabolic bounces with restitution, "impact" events with strength =
    impact speed / 7 m/s (capped at 1).
    Each follows a piecewise-linear path of keypoints (t, X, Z), held outside its time range.

Scene
    A sky panorama with a far tree line and a perspective-textured ground, fixed in the world (a
    panning camera reveals new texture); an optional foreground post (the occluder); a global
    brightness drift and gaussian sensor noise. Frame n is the scene at t = n / rate.

Truth
    Per object and frame in the picture: the clipped normalized box, depth Z and visibility (the
    visible fraction of the full sprite area, from the very alpha masks that are drawn); exact
    event times in seconds from the first frame.
"""

from foley_assistant.synth.camera import Camera
from foley_assistant.synth.presets import bouncing_ball_scene, crossing_scene, street_scene, walker_scene
from foley_assistant.synth.render import SceneRenderer, render_scene
from foley_assistant.synth.spec import KINDS, ObjectSpec, SceneSpec
from foley_assistant.synth.truth import ObjectTruth, SceneTruth
from foley_assistant.synth.writer import write_reel, write_scene

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
