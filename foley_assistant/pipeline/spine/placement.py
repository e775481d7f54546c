"""The one place where placement choices become render settings.

A job's placement is recorded in the project (`core.project_settings.Placement`, with the
loudness policy beside it); `placement_of` makes that record from the options the command line
parses, and `render_stereo`, `curve_settings` and `loudness_settings` turn the record back into
the settings of `spatial`. `generate`, the app, `export`, `placements` and `render` all go
through here, so an object is panned the same way wherever it is placed.
"""

from __future__ import annotations

from pathlib import Path

from foley_assistant.core.errors import FoleyError
from foley_assistant.core.project_settings import LoudnessPolicy, Placement, ProjectSettings
from foley_assistant.spatial.curves import CurveSettings, OffscreenMode
from foley_assistant.spatial.hrir import load_hrirs
from foley_assistant.spatial.loudness import LoudnessSettings
from foley_assistant.spatial.settings import BinauralSettings, DistanceModel, StereoSettings


def placement_of(stereo: StereoSettings, curves: CurveSettings, binaural: bool = False, sofa_path: Path | None = None) -> Placement:
    """The record of a placement given as render settings: panned screen-locked (hard left/right
    at the frame edges, whatever `stereo.pan_reference_deg` says), binaural when asked for or when
    a SOFA file is given."""
    head = stereo.binaural or BinauralSettings()
    return Placement(
        pan_law=stereo.pan_law,
        pan_reference_deg=None,
        distance_model=stereo.distance_model.value,
        reference_distance_m=stereo.reference_distance_m,
        rolloff=stereo.rolloff,
        max_distance_m=stereo.max_distance_m,
        air_absorption=stereo.air_absorption,
        doppler=stereo.doppler,
        speed_of_sound_m_s=stereo.speed_of_sound_m_s,
        interchannel_delay_ms=stereo.interchannel_delay_ms,
        smoothing_ms=stereo.smoothing_ms,
        control_interval=stereo.control_interval,
        binaural=binaural or sofa_path is not None,
        sofa_path=None if sofa_path is None else str(Path(sofa_path).resolve()),
        head_radius_m=head.head_radius_m,
        hrir_block=head.hrir_block,
        offscreen=curves.offscreen.value,
        fade_s=curves.fade_s,
        edge_margin=curves.edge_margin,
        handover_s=curves.handover_s,
    )


def render_stereo(placement: Placement, sample_rate: int, hfov_deg: float, hrirs: bool = True) -> StereoSettings:
    """The render settings of a placement at `sample_rate` for a camera of `hfov_deg`. With
    `hrirs`, a SOFA file is loaded (a bad one is refused before anything is written); without,
    binaural keeps the spherical head (enough for what reads only pans and gains: exports)."""
    binaural = None
    if placement.binaural:
        measured = load_hrirs(placement.sofa_path, sample_rate) if placement.sofa_path and hrirs else None
        binaural = BinauralSettings(head_radius_m=placement.head_radius_m, hrirs=measured, hrir_block=placement.hrir_block)
    try:
        model = DistanceModel(placement.distance_model)
    except ValueError as exc:
        raise FoleyError(f"unknown distance model {placement.distance_model!r}; choose one of {', '.join(m.value for m in DistanceModel)}.") from exc
    return StereoSettings(
        sample_rate=sample_rate,
        pan_law=placement.pan_law,
        pan_reference_deg=placement.reference_deg(hfov_deg),
        distance_model=model,
        reference_distance_m=placement.reference_distance_m,
        rolloff=placement.rolloff,
        max_distance_m=placement.max_distance_m,
        air_absorption=placement.air_absorption,
        doppler=placement.doppler,
        speed_of_sound_m_s=placement.speed_of_sound_m_s,
        interchannel_delay_ms=placement.interchannel_delay_ms,
        smoothing_ms=placement.smoothing_ms,
        control_interval=placement.control_interval,
        binaural=binaural,
    )


def project_stereo(settings: ProjectSettings, hrirs: bool = True) -> StereoSettings:
    """The render settings a project's stems are placed with (see `render_stereo`)."""
    return render_stereo(settings.placement, settings.sample_rate, settings.hfov_deg, hrirs)


def curve_settings(placement: Placement) -> CurveSettings:
    """How tracks become curves under a placement."""
    try:
        offscreen = OffscreenMode(placement.offscreen)
    except ValueError as exc:
        raise FoleyError(f"unknown off-screen mode {placement.offscreen!r}; choose one of {', '.join(m.value for m in OffscreenMode)}.") from exc
    return CurveSettings(offscreen=offscreen, fade_s=placement.fade_s, edge_margin=placement.edge_margin, handover_s=placement.handover_s)


def loudness_settings(policy: LoudnessPolicy) -> LoudnessSettings:
    """The loudness step's settings for a project's policy (checks the values)."""
    return LoudnessSettings(target_lufs=policy.target_lufs, true_peak_ceiling_dbtp=policy.true_peak_ceiling_dbtp, scope=policy.scope)


def loudness_policy(settings: LoudnessSettings) -> LoudnessPolicy:
    """The record of a loudness step's settings."""
    return LoudnessPolicy(target_lufs=settings.target_lufs, true_peak_ceiling_dbtp=settings.true_peak_ceiling_dbtp, scope=settings.scope)
