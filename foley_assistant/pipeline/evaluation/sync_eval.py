"""The `eval sync` job: read an audio file and a tracks file, measure audio-visual sync.

The audio's first sample is the shot's first frame (as every stem, dry source and mix that
`generate` writes). Metrics are those of `eval.sync` (docs/metrics.md, "Sync").
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from foley_assistant.core.errors import FoleyError
from foley_assistant.core.tracks import ShotTracks
from foley_assistant.eval.flow import measure_flow
from foley_assistant.eval.sync import (
    av_align,
    flow_motion_peaks,
    flow_readable_spans,
    frame_flow_peaks,
    matched_offsets,
    sync_report,
    within,
)
from foley_assistant.io.audio import read_audio
from foley_assistant.io.json_files import read_tracks
from foley_assistant.io.video import read_frames
from foley_assistant.pipeline.evaluation.cut import cut_of
from foley_assistant.pipeline.spine.single import pick_shot

FLOW_WIDTH = 320  # pictures are read at this width for optical flow, as `analyze` reads them


def evaluate_sync(
    audio_path: str | os.PathLike[str],
    tracks_path: str | os.PathLike[str],
    shot_id: str | None = None,
    object_id: str | None = None,
    video_path: str | os.PathLike[str] | None = None,
) -> dict[str, object]:
    """{"av_align", "median_offset_ms", "onsets", "motion_peaks", ...} of an audio file against tracks.

    With `object_id`, only that object's motion counts; otherwise every object of the shot. With
    `video_path`, the shot's pictures are read (320 px wide) and the optical-flow references are
    measured too: "flow_av_align" against the motion peaks of the flow inside the objects' boxes,
    and "frame_flow_av_align" against SAVGBench's own reference, the local maxima of the whole
    picture's mean flow magnitude (every onset judged, as SAVGBench does).
    """
    tracks = read_tracks(tracks_path)
    shot = pick_shot(tracks, shot_id)
    ids = None
    if object_id is not None:
        known = [o.id for o in shot.objects]
        if object_id not in known:
            raise FoleyError(f"shot {shot.shot_id} has no object {object_id!r}; its objects are {', '.join(known) or 'none'}.")
        ids = [object_id]
    audio, sample_rate = read_audio(audio_path)
    audio = cut_of(audio, Path(audio_path))  # a generated stem's handles left out
    report = sync_report(audio, sample_rate, shot, ids)
    report.update({"shot": shot.shot_id, "object": object_id, "audio": str(Path(audio_path)), "fps": float(shot.fps)})
    if video_path is not None:
        report.update(flow_figures(np.array(report["onsets"]), video_path, shot, ids))
    return report


def flow_figures(onsets: np.ndarray, video_path: str | os.PathLike[str], shot: ShotTracks, ids: list[str] | None) -> dict[str, object]:
    """AV-Align of the onsets against the objects' optical flow and against the whole picture's flow."""
    fps = float(shot.fps)
    trace = measure_flow(read_frames(video_path, shot.frame_range, analysis_width=FLOW_WIDTH, gray=True), shot, ids)
    peaks = flow_motion_peaks(trace)
    judged = within(onsets, flow_readable_spans(trace))
    offsets = matched_offsets(judged, peaks)
    align = av_align(judged, peaks, fps)
    frame_peaks = frame_flow_peaks(trace.frame_magnitude, fps)
    frame_align = av_align(onsets, frame_peaks, fps)
    return {
        "flow_av_align": None if align is None else round(align, 4),
        "flow_median_offset_ms": round(float(np.median(np.abs(offsets))) * 1000.0, 2) if len(offsets) else None,
        "flow_motion_peaks": [round(float(t), 4) for t in peaks],
        "flow_onsets_judged": len(judged),
        "frame_flow_av_align": None if frame_align is None else round(frame_align, 4),
        "frame_flow_peaks": [round(float(t), 4) for t in frame_peaks],
    }
