"""What each `foley-assistant` command does: call the pipeline, print the result."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Callable

from foley_assistant.cli import model_commands, plugin_commands
from foley_assistant.cli.progress_bar import TerminalProgress
from foley_assistant.core.errors import FoleyError
from foley_assistant.core.shot import Shot
from foley_assistant.core.timebase import FrameRange, FrameRate


def run(args: argparse.Namespace) -> int:
    """Dispatch to the command's handler; returns the exit code."""
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "demo": demo,
        "shots": shots,
        "analyze": analyze,
        "generate": generate,
        "render": render,
        "export": export,
        "gui": gui,
        "eval": evaluate,
        "library": library,
        "train": model_commands.train,
        "serve": model_commands.serve,
        "model-eval": model_commands.model_eval,
        "placements": plugin_commands.placements,
        "models": models,
    }
    return handlers[args.command](args)


def models(args: argparse.Namespace) -> int:
    """List, verify, install or remove perception models."""
    from foley_assistant.cli.models import run_models

    return run_models(args)


def library(args: argparse.Namespace) -> int:
    """Index or search the SFX library."""
    from foley_assistant.cli.library import run_library

    return run_library(args)


def _progress(args: argparse.Namespace) -> TerminalProgress:
    return TerminalProgress(enabled=False if args.quiet else None)


def _range_json(frames: FrameRange, rate: FrameRate) -> dict[str, Any]:
    return {
        "start_frame": frames.start,
        "duration_frames": frames.duration,
        "rate": list(rate.as_tuple()),
        "start_s": float(rate.seconds(frames.start)),
        "duration_s": float(rate.seconds(frames.duration)),
    }


def shot_json(shot: Shot) -> dict[str, Any]:
    """One shot in the JSON form of CONTRACTS.md."""
    return {
        "id": shot.id,
        "track": shot.track_name,
        "clip": shot.clip_name,
        "media": shot.media_path,
        "media_status": shot.media_status,
        "source_range": _range_json(shot.source_range, shot.source_rate),
        "record_range": _range_json(shot.record_range, shot.timeline_rate),
        "record_tc_in": shot.record_tc_in,
        "record_tc_out": shot.record_tc_out,
        "speed": float(shot.speed),
        "problem": shot.refusal,
    }


def shots(args: argparse.Namespace) -> int:
    """List a timeline's shots as a table or JSON."""
    from foley_assistant.io.relink import relink_shots
    from foley_assistant.io.shot_list import list_shots
    from foley_assistant.io.timeline import read_timeline

    loaded = read_timeline(args.timeline, args.rate)
    relinked = relink_shots(list_shots(loaded), args.search)
    found = relinked.shots
    for note in loaded.notes:
        print(f"note: {note}", file=sys.stderr)
    if args.search:
        print(relinked.summary(), file=sys.stderr)
    if args.json:
        document = {"timeline": loaded.name, "rate": list(loaded.rate.as_tuple()), "shots": [shot_json(s) for s in found]}
        document["notes"] = list(loaded.notes)
        document["relinks"] = relinked.choices
        print(json.dumps(document, indent=2, ensure_ascii=False))
        return 0
    print(f"{loaded.name}  ({loaded.rate} fps, {len(found)} shots)")
    print(f"{'id':<5} {'track':<8} {'record in':<12} {'record out':<12} {'secs':>7}  {'media':<9} clip")
    for shot in found:
        status = shot.media_status if not shot.refusal else "skipped"
        print(f"{shot.id:<5} {shot.track_name[:8]:<8} {shot.record_tc_in:<12} {shot.record_tc_out:<12} {float(shot.duration_seconds):>7.2f}  {status:<9} {shot.clip_name}")
        if shot.media_status != "found" and shot.media_path:
            print(f"      media: {shot.media_path}")
        if shot.refusal:
            print(f"      {shot.refusal}")
    return 0


