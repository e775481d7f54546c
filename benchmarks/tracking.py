"""Tracking quality on synthetic scenes with exact ground truth: MOTA, IDF1, centre and distance error.

Each scene is rendered, encoded to H.264 (so compression artefacts are part of the test), decoded
and analyzed exactly as `foley-assistant analyze --media` does it, then scored against its truth
with `foley_assistant.vision.mot_metrics` (IoU >= 0.5; truth less than 25 % visible is "don't
care"). Distance error counts only matched boxes whose label is the true one, since the size prior
of a wrong label does not hold.

    .venv/bin/python benchmarks/tracking.py [--seeds 5] [--json]

Figures are means over the seeds, with the worst seed's MOTA and IDF1 beside them. Nothing here
passes or fails; the targets are in docs/vision.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np

from foley_assistant.core.progress import CancelToken
from foley_assistant.core.tracks import ObjectTrack
from foley_assistant.io.video import write_video
from foley_assistant.pipeline.progress import JobContext
from foley_assistant.pipeline.spine.analyze import analyze_media
from foley_assistant.synth import SceneTruth, bouncing_ball_scene, crossing_scene, render_scene, street_scene, walker_scene
from foley_assistant.synth.footage import CameraMove, low_light, moved_scene
from foley_assistant.vision.analyze import AnalysisSettings
from foley_assistant.vision.mot_metrics import TrackingScores, evaluate

Scene = Callable[[int], tuple[Iterator[np.ndarray], SceneTruth]]
SIZE = {"width": 640, "height": 360, "duration_s": 6.0}


def _rendered(spec) -> tuple[Iterator[np.ndarray], SceneTruth]:
    return render_scene(spec)


TILT = CameraMove(zoom_start=1.3, tilt_start_deg=-3.0, tilt_deg_per_s=1.0)
#: The shot's field of view as an editor would enter it: the tilt scene is zoomed in 1.3x throughout.
HFOV = {"tilt 1 deg/s": float(np.degrees(2 * np.arctan(np.tan(np.radians(30.0)) / TILT.zoom_start)))}

SCENES: dict[str, Scene] = {
    "static (car + walker)": lambda seed: _rendered(street_scene(seed, **SIZE)),
    "panning 5 deg/s": lambda seed: _rendered(street_scene(seed, pan_deg_per_s=5.0, **SIZE)),
    "crossing + post": lambda seed: _rendered(crossing_scene(seed, occluder=True, **SIZE)),
    "noisy low light": lambda seed: (
        low_light(render_scene(street_scene(seed, lighting_drift=0.15, **SIZE))[0], gain=0.35, noise_sigma=6.0, seed=seed),
        render_scene(street_scene(seed, lighting_drift=0.15, **SIZE))[1],
    ),
    "tilt 1 deg/s": lambda seed: moved_scene(walker_scene(seed, **SIZE), TILT),
    "zoom 1.0 -> 1.6": lambda seed: moved_scene(street_scene(seed, **SIZE), CameraMove(zoom_per_s=0.1)),
    "crossing + post, pan 3 deg/s": lambda seed: _rendered(crossing_scene(seed, occluder=True, pan_deg_per_s=3.0, **SIZE)),
    "bouncing ball": lambda seed: _rendered(bouncing_ball_scene(seed, **SIZE)),
}


@dataclass(frozen=True)
class SceneResult:
    name: str
    scores: list[TrackingScores]
    label_ok: float


def score_scene(scene: Scene, seed: int, workdir: Path, hfov_deg: float = 60.0) -> tuple[TrackingScores, float]:
    """Render, encode, analyze and score one scene at one seed; also the share of correct labels."""
    frames, truth = scene(seed)
    path = workdir / f"scene{seed}.mp4"
    write_video(path, frames, truth.rate, crf=20)
    tracks = analyze_media(str(path), "B1", None, JobContext(lambda *_: None, CancelToken()), AnalysisSettings(hfov_deg=hfov_deg))
    truth_tracks = [o.as_track() for o in truth.objects if o.frames]
    hyps = [o for o in tracks.objects if o.mover]  # what gets a stem; candidates (no stem) are not scored
    labelled = _labelled_distance(truth_tracks, hyps, truth)
    return labelled, _label_share(truth_tracks, hyps)


def _best_hyp(truth: ObjectTrack, hyps: list[ObjectTrack]) -> ObjectTrack | None:
    frames = {f.frame: f for f in truth.frames}
    best, best_overlap = None, 0
    for hyp in hyps:
        overlap = sum(1 for f in hyp.frames if f.frame in frames and f.box.iou(frames[f.frame].box) >= 0.5)
        if overlap > best_overlap:
            best, best_overlap = hyp, overlap
    return best


def _label_share(truth: list[ObjectTrack], hyps: list[ObjectTrack]) -> float:
    matched = [(t, _best_hyp(t, hyps)) for t in truth]
    return float(np.mean([h is not None and h.label == t.label for t, h in matched])) if matched else float("nan")


def _labelled_distance(truth: list[ObjectTrack], hyps: list[ObjectTrack], scene: SceneTruth) -> TrackingScores:
    """Scores where distances of wrongly labelled hypotheses are left out (their prior does not hold)."""
    full = evaluate(truth, hyps, scene.width, scene.height)
    right = [h for h in hyps if any(_best_hyp(t, [h]) is not None and h.label == t.label for t in truth)]
    with_prior = evaluate(truth, right, scene.width, scene.height)
    return TrackingScores(**{**full.__dict__, "distance_errors": with_prior.distance_errors})


def measure(seeds: int) -> list[SceneResult]:
    results = []
    with tempfile.TemporaryDirectory(prefix="foley-tracking-") as folder:
        for name, scene in SCENES.items():
            scores, labels = [], []
            for seed in range(seeds):
                s, label_ok = score_scene(scene, seed, Path(folder), HFOV.get(name, 60.0))
                scores.append(s)
                labels.append(label_ok)
            results.append(SceneResult(name, scores, float(np.mean(labels))))
    return results


def summary(result: SceneResult) -> dict[str, float]:
    s = result.scores
    distances = [e for score in s for e in score.distance_errors]
    return {
        "MOTA": float(np.mean([x.mota for x in s])),
        "MOTA worst": float(np.min([x.mota for x in s])),
        "IDF1": float(np.mean([x.idf1 for x in s])),
        "IDF1 worst": float(np.min([x.idf1 for x in s])),
        "ID switches": float(np.sum([x.id_switches for x in s])),
        "false positives": float(np.sum([x.false_positives for x in s])),
        "misses": float(np.sum([x.misses for x in s])),
        "centre error % width": 100 * float(np.nanmean([x.centre_error for x in s])),
        "distance error median %": 100 * float(np.median(distances)) if distances else float("nan"),
        "distance within 25 %": 100 * float(np.mean(np.array(distances) <= 0.25)) if distances else float("nan"),
        "labels right %": 100 * result.label_ok,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    results = measure(args.seeds)
    table = {r.name: summary(r) for r in results}
    if args.json:
        print(json.dumps(table, indent=2))
        return 0
    print(f"{args.seeds} seeds per scene, 640x360 25 fps 6 s, H.264 crf 20, analysed at 320 px; MOTA and IDF1: mean (worst seed)")
    print("| scene | MOTA | IDF1 | ID sw | FP | FN | centre err (% W) | dist err (median) | dist within 25 % | labels |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, row in table.items():
        print(
            f"| {name} | {row['MOTA']:.3f} ({row['MOTA worst']:.3f}) | {row['IDF1']:.3f} ({row['IDF1 worst']:.3f}) | {row['ID switches']:.0f} | {row['false positives']:.0f} | "
            f"{row['misses']:.0f} | {row['centre error % width']:.2f} | {row['distance error median %']:.1f} % | "
            f"{row['distance within 25 %']:.0f} % | {row['labels right %']:.0f} % |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
