"""Sync quality of the procedural engine on synthetic scenes with exact ground truth.

    .venv/bin/python benchmarks/procedural.py [--quick] [--seeds N] [--json]

Scenes (25 fps, 640x360, from `foley_assistant.synth`): walkers at several speeds, distances
and directions, with camera pan, sensor noise, lighting drift and an occluder; two walkers
crossing; a street (a car behind a walker); balls dropped from several heights with several
restitutions. Each scene type is rendered with N seeds (default 2: other textures, colours,
backgrounds and gait phases; the same motion). Each scene is read twice: from its ground-truth
boxes, and from the real tracker (`vision.analyze.track_objects` on the rendered pictures at
320 px, as `analyze` does).

For every walker (footfalls) and ball (impacts) whose truth has events while it is in the picture:
- events: the engine's events against the true ones (one-to-one, hit within one frame): recall,
  precision, median |error|;
- audio: onsets measured in the rendered dry audio (`eval.sync.audio_onsets`) against the true
  events, the same way: this is what a viewer hears;
- AV-Align (SAVGBench's Temporal AV-Align, one-frame window, pooled over objects as
  matched / (onsets + peaks - matched)) of the audio onsets against three visual references,
  none of which sees the events that made the audio:
  boxes: motion peaks of the same tracks' boxes (`eval.sync.motion_peaks`);
  flow: motion peaks of the optical flow of the object's pixels inside those boxes
  (`eval.flow`, `eval.sync.flow_motion_peaks`), measured on the rendered pictures at 320 px;
  frame flow: SAVGBench's own reference, local maxima of the whole picture's mean flow magnitude
  (TempoTokens' Farneback parameters), against the onsets of every sounding object of the scene.
A second table judges the references themselves against the true events: recall, precision and
the AV-Align a perfectly timed sound (onsets exactly on the true events) would get.
A tracked object is sounded with the voice of the truth object it follows (footsteps for walkers,
impacts for balls): tracker labels are the vision stage's to judge, not this one's. Tracked
objects are matched to truth objects by mean box IoU (>= 0.3); truth objects the tracker missed
count as misses. Nothing here passes or fails; targets are in the issue (recall >= 0.9,
precision >= 0.85, median error <= 1 frame, AV-Align >= 0.8).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field

import cv2
import numpy as np

from foley_assistant.core.timebase import FrameRange
from foley_assistant.core.tracks import ObjectTrack, ShotTracks
from foley_assistant.eval.flow import measure_flow
from foley_assistant.eval.sync import (
    audio_onsets,
    count_matches,
    event_scores,
    flow_motion_peaks,
    flow_readable_spans,
    frame_flow_peaks,
    motion_peaks,
    readable_spans,
    within,
)
from foley_assistant.generators.procedural import ProceduralGenerator, VoiceMap
from foley_assistant.pipeline.spine.analyze import choose_detector
from foley_assistant.synth import SceneRenderer, SceneSpec, bouncing_ball_scene, crossing_scene, street_scene, walker_scene
from foley_assistant.synth.truth import ObjectTruth
from foley_assistant.vision.analyze import track_objects

SR = 48000
ANALYSIS_WIDTH = 320
VOICES = {"walker": {"voice": "footsteps"}, "ball": {"voice": "impacts", "material": "rubber"}}
KIND_EVENT = {"walker": "footfall", "ball": "impact"}
REFERENCES = ("boxes", "flow", "frame flow")


def scenes(quick: bool, seeds: int = 2) -> list[tuple[str, SceneSpec]]:
    """The benchmark's scenes, named "<type> <variant>/<seed>"."""
    out: list[tuple[str, SceneSpec]] = []
    walkers = [
        dict(speed_m_s=1.4, distance_m=6.0),
        dict(speed_m_s=1.0, distance_m=5.0, direction=-1),
        dict(speed_m_s=2.0, distance_m=8.0),
        dict(speed_m_s=1.2, distance_m=4.0, end_distance_m=7.0),
        dict(speed_m_s=1.6, distance_m=10.0, direction=-1),
        dict(speed_m_s=1.4, distance_m=6.0, pan_deg_per_s=4.0),
        dict(speed_m_s=1.4, distance_m=6.0, noise_sigma=4.0, lighting_drift=0.1),
        dict(speed_m_s=1.3, distance_m=7.0, occluder=True),
    ]
    balls = [
        dict(drop_height_m=1.2, restitution=0.7),
        dict(drop_height_m=0.8, restitution=0.6, distance_m=4.0),
        dict(drop_height_m=1.6, restitution=0.75, lateral_speed_m_s=1.0),
        dict(drop_height_m=1.0, restitution=0.5, distance_m=5.0, noise_sigma=3.0),
    ]
    for s in range(seeds):
        salt = 100 * s
        for i, options in enumerate(walkers[:3] if quick else walkers):
            out.append((f"walker {i}/{s}", walker_scene(10 + i + salt, duration_s=5.0, **options)))
        out.append((f"crossing/{s}", crossing_scene(3 + salt, duration_s=5.0)))
        if not quick:
            out.append((f"street/{s}", street_scene(4 + salt, duration_s=5.0)))
        for i, options in enumerate(balls[:2] if quick else balls):
            out.append((f"ball {i}/{s}", bouncing_ball_scene(20 + i + salt, duration_s=4.0, **options)))
    return out


