"""Synthetic training and evaluation examples (numpy only, no torch, no PyAV).

An example is a random synthetic scene (`synth`: 1-4 walkers, cars or bouncing balls at varied
distances, speeds and frame rates, some with a panning camera, an occluder, sensor noise or
lighting drift) rendered in memory at the video encoder's size, with its exact truth as tracks,
and per object the procedural engine's dry sound (`generators.procedural`) placed by the spatial
renderer (`spatial`) into a 48 kHz stereo stem: the generator's targets. Everything follows from
the seed, so a seed range is a data set and a disjoint range is a held-out set.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from foley_assistant.core.events import SoundEvent
from foley_assistant.core.timebase import FrameRate
from foley_assistant.core.tracks import ShotTracks
from foley_assistant.generators.base import DryGenerator
from foley_assistant.generators.procedural import ProceduralGenerator
from foley_assistant.model.library_targets import LibrarySource, library_generator
from foley_assistant.spatial.curves import curves_from_track
from foley_assistant.spatial.render import render_stem
from foley_assistant.spatial.settings import StereoSettings
from foley_assistant.synth import ObjectSpec, SceneRenderer, SceneSpec

#: Frame rates of the training scenes (any rate works at inference: see features.latent_to_video_frames).
FRAME_RATES = (FrameRate(24), FrameRate(25), FrameRate(30), FrameRate(24000, 1001), FrameRate(30000, 1001), FrameRate(50))
#: Seeds at or above this are held out of training (evaluation scenes).
HELD_OUT_SEED = 1_000_000_000
#: Stems are raised by this gain (the procedural engine leaves headroom for summing many objects).
STEM_GAIN = 4.0
MIX_CEILING = 0.95
HFOV_DEG = 60.0


@dataclass(frozen=True)
class Example:
    """One synthetic scene with its targets.

    `frames` (T, H, W, 3) uint8; `tracks` the truth as core tracks (objects that appear only);
    `stems` (K, 2, n_samples) float32 per object in track order; `events` the true sound events
    per object, for evaluation.
    """

    seed: int
    frames: np.ndarray
    tracks: ShotTracks
    stems: np.ndarray
    events: tuple[tuple[SoundEvent, ...], ...]
    sample_rate: int

    @property
    def mix(self) -> np.ndarray:
        """Sum of the stems, (2, n_samples)."""
        return self.stems.sum(axis=0)


def _walker(rng: np.random.Generator, duration: float) -> ObjectSpec:
    depth = float(rng.uniform(3.0, 20.0))
    speed = float(rng.uniform(0.6, 2.0))
    sign = float(rng.choice([-1.0, 1.0]))
    centre = float(rng.uniform(0.15, 0.85)) * duration
    end_depth = depth if rng.random() < 0.6 else float(np.clip(depth + rng.uniform(-6, 6), 2.5, 25.0))
    path = ((0.0, sign * speed * (0.0 - centre), depth), (duration, sign * speed * (duration - centre), end_depth))
    return ObjectSpec("walker", path, step_phase=float(rng.uniform(0, 1)))


def _car(rng: np.random.Generator, duration: float) -> ObjectSpec:
    depth = float(rng.uniform(8.0, 35.0))
    speed = float(rng.uniform(4.0, 15.0))
    sign = float(rng.choice([-1.0, 1.0]))
    centre = float(rng.uniform(0.2, 0.8)) * duration
    path = ((0.0, sign * speed * (0.0 - centre), depth), (duration, sign * speed * (duration - centre), depth))
    return ObjectSpec("car", path)


def _ball(rng: np.random.Generator, duration: float) -> ObjectSpec:
    depth = float(rng.uniform(3.0, 12.0))
    half_width = depth * math.tan(math.radians(HFOV_DEG / 2)) * 0.8
    x0 = float(rng.uniform(-half_width, half_width))
    drift = float(rng.uniform(-1.0, 1.0))
    start = float(rng.uniform(0.0, 0.4)) * duration
    size = float(rng.uniform(0.2, 0.5))
    path = ((start, x0, depth), (duration, x0 + drift * (duration - start), depth))
    return ObjectSpec(
        "ball",
        path,
        drop_height_m=float(rng.uniform(0.5, 2.5)),
        restitution=float(rng.uniform(0.5, 0.8)),
        height_m=size,
        width_m=size,
    )


def random_scene(seed: int, duration_s: float, size: tuple[int, int], rate: FrameRate | None = None) -> SceneSpec:
    """A random scene of 1-4 objects; `size` is (height, width) of the pictures."""
    rng = np.random.default_rng([seed, 77])
    makers = {"walker": _walker, "car": _car, "ball": _ball}
    kinds = rng.choice(list(makers), size=int(rng.integers(1, 5)), p=[0.45, 0.25, 0.30])
    objects = tuple(makers[str(kind)](rng, duration_s) for kind in kinds)
    height, width = size
    return SceneSpec(
        duration_s=duration_s,
        rate=rate or FRAME_RATES[int(rng.integers(len(FRAME_RATES)))],
        width=width,
        height=height,
        hfov_deg=HFOV_DEG,
        objects=objects,
        camera_pan_deg_per_s=float(rng.uniform(-12, 12)) if rng.random() < 0.3 else 0.0,
        occluder=bool(rng.random() < 0.15),
        noise_sigma=float(rng.uniform(0, 4)) if rng.random() < 0.5 else 0.0,
        lighting_drift=float(rng.uniform(0, 0.08)) if rng.random() < 0.3 else 0.0,
        seed=seed,
    )


def _relabel(tracks: ShotTracks, rng: np.random.Generator) -> ShotTracks:
    """Balls are sometimes called "object", as the shape-based labeller names them."""
    objects = tuple(o.with_label("object") if o.label == "ball" and rng.random() < 0.5 else o for o in tracks.objects)
    return replace(tracks, objects=objects)


def make_example(
    seed: int,
    duration_s: float,
    size: tuple[int, int],
    sample_rate: int = 48000,
    n_samples: int | None = None,
    rate: FrameRate | None = None,
    library: "LibrarySource | None" = None,
) -> Example:
    """Render scene `seed` and make its per-object stereo stems (n_samples long, default the
    scene's duration). A scene whose objects never enter the picture moves on to the next seed.
    The objects are sounded by the procedural engine, or by the library engine over `library`
    (`model.library_targets`)."""
    generator: DryGenerator = ProceduralGenerator(hfov_deg=HFOV_DEG) if library is None else library_generator(library, HFOV_DEG)
    stereo = StereoSettings(sample_rate=sample_rate, pan_reference_deg=HFOV_DEG / 2)
    for attempt in range(16):
        spec = random_scene(seed + attempt * 7919, duration_s, size, rate)
        renderer = SceneRenderer(spec)
        tracks = _relabel(renderer.truth.as_shot_tracks(shot_id=f"scene{seed}"), np.random.default_rng([seed, 5]))
        if tracks.objects:
            break
    else:  # pragma: no cover - 16 empty scenes in a row do not happen with these presets
        raise RuntimeError(f"no visible object in the scenes from seed {seed}")
    length = n_samples if n_samples is not None else int(round(duration_s * sample_rate))
    stems = np.zeros((len(tracks.objects), 2, length), np.float32)
    for k, obj in enumerate(tracks.objects):
        dry = generator.generate(obj, tracks, length, sample_rate, seed * 8 + k)
        stems[k] = render_stem(dry.samples, curves_from_track(obj, tracks, HFOV_DEG), stereo)
    stems *= STEM_GAIN
    peak = float(np.abs(stems.sum(axis=0)).max())
    if peak > MIX_CEILING:
        stems *= MIX_CEILING / peak
    truths = {t.id: t for t in renderer.truth.objects}
    frames = np.stack(list(renderer.frames()))
    return Example(
        seed=seed,
        frames=frames,
        tracks=tracks,
        stems=stems,
        events=tuple(truths[o.id].events for o in tracks.objects),
        sample_rate=sample_rate,
    )
