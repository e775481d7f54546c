"""Rendering a dry mono source along its spatial curves into a two-channel stem, and mixing stems.

`render_stem` picks the renderer: panned stereo (`stereo.render_panned`), or binaural with the
spherical-head model (`binaural.render_spherical_head`) or measured HRIRs (`hrir.render_hrirs`).
Every renderer also gives its stem block by block (`stem_blocks`), so a stem need never be held
whole: a `PlacedStem` is a stem that is rendered each time it is read, and `mix_blocks` and
`MixedStems` sum stems (arrays or placed stems) a block at a time.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Union

import numpy as np

from foley_assistant.core.curves import SpatialCurves
from foley_assistant.spatial.binaural import spherical_head_blocks
from foley_assistant.spatial.hrir import hrir_blocks
from foley_assistant.spatial.settings import StereoSettings
from foley_assistant.spatial.source import mono_length
from foley_assistant.spatial.stereo import panned_blocks


def stem_blocks(dry: np.ndarray, curves: SpatialCurves, settings: StereoSettings | None = None) -> Iterator[tuple[int, np.ndarray]]:
    """The stem of `render_stem`, as consecutive (start, (2, m) float32 block) pairs."""
    settings = settings or StereoSettings()
    if settings.binaural is None:
        return panned_blocks(dry, curves, settings)
    if settings.binaural.hrirs is not None:
        return hrir_blocks(dry, curves, settings)
    return spherical_head_blocks(dry, curves, settings)


def render_stem(dry: np.ndarray, curves: SpatialCurves, settings: StereoSettings | None = None) -> np.ndarray:
    """Two-channel stem (2, n) float32 of a mono dry signal (n,) placed along its curves."""
    out = np.zeros((2, mono_length(dry)), dtype=np.float32)
    for start, part in stem_blocks(dry, curves, settings):
        out[:, start : start + part.shape[1]] = part
    return out


@dataclass(frozen=True)
class PlacedStem:
    """A dry mono source (float32) placed along its curves, rendered a block at a time each time it
    is read (`blocks`), never held whole: `render_stem` of it, value for value. `np.asarray`
    renders it whole (for short stems and checks)."""

    dry: np.ndarray
    curves: SpatialCurves
    settings: StereoSettings

    @property
    def shape(self) -> tuple[int, int]:
        return (2, mono_length(self.dry))

    def blocks(self) -> Iterator[np.ndarray]:
        """The stem's consecutive (2, m) float32 blocks."""
        for _, block in stem_blocks(self.dry, self.curves, self.settings):
            yield block

    def with_dry(self, dry: np.ndarray) -> PlacedStem:
        """The same placement of another dry source (the same one scaled, say)."""
        return replace(self, dry=dry)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        whole = render_stem(self.dry, self.curves, self.settings)
        return whole if dtype is None else whole.astype(dtype)


#: A stem as the spine holds it: a whole (2, n) array, or a placed stem rendered when read.
Stereo = Union[np.ndarray, PlacedStem]


class StemReader:
    """Reads a stem (an array or a `PlacedStem`) from its start in consecutive spans of any length."""

    def __init__(self, stem: Stereo) -> None:
        self._array = stem if isinstance(stem, np.ndarray) else None
        self._blocks = None if isinstance(stem, np.ndarray) else iter(stem.blocks())
        self._pending = np.zeros((2, 0), dtype=np.float32)
        self._position = 0

    def read(self, m: int) -> np.ndarray:
        """The next `m` samples (fewer at the stem's end), shape (2, <= m)."""
        if self._array is not None:
            part = self._array[:, self._position : self._position + m]
            self._position += part.shape[1]
            return part
        pieces, have = [self._pending], self._pending.shape[1]
        while have < m and self._blocks is not None:
            block = next(self._blocks, None)
            if block is None:
                self._blocks = None
                break
            pieces.append(block)
            have += block.shape[1]
        joined = pieces[0] if len(pieces) == 1 else np.concatenate(pieces, axis=1)
        self._pending = joined[:, m:]
        return joined[:, :m]

    def skip(self, m: int) -> None:
        """Pass over the next `m` samples."""
        for done in range(0, m, MIX_BLOCK):
            self.read(min(MIX_BLOCK, m - done))


#: Samples per block when stems are summed (about 0.7 s at 48 kHz).
MIX_BLOCK = 2**15


def mix_blocks(stems: Sequence[Stereo], n_samples: int, block: int = MIX_BLOCK, start: int = 0) -> Iterator[np.ndarray]:
    """The sum of stereo stems (arrays (2, n) or placed stems) over [start, start + n_samples), as
    consecutive float32 blocks (each summed in float64): `mix` a block at a time, in memory of one
    block per stem."""
    readers = [StemReader(stem) for stem in stems]
    for reader in readers:
        reader.skip(start)
    for first in range(0, n_samples, block):
        stop = min(first + block, n_samples)
        total = np.zeros((2, stop - first), dtype=np.float64)
        for reader in readers:
            part = reader.read(stop - first)
            total[:, : part.shape[1]] += part
        yield total.astype(np.float32)


@dataclass(frozen=True)
class MixedStems:
    """The mix of stems over [start, start + n_samples) as a block source (`shape`, `blocks()`)
    that a writer or a meter reads a block at a time."""

    stems: tuple[Stereo, ...]
    n_samples: int
    start: int = 0

    @property
    def shape(self) -> tuple[int, int]:
        return (2, self.n_samples)

    def blocks(self) -> Iterator[np.ndarray]:
        return mix_blocks(self.stems, self.n_samples, start=self.start)


def mix(stems: Sequence[Stereo], n_samples: int) -> np.ndarray:
    """Sum of stereo stems (each (2, n)) into one (2, n) float32 mix."""
    total = np.empty((2, n_samples), dtype=np.float32)
    for start, part in zip(range(0, n_samples, MIX_BLOCK), mix_blocks(stems, n_samples)):
        total[:, start : start + part.shape[1]] = part
    return total
