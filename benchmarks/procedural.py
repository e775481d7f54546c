"""Sync quality of the procedural engine on synthetic scenes with exact ground truth.

    .venv/bin/python benchmarks/procedural.py [--quick] [--json]

Scenes (25 fps, 640x360, from `foley_assistant.synth`): walkers at several speeds, distances
and directions, with camera pan, sensor noise, lighting drift and an occluder; two walkers
crossing; a street (a car behind a walker); balls dropped from several heights with several
restitutions. Each scene is read twice: from its ground-truth boxes, and from the real tracker
(`vision.analyze.track_objects` on the rendered pictures at 320 px, as `analyze` does).

For every walker (footfalls) and ball (impacts) whose truth has events while it is in the picture:
- events: the engine's events against the true ones (one-to-one, hit within one frame): recall,
  precision, median |error|;
- audio: onsets measured in the rendered dry audio (`eval.sync.audio_onsets`) against the true
  events, the same way: this is what a viewer hears;
- AV-Align: audio onsets against the motion peaks of the same tracks (SAVGBench's Temporal
  AV-Align, one-frame window), pooled over objects as matched / (onsets + peaks - matched).
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
from foley_assistant.eval.sync import audio_onsets, count_matches, event_scores, motion_peaks, readable_spans, within
from foley_assistant.generators.procedural import ProceduralGenerator, VoiceMap
from foley_assistant.synth import SceneRenderer, SceneSpec, bouncing_ball_scene, crossing_scene, street_scene, walker_scene
from foley_assistant.synth.truth import ObjectTruth
from foley_assistant.vision.analyze import track_objects

SR = 48000
VOICES = {"walker": {"voice": "footsteps"}, "ball": {"voice": "impacts", "material": "rubber"}}
KIND_EVENT = {"walker": "footfall", "ball": "impact"}


def scenes(quick: bool) -> list[tuple[str, SceneSpec]]:
    """The benchmark's scenes, named."""
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
    for i, options in enumerate(walkers[:3] if quick else walkers):
        out.append((f"walker {i}", walker_scene(10 + i, duration_s=5.0, **options)))
    out.append(("crossing", crossing_scene(3, duration_s=5.0)))
    if not quick:
        out.append(("street", street_scene(4, duration_s=5.0)))
    balls = [
        dict(drop_height_m=1.2, restitution=0.7),
        dict(drop_height_m=0.8, restitution=0.6, distance_m=4.0),
        dict(drop_height_m=1.6, restitution=0.75, lateral_speed_m_s=1.0),
        dict(drop_height_m=1.0, restitution=0.5, distance_m=5.0, noise_sigma=3.0),
    ]
    for i, options in enumerate(balls[:2] if quick else balls):
        out.append((f"ball {i}", bouncing_ball_scene(20 + i, duration_s=4.0, **options)))
    return out


def tracked(spec: SceneSpec, renderer: SceneRenderer) -> ShotTracks:
    """The scene read by the real tracker, at 320 px as `analyze` reads media."""
    width = 320
    height = int(round(spec.height * width / spec.width / 2)) * 2
    frames = ((n, cv2.resize(renderer.frame(n), (width, height), interpolation=cv2.INTER_AREA)) for n in range(spec.frame_count))
    objects = track_objects(frames, spec.rate, spec.width, spec.height)
    return ShotTracks("S1", "", spec.rate, FrameRange(0, spec.frame_count), spec.width, spec.height, objects)


