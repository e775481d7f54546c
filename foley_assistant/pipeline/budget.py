"""An up-front estimate of the memory and disk a generate run needs, checked before any work.

Shots are made one at a time, so memory follows the longest shot: while a shot is made each
object's dry source is held whole (float32: 4 bytes per sample per object; its placed stem is
rendered a block at a time as it is read, never held) and the procedural voices synthesise one
object at a time (about 20 bytes per sample at their peak: the float64 sum of its voices, the
reduced-rate engine tone, the cloth's noise bands), on top of the program itself. Disk is every
file written: per object a 24-bit stereo stem and a 32-bit float dry source, per shot a 24-bit
stereo mix (and a bed, counted as an object); stems, dry sources and beds run on through the
handles either side of the cut (counted in full), the mix covers the cut. The figures are what
`benchmarks/memory.py` measures (about 90 MB per minute of a two-object shot, on a base of about
180 MB).

A run whose estimate does not fit in the memory the system has available, or in the free space
of the output folder's disk, is refused with the figures and what to do; one that would take most
of what is left goes on with a warning. Objects not yet known (the shot is analysed first) count
as `ASSUMED_OBJECTS`, and then the figures only warn.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from foley_assistant.core.errors import OutputError
from foley_assistant.core.shot import Shot
from foley_assistant.core.tracks import TracksDocument

BASE_BYTES = 256 * 2**20  # the program, its libraries and a short shot's working set
SYNTH_BYTES_PER_SAMPLE = 20  # the procedural voices' peak while one object is synthesised
HELD_BYTES_PER_SAMPLE = 4  # per object: its dry source, float32 (stems are placed as they are written)
DISK_BYTES_PER_SAMPLE = 10  # per object: 24-bit stereo stem (6) and float dry source (4)
MIX_BYTES_PER_SAMPLE = 6  # per shot: the 24-bit stereo mix
ASSUMED_OBJECTS = 3  # objects per shot not analysed yet
WARN_SHARE = 0.7  # warn when the estimate takes more than this share of what is available


@dataclass(frozen=True)
class Estimate:
    """What a run is expected to need."""

    memory_bytes: int
    disk_bytes: int
    longest_shot: str
    longest_minutes: float
    objects_known: bool


def estimate_generate(shots: list[Shot], known: TracksDocument | None, sample_rate: int, handles_s: float = 0.0) -> Estimate:
    """The peak memory (longest shot) and the disk (every shot) a generate run of `shots` needs;
    objects from `known` tracks where a shot has them (movers only), else `ASSUMED_OBJECTS`;
    `handles_s` each side of every cut (as much as the project asks for: an upper bound)."""
    handle = 2 * max(0, round(handles_s * sample_rate))
    by_id = {s.shot_id: s for s in known.shots} if known is not None else {}
    memory, disk, longest, minutes, all_known = BASE_BYTES, 0, "", 0.0, True
    for shot in shots:
        cut = max(0, shot.duration_samples(sample_rate))
        samples = cut + handle
        tracks = by_id.get(shot.id)
        objects = ASSUMED_OBJECTS if tracks is None else sum(1 for o in tracks.objects if o.mover)
        all_known &= tracks is not None
        need = BASE_BYTES + samples * (SYNTH_BYTES_PER_SAMPLE + HELD_BYTES_PER_SAMPLE * (objects + 1))
        if need > memory:
            memory, longest, minutes = need, shot.id, cut / sample_rate / 60
        disk += samples * DISK_BYTES_PER_SAMPLE * objects + cut * MIX_BYTES_PER_SAMPLE
    return Estimate(memory, disk, longest, minutes, all_known)


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


def check_budget(estimate: Estimate, out_dir: Path, memory: int | None = None, disk: int | None = None) -> list[str]:
    """Refuse (OutputError) a run that would not fit; returns warnings for one that would take
    most of what is left. `memory` and `disk` default to what the system reports now."""
    memory = available_memory() if memory is None else memory
    disk = free_disk(out_dir) if disk is None else disk
    warnings: list[str] = []
    where = f"shot {estimate.longest_shot} ({estimate.longest_minutes:.0f} min)"
    if memory is not None:
        if estimate.memory_bytes > memory and estimate.objects_known:
            raise OutputError(
                f"generate would need about {_gb(estimate.memory_bytes)} of memory for {where}, and {_gb(memory)} is available; "
                "nothing was written. Close other programs, generate on a machine with more memory, or cut the shot into shorter ones (--shot to make the others)."
            )
        if estimate.memory_bytes > WARN_SHARE * memory:
            warnings.append(f"generate may need about {_gb(estimate.memory_bytes)} of memory for {where}, of {_gb(memory)} available")
    if disk is not None:
        if estimate.disk_bytes > disk and estimate.objects_known:
            raise OutputError(
                f"the stems, dry sources and mixes would take about {_gb(estimate.disk_bytes)} and {out_dir} has {_gb(disk)} free; nothing was written. Free some space or choose another --out."
            )
        if estimate.disk_bytes > WARN_SHARE * disk:
            warnings.append(f"the stems, dry sources and mixes may take about {_gb(estimate.disk_bytes)} of the {_gb(disk)} free in {out_dir}")
    return warnings