def analyze(args: argparse.Namespace) -> int:
    """Track objects in a timeline's shots or in one media file; write the tracks file.

    A shot that cannot be analyzed is reported on stderr and the others are still written; the
    exit code is then 2."""
    from foley_assistant.core.progress import CancelToken
    from foley_assistant.io.json_files import write_tracks
    from foley_assistant.io.shot_list import list_shots
    from foley_assistant.io.timeline import read_timeline
    from foley_assistant.pipeline.generate import select_shots
    from foley_assistant.pipeline.progress import JobContext
    from foley_assistant.pipeline.spine.analyze import AnalysisReport, analyze_media_shots, analyze_shots, choose_detector
    from foley_assistant.vision.analyze import AnalysisSettings

    progress = _progress(args)
    context = JobContext(progress, CancelToken())
    settings = AnalysisSettings(hfov_deg=args.hfov, detector=args.detector, detector_model=args.detector_model)
    report = AnalysisReport()
    detector, detector_note = choose_detector(args.detector, args.detector_model)
    print(detector_note, file=sys.stderr)
    try:
        if args.media:
            if args.shot:
                raise FoleyError("--shot selects shots of a timeline; it cannot be used with --media.")
            if args.executor != "serial":
                raise FoleyError("--executor shares a timeline's shots among workers; a --media file is analyzed in one pass (its cuts first). Leave out --executor.")
            document = analyze_media_shots(str(args.media), context, settings, report=report, detector=detector)
        else:
            from foley_assistant.io.relink import relink_shots

            loaded = read_timeline(args.timeline, args.rate)
            chosen = select_shots(relink_shots(list_shots(loaded), args.search).shots, tuple(args.shot))
            for shot in chosen:
                if shot.refusal:
                    report.fail(shot.id, f"({shot.clip_name}) {shot.refusal}")
            usable = [s for s in chosen if not s.refusal]
            if args.executor == "serial":
                document = analyze_shots(usable, context, settings, report=report, detector=detector)
            else:
                document = _analyze_on_workers(usable, args, context, report)
    finally:
        progress.close()
    for shot_id, message in report.notes:
        print(f"note: {shot_id}: {message}", file=sys.stderr)
    for shot_id, message in report.failed:
        print(f"error: {shot_id}: {message}", file=sys.stderr)
    if not document.shots:
        raise FoleyError("no shot could be analyzed (see the errors above); nothing was written.")
    write_tracks(args.out, document)
    count = sum(len(s.objects) for s in document.shots)
    print(f"{count} objects in {len(document.shots)} shots -> {args.out}")
    return 2 if report.failed else 0


def _analyze_on_workers(shots: list[Shot], args: argparse.Namespace, context: Any, report: Any) -> Any:
    """`analyze --executor local|ray`: the shots on worker processes."""
    from foley_assistant.core.project_settings import ProjectSettings
    from foley_assistant.pipeline.spine.batch_analysis import analyze_on
    from foley_assistant.pipeline.spine.executors import ExecutorSpec

    settings = ProjectSettings(hfov_deg=args.hfov, detector=args.detector, detector_model=args.detector_model)
    return analyze_on(shots, settings, ExecutorSpec(args.executor, args.workers, args.ray_address), context, report)


def _placement(args: argparse.Namespace) -> dict[str, Any]:
    """The placement options as GenerateRequest fields."""
    from foley_assistant.acoustics.panning import PanLaw
    from foley_assistant.spatial.curves import CurveSettings, OffscreenMode
    from foley_assistant.spatial.settings import DistanceModel, StereoSettings

    stereo = StereoSettings(
        pan_law=PanLaw(args.pan_law),
        distance_model=DistanceModel(args.distance_model),
        smoothing_ms=args.smoothing_ms,
        doppler=args.doppler,
    )
    return {"placement": stereo, "curves": CurveSettings(offscreen=OffscreenMode(args.offscreen)), "binaural": args.binaural, "sofa_path": args.sofa}


def generate(args: argparse.Namespace) -> int:
    """Run the whole pipeline on a timeline, or on a media file taken as a reel (one shot per cut)."""
    from foley_assistant.cli.interrupts import interrupt_cancels
    from foley_assistant.core.progress import CancelToken
    from foley_assistant.pipeline.generate import GenerateRequest, run_generate
    from foley_assistant.pipeline.media_reel import generate_media, is_media_file
    from foley_assistant.pipeline.spine.executors import ExecutorSpec
    from foley_assistant.spatial.loudness import LoudnessSettings

    request = GenerateRequest(
        timeline_path=args.timeline,
        out_dir=args.out,
        shot_ids=tuple(args.shot),
        tracks_path=args.tracks,
        engine=args.engine,
        hfov_deg=args.hfov,
        seed=args.seed,
        loudness=LoudnessSettings(target_lufs=args.loudness_target, true_peak_ceiling_dbtp=args.true_peak, scope=args.loudness_scope),
        handles_s=args.handles,
        fade_ms=args.fade_ms,
        **_placement(args),
        timeline_rate=args.rate,
        search_folders=tuple(args.search),
        library_dirs=tuple(args.library),
        library_db=args.library_db,
        model_dir=args.model,
        ambience=args.ambience,
        detector=args.detector,
        detector_model=args.detector_model,
        force=args.force,
        executor=ExecutorSpec(args.executor, args.workers, args.ray_address),
        resume=args.resume,
    )
    progress = _progress(args)
    cancel = CancelToken()
    try:
        with interrupt_cancels(cancel):
            result = (generate_media if is_media_file(args.timeline) else run_generate)(request, progress, cancel)
    finally:
        progress.close()
    print_summary(result)
    if result.status == "cancelled":
        print(f"cancelled: {len(result.done_shots)} finished shot(s) saved; {result.out_dir / 'report.json'} says what was made. Run again with --resume to finish.", file=sys.stderr)
        return 130
    if result.status == "failed":
        print(f"error: nothing could be made: every shot failed (see above); {result.out_dir / 'report.json'} says why.", file=sys.stderr)
        return 2
    return 0


