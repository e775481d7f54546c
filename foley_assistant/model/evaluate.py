"""Evaluation on held-out synthetic scenes: object awareness and sync of each engine's per-object
stems against the scenes' exact truth.

Engines are functions from an `Example` to its stems (K, 2, n). The metrics are the project's
(docs/metrics.md): object awareness from `eval.spatial.stereo_spatial_metrics` (pan r and MAE of
the level-difference azimuth against the object's box seen through the camera), sync from
`eval.sync` (Temporal AV-Align of the stem's onsets against the object's box motion peaks, as
`eval sync` reports it), plus event F1: the onsets against the scene's exact footfall and impact
times, matched within 50 ms.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from foley_assistant.eval.spatial import SpatialEvalSettings, stereo_spatial_metrics
from foley_assistant.eval.sync import audio_onsets, event_scores, sync_report
from foley_assistant.model.scenes import HELD_OUT_SEED, HFOV_DEG, Example, make_example

Engine = Callable[[Example], np.ndarray]

EVENT_WINDOW_S = 0.05


def spatial_of(stem: np.ndarray, example: Example, index: int) -> dict[str, float]:
    """Pan r and MAE (degrees) of object `index`'s stem (NaN where undefined: r of a stem whose
    position never moves, or of an object that never moves)."""
    found = stereo_spatial_metrics(stem, example.sample_rate, example.tracks.objects[index], example.tracks, SpatialEvalSettings(hfov_deg=HFOV_DEG))
    return {
        "pearson_r": float("nan") if found.pearson_r is None else found.pearson_r,
        "mae_deg": float("nan") if found.mae_deg is None else found.mae_deg,
    }


def sync_of(stem: np.ndarray, example: Example, index: int) -> dict[str, float]:
    """AV-Align and event F1 of object `index`'s stem (NaN where undefined: nothing to align, or
    neither true events nor onsets)."""
    mono = stem.mean(axis=0)
    obj = example.tracks.objects[index]
    align = sync_report(mono, example.sample_rate, example.tracks, [obj.id])["av_align"]
    truth = np.array([e.time_s for e in example.events[index] if e.kind in ("footfall", "impact")])
    scores = event_scores(audio_onsets(mono, example.sample_rate), truth, EVENT_WINDOW_S)
    if scores.found == 0 and scores.truth == 0:
        f1 = float("nan")
    else:
        f1 = 2 * scores.matched / (scores.found + scores.truth)
    return {"av_align": float("nan") if align is None else float(align), "event_f1": f1}


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
    results: dict[str, dict[str, float]] = {}
    for name, engine in engines.items():
        rows: dict[str, list[float]] = {"pearson_r": [], "mae_deg": [], "av_align": [], "event_f1": []}
        for example in examples:
            stems = engine(example)
            for k in range(len(example.tracks.objects)):
                spatial = spatial_of(stems[k], example, k)
                sync = sync_of(stems[k], example, k)
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
