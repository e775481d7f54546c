"""The bundled demo: synthetic shots with known ground truth, cut together in an OTIO timeline.

Each shot is rendered to its own H.264 file with 12 frames of handle before and after the
part the cut uses, so source ranges are trimmed as in a real edit. The ground truth of the used
part (boxes, distances and sound events, in shot time) is written beside the timeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from foley_assistant.core.timebase import FrameRange, FrameRate, timecode_to_frames
from foley_assistant.io.atomic import write_json_atomic
from foley_assistant.io.cut_writer import CutClip, write_cut
from foley_assistant.synth import ObjectSpec, SceneSpec, SceneTruth, write_scene

DEMO_RATE = FrameRate(25)
TRUTH_SCHEMA = "foley_assistant.synthetic_truth/1"


@dataclass(frozen=True)
class SyntheticShot:
    """A shot of a synthetic cut: its scene, the frames of it the cut uses, and its truth."""

    name: str
    spec: SceneSpec
    handle_frames: int


@dataclass(frozen=True)
class SyntheticCut:
    """A written synthetic cut: the timeline and, per shot, the media frames used and the truth."""

    timeline_path: Path
    shots: tuple[tuple[SyntheticShot, FrameRange, SceneTruth], ...]


def demo_shots(seed: int, rate: FrameRate = DEMO_RATE, size: tuple[int, int] = (640, 360)) -> list[SyntheticShot]:
    """Three shots, 12 s of cut: a walker crossing, a street (a car passing behind a walker who
    comes diagonally towards the camera in the left third), and a bouncing ball with a walker
    receding on the right."""
    width, height = size
    handle_frames = 12
    handle = float(rate.seconds(handle_frames))

    def scene(duration: float, objects: tuple[ObjectSpec, ...], offset: int, **options: Any) -> SceneSpec:
        return SceneSpec(duration_s=duration + 2 * handle, rate=rate, width=width, height=height, objects=objects, seed=seed + offset, **options)

    def moved(path: tuple[tuple[float, float, float], ...]) -> tuple[tuple[float, float, float], ...]:
        return tuple((t + handle, x, z) for t, x, z in path)

    return [
        SyntheticShot(
            "walker crosses",
            scene(4.0, (ObjectSpec("walker", moved(((-0.5, -5.5, 8.0), (4.5, 5.0, 8.0)))),), 1),
            handle_frames=handle_frames,
        ),
        SyntheticShot(
            "street",
            scene(
                4.5,
                (
                    ObjectSpec("car", moved(((-0.5, 16.0, 16.0), (5.0, -16.0, 16.0)))),
                    # walks diagonally towards the camera, staying in the left third (screen x 0.10 -> 0.23)
                    ObjectSpec("walker", moved(((-0.5, -5.6, 12.0), (5.0, -2.5, 8.0)))),
                ),
                2,
            ),
            handle_frames=handle_frames,
        ),
        SyntheticShot(
            "ball and walker",
            scene(
                3.5,
                (
                    ObjectSpec("ball", moved(((-0.5, -2.0, 6.0), (4.0, 0.8, 6.0))), height_m=0.4, width_m=0.4, drop_height_m=1.2, restitution=0.72),
                    ObjectSpec("walker", moved(((-0.5, 3.2, 9.0), (4.0, 1.2, 14.0)))),
                ),
                3,
            ),
            handle_frames=handle_frames,
        ),
    ]


def reel_shots(count: int, seed: int = 7, size: tuple[int, int] = (320, 180)) -> list[SyntheticShot]:
    """`count` shots for a longer synthetic reel: the demo's three kinds of shot in turn, each
    with its own seed (so no two shots are the same pictures), named "<kind> <number>"."""
    shots = []
    for number in range(1, count + 1):
        kind = demo_shots(seed + 10 * number, size=size)[(number - 1) % 3]
        shots.append(SyntheticShot(f"{kind.name} {number}", kind.spec, kind.handle_frames))
    return shots


def build_synthetic_cut(
    folder: Path,
    shots: list[SyntheticShot],
    name: str = "Foley Assistant demo",
    start_timecode: str = "01:00:00:00",
) -> SyntheticCut:
    """Render each shot, write the cut (V1, back to back) and the ground truth of the used frames."""
    folder.mkdir(parents=True, exist_ok=True)
    rate = shots[0].spec.rate
    clips, written = [], []
    for number, shot in enumerate(shots, start=1):
        media = folder / "media" / f"shot_{number:02d}.mp4"
        truth = write_scene(shot.spec, media)
        used = FrameRange(shot.handle_frames, shot.spec.frame_count - 2 * shot.handle_frames)
        clips.append(CutClip(shot.name, media, shot.spec.frame_count, used))
        written.append((shot, used, truth))
    timeline_path = folder / "demo_cut.otio"
    write_cut(timeline_path, name, rate, clips, start_frame=timecode_to_frames(start_timecode, rate))
    write_json_atomic(folder / "ground_truth.json", truth_document(written))
    return SyntheticCut(timeline_path, tuple(written))


def truth_document(shots: list[tuple[SyntheticShot, FrameRange, SceneTruth]]) -> dict[str, Any]:
    """Ground truth in shot terms: media frames of the used range, event times from the shot start."""
    result = []
    for number, (shot, used, truth) in enumerate(shots, start=1):
        offset = float(shot.spec.rate.seconds(used.start))
        end = float(shot.spec.rate.seconds(used.end))
        objects = []
        for obj in truth.objects:
            objects.append(
                {
                    "id": obj.id,
                    "label": obj.label,
                    "frames": [
                        {"frame": f.frame, "box": [round(v, 6) for v in f.box.as_list()], "distance_m": round(f.distance_m or 0.0, 4), "visibility": round(f.confidence, 4)}
                        for f in obj.frames
                        if f.frame in used
                    ],
                    "events": [{"time_s": round(e.time_s - offset, 6), "kind": e.kind, "strength": round(e.strength, 4)} for e in obj.events if offset <= e.time_s < end],
                }
            )
        result.append({"shot": f"S{number:03d}", "name": shot.name, "fps": list(shot.spec.rate.as_tuple()), "frame_range": [used.start, used.end], "objects": objects})
    return {"schema": TRUTH_SCHEMA, "shots": result}


def build_demo(folder: Path, seed: int = 7) -> Path:
    """Write the demo media, cut and ground truth into `folder`; return the timeline path."""
    return build_synthetic_cut(folder, demo_shots(seed)).timeline_path