def pictures(spec: SceneSpec, renderer: SceneRenderer) -> list[np.ndarray]:
    """The scene's RGB pictures at the analysis width (320 px), as `analyze` and `eval sync` read media."""
    height = int(round(spec.height * ANALYSIS_WIDTH / spec.width / 2)) * 2
    return [cv2.resize(renderer.frame(n), (ANALYSIS_WIDTH, height), interpolation=cv2.INTER_AREA) for n in range(spec.frame_count)]


def tracked(spec: SceneSpec, small: list[np.ndarray]) -> ShotTracks:
    """The scene read by the real analysis from its 320 px pictures (motion and the shipped
    detector, as `analyze` runs them); the objects that get a stem (movers)."""
    detector, _ = choose_detector("nanodet")
    objects = tuple(o for o in track_objects(enumerate(small), spec.rate, spec.width, spec.height, detector=detector) if o.mover)
    return ShotTracks("S1", "", spec.rate, FrameRange(0, spec.frame_count), spec.width, spec.height, objects)


def follows(track: ObjectTrack, truth: ObjectTruth) -> float:
    """Mean box IoU of a track with a truth object over the frames they share (0 if none)."""
    ious = [f.box.iou(t.box) for f in track.frames if (t := truth.frame(f.frame)) is not None]
    return float(np.mean(ious)) if ious else 0.0


@dataclass
class Overlap:
    """Pooled counts of one AV-Align: onsets (or true events), peaks and the pairs matched within a frame."""

    onsets: int = 0
    peaks: int = 0
    matched: int = 0

    def add(self, onsets: np.ndarray, peaks: np.ndarray, fps: float) -> None:
        self.onsets += len(onsets)
        self.peaks += len(peaks)
        self.matched += count_matches(onsets, peaks, 1.0 / fps)

    def iou(self) -> float | None:
        union = self.onsets + self.peaks - self.matched
        return round(self.matched / union, 3) if union else None


