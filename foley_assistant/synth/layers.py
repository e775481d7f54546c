"""The drawable layers of a scene: each object's (and the occluder's) sprite and per-frame placement.

Motion comes from `motion` (paths, gait, bounces, in world coordinates), boxes and depths from the
camera model (camera-frame depth z_c, which changes as the camera turns); per frame, the layers in
the picture are ordered far to near by z_c (ties: later objects in front, the occluder in front of
objects at its own depth).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from foley_assistant.core.events import SoundEvent
from foley_assistant.synth.camera import Camera
from foley_assistant.synth.motion import Bounce, Gait, Path, footfall_strength
from foley_assistant.synth.spec import ObjectSpec, SceneSpec
from foley_assistant.synth.sprites import OBJECT_PALETTE, Sprite, object_sprite, post_sprite

POST_SIZE_M = (12.0, 0.2)  # (height, width) of the occluder post


@dataclass(frozen=True)
class Layer:
    """One drawable thing through the shot: its sprite and per-frame placement (arrays, one per frame)."""

    sprite: Sprite
    x0: np.ndarray
    y0: np.ndarray
    x1: np.ndarray
    y1: np.ndarray
    depth: np.ndarray  # camera-frame depth z_c (metres in front of the camera)
    angle: np.ndarray
    mirror: np.ndarray
    shown: np.ndarray  # some of it inside the frame and drawable
    object_index: int | None  # None for the occluder

    def box(self, n: int) -> tuple[float, float, float, float]:
        """Unclipped pixel box at frame n."""
        return (float(self.x0[n]), float(self.y0[n]), float(self.x1[n]), float(self.y1[n]))


@dataclass(frozen=True)
class Motion:
    """What the motion model says about one object over the shot's frames."""

    x: np.ndarray
    z: np.ndarray
    elevation: np.ndarray
    speed: np.ndarray
    angle: np.ndarray
    mirror: np.ndarray
    events: tuple[SoundEvent, ...]


def object_motion(obj: ObjectSpec, object_id: str, times: np.ndarray, end_s: float) -> Motion:
    """Position, elevation, speed, spin, facing and sound events of one object at the frame times."""
    path = Path(obj.path)
    x, z = path.position(times)
    speed = path.speed(times)
    mirror = path.heading_sign(times) < 0
    elevation = np.zeros_like(times)
    angle = np.zeros_like(times)
    events: list[SoundEvent] = []
    if obj.kind == "walker":
        gait = Gait.from_path(path, obj.step_phase, end_s)
        elevation = gait.elevation(times)
        events = [SoundEvent(t, "footfall", footfall_strength(v), object_id) for t, v in gait.footfalls()]
    elif obj.kind == "ball":
        bounce = Bounce.drop(float(path.times[0]), obj.drop_height_m, obj.restitution, end_s)
        elevation = bounce.height(times)
        speed = np.hypot(speed, bounce.vertical_velocity(times))
        radius = obj.size_m[1] / 2
        angle = (x - path.keypoints[0][1]) / radius  # rolling: clockwise on screen when moving right
        mirror = np.zeros(times.shape, dtype=bool)
        events = [SoundEvent(t, "impact", s, object_id) for t, s in bounce.impact_events(end_s)]
    return Motion(x, z, elevation, speed, angle, mirror, tuple(events))


def object_layers(spec: SceneSpec, camera: Camera, times: np.ndarray, motions: list[Motion]) -> list[Layer]:
    """One layer per object, with a sprite of its own colour (distinct within the scene) and texture."""
    palette_order = np.random.default_rng([spec.seed, 6]).permutation(len(OBJECT_PALETTE))
    layers = []
    for index, (obj, motion) in enumerate(zip(spec.objects, motions)):
        colour = OBJECT_PALETTE[int(palette_order[index % len(OBJECT_PALETTE)])]
        sprite = object_sprite(obj.kind, np.random.default_rng([spec.seed, 7, index]), colour, obj.size_m)
        boxes = camera.boxes(motion.x, motion.z, times, obj.size_m, motion.elevation)
        depth = camera.depth(motion.x, motion.z, times)
        layers.append(
            Layer(
                sprite,
                boxes.x0,
                boxes.y0,
                boxes.x1,
                boxes.y1,
                depth,
                motion.angle,
                motion.mirror,
                boxes.in_frame(spec.width, spec.height),
                index,
            )
        )
    return layers


def occluder_layers(spec: SceneSpec, camera: Camera, times: np.ndarray) -> list[Layer]:
    """The occluder post as a layer (none when the scene has no occluder)."""
    if not spec.occluder:
        return []
    rng = np.random.default_rng([spec.seed, 5])
    screen_x = spec.occluder_x if spec.occluder_x is not None else float(rng.uniform(0.25, 0.75))
    depth = spec.occluder_distance_m
    lateral = depth * (screen_x * spec.width - spec.width / 2) / camera.focal_px
    xs = np.full(times.shape, lateral)
    zs = np.full(times.shape, depth)
    boxes = camera.boxes(xs, zs, times, POST_SIZE_M)
    zero = np.zeros(times.shape)
    return [
        Layer(
            post_sprite(rng, POST_SIZE_M),
            boxes.x0,
            boxes.y0,
            boxes.x1,
            boxes.y1,
            camera.depth(xs, zs, times),
            zero,
            zero.astype(bool),
            boxes.in_frame(spec.width, spec.height),
            None,
        )
    ]


def draw_orders(layers: list[Layer], frame_count: int) -> list[tuple[int, ...]]:
    """Per frame, the indices of the layers in the picture from far to near."""
    orders = []
    for n in range(frame_count):
        shown = [i for i, layer in enumerate(layers) if layer.shown[n]]
        orders.append(tuple(sorted(shown, key=lambda i: (-layers[i].depth[n], i))))
    return orders
