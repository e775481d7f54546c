"""Rendering a dry mono source along its spatial curves into a two-channel stem, and mixing stems.

`render_stem` picks the renderer: panned stereo (`stereo.render_panned`), or binaural with the
spherical-head model (`binaural.render_spherical_head`) or measured HRIRs (`hrir.render_hrirs`).
"""

from __future__ import annotations

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


def mix(stems: list[np.ndarray], n_samples: int) -> np.ndarray:
    """Sum of stereo stems (each (2, n)) into one (2, n) float32 mix."""
    total = np.zeros((2, n_samples), dtype=np.float64)
    for stem in stems:
        total[:, : stem.shape[1]] += stem[:, :n_samples]
    return total.astype(np.float32)
