"""Rendering a dry mono source along its spatial curves into a two-channel stem, and mixing stems.

`render_stem` picks the renderer: panned stereo (`stereo.render_panned`), or binaural with the
spherical-head model (`binaural.render_spherical_head`) or measured HRIRs (`hrir.render_hrirs`).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from foley_assistant.core.curves import SpatialCurves
from foley_assistant.spatial.binaural import render_spherical_head
from foley_assistant.spatial.hrir import render_hrirs
from foley_assistant.spatial.settings import StereoSettings
from foley_assistant.spatial.stereo import render_panned


def render_stem(dry: np.ndarray, curves: SpatialCurves, settings: StereoSettings | None = None) -> np.ndarray:
    """Two-channel stem (2, n) float32 of a mono dry signal (n,) placed along its curves."""
    settings = settings or StereoSettings()
    if settings.binaural is None:
        return render_panned(dry, curves, settings)
    if settings.binaural.hrirs is not None:
        return render_hrirs(dry, curves, settings)
    return render_spherical_head(dry, curves, settings)


#: Samples per block when stems are summed (about 0.7 s at 48 kHz).
MIX_BLOCK = 2**15


def mix_blocks(stems: list[np.ndarray], n_samples: int, block: int = MIX_BLOCK) -> Iterator[np.ndarray]:
    """The sum of stereo stems (each (2, n)) over [0, n_samples), as consecutive float32 blocks
    (each summed in float64): `mix` a block at a time, in memory of one block."""
    for start in range(0, n_samples, block):
        stop = min(start + block, n_samples)
        total = np.zeros((2, stop - start), dtype=np.float64)
        for stem in stems:
            part = stem[:, start:stop]
            total[:, : part.shape[1]] += part
        yield total.astype(np.float32)


def mix(stems: list[np.ndarray], n_samples: int) -> np.ndarray:
    """Sum of stereo stems (each (2, n)) into one (2, n) float32 mix."""
    total = np.empty((2, n_samples), dtype=np.float32)
    for start, part in zip(range(0, n_samples, MIX_BLOCK), mix_blocks(stems, n_samples)):
        total[:, start : start + part.shape[1]] = part
    return total
