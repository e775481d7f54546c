"""Stems laid back to back on one lane, for the tests of edit fades in every export format."""

from __future__ import annotations

from foley_assistant.core.stem import Stem

SR, FPS = 48000, 25


def person_stem(n: int, start_frame: int, frames: int, handle_frames: int) -> Stem:
    """Shot n's person stem on the lane "person": `frames` long from record frame `start_frame`
    (at FPS), with `handle_frames` of handle each side."""
    per_frame = SR // FPS
    return Stem(
        f"S00{n}",
        "O1",
        "person",
        f"stems/S00{n}_O1_person.wav",
        "procedural",
        SR,
        start_frame * per_frame,
        frames * per_frame,
        lane="person",
        handle_start_samples=handle_frames * per_frame,
        handle_end_samples=handle_frames * per_frame,
    )
