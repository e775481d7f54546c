"""Timeline I/O overhead against bare OpenTimelineIO, on a generated 10,000-clip timeline.

- load: `read_timeline` + `list_shots` (+ `relink_shots` with no folders) divided by a bare
  `otio.adapters.read_from_file` of the same file;
- write-back: `write_with_stem_tracks` for 2,000 stems (building the stem tracks and writing the
  cut with them, atomically) divided by a bare `otio.adapters.write_to_file` of the timeline
  that results (same tracks, same file).

For scale, it also times a bare OTIO read followed by a plain Python walk that reads the fields a
shot is made of from every item of the video tracks (range, name, flags, effects, media
reference, URL, available range) and does nothing else: what OTIO's Python bindings cost any
reader that looks at 10,000 clips (each object's first touch makes its Python wrapper).

    .venv/bin/python benchmarks/timeline_io.py [--clips 10000] [--stems 2000] [--repeat 3] [--json]

Figures are medians over the repeats, measured in the same run. Nothing here passes or fails.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import opentimelineio as otio

from foley_assistant.core.lanes import assign_lanes
from foley_assistant.core.stem import Stem
from foley_assistant.io.relink import relink_shots
from foley_assistant.io.shot_list import list_shots
from foley_assistant.io.timeline import read_timeline
from foley_assistant.io.writeback import with_stem_tracks, write_with_stem_tracks

RATE = 24
SR = 48000


def make_timeline(clips: int) -> otio.schema.Timeline:
    """A cut of `clips` clips over 4 video tracks, with gaps and a dissolve every 50 clips."""
    timeline = otio.schema.Timeline(name="bench", global_start_time=otio.opentime.RationalTime(86400, RATE))
    tracks = [otio.schema.Track(name=f"V{n + 1}", kind=otio.schema.TrackKind.Video) for n in range(4)]
    for number in range(clips):
        track = tracks[number % 4]
        length = 24 + (number * 7) % 96
        available = otio.opentime.TimeRange(otio.opentime.RationalTime(0, RATE), otio.opentime.RationalTime(length + 48, RATE))
        reference = otio.schema.ExternalReference(target_url=f"/media/reel_{number % 97:03d}/clip_{number:05d}.mov", available_range=available)
        if number % 13 == 0:
            track.append(otio.schema.Gap(duration=otio.opentime.RationalTime(12, RATE)))
        elif number % 50 == 0 and len(track):
            track.append(otio.schema.Transition(in_offset=otio.opentime.RationalTime(6, RATE), out_offset=otio.opentime.RationalTime(6, RATE)))
        track.append(
            otio.schema.Clip(
                name=f"clip_{number:05d}",
                media_reference=reference,
                source_range=otio.opentime.TimeRange(otio.opentime.RationalTime(24, RATE), otio.opentime.RationalTime(length, RATE)),
            )
        )
    for track in tracks:
        timeline.tracks.append(track)
    return timeline


def bare_field_walk(path: Path) -> None:
    """Read the file with OTIO, then read each video item's fields that a shot needs, once."""
    timeline = otio.adapters.read_from_file(str(path))
    for track in timeline.video_tracks():
        for item in track[:]:
            if isinstance(item, otio.schema.Transition):
                continue
            own = item.trimmed_range()
            (own.start_time.value, own.duration.value, item.name, item.enabled, bool(item.metadata), bool(item.effects))
            if isinstance(item, otio.schema.Clip):
                reference = item.media_reference
                (reference.target_url, reference.available_range)


def _timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def measure(folder: Path, clips: int, stems: int, repeat: int) -> dict[str, object]:
    path = folder / "bench.otio"
    otio.adapters.write_to_file(make_timeline(clips), str(path))
    runs: list[dict[str, float]] = []
    shots = list_shots(read_timeline(path))
    stem_list = [Stem(s.id, "O1", ("person", "car", "ball")[n % 3], f"stems/{s.id}_O1.wav", "procedural", SR, s.record_start_sample(SR), s.duration_samples(SR)) for n, s in enumerate(shots[:stems])]
    lanes = assign_lanes(stem_list)
    loaded = read_timeline(path)
    result = with_stem_tracks(loaded.timeline, lanes, folder)
    for _ in range(repeat):
        bare_read = _timed(lambda: otio.adapters.read_from_file(str(path)))
        bare_walk = _timed(lambda: bare_field_walk(path))
        ours_read = _timed(lambda: relink_shots(list_shots(read_timeline(path))))
        bare_write = _timed(lambda: otio.adapters.write_to_file(result, str(folder / "bare.otio")))
        ours_write = _timed(lambda: write_with_stem_tracks(loaded.timeline, lanes, folder, folder / "ours.otio"))
        runs.append({"bare_read": bare_read, "bare_walk": bare_walk, "ours_read": ours_read, "bare_write": bare_write, "ours_write": ours_write})
    median = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
    return {
        "clips": clips,
        "shots": len(shots),
        "stems": len(stem_list),
        "lanes": len(lanes),
        "repeats": repeat,
        "seconds": median,
        "load_and_list_over_bare_read": median["ours_read"] / median["bare_read"],
        "bare_walk_over_bare_read": median["bare_walk"] / median["bare_read"],
        "write_back_over_bare_write": median["ours_write"] / median["bare_write"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clips", type=int, default=10000)
    parser.add_argument("--stems", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="foley-bench-io-") as folder:
        figures = measure(Path(folder), args.clips, args.stems, args.repeat)
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    s = figures["seconds"]
    print(f"timeline I/O: {figures['clips']} clips ({figures['shots']} shots), {figures['stems']} stems on {figures['lanes']} lanes, median of {figures['repeats']}")
    print(f"  load + list shots : {s['ours_read']:.3f} s   bare OTIO read : {s['bare_read']:.3f} s   ratio {figures['load_and_list_over_bare_read']:.2f}x")
    print(f"    (for scale: bare OTIO read + a bare walk of the clips' fields: {s['bare_walk']:.3f} s, ratio {figures['bare_walk_over_bare_read']:.2f}x)")
    print(f"  write back stems  : {s['ours_write']:.3f} s   bare OTIO write: {s['bare_write']:.3f} s   ratio {figures['write_back_over_bare_write']:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
