"""Writing synthetic scenes to video files: one shot, or several shots cut together (a reel)."""

from __future__ import annotations

import os
from typing import Iterator, Sequence

import numpy as np

from foley_assistant.io.video import write_video
from foley_assistant.synth.render import SceneRenderer
from foley_assistant.synth.spec import SceneSpec
from foley_assistant.synth.truth import SceneTruth


def write_scene(spec: SceneSpec, path: str | os.PathLike[str], crf: int = 18) -> SceneTruth:
    """Render a scene and encode it as H.264 at `path` (written atomically); returns its truth."""
    renderer = SceneRenderer(spec)
    write_video(path, renderer.frames(), spec.rate, crf=crf)
    return renderer.truth


def write_reel(specs: Sequence[SceneSpec], path: str | os.PathLike[str], crf: int = 18) -> list[tuple[int, SceneTruth]]:
    """Cut several shots together (hard cuts) into one H.264 file at `path`.

    All shots must share frame rate and size. Returns, per shot, its first frame index in the file
    and its truth (whose frame numbers count from that shot's own first frame).
    """
    if not specs:
        raise ValueError("a reel needs at least one shot")
    first = specs[0]
    for index, spec in enumerate(specs):
        if spec.rate != first.rate or (spec.width, spec.height) != (first.width, first.height):
            raise ValueError(f"shot {index} is {spec.width}x{spec.height} at {spec.rate} fps but shot 0 is {first.width}x{first.height} at {first.rate} fps; all shots of a reel must match")
    renderers = [SceneRenderer(spec) for spec in specs]
    starts = np.concatenate([[0], np.cumsum([r.spec.frame_count for r in renderers])[:-1]])

    def frames() -> Iterator[np.ndarray]:
        for renderer in renderers:
            yield from renderer.frames()

    write_video(path, frames(), first.rate, crf=crf)
    return [(int(start), renderer.truth) for start, renderer in zip(starts, renderers)]
