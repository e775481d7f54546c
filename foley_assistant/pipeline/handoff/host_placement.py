"""Where each stem of a generate folder goes in an editor that counts in frames (Resolve, Blender).

The plugins run inside their host's own Python, without this package; they ask the CLI
(`foley-assistant placements DIR --rate FPS --json`) for this plan, so the frame arithmetic and the
pan/level automation are computed once, here, exactly as the other exports compute them.

Frames count from the start of the timeline (frame 0 = its first frame); a host adds its own start
frame (Resolve: `timeline.GetStartFrame()`). A stem starts on the frame nearest its first sample
(`io.writeback.place`): stems made from shots start on a frame's sample, so the frame converted
back to samples with the project's rounding is the stem's record sample exactly, and
`frame_offset_samples` (under half a sample) says what a frame grid cannot hold.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from foley_assistant.core.safe_paths import resolve_inside
from foley_assistant.core.stem import Stem
from foley_assistant.core.timebase import FrameRate, Rounding, round_fraction
from foley_assistant.io.writeback import place
from foley_assistant.pipeline.handoff.export import open_project
from foley_assistant.pipeline.output.deliver import dry_path_of, pan_gain_points
from foley_assistant.pipeline.spine.placement import project_stereo

PLACEMENTS_SCHEMA = "foley_assistant.placements/1"


@dataclass(frozen=True)
class AutomationPoint:
    """The object's pan (-1 left .. +1 right) and distance gain (linear) at a timeline frame.

    `frame` is fractional (the curves have their own keyframe times); `time_s` is the same moment
    in seconds from the stem's first sample.
    """

    frame: Fraction
    time_s: Fraction
    pan: float
    gain: float


@dataclass(frozen=True)
class HostClip:
    """One stem as a host places it: on lane `lane`, from `record_frame` for `length_frames`,
    starting `source_frame` frames into its file (past its handle before the cut).

    `dry_path` is the mono source a host pans along `automation`; None for an ambience bed (kind
    "ambience"), which is not placed: the host plays the stereo stem as it is.
    """

    lane: str
    kind: str
    shot_id: str
    object_id: str
    label: str
    engine: str
    stem_path: Path
    dry_path: Path | None
    record_frame: int
    length_frames: int
    frame_offset_samples: Fraction
    record_start_sample: int
    length_samples: int
    sample_rate: int
    automation: tuple[AutomationPoint, ...]
    source_frame: int = 0


@dataclass(frozen=True)
class HostPlan:
    """Every stem of a generate folder, lane by lane, in frames of `rate`."""

    timeline_name: str
    rate: FrameRate
    global_start_frame: int
    lanes: tuple[tuple[str, tuple[HostClip, ...]], ...]

    def to_dict(self) -> dict[str, Any]:
        """The JSON form the plugins read (schema foley_assistant.placements/1)."""
        return {
            "schema": PLACEMENTS_SCHEMA,
            "timeline": self.timeline_name,
            "rate": list(self.rate.as_tuple()),
            "global_start_frame": self.global_start_frame,
            "lanes": [{"name": name, "clips": [_clip_json(c) for c in clips]} for name, clips in self.lanes],
        }


def _clip_json(clip: HostClip) -> dict[str, Any]:
    return {
        "shot": clip.shot_id,
        "object": clip.object_id,
        "label": clip.label,
        "engine": clip.engine,
        "kind": clip.kind,
        "stem": str(clip.stem_path),
        "dry": None if clip.dry_path is None else str(clip.dry_path),
        "record_frame": clip.record_frame,
        "length_frames": clip.length_frames,
        "source_frame": clip.source_frame,
        "frame_offset_samples": str(clip.frame_offset_samples),
        "record_start_sample": clip.record_start_sample,
        "length_samples": clip.length_samples,
        "sample_rate": clip.sample_rate,
        "automation": [{"frame": float(p.frame), "time_s": float(p.time_s), "pan": round(p.pan, 6), "gain": round(p.gain, 6)} for p in clip.automation],
    }


def host_clip(stem: Stem, lane: str, rate: FrameRate, root: Path, automation: list[tuple[Fraction, float, float]]) -> HostClip:
    """A stem placed on a frame grid of `rate`; `automation` is (seconds from its start, pan, gain)."""
    placement = place(stem, rate)
    return HostClip(
        lane=lane,
        kind=stem.kind,
        shot_id=stem.shot_id,
        object_id=stem.object_id,
        label=stem.label,
        engine=stem.engine,
        stem_path=resolve_inside(root, stem.path, "stem path").resolve(),
        dry_path=None if stem.is_ambience else resolve_inside(root, dry_path_of(stem), "dry source").resolve(),
        record_frame=placement.start,
        length_frames=placement.length,
        source_frame=placement.handle_before,
        frame_offset_samples=placement.frame_offset_samples,
        record_start_sample=stem.record_start_sample,
        length_samples=stem.length_samples,
        sample_rate=stem.sample_rate,
        automation=tuple(AutomationPoint(Fraction(stem.record_start_sample, stem.sample_rate) * rate.fps + time_s * rate.fps, time_s, pan, gain) for time_s, pan, gain in automation),
    )


def host_plan(project_or_dir: Path, rate: FrameRate | None = None) -> HostPlan:
    """The placement plan of a generate folder (or its project file) on a grid of `rate` frames
    (default: the timeline's own rate)."""
    project, root, loaded = open_project(project_or_dir)
    grid = rate or loaded.rate
    stereo = project_stereo(project.settings, hrirs=False)  # the pans and gains the stems were placed with
    curves = project.curves_by_object()
    lanes = []
    for lane, stems in project.lanes():
        clips = []
        for stem in stems:
            points = pan_gain_points(stem, curves.get((stem.shot_id, stem.object_id)), stereo)
            clips.append(host_clip(stem, lane, grid, root, [(p.time_s, p.pan, p.gain) for p in points]))
        lanes.append((lane, tuple(clips)))
    return HostPlan(loaded.name, grid, _start_frame(loaded.timeline.global_start_time, grid), tuple(lanes))


def _start_frame(start: Any, grid: FrameRate) -> int:
    """The timeline's start time (an OTIO RationalTime, or None) in frames of `grid`."""
    if start is None:
        return 0
    seconds = Fraction(start.value).limit_denominator(10**6) / FrameRate.parse(start.rate).fps
    return round_fraction(seconds * grid.fps, Rounding.NEAREST)
