"""One loudness gain for a reel: the same source at the same distance sounds the same in every shot.

Each shot leaves the spine with its own gain (its mix to the target under the true-peak ceiling:
the "shot" scope, and the level the shot's files are first written at). Under the "reel" scope
(the default) `level_reel` then measures the reel: the shots' mixes before any gain, laid end to
end in record order, give one integrated loudness; the reel's gain takes that to the target,
lowered so that no shot passes the true-peak ceiling. Every file of each shot (stems, dry
sources, bed, mix) is rescaled from its shot's gain to the reel's, so the stems still sum to
the mix.

The files of a shot a resumed run took as finished may lie in another folder (`sources`, the
output folder itself): they are read there, and a file the reel's gain changes is written into the
run's folder (the one saved as a set), never rescaled where it lies. Each loudness record keeps
`files_gain_db`, the exact gain its files carry, so a shot levelled once is not levelled again
by the same gain (a resumed run of a finished folder rewrites nothing).

A run that makes only some shots of a reel whose gain is already known (`known_gain_db`: the
project's `reel_gain_db`) gives them that gain, so they match the shots kept from before; a shot
that would then pass the ceiling is lowered on its own, and the report says so.
"""

from __future__ import annotations

import itertools
import math
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from foley_assistant.io.audio import rescale_wav
from foley_assistant.io.audio_blocks import audio_shape, read_blocks
from foley_assistant.pipeline.output.deliver import OutputLayout, dry_path_of
from foley_assistant.pipeline.spine.made import MadeShot
from foley_assistant.spatial.loudness import LoudnessSettings, integrated_loudness_of_blocks

#: A gain change smaller than this (dB) leaves the files as they are.
UNCHANGED_DB = 1e-3


def shot_files(made: MadeShot, layout: OutputLayout) -> list[str]:
    """Every audio file the spine wrote for a shot, relative to its folder: stems, the objects'
    dry sources, its mix."""
    files = [stem.path for stem in made.stems]
    files += [dry_path_of(stem) for stem in made.stems if not stem.is_ambience]
    return files + [layout.mix(made.shot_id)]


def _found(name: str, layout: OutputLayout, sources: tuple[Path, ...]) -> Path:
    """Where a shot's file lies: the run's folder, or else the first of `sources` that has it."""
    return next((root / name for root in (layout.root, *sources) if (root / name).is_file()), layout.root / name)


def _files_gain(made: MadeShot) -> float:
    """The gain (dB) the shot's files carry."""
    record = made.loudness or {}
    return float(record.get("files_gain_db", record.get("gain_db", 0.0)))


def _mix_path(made: MadeShot, layout: OutputLayout, sources: tuple[Path, ...]) -> Path:
    """The shot's mix (it covers the cut)."""
    return _found(layout.mix(made.shot_id), layout, sources)


def _raw_mix(made: MadeShot, layout: OutputLayout, sources: tuple[Path, ...]) -> Iterator[np.ndarray]:
    """The shot's mix as it was before its gain, a block at a time."""
    gain = np.float32(10 ** (-_files_gain(made) / 20))
    for block in read_blocks(_mix_path(made, layout, sources)):
        block *= gain
        yield block


def _loudness_of_file(path: Path, sample_rate: int) -> float:
    """The integrated loudness of a mix file, read a block at a time."""
    channels, frames = audio_shape(path)
    return integrated_loudness_of_blocks(read_blocks(path), frames, sample_rate, channels)


def reel_gain(made: list[MadeShot], layout: OutputLayout, sample_rate: int, settings: LoudnessSettings, sources: tuple[Path, ...] = ()) -> tuple[float, float, bool]:
    """(gain dB, the reel's loudness before it, whether the ceiling held it) for the shots made:
    their mixes before gain, end to end in record order, to the target; lowered so that the
    loudest true peak of any shot stays at the ceiling. Silence gets 0 dB."""
    ordered = sorted(made, key=lambda m: m.shot.record_start_sample(sample_rate))
    files = [_mix_path(m, layout, sources) for m in ordered]
    shapes = [audio_shape(path) for path in files]
    reel = itertools.chain.from_iterable(_raw_mix(m, layout, sources) for m in ordered)  # end to end, a block at a time
    lufs = integrated_loudness_of_blocks(reel, sum(frames for _, frames in shapes), sample_rate, max((channels for channels, _ in shapes), default=2))
    peaks = [float(p) for m in made if (p := (m.loudness or {}).get("input_true_peak_dbtp")) is not None]
    gain = settings.target_lufs - lufs if settings.target_lufs is not None and math.isfinite(lufs) else 0.0
    limited = bool(peaks) and max(peaks) + gain > settings.true_peak_ceiling_dbtp
    if limited:
        gain = settings.true_peak_ceiling_dbtp - max(peaks)
    return gain, lufs, limited


