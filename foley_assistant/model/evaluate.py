"""Evaluation on held-out synthetic scenes: object awareness and sync of each engine's per-object
stems against the scenes' exact truth.

Engines are functions from an `Example` to its stems (K, 2, n). Object awareness is the project's
`eval.spatial.stereo_spatial_metrics` (pan r and MAE of the level-difference azimuth against the
object's box seen through the camera); sync is `metrics.sync_scores` (AV-Align and event F1), the
seam where a project-wide sync metric (`eval/sync.py`) plugs in: `spatial_of` and `SYNC` below.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from foley_assistant.eval.spatial import SpatialEvalSettings, stereo_spatial_metrics
from foley_assistant.model import metrics
from foley_assistant.model.scenes import HELD_OUT_SEED, HFOV_DEG, Example, make_example

Engine = Callable[[Example], np.ndarray]

SYNC = metrics.sync_scores


def spatial_of(stem: np.ndarray, example: Example, index: int) -> dict[str, float]:
    """Pan r and MAE (degrees) of object `index`'s stem (NaN where undefined: r of a stem whose
    position never moves, or of an object that never moves)."""
    found = stereo_spatial_metrics(stem, example.sample_rate, example.tracks.objects[index], example.tracks, SpatialEvalSettings(hfov_deg=HFOV_DEG))
    return {
        "pearson_r": float("nan") if found.pearson_r is None else found.pearson_r,
        "mae_deg": float("nan") if found.mae_deg is None else found.mae_deg,
    }


def object_motion(example: Example) -> np.ndarray:
    """(objects, frames) optical-flow magnitude inside each object's box (0 where it is absent)."""
    n_frames = len(example.frames)
    curves = []
    for obj in example.tracks.objects:
        boxes = np.full((n_frames, 4), np.nan)
        for frame in obj.frames:
            if 0 <= frame.frame < n_frames:
                boxes[frame.frame] = frame.box.as_list()
        curves.append(metrics.motion_curve(example.frames, boxes))
    return np.stack(curves)


def held_out_examples(count: int, duration_s: float, frame_size: tuple[int, int], sample_rate: int, hop: int) -> list[Example]:
    """`count` scenes from the held-out seed range, each a whole number of codec hops long."""
    n_samples = int(round(duration_s * sample_rate / hop)) * hop
    return [make_example(HELD_OUT_SEED + 101 * i, n_samples / sample_rate, frame_size, sample_rate, n_samples) for i in range(count)]


def procedural_engine(example: Example) -> np.ndarray:
    """The procedural engine placed by the spatial renderer (the examples' own stems)."""
    return example.stems


def centre_mono_engine(example: Example) -> np.ndarray:
    """A centre-panned mono baseline: each procedural stem's mono sum, equal in both channels."""
    mono = example.stems.mean(axis=1, keepdims=True)
    return np.repeat(mono, 2, axis=1)


def _mean(values: list[float]) -> float:
    finite = [v for v in values if not math.isnan(v)]
    return float(np.mean(finite)) if finite else float("nan")


def evaluate(examples: list[Example], engines: dict[str, Engine]) -> dict[str, dict[str, float]]:
    """Mean metrics per engine over every object of every example: pearson_r, mae_deg, av_align,
    event_f1 (objects where a metric is undefined are left out of its mean), and objects."""
    motions = [object_motion(e) for e in examples]
    results: dict[str, dict[str, float]] = {}
    for name, engine in engines.items():
        rows: dict[str, list[float]] = {"pearson_r": [], "mae_deg": [], "av_align": [], "event_f1": []}
        for example, motion in zip(examples, motions):
            stems = engine(example)
            fps = float(example.tracks.fps)
            for k in range(len(example.tracks.objects)):
                spatial = spatial_of(stems[k], example, k)
                events = np.array([e.time_s for e in example.events[k] if e.kind in ("footfall", "impact")])
                sync = SYNC(stems[k], motion[k], events, example.sample_rate, fps)
                for key in ("pearson_r", "mae_deg"):
                    rows[key].append(spatial[key])
                for key in ("av_align", "event_f1"):
                    rows[key].append(sync[key])
        results[name] = {key: _mean(values) for key, values in rows.items()}
        results[name]["objects"] = float(len(rows["mae_deg"]))
    return results


def markdown_table(results: dict[str, dict[str, float]]) -> str:
    """The results as a markdown table."""
    lines = ["| engine | pan r | MAE (deg) | AV-Align | event F1 | objects |", "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for name, row in results.items():
        cells = [f"{row[k]:.3f}" if not math.isnan(row[k]) else "n/a" for k in ("pearson_r", "mae_deg", "av_align", "event_f1")]
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {int(row['objects'])} |")
    return "\n".join(lines)