@dataclass
class Tally:
    """Pooled counts for one (track source, event kind)."""

    truth: int = 0
    events_found: int = 0
    events_matched: int = 0
    event_errors: list[float] = field(default_factory=list)
    onsets_found: int = 0
    onsets_matched: int = 0
    onset_errors: list[float] = field(default_factory=list)
    align: dict[str, Overlap] = field(default_factory=lambda: {r: Overlap() for r in REFERENCES})
    ceiling: dict[str, Overlap] = field(default_factory=lambda: {r: Overlap() for r in REFERENCES})

    def add(self, truth_s: np.ndarray, events_s: np.ndarray, onsets_s: np.ndarray, fps: float) -> None:
        frame = 1.0 / fps
        events = event_scores(events_s, truth_s, frame)
        onsets = event_scores(onsets_s, truth_s, frame)
        self.truth += len(truth_s)
        self.events_found += events.found
        self.events_matched += events.matched
        self.event_errors += [abs(o) for o in events.offsets_s]
        self.onsets_found += onsets.found
        self.onsets_matched += onsets.matched
        self.onset_errors += [abs(o) for o in onsets.offsets_s]

    def figures(self) -> dict[str, object]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 3) if b else None

        def median_ms(values: list[float]) -> float | None:
            return round(float(np.median(values)) * 1000, 1) if values else None

        return {
            "truth_events": self.truth,
            "event_recall": ratio(self.events_matched, self.truth),
            "event_precision": ratio(self.events_matched, self.events_found),
            "event_median_error_ms": median_ms(self.event_errors),
            "onset_recall": ratio(self.onsets_matched, self.truth),
            "onset_precision": ratio(self.onsets_matched, self.onsets_found),
            "onset_median_error_ms": median_ms(self.onset_errors),
            **{f"av_align_{r.replace(' ', '_')}": o.iou() for r, o in self.align.items()},
            **{f"reference_{r.replace(' ', '_')}": _reference(o) for r, o in self.ceiling.items()},
        }


def _reference(overlap: Overlap) -> dict[str, float | int | None]:
    """How a visual reference agrees with the true events: recall, precision, and the AV-Align of perfect sound."""
    return {
        "peaks": overlap.peaks,
        "recall": round(overlap.matched / overlap.onsets, 3) if overlap.onsets else None,
        "precision": round(overlap.matched / overlap.peaks, 3) if overlap.peaks else None,
        "av_align_of_true_events": overlap.iou(),
    }


