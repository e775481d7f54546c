"""An up-front estimate of the memory and disk a generate run needs, checked before any work.

Shots are made one at a time, so memory follows the longest shot. An object's sound is made a
block at a time (`generators.procedural.dsp.BLOCK_SAMPLES`, about 33 s) and a long one waits in
an anonymous temporary file until its files are written; its placed stem and the mix are
rendered a block at a time as they are read. What still grows with the shot is what every frame
of it holds: the tracks, the curves' keyframes, the event log and the control-rate gains of the
voices and renderers, about 2 bytes per sample of shot per object in resident memory
(`FRAME_BYTES_PER_SAMPLE`; about 1 in Python's own allocations), on
top of the program and one block's working set (`BASE_BYTES`). An ambience bed is still made
whole: about 50 bytes per sample while it is made (`AMBIENCE_BYTES_PER_SAMPLE`). The figures are
what `benchmarks/memory.py` measures (a 60-minute shot with two objects peaks near 0.9 GB;
the estimate, 1.0 GB, is a little above).

Disk is every file written: per object a 24-bit stereo stem and a 32-bit float dry source, per
shot a 24-bit stereo mix (and a bed, counted as an object); stems, dry sources and beds run on
through the handles either side of the cut (counted in full), the mix covers the cut. While the
longest shot is made, its objects' dry sources (float32) wait in the system's temporary folder
(`TMPDIR`), which needs room for them too.

A run whose estimate does not fit in the memory the system has available, or in the free space
of the output folder's disk or of the temporary folder, is refused with the figures and what to
do; one that would take most of what is left goes on with a warning. Objects not yet known (the
shot is analysed first) count as `ASSUMED_OBJECTS`, and then the figures only warn.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from foley_assistant.core.errors import OutputError
from foley_assistant.core.shot import Shot
from foley_assistant.core.tracks import TracksDocument

BASE_BYTES = 320 * 2**20  # the program, its libraries and one block of a sound being made
FRAME_BYTES_PER_SAMPLE = 2  # per object: what every frame holds (tracks, keyframes, event log, control-rate gains)
AMBIENCE_BYTES_PER_SAMPLE = 50  # an ambience bed, made whole (its float64 working arrays)
TEMP_BYTES_PER_SAMPLE = 4  # per object: its float32 dry source in the temporary folder while the shot is made
DISK_BYTES_PER_SAMPLE = 10  # per object: 24-bit stereo stem (6) and float dry source (4)
MIX_BYTES_PER_SAMPLE = 6  # per shot: the 24-bit stereo mix
ASSUMED_OBJECTS = 3  # objects per shot not analysed yet
WARN_SHARE = 0.7  # warn when the estimate takes more than this share of what is available


@dataclass(frozen=True)
class Estimate:
    """What a run is expected to need (`temp_bytes`: in the temporary folder, for the longest shot)."""

    memory_bytes: int
    disk_bytes: int
    longest_shot: str
    longest_minutes: float
    objects_known: bool
    temp_bytes: int = 0


def estimate_generate(shots: list[Shot], known: TracksDocument | None, sample_rate: int, handles_s: float = 0.0, ambience: bool = False) -> Estimate:
    """The peak memory and temporary space (longest shot) and the disk (every shot) a generate
    run of `shots` needs; objects from `known` tracks where a shot has them (movers only), else
    `ASSUMED_OBJECTS`; `handles_s` each side of every cut (as much as the project asks for: an
    upper bound); `ambience`: a bed is laid under each shot."""
    handle = 2 * max(0, round(handles_s * sample_rate))
    by_id = {s.shot_id: s for s in known.shots} if known is not None else {}
    memory, disk, temp, longest, minutes, all_known = BASE_BYTES, 0, 0, "", 0.0, True
    for shot in shots:
        cut = max(0, shot.duration_samples(sample_rate))
        samples = cut + handle
        tracks = by_id.get(shot.id)
        objects = ASSUMED_OBJECTS if tracks is None else sum(1 for o in tracks.objects if o.mover)
        all_known &= tracks is not None
        need = BASE_BYTES + samples * (FRAME_BYTES_PER_SAMPLE * objects + (AMBIENCE_BYTES_PER_SAMPLE if ambience else 0))
        if need > memory:
            memory, longest, minutes = need, shot.id, cut / sample_rate / 60
        temp = max(temp, samples * TEMP_BYTES_PER_SAMPLE * objects)
        disk += samples * DISK_BYTES_PER_SAMPLE * (objects + (1 if ambience else 0)) + cut * MIX_BYTES_PER_SAMPLE
    return Estimate(memory, disk, longest, minutes, all_known, temp)


def available_memory() -> int | None:
    """Bytes of memory the system can give without swapping (Linux MemAvailable), or None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def free_disk(folder: Path) -> int | None:
    """Free bytes on the disk that holds `folder` (or its nearest existing parent), or None."""
    here = Path(os.path.abspath(folder))
    while not here.exists() and here != here.parent:
        here = here.parent
    try:
        return shutil.disk_usage(here).free
    except OSError:
        return None


def _gb(value: int) -> str:
    return f"{value / 2**30:.1f} GB"


def check_budget(estimate: Estimate, out_dir: Path, memory: int | None = None, disk: int | None = None, temp: int | None = None) -> list[str]:
    """Refuse (OutputError) a run that would not fit; returns warnings for one that would take
    most of what is left. `memory`, `disk` (the output folder's) and `temp` (the temporary
    folder's free space) default to what the system reports now."""
    memory = available_memory() if memory is None else memory
    disk = free_disk(out_dir) if disk is None else disk
    temp_dir = Path(tempfile.gettempdir())
    temp = free_disk(temp_dir) if temp is None else temp
    where = f"shot {estimate.longest_shot} ({estimate.longest_minutes:.0f} min)"
    checks = [
        (
            estimate.memory_bytes,
            memory,
            f"generate would need about {_gb(estimate.memory_bytes)} of memory for {where}, and {_gb(memory or 0)} is available; "
            "nothing was written. Close other programs, generate on a machine with more memory, or cut the shot into shorter ones (--shot to make the others).",
            f"generate may need about {_gb(estimate.memory_bytes)} of memory for {where}, of {_gb(memory or 0)} available",
        ),
        (
            estimate.disk_bytes,
            disk,
            f"the stems, dry sources and mixes would take about {_gb(estimate.disk_bytes)} and {out_dir} has {_gb(disk or 0)} free; nothing was written. Free some space or choose another --out.",
            f"the stems, dry sources and mixes may take about {_gb(estimate.disk_bytes)} of the {_gb(disk or 0)} free in {out_dir}",
        ),
        (
            estimate.temp_bytes,
            temp,
            f"the sounds of {where} wait in the temporary folder {temp_dir} while it is made, about {_gb(estimate.temp_bytes)}, and it has {_gb(temp or 0)} free; "
            "nothing was written. Free some space there or set TMPDIR to a folder with room.",
            f"the sounds of {where} may take about {_gb(estimate.temp_bytes)} of the {_gb(temp or 0)} free in the temporary folder {temp_dir}",
        ),
    ]
    warnings: list[str] = []
    for need, have, refusal, warning in checks:
        if have is None:
            continue
        if need > have and estimate.objects_known:
            raise OutputError(refusal)
        if need > WARN_SHARE * have:
            warnings.append(warning)
    return warnings
