"""`generate MEDIA.mp4`: a plain media file taken as a reel, one shot per detected cut.

The file is analysed once (`analyze_media_shots`: split at its cuts and dissolves, each sub-shot
tracked on its own), the reel's timeline is written into the output folder (`reel.otio`: one
clip per sub-shot on V1 at its own record position, referencing the media with its source
range, at the file's frame rate, from record frame 0), and then the same generate job as for a
timeline runs on it with the analysed tracks given. So each shot gets its stems, its mix and
its loudness, nothing sounds across a cut, and the output's timeline.otio is the reel with the
foley tracks. The media file is only read.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from foley_assistant.core.errors import FoleyError, InputFileError, OutputError
from foley_assistant.core.progress import CancelToken, ProgressCallback, ignore_progress
from foley_assistant.io.cut_writer import CutClip, write_cut
from foley_assistant.io.relink import PICTURE_SUFFIXES
from foley_assistant.io.video import probe_video
from foley_assistant.pipeline.generate import GenerateRequest, GenerateResult, run_generate
from foley_assistant.pipeline.output.output_guard import check_no_foreign_files
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.pipeline.spine.analyze import AnalysisReport, analyze_media_shots

REEL_FILE = "reel.otio"


def is_media_file(path: Path) -> bool:
    """Whether `generate` takes this path as a media file (a reel) rather than a timeline."""
    return path.suffix.lower() in PICTURE_SUFFIXES


def generate_media(request: GenerateRequest, progress: ProgressCallback = ignore_progress, cancel: CancelToken | None = None) -> GenerateResult:
    """Generate for the media file `request.timeline_path` taken as a reel (see the module docstring)."""
    media = request.timeline_path
    if not media.is_file():
        raise InputFileError(f"media file not found: {media}. Check the path and try again.")
    if request.tracks_path is not None:
        raise FoleyError("--tracks cannot be used with a media file: its shots come from analysing it. Give the timeline the tracks were made for.")
    out = request.out_dir
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out} exists and is not a folder. Choose a folder path.")
    reel = out / REEL_FILE
    if reel.resolve() == media.resolve():
        raise OutputError(f"writing the reel timeline to {reel} would overwrite the input. Choose another --out folder.")
    context = JobContext(progress, cancel or CancelToken())
    report = AnalysisReport()
    info = probe_video(media)
    document = analyze_media_shots(str(media), context, request.analysis_settings(), request.analysis_width, report, prefix="S")
    check_no_foreign_files(out, [shot.shot_id for shot in document.shots], request.force, (REEL_FILE,))
    out.mkdir(parents=True, exist_ok=True)
    clips = [CutClip(f"{media.stem} {shot.shot_id}", media, info.frame_count, shot.frame_range) for shot in document.shots]
    write_cut(reel, media.stem, info.rate, clips, start_frame=0)
    notes = [f"{media.name} taken as a reel: {len(clips)} shots at its cuts (timeline {REEL_FILE})"]
    notes.extend(f"{shot_id}: {message}" for shot_id, message in report.notes)
    # the folder was checked above for these shots and the reel; the reel just written is ours
    reel_request = replace(request, timeline_path=reel, media_path=media, force=True)
    return run_generate(reel_request, progress, cancel, tracks=document, context=context, notes=tuple(notes))