def print_summary(result: Any) -> None:
    """What was made and where to look."""
    objects = len([s for s in result.stems if not s.is_ambience])
    beds = len(result.stems) - objects
    print(f"{result.timeline_name}: {len(result.shots)} shots, {objects} objects, {len(result.stems)} stems{f' ({beds} ambience)' if beds else ''} ({result.status})")
    failed = result.failed
    for shot in result.shots:
        labels = [f"{s.object_id} {s.label}" for s in result.stems if s.shot_id == shot.id]
        if shot.id in failed:
            print(f"  {shot.id} {shot.record_tc_in}  {shot.clip_name}: nothing made (error below)")
        else:
            print(f"  {shot.id} {shot.record_tc_in}  {shot.clip_name}: {', '.join(labels) or 'no moving objects found'}")
    for shot, reason in result.skipped:
        if shot.id in failed:
            print(f"error: {shot.id} ({shot.clip_name}): {reason}", file=sys.stderr)
        else:
            print(f"  skipped {reason}", file=sys.stderr)
    for note in result.notes:
        print(f"  note: {note}", file=sys.stderr)
    out = result.out_dir
    print(f"Stems: {out / 'stems'}   mixes: {out / 'mix'}")
    print(f"Timeline with foley tracks: {out / 'timeline.otio'}   REAPER: {out / 'project.rpp'}   report: {out / 'report.json'}")
    print(f"Review sheet (open in a browser): {out / 'review.html'}")


def render(args: argparse.Namespace) -> int:
    """Place one dry sound along one object's curves."""
    from foley_assistant.io.audio import read_audio, write_bwf
    from foley_assistant.io.json_files import read_tracks
    from foley_assistant.pipeline.spine.placement import placement_of, render_stereo
    from foley_assistant.pipeline.spine.single import render_dry_file

    tracks = read_tracks(args.tracks)
    dry, sample_rate = read_audio(args.source)
    options = _placement(args)
    settings = render_stereo(placement_of(options["placement"], options["curves"], options["binaural"], options["sofa_path"]), 48000, args.hfov)
    stem = render_dry_file(tracks, args.shot, args.object, dry, sample_rate, args.hfov, settings, options["curves"])
    write_bwf(args.out, stem, 48000, description=f"{args.source.name} placed along {args.object}")
    print(f"{args.out}: {stem.shape[1] / 48000:.2f} s stereo, object {args.object}")
    return 0


def export(args: argparse.Namespace) -> int:
    """Write one interchange format from a generate folder or its project file."""
    from foley_assistant.pipeline.handoff.export import export_format

    result = export_format(args.project, args.format, args.out, aaf_mode=args.aaf_stereo, nle=args.nle, all_takes=args.all_takes)
    for note in result.notes:
        print(f"note: {note}", file=sys.stderr)
    main_files = [f for f in result.files if f.suffix.lower() != ".wav" or args.format == "adm"]
    print(f"{args.format} -> {', '.join(str(f) for f in main_files)}")
    if len(main_files) < len(result.files):
        print(f"  and {len(result.files) - len(main_files)} linked media files beside it")
    return 0


def demo(args: argparse.Namespace) -> int:
    """Build the demo cut and run generate on it."""
    from foley_assistant.pipeline.demo import build_demo
    from foley_assistant.pipeline.generate import GenerateRequest, run_generate

    progress = _progress(args)
    try:
        timeline = build_demo(Path(args.out) / "source", seed=args.seed)
        result = run_generate(GenerateRequest(timeline_path=timeline, out_dir=args.out), progress)
    finally:
        progress.close()
    print_summary(result)
    print(f"Demo source (picture and cut): {Path(args.out) / 'source'}")
    return 0


def gui(args: argparse.Namespace) -> int:
    """Open the desktop app (Qt is imported only here)."""
    from foley_assistant.gui.app import main as gui_main

    return gui_main(([str(args.timeline)] if args.timeline else []) + (["--smoke-test"] if args.smoke_test else []))


def evaluate(args: argparse.Namespace) -> int:
    """The `eval` group: dispatch to the metric asked for."""
    from foley_assistant.cli.eval_commands import EVAL_COMMANDS

    return EVAL_COMMANDS[args.eval_command](args)