def level_reel(
    made: list[MadeShot],
    layout: OutputLayout,
    sample_rate: int,
    settings: LoudnessSettings,
    known_gain_db: float | None = None,
    sources: tuple[Path, ...] = (),
) -> tuple[list[MadeShot], float | None]:
    """Give the made shots the reel's one gain (measured, or `known_gain_db`), their files in the
    run's folder or else in `sources`; see the module docstring. Returns the shots (their loudness records and stem levels updated) and the reel's
    gain (None when no shot had object stems)."""
    levelled = [m for m in made if m.loudness is not None]
    if not levelled:
        return made, known_gain_db
    if known_gain_db is None:
        gain, reel_lufs, limited = reel_gain(levelled, layout, sample_rate, settings, sources)
    else:
        gain, reel_lufs, limited = known_gain_db, None, False
    done = {m.shot_id: _level_shot(m, layout, sources, sample_rate, settings, gain, reel_lufs, limited) for m in levelled}
    return [done.get(m.shot_id, m) for m in made], gain


def _level_shot(made: MadeShot, layout: OutputLayout, sources: tuple[Path, ...], sample_rate: int, settings: LoudnessSettings, gain: float, reel_lufs: float | None, limited: bool) -> MadeShot:
    """One shot's files from its own gain to the reel's (lowered for this shot alone if its true
    peak would pass the ceiling), and its loudness record saying what was done."""
    before: dict[str, Any] = dict(made.loudness or {})
    peak = before.get("input_true_peak_dbtp")
    own_limit = peak is not None and float(peak) + gain > settings.true_peak_ceiling_dbtp + UNCHANGED_DB
    applied = settings.true_peak_ceiling_dbtp - float(peak) if own_limit else gain
    change = applied - _files_gain(made)
    rescaled = abs(change) > UNCHANGED_DB
    if rescaled:
        for name in shot_files(made, layout):
            path = _found(name, layout, sources)
            if path != layout.root / name:  # a finished shot's file elsewhere: rescaled into the run's folder
                (layout.root / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, layout.root / name)
            rescale_wav(layout.root / name, 10 ** (change / 20))
    record = {
        **before,
        "gain_db": round(applied, 2),
        "loudness_lufs": _number(_loudness_of_file(_mix_path(made, layout, sources), sample_rate)),
        "true_peak_dbtp": None if peak is None else round(float(peak) + applied, 2),
        "limited_by_true_peak": bool(limited or own_limit),
        "scope": "reel",
        "reel_gain_db": round(gain, 2),
        "reel_input_lufs": _number(reel_lufs),
        "files_gain_db": applied if rescaled else _files_gain(made),
    }
    if own_limit:
        record["note"] = f"lowered {gain - applied:.1f} dB below the reel's gain to stay under the true-peak ceiling"
    metrics = {path: _shifted(entry, change) for path, entry in made.metrics.items()} if rescaled else made.metrics
    return replace(made, loudness=record, metrics=metrics)


def _number(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else round(value, 2)


def _shifted(entry: dict[str, Any], change_db: float) -> dict[str, Any]:
    """A stem's report entry with its peak and RMS levels moved by the gain change."""
    levels = entry.get("levels")
    if not isinstance(levels, dict):
        return entry
    moved = {key: (round(value + change_db, 2) if key in ("peak_dbfs", "rms_dbfs") and isinstance(value, (int, float)) and math.isfinite(value) else value) for key, value in levels.items()}
    return {**entry, "levels": moved}
