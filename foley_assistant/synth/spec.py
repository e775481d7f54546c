"""What a synthetic scene contains: the scene options and the objects in it (frozen, validated)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction

from foley_assistant.core.timebase import FrameRate, Rounding

#: A path keypoint: (time in seconds from the first frame, lateral X in metres (+ right), depth Z in metres).
Keypoint = tuple[float, float, float]


@dataclass(frozen=True)
class KindInfo:
    """What every object of one kind shares: its ground-truth label and real size."""

    label: str
    height_m: float
    width_m: float


#: The object kinds the generator can draw, with their ground-truth labels and default real sizes.
KINDS: dict[str, KindInfo] = {
    "walker": KindInfo(label="person", height_m=1.75, width_m=0.5),
    "car": KindInfo(label="car", height_m=1.45, width_m=4.2),
    "ball": KindInfo(label="ball", height_m=0.3, width_m=0.3),
}

#: Objects must stay at least this far in front of the camera.
MIN_DEPTH_M = 0.5


@dataclass(frozen=True)
class ObjectSpec:
    """One object of a scene and how it moves.

    `path` is a piecewise-linear list of keypoints (t_s, X_m, Z_m) with strictly increasing times;
    the object holds the first keypoint before it and the last one after it. `id` defaults to
    "O<n>" (n = position in the scene, from 1). `height_m` / `width_m` override the kind's real
    size. `step_phase` (walker) is the fraction of a step already done at t = 0: footfalls happen
    whenever the step count crosses a whole number. `drop_height_m` and `restitution` (ball): the
    ball's bottom is `drop_height_m` above the ground at the first keypoint's time and falls from
    rest; each bounce leaves the ground with `restitution` times the impact speed.
    """

    kind: str
    path: tuple[Keypoint, ...]
    id: str = ""
    height_m: float | None = None
    width_m: float | None = None
    step_phase: float = 0.5
    drop_height_m: float = 1.0
    restitution: float = 0.7

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"object kind must be one of {tuple(KINDS)}, got {self.kind!r}")
        path = tuple((float(t), float(x), float(z)) for t, x, z in self.path)
        if not path:
            raise ValueError("an object path needs at least one keypoint (t_s, X_m, Z_m)")
        times = [k[0] for k in path]
        if any(b <= a for a, b in zip(times, times[1:])):
            raise ValueError(f"path keypoint times must be strictly increasing, got {times}")
        if any(not all(math.isfinite(v) for v in k) for k in path):
            raise ValueError("path keypoints must be finite numbers")
        if min(k[2] for k in path) < MIN_DEPTH_M:
            raise ValueError(f"objects must stay at least {MIN_DEPTH_M} m in front of the camera (Z >= {MIN_DEPTH_M})")
        object.__setattr__(self, "path", path)
        for name in ("height_m", "width_m"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be positive, got {value}")
        if self.drop_height_m < 0:
            raise ValueError(f"drop_height_m cannot be negative, got {self.drop_height_m}")
        if not 0.0 <= self.restitution < 1.0:
            raise ValueError(f"restitution must be within 0..1 (exclusive of 1), got {self.restitution}")

    @property
    def label(self) -> str:
        """The ground-truth label ("person", "car", "ball")."""
        return KINDS[self.kind].label

    @property
    def size_m(self) -> tuple[float, float]:
        """(height, width) in metres."""
        info = KINDS[self.kind]
        return (self.height_m or info.height_m, self.width_m or info.width_m)


@dataclass(frozen=True)
class SceneSpec:
    """Everything that decides a synthetic shot; the same spec always renders the same frames.

    `occluder` puts a static post (a tree trunk) `occluder_distance_m` from the camera, on screen
    at `occluder_x` (0..1 of the frame width, at t = 0; None = chosen from the seed). It is
    depth-sorted with the objects, so it hides every object farther than it.
    """

    duration_s: float = 4.0
    rate: FrameRate = FrameRate(25)
    width: int = 640
    height: int = 360
    hfov_deg: float = 60.0
    camera_height_m: float = 1.6
    objects: tuple[ObjectSpec, ...] = ()
    camera_pan_deg_per_s: float = 0.0
    occluder: bool = False
    occluder_x: float | None = None
    occluder_distance_m: float = 2.0
    noise_sigma: float = 0.0
    lighting_drift: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "rate", FrameRate.parse(self.rate))
        object.__setattr__(self, "objects", tuple(self.objects))
        if not self.duration_s > 0:
            raise ValueError(f"duration_s must be positive, got {self.duration_s}")
        if self.width < 2 or self.height < 2 or self.width % 2 or self.height % 2:
            raise ValueError(f"width and height must be even and at least 2, got {self.width}x{self.height}")
        if not 1.0 <= self.hfov_deg <= 170.0:
            raise ValueError(f"hfov_deg must be within 1..170, got {self.hfov_deg}")
        if not self.camera_height_m > 0:
            raise ValueError(f"camera_height_m must be positive, got {self.camera_height_m}")
        if self.noise_sigma < 0 or self.lighting_drift < 0:
            raise ValueError("noise_sigma and lighting_drift cannot be negative")
        if self.lighting_drift >= 1:
            raise ValueError(f"lighting_drift is a relative amplitude below 1, got {self.lighting_drift}")
        if self.occluder_x is not None and not 0.0 <= self.occluder_x <= 1.0:
            raise ValueError(f"occluder_x must be within 0..1, got {self.occluder_x}")
        if self.occluder_distance_m < MIN_DEPTH_M:
            raise ValueError(f"occluder_distance_m must be at least {MIN_DEPTH_M}, got {self.occluder_distance_m}")
        if not all(isinstance(o, ObjectSpec) for o in self.objects):
            raise TypeError("objects must be ObjectSpec instances")
        ids = self.object_ids
        if len(set(ids)) != len(ids):
            raise ValueError(f"object ids must be unique, got {ids}")

    @property
    def object_ids(self) -> tuple[str, ...]:
        """Each object's id: its own, or "O<n>" by position."""
        return tuple(o.id or f"O{i}" for i, o in enumerate(self.objects, start=1))

    @property
    def frame_count(self) -> int:
        """Frames in the shot: duration x rate, rounded to the nearest frame (at least one)."""
        seconds = Fraction(str(self.duration_s))  # the decimal the user wrote, exactly
        return max(1, self.rate.frames(seconds, Rounding.NEAREST))

    @property
    def focal_px(self) -> float:
        """Focal length in pixels: (width / 2) / tan(hfov / 2)."""
        return (self.width / 2) / math.tan(math.radians(self.hfov_deg) / 2)
