"""The `eval sync` job: read an audio file and a tracks file, measure audio-visual sync.

The audio's first sample is the shot's first frame (as every stem, dry source and mix that
`generate` writes). Metrics are those of `eval.sync` (docs/metrics.md, "Sync").
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from foley_assistant.core.errors import FoleyError
from foley_assistant.eval.sync import av_align, flow_motion_peaks, readable_spans, sync_report, within
from foley_assistant.io.audio import read_audio
from foley_assistant.io.json_files import read_tracks
from foley_assistant.io.video import read_frames
from foley_assistant.pipeline.single import pick_shot


def evaluate_sync(
    audio_path: str | os.PathLike[str],
    tracks_path: str | os.PathLike[str],
    shot_id: str | None = None,
    object_id: str | None = None,
    video_path: str | os.PathLike[str] | None = None,
) -> dict[str, object]:
    """{"av_align", "median_offset_ms", "onsets", "motion_peaks", ...} of an audio file against tracks.

    With `object_id`, only that object's motion counts; otherwise every object of the shot. With
    `video_path`, the optical-flow peaks of the shot's pictures are measured too
    ("flow_motion_peaks", "flow_av_align"), as TempoTokens and SAVGBench do.
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
    report = sync_report(audio, sample_rate, shot, ids)
    report.update({"shot": shot.shot_id, "object": object_id, "audio": str(Path(audio_path)), "fps": float(shot.fps)})
    if video_path is not None:
        frames = (image for _, image in read_frames(video_path, shot.frame_range, analysis_width=320, gray=True))
        peaks = flow_motion_peaks(frames, float(shot.fps))
        onsets = within(np.array(report["onsets"]), readable_spans(shot, ids)) if ids else np.array(report["onsets"])
        align = av_align(onsets, peaks, float(shot.fps))
        report["flow_motion_peaks"] = [round(float(t), 4) for t in peaks]
        report["flow_av_align"] = None if align is None else round(align, 4)
    return report