def measure(quick: bool, seeds: int, only: str = "") -> dict[str, object]:
    """Run every scene from truth boxes and from the tracker; pooled figures per source and kind."""
    generators = {kind: ProceduralGenerator(voices=VoiceMap.from_dict({"_default": voice})) for kind, voice in VOICES.items()}
    tallies: dict[tuple[str, str], Tally] = {}
    per_scene = []
    started = time.perf_counter()
    for name, spec in scenes(quick, seeds):
        if only not in name:
            continue
        renderer = SceneRenderer(spec)
        truth = renderer.truth
        fps = float(spec.rate)
        n = int(round(spec.frame_count / fps * SR))
        small = pictures(spec, renderer)
        sources = {"truth boxes": truth.as_shot_tracks(), "tracker": tracked(spec, small)}
        frame_peaks = None
        for source, shot in sources.items():
            flow = measure_flow(enumerate(small), shot, whole_frame=frame_peaks is None)
            if frame_peaks is None:
                frame_peaks = frame_flow_peaks(flow.frame_magnitude, fps)
            scene_onsets: dict[str, list[float]] = {}
            scene_truth: dict[str, list[float]] = {}
            for obj_truth in truth.objects:
                if obj_truth.kind not in KIND_EVENT or not obj_truth.frames:
                    continue
                first, last = obj_truth.frames[0].frame / fps, (obj_truth.frames[-1].frame + 1) / fps
                true_times = np.array([e.time_s for e in obj_truth.events if first <= e.time_s < last])
                if source == "truth boxes":
                    mine = [o for o in shot.objects if o.id == obj_truth.id]
                else:
                    mine = [o for o in shot.objects if follows(o, obj_truth) >= 0.3 and max(truth.objects, key=lambda t: follows(o, t)) is obj_truth]
                kind = KIND_EVENT[obj_truth.kind]
                events: list[float] = []
                onsets: list[float] = []
                dry_sum = np.zeros(n)
                references = {r: ([], []) for r in REFERENCES[:2]}  # judged onsets, peaks
                truths = {r: [] for r in REFERENCES[:2]}
                for track in mine:
                    dry = generators[obj_truth.kind].generate(track, shot, n, SR, seed=1)
                    dry_sum += dry.samples
                    events += [e.time_s for e in dry.events if e.kind == kind]
                    heard = audio_onsets(dry.samples, SR)
                    onsets += list(heard)
                    box_spans, flow_spans = readable_spans(shot, [track.id]), flow_readable_spans(flow, [track.id])
                    references["boxes"][0].extend(within(heard, box_spans))
                    references["boxes"][1].extend(motion_peaks(shot, [track.id]))
                    references["flow"][0].extend(within(heard, flow_spans))
                    references["flow"][1].extend(flow_motion_peaks(flow, [track.id]))
                    truths["boxes"].extend(within(true_times, box_spans))
                    truths["flow"].extend(within(true_times, flow_spans))
                scene_onsets.setdefault(kind, []).extend(audio_onsets(dry_sum, SR) if mine else [])
                scene_truth.setdefault(kind, []).extend(true_times)
                tally = tallies.setdefault((source, kind), Tally())
                scene_tally = Tally()
                for t in (tally, scene_tally):
                    t.add(true_times, np.array(sorted(events)), np.array(sorted(onsets)), fps)
                    for r, (judged, peaks) in references.items():
                        peaks_sorted = np.array(sorted(peaks))
                        t.align[r].add(np.array(sorted(judged)), peaks_sorted, fps)
                        t.ceiling[r].add(np.array(sorted(set(truths[r]))), peaks_sorted, fps)
                per_scene.append({"scene": name, "source": source, "object": obj_truth.id, "kind": kind, "tracks": len(mine), **scene_tally.figures()})
            for kind, heard_all in scene_onsets.items():
                tally = tallies.setdefault((source, kind), Tally())
                tally.align["frame flow"].add(np.array(sorted(heard_all)), frame_peaks, fps)
                tally.ceiling["frame flow"].add(np.array(sorted(scene_truth[kind])), frame_peaks, fps)
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "seeds": seeds,
        "pooled": [{"source": s, "kind": k, **t.figures()} for (s, k), t in sorted(tallies.items())],
        "per_object": per_scene,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer scenes")
    parser.add_argument("--seeds", type=int, default=2, help="seeds per scene (default 2)")
    parser.add_argument("--only", default="", metavar="TEXT", help="only the scenes whose name holds TEXT (e.g. ball)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = measure(args.quick, max(1, args.seeds), args.only)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    heads = (
        "source",
        "kind",
        "truth_events",
        "event_recall",
        "event_precision",
        "event_median_error_ms",
        "onset_recall",
        "onset_precision",
        "onset_median_error_ms",
        "av_align_boxes",
        "av_align_flow",
        "av_align_frame_flow",
    )
    print(" | ".join(heads))
    for row in figures["pooled"]:  # type: ignore[union-attr]
        print(" | ".join(str(row[h]) for h in heads))
    print("\nvisual references against the true events (peaks, recall, precision, AV-Align of perfectly timed sound):")
    for row in figures["pooled"]:  # type: ignore[union-attr]
        cells = []
        for r in REFERENCES:
            ref = row[f"reference_{r.replace(' ', '_')}"]
            cells.append(f"{r}: {ref['peaks']} peaks R={ref['recall']} P={ref['precision']} AV-Align={ref['av_align_of_true_events']}")
        print(f"  {row['source']:<12} {row['kind']:<8} " + " | ".join(cells))
    print(f"\nper object ({figures['seconds']} s, {figures['seeds']} seeds):")
    for row in figures["per_object"]:  # type: ignore[union-attr]
        print(
            f"  {row['scene']:<12} {row['source']:<12} {row['object']} {row['kind']:<8} tracks={row['tracks']} "
            f"events R={row['event_recall']} P={row['event_precision']} err={row['event_median_error_ms']} ms  "
            f"onsets R={row['onset_recall']} P={row['onset_precision']} err={row['onset_median_error_ms']} ms  "
            f"AV-Align boxes={row['av_align_boxes']} flow={row['av_align_flow']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