def follows(track: ObjectTrack, truth: ObjectTruth) -> float:
    """Mean box IoU of a track with a truth object over the frames they share (0 if none)."""
    ious = [f.box.iou(t.box) for f in track.frames if (t := truth.frame(f.frame)) is not None]
    return float(np.mean(ious)) if ious else 0.0


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
    av_onsets: int = 0
    av_peaks: int = 0
    av_matched: int = 0

    def add(self, truth_s: np.ndarray, events_s: np.ndarray, onsets_s: np.ndarray, judged: np.ndarray, peaks: np.ndarray, fps: float) -> None:
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
        self.av_onsets += len(judged)
        self.av_peaks += len(peaks)
        self.av_matched += count_matches(judged, peaks, frame)

    def figures(self) -> dict[str, float | int | None]:
        def ratio(a: int, b: int) -> float | None:
            return round(a / b, 3) if b else None

        def median_ms(values: list[float]) -> float | None:
            return round(float(np.median(values)) * 1000, 1) if values else None

        union = self.av_onsets + self.av_peaks - self.av_matched
        return {
            "truth_events": self.truth,
            "event_recall": ratio(self.events_matched, self.truth),
            "event_precision": ratio(self.events_matched, self.events_found),
            "event_median_error_ms": median_ms(self.event_errors),
            "onset_recall": ratio(self.onsets_matched, self.truth),
            "onset_precision": ratio(self.onsets_matched, self.onsets_found),
            "onset_median_error_ms": median_ms(self.onset_errors),
            "av_align": ratio(self.av_matched, union),
        }


def measure(quick: bool) -> dict[str, object]:
    """Run every scene from truth boxes and from the tracker; pooled figures per source and kind."""
    generators = {kind: ProceduralGenerator(voices=VoiceMap.from_dict({"_default": voice})) for kind, voice in VOICES.items()}
    tallies: dict[tuple[str, str], Tally] = {}
    per_scene = []
    started = time.perf_counter()
    for name, spec in scenes(quick):
        renderer = SceneRenderer(spec)
        truth = renderer.truth
        fps = float(spec.rate)
        n = int(round(spec.frame_count / fps * SR))
        sources = {"truth boxes": truth.as_shot_tracks(), "tracker": tracked(spec, renderer)}
        for source, shot in sources.items():
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
                events, onsets, judged, peaks = [], [], [], []
                for track in mine:
                    dry = generators[obj_truth.kind].generate(track, shot, n, SR, seed=1)
                    events += [e.time_s for e in dry.events if e.kind == kind]
                    heard = audio_onsets(dry.samples, SR)
                    onsets += list(heard)
                    judged += list(within(heard, readable_spans(shot, [track.id])))
                    peaks += list(motion_peaks(shot, [track.id]))
                tally = tallies.setdefault((source, kind), Tally())
                tally.add(true_times, np.array(sorted(events)), np.array(sorted(onsets)), np.array(sorted(judged)), np.array(sorted(peaks)), fps)
                scene_tally = Tally()
                scene_tally.add(true_times, np.array(sorted(events)), np.array(sorted(onsets)), np.array(sorted(judged)), np.array(sorted(peaks)), fps)
                per_scene.append({"scene": name, "source": source, "object": obj_truth.id, "kind": kind, "tracks": len(mine), **scene_tally.figures()})
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "pooled": [{"source": s, "kind": k, **t.figures()} for (s, k), t in sorted(tallies.items())],
        "per_object": per_scene,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer scenes")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    figures = measure(args.quick)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    heads = ("source", "kind", "truth_events", "event_recall", "event_precision", "event_median_error_ms",
             "onset_recall", "onset_precision", "onset_median_error_ms", "av_align")
    print(" | ".join(heads))
    for row in figures["pooled"]:  # type: ignore[union-attr]
        print(" | ".join(str(row[h]) for h in heads))
    print(f"\nper object ({figures['seconds']} s):")
    for row in figures["per_object"]:  # type: ignore[union-attr]
        print(
            f"  {row['scene']:<10} {row['source']:<12} {row['object']} {row['kind']:<8} tracks={row['tracks']} "
            f"events R={row['event_recall']} P={row['event_precision']} err={row['event_median_error_ms']} ms  "
            f"onsets R={row['onset_recall']} P={row['onset_precision']} err={row['onset_median_error_ms']} ms  "
            f"AV-Align={row['av_align']}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
