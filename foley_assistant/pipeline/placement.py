"""The render settings of a job: the user's placement choices, the output rate, the screen-locked
pan reference of the camera, and binaural (with the SOFA file loaded, so a bad file is refused
before anything is written)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from foley_assistant.spatial.hrir import load_hrirs
from foley_assistant.spatial.settings import BinauralSettings, StereoSettings


def placement_settings(placement: StereoSettings, sample_rate: int, hfov_deg: float, binaural: bool = False, sofa_path: Path | None = None) -> StereoSettings:
    """`placement` at `sample_rate`, panned screen-locked (hard left/right at the frame edges),
    binaural when asked for or when a SOFA file is given."""
    spherical_or_measured = None
    if binaural or sofa_path is not None:
        hrirs = load_hrirs(sofa_path, sample_rate) if sofa_path is not None else None
        spherical_or_measured = replace(placement.binaural or BinauralSettings(), hrirs=hrirs)
    return replace(placement, sample_rate=sample_rate, pan_reference_deg=hfov_deg / 2, binaural=spherical_or_measured)
